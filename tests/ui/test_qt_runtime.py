"""Guards on the Qt binding itself: PySide6 6.12.0 corrupts reference counts on Python 3.11
(each void Qt call drops a reference to None, each Signal(bool) emit or disconnect one to a
bool) and the process aborts after a few thousand calls. pyproject pins below 6.12; this
test fails loudly if a version with that bug comes back."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLineEdit


class _Emitter(QObject):
    flag = Signal(bool)


def _noop(_: bool) -> None:
    pass


def test_no_reference_leaks_from_void_calls_emits_and_disconnects(qapp: object) -> None:
    edit = QLineEdit()
    emitter = _Emitter()
    before = (sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
    for i in range(3000):
        edit.setText(str(i % 10))
        emitter.flag.connect(_noop)
        emitter.flag.emit(True)
        emitter.flag.emit(False)
        emitter.flag.disconnect(_noop)
    after = (sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
    drift = [a - b for a, b in zip(after, before, strict=True)]
    assert all(abs(d) < 100 for d in drift), f"reference counts of None/True/False drifted by {drift}"
