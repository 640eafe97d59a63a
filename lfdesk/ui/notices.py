"""Notices: what the presenters tell the user, in one place the window shows them.

A presenter never reaches for the window's banner or status bar; it emits here, and the
window (wired in ``lfdesk.app``) shows it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class Notices(QObject):
    """Messages for the user.

    Signals: ``problem(str)`` (the banner, as an error), ``note(str)`` (the banner, not an
    error), ``dismissed()`` (hide the banner: what it said is no longer true),
    ``status(str, int)`` (the status bar, for that many ms; 0 until the next one),
    ``statusCleared()``.
    """

    problem = Signal(str)
    note = Signal(str)
    dismissed = Signal()
    status = Signal(str, int)
    statusCleared = Signal()

    def error(self, text: str) -> None:
        self.problem.emit(text)

    def info(self, text: str) -> None:
        self.note.emit(text)

    def dismiss(self) -> None:
        self.dismissed.emit()

    def say(self, text: str, ms: int = 0) -> None:
        self.status.emit(text, ms)

    def clear_status(self) -> None:
        self.statusCleared.emit()
