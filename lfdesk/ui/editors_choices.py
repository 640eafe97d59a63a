"""Choice editors: a check box, a drop-down, segmented tabs and a multi-select list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from lfdesk.core.flow import Field
from lfdesk.ui.editors_base import FieldEditor, WheelNeedsFocus, value_text


class BoolEditor(FieldEditor):
    """BOOL: a check box (partly checked when the stored value is not a boolean)."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.check = QCheckBox(self)
        self.check.clicked.connect(self._on_clicked)
        self._layout.addWidget(self.check)
        self._layout.addStretch(1)
        self.setFocusProxy(self.check)

    def _on_clicked(self, checked: bool) -> None:
        self.check.setTristate(False)
        self._emit(bool(checked))

    def _show(self, value: Any) -> None:
        if isinstance(value, bool):
            self.check.setTristate(False)
            self.check.setChecked(value)
            self.check.setText("")
        else:
            self.check.setTristate(True)
            self.check.setCheckState(Qt.CheckState.PartiallyChecked)
            self.check.setText(value_text(value))


class _Combo(WheelNeedsFocus, QComboBox):
    pass


class DropdownEditor(FieldEditor):
    """DROPDOWN (editable when `combobox`); the base of the MODEL editor."""

    def __init__(self, field: Field, parent: QWidget | None = None, *, editable: bool) -> None:
        super().__init__(field, parent)
        self.combo = self._input(_Combo(self))
        self.combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.combo.setEditable(editable)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.combo.setMinimumContentsLength(12)
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._extra = -1  # index of a shown value that is not an option
        self._shown: Any = None
        self._fill(field.options)
        self.combo.textActivated.connect(self._chosen)
        line = self.combo.lineEdit() if editable else None
        if line is not None:
            line.textEdited.connect(self._typed)

    def _fill(self, options: Sequence[Any]) -> None:
        self.combo.clear()
        self._extra = -1
        for opt in options:
            name = str(opt.get("name", "")) if isinstance(opt, Mapping) else str(opt)
            self.combo.addItem(name)
            if isinstance(opt, Mapping) and opt.get("provider"):
                idx = self.combo.count() - 1
                self.combo.setItemData(
                    idx, f"{name} ({opt['provider']})", Qt.ItemDataRole.ToolTipRole
                )

    def set_options(self, options: Sequence[Any]) -> None:
        """Offer other options (the server refreshed them); the value shown stays."""
        with self._updating_parts():
            self._fill(options)
            self._show(self._shown)

    def _chosen(self, text: str) -> None:
        """The user picked `text` from the list."""
        self._emit(text)

    def _typed(self, text: str) -> None:
        """The user typed: `text` is the box's text now."""
        self._emit(text)

    def _show(self, value: Any) -> None:
        self._shown = value
        text = value_text(value)
        if self._extra >= 0:
            self.combo.removeItem(self._extra)
            self._extra = -1
        idx = self.combo.findText(text, Qt.MatchFlag.MatchExactly)
        if idx < 0 and not self.combo.isEditable() and text:
            self.combo.insertItem(0, text)
            self.combo.setItemData(0, "Not one of the field's options", Qt.ItemDataRole.ToolTipRole)
            self._extra = idx = 0
        if self.combo.isEditable():
            if idx >= 0:
                self.combo.setCurrentIndex(idx)
            if self.combo.currentText() != text:
                self.combo.setEditText(text)
        else:
            self.combo.setCurrentIndex(idx)


class TabEditor(FieldEditor):
    """TAB: segmented buttons, one per option."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: list[QToolButton] = []
        self._layout.setSpacing(0)
        for name in field.option_names:
            b = QToolButton(self)
            b.setText(name)
            b.setCheckable(True)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            self.group.addButton(b)
            self.buttons.append(b)
            self._layout.addWidget(b)
            b.clicked.connect(lambda _c=False, n=name: self._emit(n))
        self._layout.addStretch(1)

    def _show(self, value: Any) -> None:
        text = value_text(value)
        self.group.setExclusive(False)
        for b in self.buttons:
            b.setChecked(b.text() == text)
        self.group.setExclusive(True)


class MultiSelectEditor(FieldEditor):
    """MULTISELECT: a list of check boxes."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.list = self._part(QListWidget(self))
        for name in field.option_names:
            item = QListWidgetItem(name, self.list)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        rows = min(max(self.list.count(), 2), 6)
        self.list.setFixedHeight(
            rows * self.list.sizeHintForRow(0) + 6 if self.list.count() else 48
        )
        self.list.itemChanged.connect(self._on_changed)
        self._layout.addWidget(self.list)

    def checked(self) -> list[str]:
        return [
            self.list.item(i).text()
            for i in range(self.list.count())
            if self.list.item(i).checkState() == Qt.CheckState.Checked
        ]

    def _on_changed(self, _item: QListWidgetItem) -> None:
        self._emit(self.checked())

    def _show(self, value: Any) -> None:
        wanted = {value_text(v) for v in value} if isinstance(value, list) else {value_text(value)}
        with QSignalBlocker(self.list):
            for i in range(self.list.count()):
                item = self.list.item(i)
                on = item.text() in wanted
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
