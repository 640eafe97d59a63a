"""One editor widget per field kind, for the component form.

Every editor shows a value and reports what the user did through `edited(object)`; the
payload is what `TweakSet.try_set` takes (text as typed, or an already typed value). Editors
never validate: the TweakSet does, and the form shows its message. A value the TweakSet
found invalid is shown as typed (`set_raw`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QPalette,
    QTextCharFormat,
    QTextCursor,
    QValidator,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from lfdesk.core.flow import Field, FieldKind
from lfdesk.core.tweaks import GlobalVariable
from lfdesk.ui import icons

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1
FLOAT_WIDE = 1e15


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


def _number(text: str) -> float | None:
    t = text.strip().replace("_", "")
    if t.count(",") == 1 and "." not in t:
        t = t.replace(",", ".")
    try:
        v = float(t)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _format_float(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


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
        self._updating = True
        try:
            self._show(value)
        finally:
            self._updating = False
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
                pal.setColor(
                    QPalette.ColorRole.Base, _blend(base, QColor(icons.INVALID_COLOR), 0.22)
                )
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

    def _emit(self, payload: Any) -> None:
        if self._updating:
            return
        if _same_payload(payload, self._last):
            return
        self._last = payload
        self.edited.emit(payload)

    def _part(self, widget: QWidget) -> QWidget:
        """Mark a child as the one that turns red when the value is invalid."""
        widget.setProperty("editor_part", True)
        return widget


def _blend(a: QColor, b: QColor, t: float) -> QColor:
    return QColor(
        round(a.red() * (1 - t) + b.red() * t),
        round(a.green() * (1 - t) + b.green() * t),
        round(a.blue() * (1 - t) + b.blue() * t),
    )


def _same_payload(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    try:
        return bool(a == b)
    except Exception:
        return False


# --- text ----------------------------------------------------------------------------------


class LineEditor(FieldEditor):
    """TEXT, QUERY: one line."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.line = QLineEdit(self)
        self._part(self.line)
        self.line.setPlaceholderText(field.info[:80] if field.info else "")
        self.line.textEdited.connect(self._emit)
        self._layout.addWidget(self.line)
        self.setFocusProxy(self.line)

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
        self.text_edit = _GrowingPlainTextEdit(self, min_lines=lines, max_lines=lines * 3)
        self._part(self.text_edit)
        if monospace:
            self.text_edit.setFont(monospace_font())
        self.text_edit.setTabChangesFocus(True)
        if as_list:
            self.text_edit.setPlaceholderText("One value a line")
        self.text_edit.textChanged.connect(self._on_changed)
        self._layout.addWidget(self.text_edit)
        self.setFocusProxy(self.text_edit)

    def _on_changed(self) -> None:
        self._emit(self.text_edit.toPlainText())

    def _show(self, value: Any) -> None:
        if self.as_list and isinstance(value, list):
            text = "\n".join(value_text(v) for v in value)
        else:
            text = value_text(value)
        if self.text_edit.toPlainText() != text:
            self.text_edit.setPlainText(text)


class _GrowingPlainTextEdit(QPlainTextEdit):
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


class SecretEditor(FieldEditor):
    """SECRET: masked, with show/hide, and a "global variable" mode whose text is a name."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.line = QLineEdit(self)
        self._part(self.line)
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
        self._layout.addWidget(self.line, 1)
        self._layout.addWidget(self.show_button)
        self._layout.addWidget(self.variable_check)
        self.setFocusProxy(self.line)
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


# --- numbers -------------------------------------------------------------------------------


class IntSpinBox(QSpinBox):
    """A QSpinBox that accepts any text and keeps invalid text shown as typed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._raw: str | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setKeyboardTracking(True)

    def parse(self, text: str) -> int | None:
        v = _number(text)
        if v is None or not v.is_integer():
            return None
        iv = int(v)
        return iv if self.minimum() <= iv <= self.maximum() else None

    def validate(self, text: str, pos: int) -> Any:
        return QValidator.State.Acceptable

    def fixup(self, text: str) -> str:
        return text

    def valueFromText(self, text: str) -> int:
        v = self.parse(text)
        return self.value() if v is None else v

    def textFromValue(self, value: int) -> str:
        return self._raw if self._raw is not None else str(value)

    def wheelEvent(self, event: Any) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # scroll the form, not the value


class FloatSpinBox(QDoubleSpinBox):
    """A QDoubleSpinBox that accepts any text, shows short numbers, keeps invalid text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._raw: str | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setDecimals(6)
        self.setKeyboardTracking(True)

    def parse(self, text: str) -> float | None:
        v = _number(text)
        if v is None:
            return None
        return v if self.minimum() <= v <= self.maximum() else None

    def validate(self, text: str, pos: int) -> Any:
        return QValidator.State.Acceptable

    def fixup(self, text: str) -> str:
        return text

    def valueFromText(self, text: str) -> float:
        v = self.parse(text)
        return self.value() if v is None else v

    def textFromValue(self, value: float) -> str:
        return self._raw if self._raw is not None else _format_float(value, self.decimals())

    def wheelEvent(self, event: Any) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


def _sensible_range(field: Field, *, integer: bool) -> tuple[float, float] | None:
    rs = field.range
    if rs is None or rs.min is None or rs.max is None or not rs.min < rs.max:
        return None
    lo, hi = (INT_MIN, INT_MAX) if integer else (-FLOAT_WIDE, FLOAT_WIDE)
    if rs.min < lo or rs.max > hi:
        return None
    return rs.min, rs.max


class _SpinEditor(FieldEditor):
    spin: IntSpinBox | FloatSpinBox

    def _setup_spin(self, spin: IntSpinBox | FloatSpinBox) -> None:
        self.spin = spin
        self._part(spin)
        spin.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        spin.setFixedWidth(150)  # the same for every number, whatever its range
        spin.lineEdit().textEdited.connect(self._on_text_edited)
        spin.valueChanged.connect(self._on_value_changed)
        self._layout.addWidget(spin)
        self._layout.addStretch(1)
        self.setFocusProxy(spin)

    def _typed(self, value: float) -> Any:
        return value

    def _on_text_edited(self, text: str) -> None:
        parsed = self.spin.parse(text)
        if parsed is None:
            self.spin._raw = text
            self._emit(text)
        else:
            self.spin._raw = None
            self._emit(self._typed(parsed))

    def _on_value_changed(self, value: float) -> None:
        if self._updating:
            return
        if self.spin._raw is not None and self.spin.lineEdit().hasFocus():
            return  # typing invalid text: the text is what counts
        self.spin._raw = None
        self._emit(self._typed(value))

    def _show(self, value: Any) -> None:
        spin = self.spin
        with QSignalBlocker(spin):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                spin._raw = None
                v = float(value)
                if spin.minimum() <= v <= spin.maximum():
                    spin.setValue(value)  # type: ignore[arg-type]
                    text = spin.textFromValue(spin.value())  # type: ignore[arg-type]
                else:
                    spin._raw = value_text(value)
                    text = spin._raw
            elif value is None or value == "":
                spin._raw = None
                text = spin.textFromValue(spin.value())  # type: ignore[arg-type]
            else:
                spin._raw = value_text(value)
                text = spin._raw
            if spin.lineEdit().text() != text:
                spin.lineEdit().setText(text)


class IntEditor(_SpinEditor):
    """INT: a spin box, bounded by `range_spec` when it is sensible."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        spin = IntSpinBox(self)
        rng = _sensible_range(field, integer=True)
        if rng is not None:
            spin.setRange(math.ceil(rng[0]), math.floor(rng[1]))
        else:
            spin.setRange(INT_MIN, INT_MAX)
        step = field.range.step if field.range and field.range.step else 1
        spin.setSingleStep(max(1, round(step)))
        self._setup_spin(spin)

    def _typed(self, value: float) -> Any:
        return int(value)


class FloatEditor(_SpinEditor):
    """FLOAT: a double spin box."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        spin = FloatSpinBox(self)
        rng = _sensible_range(field, integer=False)
        spin.setRange(*(rng or (-FLOAT_WIDE, FLOAT_WIDE)))
        step = field.range.step if field.range and field.range.step else 0.1
        spin.setSingleStep(step)
        self._setup_spin(spin)


class _Slider(QSlider):
    def wheelEvent(self, event: Any) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class SliderEditor(FieldEditor):
    """SLIDER: a slider and a spin box, linked; range from `range_spec` (else 0 to 1)."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        rs = field.range
        lo = rs.min if rs and rs.min is not None else 0.0
        hi = rs.max if rs and rs.max is not None else 1.0
        if not lo < hi:
            lo, hi = 0.0, 1.0
        step = rs.step if rs and rs.step and rs.step > 0 else (hi - lo) / 100
        self.integer = bool(rs and rs.step_type == "int")
        self.lo, self.hi, self.step = lo, hi, step
        ticks = max(1, round((hi - lo) / step))
        if ticks > 100000:
            ticks = 100000
            self.step = (hi - lo) / ticks
        self.slider = _Slider(Qt.Orientation.Horizontal, self)
        self.slider.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.slider.setRange(0, ticks)
        self.slider.setPageStep(max(1, ticks // 10))
        self.slider.valueChanged.connect(self._on_slider)
        self.spin = FloatSpinBox(self)
        self._part(self.spin)
        decimals = 0 if self.integer else max(0, min(6, -math.floor(math.log10(self.step)) + 1))
        self.spin.setDecimals(max(decimals, 2) if not self.integer else 0)
        self.spin.setRange(lo, hi)
        self.spin.setSingleStep(self.step)
        self.spin.setFixedWidth(86)
        self.spin.lineEdit().textEdited.connect(self._on_text_edited)
        self.spin.valueChanged.connect(self._on_spin)
        self.min_label = QLabel(_format_float(lo, 6), self)
        self.max_label = QLabel(_format_float(hi, 6), self)
        for lab in (self.min_label, self.max_label):
            lab.setStyleSheet("color: palette(placeholder-text);")
        self._layout.addWidget(self.min_label)
        self._layout.addWidget(self.slider, 1)
        self._layout.addWidget(self.max_label)
        self._layout.addWidget(self.spin)
        self.setFocusProxy(self.slider)

    def _to_tick(self, value: float) -> int:
        return round((value - self.lo) / self.step)

    def _from_tick(self, tick: int) -> float:
        v = self.lo + tick * self.step
        v = min(max(v, self.lo), self.hi)
        return float(round(v)) if self.integer else round(v, 10)

    def _typed(self, v: float) -> Any:
        return round(v) if self.integer else v

    def _on_slider(self, tick: int) -> None:
        if self._updating:
            return
        v = self._from_tick(tick)
        self._updating = True
        try:
            self.spin._raw = None
            self.spin.setValue(v)
        finally:
            self._updating = False
        self._emit(self._typed(v))

    def _on_spin(self, v: float) -> None:
        if self._updating:
            return
        if self.spin._raw is not None and self.spin.lineEdit().hasFocus():
            return
        self._updating = True
        try:
            self.slider.setValue(self._to_tick(v))
        finally:
            self._updating = False
        self._emit(self._typed(v))

    def _on_text_edited(self, text: str) -> None:
        parsed = self.spin.parse(text)
        if parsed is None:
            self.spin._raw = text
            self._emit(text)
            return
        self.spin._raw = None
        self._updating = True
        try:
            self.slider.setValue(self._to_tick(parsed))
        finally:
            self._updating = False
        self._emit(self._typed(parsed))

    def _show(self, value: Any) -> None:
        with QSignalBlocker(self.spin), QSignalBlocker(self.slider):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                v = float(value)
                self.slider.setValue(self._to_tick(min(max(v, self.lo), self.hi)))
                if self.lo <= v <= self.hi:
                    self.spin._raw = None
                    self.spin.setValue(v)
                else:
                    self.spin._raw = value_text(value)
            else:
                self.spin._raw = value_text(value) if value not in (None, "") else None
            text = self.spin.textFromValue(self.spin.value())
            if self.spin.lineEdit().text() != text:
                self.spin.lineEdit().setText(text)


# --- choices -------------------------------------------------------------------------------


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


class _Combo(QComboBox):
    def wheelEvent(self, event: Any) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class DropdownEditor(FieldEditor):
    """DROPDOWN (editable when `combobox`) and MODEL (option names, editable)."""

    def __init__(self, field: Field, parent: QWidget | None = None, *, editable: bool) -> None:
        super().__init__(field, parent)
        self.combo = _Combo(self)
        self._part(self.combo)
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
        self._layout.addWidget(self.combo)
        self.setFocusProxy(self.combo)

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
        self.list = QListWidget(self)
        self._part(self.list)
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


# --- structured ----------------------------------------------------------------------------


def json_error(text: str) -> tuple[int, int, str] | None:
    """(line, column, message) of a JSON syntax error in `text`, or None when it parses."""
    if not text.strip():
        return None
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return exc.lineno, exc.colno, exc.msg
    return None


class JsonTextEdit(_GrowingPlainTextEdit):
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
                fmt.setUnderlineColor(QColor(icons.INVALID_COLOR))
                bg = QColor(icons.INVALID_COLOR)
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
        self.text_edit = JsonTextEdit(self)
        self._part(self.text_edit)
        self.text_edit.setReadOnly(read_only)
        self.text_edit.textChanged.connect(self._on_text)
        self.table: QTableWidget | None = None
        self.table_button: QToolButton | None = None
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        if key_value and not read_only:
            self.table = QTableWidget(0, 2, self)
            self.table.setHorizontalHeaderLabels(["Key", "Value"])
            self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            self.table.verticalHeader().setVisible(False)
            self.table.setFixedHeight(140)
            self.table.itemChanged.connect(self._on_table)
            self.table.setVisible(False)
            bar = QHBoxLayout()
            bar.setContentsMargins(0, 0, 0, 0)
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
            bar.addWidget(self.table_button)
            bar.addWidget(add)
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
            self._fill_table(value if isinstance(value, Mapping) else _loads_or_none(text))

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
            obj = _loads_or_none(self.text_edit.toPlainText() or "{}")
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
            out[key] = _cell_value(v.text() if v else "")
        return out

    def _on_table(self, _item: QTableWidgetItem) -> None:
        if self._updating:
            return
        obj = self.table_value()
        text = json.dumps(obj, indent=2, ensure_ascii=False)
        self._updating = True
        try:
            self.text_edit.setPlainText(text)
        finally:
            self._updating = False
        self._emit(obj)


def _loads_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return None


def _cell_value(text: str) -> Any:
    """A table cell: JSON numbers, booleans, null, objects and lists as such, else text."""
    t = text.strip()
    if t and (t[0] in '{["-0123456789' or t in ("true", "false", "null")):
        try:
            return json.loads(t)
        except json.JSONDecodeError:
            return text
    return text


class TableEditor(FieldEditor):
    """TABLE: rows of objects, columns from the field's table schema (or its rows' keys)."""

    def __init__(
        self, field: Field, columns: Sequence[Mapping[str, Any]], parent: QWidget | None = None
    ) -> None:
        super().__init__(field, parent)
        self.columns = [dict(c) for c in columns]
        self.table = QTableWidget(0, len(self.columns), self)
        self._part(self.table)
        self.table.setHorizontalHeaderLabels(
            [str(c.get("display_name") or c.get("name")) for c in self.columns]
        )
        for i, c in enumerate(self.columns):
            item = self.table.horizontalHeaderItem(i)
            if item is not None and c.get("description"):
                item.setToolTip(str(c["description"]))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setFixedHeight(150)
        self.table.itemChanged.connect(self._on_changed)
        add = QPushButton("Add row", self)
        add.clicked.connect(self.add_row)
        remove = QPushButton("Remove row", self)
        remove.clicked.connect(self.remove_row)
        bar = QHBoxLayout()
        bar.addWidget(add)
        bar.addWidget(remove)
        bar.addStretch(1)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.table)
        column.addLayout(bar)
        self._layout.addLayout(column)

    def rows(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for r in range(self.table.rowCount()):
            row: dict[str, Any] = {}
            for c, col in enumerate(self.columns):
                item = self.table.item(r, c)
                row[str(col["name"])] = _typed_cell(item.text() if item else "", col)
            out.append(row)
        return out

    def add_row(self) -> None:
        with QSignalBlocker(self.table):
            r = self.table.rowCount()
            self.table.insertRow(r)
            for c, col in enumerate(self.columns):
                default = col.get("default", "")
                self.table.setItem(r, c, QTableWidgetItem(value_text(default)))
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
        rows = value if isinstance(value, list) else _loads_or_none(value_text(value)) or []
        with QSignalBlocker(self.table):
            self.table.setRowCount(0)
            for row in rows if isinstance(rows, list) else []:
                if not isinstance(row, Mapping):
                    continue
                r = self.table.rowCount()
                self.table.insertRow(r)
                for c, col in enumerate(self.columns):
                    self.table.setItem(r, c, QTableWidgetItem(value_text(row.get(col["name"], ""))))


def _typed_cell(text: str, column: Mapping[str, Any]) -> Any:
    kind = str(column.get("type", "str")).lower()
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
        return _cell_value(text)
    return text


def table_columns(field: Field, value: Any) -> list[dict[str, Any]]:
    """Columns for a TABLE field: its `table_schema` when the core gives one, else the keys
    of its rows (first seen order, typed by their first value). Empty when unknown."""
    schema = getattr(field, "table_schema", None)
    if isinstance(schema, (list, tuple)) and schema:
        cols = [dict(c) for c in schema if isinstance(c, Mapping) and c.get("name")]
        if cols:
            return cols
    cols_by_name: dict[str, dict[str, Any]] = {}
    if isinstance(value, list):
        for row in value:
            if not isinstance(row, Mapping):
                return []
            for k, v in row.items():
                if k not in cols_by_name:
                    kind = (
                        "boolean"
                        if isinstance(v, bool)
                        else "integer"
                        if isinstance(v, int)
                        else "number"
                        if isinstance(v, float)
                        else "json"
                        if isinstance(v, (dict, list))
                        else "str"
                    )
                    cols_by_name[str(k)] = {"name": str(k), "type": kind}
    return list(cols_by_name.values())


# --- files ---------------------------------------------------------------------------------


class FileEditor(FieldEditor):
    """FILE: the path on the server, and "Upload…" to send a local file there first.

    Signals:
        uploadRequested(str): the local file the user picked.
    """

    uploadRequested = Signal(str)

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.is_list = field.is_list
        self.line: QLineEdit | None = None
        self.text_edit: QPlainTextEdit | None = None
        if self.is_list:
            self.text_edit = _GrowingPlainTextEdit(self, min_lines=2, max_lines=6)
            self.text_edit.setPlaceholderText("Server file paths, one a line")
            self.text_edit.textChanged.connect(lambda: self._emit(self.path_text()))
            self._part(self.text_edit)
            self._layout.addWidget(self.text_edit, 1, Qt.AlignmentFlag.AlignTop)
        else:
            self.line = QLineEdit(self)
            self.line.setPlaceholderText("Path of the file on the server")
            self.line.textEdited.connect(self._emit)
            self._part(self.line)
            self._layout.addWidget(self.line, 1)
        self.upload_button = QPushButton("Upload…", self)
        kinds = ", ".join(field.file_types[:12])
        self.upload_button.setToolTip(
            "Send a local file to the server and use its path" + (f" ({kinds})" if kinds else "")
        )
        self.upload_button.clicked.connect(self.choose_file)
        self._layout.addWidget(self.upload_button, 0, Qt.AlignmentFlag.AlignTop)
        self._dialog: QFileDialog | None = None

    def path_text(self) -> str:
        if self.text_edit is not None:
            return self.text_edit.toPlainText()
        assert self.line is not None
        return self.line.text()

    def choose_file(self) -> None:
        """Open a file picker (not modal-blocking); the pick becomes `uploadRequested`."""
        dialog = QFileDialog(self, f"Upload a file for {self.field.display_name}")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        if self.field.file_types:
            patterns = " ".join(f"*.{t.lstrip('.')}" for t in self.field.file_types)
            dialog.setNameFilters([f"Accepted files ({patterns})", "All files (*)"])
        dialog.fileSelected.connect(self.uploadRequested.emit)
        dialog.finished.connect(dialog.deleteLater)
        self._dialog = dialog
        dialog.open()

    def add_server_path(self, server_path: str) -> None:
        """Put an uploaded file's server path in (appended for list fields); emits edited."""
        if self.text_edit is not None:
            current = self.text_edit.toPlainText().rstrip("\n")
            self.text_edit.setPlainText(f"{current}\n{server_path}" if current else server_path)
        else:
            assert self.line is not None
            self.line.setText(server_path)
            self._emit(server_path)

    def _show(self, value: Any) -> None:
        if isinstance(value, list):
            text = "\n".join(value_text(v) for v in value)
        else:
            text = value_text(value)
        if self.text_edit is not None:
            if self.text_edit.toPlainText() != text:
                self.text_edit.setPlainText(text)
        else:
            assert self.line is not None
            if self.line.text() != text.replace("\n", " "):
                self.line.setText(text.replace("\n", " "))


# --- read-only -----------------------------------------------------------------------------


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
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.summary, 1)
        column.addLayout(top)
        self._layout.addLayout(column)
        self._column = column
        self._top = top

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


# --- factory -------------------------------------------------------------------------------


def make_editor(field: Field, parent: QWidget | None = None, value: Any = None) -> FieldEditor:
    """The editor for a field's kind (read-only when the field cannot be tweaked)."""
    if not field.tweakable:
        return ReadOnlyEditor(field, parent)
    kind = field.kind
    if kind in (FieldKind.TEXT, FieldKind.QUERY):
        if field.is_list:
            return TextAreaEditor(field, parent, lines=2, as_list=True)
        return LineEditor(field, parent)
    if kind is FieldKind.MULTILINE:
        return TextAreaEditor(field, parent, lines=3, as_list=field.is_list)
    if kind is FieldKind.PROMPT:
        return TextAreaEditor(field, parent, monospace=True, lines=6)
    if kind is FieldKind.SECRET:
        return SecretEditor(field, parent)
    if kind is FieldKind.INT:
        return IntEditor(field, parent)
    if kind is FieldKind.FLOAT:
        return FloatEditor(field, parent)
    if kind is FieldKind.SLIDER:
        return SliderEditor(field, parent)
    if kind is FieldKind.BOOL:
        return BoolEditor(field, parent)
    if kind is FieldKind.DROPDOWN:
        return DropdownEditor(field, parent, editable=field.combobox)
    if kind is FieldKind.MODEL:
        return DropdownEditor(field, parent, editable=True)
    if kind is FieldKind.TAB:
        return TabEditor(field, parent)
    if kind is FieldKind.MULTISELECT:
        return MultiSelectEditor(field, parent)
    if kind is FieldKind.DICT:
        return JsonEditor(field, parent, key_value=True)
    if kind in (FieldKind.NESTED_DICT, FieldKind.MCP, FieldKind.SORTABLE_LIST):
        return JsonEditor(field, parent)
    if kind is FieldKind.TABLE:
        columns = table_columns(field, value if value is not None else field.value)
        if columns:
            return TableEditor(field, columns, parent)
        return JsonEditor(field, parent)
    if kind is FieldKind.FILE:
        return FileEditor(field, parent)
    return JsonEditor(field, parent, read_only=True)
