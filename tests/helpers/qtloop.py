"""A qasync event loop for GUI tests (the UI suite and the live UI test share it).

The loop is made with ``already_running=True``, the way the app sees it: Qt's event
processing is the asyncio loop, so ``qtbot.wait``/``waitUntil``/``waitSignal`` drive tasks
too, and a task never wakes outside a running loop.

At the end only qasync's and asyncio's public API is used: ``stop()`` leaves the "already
running" state, then ``run_until_complete`` runs one real ``QApplication.exec()`` that
cancels and awaits the tasks still pending and closes async generators. On return it clears
asyncio's running loop, and ``exec()`` resets Qt's "quit now" flag that ``stop()`` may set
(with that flag left set, every later ``QEventLoop.exec()``, so every ``qtbot.wait``, would
return at once). Then the loop is closed and its Qt objects deleted in the GUI thread.
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


async def _wind_down(timeout: float) -> list[asyncio.Task[Any]]:
    """Cancel every other task, wait for them up to ``timeout`` s, close async generators;
    returns the tasks that would not finish."""
    me = asyncio.current_task()
    pending = [t for t in asyncio.all_tasks() if t is not me and not t.done()]
    for task in pending:
        task.cancel()
    stuck: set[asyncio.Task[Any]] = set()
    if pending:
        _done, stuck = await asyncio.wait(pending, timeout=timeout)
    await asyncio.get_running_loop().shutdown_asyncgens()
    return sorted(stuck, key=repr)


@contextlib.contextmanager
def qasync_loop(
    qapp: PySide6.QtWidgets.QApplication, qtbot: Any, timeout: float = 10.0
) -> Iterator[qasync.QEventLoop]:
    """A qasync loop on ``qapp``, current and "running" inside the block; wound down and
    closed after it (a task that ignores cancellation for ``timeout`` s fails the test)."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    old_hooks = sys.get_asyncgen_hooks()
    install_asyncgen_hooks(loop)
    try:
        yield loop
    finally:
        loop.stop()
        try:
            stuck = loop.run_until_complete(_wind_down(timeout))
        finally:
            dispose_loop(loop)  # closes it and deletes its Qt timer here, in the GUI thread
            asyncio.set_event_loop(None)
            sys.set_asyncgen_hooks(*old_hooks)
        assert not stuck, f"tasks still running {timeout} s after being cancelled: {stuck}"
