"""Start the GUI: QApplication, a qasync event loop, the main window, and a clean shutdown.

``run_app`` is what ``lfdesk`` with no subcommand runs; ``take_screenshot`` renders the
window to a PNG for ``lfdesk screenshot`` (offscreen when there is no display).
PySide6 is always imported before qasync, so qasync picks the PySide6 binding.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)



def install_asyncgen_hooks(loop: asyncio.AbstractEventLoop) -> None:
    """qasync never calls asyncio's ``run_forever``, so async generators left unclosed
    (httpx streams) would be finalized by the garbage collector outside the loop; let the
    loop close them instead, as asyncio itself does."""
    firstiter = getattr(loop, "_asyncgen_firstiter_hook", None)
    finalizer = getattr(loop, "_asyncgen_finalizer_hook", None)
    if firstiter is not None and finalizer is not None:
        sys.set_asyncgen_hooks(firstiter=firstiter, finalizer=finalizer)


def dispose_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Close a qasync loop and delete its Qt helper objects now, in the GUI thread.

    Left to the garbage collector, qasync's timer object may be destroyed from whatever
    thread happens to collect it ("Timers cannot be stopped from another thread"), which
    can crash the process.
    """
    import shiboken6

    if not loop.is_closed():
        loop.close()
    for name in ("_timer", "_QEventLoop__call_soon_signaller"):
        obj = getattr(loop, name, None)
        if obj is not None and shiboken6.isValid(obj):
            shiboken6.delete(obj)
    asyncio.set_event_loop(None)


def _application(argv: list[str]) -> Any:
    from PySide6.QtWidgets import QApplication

    app: Any = QApplication.instance()
    if app is None:
        # Only Qt's own options (-style, -platform...) go to Qt; callers may pass argv with
        # or without the program name, and a flow path is no business of Qt's.
        program = sys.argv[0] if sys.argv and sys.argv[0] else "lfdesk"
        app = QApplication([program, *(a for a in argv if a.startswith("-"))])
    app.setApplicationName("lfdesk")
    app.setApplicationDisplayName("lfdesk")
    app.setOrganizationName("lfdesk")
    app.setDesktopFileName("lfdesk")
    return app


def install_error_handlers(window: Any, loop: asyncio.AbstractEventLoop, log_file: Path) -> None:
    """A bug must never show a traceback or leave the user guessing: an exception that
    escapes a slot or a task is logged (masked) and named in the window's banner."""
    from lfdesk.core.logsetup import mask

    def report(exc: BaseException) -> None:
        log.error("Unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
        text = mask(str(exc)) or type(exc).__name__
        with contextlib.suppress(RuntimeError):  # the window is already gone (shutting down)
            window.show_banner(
                f"Something went wrong: {text}. Your work is kept; details are in {log_file}."
            )

    def excepthook(exc_type: type[BaseException], exc: BaseException, tb: Any) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        report(exc.with_traceback(tb))

    def loop_handler(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, BaseException):
            report(exc)
        else:
            log.error("Event loop: %s", context.get("message"))

    sys.excepthook = excepthook
    loop.set_exception_handler(loop_handler)


def run_app(argv: list[str], flow_path: str | None) -> int:
    """Run the GUI until the window closes; returns the exit code."""
    app = _application(argv)
    import qasync  # type: ignore[import-untyped]  # after PySide6 (imported by _application)

    from lfdesk.core.logsetup import setup_logging
    from lfdesk.ui.mainwindow import MainWindow

    log_file = setup_logging()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    install_asyncgen_hooks(loop)
    window = MainWindow()
    install_error_handlers(window, loop, log_file)
    window.show()
    if flow_path:
        if not window.open_path(flow_path):
            message = window.banner.text()
            window.open_sample()
            window.show_banner(message)
    else:
        window.restore_last()

    # Qt must not leave its event loop under qasync's feet: closing the window ends main(),
    # which cleans up and only then stops the loop.
    app.setQuitOnLastWindowClosed(False)
    closed = asyncio.Event()
    app.aboutToQuit.connect(closed.set)
    app.lastWindowClosed.connect(closed.set)

    async def main() -> None:
        await closed.wait()
        window.shutdown()
        await window.run_ctrl.aclose()
        await window.conn.aclose()
        await loop.shutdown_asyncgens()

    try:
        loop.run_until_complete(main())
    except KeyboardInterrupt:
        window.shutdown()
    finally:
        dispose_loop(loop)
    return 0


def _parse_size(size: tuple[int, int]) -> tuple[int, int]:
    w, h = size
    if w < 200 or h < 150:
        raise ValueError(f"window size {w}x{h} is too small (at least 200x150)")
    return w, h


def _prepare_screenshot(
    window: Any, flow: str | None, select: str | None, width: int, height: int
) -> str | None:
    """Show the window with the flow and selection asked for; a message if that fails."""
    window.resize(width, height)
    window.show()
    if flow:
        if not window.open_path(flow):
            return str(window.banner.text())
    else:
        window.open_sample()
    if select:
        session = window.session
        if session is None or not session.flow.has_component(select):
            known = ", ".join(c.id for c in session.flow.components) if session else ""
            return f"no component {select!r} in the flow (components: {known})"
        window.tree.select_component(select)
        window.show_component(select)
    return None


def _quiet_offscreen_warnings() -> Any:
    """The offscreen platform warns that it "does not support propagateSizeHints()" on
    every window; say nothing about that, pass every other Qt message on."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    def handler(kind: QtMsgType, _context: Any, message: str) -> None:
        if "propagateSizeHints" in message:
            return
        if kind != QtMsgType.QtDebugMsg:
            print(message, file=sys.stderr)

    return qInstallMessageHandler(handler)


def take_screenshot(
    out: Path,
    flow: str | None,
    select: str | None,
    size: tuple[int, int],
) -> int:
    """Render the main window to ``out`` (PNG) and return 0; 2 with a message on bad input.

    Uses the offscreen platform when there is no display. Nothing is saved to the user's
    settings; the window shows ``flow`` (or the sample flow) with ``select`` selected.
    """
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        width, height = _parse_size(size)
    except ValueError as exc:
        print(f"lfdesk screenshot: {exc}", file=sys.stderr)
        return 2
    app = _application(sys.argv[:1])
    previous_handler = _quiet_offscreen_warnings()
    import qasync

    from lfdesk.core.settings import Settings
    from lfdesk.ui.mainwindow import MainWindow

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    install_asyncgen_hooks(loop)
    window = MainWindow(settings=Settings(), persist=False)
    try:
        problem = _prepare_screenshot(window, flow, select, width, height)
        if problem is not None:
            print(f"lfdesk screenshot: {problem}", file=sys.stderr)
            return 2

        async def settle() -> None:
            deadline = time.monotonic() + 5.0
            while time.monotonic() < deadline:
                await asyncio.sleep(0.05)
                if window.preview.text().strip() and not window.preview.is_pending():
                    break
            await asyncio.sleep(0.2)  # let the highlighter and layouts finish

        loop.run_until_complete(settle())
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        ok = window.grab().save(str(out))
    finally:
        window.shutdown()
        window.close()
        loop.run_until_complete(window.conn.aclose())
        dispose_loop(loop)
        window.deleteLater()
        from PySide6.QtCore import qInstallMessageHandler

        qInstallMessageHandler(previous_handler)
    if not ok:
        print(f"lfdesk screenshot: could not write {out}", file=sys.stderr)
        return 1
    return 0
