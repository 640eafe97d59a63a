"""The panes presenter: the flow tree, the component form and the code preview, kept in step
with the open Document.

Selecting a component shows it in the form; a tweak reaches the tree and the preview; the
preview always shows the request Run would send now (``Document.build_request``, the call
the run presenter makes too). Saved preview choices (language, stream, API, short or full
form) and the tree's view mode live in the Settings. The preview hears what the current server
is (to say which choices will not work there); what Copy copied goes to the status bar. A
form's file upload goes to the server from here.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, Signal

from lfdesk.core.document import Document
from lfdesk.ui.connectionview import ConnectionPresenter
from lfdesk.ui.documents import DocumentPresenter
from lfdesk.ui.parts import DocumentFollower, Parts

PREVIEW_DELAY_MS = 120  # typing in the chat input re-renders the preview after a pause


class PanesPresenter(DocumentFollower):
    """Tree, form and preview over the open Document.

    Signals: ``tweaksChanged()`` (a value changed in the form, or the whole set was replaced:
    the preset picker checks whether it still matches), ``viewModeChanged(str)`` (the tree
    shows ``exposed`` or ``all`` fields now).
    """

    tweaksChanged = Signal()
    viewModeChanged = Signal(str)

    def __init__(
        self, parts: Parts, documents: DocumentPresenter, connection: ConnectionPresenter
    ) -> None:
        super().__init__(parts, documents, connection)
        tree, form, preview, chat = self.tree, self.form, self.preview, self.chat
        conn, notices = self.conn, self.notices
        self.preview_timer = QTimer(self)
        self.preview_timer.setSingleShot(True)
        self.preview_timer.setInterval(PREVIEW_DELAY_MS)
        self.preview_timer.timeout.connect(self.update_preview)

        tree.componentSelected.connect(self.show_component)
        tree.fieldSelected.connect(lambda cid, _f: self.show_component(cid))
        tree.viewChanged.connect(self._tree_view_changed)
        form.tweakChanged.connect(self._tweak_changed)
        form.uploadRequested.connect(self.upload_file)
        preview.streamToggled.connect(self._stream_toggled)
        preview.apiChanged.connect(self._api_changed)
        preview.languageChanged.connect(self._language_changed)
        preview.fullToggled.connect(self._full_toggled)
        preview.copied.connect(lambda what: notices.say(what, 6000))
        preview.inlineTokenToggled.connect(connection.set_inline_token)
        preview.set_token_provider(connection.token_for_preview)
        chat.inputChanged.connect(lambda _t: self.preview_timer.start())
        documents.documentChanged.connect(self.show_document)
        documents.flowReloaded.connect(self._flow_reloaded)
        connection.profileChanged.connect(lambda _name: self.update_preview())
        connection.inlineTokenChanged.connect(self.update_preview)
        connection.locationChanged.connect(lambda _where, _status: self._server_changed())
        conn.uploaded.connect(self._uploaded)
        conn.uploadFailed.connect(lambda message: notices.error(f"Upload failed: {message}"))
        self.apply_preview_settings()
        self._server_changed()

    @property
    def document(self) -> Document | None:
        return self.documents.document

    def apply_preview_settings(self) -> None:
        """Put the saved language, stream and API choices into the preview (its signals
        then carry them into the document)."""
        try:
            self.preview.set_language(self.settings.language)
        except KeyError:
            self.settings.language = self.preview.language()
        self.preview.set_stream(self.settings.stream)
        self.preview.set_api(self.settings.api)
        self.preview.set_full(self.settings.snippet_full)

    # --- the document -------------------------------------------------------------------------

    def show_document(self, document: Document) -> None:
        self.tree.set_flow(document.flow, document.tweaks)
        self.tree.set_view(self.settings.view_mode)
        flow = document.flow
        first = next((c for c in flow.components if c.tweakable_fields()), None)
        first = first or (flow.components[0] if flow.components else None)
        if first is not None and not self.tree.select_component(first.id):
            self.show_component(first.id)
        self.update_preview()

    def _flow_reloaded(self) -> None:
        d = self.document
        if d is None:
            return
        self.tree.set_flow(d.flow, d.tweaks)
        self._show_current()
        self.update_preview()

    def show_component(self, component_id: str) -> None:
        d = self.document
        if d is None or not d.flow.has_component(component_id):
            return
        self.form.set_component(
            d.flow, d.flow.component(component_id), d.tweaks, self.tree.view_mode()
        )

    def _show_current(self) -> None:
        current = self.tree.current_component()
        if current:
            self.show_component(current)

    def _tweak_changed(self, component_id: str, _field: str) -> None:
        self.tree.refresh_values(component_id)
        self.update_preview()
        self.tweaksChanged.emit()

    def tweaks_replaced(self) -> None:
        """After the whole TweakSet changed (a preset, a restored run): tree, form, preview."""
        self.tree.refresh_values()
        self._show_current()
        self.update_preview()
        self.tweaksChanged.emit()

    def update_preview(self) -> None:
        """Render the request Run would send now (the one function both use)."""
        self.preview_timer.stop()
        if self.document is None:
            return
        self.preview.set_request(self.document.build_request(self.chat.input_text()))

    # --- view choices -------------------------------------------------------------------------

    def set_view_mode(self, mode: str) -> None:
        self.tree.set_view(mode)
        self.settings.view_mode = mode

    def _tree_view_changed(self, mode: str) -> None:
        self.settings.view_mode = self.tree.preferred_view()
        self.viewModeChanged.emit(mode)
        self._show_current()

    def _stream_toggled(self, on: bool) -> None:
        self.settings.stream = on
        if self.document is not None:
            self.document.stream = on
        self.update_preview()

    def _api_changed(self, api: str) -> None:
        if api not in ("v1", "v2"):
            return
        self.settings.api = "v1" if api == "v1" else "v2"
        if self.document is not None:
            self.document.api = self.settings.api
        self.update_preview()

    def _language_changed(self, language: str) -> None:
        self.settings.language = language

    def _full_toggled(self, full: bool) -> None:
        self.settings.snippet_full = full

    def _server_changed(self) -> None:
        """The current profile, or what its server said of itself, changed (the probe's
        answer comes with ``locationChanged``): the preview checks its choices against it."""
        name = self.connection.current_profile_name()
        self.preview.set_server(self.connection.server_info.get(name) if name else None)

    # --- uploads ------------------------------------------------------------------------------

    def upload_file(self, component_id: str, field: str, path: str) -> None:
        d = self.document
        profile = self.connection.current_profile()
        if d is None:
            return
        if profile is None or not d.flow_id:
            self.notices.info(
                "Uploading a file needs a connection and a flow that exists on the server "
                "(open it with File > Open from server…)."
            )
            return
        self.notices.say(f"Uploading {Path(path).name} …")
        self.conn.upload(profile, d.flow_id, component_id, field, path)

    def _uploaded(self, component_id: str, field: str, server_path: str) -> None:
        self.form.set_uploaded_path(component_id, field, server_path)
        self.tree.refresh_values(component_id)
        self.update_preview()
        self.notices.say(f"Uploaded: {server_path}", 8000)
