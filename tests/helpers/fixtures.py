"""The pytest fixtures of the GUI tests (UI suite and live UI test), registered for the
whole suite by tests/conftest.py. Qt is imported inside the fixtures, so a test that uses
none of them (the unit tests) never imports it.

- ``qloop``: a qasync loop on the test's QApplication, current and "running" for the whole
  test (helpers/qtloop.py);
- ``wait_for(predicate, timeout=5.0)``: process Qt (and asyncio) events until
  ``predicate()`` is true; the seconds it took;
- ``run_coro(coro, timeout=10.0)``: run a coroutine on the qasync loop, its result;
- ``memory_tokens``: a TokenStore over an in-memory keyring backend;
- ``make_window(**options)``: a ``Desk`` (lfdesk.app: the window, ``desk.window``, wired to
  its stores and presenters as the app does it; see ``helpers.window.build_window`` for the
  options), shut down at the end of the test; ``window``: one, on the sample flow.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from testkeyring import MemoryKeyring

from lfdesk.core.secrets import TokenStore

if TYPE_CHECKING:
    import qasync

    from lfdesk.app import Desk


@pytest.fixture
def qloop(qapp: Any, qtbot: Any) -> Iterator[qasync.QEventLoop]:
    from helpers.qtloop import qasync_loop

    with qasync_loop(qapp, qtbot) as loop:
        yield loop


@pytest.fixture
def wait_for(qloop: qasync.QEventLoop, qtbot: Any) -> Callable[..., float]:
    def wait(predicate: Callable[[], object], timeout: float = 5.0) -> float:
        start = time.monotonic()
        qtbot.waitUntil(lambda: bool(predicate()), timeout=int(timeout * 1000))
        return time.monotonic() - start

    return wait


@pytest.fixture
def run_coro(qloop: qasync.QEventLoop, qtbot: Any) -> Callable[..., Any]:
    def run(coro: Any, timeout: float = 10.0) -> Any:
        fut = asyncio.ensure_future(coro)
        qtbot.waitUntil(fut.done, timeout=int(timeout * 1000))
        return fut.result()

    return run


@pytest.fixture
def memory_tokens() -> TokenStore:
    return TokenStore(MemoryKeyring())


@pytest.fixture
def make_window(
    qtbot: Any, qloop: qasync.QEventLoop, memory_tokens: TokenStore
) -> Iterator[Callable[..., Desk]]:
    from helpers.window import build_window

    made: list[Desk] = []

    def make(**options: Any) -> Desk:
        options.setdefault("tokens", memory_tokens)
        desk = build_window(qtbot, **options)
        made.append(desk)
        return desk

    yield make
    for desk in made:
        desk.shutdown()


@pytest.fixture
def window(make_window: Callable[..., Desk]) -> Desk:
    return make_window(restore=True)
