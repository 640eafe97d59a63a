"""The MODEL editor (a `ModelInput`: Langflow 1.13's Language Model, Agent...): a provider,
then a model, from the server's model catalog; a typed `Provider/model` without one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QComboBox, QCompleter, QSizePolicy, QWidget

from lfdesk.core.catalog import (
    KNOWN_PROVIDERS,
    ModelSelection,
    Reason,
    parse_model_options,
    parse_model_text,
    selection_from_value,
)
from lfdesk.core.flow import Field
from lfdesk.ui import icons
from lfdesk.ui.editors_base import value_text
from lfdesk.ui.editors_choices import DropdownEditor, _Combo
from lfdesk.ui.serverfields import EXAMPLE, ModelChoices, ModelEntry

ANY_PROVIDER = "Any provider (the server picks)"
NO_PROVIDER = "Choose a provider…"


class ModelEditor(DropdownEditor):
    """MODEL. Without the server's catalog: one editable box (`combo`) for `Provider/model`
    or a model name, offering the field's own options. With it (`set_choices`): a provider
    box (`provider_combo`), then the model box with that provider's models (or, with no
    provider chosen, every usable model as `Provider/model`). What cannot be used as is
    shows grey with a mark (a lock: not set up; a dot: disabled, deprecated), why on hover.

    Payloads: `ModelSelection.tweak_value()`: `[{"name", "provider"}]` when the provider is
    known, else the bare name; "" when the box is emptied.
    """

    _known: tuple[str, ...]  # provider names a typed `Provider/model` may start with

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent, editable=True)  # fills the offline list (_fill)
        self.choices: ModelChoices | None = None
        self._provider: str | None = None  # the provider chosen (display name), None: any
        self.provider_combo = _Combo(self)
        self.provider_combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.provider_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.provider_combo.setMinimumContentsLength(12)
        self.provider_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.provider_combo.setToolTip("The model provider, as the server's catalog lists it")
        self._layout.insertWidget(0, self._part(self.provider_combo), 1)
        self._layout.setStretchFactor(self.combo, 1)
        self.provider_combo.setVisible(False)
        self.provider_combo.activated.connect(self._provider_chosen)
        completer = QCompleter(self.combo.model(), self.combo)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.combo.setCompleter(completer)
        self._placeholder()

    # --- what the form gives ------------------------------------------------------------------

    def set_choices(self, choices: ModelChoices | None) -> None:
        """Offer the server's providers and models (None: no catalog, type the model)."""
        self.choices = choices
        self.provider_combo.setVisible(choices is not None)
        with self._updating_parts():
            if choices is None:
                self._fill(self.field.options)
            self._show(self._shown)
        self._placeholder()

    # --- showing ------------------------------------------------------------------------------

    def _fill(self, options: Sequence[Any]) -> None:
        """Without a catalog: the field's own options (a flow saved by Langflow's UI keeps
        the ones it offered), as `Provider/model`."""
        self.combo.clear()
        self._extra = -1
        found = parse_model_options(list(options))
        extra = {o.provider for o in found} - set(KNOWN_PROVIDERS)
        self._known = (*KNOWN_PROVIDERS, *sorted(extra))
        for option in found:
            self.combo.addItem(option.label)

    def _show(self, value: Any) -> None:
        self._shown = value
        selection = selection_from_value(value)
        if self.choices is None:
            if selection is not None:
                text = selection.label
            else:
                text = value if isinstance(value, str) else value_text(value) if value else ""
            self._set_text(text)
            return
        self._provider = selection.provider if selection else None
        self._fill_providers(selection)
        self._fill_models()
        self._set_text(selection.name if selection else "")

    def _set_text(self, text: str) -> None:
        index = self.combo.findText(text, Qt.MatchFlag.MatchExactly)
        if index >= 0:
            self.combo.setCurrentIndex(index)
        if self.combo.currentText() != text:
            self.combo.setEditText(text)

    def _placeholder(self) -> None:
        line = self.combo.lineEdit()
        if line is None:
            return
        if self.choices is None or not self._provider:
            line.setPlaceholderText(f"Provider/model, e.g. {EXAMPLE}")
        else:
            line.setPlaceholderText(f"A model of {self._provider}")

    def _mark(self, combo: QComboBox, index: int, reason: Reason | None, hint: str = "") -> None:
        """Grey, a mark and the reason on hover for what cannot be used as is."""
        if reason is None:
            if hint:
                combo.setItemData(index, hint, Qt.ItemDataRole.ToolTipRole)
            return
        grey = self.palette().color(QPalette.ColorRole.PlaceholderText)
        combo.setItemData(index, grey, Qt.ItemDataRole.ForegroundRole)
        combo.setItemData(index, reason.message, Qt.ItemDataRole.ToolTipRole)
        badge = "locked" if reason.blocking else "changed"
        combo.setItemIcon(index, icons.badge_icon(badge))

    def _fill_providers(self, selection: ModelSelection | None) -> None:
        assert self.choices is not None
        combo = self.provider_combo
        combo.clear()
        first = ANY_PROVIDER if selection is not None else NO_PROVIDER
        combo.addItem(first, None)
        combo.setItemData(
            0,
            "A model name alone: the server takes the first provider of its catalog that "
            "lists it. Pick a provider to be sure which one runs.",
            Qt.ItemDataRole.ToolTipRole,
        )
        current = 0
        for entry in self.choices.providers:
            combo.addItem(entry.label, entry.name)
            index = combo.count() - 1
            self._mark(combo, index, entry.reason, f"{len(entry.models)} models")
            if self._provider and entry.matches(self._provider):
                current = index
                self._provider = entry.name
        if self._provider and current == 0:  # a provider the catalog does not list
            combo.addItem(f"{self._provider} (not in the server's catalog)", self._provider)
            current = combo.count() - 1
            combo.setItemData(
                current,
                "The server's catalog has no such provider: a run with it fails.",
                Qt.ItemDataRole.ToolTipRole,
            )
            combo.setItemIcon(current, icons.badge_icon("invalid"))
        combo.setCurrentIndex(current)

    def _models(self) -> tuple[ModelEntry, ...]:
        assert self.choices is not None
        if not self._provider:
            return self.choices.usable
        entry = self.choices.provider(self._provider)
        return entry.models if entry is not None else ()

    def _fill_models(self) -> None:
        self.combo.clear()
        self._extra = -1
        for model in self._models():
            self.combo.addItem(model.label)
            self._mark(self.combo, self.combo.count() - 1, model.reason)
        self._placeholder()

    # --- what the user does -------------------------------------------------------------------

    def _selection(self, text: str) -> ModelSelection | None:
        typed = text.strip()
        if not typed:
            return None
        if self.choices is None:
            return parse_model_text(typed, self._known)
        if self._provider:
            return ModelSelection(typed, self._provider)
        return parse_model_text(typed, self.choices.provider_names)

    def _payload(self, selection: ModelSelection | None) -> Any:
        return selection.tweak_value() if selection is not None else ""

    def _typed(self, text: str) -> None:
        self._emit(self._payload(self._selection(text)))
        self._first_label()

    def _first_label(self) -> None:
        """The provider box's first entry: "any provider" once a model is named."""
        if self.choices is not None and self.provider_combo.count():
            named = bool(self.combo.currentText().strip())
            self.provider_combo.setItemText(0, ANY_PROVIDER if named else NO_PROVIDER)

    def _chosen(self, text: str) -> None:
        selection = self._selection(text)
        payload = self._payload(selection)
        if self.choices is not None and selection is not None and not self._provider:
            # Picked `Provider/model` from every usable model: the provider box follows.
            with self._updating_parts():
                self._show(payload)
        self._emit(payload)
        self._first_label()

    def _provider_chosen(self, index: int) -> None:
        if self.choices is None:
            return
        data = self.provider_combo.itemData(index)
        old = self._selection(self.combo.currentText())
        name = old.name if old is not None else ""
        self._provider = data if isinstance(data, str) and data else None
        with self._updating_parts():
            self._fill_models()
            entry = self.choices.provider(self._provider)
            if entry is not None and name not in {m.selection.name for m in entry.models}:
                usable = [m for m in entry.models if m.reason is None] or list(entry.models)
                name = usable[0].selection.name if usable else ""
            self._set_text(name)
        if name:
            self._emit(ModelSelection(name, self._provider).tweak_value())
        self._first_label()
