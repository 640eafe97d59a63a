"""The parts of the component form's rows: a row's widgets, the foldable sections, the
small grey lines under an editor (help, notes) and the tooltips."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QGridLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from lfdesk.core.flow import Field
from lfdesk.ui import theme
from lfdesk.ui.editors import FieldEditor

ERROR_STYLE = f"color: {theme.INVALID_COLOR.name()};"
WARN_STYLE = f"color: {theme.CHANGED_COLOR.name()};"
HELP_STYLE = "color: palette(placeholder-text);"


def small_label(text: str, parent: QWidget, style: str = HELP_STYLE) -> QLabel:
    """A wrapped line in a smaller font, under an editor (its help, a note)."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setStyleSheet(style)
    small = QFont(label.font())
    small.setPointSizeF(max(7.0, small.pointSizeF() * 0.88))
    label.setFont(small)
    return label


def label_width(label: QLabel, text: str) -> int:
    """Width of a label's text when bold and starred (as a changed field shows it)."""
    font = QFont(label.font())
    font.setBold(True)
    return QFontMetrics(font).horizontalAdvance(f"{text} *") + 4


@dataclass
class FieldRow:
    """The widgets of one field's row."""

    field: Field
    label: QLabel
    editor: FieldEditor
    reset_button: QToolButton | None
    help_label: QLabel | None
    error_label: QLabel
    container: QWidget
    note_label: QLabel | None = None  # what the server does with the field (see set_note)
    refresh_button: QToolButton | None = None  # ask the server for the field's choices


class Section(QWidget):
    """A titled group of rows that can be folded."""

    def __init__(self, title: str, parent: QWidget | None = None, *, open_: bool = True) -> None:
        super().__init__(parent)
        self.toggle = QToolButton(self)
        self.toggle.setText(title)
        self.toggle.setCheckable(True)
        self.toggle.setChecked(open_)
        self.toggle.setAutoRaise(True)
        self.toggle.setStyleSheet(
            "QToolButton { border: none; background: transparent; padding: 2px 0; }"
        )
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if open_ else Qt.ArrowType.RightArrow)
        font = self.toggle.font()
        font.setBold(True)
        self.toggle.setFont(font)
        self.body = QWidget(self)
        self.grid = QGridLayout(self.body)
        self.grid.setContentsMargins(4, 2, 0, 6)
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(8)
        self.grid.setColumnStretch(1, 1)
        self.body.setVisible(open_)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.toggle)
        layout.addWidget(self.body)
        self.toggle.toggled.connect(self._on_toggled)

    def _on_toggled(self, on: bool) -> None:
        self.body.setVisible(on)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

    def set_open(self, on: bool) -> None:
        self.toggle.setChecked(on)


def field_tooltip(fld: Field) -> str:
    parts = [f"{fld.display_name} ({fld.name}, {fld.kind.value})"]
    if fld.info:
        parts.append(fld.info)
    if not fld.tweakable:
        parts.append(f"Not tweakable: {fld.reason or 'not supported'}")
    return "\n".join(parts)
