"""The main window: flow tree, component form, code preview, chat and history, laid out.

The window only lays widgets out and keeps its own state (geometry, splitters, which bottom
tab shows, the title). Its actions do nothing by themselves: ``lfdesk.app`` connects them to
the presenters (documents, connection, presets, chat sessions, history, run), which do the
work and tell the window what to show.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QByteArray, QSettings, Qt, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QPalette,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from lfdesk import __version__
from lfdesk.core import paths
from lfdesk.ui.chatpane import ChatPane
from lfdesk.ui.codepreview import CodePreview
from lfdesk.ui.flowtree import FlowTree
from lfdesk.ui.forms import ComponentForm
from lfdesk.ui.historypane import HistoryPane
from lfdesk.ui.icons import INVALID_COLOR, flow_icon
from lfdesk.ui.notices import Notices

log = logging.getLogger(__name__)

Shortcut = QKeySequence | QKeySequence.StandardKey | str | list[QKeySequence] | None


class Banner(QFrame):
    """A non-modal message strip above the panes (bad files, settings problems...)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(self, text: str, *, error: bool = True) -> None:
        parent = self.parentWidget()
        pal = parent.palette() if parent is not None else self.palette()
        base = pal.color(QPalette.ColorRole.Window)
        tint = INVALID_COLOR if error else pal.color(QPalette.ColorRole.Highlight)
        mixed = base.toRgb()
        t = 0.22
        mixed.setRgb(
            round(base.red() + (tint.red() - base.red()) * t),
            round(base.green() + (tint.green() - base.green()) * t),
            round(base.blue() + (tint.blue() - base.blue()) * t),
        )
        own = self.palette()
        own.setColor(QPalette.ColorRole.Window, mixed)
        self.setPalette(own)
        self.label.setText(text)
        self.show()

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""


class MainWindow(QMainWindow):
    """Toolbar, menus, the three panes over the chat and history, banner and status bar.

    Signals: ``fileDropped(str)`` (a .json file was dropped on the window), ``closing()``
    (the window is closing: stop what runs, save what should survive).
    """

    fileDropped = Signal(str)
    closing = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowIcon(flow_icon())
        self._flow_name = "no flow"
        self._where = "no connection"
        self._build_widgets()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self.bottom_tabs.currentChanged.connect(self._bottom_tab_changed)
        self.chat.rawEventsToggled.connect(self._raw_toggled)
        self.setAcceptDrops(True)
        self.resize(*self._first_size())
        self.set_running(False)
        self._update_title()

    # --- construction -------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.banner = Banner(self)
        self.tree = FlowTree()
        self.tree.setObjectName("flowTree")
        # The form scrolls its fields itself (its header stays put), so no outer scroll area.
        self.form = ComponentForm()
        self.form.setObjectName("componentForm")
        self.preview = CodePreview()
        self.preview.setObjectName("codePreview")
        self.chat = ChatPane()
        self.chat.setObjectName("chatPane")

        self.top_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.top_splitter.setObjectName("topSplitter")
        self.top_splitter.addWidget(self.tree)
        self.top_splitter.addWidget(self.form)
        self.top_splitter.addWidget(self.preview)
        self.top_splitter.setStretchFactor(0, 2)
        self.top_splitter.setStretchFactor(1, 3)
        self.top_splitter.setStretchFactor(2, 4)
        self.top_splitter.setSizes([320, 480, 600])
        self.main_splitter = QSplitter(Qt.Orientation.Vertical)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(self.top_splitter)
        # Chat and History share the wide, short band under the panes: a run list with its
        # details side by side fits there; a side dock squeezed the tree and the code.
        self.history_pane = HistoryPane()
        self.history_pane.setObjectName("historyPane")
        self.chat.title.hide()  # the tab says "Chat"
        self.bottom_tabs = QTabWidget()
        self.bottom_tabs.setObjectName("bottomTabs")
        self.bottom_tabs.setDocumentMode(True)
        self.bottom_tabs.addTab(self.chat, "Chat")
        self.bottom_tabs.addTab(self.history_pane, "History")
        self.bottom_tabs.setTabToolTip(1, "The runs made so far (Ctrl+H)")
        self.main_splitter.addWidget(self.bottom_tabs)
        self.main_splitter.setStretchFactor(0, 3)
        self.main_splitter.setStretchFactor(1, 2)
        self.main_splitter.setSizes([600, 290])
        for s in (self.top_splitter, self.main_splitter):
            s.setChildrenCollapsible(False)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.setSpacing(4)
        layout.addWidget(self.banner)
        layout.addWidget(self.main_splitter, 1)
        self.setCentralWidget(central)

        self.server_label = QLabel()
        self.server_label.setObjectName("serverStatus")
        self.statusBar().addPermanentWidget(self.server_label)

    def _action(
        self,
        text: str,
        shortcut: Shortcut = None,
        tip: str | None = None,
        slot: Callable[[], object] | None = None,
    ) -> QAction:
        act = QAction(text, self)
        if isinstance(shortcut, list):
            act.setShortcuts(shortcut)
        elif shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        if tip:
            act.setStatusTip(tip)
            act.setToolTip(tip)
        if slot is not None:
            act.triggered.connect(slot)
        self.addAction(act)
        return act

    def _build_actions(self) -> None:
        self.act_open = self._action(
            "&Open…", QKeySequence.StandardKey.Open, "Open a flow file (.json)"
        )
        self.act_open_server = self._action(
            "Open from &server…", "Ctrl+Shift+O", "Pick one of the server's flows"
        )
        self.act_reload = self._action(
            "&Reload from server",
            "Ctrl+R",
            "Fetch this flow again from the server, keeping your tweaks",
        )
        self.act_reload.setEnabled(False)
        self.act_save_preset = self._action(
            "Save tweaks &preset…",
            "Ctrl+S",
            "Save the changed values to a JSON file (secrets are left out)",
        )
        self.act_load_preset = self._action(
            "&Load tweaks preset…", "Ctrl+L", "Apply the values of a preset file"
        )
        self.act_quit = self._action("&Quit", QKeySequence.StandardKey.Quit, slot=self.close)
        self.act_connections = self._action("&Connections…", "Ctrl+K", "Servers, tokens and TLS")
        self.act_test = self._action(
            "&Test connection",
            "Ctrl+T",
            "Check the server and the token of the current connection",
        )
        self.act_run = self._action(
            "▶ Run",
            [QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")],
            "Run the flow with the chat input (Ctrl+Enter)",
        )
        self.act_stop = self._action("■ Stop", "Esc", "Stop the running flow (Esc)")
        self.act_new_session = self._action("&New chat session", "Ctrl+Shift+N")
        self.view_group = QActionGroup(self)
        self.act_view_exposed = QAction("&Exposed fields only", self, checkable=True)
        self.act_view_all = QAction("&All fields", self, checkable=True)
        for act in (self.act_view_exposed, self.act_view_all):
            self.view_group.addAction(act)
        self.act_raw = QAction("&Raw events", self, checkable=True)
        self.act_raw.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.act_raw.toggled.connect(self.chat.set_raw_events_visible)
        self.addAction(self.act_raw)
        self.act_about = self._action("&About lfdesk", slot=self.show_about)
        self.act_history = QAction("&History", self, checkable=True)
        self.act_history.setShortcut(QKeySequence("Ctrl+H"))
        self.act_history.setStatusTip("Show the runs made so far, or the chat again (Ctrl+H)")
        self.act_history.toggled.connect(self.show_history)
        self.addAction(self.act_history)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.act_open)
        file_menu.addAction(self.act_open_server)
        file_menu.addAction(self.act_reload)
        self.recent_menu = file_menu.addMenu("Recent &files")
        file_menu.addSeparator()
        file_menu.addAction(self.act_save_preset)
        file_menu.addAction(self.act_load_preset)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        run_menu = bar.addMenu("&Run")
        run_menu.addAction(self.act_run)
        run_menu.addAction(self.act_stop)
        run_menu.addAction(self.act_new_session)
        conn_menu = bar.addMenu("&Connection")
        conn_menu.addAction(self.act_connections)
        conn_menu.addAction(self.act_test)
        view_menu = bar.addMenu("&View")
        view_menu.addAction(self.act_view_exposed)
        view_menu.addAction(self.act_view_all)
        view_menu.addSeparator()
        view_menu.addAction(self.act_raw)
        view_menu.addAction(self.act_history)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.act_about)

    def _build_toolbar(self) -> None:
        tb = self.addToolBar("Main")
        tb.setObjectName("mainToolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        open_button = QToolButton()
        open_button.setDefaultAction(self.act_open)
        open_button.setText("Open")
        open_button.setMenu(self.recent_menu)
        open_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        tb.addWidget(open_button)
        tb.addAction(self.act_open_server)
        self.act_open_server.setIconText("Server flows…")
        tb.addSeparator()
        tb.addWidget(QLabel(" Connection: "))
        self.profile_combo = self._combo("profileCombo", 14, "The server runs go to")
        tb.addWidget(self.profile_combo)
        tb.addWidget(QLabel("  Preset: "))
        self.preset_combo = self._combo(
            "presetCombo", 16, "Tweaks saved for this flow: pick one to apply it"
        )
        tb.addWidget(self.preset_combo)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        tb.addWidget(spacer)
        tb.addAction(self.act_run)
        tb.addAction(self.act_stop)
        self.act_run.setIconText("▶ Run")
        self.act_stop.setIconText("■ Stop")

    @staticmethod
    def _combo(name: str, length: int, tip: str) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setMinimumContentsLength(length)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setToolTip(tip)
        return combo

    def show_notices(self, notices: Notices) -> None:
        """Show what the presenters say: problems and notes in the banner, the rest in the
        status bar."""
        notices.problem.connect(lambda text: self.show_banner(text))
        notices.note.connect(lambda text: self.show_banner(text, error=False))
        notices.dismissed.connect(self.banner.hide)
        notices.status.connect(self.statusBar().showMessage)
        notices.statusCleared.connect(self.statusBar().clearMessage)

    # --- what the presenters show -------------------------------------------------------------

    def show_banner(self, text: str, *, error: bool = True) -> None:
        self.banner.show_message(text, error=error)

    def show_flow_name(self, name: str | None) -> None:
        self._flow_name = name or "no flow"
        self._update_title()

    def show_location(self, where: str, status: str) -> None:
        """The connection in the title (``where``) and in the status bar (``status``)."""
        self._where = where
        self.server_label.setText(status)
        self._update_title()

    def _update_title(self) -> None:
        # Qt appends " — lfdesk" (the application display name) on desktops that show it.
        self.setWindowTitle(f"{self._flow_name} - {self._where}")

    def show_view_mode(self, mode: str) -> None:
        (self.act_view_exposed if mode == "exposed" else self.act_view_all).setChecked(True)

    def set_running(self, running: bool) -> None:
        """Run or Stop, whichever applies; a run shows the chat, where its answer comes."""
        self.act_run.setEnabled(not running)
        self.act_stop.setEnabled(running)
        self.chat.set_running(running)
        if running:
            self.show_history(False)

    def show_history(self, on: bool = True) -> None:
        """Show the History tab (or, with ``on`` False, the chat)."""
        self.bottom_tabs.setCurrentWidget(self.history_pane if on else self.chat)
        if on:
            self.history_pane.search.setFocus()

    def _bottom_tab_changed(self, _index: int) -> None:
        on = self.bottom_tabs.currentWidget() is self.history_pane
        if self.act_history.isChecked() != on:
            self.act_history.blockSignals(True)
            self.act_history.setChecked(on)
            self.act_history.blockSignals(False)

    def _raw_toggled(self, on: bool) -> None:
        self.act_raw.blockSignals(True)
        self.act_raw.setChecked(on)
        self.act_raw.blockSignals(False)

    def show_about(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("About lfdesk")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(
            f"<b>lfdesk {__version__}</b><br>A desktop client for Langflow flows: tweak, "
            "preview the request code, run and stream.<br><br>"
            f"Settings: {paths.config_dir()}"
        )
        box.setIcon(QMessageBox.Icon.Information)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # --- drag and drop ------------------------------------------------------------------------

    @staticmethod
    def _json_path(urls: list[QUrl]) -> str | None:
        for url in urls:
            if url.isLocalFile() and url.toLocalFile().lower().endswith(".json"):
                return url.toLocalFile()
        return None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and self._json_path(event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._json_path(event.mimeData().urls())
        if path:
            event.acceptProposedAction()
            self.fileDropped.emit(path)

    # --- window state -------------------------------------------------------------------------

    @staticmethod
    def _first_size() -> tuple[int, int]:
        """1400x900, or less on a small screen: the window must fit before any state is saved."""
        width, height = 1400, 900
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            avail = screen.availableGeometry()
            if avail.width() > 0 and avail.height() > 0:
                width = min(width, int(avail.width() * 0.95))
                height = min(height, int(avail.height() * 0.9))
        return width, height

    @staticmethod
    def qsettings() -> QSettings:
        """Window state lives in an INI file next to settings.json (so LFDESK_HOME moves it)."""
        return QSettings(str(paths.config_dir() / "window.ini"), QSettings.Format.IniFormat)

    def restore_window_state(self) -> None:
        qs = self.qsettings()
        for key, restore in (
            ("window/geometry", self.restoreGeometry),
            ("window/state", self.restoreState),
            ("splitters/main", self.main_splitter.restoreState),
            ("splitters/top", self.top_splitter.restoreState),
            ("splitters/chat", self.chat.splitter.restoreState),
        ):
            value = qs.value(key)
            if isinstance(value, QByteArray | bytes):
                restore(QByteArray(value))

    def save_window_state(self) -> None:
        qs = self.qsettings()
        qs.setValue("window/geometry", self.saveGeometry())
        qs.setValue("window/state", self.saveState())
        qs.setValue("splitters/main", self.main_splitter.saveState())
        qs.setValue("splitters/top", self.top_splitter.saveState())
        qs.setValue("splitters/chat", self.chat.splitter.saveState())
        qs.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing.emit()
        event.accept()
