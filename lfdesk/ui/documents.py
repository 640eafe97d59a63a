"""The documents presenter: which flow is open (the Document), and how it got there.

It opens flow files (the dialog, the recent files, a dropped file), the bundled sample, and
server flows (the flow picker; a fetch carries its purpose: open a new document or reload
the open one keeping its tweaks), and remembers the last flow for the next launch.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFileDialog

from lfdesk.core.document import Document
from lfdesk.core.flow import FlowError, parse_flow_bytes
from lfdesk.core.profiles import Profile
from lfdesk.ui.connection import FetchedFlow
from lfdesk.ui.connectionview import ConnectionPresenter
from lfdesk.ui.flowpicker import FlowPickerDialog
from lfdesk.ui.parts import Parts, Presenter

SAMPLE_NAME = "sample.flow.json"


def sample_flow_bytes() -> bytes:
    """The bundled sample flow, from the installed package or from the source tree."""
    try:
        return resources.files("lfdesk.resources").joinpath(SAMPLE_NAME).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return (Path(__file__).resolve().parents[2] / "resources" / SAMPLE_NAME).read_bytes()


class DocumentPresenter(Presenter):
    """The open Document, and opening, reloading and remembering flows.

    Signals: ``documentChanged(Document)`` (another flow is shown: panes, chat, presets and
    the title follow), ``flowReloaded()`` (the open document has the server's new flow, its
    tweaks kept), ``settingsChanged()`` (the last flow or the recent files changed: save
    the settings).
    """

    documentChanged = Signal(Document)
    flowReloaded = Signal()
    settingsChanged = Signal()

    def __init__(self, parts: Parts, connection: ConnectionPresenter) -> None:
        super().__init__(parts)
        self.connection = connection
        self.recent_menu = parts.window.recent_menu
        self.reload_action = parts.window.act_reload
        conn = self.conn
        self.document: Document | None = None
        self.picker: FlowPickerDialog | None = None
        conn.flowFetched.connect(self._flow_fetched)
        conn.flowFetchFailed.connect(
            lambda message: self.notices.error(f"Could not fetch the flow: {message}")
        )
        connection.profileChanged.connect(self._profile_changed)
        self.fill_recent_menu()

    def set_document(self, document: Document) -> None:
        """Show a new document (the previous one is replaced only once this one parsed)."""
        document.set_profile(self.connection.current_profile())
        document.stream = self.settings.stream
        document.api = self.settings.api
        self.document = document
        self.reload_action.setEnabled(document.source == "server")
        self.documentChanged.emit(document)

    def _profile_changed(self, _name: str) -> None:
        if self.document is not None:
            self.document.set_profile(self.connection.current_profile())

    # --- files --------------------------------------------------------------------------------

    def open_path(self, path: str | Path) -> bool:
        """Open a flow file; on failure the current flow stays and the banner says why."""
        try:
            document = Document.open_file(path)
        except FlowError as exc:
            self.notices.error(f"Could not open the flow: {exc}")
            return False
        self.notices.dismiss()
        self.set_document(document)
        self.settings.add_recent(path)
        self.settings.last_flow_path = str(Path(path).expanduser().absolute())
        self.settings.last_server_flow = None
        self.fill_recent_menu()
        self.settingsChanged.emit()
        self.notices.say(f"Opened {path}", 5000)
        return True

    def open_sample(self) -> None:
        """The bundled sample flow (first launch)."""
        flow = parse_flow_bytes(sample_flow_bytes(), source=SAMPLE_NAME)
        self.set_document(Document.from_flow(flow, source="sample"))

    def open_or_sample(self, path: str | Path) -> None:
        """Open ``path``; when it cannot be opened, the sample (the banner says why)."""
        if not self.open_path(path):
            self.open_sample()

    def restore_last(self) -> None:
        """Open what was open last time (a file or a server flow), else the sample."""
        last = self.settings.last_flow_path
        if last and Path(last).is_file():
            self.open_or_sample(last)
            return
        self.open_sample()
        if last:
            self.notices.error(f"The last flow file is gone: {last}. Showing the sample flow.")
            self.settings.last_flow_path = None
        elif self.settings.last_server_flow:
            profile = self.connection.current_profile()
            if profile is not None:
                self.notices.say("Fetching the last flow from the server…")
                self.conn.fetch_flow(profile, self.settings.last_server_flow, "open")

    def choose_file(self) -> None:
        dialog = QFileDialog(
            self.window, "Open a flow", self.start_dir(), "Flow files (*.json);;All (*)"
        )
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.open_path)
        dialog.open()

    def start_dir(self) -> str:
        """Where file dialogs start: the folder of the newest recent file, else home."""
        if self.settings.recent_files:
            return str(Path(self.settings.recent_files[0]).parent)
        return str(Path.home())

    def fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.recent_files:
            act = self.recent_menu.addAction(Path(path).name)
            act.setToolTip(path)
            act.setStatusTip(path)
            act.triggered.connect(lambda _c=False, p=path: self.open_recent(p))
        if not self.settings.recent_files:
            empty = self.recent_menu.addAction("No recent files")
            empty.setEnabled(False)

    def open_recent(self, path: str) -> None:
        if not Path(path).is_file():
            self.settings.remove_recent(path)
            self.fill_recent_menu()
            self.notices.error(f"{path} no longer exists; removed from the recent files.")
            return
        self.open_path(path)

    # --- server flows -------------------------------------------------------------------------

    def open_from_server(self) -> None:
        profile = self.connection.current_profile()
        if profile is None:
            self.notices.info(
                "Add a connection first (Connection > Connections…), then open its flows."
            )
            self.connection.open_connections()
            return
        picker = FlowPickerDialog(profile, self.conn, self.window)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.flowChosen.connect(lambda fid, p=profile: self.fetch_server_flow(p, fid))
        self.picker = picker
        picker.open()

    def fetch_server_flow(self, profile: Profile, flow_id: str, *, reload: bool = False) -> None:
        self.notices.say(f"Fetching the flow from {profile.base_url} …")
        self.conn.fetch_flow(profile, flow_id, "reload" if reload else "open")

    def reload_from_server(self) -> None:
        d = self.document
        profile = self.connection.current_profile()
        if d is None or d.source != "server" or not d.server_flow_id or profile is None:
            self.notices.info("Reload works on a flow opened from a server.")
            return
        self.fetch_server_flow(profile, d.server_flow_id, reload=True)

    def _flow_fetched(self, fetched: FetchedFlow) -> None:
        new = Document.from_flow(fetched.flow, source="server", server_flow_id=fetched.flow_id)
        if fetched.purpose == "reload" and self.document is not None:
            self.document.replace_flow(new)
            self.flowReloaded.emit()
            self.notices.say("Reloaded from the server; tweaks kept.", 5000)
        else:
            self.set_document(new)
            self.notices.say(f"Opened {fetched.flow.name} from the server.", 5000)
        self.notices.dismiss()
        self.settings.last_server_flow = fetched.flow_id
        self.settings.last_flow_path = None
        self.settingsChanged.emit()
