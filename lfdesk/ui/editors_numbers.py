"""Number editors: integer and float spin boxes, and the slider.

The spin boxes accept any text and keep text that is not a number in range shown as typed,
so the TweakSet can say what is wrong with it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDoubleSpinBox,
    QLabel,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QWidget,
)

from lfdesk.core.flow import Field
from lfdesk.core.tweaks import is_number_text
from lfdesk.ui.editors_base import FieldEditor, WheelNeedsFocus, value_text

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1
FLOAT_WIDE = 1e15


def _number(text: str) -> float | None:
    """The number typed, in the one form tweaks accept (so "1,000" is never 1.0), or None."""
    if not is_number_text(text):
        return None
    v = float(text.strip().replace("_", ""))
    return v if math.isfinite(v) else None


def _format_float(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


if TYPE_CHECKING:  # see editors_base: the Qt base of a mixin, for the type checker only
    _SpinBox = QAbstractSpinBox
else:
    _SpinBox = object


class _AnyText(WheelNeedsFocus, _SpinBox):
    """Mixin for the spin boxes: any text is acceptable (the TweakSet judges it) and is never
    fixed up; ``_raw`` is text that is not a number in range, shown instead of the value."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._raw: str | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setKeyboardTracking(True)

    def validate(self, text: str, pos: int) -> Any:
        return QValidator.State.Acceptable

    def fixup(self, text: str) -> str:
        return text


class IntSpinBox(_AnyText, QSpinBox):
    """A QSpinBox that accepts any text and keeps invalid text shown as typed."""

    def parse(self, text: str) -> int | None:
        v = _number(text)
        if v is None or not v.is_integer():
            return None
        iv = int(v)
        return iv if self.minimum() <= iv <= self.maximum() else None

    def valueFromText(self, text: str) -> int:
        v = self.parse(text)
        return self.value() if v is None else v

    def textFromValue(self, value: int) -> str:
        return self._raw if self._raw is not None else str(value)


class FloatSpinBox(_AnyText, QDoubleSpinBox):
    """A QDoubleSpinBox that accepts any text, shows short numbers, keeps invalid text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(6)

    def parse(self, text: str) -> float | None:
        v = _number(text)
        if v is None:
            return None
        return v if self.minimum() <= v <= self.maximum() else None

    def valueFromText(self, text: str) -> float:
        v = self.parse(text)
        return self.value() if v is None else v

    def textFromValue(self, value: float) -> str:
        return self._raw if self._raw is not None else _format_float(value, self.decimals())


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
        self.spin = self._input(spin)
        spin.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        spin.setFixedWidth(150)  # the same for every number, whatever its range
        spin.lineEdit().textEdited.connect(self._on_text_edited)
        spin.valueChanged.connect(self._on_value_changed)
        self._layout.addStretch(1)

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


class _Slider(WheelNeedsFocus, QSlider):
    pass


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
        self.spin = self._part(FloatSpinBox(self))
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
        with self._updating_parts():
            self.spin._raw = None
            self.spin.setValue(v)
        self._emit(self._typed(v))

    def _on_spin(self, v: float) -> None:
        if self._updating:
            return
        if self.spin._raw is not None and self.spin.lineEdit().hasFocus():
            return
        with self._updating_parts():
            self.slider.setValue(self._to_tick(v))
        self._emit(self._typed(v))

    def _on_text_edited(self, text: str) -> None:
        parsed = self.spin.parse(text)
        if parsed is None:
            self.spin._raw = text
            self._emit(text)
            return
        self.spin._raw = None
        with self._updating_parts():
            self.slider.setValue(self._to_tick(parsed))
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
