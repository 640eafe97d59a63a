"""Small pieces the tests share, one copy of each.

Importable as ``helpers`` because tests/conftest.py puts tests/ on ``sys.path`` (as it does
for replay_server, testkeyring and toolchains); the benchmarks run as scripts from tests/.

Without Qt: ``helpers.data`` (paths, flows, ids), ``helpers.net`` (free_port),
``helpers.tools`` (required system tools). With Qt, imported only where Qt is wanted:
``helpers.qtenv`` (offscreen setup, before any Qt import), ``helpers.qtloop`` (the qasync
loop of the GUI tests), ``helpers.window`` (building the window as a ``Desk`` and driving it),
``helpers.shots`` (screenshots and their pixels). ``helpers.fixtures`` holds the pytest
fixtures that tests/conftest.py registers; its Qt imports happen inside the fixtures.
"""
