"""Text editors: one line, several lines (or a list, one item a line), and secrets."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QCheckBox, QLineEdit, QToolButton, QWidget

from lfdesk.core.flow import Field
from lfdesk.core.tweaks import GlobalVariable
from lfdesk.ui import icons
from lfdesk.ui.editors_base import FieldEditor, GrowingPlainTextEdit, monospace_font, value_text


class LineEditor(FieldEditor):
    """TEXT, QUERY: one line."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.line = self._input(QLineEdit(self))
        self.line.setPlaceholderText(field.info[:80] if field.info else "")
        self.line.textEdited.connect(self._emit)

    def _show(self, value: Any) -> None:
        text = value_text(value)
        if "\n" in text and not isinstance(value, str):
            text = json.dumps(value, ensure_ascii=False)
        if self.line.text() != text:
            self.line.setText(text)
            self.line.setCursorPosition(0)


class TextAreaEditor(FieldEditor):
    """MULTILINE, PROMPT (monospace), and text lists (one item a line)."""

    def __init__(
        self,
        field: Field,
        parent: QWidget | None = None,
        *,
        monospace: bool = False,
        lines: int = 4,
        as_list: bool = False,
    ) -> None:
        super().__init__(field, parent)
        self.as_list = as_list
        self.text_edit = self._input(
            GrowingPlainTextEdit(self, min_lines=lines, max_lines=lines * 3)
        )
        if monospace:
            self.text_edit.setFont(monospace_font())
        self.text_edit.setTabChangesFocus(True)
        if as_list:
            self.text_edit.setPlaceholderText("One value a line")
        self.text_edit.textChanged.connect(self._on_changed)

    def _on_changed(self) -> None:
        self._emit(self.text_edit.toPlainText())

    def _show(self, value: Any) -> None:
        if self.as_list and isinstance(value, list):
            text = "\n".join(value_text(v) for v in value)
        else:
            text = value_text(value)
        if self.text_edit.toPlainText() != text:
            self.text_edit.setPlainText(text)


class SecretEditor(FieldEditor):
    """SECRET: masked, with show/hide, and a "global variable" mode whose text is a name."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.line = self._input(QLineEdit(self), 1)
        self.line.setEchoMode(QLineEdit.EchoMode.Password)
        self.line.textEdited.connect(self._on_edited)
        self.show_button = QToolButton(self)
        self.show_button.setCheckable(True)
        self.show_button.setIcon(icons.badge_icon("eye"))
        self.show_button.setToolTip("Show the value")
        self.show_button.toggled.connect(self._on_show_toggled)
        self.variable_check = QCheckBox("Global variable", self)
        self.variable_check.setToolTip(
            "Send the name of a Langflow global variable instead of the secret itself"
        )
        self.variable_check.toggled.connect(self._on_variable_toggled)
        self._layout.addWidget(self.show_button)
        self._layout.addWidget(self.variable_check)
        self._sync_mode()

    @property
    def variable_mode(self) -> bool:
        return self.variable_check.isChecked()

    @property
    def masked(self) -> bool:
        return self.line.echoMode() == QLineEdit.EchoMode.Password

    def _payload(self) -> Any:
        text = self.line.text()
        return GlobalVariable(text.strip()) if self.variable_mode else text

    def _on_edited(self, _text: str) -> None:
        self._emit(self._payload())

    def _on_show_toggled(self, _on: bool) -> None:
        self._sync_mode()

    def _on_variable_toggled(self, _on: bool) -> None:
        self._sync_mode()
        if not self._updating:
            self._emit(self._payload())

    def _sync_mode(self) -> None:
        var = self.variable_mode
        self.show_button.setEnabled(not var)
        visible = var or self.show_button.isChecked()
        self.line.setEchoMode(QLineEdit.EchoMode.Normal if visible else QLineEdit.EchoMode.Password)
        self.line.setPlaceholderText(
            "Variable name, e.g. OPENAI_API_KEY" if var else "Secret value (not saved)"
        )
        self.show_button.setToolTip("Hide the value" if self.show_button.isChecked() else "Show")

    def _show(self, value: Any) -> None:
        is_var = isinstance(value, GlobalVariable)
        with QSignalBlocker(self.variable_check):
            self.variable_check.setChecked(is_var)
        self._sync_mode()
        text = value.name if is_var else value_text(value)
        if self.line.text() != text:
            self.line.setText(text)
