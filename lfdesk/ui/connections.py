"""The Connections dialog: saved server profiles, their tokens (in the keyring) and a test.

Open it with ``open()``: it is never run with ``exec()``, so the asyncio loop keeps going.
The token field is write-only: a saved token is never read back into a widget.

Signals: ``profilesChanged()`` (a profile was added, edited or removed),
``profileChosen(str)`` ("Use" pressed: make this profile the current one).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lfdesk.core.profiles import (
    MAX_TIMEOUT,
    Profile,
    ProfileError,
    ProfileStore,
    validate_profile,
)
from lfdesk.core.request import DEFAULT_BASE_URL
from lfdesk.ui.connection import ConnectionController, ConnectionReport
from lfdesk.ui.icons import INVALID_COLOR
from lfdesk.ui.widgets import hbox, vbox

KIND_LABELS = {
    "self-hosted": "Self-hosted Langflow",
    "datastax": "DataStax Langflow (Astra)",
}


class ConnectionsDialog(QDialog):
    """List of profiles on the left, the selected one's form on the right."""

    profilesChanged = Signal()
    profileChosen = Signal(str)

    def __init__(
        self,
        profiles: ProfileStore,
        controller: ConnectionController,
        parent: QWidget | None = None,
        current: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connections")
        self.setObjectName("connectionsDialog")
        self.profiles = profiles
        self.controller = controller
        self._editing: str | None = None  # the saved name of the profile in the form
        self._has_token = False

        self.list = QListWidget()
        self.list.setMinimumWidth(160)
        self.list.currentItemChanged.connect(self._selected)
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self.new_profile)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_profile)
        left = vbox((self.list, 1), hbox(self.add_button, self.remove_button))

        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. local")
        self.kind = QComboBox()
        for kind, label in KIND_LABELS.items():
            self.kind.addItem(label, kind)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.base_url = QLineEdit()
        self.base_url.setPlaceholderText(DEFAULT_BASE_URL)
        self.datastax_id = QLineEdit()
        self.datastax_id.setPlaceholderText("the Langflow ID shown in Astra")
        self.ca_bundle = QLineEdit()
        self.ca_bundle.setPlaceholderText("system certificates")
        self.ca_browse = QPushButton("Browse…")
        self.ca_browse.clicked.connect(self._pick_ca_bundle)
        ca_row = hbox((self.ca_bundle, 1), self.ca_browse)
        self.verify_tls = QCheckBox("Verify TLS certificates")
        self.verify_tls.setChecked(True)
        # 0 shows as "default": no timeout of the profile's own.
        self.timeout = QDoubleSpinBox()
        self.timeout.setObjectName("timeoutField")
        self.timeout.setRange(0, MAX_TIMEOUT)
        self.timeout.setDecimals(1)
        self.timeout.setSuffix(" s")
        self.timeout.setSpecialValueText("default (600 s for a run, 60 s for the rest)")
        self.timeout.setToolTip(
            "The most lfdesk waits for one request to this server, and for a streamed run "
            "that has gone silent. Raise it for flows with long silent steps."
        )

        self.token = QLineEdit()
        self.token.setObjectName("tokenField")
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("paste an API key (sk-…) and press Save")
        self.token_state = QLabel()
        self.forget_button = QPushButton("Forget token")
        self.forget_button.clicked.connect(self._forget_token)
        token_row = hbox((self.token, 1), self.forget_button)
        self.backend_label = QLabel("Checking the keyring…")
        self.backend_label.setWordWrap(True)
        self.backend_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Kind", self.kind)
        form.addRow("Base URL", self.base_url)
        form.addRow("DataStax ID", self.datastax_id)
        form.addRow("CA bundle", ca_row)
        form.addRow("", self.verify_tls)
        form.addRow("Timeout", self.timeout)
        form.addRow("Token", token_row)
        form.addRow("", self.token_state)
        form.addRow("", self.backend_label)

        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.save_button = QPushButton("Save")
        self.save_button.clicked.connect(self.save_profile)
        self.use_button = QPushButton("Use this connection")
        self.use_button.clicked.connect(self._use)
        actions = QHBoxLayout()
        actions.addWidget(self.test_button)
        actions.addStretch(1)
        actions.addWidget(self.save_button)
        actions.addWidget(self.use_button)
        self.result_label = QLabel()
        self.result_label.setObjectName("testResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.setMinimumHeight(self.result_label.fontMetrics().lineSpacing() * 3)
        self.result_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        right = vbox(form, actions, self.result_label)
        right.addStretch(1)

        body = hbox(left, (right, 1))
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(close)
        self.resize(720, 440)

        controller.probed.connect(self._probed)
        controller.testFailed.connect(self._failed)
        controller.tokenFailed.connect(self._failed)
        controller.tokenState.connect(self._token_state)
        controller.tokenSaved.connect(self._token_saved)
        controller.backendInfo.connect(self._backend_info)
        controller.busyChanged.connect(self._busy)

        self.reload(current)
        self._kind_changed()
        controller.describe_backend()

    # --- list ---------------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        """Re-read the profiles and select ``select`` (or the first)."""
        self.list.blockSignals(True)
        self.list.clear()
        try:
            names = self.profiles.names()
        except ProfileError as exc:
            names = []
            self._show_result(str(exc), error=True)
        for name in names:
            self.list.addItem(QListWidgetItem(name))
        self.list.blockSignals(False)
        if not names:
            self.new_profile()
            return
        row = names.index(select) if select in names else 0
        self.list.setCurrentRow(row)
        self._selected(self.list.currentItem(), None)

    def _selected(self, item: QListWidgetItem | None, _previous: object) -> None:
        if item is None:
            return
        try:
            profile = self.profiles.get(item.text())
        except ProfileError as exc:
            self._show_result(str(exc), error=True)
            return
        self.fill(profile)

    def fill(self, profile: Profile) -> None:
        """Show ``profile`` in the form."""
        self._editing = profile.name
        self.name.setText(profile.name)
        self.kind.setCurrentIndex(max(0, self.kind.findData(profile.kind)))
        self.base_url.setText(profile.base_url)
        self.datastax_id.setText(profile.datastax_id or "")
        self.ca_bundle.setText(profile.ca_bundle or "")
        self.verify_tls.setChecked(profile.verify_tls)
        self.timeout.setValue(profile.timeout or 0)
        self.token.clear()
        self.token_state.setText("Checking for a saved token…")
        self.result_label.clear()
        self.remove_button.setEnabled(True)
        self.use_button.setEnabled(True)
        self.controller.check_token(profile.name)

    def new_profile(self) -> None:
        self.list.clearSelection()
        self._editing = None
        taken = set(self.profiles.names()) if self._profiles_readable() else set()
        name = "local" if "local" not in taken else self._free_name(taken)
        self.name.setText(name)
        self.kind.setCurrentIndex(0)
        self.base_url.setText(DEFAULT_BASE_URL)
        self.datastax_id.clear()
        self.ca_bundle.clear()
        self.verify_tls.setChecked(True)
        self.timeout.setValue(0)
        self.token.clear()
        self.token_state.setText("No token saved yet.")
        self._has_token = False
        self.result_label.setText("A new connection: fill it in and press Save.")
        self.remove_button.setEnabled(False)
        self.use_button.setEnabled(False)
        self.name.setFocus()

    def _profiles_readable(self) -> bool:
        try:
            self.profiles.names()
        except ProfileError:
            return False
        return True

    @staticmethod
    def _free_name(taken: set[str]) -> str:
        i = 2
        while f"server {i}" in taken:
            i += 1
        return f"server {i}"

    def remove_profile(self) -> None:
        name = self._editing
        if name is None:
            return
        try:
            self.profiles.remove(name)
        except ProfileError as exc:
            self._show_result(str(exc), error=True)
            return
        self.controller.delete_token(name)
        self.profilesChanged.emit()
        self.reload()
        self._show_result(f"Removed “{name}” and its token.")

    # --- form ---------------------------------------------------------------------------------

    def _kind_changed(self, *_args: object) -> None:
        datastax = self.kind.currentData() == "datastax"
        self.datastax_id.setEnabled(datastax)
        if datastax and self.base_url.text().strip() in ("", DEFAULT_BASE_URL):
            self.base_url.setText("https://api.langflow.astra.datastax.com")
        self.token.setPlaceholderText(
            "paste an Astra application token (AstraCS:…) and press Save"
            if datastax
            else "paste an API key (sk-…) and press Save"
        )

    def _pick_ca_bundle(self) -> None:
        dialog = QFileDialog(self, "CA bundle", "", "Certificates (*.pem *.crt *.cer);;All (*)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.ca_bundle.setText)
        dialog.open()

    def form_profile(self) -> Profile:
        """The profile as the form describes it; ``ProfileError`` says what is wrong."""
        kind = self.kind.currentData()
        profile = Profile(
            name=self.name.text().strip(),
            kind=kind,
            base_url=self.base_url.text(),
            datastax_id=self.datastax_id.text() if kind == "datastax" else None,
            ca_bundle=self.ca_bundle.text() or None,
            verify_tls=self.verify_tls.isChecked(),
            timeout=self.timeout.value() or None,
        )
        validate_profile(profile)
        return profile

    def save_profile(self) -> Profile | None:
        try:
            profile = self.form_profile()
            old = self._editing
            if old is not None and old != profile.name and profile.name in self.profiles:
                raise ProfileError(f"A profile named {profile.name!r} already exists.")
            replace = old == profile.name
            if old is None and profile.name in self.profiles:
                raise ProfileError(
                    f"A profile named {profile.name!r} already exists; choose another name."
                )
            self.profiles.add(profile, replace=replace)
            if old is not None and old != profile.name:
                self.profiles.remove(old)
                self.controller.move_token(old, profile.name)
        except ProfileError as exc:
            self._show_result(str(exc), error=True)
            return None
        token = self.token.text().strip()
        self._editing = profile.name
        self.reload(profile.name)
        if token:
            self.controller.save_token(profile.name, token)
            self._show_result(f"Saved “{profile.name}”; saving the token…")
        else:
            self._show_result(f"Saved “{profile.name}”.")
        self.profilesChanged.emit()
        return profile

    def _forget_token(self) -> None:
        if self._editing is not None:
            self.controller.delete_token(self._editing)
        self.token.clear()

    def test_connection(self) -> None:
        try:
            profile = self.form_profile()
        except ProfileError as exc:
            self._show_result(str(exc), error=True)
            return
        self._show_result(f"Testing {profile.base_url} …")
        self.controller.test_connection(profile, self.token.text().strip() or None)

    def _use(self) -> None:
        if self._editing is not None:
            self.profileChosen.emit(self._editing)
            self.accept()

    # --- controller answers -------------------------------------------------------------------

    def _probed(self, report: ConnectionReport) -> None:
        self._show_result(report.summary())

    def _failed(self, message: str) -> None:
        self._show_result(message, error=True)

    def _token_state(self, profile: str, has: bool) -> None:
        if profile != self._editing and profile != self.name.text().strip():
            return
        self._has_token = has
        self.token_state.setText(
            "A token is saved for this connection (it is never shown)."
            if has
            else "No token saved for this connection."
        )
        self.forget_button.setEnabled(has)

    def _token_saved(self, profile: str, where: str) -> None:
        if profile == self._editing:
            self.token.clear()
        self._show_result(f"Saved the token for “{profile}” in {where}.")

    def _backend_info(self, name: str, persistent: bool, reason: str) -> None:
        if persistent:
            self.backend_label.setText(f"Tokens are stored in: {name}.")
        else:
            self.backend_label.setText(
                reason or "No OS keyring is available; the token is kept for this session only."
            )

    def _busy(self, busy: bool) -> None:
        self.test_button.setEnabled(not busy)

    def _show_result(self, text: str, *, error: bool = False) -> None:
        self.result_label.setText(("Failed: " if error else "") + text)
        self.result_label.setProperty("error", error)
        pal = self.palette()
        if error:
            pal.setColor(QPalette.ColorRole.WindowText, INVALID_COLOR)
        self.result_label.setPalette(pal)
