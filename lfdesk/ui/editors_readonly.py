"""The read-only view of a field that cannot be tweaked."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QSizePolicy, QToolButton, QWidget

from lfdesk.core.flow import Field, FieldKind
from lfdesk.ui.editors_base import FieldEditor, monospace_font, value_text
from lfdesk.ui.widgets import hbox, vbox


class ReadOnlyEditor(FieldEditor):
    """A field that cannot be tweaked: its value, read-only; long text behind a toggle."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.summary = QLabel(self)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setStyleSheet("color: palette(placeholder-text);")
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.toggle: QToolButton | None = None
        self.viewer: QPlainTextEdit | None = None
        self._top = hbox((self.summary, 1))
        self._column = vbox(self._top, spacing=2)
        self._layout.addLayout(self._column)

    def _ensure_viewer(self) -> None:
        if self.viewer is not None:
            return
        self.toggle = QToolButton(self)
        self.toggle.setCheckable(True)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setAutoRaise(True)
        self.toggle.toggled.connect(self._on_toggle)
        self._top.insertWidget(0, self.toggle)
        self.viewer = QPlainTextEdit(self)
        self.viewer.setReadOnly(True)
        self.viewer.setFont(monospace_font())
        self.viewer.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.viewer.setFixedHeight(220)
        self.viewer.setVisible(False)
        self._column.addWidget(self.viewer)

    def _on_toggle(self, on: bool) -> None:
        assert self.viewer is not None and self.toggle is not None
        self.viewer.setVisible(on)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

    def _show(self, value: Any) -> None:
        fld = self.field
        if fld.kind is FieldKind.SECRET or fld.password:
            self.summary.setText("••••••" if value else "")
            return
        if fld.connected_from:
            self.summary.setText(f"← from {fld.connected_from}")
            return
        if fld.kind in (FieldKind.HANDLE, FieldKind.TOOLS):
            self.summary.setText("connection")
            return
        text = value_text(value)
        if fld.kind is FieldKind.CODE or "\n" in text or len(text) > 80:
            self._ensure_viewer()
            assert self.viewer is not None and self.toggle is not None
            n = text.count("\n") + 1
            what = "code" if fld.kind is FieldKind.CODE else "value"
            self.toggle.setText(f"Show {what} ({n} line{'s' if n != 1 else ''})")
            self.summary.setText("")
            self.viewer.setPlainText(text)
        else:
            self.summary.setText(text or "(empty)")
