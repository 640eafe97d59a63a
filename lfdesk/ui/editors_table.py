"""The table editor: rows of objects, one column per entry of the field's table schema."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from lfdesk.core.flow import Field
from lfdesk.core.tables import TableColumn
from lfdesk.ui.editors_base import FieldEditor, value_text
from lfdesk.ui.editors_json import cell_value, loads_or_none
from lfdesk.ui.widgets import hbox, vbox


class TableEditor(FieldEditor):
    """TABLE: rows of objects, columns from the field's table schema (or its rows' keys)."""

    def __init__(
        self, field: Field, columns: Sequence[TableColumn], parent: QWidget | None = None
    ) -> None:
        super().__init__(field, parent)
        self.columns = tuple(columns)
        self.table = self._part(QTableWidget(0, len(self.columns), self))
        self.table.setHorizontalHeaderLabels([c.display_name or c.name for c in self.columns])
        for i, c in enumerate(self.columns):
            item = self.table.horizontalHeaderItem(i)
            if item is not None and c.description:
                item.setToolTip(c.description)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setFixedHeight(150)
        self.table.itemChanged.connect(self._on_changed)
        add = QPushButton("Add row", self)
        add.clicked.connect(self.add_row)
        remove = QPushButton("Remove row", self)
        remove.clicked.connect(self.remove_row)
        bar = hbox(add, remove)
        bar.addStretch(1)
        self._layout.addLayout(vbox(self.table, bar, spacing=2))

    def rows(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for r in range(self.table.rowCount()):
            row: dict[str, Any] = {}
            for c, col in enumerate(self.columns):
                item = self.table.item(r, c)
                row[col.name] = _typed_cell(item.text() if item else "", col)
            out.append(row)
        return out

    def add_row(self) -> None:
        with QSignalBlocker(self.table):
            r = self.table.rowCount()
            self.table.insertRow(r)
            for c, col in enumerate(self.columns):
                self.table.setItem(r, c, QTableWidgetItem(value_text(col.default)))
        self._emit(self.rows())

    def remove_row(self) -> None:
        r = self.table.currentRow()
        if r < 0:
            r = self.table.rowCount() - 1
        if r < 0:
            return
        self.table.removeRow(r)
        self._emit(self.rows())

    def _on_changed(self, _item: QTableWidgetItem) -> None:
        self._emit(self.rows())

    def _show(self, value: Any) -> None:
        rows = value if isinstance(value, list) else loads_or_none(value_text(value)) or []
        with QSignalBlocker(self.table):
            self.table.setRowCount(0)
            for row in rows if isinstance(rows, list) else []:
                if not isinstance(row, Mapping):
                    continue
                r = self.table.rowCount()
                self.table.insertRow(r)
                for c, col in enumerate(self.columns):
                    self.table.setItem(r, c, QTableWidgetItem(value_text(row.get(col.name, ""))))


def _typed_cell(text: str, column: TableColumn) -> Any:
    kind = column.type.lower()
    t = text.strip()
    if kind in ("boolean", "bool"):
        if t.lower() in ("true", "yes", "1", "on"):
            return True
        if t.lower() in ("false", "no", "0", "off", ""):
            return False
        return text
    if kind in ("integer", "int"):
        try:
            return int(t)
        except ValueError:
            return text
    if kind in ("number", "float"):
        try:
            return float(t)
        except ValueError:
            return text
    if kind in ("dict", "json", "object", "list"):
        return cell_value(text)
    return text


def table_columns(field: Field, value: Any) -> tuple[TableColumn, ...]:
    """Columns for a TABLE field: its table schema, else the keys of its rows (first seen
    order, typed by their first value). Empty when unknown."""
    if field.table_schema:
        return field.table_schema
    cols_by_name: dict[str, TableColumn] = {}
    if isinstance(value, list):
        for row in value:
            if not isinstance(row, Mapping):
                return ()
            for k, v in row.items():
                name = str(k)
                if name not in cols_by_name:
                    cols_by_name[name] = TableColumn(name, name, _kind_of_value(v))
    return tuple(cols_by_name.values())


def _kind_of_value(v: Any) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, (dict, list)):
        return "json"
    return "str"
