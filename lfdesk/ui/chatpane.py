"""The chat pane: the conversation of one chat session, the message input, the raw event log.

It renders what the core's Conversation says (``apply_change``): messages keyed by the
conversation, appends coalesced in a buffer that a short timer flushes, so thousands of tokens
a second cost a few cheap repaints. It never reads raw stream events itself.

Signals: ``sendRequested(str)`` (the input text, Ctrl+Enter), ``stopRequested()`` (Esc),
``newSessionRequested()``, ``sessionsRequested()`` (the Sessions button: list the server's
sessions), ``sessionChosen(str)`` (a session id picked from that list), ``inputChanged(str)``,
``rawEventsToggled(bool)``.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase, QKeyEvent, QPalette, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from lfdesk.core.conversation import Change, Outcome, format_stats
from lfdesk.ui.messageview import MessageView

FLUSH_MS = 30  # token buffer flush interval: ~33 repaints a second at most
RAW_LOG_LINES = 2000
EMPTY_TEXT = (
    "No messages in this session yet.\n"
    "Type below and press Ctrl+Enter (or Run) to send it to the flow."
)


def short_id(session_id: str) -> str:
    return session_id[:8] + "…" if len(session_id) > 9 else session_id


class _InputFilter(QObject):
    """Ctrl+Enter sends, Esc stops, Ctrl+Up/Down walks the input history."""

    def __init__(self, pane: ChatPane) -> None:
        super().__init__(pane)
        self._pane = pane

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            return False
        assert isinstance(event, QKeyEvent)
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        send = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and ctrl
        stop = key == Qt.Key.Key_Escape
        walk = ctrl and key in (Qt.Key.Key_Up, Qt.Key.Key_Down)
        if not (send or stop or walk):
            return False
        if kind == QEvent.Type.ShortcutOverride:
            event.accept()  # keep the window's Run/Stop shortcuts from taking the key here
            return True
        if send:
            self._pane.send()
        elif stop:
            self._pane.stopRequested.emit()
        else:
            self._pane.walk_history(-1 if key == Qt.Key.Key_Up else 1)
        return True


class ChatPane(QWidget):
    """Transcript, input with Send/Stop, session header and the raw event log."""

    sendRequested = Signal(str)
    stopRequested = Signal()
    newSessionRequested = Signal()
    sessionsRequested = Signal()
    sessionChosen = Signal(str)
    inputChanged = Signal(str)
    rawEventsToggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._views: dict[str, MessageView] = {}  # "run:key" -> view
        self._order: list[MessageView] = []
        self._rows: list[QWidget] = []  # one row widget per message, in order
        self._pending: dict[str, list[str]] = {}  # "run:key" -> appends not yet shown
        self._raw_pending: list[str] = []
        self._raw_lines: deque[str] = deque(maxlen=RAW_LOG_LINES)
        self._run = 0  # conversation keys are per run: views are keyed "run:key"
        self._run_answers: list[MessageView] = []
        self._notes = 0
        self._history: list[str] = []
        self._history_pos: int | None = None
        self.flush_count = 0  # repaint batches, for tests and the curious
        self._running = False

        self._flush_timer = QTimer(self)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self.flush)

        # header
        self.title = QLabel("<b>Chat</b>")
        self.session_label = QLabel()
        self.session_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.new_session_button = QPushButton("New session")
        self.new_session_button.setToolTip("Start a new chat session (a new session id)")
        self.new_session_button.clicked.connect(self.newSessionRequested)
        # A plain button and a menu shown with popup() (never exec()): the list comes from
        # the server, so the menu opens when it has arrived, without a nested event loop.
        self.sessions_button = QToolButton()
        self.sessions_button.setObjectName("sessionsButton")
        self.sessions_button.setText("Sessions ▾")
        self.sessions_button.setEnabled(False)
        self.sessions_button.clicked.connect(self.sessionsRequested)
        self.sessions_menu = QMenu(self)
        self.sessions_menu.setObjectName("sessionsMenu")
        self.sessions_menu.triggered.connect(self._session_triggered)
        self.set_sessions_available(False)
        self.raw_button = QToolButton()
        self.raw_button.setText("Raw events")
        self.raw_button.setCheckable(True)
        self.raw_button.setToolTip("Show every stream event as JSON")
        self.raw_button.toggled.connect(self._toggle_raw)
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.title)
        header.addSpacing(8)
        header.addWidget(self.session_label)
        header.addWidget(self.new_session_button)
        header.addWidget(self.sessions_button)
        header.addStretch(1)
        header.addWidget(self.raw_button)

        # transcript
        self._column = QWidget()
        self._column.setObjectName("transcript")
        self._column_layout = QVBoxLayout(self._column)
        self._column_layout.setContentsMargins(6, 6, 6, 6)
        self._column_layout.setSpacing(6)
        self.empty_label = QLabel(EMPTY_TEXT)
        self.empty_label.setObjectName("chatEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._column_layout.addWidget(self.empty_label)
        self._column_layout.addStretch(1)
        self.transcript = QScrollArea()
        self.transcript.setWidgetResizable(True)
        self.transcript.setWidget(self._column)
        self.transcript.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.transcript.setBackgroundRole(QPalette.ColorRole.Base)
        self._column.setBackgroundRole(QPalette.ColorRole.Base)
        self._column.setAutoFillBackground(True)
        self.transcript.viewport().installEventFilter(self)
        scrollbar = self.transcript.verticalScrollBar()
        scrollbar.rangeChanged.connect(self._follow)
        self._stick_to_bottom = True
        scrollbar.valueChanged.connect(self._remember_position)

        self.raw_log = QPlainTextEdit()
        self.raw_log.setReadOnly(True)
        self.raw_log.setMaximumBlockCount(RAW_LOG_LINES)
        self.raw_log.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.raw_log.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.raw_log.setPlaceholderText("Stream events appear here as JSON, one per line.")
        self.raw_log.hide()

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("chatSplitter")
        self.splitter.addWidget(self.transcript)
        self.splitter.addWidget(self.raw_log)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        # input
        self.input = QPlainTextEdit()
        self.input.setObjectName("chatInput")
        self.input.setTabChangesFocus(True)
        lines = 3
        self.input.setFixedHeight(self.input.fontMetrics().lineSpacing() * lines + 14)
        self.set_placeholder("hello world!")
        self.input.textChanged.connect(self._input_changed)
        self._filter = _InputFilter(self)
        self.input.installEventFilter(self._filter)
        self.send_button = QPushButton("Send")
        self.send_button.setToolTip("Send the message and run the flow (Ctrl+Enter)")
        self.send_button.setDefault(False)
        self.send_button.clicked.connect(self.send)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop the running flow (Esc)")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stopRequested)
        buttons = QVBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(0, 0, 0, 0)
        bottom.addWidget(self.input, 1)
        bottom.addLayout(buttons)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(bottom)
        self.set_session_id("")

    # --- header and input ----------------------------------------------------------------------

    def set_session_id(self, session_id: str) -> None:
        self._session_id = session_id
        if session_id:
            self.session_label.setText(f"session {short_id(session_id)}")
            self.session_label.setToolTip(f"Chat session id: {session_id}")
        else:
            self.session_label.setText("")

    def session_id(self) -> str:
        return self._session_id

    # --- past sessions on the server ---------------------------------------------------------

    def set_sessions_available(self, available: bool, why_not: str = "") -> None:
        """Enable the Sessions button (the window knows whether a server and flow id exist)."""
        self.sessions_button.setEnabled(available)
        self.sessions_button.setToolTip(
            "Past chat sessions of this flow stored on the server"
            if available
            else why_not or "Needs a connection and a flow that exists on the server"
        )

    def set_sessions_loading(self) -> None:
        self.sessions_button.setText("Sessions …")

    def show_sessions(self, session_ids: list[str], current: str, *, popup: bool = True) -> None:
        """Fill the sessions menu (the current session checked) and open it under the
        button; each entry's data is its session id."""
        self.sessions_button.setText("Sessions ▾")
        menu = self.sessions_menu
        menu.clear()
        ids = list(session_ids)
        if current and current not in ids:
            ids.insert(0, current)
        for sid in ids:
            label = sid
            if sid == current:
                label += "  (current" + ("" if sid in session_ids else ", not on the server yet")
                label += ")"
            action = menu.addAction(label)
            action.setData(sid)
            action.setCheckable(True)
            action.setChecked(sid == current)
        if not session_ids:
            menu.addSeparator()
            empty = menu.addAction("No stored sessions on the server")
            empty.setEnabled(False)
        if popup and self.sessions_button.isVisible():
            where = self.sessions_button.mapToGlobal(QPoint(0, self.sessions_button.height()))
            menu.popup(where)

    def session_choices(self) -> list[tuple[str, bool]]:
        """The menu's sessions as (session id, is current), in order (for tests)."""
        return [
            (str(a.data()), a.isChecked()) for a in self.sessions_menu.actions() if a.data()
        ]

    def choose_session(self, session_id: str) -> None:
        """As if the user picked ``session_id`` from the menu."""
        self.sessions_menu.hide()
        self.sessionChosen.emit(session_id)

    def _session_triggered(self, action: Any) -> None:
        sid = action.data()
        if isinstance(sid, str) and sid:
            self.choose_session(sid)

    def show_conversation(self, changes: list[Change]) -> None:
        """A stored conversation (a past session from the server), replacing the transcript."""
        self.clear()
        self.begin_run()
        for change in changes:
            self.apply_change(change)
        self.flush()
        n = sum(1 for c in changes if c.new)
        self.show_info(f"Loaded {n} message{'' if n == 1 else 's'} from the server.")

    def set_placeholder(self, default_message: str) -> None:
        self.input.setPlaceholderText(
            f"Type a message… (Ctrl+Enter sends; empty sends “{default_message}”)"
        )

    def input_text(self) -> str:
        return self.input.toPlainText()

    def set_input_text(self, text: str) -> None:
        self.input.setPlainText(text)
        self.input.moveCursor(QTextCursor.MoveOperation.End)

    def clear_input(self) -> None:
        self.input.clear()

    def set_history(self, history: list[str]) -> None:
        self._history = list(history)
        self._history_pos = None

    def history(self) -> list[str]:
        return list(self._history)

    def walk_history(self, step: int) -> None:
        if not self._history:
            return
        pos = len(self._history) if self._history_pos is None else self._history_pos
        pos = max(0, min(len(self._history), pos + step))
        self._history_pos = pos
        self.set_input_text(self._history[pos] if pos < len(self._history) else "")

    def send(self) -> None:
        """Ask to send the input (the window decides; see ``sendRequested``)."""
        if self._running:
            return
        self.sendRequested.emit(self.input_text())

    def set_running(self, running: bool) -> None:
        self._running = running
        self.send_button.setEnabled(not running)
        self.stop_button.setEnabled(running)

    def is_running(self) -> bool:
        return self._running

    def _input_changed(self) -> None:
        self.inputChanged.emit(self.input_text())

    # --- transcript ------------------------------------------------------------------------

    def _remember_position(self, value: int) -> None:
        bar = self.transcript.verticalScrollBar()
        self._stick_to_bottom = value >= bar.maximum() - 4

    def _follow(self, _min: int, maximum: int) -> None:
        if self._stick_to_bottom:
            self.transcript.verticalScrollBar().setValue(maximum)

    def _add_view(self, key: str, role: str, who: str) -> MessageView:
        # Each message sits in a row widget of its own, so clearing deletes widgets, never
        # layout items taken out by hand (whose Python wrappers could outlive them).
        row = QWidget(self._column)
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        view = MessageView(role, who, key.partition(":")[2], row)
        if role == "user":
            line.addStretch(1)
            line.addWidget(view)
        else:
            line.addWidget(view, 1)
        self._column_layout.insertWidget(self._column_layout.count() - 1, row)
        self.empty_label.hide()
        view.apply_palette()
        self._views[key] = view
        self._order.append(view)
        self._rows.append(row)
        return view

    def _fit_user_view(self, view: MessageView) -> None:
        """A user's message is as wide as its text, at most 80% of the transcript."""
        limit = max(int(self.transcript.viewport().width() * 0.8), 120)
        view.setMaximumWidth(min(view.natural_width(), limit))
        view.setMinimumWidth(min(view.natural_width(), limit))

    def _refit_user_views(self) -> None:
        for view in self._order:
            if view.role == "user":
                self._fit_user_view(view)

    def messages(self) -> list[MessageView]:
        """Every message view, in order (for tests and for copying)."""
        return list(self._order)

    def message(self, key: str) -> MessageView | None:
        """The newest message with this conversation key (a server message id, ``user``...)."""
        return next((v for v in reversed(self._order) if v.key == key), None)

    def transcript_text(self) -> str:
        """The conversation as plain text (header, text and stats of each message)."""
        self.flush()
        out: list[str] = []
        for v in self._order:
            line = f"{v.header.text()}: {v.text()}"
            if v.stats.isVisible() or v.stats.text():
                line += f"\n  ({v.stats.text()})"
            out.append(line)
        return "\n".join(out)

    def clear(self) -> None:
        """Empty the conversation (a new chat session)."""
        self.flush()
        for row in self._rows:
            self._column_layout.removeWidget(row)
            row.hide()
            row.deleteLater()
        self.empty_label.show()
        self._rows.clear()
        self._views.clear()
        self._order.clear()
        self._pending.clear()
        self._run_answers.clear()

    # --- a run's conversation -------------------------------------------------------------------

    def begin_run(self) -> None:
        """A run starts: its conversation's keys are new from here on."""
        self.flush()
        self._run += 1
        self._run_answers = []

    def apply_change(self, change: Change) -> None:
        """Show what the run's conversation changed: appends wait for the next flush."""
        key = f"{self._run}:{change.key}"
        view = self._views.get(key)
        if view is None:
            view = self._add_view(key, change.role, change.who)
            if change.role == "ai":
                self._run_answers.append(view)
        if change.replace is not None:
            self._pending.pop(key, None)  # the new text already holds them
            view.set_text(change.replace, final=change.complete)
            if view.role == "user":
                self._fit_user_view(view)
        elif change.append:
            self._pending.setdefault(key, []).append(change.append)
            if not self._flush_timer.isActive():
                self._flush_timer.start()
        if change.complete and change.replace is None and not view.complete:
            self._flush_one(key)
            view.finish()

    def _flush_one(self, key: str) -> None:
        chunks = self._pending.pop(key, None)
        view = self._views.get(key)
        if chunks and view is not None:
            view.append("".join(chunks))

    def flush(self) -> None:
        """Show the buffered text and raw events: one text update per message."""
        if self._pending:
            self.flush_count += 1
            for key in list(self._pending):
                self._flush_one(key)
        if self._raw_pending:
            self._raw_lines.extend(self._raw_pending)
            if self.raw_log.isVisible():
                self.raw_log.appendPlainText("\n".join(self._raw_pending[-RAW_LOG_LINES:]))
            self._raw_pending.clear()

    def end_run(self, outcome: Outcome) -> None:
        """The run ended: the answers rendered in full, and its figures (or "stopped") shown
        under the last one. A failure is already in the conversation as an error message."""
        self.flush()
        for view in self._run_answers:
            view.finish()
        stats = format_stats(outcome.stats)
        last = self._run_answers[-1] if self._run_answers else None
        if outcome.status == "ok":
            if last is not None:
                last.set_stats(stats)
            else:
                self.show_info(f"The flow gave no chat answer ({stats}).")
        elif outcome.status == "stopped":
            if last is not None:
                last.set_stats(f"stopped · {stats}")
            else:
                self.show_info("Stopped.")

    def _note(self, role: str, title: str, text: str) -> MessageView:
        self.flush()
        self._notes += 1
        view = self._add_view(f"note:{self._notes}", role, title)
        view.set_text(text)
        return view

    def show_error(self, text: str) -> MessageView:
        """An error from the app (not from a run), in the conversation."""
        return self._note("error", "Error", text)

    def show_info(self, text: str, title: str = "lfdesk") -> MessageView:
        """A note from the app (what is needed to run...); the same note twice in a row is
        shown once."""
        last = self._order[-1] if self._order else None
        if last is not None and last.role == "info" and last.text() == text:
            return last
        return self._note("info", title, text)

    # --- raw events -------------------------------------------------------------------------

    def add_raw_line(self, line: str) -> None:
        """One stream event as a JSON line (shown in the raw log at the next flush)."""
        self._raw_pending.append(line)
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def raw_lines(self) -> list[str]:
        self.flush()
        return list(self._raw_lines)

    def _toggle_raw(self, on: bool) -> None:
        self.flush()
        if on:
            self.raw_log.setPlainText("\n".join(self._raw_lines))
            self.raw_log.moveCursor(QTextCursor.MoveOperation.End)
        self.raw_log.setVisible(on)
        self.rawEventsToggled.emit(on)

    def set_raw_events_visible(self, on: bool) -> None:
        self.raw_button.setChecked(on)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.transcript.viewport():
            self._refit_user_views()
        return False

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            for view in self._order:
                view.apply_palette()


__all__ = ["ChatPane", "MessageView", "short_id"]
