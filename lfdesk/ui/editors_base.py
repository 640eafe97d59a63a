"""The base of the field editors, and what every editor shares.

Every editor shows a value and reports what the user did through `edited(object)`; the
payload is what `TweakSet.try_set` takes (text as typed, or an already typed value). Editors
never validate: the TweakSet does, and the form shows its message. A value the TweakSet
found invalid is shown as typed (`set_raw`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QPalette, QWheelEvent
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QSizePolicy, QWidget

from lfdesk.core.flow import Field
from lfdesk.core.tweaks import GlobalVariable
from lfdesk.ui import theme

# Mixins name their Qt base for the type checker only: at run time they derive from object
# and meet the Qt class in the subclass (a Python class with two Qt bases can crash shiboken).
if TYPE_CHECKING:
    _Widget = QWidget
else:
    _Widget = object


def monospace_font() -> Any:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def value_text(value: Any) -> str:
    """A value as editable text: strings as they are, everything else as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, GlobalVariable):
        return value.name
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return repr(value)
    try:
        return json.dumps(value, indent=2, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


W = TypeVar("W", bound=QWidget)


class WheelNeedsFocus(_Widget):
    """Mixin for a value widget in the scrolling form: the wheel changes the value only once
    the widget has the focus; until then it scrolls the form."""

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # scroll the form, not the value


class FieldEditor(QWidget):
    """Base of the editors.

    Signals:
        edited(object): the user changed the value; the payload goes to TweakSet.try_set.
    """

    edited = Signal(object)

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self._updating = False
        self._last: Any = object()
        self._invalid = False
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self._layout = layout

    def set_value(self, value: Any) -> None:
        """Show a value (valid, or the flow's own). Emits nothing."""
        with self._updating_parts():
            self._show(value)
        self._last = object()

    def set_raw(self, raw: Any) -> None:
        """Show what the user typed that did not validate. Emits nothing."""
        self.set_value(raw)

    def set_invalid(self, invalid: bool) -> None:
        """Tint the editor's input area red (blended, so it reads on light and dark)."""
        if invalid == self._invalid:
            return
        self._invalid = invalid
        for w in [self, *self.findChildren(QWidget)]:
            if not w.property("editor_part"):
                continue
            if invalid:
                pal = w.palette()
                base = pal.color(QPalette.ColorRole.Base)
                pal.setColor(QPalette.ColorRole.Base, theme.blend(base, theme.INVALID_COLOR, 0.22))
                w.setPalette(pal)
            else:
                w.setPalette(QPalette())
                w.setAttribute(Qt.WidgetAttribute.WA_SetPalette, False)

    @property
    def invalid(self) -> bool:
        return self._invalid

    def focus_editor(self) -> None:
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show(self, value: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    @contextmanager
    def _updating_parts(self) -> Iterator[None]:
        """While the editor sets its own widgets: what they signal is not the user's edit."""
        self._updating = True
        try:
            yield
        finally:
            self._updating = False

    def _emit(self, payload: Any) -> None:
        if self._updating:
            return
        if _same_payload(payload, self._last):
            return
        self._last = payload
        self.edited.emit(payload)

    def _part(self, widget: W) -> W:
        """Mark a child as the one that turns red when the value is invalid."""
        widget.setProperty("editor_part", True)
        return widget

    def _input(self, widget: W, stretch: int = 0) -> W:
        """The editor's input: laid out, given the editor's focus, and turning red when the
        value is invalid."""
        self._layout.addWidget(self._part(widget), stretch)
        self.setFocusProxy(widget)
        return widget


def _same_payload(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    try:
        return bool(a == b)
    except Exception:
        return False


class GrowingPlainTextEdit(QPlainTextEdit):
    """A plain text edit whose height follows its content between two line counts."""

    def __init__(self, parent: QWidget | None, *, min_lines: int, max_lines: int) -> None:
        super().__init__(parent)
        self._min_lines = min_lines
        self._max_lines = max_lines
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().blockCountChanged.connect(self._fit)
        self._fit()

    def setFont(self, font: Any) -> None:
        super().setFont(font)
        self._fit()

    def _fit(self, *_: Any) -> None:
        lines = min(max(self.document().blockCount(), self._min_lines), self._max_lines)
        line_h = self.fontMetrics().lineSpacing()
        margins = self.contentsMargins()
        doc_margin = int(self.document().documentMargin() * 2)
        self.setFixedHeight(lines * line_h + margins.top() + margins.bottom() + doc_margin + 4)
