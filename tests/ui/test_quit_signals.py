"""SIGTERM and SIGINT reach the app while Qt waits for events (issue 8): through the loop's
signal handling on POSIX, and through the fallback (a Python handler and a waking timer) where
the loop has none, as on Windows. The whole app quitting on them is tested in a subprocess in
tests/unit/test_local_state.py."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from typing import Any

import pytest

from lfdesk.app import install_quit_signals

posix_only = pytest.mark.skipif(os.name != "posix", reason="sends itself POSIX signals")


def _no_signal_handlers(*_args: object) -> None:
    raise NotImplementedError  # what asyncio's Windows loops do


@posix_only
@pytest.mark.parametrize("fallback", [False, True], ids=["loop", "fallback"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signals_call_quit_in_the_loop(qloop: Any, wait_for: Callable[..., float], monkeypatch: pytest.MonkeyPatch,
                                       fallback: bool, signum: int) -> None:
    if fallback:
        monkeypatch.setattr(qloop, "add_signal_handler", _no_signal_handlers)
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    got: list[int] = []
    undo = install_quit_signals(qloop, got.append)
    try:
        os.kill(os.getpid(), signum)
        wait_for(lambda: got, timeout=3)
    finally:
        undo()
    assert got == [int(signum)]
    assert {s: signal.getsignal(s) for s in before} == before  # undone: Ctrl+C is Python's again
