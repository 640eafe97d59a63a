"""GUI test setup: Qt runs offscreen, set before anything imports Qt."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep Qt quiet about a missing runtime dir under offscreen (a warning would fail the tests,
# qt_log_level_fail = WARNING).
os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp/lfdesk-test-runtime")
os.makedirs(os.environ["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)



def pytest_collection_modifyitems(items: list) -> None:  # type: ignore[type-arg]
    """The offscreen platform warns when a shown window's size hints change; not a bug of ours."""
    from pathlib import Path

    import pytest as _pytest

    here = Path(__file__).parent
    for item in items:
        if here in Path(str(getattr(item, "path", ""))).parents:
            item.add_marker(
                _pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
            )

# --- asyncio on the Qt loop (qasync) ----------------------------------------------------------

import asyncio  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from typing import Any  # noqa: E402

import PySide6.QtWidgets  # noqa: E402  (PySide6 before qasync)
import pytest  # noqa: E402
import qasync  # noqa: E402
from qtloop import qasync_loop  # noqa: E402


@pytest.fixture
def qloop(qapp: PySide6.QtWidgets.QApplication, qtbot: Any) -> Iterator[qasync.QEventLoop]:
    """A qasync loop on the test's QApplication, current and "running" for the whole test
    (see tests/qtloop.py)."""
    with qasync_loop(qapp, qtbot) as loop:
        yield loop


@pytest.fixture
def wait_for(qloop: qasync.QEventLoop, qtbot: Any) -> Callable[..., float]:
    """``wait_for(predicate, timeout=5.0)``: process Qt (and asyncio) events until
    ``predicate()`` is true; returns the seconds it took (fails the test on timeout)."""

    def wait(predicate: Callable[[], object], timeout: float = 5.0) -> float:
        start = time.monotonic()
        qtbot.waitUntil(lambda: bool(predicate()), timeout=int(timeout * 1000))
        return time.monotonic() - start

    return wait


@pytest.fixture
def run_coro(qloop: qasync.QEventLoop, qtbot: Any) -> Callable[..., Any]:
    """``run_coro(coro, timeout=10.0)``: run a coroutine on the qasync loop, return its result."""

    def run(coro: Any, timeout: float = 10.0) -> Any:
        fut = asyncio.ensure_future(coro)
        qtbot.waitUntil(fut.done, timeout=int(timeout * 1000))
        return fut.result()

    return run


# --- tokens in memory ---------------------------------------------------------------------------

from keyring.backend import KeyringBackend  # noqa: E402

from lfdesk.core.secrets import TokenStore  # noqa: E402


class MemoryKeyring(KeyringBackend):
    """A keyring backend in a dict: a "real" keyring for tests, gone with the process."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def memory_tokens() -> TokenStore:
    """A TokenStore over an in-memory keyring backend (never the user's keyring)."""
    return TokenStore(MemoryKeyring())
