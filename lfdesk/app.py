"""Start the GUI: QApplication, a qasync event loop, the main window, and a clean shutdown.

``run_app`` is what ``lfdesk`` with no subcommand runs; ``take_screenshot`` renders the
window to a PNG for ``lfdesk screenshot`` (offscreen when there is no display). SIGTERM (a
desktop session logging out) and SIGINT (Ctrl+C) quit the app as closing its window does.
PySide6 is always imported before qasync, so qasync picks the PySide6 binding.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# PySide6 comes in here (the ui modules), before qasync, which run_app and take_screenshot
# import later: qasync then picks the PySide6 binding.
from lfdesk.core import paths
from lfdesk.core.history import RunHistory
from lfdesk.core.presets import PresetLibrary
from lfdesk.core.profiles import ProfileStore
from lfdesk.core.secrets import TokenStore
from lfdesk.core.settings import Settings, load_settings, save_settings
from lfdesk.ui.catalogview import CatalogPresenter
from lfdesk.ui.chatsessions import ChatSessionPresenter
from lfdesk.ui.clientpool import ClientPool
from lfdesk.ui.connection import ConnectionController
from lfdesk.ui.connectionview import ConnectionPresenter
from lfdesk.ui.documents import DocumentPresenter
from lfdesk.ui.historyview import HistoryPresenter
from lfdesk.ui.mainwindow import MainWindow
from lfdesk.ui.notices import Notices
from lfdesk.ui.panes import PanesPresenter
from lfdesk.ui.parts import Parts
from lfdesk.ui.presets import LibraryFor, PresetPresenter
from lfdesk.ui.runs import HistoryController, RunController
from lfdesk.ui.runview import RunPresenter

log = logging.getLogger(__name__)


class Desk:
    """The window and everything behind it, wired: the stores (given), one ClientPool, the
    controllers that own the asyncio tasks, and one presenter per concern. ``lfdesk``,
    ``lfdesk screenshot`` and the GUI tests each build one.

    ``persist``: window state and settings are saved at shutdown (and the window state
    restored now); off for screenshots and tests.
    """

    def __init__(
        self,
        *,
        settings: Settings,
        profiles: ProfileStore,
        tokens: TokenStore,
        history: RunHistory,
        clients: ClientPool | None = None,
        preset_library: LibraryFor = PresetLibrary.for_flow,
        persist: bool = True,
    ) -> None:
        self.settings = settings
        self.profiles = profiles
        self.tokens = tokens
        self.clients = clients if clients is not None else ClientPool()
        self.persist = persist
        self._shut = False

        w = self.window = MainWindow()
        self.notices = Notices(w)
        w.show_notices(self.notices)
        self.conn = ConnectionController(tokens, self.clients, w)
        self.run_ctrl = RunController(tokens, self.clients, w)
        self.history_ctrl = HistoryController(history, w)
        self.history_ctrl.watch(self.run_ctrl)

        parts = Parts(w, self.notices, settings, self.conn, self.run_ctrl, self.history_ctrl)
        self.connection = ConnectionPresenter(parts, profiles)
        self.documents = DocumentPresenter(parts, self.connection)
        # Made in this order, they hear of a new document in this order: the chat is
        # emptied before the preview reads its input, the last flow's server-computed
        # choices are forgotten before the form shows the new one, presets come last.
        self.sessions = ChatSessionPresenter(parts, self.documents, self.connection)
        self.catalog = CatalogPresenter(parts, self.documents, self.connection)
        self.panes = PanesPresenter(parts, self.documents, self.connection)
        self.presets = PresetPresenter(parts, self.documents, preset_library)
        self.history = HistoryPresenter(parts, self.documents)
        self.runner = RunPresenter(parts, self.documents, self.connection)
        self._wire()

        self.history.refresh()
        self.connection.reload_profiles(select=settings.last_profile)
        if persist:
            w.restore_window_state()

    def _wire(self) -> None:
        w = self.window
        self.documents.documentChanged.connect(lambda d: w.show_flow_name(d.flow.name))
        self.documents.settingsChanged.connect(self.save_settings)
        self.connection.locationChanged.connect(w.show_location)
        self.panes.tweaksChanged.connect(self.presets.mark_edited)
        self.panes.viewModeChanged.connect(w.show_view_mode)
        self.presets.tweaksReplaced.connect(self.panes.tweaks_replaced)
        self.history.tweaksReplaced.connect(self.panes.tweaks_replaced)
        for replaced in (self.presets.tweaksReplaced, self.history.tweaksReplaced):
            replaced.connect(lambda: self.catalog.update_notes())
        self.history.restored.connect(lambda: w.show_history(False))
        self.sessions.sessionChanged.connect(lambda _sid: self.panes.update_preview())
        self.runner.runningChanged.connect(w.set_running)
        w.fileDropped.connect(self.documents.open_path)
        w.closing.connect(self.shutdown)

        for action, slot in (
            (w.act_open, self.documents.choose_file),
            (w.act_open_server, self.documents.open_from_server),
            (w.act_reload, self.documents.reload_from_server),
            (w.act_save_preset, self.presets.choose_file_to_save),
            (w.act_load_preset, self.presets.choose_file_to_load),
            (w.act_connections, self.connection.open_connections),
            (w.act_test, self.connection.test_connection),
            (w.act_run, self.runner.run),
            (w.act_stop, self.runner.stop),
            (w.act_new_session, self.sessions.new_session),
        ):
            action.triggered.connect(lambda _checked=False, slot=slot: slot())
        w.act_view_exposed.triggered.connect(lambda: self.panes.set_view_mode("exposed"))
        w.act_view_all.triggered.connect(lambda: self.panes.set_view_mode("all"))

    def save_settings(self) -> None:
        if not self.persist:
            return
        try:
            save_settings(self.settings)
        except OSError as exc:
            self.notices.say(f"Could not save the settings: {exc}", 8000)

    def shutdown(self) -> None:
        """Stop what runs and save what should survive; once (closing the window calls it,
        and so may the code that closed it)."""
        if self._shut:
            return
        self._shut = True
        self.run_ctrl.stop()
        self.run_ctrl.cancel_all()
        self.conn.cancel_all()
        self.history_ctrl.close()  # after the stop: a run stopped here is recorded
        if self.persist:
            with contextlib.suppress(OSError):  # QSettings keeps a file's mode: make it 0600
                paths.private_file(Path(self.window.qsettings().fileName()))
            self.window.save_window_state()
            self.save_settings()

    async def aclose(self) -> None:
        """``shutdown``, then wait for the tasks to end and close the HTTP clients."""
        self.shutdown()
        await self.conn.aclose()
        await self.run_ctrl.shutdown()
        await self.clients.aclose()


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


def install_quit_signals(
    loop: asyncio.AbstractEventLoop, quit_: Callable[[int], None]
) -> Callable[[], None]:
    """Call ``quit_(signum)`` in the loop on SIGTERM and SIGINT; returns the undo.

    POSIX: the loop's own signal handling (a wakeup fd the Qt loop watches, so the signal is
    seen at once even while Qt waits). Elsewhere (Windows has no ``add_signal_handler``): a
    Python handler, and a timer that lets the interpreter run every 200 ms so it gets to it.
    """
    wanted = [signal.SIGINT, signal.SIGTERM]
    try:
        for signum in wanted:
            loop.add_signal_handler(signum, quit_, int(signum))
    except (NotImplementedError, RuntimeError, ValueError):
        from PySide6.QtCore import QTimer

        def handler(signum: int, _frame: object) -> None:
            loop.call_soon_threadsafe(quit_, signum)

        previous = {signum: signal.signal(signum, handler) for signum in wanted}
        timer = QTimer()
        timer.timeout.connect(lambda: None)
        timer.start(200)

        def undo_fallback() -> None:
            timer.stop()
            for signum, old in previous.items():
                signal.signal(signum, old)

        return undo_fallback

    def undo() -> None:
        for signum in wanted:
            with contextlib.suppress(RuntimeError, ValueError):  # the loop is closed already
                loop.remove_signal_handler(signum)

    return undo


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
    """Run the GUI until the window closes, or SIGTERM or SIGINT asks it to quit (settings,
    window state and the history are saved and closed either way); returns the exit code:
    0, or 130 after SIGINT."""
    app = _application(argv)
    import qasync  # type: ignore[import-untyped]  # after PySide6 (imported by _application)

    from lfdesk.core.logsetup import setup_logging

    log_file = setup_logging()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    install_asyncgen_hooks(loop)
    settings, warning = load_settings()
    desk = Desk(
        settings=settings, profiles=ProfileStore(), tokens=TokenStore(), history=RunHistory()
    )
    install_error_handlers(desk.window, loop, log_file)
    desk.window.show()
    if flow_path:
        desk.documents.open_or_sample(flow_path)
    else:
        desk.documents.restore_last()
    # After the flow opens (opening dismisses the banner), with what that said, if anything.
    warnings = [w for w in (warning, *desk.profiles.warnings, desk.window.banner.text()) if w]
    if warnings:
        desk.notices.error(" ".join(warnings))

    # Qt must not leave its event loop under qasync's feet: closing the window ends main(),
    # which cleans up and only then stops the loop.
    app.setQuitOnLastWindowClosed(False)
    closed = asyncio.Event()
    app.aboutToQuit.connect(closed.set)
    app.lastWindowClosed.connect(closed.set)
    signalled: list[int] = []

    def quit_on_signal(signum: int) -> None:
        log.info("Quitting on signal %d", signum)
        signalled.append(signum)
        desk.window.close()  # as the user closing it: the same shutdown
        closed.set()

    undo_signals = install_quit_signals(loop, quit_on_signal)
    log.info("Window open; quits on closing, SIGTERM or SIGINT")

    async def main() -> None:
        await closed.wait()
        await desk.aclose()
        await loop.shutdown_asyncgens()

    try:
        loop.run_until_complete(main())
    except KeyboardInterrupt:
        desk.shutdown()
        signalled.append(signal.SIGINT)
    finally:
        undo_signals()
        dispose_loop(loop)
    return 130 if signal.SIGINT in signalled else 0


MAX_SCREENSHOT = (7680, 4320)  # 8K: Qt cannot allocate the pixels of much larger (it crashed)


def _parse_size(size: tuple[int, int]) -> tuple[int, int]:
    w, h = size
    if w < 200 or h < 150:
        raise ValueError(f"window size {w}x{h} is too small (at least 200x150)")
    if w > MAX_SCREENSHOT[0] or h > MAX_SCREENSHOT[1]:
        most = "x".join(map(str, MAX_SCREENSHOT))
        raise ValueError(f"window size {w}x{h} is too large (at most {most})")
    return w, h


def _prepare_screenshot(
    desk: Desk, flow: str | None, select: str | None, width: int, height: int
) -> str | None:
    """Show the window with the flow and selection asked for; a message if that fails."""
    window = desk.window
    window.resize(width, height)
    window.show()
    if flow:
        if not desk.documents.open_path(flow):
            return str(window.banner.text())
    else:
        desk.documents.open_sample()
    if select:
        document = desk.documents.document
        if document is None or not document.flow.has_component(select):
            known = ", ".join(c.id for c in document.flow.components) if document else ""
            return f"no component {select!r} in the flow (components: {known})"
        window.tree.select_component(select)
        desk.panes.show_component(select)
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

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    install_asyncgen_hooks(loop)
    desk = Desk(
        settings=Settings(),
        profiles=ProfileStore(),
        tokens=TokenStore(),
        history=RunHistory(),
        persist=False,
    )
    window = desk.window
    try:
        problem = _prepare_screenshot(desk, flow, select, width, height)
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
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            ok = False  # said below, in one line
        else:
            ok = window.grab().save(str(out))
    finally:
        window.close()
        loop.run_until_complete(desk.aclose())
        dispose_loop(loop)
        window.deleteLater()
        from PySide6.QtCore import qInstallMessageHandler

        qInstallMessageHandler(previous_handler)
    if not ok:
        print(f"lfdesk screenshot: could not write {out}", file=sys.stderr)
        return 1
    return 0
