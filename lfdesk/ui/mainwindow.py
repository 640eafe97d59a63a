"""The main window: flow tree, component form, code preview and chat, wired to controllers.

The window holds no business logic: the open flow lives in a ``Session`` (lfdesk.core),
requests come from ``Session.build_request`` (the same call for the preview and for Run),
and every network call goes through ``RunController`` / ``ConnectionController``.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, QUrl, Signal
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
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
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
from lfdesk.core import codegen, paths
from lfdesk.core.api import MessageEvent, ServerInfo
from lfdesk.core.flow import FlowError, parse_flow_bytes
from lfdesk.core.history import HistoryEntry, RunHistory
from lfdesk.core.presets import PresetLibrary, check_name
from lfdesk.core.profiles import Profile, ProfileError, ProfileStore
from lfdesk.core.request import RequestError
from lfdesk.core.secrets import TokenStore
from lfdesk.core.session import Session
from lfdesk.core.settings import Settings, load_settings, save_settings
from lfdesk.core.tweaks import PresetError, TweakError, load_preset, save_preset
from lfdesk.ui.chatpane import ChatPane
from lfdesk.ui.codepreview import CodePreview
from lfdesk.ui.connections import ConnectionsDialog
from lfdesk.ui.controllers import (
    NO_PROFILE_MESSAGE,
    ClientFactory,
    ConnectionController,
    ConnectionReport,
    FetchedFlow,
    HistoryController,
    RunController,
    RunOutcome,
)
from lfdesk.ui.flowpicker import FlowPickerDialog
from lfdesk.ui.flowtree import FlowTree
from lfdesk.ui.forms import ComponentForm
from lfdesk.ui.historypane import HistoryPane
from lfdesk.ui.icons import INVALID_COLOR, flow_icon
from lfdesk.ui.presetmanager import PresetManagerDialog

log = logging.getLogger(__name__)

SAMPLE_NAME = "sample.flow.json"
PREVIEW_DELAY_MS = 120  # typing in the chat input re-renders the preview after a pause
ADD_CONNECTION = "__add__"
PRESET_DEFAULTS = ""  # the preset combo's "(flow defaults)"
PRESET_SAVE = "\x00save"  # item data of "Save current as…" (never a preset file name)
PRESET_MANAGE = "\x00manage"
DEFAULTS_LABEL = "(flow defaults)"


def sample_flow_bytes() -> bytes:
    """The bundled sample flow, from the installed package or from the source tree."""
    try:
        return resources.files("lfdesk.resources").joinpath(SAMPLE_NAME).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return (Path(__file__).resolve().parents[2] / "resources" / SAMPLE_NAME).read_bytes()


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
    """Toolbar, menus, the three panes over the chat, banner and status bar.

    Signals: ``sessionChanged()`` (a new flow is shown).
    """

    sessionChanged = Signal()

    def __init__(
        self,
        *,
        settings: Settings | None = None,
        profiles: ProfileStore | None = None,
        tokens: TokenStore | None = None,
        client_factory: ClientFactory | None = None,
        history: RunHistory | None = None,
        persist: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowIcon(flow_icon())
        self.persist = persist
        warning: str | None = None
        if settings is None:
            settings, warning = load_settings()
        self.settings = settings
        self.profiles = profiles if profiles is not None else ProfileStore()
        self.tokens = tokens if tokens is not None else TokenStore()
        self.run_ctrl = RunController(self.tokens, client_factory, self)
        self.conn = ConnectionController(self.tokens, client_factory, self)
        self.history_ctrl = HistoryController(
            history if history is not None else RunHistory(), self
        )
        self.history_ctrl.watch(self.run_ctrl, self._secret_fields)
        self.session: Session | None = None
        self.server_info: dict[str, ServerInfo] = {}
        self._server_errors: dict[str, str] = {}
        self._connections: ConnectionsDialog | None = None
        self._picker: FlowPickerDialog | None = None
        self._fetch_mode = "open"
        self._inline_token: str | None = None
        self._preset_input: QInputDialog | None = None
        self._preset_manager: PresetManagerDialog | None = None
        self._shown_preset = PRESET_DEFAULTS  # the preset last applied or saved
        self._preset_applied: dict[str, Any] = {}  # the tweaks right after that

        self._build_widgets()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._wire()
        self.setAcceptDrops(True)
        self.resize(*self._first_size())

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.update_preview)

        self._apply_preview_settings()
        self.history_ctrl.refresh()
        self.chat.set_history(self.settings.input_history)
        self.chat.set_raw_events_visible(self.settings.show_raw_events)
        self.reload_profiles(select=self.settings.last_profile)
        if persist:
            self.restore_window_state()
        if warning:
            self.show_banner(warning)
        self._update_run_actions(False)
        self.update_title()

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
        slot: Any,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | list[QKeySequence] | None = None,
        tip: str | None = None,
    ) -> QAction:
        act = QAction(text, self)
        if isinstance(shortcut, list):
            act.setShortcuts(shortcut)
        elif shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        if tip:
            act.setStatusTip(tip)
            act.setToolTip(tip)
        act.triggered.connect(slot)
        self.addAction(act)
        return act

    def _build_actions(self) -> None:
        self.act_open = self._action(
            "&Open…", self.choose_file, QKeySequence.StandardKey.Open, "Open a flow file (.json)"
        )
        self.act_open_server = self._action(
            "Open from &server…",
            self.open_from_server,
            "Ctrl+Shift+O",
            "Pick one of the server's flows",
        )
        self.act_reload = self._action(
            "&Reload from server",
            self.reload_from_server,
            "Ctrl+R",
            "Fetch this flow again from the server, keeping your tweaks",
        )
        self.act_save_preset = self._action(
            "Save tweaks &preset…",
            self.choose_preset_to_save,
            "Ctrl+S",
            "Save the changed values to a JSON file (secrets are left out)",
        )
        self.act_load_preset = self._action(
            "&Load tweaks preset…",
            self.choose_preset_to_load,
            "Ctrl+L",
            "Apply the values of a preset file",
        )
        self.act_quit = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.act_connections = self._action(
            "&Connections…", self.open_connections, "Ctrl+K", "Servers, tokens and TLS"
        )
        self.act_test = self._action(
            "&Test connection",
            self.test_connection,
            "Ctrl+T",
            "Check the server and the token of the current connection",
        )
        self.act_run = self._action(
            "▶ Run",
            lambda: self.run(),
            [QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")],
            "Run the flow with the chat input (Ctrl+Enter)",
        )
        self.act_stop = self._action("■ Stop", self.stop, "Esc", "Stop the running flow (Esc)")
        self.act_new_session = self._action(
            "&New chat session", self.new_chat_session, "Ctrl+Shift+N"
        )
        self.view_group = QActionGroup(self)
        self.act_view_exposed = QAction("&Exposed fields only", self, checkable=True)
        self.act_view_all = QAction("&All fields", self, checkable=True)
        for act, mode in ((self.act_view_exposed, "exposed"), (self.act_view_all, "all")):
            self.view_group.addAction(act)
            act.triggered.connect(lambda _c=False, m=mode: self.set_view_mode(m))
        self.act_raw = QAction("&Raw events", self, checkable=True)
        self.act_raw.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.act_raw.toggled.connect(self.chat.set_raw_events_visible)
        self.addAction(self.act_raw)
        self.act_about = self._action("&About lfdesk", self.show_about)
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
        self._fill_recent_menu()

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
        self.profile_combo = QComboBox()
        self.profile_combo.setObjectName("profileCombo")
        self.profile_combo.setMinimumContentsLength(14)
        self.profile_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.profile_combo.setToolTip("The server runs go to")
        self.profile_combo.activated.connect(self._profile_activated)
        tb.addWidget(self.profile_combo)
        tb.addWidget(QLabel("  Preset: "))
        self.preset_combo = QComboBox()
        self.preset_combo.setObjectName("presetCombo")
        self.preset_combo.setMinimumContentsLength(16)
        self.preset_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.preset_combo.setToolTip("Tweaks saved for this flow: pick one to apply it")
        self.preset_combo.activated.connect(self._preset_activated)
        tb.addWidget(self.preset_combo)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        tb.addWidget(spacer)
        tb.addAction(self.act_run)
        tb.addAction(self.act_stop)
        self.act_run.setIconText("▶ Run")
        self.act_stop.setIconText("■ Stop")

    def _wire(self) -> None:
        self.tree.componentSelected.connect(self.show_component)
        self.tree.fieldSelected.connect(lambda cid, _f: self.show_component(cid))
        self.tree.viewChanged.connect(self._tree_view_changed)
        self.form.tweakChanged.connect(self.on_tweak_changed)
        self.form.uploadRequested.connect(self.upload_file)
        self.preview.streamToggled.connect(self._stream_toggled)
        self.preview.apiChanged.connect(self._api_changed)
        self.preview.languageChanged.connect(self._language_changed)
        self.preview.inlineTokenToggled.connect(self._inline_token_toggled)
        self.preview.set_token_provider(self._token_for_preview)
        self.chat.sendRequested.connect(self.run)
        self.chat.stopRequested.connect(self.stop)
        self.chat.newSessionRequested.connect(self.new_chat_session)
        self.chat.sessionsRequested.connect(self.list_chat_sessions)
        self.chat.sessionChosen.connect(self.switch_chat_session)
        self.chat.inputChanged.connect(lambda _t: self._preview_timer.start())
        self.chat.rawEventsToggled.connect(self._raw_toggled)

        self.run_ctrl.started.connect(lambda: self._update_run_actions(True))
        self.run_ctrl.event.connect(self.chat.apply_event)
        self.run_ctrl.finished.connect(self._run_finished)
        self.run_ctrl.failed.connect(self._run_failed)
        self.run_ctrl.stateChanged.connect(self._run_state)

        self.conn.serverInfo.connect(self._server_info)
        self.conn.probed.connect(self._probed)
        self.conn.flowFetched.connect(self._flow_fetched)
        self.conn.uploaded.connect(self._uploaded)
        self.conn.sessionsListed.connect(self._sessions_listed)
        self.conn.messagesLoaded.connect(self._messages_loaded)
        self.conn.failed.connect(self._conn_failed)
        self.conn.tokenState.connect(self._token_state_changed)
        self.conn.tokenFetched.connect(self._token_fetched)

        self.bottom_tabs.currentChanged.connect(self._bottom_tab_changed)
        self.history_ctrl.listed.connect(self.history_pane.set_entries)
        self.history_ctrl.recorded.connect(self._history_recorded)
        self.history_ctrl.deleted.connect(self.history_pane.remove_entry)
        self.history_ctrl.cleared.connect(lambda: self.history_pane.set_entries([]))
        self.history_ctrl.warning.connect(lambda text: self.show_banner(text, error=False))
        self.history_ctrl.failed.connect(self.show_banner)
        self.history_pane.searchChanged.connect(lambda text: self.history_ctrl.refresh(text))
        self.history_pane.restoreRequested.connect(self.restore_run)
        self.history_pane.copyCurlRequested.connect(self.copy_run_as_curl)
        self.history_pane.deleteRequested.connect(self.history_ctrl.delete)
        self.history_pane.clearRequested.connect(self.history_ctrl.clear)

    def _apply_preview_settings(self) -> None:
        """Put the saved language, stream and API choices into the preview (its signals
        then carry them into the session)."""
        try:
            self.preview.set_language(self.settings.language)
        except KeyError:
            self.settings.language = self.preview.language()
        self.preview.set_stream(self.settings.stream)
        self.preview.set_api(self.settings.api)

    # --- profiles -----------------------------------------------------------------------------

    def reload_profiles(self, select: str | None = None) -> None:
        """Fill the profile combo; select ``select`` (or keep the current one)."""
        current = select if select is not None else self.current_profile_name()
        try:
            names = self.profiles.names()
        except ProfileError as exc:
            names = []
            self.show_banner(str(exc))
        self.profile_combo.blockSignals(True)
        self.profile_combo.clear()
        for name in names:
            self.profile_combo.addItem(name, name)
        if not names:
            self.profile_combo.addItem("No connection", None)
        self.profile_combo.insertSeparator(self.profile_combo.count())
        self.profile_combo.addItem("Manage connections…", ADD_CONNECTION)
        if current in names:
            self.profile_combo.setCurrentIndex(names.index(current))
        else:
            self.profile_combo.setCurrentIndex(0)
        self.profile_combo.blockSignals(False)
        self._profile_changed()

    def current_profile_name(self) -> str | None:
        data = self.profile_combo.currentData() if hasattr(self, "profile_combo") else None
        return data if isinstance(data, str) and data != ADD_CONNECTION else None

    def current_profile(self) -> Profile | None:
        name = self.current_profile_name()
        if name is None:
            return None
        try:
            return self.profiles.get(name)
        except ProfileError:
            return None

    def select_profile(self, name: str) -> None:
        index = self.profile_combo.findData(name)
        if index < 0:
            self.reload_profiles(select=name)
            return
        self.profile_combo.setCurrentIndex(index)
        self._profile_changed()

    def _profile_activated(self, index: int) -> None:
        if self.profile_combo.itemData(index) == ADD_CONNECTION:
            previous = self.settings.last_profile
            back = self.profile_combo.findData(previous) if previous else 0
            self.profile_combo.setCurrentIndex(max(back, 0))
            self.open_connections()
            return
        self._profile_changed()

    def _profile_changed(self) -> None:
        profile = self.current_profile()
        self.settings.last_profile = profile.name if profile else None
        if self.session is not None:
            self.session.set_profile(profile)
        self._inline_token = None
        if profile is not None and self.preview.inline_token():
            self.conn.fetch_token(profile.name)  # the snippet inlines this profile's token now
        if profile is not None and profile.name not in self.server_info:
            self.conn.probe(profile)
        self.update_title()
        self.update_preview()
        self._update_sessions_button()

    def _server_info(self, profile: str, info: object) -> None:
        if isinstance(info, ServerInfo):
            self.server_info[profile] = info
            self._server_errors.pop(profile, None)
            self.update_title()

    def _probed(self, report: object) -> None:
        if isinstance(report, ConnectionReport):
            self.server_info[report.profile] = report.info
            self._server_errors.pop(report.profile, None)
            self.update_title()
            self.statusBar().showMessage(report.summary(), 10000)

    # --- title and status ---------------------------------------------------------------------

    def update_title(self) -> None:
        flow = self.session.flow.name if self.session else "no flow"
        profile = self.current_profile()
        if profile is None:
            where = "no connection"
            status = "No connection: add one in Connection > Connections…"
        else:
            info = self.server_info.get(profile.name)
            version = f", Langflow {info.version}" if info and info.version else ""
            where = f"{profile.name} ({profile.base_url}{version})"
            if info is not None:
                status = f"{profile.base_url} · Langflow {info.version} · {profile.name}"
            elif profile.name in self._server_errors:
                status = f"{profile.base_url} · not reachable · {profile.name}"
            else:
                status = f"{profile.base_url} · {profile.name}"
        # Qt appends " — lfdesk" (the application display name) on desktops that show it.
        self.setWindowTitle(f"{flow} - {where}")
        self.server_label.setText(status)

    def show_banner(self, text: str, *, error: bool = True) -> None:
        self.banner.show_message(text, error=error)

    # --- opening flows ------------------------------------------------------------------------

    def set_session(self, session: Session) -> None:
        """Show a new document (the previous one is replaced only once this one parsed)."""
        session.set_profile(self.current_profile())
        session.stream = self.settings.stream
        session.api = self.settings.api
        self.session = session
        self.tree.set_flow(session.flow, session.tweaks)
        self.tree.set_view(self.settings.view_mode)
        self.chat.clear()
        self.chat.set_session_id(session.session_id)
        self.chat.set_placeholder(session.input_value)
        first = next((c for c in session.flow.components if c.tweakable_fields()), None)
        first = first or (session.flow.components[0] if session.flow.components else None)
        if first is not None and not self.tree.select_component(first.id):
            self.show_component(first.id)
        self.act_reload.setEnabled(session.source == "server")
        self.reload_presets()
        self.update_title()
        self.update_preview()
        self.sessionChanged.emit()

    def open_path(self, path: str | Path) -> bool:
        """Open a flow file; on failure the current flow stays and the banner says why."""
        try:
            session = Session.open_file(path)
        except FlowError as exc:
            self.show_banner(f"Could not open the flow: {exc}")
            return False
        self.banner.hide()
        self.set_session(session)
        self.settings.add_recent(path)
        self.settings.last_flow_path = str(Path(path).expanduser().absolute())
        self.settings.last_server_flow = None
        self._fill_recent_menu()
        self.save_settings()
        self.statusBar().showMessage(f"Opened {path}", 5000)
        return True

    def open_sample(self) -> None:
        """The bundled sample flow (first launch)."""
        flow = parse_flow_bytes(sample_flow_bytes(), source=SAMPLE_NAME)
        self.set_session(Session.from_flow(flow, source="sample"))

    def restore_last(self) -> None:
        """Open what was open last time (a file or a server flow), else the sample."""
        last = self.settings.last_flow_path
        if last and Path(last).is_file():
            if self.open_path(last):
                return
            message = self.banner.text()
            self.open_sample()
            self.show_banner(message)
            return
        self.open_sample()
        if last:
            self.show_banner(f"The last flow file is gone: {last}. Showing the sample flow.")
            self.settings.last_flow_path = None
        elif self.settings.last_server_flow:
            profile = self.current_profile()
            if profile is not None:
                self._fetch_mode = "open"
                self.statusBar().showMessage("Fetching the last flow from the server…")
                self.conn.fetch_flow(profile, self.settings.last_server_flow)

    def choose_file(self) -> None:
        dialog = QFileDialog(self, "Open a flow", self._start_dir(), "Flow files (*.json);;All (*)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.open_path)
        dialog.open()

    def _start_dir(self) -> str:
        if self.settings.recent_files:
            return str(Path(self.settings.recent_files[0]).parent)
        return str(Path.home())

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.recent_files:
            act = self.recent_menu.addAction(Path(path).name)
            act.setToolTip(path)
            act.setStatusTip(path)
            act.triggered.connect(lambda _c=False, p=path: self._open_recent(p))
        if not self.settings.recent_files:
            empty = self.recent_menu.addAction("No recent files")
            empty.setEnabled(False)

    def _open_recent(self, path: str) -> None:
        if not Path(path).is_file():
            self.settings.remove_recent(path)
            self._fill_recent_menu()
            self.show_banner(f"{path} no longer exists; removed from the recent files.")
            return
        self.open_path(path)

    def open_from_server(self) -> None:
        profile = self.current_profile()
        if profile is None:
            self.show_banner(
                "Add a connection first (Connection > Connections…), then open its flows.",
                error=False,
            )
            self.open_connections()
            return
        picker = FlowPickerDialog(profile, self.conn, self)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.flowChosen.connect(lambda fid, p=profile: self.fetch_server_flow(p, fid))
        self._picker = picker
        picker.open()

    def fetch_server_flow(self, profile: Profile, flow_id: str, *, reload: bool = False) -> None:
        self._fetch_mode = "reload" if reload else "open"
        self.statusBar().showMessage(f"Fetching the flow from {profile.base_url} …")
        self.conn.fetch_flow(profile, flow_id)

    def reload_from_server(self) -> None:
        s = self.session
        profile = self.current_profile()
        if s is None or s.source != "server" or not s.server_flow_id or profile is None:
            self.show_banner("Reload works on a flow opened from a server.", error=False)
            return
        self.fetch_server_flow(profile, s.server_flow_id, reload=True)

    def _flow_fetched(self, fetched: object) -> None:
        if not isinstance(fetched, FetchedFlow):
            return
        new = Session.from_flow(fetched.flow, source="server", server_flow_id=fetched.flow_id)
        if self._fetch_mode == "reload" and self.session is not None:
            self.session.replace_flow(new)
            self.tree.set_flow(self.session.flow, self.session.tweaks)
            current = self.tree.current_component()
            if current:
                self.show_component(current)
            self.update_preview()
            self.reload_presets(keep=True)
            self.statusBar().showMessage("Reloaded from the server; tweaks kept.", 5000)
        else:
            self.set_session(new)
            self.statusBar().showMessage(f"Opened {fetched.flow.name} from the server.", 5000)
        self.banner.hide()
        self.settings.last_server_flow = fetched.flow_id
        self.settings.last_flow_path = None
        self.save_settings()

    # --- panes --------------------------------------------------------------------------------

    def show_component(self, component_id: str) -> None:
        s = self.session
        if s is None or not s.flow.has_component(component_id):
            return
        self.form.set_component(
            s.flow, s.flow.component(component_id), s.tweaks, self.tree.view_mode()
        )

    def on_tweak_changed(self, component_id: str, _field: str) -> None:
        self.tree.refresh_values(component_id)
        self.update_preview()
        self._mark_preset_edited()

    def _tweaks_replaced(self) -> None:
        """After the whole TweakSet changed (a preset, a restored run): tree, form, preview."""
        self.tree.refresh_values()
        current = self.tree.current_component()
        if current:
            self.show_component(current)
        self.update_preview()
        self._mark_preset_edited()
        self._update_sessions_button()

    def update_preview(self) -> None:
        """Render the request Run would send now (the one function both use)."""
        self._preview_timer.stop()
        if self.session is None:
            return
        self.preview.set_request(self.session.build_request(self.chat.input_text()))

    def set_view_mode(self, mode: str) -> None:
        self.tree.set_view(mode)
        self.settings.view_mode = mode

    def _tree_view_changed(self, mode: str) -> None:
        self.settings.view_mode = self.tree.preferred_view()
        (self.act_view_exposed if mode == "exposed" else self.act_view_all).setChecked(True)
        current = self.tree.current_component()
        if current:
            self.show_component(current)

    def _stream_toggled(self, on: bool) -> None:
        self.settings.stream = on
        if self.session is not None:
            self.session.stream = on
        self.update_preview()

    def _api_changed(self, api: str) -> None:
        if api not in ("v1", "v2"):
            return
        self.settings.api = "v1" if api == "v1" else "v2"
        if self.session is not None:
            self.session.api = self.settings.api
        self.update_preview()

    def _language_changed(self, language: str) -> None:
        self.settings.language = language

    def _inline_token_toggled(self, on: bool) -> None:
        if not on:
            self._inline_token = None
            return
        profile = self.current_profile()
        if profile is None:
            self.statusBar().showMessage("No connection, so there is no token to inline.", 6000)
            return
        self.conn.fetch_token(profile.name)

    def _token_fetched(self, profile: str, token: str) -> None:
        if profile != self.current_profile_name():
            return
        if not token:
            self.statusBar().showMessage(f"No token is saved for “{profile}”.", 6000)
        self._inline_token = token or None
        self.update_preview()

    def _token_for_preview(self) -> str | None:
        return self._inline_token

    def _token_state_changed(self, profile: str, _has: bool) -> None:
        if profile == self.current_profile_name():
            self._inline_token = None

    def _raw_toggled(self, on: bool) -> None:
        self.settings.show_raw_events = on
        self.act_raw.blockSignals(True)
        self.act_raw.setChecked(on)
        self.act_raw.blockSignals(False)

    # --- running ------------------------------------------------------------------------------

    def run(self, text: str | None = None) -> bool:
        """Send the chat input (or ``text``) as a run of the current flow."""
        s = self.session
        if s is None or self.run_ctrl.is_running():
            return False
        if text is None:
            text = self.chat.input_text()
        problems = s.problems()
        if problems:
            self.chat.show_error("This flow cannot run yet:\n" + "\n".join(problems))
            return False
        profile = self.current_profile()
        if profile is None:
            self.chat.show_info(NO_PROFILE_MESSAGE, title="Before you run")
            return False
        request = s.build_request(text)
        self.preview.set_request(request)
        s.input_value = request.input_value or s.input_value
        if text.strip():
            self.settings.add_input(text)
            self._apply_preview_settings()
        self.chat.set_history(self.settings.input_history)
        self.show_history(False)  # the answer comes in the chat
        self.chat.begin_run(request.input_value or "")
        self.chat.set_placeholder(s.input_value)
        self.chat.clear_input()
        self.run_ctrl.start(request, profile=profile, verify=s.verify)
        return True

    def stop(self) -> None:
        self.run_ctrl.stop()

    def new_chat_session(self) -> None:
        if self.session is None:
            return
        self.run_ctrl.stop()
        sid = self.session.new_session()
        self.chat.clear()
        self.chat.set_session_id(sid)
        self.update_preview()
        self.statusBar().showMessage(f"New chat session {sid}", 5000)

    # --- past chat sessions on the server -----------------------------------------------------

    def _update_sessions_button(self) -> None:
        s = self.session
        if self.current_profile() is None:
            self.chat.set_sessions_available(False, "Past sessions need a connection to a server")
        elif s is None or not s.flow_id:
            self.chat.set_sessions_available(
                False, "This flow has no id, so the server cannot list its sessions"
            )
        else:
            self.chat.set_sessions_available(True)

    def list_chat_sessions(self) -> None:
        """Ask the server for this flow's chat sessions; the menu opens when they arrive."""
        s, profile = self.session, self.current_profile()
        if s is None or profile is None or not s.flow_id:
            self.chat.show_info(
                "Past sessions come from a Langflow server: choose a connection and open a "
                "flow that exists there (File > Open from server…)."
            )
            return
        self.chat.set_sessions_loading()
        self.statusBar().showMessage(f"Listing the chat sessions on {profile.base_url} …", 5000)
        self.conn.list_sessions(profile, s.flow_id)

    def _sessions_listed(self, flow_id: str, session_ids: object) -> None:
        s = self.session
        if s is None or flow_id != s.flow_id or not isinstance(session_ids, list):
            return  # another flow was opened meanwhile
        self.statusBar().clearMessage()
        self.chat.show_sessions([str(x) for x in session_ids], s.session_id)
        if not session_ids:
            self.chat.show_info("The server has no stored chat sessions for this flow yet.")

    def switch_chat_session(self, session_id: str) -> None:
        """Continue the chat in ``session_id``: runs and the preview use it from now on, and
        its stored messages are loaded from the server."""
        s, profile = self.session, self.current_profile()
        if s is None or not session_id:
            return
        self.run_ctrl.stop()
        s.session_id = session_id
        self.chat.clear()
        self.chat.set_session_id(session_id)
        self.update_preview()
        if profile is None or not s.flow_id:
            return
        self.statusBar().showMessage(f"Loading chat session {session_id} …", 5000)
        self.conn.load_messages(profile, s.flow_id, session_id)

    def _messages_loaded(self, flow_id: str, session_id: str, messages: object) -> None:
        s = self.session
        if s is None or flow_id != s.flow_id or session_id != s.session_id:
            return  # the user moved on before the answer came
        self.statusBar().clearMessage()
        items = messages if isinstance(messages, list) else []
        self.chat.show_loaded_messages([m for m in items if isinstance(m, MessageEvent)])

    def _update_run_actions(self, running: bool) -> None:
        self.act_run.setEnabled(not running)
        self.act_stop.setEnabled(running)
        self.chat.set_running(running)

    def _run_finished(self, outcome: object) -> None:
        if isinstance(outcome, RunOutcome):
            text = outcome.result.text if outcome.result is not None else None
            self.chat.finish_run(text, outcome.stats)
        self._update_run_actions(False)

    def _run_failed(self, message: str) -> None:
        self.chat.show_error(message)
        self._update_run_actions(False)

    def _run_state(self, state: str) -> None:
        if state == "stopped":
            self.chat.stopped()
            self._update_run_actions(False)

    # --- connections --------------------------------------------------------------------------

    def open_connections(self) -> None:
        if self._connections is None:
            dialog = ConnectionsDialog(
                self.profiles, self.conn, self, current=self.current_profile_name()
            )
            dialog.profilesChanged.connect(self._profiles_edited)
            dialog.profileChosen.connect(self.select_profile)
            self._connections = dialog
        else:
            self._connections.reload(self.current_profile_name())
        self._connections.open()

    def _profiles_edited(self) -> None:
        self.server_info.clear()
        self.reload_profiles()

    def test_connection(self) -> None:
        profile = self.current_profile()
        if profile is None:
            self.open_connections()
            return
        self.statusBar().showMessage(f"Testing {profile.base_url} …")
        self.conn.test_connection(profile)

    def _conn_failed(self, op: str, message: str) -> None:
        if op == "probe":
            name = self.current_profile_name()
            if name:
                self._server_errors[name] = message
            self.update_title()
        elif op == "test":
            if self._connections is None or not self._connections.isVisible():
                self.show_banner(f"Connection test failed: {message}")
        elif op == "fetch":
            self.show_banner(f"Could not fetch the flow: {message}")
        elif op == "upload":
            self.show_banner(f"Upload failed: {message}")
        elif op == "inline":
            self.statusBar().showMessage(message, 8000)
        elif op == "sessions":
            self.chat.show_sessions([], "", popup=False)
            self.chat.show_error(f"Could not list the chat sessions on the server:\n{message}")
        elif op == "messages":
            self.chat.show_error(f"Could not load the chat session's messages:\n{message}")

    def upload_file(self, component_id: str, field: str, path: str) -> None:
        s = self.session
        profile = self.current_profile()
        if s is None:
            return
        if profile is None or not s.flow_id:
            self.show_banner(
                "Uploading a file needs a connection and a flow that exists on the server "
                "(open it with File > Open from server…).",
                error=False,
            )
            return
        self.statusBar().showMessage(f"Uploading {Path(path).name} …")
        self.conn.upload(profile, s.flow_id, component_id, field, path)

    def _uploaded(self, component_id: str, field: str, server_path: str) -> None:
        self.form.set_uploaded_path(component_id, field, server_path)
        self.tree.refresh_values(component_id)
        self.update_preview()
        self.statusBar().showMessage(f"Uploaded: {server_path}", 8000)

    # --- presets --------------------------------------------------------------------------------

    def choose_preset_to_save(self) -> None:
        if self.session is None:
            return
        dialog = QFileDialog(self, "Save tweaks preset", self._start_dir(), "Presets (*.json)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("json")
        dialog.fileSelected.connect(self.save_preset_to)
        dialog.open()

    def save_preset_to(self, path: str) -> None:
        if self.session is None:
            return
        try:
            omitted = save_preset(path, self.session.tweaks)
        except PresetError as exc:
            self.show_banner(str(exc))
            return
        note = f" (secrets left out: {', '.join(omitted)})" if omitted else ""
        self.statusBar().showMessage(f"Saved the preset to {path}{note}", 8000)

    def choose_preset_to_load(self) -> None:
        if self.session is None:
            return
        dialog = QFileDialog(self, "Load tweaks preset", self._start_dir(), "Presets (*.json)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.load_preset_from)
        dialog.open()

    def load_preset_from(self, path: str) -> None:
        s = self.session
        if s is None:
            return
        try:
            problems = s.tweaks.load(load_preset(path), strict=False)
        except (PresetError, ValueError) as exc:
            self.show_banner(str(exc))
            return
        self._tweaks_replaced()
        if problems:
            self.show_banner("Some preset values were not applied: " + "; ".join(problems))
        else:
            self.statusBar().showMessage(f"Applied the preset {path}", 5000)

    # --- the toolbar's preset picker ----------------------------------------------------------

    def preset_library(self) -> PresetLibrary | None:
        """Where the current flow's named presets are kept."""
        s = self.session
        return None if s is None else PresetLibrary.for_flow(s.flow_id, s.flow.name)

    def reload_presets(self, select: str | None = None, *, keep: bool = False) -> None:
        """Fill the preset combo for the current flow and show ``select`` (a preset name),
        or the preset shown before when ``keep``. Otherwise (a new flow) the flow defaults."""
        lib = self.preset_library()
        if select is None and keep:
            select = self._shown_preset
        if select is None:
            select = PRESET_DEFAULTS
            self._preset_applied = self.session.tweaks.to_json() if self.session else {}
        names = lib.names() if lib is not None else []
        combo = self.preset_combo
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(DEFAULTS_LABEL, PRESET_DEFAULTS)
        combo.setItemData(0, "The flow's own values: no tweaks", Qt.ItemDataRole.ToolTipRole)
        for name in names:
            combo.addItem(name, name)
        combo.insertSeparator(combo.count())
        combo.addItem("Save current as…", PRESET_SAVE)
        combo.addItem("Manage…", PRESET_MANAGE)
        index = max(combo.findData(select), 0)  # a preset gone: the defaults, marked edited
        combo.setCurrentIndex(index)
        self._shown_preset = combo.itemData(index)
        combo.setEnabled(lib is not None)
        combo.blockSignals(False)
        self._mark_preset_edited()

    def current_preset(self) -> str | None:
        """The preset picked in the toolbar (None for the flow defaults)."""
        data = self.preset_combo.currentData()
        return data if isinstance(data, str) and data and not data.startswith("\x00") else None

    def _preset_activated(self, index: int) -> None:
        data = self.preset_combo.itemData(index)
        if data == PRESET_SAVE:
            self._back_to_shown_preset()
            self.ask_preset_name()
        elif data == PRESET_MANAGE:
            self._back_to_shown_preset()
            self.open_preset_manager()
        elif isinstance(data, str):
            self.apply_preset(data or None)

    def _back_to_shown_preset(self) -> None:
        index = self.preset_combo.findData(self._shown_preset)
        self.preset_combo.setCurrentIndex(max(index, 0))

    def apply_preset(self, name: str | None) -> bool:
        """Reset the tweaks, then apply the preset ``name`` (None: just the flow defaults)."""
        s, lib = self.session, self.preset_library()
        if s is None or lib is None:
            return False
        data: dict[str, Any] = {}
        if name is not None:
            try:
                data = lib.load(name)
            except PresetError as exc:
                self.show_banner(str(exc))
                self.reload_presets(self._shown_preset)
                return False
        try:
            problems = s.apply_tweaks(data, keep_secrets=True)
        except TweakError as exc:
            self.show_banner(str(exc))
            return False
        self._preset_applied = s.tweaks.to_json()
        self.reload_presets(name or PRESET_DEFAULTS)
        self._tweaks_replaced()
        if problems:
            self.show_banner(
                f"Some values of the preset “{name}” were not applied: " + "; ".join(problems)
            )
        else:
            self.banner.hide()
            shown = f"the preset “{name}”" if name else "the flow's own values"
            self.statusBar().showMessage(f"Applied {shown}.", 5000)
        return True

    def ask_preset_name(self) -> None:
        """Ask (non-modally) a name to save the current tweaks under."""
        if self.session is None:
            return
        dialog = QInputDialog(self)
        dialog.setObjectName("presetNameDialog")
        dialog.setWindowTitle("Save preset")
        dialog.setLabelText(
            f"Save the current tweaks of “{self.session.flow.name}” as a preset named:\n"
            "(secret values are never written to a preset)"
        )
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.setTextValue(self.current_preset() or "")
        dialog.setOkButtonText("Save")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(self.save_named_preset)
        self._preset_input = dialog
        dialog.open()

    def save_named_preset(self, name: str) -> bool:
        """Save the current tweaks as the preset ``name`` of this flow (replacing one of that
        name) and show it as the current preset."""
        s, lib = self.session, self.preset_library()
        if s is None or lib is None:
            return False
        try:
            name = check_name(name)
            existed = lib.exists(name)
            omitted = lib.save(name, s.tweaks)
        except PresetError as exc:
            self.show_banner(str(exc))
            return False
        self._preset_applied = s.tweaks.to_json()
        self.reload_presets(name)
        note = f" Secrets left out: {', '.join(omitted)}." if omitted else ""
        verb = "Replaced" if existed else "Saved"
        self.statusBar().showMessage(f"{verb} the preset “{name}”.{note}", 8000)
        return True

    def open_preset_manager(self) -> None:
        s, lib = self.session, self.preset_library()
        if s is None or lib is None:
            return
        if self._preset_manager is not None:
            self._preset_manager.close()
        dialog = PresetManagerDialog(lib, s.flow.name, self, current=self.current_preset())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.presetRenamed.connect(lambda old, new: self._presets_managed(dialog, (old, new)))
        dialog.presetDeleted.connect(lambda _name: self._presets_managed(dialog, None))
        dialog.destroyed.connect(lambda *_: setattr(self, "_preset_manager", None))
        self._preset_manager = dialog
        dialog.open()

    def _presets_managed(
        self, dialog: PresetManagerDialog, renamed: tuple[str, str] | None
    ) -> None:
        if renamed is not None and renamed[0] == self._shown_preset:
            self._shown_preset = renamed[1]  # the preset shown was renamed: follow it
        elif self._shown_preset not in ("", *dialog.library.names()):
            self._preset_applied = {}  # deleted: the tweaks stay, the defaults read "edited"
        self.reload_presets(keep=True)

    def _mark_preset_edited(self) -> None:
        """Say in the combo when the tweaks no longer match the preset picked."""
        combo = self.preset_combo
        index = combo.currentIndex()
        data = combo.itemData(index)
        if index < 0 or not isinstance(data, str) or data.startswith("\x00"):
            return
        s = self.session
        edited = s is not None and s.tweaks.to_json() != (self._preset_applied or {})
        if not edited:
            text = data or DEFAULTS_LABEL
        else:
            text = f"{data} (edited)" if data else "(flow defaults, edited)"
        if combo.itemText(index) != text:
            combo.setItemText(index, text)
        combo.setToolTip(
            "The tweaks were changed since this preset was picked: “Save current as…” keeps "
            "them" if edited else "Tweaks saved for this flow: pick one to apply it"
        )

    # --- run history --------------------------------------------------------------------------

    def _secret_fields(self) -> list[tuple[str, str]]:
        return self.session.tweaks.secret_literals() if self.session is not None else []

    def _history_recorded(self, entry: object) -> None:
        if not isinstance(entry, HistoryEntry):
            return
        search = self.history_pane.search_text()
        if search:
            self.history_ctrl.refresh(search)
        else:
            self.history_pane.add_entry(entry)

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

    def restore_run(self, entry: object) -> bool:
        """Put a past run's message and tweaks back into the current flow (the same flow)."""
        s = self.session
        if s is None or not isinstance(entry, HistoryEntry):
            return False
        if not entry.same_flow(s.flow_id, s.flow_ref, s.flow.name):
            self.show_banner(
                f"That run was of the flow “{entry.flow_name or entry.flow_ref}”, and "
                f"“{s.flow.name}” is open. Open that flow, then press Restore again.",
                error=False,
            )
            return False
        try:
            problems = s.apply_tweaks(entry.tweaks())
        except TweakError as exc:
            self.show_banner(f"The run's tweaks could not be restored: {exc}")
            return False
        self.chat.set_input_text(entry.input_value or "")
        self._tweaks_replaced()
        when = f"{entry.when:%Y-%m-%d %H:%M:%S}"
        if problems:
            self.show_banner(
                f"Restored the run of {when}, except: " + "; ".join(problems), error=False
            )
        else:
            self.banner.hide()
            self.statusBar().showMessage(f"Restored the message and tweaks of {when}.", 6000)
        self.show_history(False)  # the message is back in the chat input, ready to send
        self.chat.input.setFocus()
        return True

    def copy_run_as_curl(self, entry: object) -> str | None:
        """Copy a past run as a curl command (the token comes from $LANGFLOW_API_KEY)."""
        if not isinstance(entry, HistoryEntry):
            return None
        try:
            text = codegen.get("curl").render(entry.to_request())
        except (RequestError, ValueError) as exc:
            self.show_banner(f"That run cannot be turned into a curl command: {exc}")
            return None
        QGuiApplication.clipboard().setText(text)
        self.statusBar().showMessage(
            "Copied the run as a curl command (it reads the token from $LANGFLOW_API_KEY).", 6000
        )
        return text

    # --- help ---------------------------------------------------------------------------------

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

    # --- drag and drop --------------------------------------------------------------------------

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
            self.open_path(path)

    # --- persistence ----------------------------------------------------------------------------

    @staticmethod
    def _first_size() -> tuple[int, int]:
        """1400x900, or less on a small screen: the window must fit before any state is saved."""
        from PySide6.QtGui import QGuiApplication

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

    def save_settings(self) -> None:
        if not self.persist:
            return
        try:
            save_settings(self.settings)
        except OSError as exc:
            self.statusBar().showMessage(f"Could not save the settings: {exc}", 8000)

    def shutdown(self) -> None:
        """Stop what runs and save what should survive; safe to call twice."""
        self.run_ctrl.stop()
        self.run_ctrl.cancel_all()
        self.conn.cancel_all()
        self.history_ctrl.close()  # after run_ctrl.stop(): a run stopped here is kept
        if self.persist:
            self.save_window_state()
            self.save_settings()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        event.accept()
