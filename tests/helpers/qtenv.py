"""Qt's environment for tests: call ``use_offscreen()`` before anything imports Qt."""

from __future__ import annotations

import os


def use_offscreen(runtime_dir: str = "/tmp/lfdesk-test-runtime") -> None:
    """The offscreen platform (unless QT_QPA_PLATFORM says otherwise), and a private runtime
    dir so Qt does not warn about a missing one (a warning fails a test:
    qt_log_level_fail = WARNING)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("XDG_RUNTIME_DIR", runtime_dir)
    os.makedirs(os.environ["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)
