"""What the component form knows of the server's side of its fields, kept across components:
the flow's node facts (which fields the server refreshes, model types), the connection's
model catalog, the notes under fields and the options a refresh brought. The form asks it
for a row's extra parts (a refresh button, the model choices, a note) and never decides
anything itself; a presenter (`catalogview`) fills it through the form's methods."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QStyle, QToolButton, QWidget

from lfdesk.core.flow import Field, FieldKind
from lfdesk.ui.editors import DropdownEditor, FieldEditor, ModelEditor
from lfdesk.ui.formparts import HELP_STYLE, WARN_STYLE, FieldRow
from lfdesk.ui.serverfields import FieldNote, ModelChoices, NodeFacts, ServerModels, model_choices

OFFLINE_REFRESH = "Connect to a server to ask it for this field's choices"
DEFAULT_MODEL_TYPE = "language"  # a ModelInput's model type when the flow JSON is not read yet


class ServerSide:
    """The server's side of the form's fields (see the module)."""

    def __init__(self) -> None:
        self.facts: dict[str, NodeFacts] = {}
        self.models: ServerModels | None = None
        self.connected = False
        self.notes: dict[tuple[str, str], FieldNote] = {}
        self.options: dict[tuple[str, str], tuple[Any, ...]] = {}
        self._choices: dict[str, ModelChoices] = {}

    def forget(self) -> None:
        self.facts.clear()
        self.notes.clear()
        self.options.clear()
        self._choices.clear()

    def set_facts(self, facts: dict[str, NodeFacts]) -> None:
        self.facts = facts
        self._choices.clear()

    def set_models(self, models: ServerModels | None) -> None:
        self.models = models
        self._choices.clear()

    def model_choices(self, component_id: str, name: str) -> ModelChoices | None:
        """What a ModelInput offers: the catalog's providers and models of its type."""
        if self.models is None:
            return None
        facts = self.facts.get(component_id)
        model_type = (facts.model_types.get(name) if facts else None) or DEFAULT_MODEL_TYPE
        if model_type not in self._choices:
            self._choices[model_type] = model_choices(self.models, model_type)
        return self._choices[model_type]

    def apply(self, component_id: str, fld: Field, editor: FieldEditor) -> bool:
        """Give an editor what the server said of its field; whether there was any."""
        if isinstance(editor, ModelEditor):
            editor.set_choices(self.model_choices(component_id, fld.name))
            return True
        options = self.options.get((component_id, fld.name))
        if isinstance(editor, DropdownEditor) and options is not None:
            editor.set_options(options)
            return True
        return False

    def refreshable(self, component_id: str, fld: Field) -> bool:
        """Whether the server computes the field's choices (a model field: its catalog)."""
        if not fld.tweakable:
            return False
        facts = self.facts.get(component_id)
        return fld.kind is FieldKind.MODEL or (facts is not None and fld.name in facts.refreshable)

    def refresh_button(
        self, parent: QWidget, component_id: str, fld: Field, clicked: Callable[[], None]
    ) -> QToolButton | None:
        """A refresh button for a field whose choices the server computes (every model
        field: its catalog), None for the others."""
        if not self.refreshable(component_id, fld):
            return None
        button = QToolButton(parent)
        button.setIcon(parent.style().standardIcon(QStyle.StandardPixmap.SP_BrowserReload))
        button.setAutoRaise(True)
        button.clicked.connect(lambda _checked=False: clicked())
        return button

    def enable_refresh(self, row: FieldRow) -> None:
        button = row.refresh_button
        if button is None:
            return
        button.setEnabled(self.connected)
        if not self.connected:
            button.setToolTip(OFFLINE_REFRESH)
        elif row.field.kind is FieldKind.MODEL:
            button.setToolTip("Read the server's model catalog again")
        else:
            button.setToolTip(
                "Ask the server for this field's choices (it builds the component with the "
                "flow's values, as Langflow's canvas does)"
            )

    def show_note(self, component_id: str, row: FieldRow) -> None:
        label = row.note_label
        if label is None:
            return
        note = self.notes.get((component_id, row.field.name))
        label.setText(note.text if note else "")
        label.setStyleSheet(WARN_STYLE if note and note.warn else HELP_STYLE)
        label.setVisible(note is not None)
