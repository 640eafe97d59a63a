"""TaskOwner: the base of every controller that runs asyncio tasks for the window.

It keeps a reference to each running task (named slots), so none is garbage-collected, and a
new task in a slot cancels the old one. Bodies catch their own failures; one that escapes is
a bug in lfdesk and is logged in full.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QObject

log = logging.getLogger(__name__)


class TaskOwner(QObject):
    """Owns named asyncio tasks: ``spawn`` one per slot, ``cancel_all``, ``aclose``."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: dict[str, asyncio.Task[Any]] = {}

    def spawn(self, slot: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``coro`` as the task of ``slot``, cancelling the one there before."""
        old = self._tasks.get(slot)
        if old is not None and not old.done():
            old.cancel()
        task = asyncio.get_event_loop().create_task(coro)
        self._tasks[slot] = task
        task.add_done_callback(functools.partial(self._forget, slot))
        return task

    def _forget(self, slot: str, task: asyncio.Task[Any]) -> None:
        if self._tasks.get(slot) is task:
            del self._tasks[slot]
        if not task.cancelled() and task.exception() is not None:
            log.error("task %s failed", slot, exc_info=task.exception())

    def task(self, slot: str) -> asyncio.Task[Any] | None:
        return self._tasks.get(slot)

    def busy(self) -> bool:
        return any(not t.done() for t in self._tasks.values())

    def cancel_all(self) -> list[asyncio.Task[Any]]:
        tasks = [t for t in self._tasks.values() if not t.done()]
        for t in tasks:
            t.cancel()
        return tasks

    async def drain(self) -> None:
        """Wait until every task started so far is done."""
        tasks = [t for t in self._tasks.values() if not t.done()]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def aclose(self) -> None:
        """Cancel every task and wait for them to finish (for a clean shutdown)."""
        tasks = self.cancel_all()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
