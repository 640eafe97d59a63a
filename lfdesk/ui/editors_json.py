"""The JSON editor: monospace JSON text that marks syntax errors, and for a flat object
a key/value table."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QSignalBlocker
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QHeaderView,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QTextEdit,
    QToolButton,
    QWidget,
)

from lfdesk.core.flow import Field
from lfdesk.ui import theme
from lfdesk.ui.editors_base import FieldEditor, GrowingPlainTextEdit, monospace_font, value_text
from lfdesk.ui.widgets import hbox, vbox


def json_error(text: str) -> tuple[int, int, str] | None:
    """(line, column, message) of a JSON syntax error in `text`, or None when it parses."""
    if not text.strip():
        return None
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return exc.lineno, exc.colno, exc.msg
    return None


class JsonTextEdit(GrowingPlainTextEdit):
    """Monospace JSON text that marks the line of a syntax error as the user types."""

    def __init__(self, parent: QWidget | None = None, *, lines: int = 4) -> None:
        super().__init__(parent, min_lines=lines, max_lines=lines * 4)
        self.setFont(monospace_font())
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.error: tuple[int, int, str] | None = None
        self.textChanged.connect(self._check)

    def _check(self) -> None:
        self.error = json_error(self.toPlainText())
        selections: list[QTextEdit.ExtraSelection] = []
        if self.error is not None:
            line, col, _msg = self.error
            block = self.document().findBlockByNumber(line - 1)
            if block.isValid():
                sel = QTextEdit.ExtraSelection()
                fmt = QTextCharFormat()
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
                fmt.setUnderlineColor(QColor(theme.INVALID_COLOR))
                bg = QColor(theme.INVALID_COLOR)
                bg.setAlpha(40)
                fmt.setBackground(bg)
                cursor = QTextCursor(block)
                start = block.position() + max(0, min(col - 1, block.length() - 1))
                cursor.setPosition(start)
                cursor.movePosition(
                    QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor
                )
                if not cursor.hasSelection():
                    cursor.setPosition(block.position())
                    cursor.movePosition(
                        QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor
                    )
                sel.cursor = cursor
                sel.format = fmt
                selections.append(sel)
        self.setExtraSelections(selections)


class JsonEditor(FieldEditor):
    """DICT, NESTED_DICT, MCP, SORTABLE_LIST, TABLE without columns: JSON text.

    For DICT a "Table" toggle edits a flat object as key/value rows.
    """

    def __init__(
        self,
        field: Field,
        parent: QWidget | None = None,
        *,
        key_value: bool = False,
        read_only: bool = False,
    ) -> None:
        super().__init__(field, parent)
        self.text_edit = self._part(JsonTextEdit(self))
        self.text_edit.setReadOnly(read_only)
        self.text_edit.textChanged.connect(self._on_text)
        self.table: QTableWidget | None = None
        self.table_button: QToolButton | None = None
        column = vbox(spacing=2)
        if key_value and not read_only:
            self.table = QTableWidget(0, 2, self)
            self.table.setHorizontalHeaderLabels(["Key", "Value"])
            self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            self.table.verticalHeader().setVisible(False)
            self.table.setFixedHeight(140)
            self.table.itemChanged.connect(self._on_table)
            self.table.setVisible(False)
            self.table_button = QToolButton(self)
            self.table_button.setText("Key/value table")
            self.table_button.setCheckable(True)
            self.table_button.setToolTip("Edit a flat object as key/value rows")
            self.table_button.toggled.connect(self._on_mode)
            add = QToolButton(self)
            add.setText("Add row")
            add.clicked.connect(self._add_row)
            self.add_button = add
            add.setVisible(False)
            bar = hbox(self.table_button, add)
            bar.addStretch(1)
            column.addLayout(bar)
        column.addWidget(self.text_edit)
        if self.table is not None:
            column.addWidget(self.table)
        self._layout.addLayout(column)
        self.setFocusProxy(self.text_edit)

    @property
    def table_mode(self) -> bool:
        return self.table is not None and not self.table.isHidden()

    def _on_text(self) -> None:
        if not self.text_edit.isReadOnly():
            self._emit(self.text_edit.toPlainText())

    def _show(self, value: Any) -> None:
        text = value if isinstance(value, str) else value_text(value)
        if value is None:
            text = ""
        if self.text_edit.toPlainText() != text:
            self.text_edit.setPlainText(text)
        if self.table is not None:
            self._fill_table(value if isinstance(value, Mapping) else loads_or_none(text))

    def _fill_table(self, obj: Any) -> None:
        assert self.table is not None and self.table_button is not None
        flat = isinstance(obj, Mapping)
        self.table_button.setEnabled(flat or self.table_mode)
        if not flat:
            return
        with QSignalBlocker(self.table):
            self.table.setRowCount(0)
            for k, v in obj.items():
                r = self.table.rowCount()
                self.table.insertRow(r)
                self.table.setItem(r, 0, QTableWidgetItem(str(k)))
                self.table.setItem(
                    r, 1, QTableWidgetItem(v if isinstance(v, str) else json.dumps(v))
                )

    def _on_mode(self, on: bool) -> None:
        if on:
            obj = loads_or_none(self.text_edit.toPlainText() or "{}")
            if not isinstance(obj, Mapping):
                assert self.table_button is not None
                with QSignalBlocker(self.table_button):
                    self.table_button.setChecked(False)
                return
            self._fill_table(obj)
        assert self.table is not None
        self.text_edit.setVisible(not on)
        self.table.setVisible(on)
        self.add_button.setVisible(on)

    def _add_row(self) -> None:
        assert self.table is not None
        with QSignalBlocker(self.table):
            r = self.table.rowCount()
            self.table.insertRow(r)
            self.table.setItem(r, 0, QTableWidgetItem(""))
            self.table.setItem(r, 1, QTableWidgetItem(""))
        first = self.table.item(r, 0)
        if first is not None:
            self.table.editItem(first)

    def table_value(self) -> dict[str, Any]:
        assert self.table is not None
        out: dict[str, Any] = {}
        for r in range(self.table.rowCount()):
            k = self.table.item(r, 0)
            v = self.table.item(r, 1)
            key = k.text().strip() if k else ""
            if not key:
                continue
            out[key] = cell_value(v.text() if v else "")
        return out

    def _on_table(self, _item: QTableWidgetItem) -> None:
        if self._updating:
            return
        obj = self.table_value()
        text = json.dumps(obj, indent=2, ensure_ascii=False)
        with self._updating_parts():
            self.text_edit.setPlainText(text)
        self._emit(obj)


def loads_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return None


def cell_value(text: str) -> Any:
    """A table cell: JSON numbers, booleans, null, objects and lists as such, else text."""
    t = text.strip()
    if t and (t[0] in '{["-0123456789' or t in ("true", "false", "null")):
        try:
            return json.loads(t)
        except json.JSONDecodeError:
            return text
    return text
