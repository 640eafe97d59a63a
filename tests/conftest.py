"""Shared test setup: the helpers importable, every lfdesk path in a temp dir, and never the
user's own keyring.

- tests/ goes on ``sys.path``: ``helpers``, ``replay_server``, ``testkeyring`` and
  ``toolchains`` import as top-level modules from every test directory.
- Keyring: for the whole session, children get ``PYTHON_KEYRING_BACKEND`` set to keyring's
  null backend, and every test starts with a fresh in-memory backend in this process
  (``memory_keyring``). A test that wants the OS keyring asks for ``os_keyring``.
- ``LFDESK_HOME``: a temp dir for the session, and a fresh one for every test
  (``lfdesk_home``).
- The GUI fixtures (qloop, wait_for, run_coro, memory_tokens, make_window, window) come from
  helpers/fixtures.py; they import Qt only when used.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import keyring  # noqa: E402
from helpers.data import artifacts_path  # noqa: E402
from helpers.fixtures import (  # noqa: E402, F401  (registered here for every test)
    make_window,
    memory_tokens,
    qloop,
    run_coro,
    wait_for,
    window,
)
from hostile_server import HostileServer  # noqa: E402
from keyring.backend import KeyringBackend  # noqa: E402
from keyring.core import init_backend  # noqa: E402
from replay_server import ReplayServer  # noqa: E402
from testkeyring import CHILD_BACKEND, MemoryKeyring  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _no_os_keyring(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test reaches the OS keyring unless it asks (``os_keyring``): child processes get
    the null backend, this process an in-memory one; LFDESK_HOME is a temp dir even for
    session fixtures."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LFDESK_HOME", str(tmp_path_factory.mktemp("lfdesk-session-home")))
        mp.setenv("PYTHON_KEYRING_BACKEND", CHILD_BACKEND)
        keyring.set_keyring(MemoryKeyring())
        yield


@pytest.fixture(autouse=True)
def memory_keyring() -> MemoryKeyring:
    """This test's keyring backend (a fresh, empty one in memory): what ``TokenStore()`` and
    the app's window use unless given another."""
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture
def os_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[KeyringBackend]:
    """Opt in to the real OS keyring: keyring's own choice in this process, and children
    no longer told to use the null backend. Back to memory after the test."""
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    init_backend()
    try:
        yield keyring.get_keyring()
    finally:
        keyring.set_keyring(MemoryKeyring())


@pytest.fixture(autouse=True)
def lfdesk_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's LFDESK_HOME: every lfdesk path is under it. Not created (lfdesk makes its
    folders on demand); its parent is an empty temp dir of its own."""
    home = tmp_path_factory.mktemp("lfdesk-home") / "home"
    monkeypatch.setenv("LFDESK_HOME", str(home))
    return home


@pytest.fixture
def _lfdesk_home(lfdesk_home: Path) -> Path:
    """The old name of ``lfdesk_home`` (tests/unit/test_presets.py still uses it)."""
    return lfdesk_home


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileServer]:
    """A misbehaving server of our own on loopback (tests/hostile_server.py), per module."""
    server = HostileServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def replay_server() -> Iterator[ReplayServer]:
    server = ReplayServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests leave screenshots and other things to look at."""
    return artifacts_path()
