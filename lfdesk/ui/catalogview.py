"""The catalog presenter: fields whose choices live on the server, kept in step with the
connection and the open document.

A model field (`ModelInput`) offers the connection's model catalog, read once per
connection and again when the user asks (the field's refresh button); without a
connection, its note says where the choices come from and a typed `Provider/model` does.
The notes under a component's fields say which global variables the chosen provider reads
and whether the server has them (the API key field: "Empty: the server reads ...").
Other fields the server computes (a knowledge base, a memory base...) get their choices
from the component update call, with the flow's current values; a failure is one line in
the field's note and the form stays as it was. The flow's own JSON (read again: the
parsed flow does not keep its nodes) says which fields those are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from lfdesk.core import jsontext
from lfdesk.core.document import Document
from lfdesk.core.dynamic import DynamicFieldError, RefreshedNode, build_update_request
from lfdesk.core.flow import Component, FieldKind
from lfdesk.core.profiles import Profile
from lfdesk.core.tweaks import GlobalVariable
from lfdesk.ui.connectionview import ConnectionPresenter
from lfdesk.ui.documents import DocumentPresenter, sample_flow_bytes
from lfdesk.ui.parts import DocumentFollower, Parts
from lfdesk.ui.serverfields import (
    LOADING_NOTE,
    OFFLINE_NOTE,
    FieldNote,
    FlowSource,
    NodeFacts,
    ServerModels,
    component_notes,
    connection_key,
    node_facts,
)

log = logging.getLogger(__name__)

ASKING = FieldNote("Asking the server for the choices…")


def _one_line(message: str) -> str:
    return " ".join(message.strip().splitlines()[:1]) or "no reason given"


class CatalogPresenter(DocumentFollower):
    """The model catalog per connection, the flow's node facts, and the notes and
    refreshed choices the form shows (see the module)."""

    def __init__(
        self, parts: Parts, documents: DocumentPresenter, connection: ConnectionPresenter
    ) -> None:
        super().__init__(parts, documents, connection)
        self.models: dict[str, ServerModels] = {}  # by connection_key
        self._model_errors: dict[str, str] = {}
        self._loading: set[str] = set()
        self.facts: dict[str, NodeFacts] = {}  # the open flow's, by component id
        self._source_key = ""
        self._source_count = 0
        self._field_notes: dict[tuple[str, str], FieldNote] = {}  # refreshes, by (cid, field)
        conn, form = self.conn, self.form
        wiring: tuple[tuple[Any, Callable[..., None]], ...] = (
            (documents.documentChanged, self._document_changed),
            (documents.flowReloaded, self._flow_reloaded),
            (connection.profileChanged, lambda _name: self._connection_changed()),
            (form.refreshRequested, self.refresh),
            (form.tweakChanged, lambda cid, _name: self.update_notes(cid)),
            (conn.modelsLoaded, self._models_loaded),
            (conn.modelsFailed, self._models_failed),
            (conn.flowSourceRead, self._source_read),
            (conn.flowSourceFailed, self._source_failed),
            (conn.fieldRefreshed, self._field_refreshed),
            (conn.fieldRefreshFailed, self._field_refresh_failed),
            (conn.tokenState, lambda _profile, _has: self._token_changed()),
        )
        for signal, slot in wiring:
            signal.connect(slot)

    @property
    def document(self) -> Document | None:
        return self.documents.document

    # --- the document -------------------------------------------------------------------------

    def _document_changed(self, document: Document) -> None:
        self.facts = {}
        self._field_notes.clear()
        self.form.forget_server_state()
        self._read_source(document)
        self._show_models()

    def _flow_reloaded(self) -> None:
        if self.document is not None:
            self._read_source(self.document)
            self.update_notes()

    def _read_source(self, document: Document) -> None:
        """Read the flow's JSON again, for its nodes (the parsed flow does not keep them)."""
        self._source_count += 1
        key = self._source_key = str(self._source_count)
        profile = self.connection.current_profile()
        if document.source == "server" and document.server_flow_id:
            if profile is not None:
                self.conn.fetch_flow_source(key, profile, document.server_flow_id)
        elif document.flow_path:
            self.conn.read_flow_file(key, document.flow_path)
        elif document.source == "sample":
            data = jsontext.loads(sample_flow_bytes().decode("utf-8-sig"))
            self._source_read(FlowSource(key, data))

    def _source_read(self, source: FlowSource) -> None:
        document = self.document
        if source.key != self._source_key or document is None:
            return  # another document by now
        found = node_facts(source.data)
        self.facts = {cid: f for cid, f in found.items() if document.flow.has_component(cid)}
        self.form.set_server_fields(self.facts)
        self.update_notes()

    def _source_failed(self, key: str, message: str) -> None:
        if key == self._source_key:
            log.info("flow JSON not read again (no server-computed choices): %s", message)

    # --- the connection and its catalog -------------------------------------------------------

    def _connection_changed(self) -> None:
        document = self.document
        if document is not None and not self.facts and document.source == "server":
            self._read_source(document)  # the server's flow, now that there is a connection
        self._show_models()

    def _token_changed(self) -> None:
        self._model_errors.clear()  # "no token" may be over
        self._show_models()

    def _wants_models(self) -> bool:
        document = self.document
        return document is not None and any(
            f.kind is FieldKind.MODEL and f.tweakable
            for c in document.flow.components
            for f in c.fields
        )

    def _show_models(self, *, reload: bool = False) -> None:
        """Give the form the current connection's catalog (reading it when it is not at
        hand yet, or again when asked), then the notes."""
        profile = self.connection.current_profile()
        self.form.set_connected(profile is not None)
        key = connection_key(profile) if profile is not None else ""
        self.form.set_models(self.models.get(key))
        fresh = key not in self.models and key not in self._model_errors
        if profile is not None and self._wants_models() and key not in self._loading and (
            reload or fresh
        ):
            self._load(profile, key)
        self.update_notes()

    def _load(self, profile: Profile, key: str) -> None:
        self._loading.add(key)
        self._model_errors.pop(key, None)
        self.conn.load_models(profile)

    def _models_loaded(self, models: ServerModels) -> None:
        self._loading.discard(models.key)
        self.models[models.key] = models
        self._model_errors.pop(models.key, None)
        self._show_models()

    def _models_failed(self, key: str, message: str) -> None:
        self._loading.discard(key)
        self._model_errors[key] = message
        self._show_models()

    def _status(self) -> tuple[ServerModels | None, FieldNote]:
        """The current connection's catalog, and the note a model field shows without one."""
        profile = self.connection.current_profile()
        if profile is None:
            return None, OFFLINE_NOTE
        key = connection_key(profile)
        models = self.models.get(key)
        if models is None and key in self._model_errors:
            text = (
                f"Could not read the server's model catalog: {_one_line(self._model_errors[key])}"
                " Type Provider/model, or refresh."
            )
            return None, FieldNote(text, warn=True)
        return models, LOADING_NOTE

    # --- notes --------------------------------------------------------------------------------

    def update_notes(self, component_id: str | None = None) -> None:
        """Write the notes under the fields of one component (every one by default)."""
        document = self.document
        if document is None:
            return
        models, status = self._status()
        for comp in document.flow.components:
            if component_id is not None and comp.id != component_id:
                continue
            notes = self._notes_of(document, comp, models, status)
            if notes or self.form.component_id == comp.id:
                self.form.set_notes(comp.id, notes)

    def _notes_of(
        self, document: Document, comp: Component, models: ServerModels | None, status: FieldNote
    ) -> dict[str, FieldNote]:
        facts = self.facts.get(comp.id)
        notes = component_notes(
            comp,
            lambda name: document.tweaks.value(comp.id, name),
            models,
            model_types=facts.model_types if facts else None,
            status=status,
        )
        notes.update({f: n for (c, f), n in self._field_notes.items() if c == comp.id})
        return notes

    def _field_note(self, component_id: str, field: str, note: FieldNote) -> None:
        self._field_notes[(component_id, field)] = note
        self.update_notes(component_id)

    # --- refreshing a field -------------------------------------------------------------------

    def refresh(self, component_id: str, field: str) -> None:
        """The user asked the server for a field's choices: a model field reads the
        catalog again; another field is refreshed by the component update call."""
        document = self.document
        profile = self.connection.current_profile()
        if document is None or profile is None or not document.flow.has_component(component_id):
            return
        comp = document.flow.component(component_id)
        if comp.has_field(field) and comp.field(field).kind is FieldKind.MODEL:
            self._show_models(reload=True)
            return
        facts = self.facts.get(component_id)
        if facts is None:
            self._field_note(
                component_id,
                field,
                FieldNote("The flow's JSON could not be read again, so lfdesk cannot ask.", True),
            )
            return
        values = {
            name: value.name if isinstance(value, GlobalVariable) else value
            for cid, name, value in document.tweaks.items()
            if cid == component_id
        }
        flow_id = document.server_flow_id if document.source == "server" else None
        try:
            request = build_update_request(facts.node, field, values=values, flow_id=flow_id)
        except DynamicFieldError as exc:
            self._field_note(component_id, field, FieldNote(f"Cannot ask the server: {exc}", True))
            return
        self._field_note(component_id, field, ASKING)
        self.conn.refresh_field(profile, component_id, field, request)

    def _field_refreshed(self, component_id: str, field: str, node: RefreshedNode) -> None:
        document = self.document
        if document is None or not document.flow.has_component(component_id):
            return
        refreshed = node.field(field)
        if refreshed is None:
            note = FieldNote(f"The server's reply has no field {field}; choices kept.", True)
            self._field_note(component_id, field, note)
            return
        self.form.set_field_options(component_id, field, refreshed.options)
        count = len(refreshed.options)
        s = "" if count == 1 else "s"
        text = (
            f"{count} choice{s} from the server."
            if count
            else "The server offers no choices for this field now."
        )
        self._field_note(component_id, field, FieldNote(text))

    def _field_refresh_failed(self, component_id: str, field: str, message: str) -> None:
        if self.document is None or not self.document.flow.has_component(component_id):
            return
        note = FieldNote(f"Could not refresh: {_one_line(message)}", warn=True)
        self._field_note(component_id, field, note)
