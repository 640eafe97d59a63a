"""A qasync event loop for GUI tests (the UI suite and the live UI test share it).

The loop is made with ``already_running=True``, the way the app sees it: Qt's event
processing is the asyncio loop, so ``qtbot.wait``/``waitUntil``/``waitSignal`` drive tasks
too, and a task never wakes outside a running loop. Tasks still pending at the end are
cancelled and awaited; then the loop is closed in the GUI thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Iterator
from typing import Any

import PySide6.QtWidgets  # PySide6 before qasync
import qasync

from lfdesk.app import dispose_loop, install_asyncgen_hooks


@contextlib.contextmanager
def qasync_loop(
    qapp: PySide6.QtWidgets.QApplication, qtbot: Any, timeout_ms: int = 5000
) -> Iterator[qasync.QEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    old_hooks = sys.get_asyncgen_hooks()
    install_asyncgen_hooks(loop)
    try:
        yield loop
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            qtbot.waitUntil(lambda: all(t.done() for t in pending), timeout=timeout_ms)
        closing = asyncio.ensure_future(loop.shutdown_asyncgens())
        qtbot.waitUntil(closing.done, timeout=timeout_ms)
        # Not loop.stop(): it calls QApplication.exit(), after which every QEventLoop.exec()
        # (qtbot.wait, waitSignal...) returns at once for the rest of the session.
        loop._QEventLoop__is_running = False
        asyncio.events._set_running_loop(None)
        dispose_loop(loop)  # closes it and deletes its Qt timer here, in the GUI thread
        asyncio.set_event_loop(None)
        sys.set_asyncgen_hooks(*old_hooks)
