"""Choice editors: a check box, a drop-down, segmented tabs and a multi-select list."""

from __future__ import annotations

from collections.abc import Mapping
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

from lfdesk.core.flow import Field, FieldKind
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
    """DROPDOWN (editable when `combobox`) and MODEL (option names, editable)."""

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
        self._options = list(field.option_names)
        for opt, name in zip(field.options, self._options, strict=False):
            self.combo.addItem(name)
            if isinstance(opt, Mapping) and opt.get("provider"):
                idx = self.combo.count() - 1
                self.combo.setItemData(
                    idx, f"{name} ({opt['provider']})", Qt.ItemDataRole.ToolTipRole
                )
        self._extra = -1  # index of a shown value that is not an option
        self.combo.textActivated.connect(self._emit)
        line = self.combo.lineEdit() if editable else None
        if line is not None:
            line.textEdited.connect(self._emit)

    def _show(self, value: Any) -> None:
        text = _model_name(value) if self.field.kind is FieldKind.MODEL else value_text(value)
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


def _model_name(value: Any) -> str:
    if isinstance(value, list) and value and isinstance(value[0], Mapping):
        return str(value[0].get("name", ""))
    if isinstance(value, Mapping):
        return str(value.get("name", ""))
    return value_text(value)


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
