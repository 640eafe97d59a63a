"""The chat pane: the conversation of one chat session, the message input, the raw event log.

Messages are upserted by id (Langflow re-sends a message as it grows). Streamed tokens go
into a buffer that a short timer flushes, so thousands of tokens a second cost a few cheap
repaints, not thousands. Answers are rendered as Markdown when complete (and, while they
stream, re-rendered at a slower pace when short enough to be cheap).

Signals: ``sendRequested(str)`` (the input text, Ctrl+Enter), ``stopRequested()`` (Esc),
``newSessionRequested()``, ``sessionsRequested()`` (the Sessions button: list the server's
sessions), ``sessionChosen(str)`` (a session id picked from that list), ``inputChanged(str)``,
``rawEventsToggled(bool)``.
"""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QMargins, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QKeyEvent,
    QPalette,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from lfdesk.core.api import (
    EndEvent,
    ErrorEvent,
    MessageEvent,
    OtherEvent,
    RunStats,
    TokenEvent,
)

FLUSH_MS = 30  # token buffer flush interval: ~33 repaints a second at most
MARKDOWN_EVERY_S = 0.4  # while streaming, re-render Markdown at most this often...
MARKDOWN_LIVE_MAX = 4000  # ...and only while the text is this short (~10 ms to lay out)
RAW_LOG_LINES = 2000
EMPTY_TEXT = (
    "No messages in this session yet.\n"
    "Type below and press Ctrl+Enter (or Run) to send it to the flow."
)


def format_stats(stats: RunStats) -> str:
    """``first token 0.25 s · total 0.94 s · 5 in / 12 out tokens`` (parts that are known)."""
    parts: list[str] = []
    if stats.ttft is not None:
        parts.append(f"first token {stats.ttft:.2f} s")
    parts.append(f"total {stats.total:.2f} s")
    usage = stats.usage
    if usage is not None and (usage.input_tokens is not None or usage.output_tokens is not None):
        inp = "?" if usage.input_tokens is None else str(usage.input_tokens)
        out = "?" if usage.output_tokens is None else str(usage.output_tokens)
        parts.append(f"{inp} in / {out} out tokens")
    elif stats.tokens:
        parts.append(f"{stats.tokens} chunks streamed")
    return " · ".join(parts)


def short_id(session_id: str) -> str:
    return session_id[:8] + "…" if len(session_id) > 9 else session_id


def _blend(a: QColor, b: QColor, t: float) -> QColor:
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


class _Body(QTextBrowser):
    """A message's text: a read-only QTextBrowser as tall as its content (no own scrolling)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setOpenExternalLinks(True)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.viewport().setAutoFillBackground(False)
        self.setAutoFillBackground(False)
        self.setStyleSheet("QTextBrowser { background: transparent; }")
        self.document().setDocumentMargin(2)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self.setFixedHeight(self._wanted_height())

    def _wanted_height(self) -> int:
        return max(int(self.document().size().height()) + 4, self.fontMetrics().height() + 8)

    def _fit(self, *_args: object) -> None:
        h = self._wanted_height()
        if h != self.height():
            self.setFixedHeight(h)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.document().setTextWidth(self.viewport().width())
        self._fit()

    def wheelEvent(self, event: Any) -> None:
        event.ignore()  # let the transcript scroll


class MessageView(QFrame):
    """One message: a header (who), the text, and a small line for timings."""

    def __init__(self, role: str, who: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.role = role  # "user", "ai", "error", "info"
        self.setObjectName(f"message-{role}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(0)
        self.header = QLabel(who)
        font = self.header.font()
        font.setBold(True)
        self.header.setFont(font)
        self.body = _Body(self)
        self.stats = QLabel()
        self.stats.setObjectName("stats")
        small = self.stats.font()
        small.setPointSizeF(max(small.pointSizeF() * 0.9, 7.0))
        self.stats.setFont(small)
        self.stats.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.stats.hide()
        layout.addWidget(self.header)
        layout.addWidget(self.body)
        layout.addWidget(self.stats)
        self._text = ""
        self.snapshot = ""
        self.streamed = ""
        self.complete = False
        self._last_markdown = 0.0
        self.markdown = role == "ai"
        self.apply_palette()

    def apply_palette(self) -> None:
        pal = self.palette()
        parent = self.parentWidget()
        app_pal = parent.palette() if parent is not None else QApplication.palette()
        base = app_pal.color(QPalette.ColorRole.Base)
        if self.role == "user":
            colour = _blend(base, app_pal.color(QPalette.ColorRole.Highlight), 0.16)
        elif self.role == "error":
            colour = _blend(base, QColor(220, 50, 50), 0.18)
        elif self.role == "info":
            colour = _blend(base, app_pal.color(QPalette.ColorRole.Link), 0.10)
        else:
            colour = app_pal.color(QPalette.ColorRole.AlternateBase)
        pal.setColor(QPalette.ColorRole.Window, colour)
        pal.setColor(QPalette.ColorRole.Base, colour)
        self.setPalette(pal)

    # --- text ------------------------------------------------------------------------------
    #
    # Langflow sends a partial add_message holding the first chunk, then a token event for
    # every chunk (that first one included), then the full text again. So the view keeps the
    # server's last `snapshot` and the concatenated `streamed` tokens and shows whichever
    # extends the other: no doubled first chunk, and the final message always wins.

    def text(self) -> str:
        return self._text

    def set_text(self, text: str, *, final: bool = True) -> None:
        """Replace the text; Markdown is rendered when ``final`` (or when short enough)."""
        self._text = text
        if self.markdown and (final or len(text) <= MARKDOWN_LIVE_MAX):
            self.body.setMarkdown(text)
            self._shade_code_blocks()
            self._last_markdown = time.monotonic()
        else:
            self.body.setPlainText(text)

    def _shade_code_blocks(self) -> None:
        """Give fenced code blocks a background (Qt's Markdown import sets none), from the
        palette so it reads on light and dark themes."""
        doc = self.body.document()
        pal = self.palette()
        shade = _blend(
            pal.color(QPalette.ColorRole.Base), pal.color(QPalette.ColorRole.Text), 0.07
        )
        block = doc.begin()
        cursor: QTextCursor | None = None
        while block.isValid():
            fmt = block.blockFormat()
            if fmt.hasProperty(QTextFormat.Property.BlockCodeFence) or fmt.hasProperty(
                QTextFormat.Property.BlockCodeLanguage
            ):
                cursor = cursor or QTextCursor(doc)
                cursor.setPosition(block.position())
                shaded = QTextBlockFormat()
                shaded.setBackground(shade)
                cursor.mergeBlockFormat(shaded)
            block = block.next()

    def set_snapshot(self, text: str, *, complete: bool) -> None:
        """The server's full text of the message (an upsert)."""
        self.snapshot = text
        if complete:
            self.complete = True
            self.set_text(text, final=True)
        else:
            self._show(self._reconcile())

    def add_streamed(self, chunk: str) -> None:
        """Streamed text arrived (already coalesced by the pane's flush)."""
        if not chunk:
            return
        self.streamed += chunk
        if not self.complete:
            self._show(self._reconcile())

    def _reconcile(self) -> str:
        snap, streamed = self.snapshot, self.streamed
        if streamed.startswith(snap):
            return streamed
        if snap.startswith(streamed):
            return snap
        return streamed if len(streamed) > len(snap) else snap

    def _show(self, text: str) -> None:
        """Show ``text`` cheaply: append when it extends what is shown."""
        if text == self._text:
            return
        now = time.monotonic()
        live_markdown = (
            self.markdown
            and len(text) <= MARKDOWN_LIVE_MAX
            and now - self._last_markdown >= MARKDOWN_EVERY_S
        )
        if live_markdown or not text.startswith(self._text):
            self.set_text(text, final=False)
            return
        delta = text[len(self._text) :]
        self._text = text
        cursor = QTextCursor(self.body.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(delta, QTextCharFormat())

    def finish(self) -> None:
        """The message is complete: render its Markdown once."""
        if self.markdown:
            self.set_text(self._text, final=True)

    def set_stats(self, text: str) -> None:
        self.stats.setText(text)
        self.stats.setVisible(bool(text))

    def natural_width(self) -> int:
        """The width the text would take unwrapped, plus the frame (for short bubbles)."""
        fm = self.body.fontMetrics()
        lines = self._text.splitlines() or [""]
        text_w = max(fm.horizontalAdvance(line) for line in lines[:200])
        head_w = self.header.fontMetrics().horizontalAdvance(self.header.text())
        layout = self.layout()
        margins = layout.contentsMargins() if layout is not None else QMargins()
        extra = margins.left() + margins.right() + 2 * self.frameWidth() + 16
        return max(text_w, head_w) + extra


@dataclass
class _Pending:
    view: MessageView
    chunks: list[str]


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
        self._views: dict[str, MessageView] = {}
        self._order: list[MessageView] = []
        self._pending: dict[str, _Pending] = {}
        self._raw_pending: list[str] = []
        self._raw_lines: deque[str] = deque(maxlen=RAW_LOG_LINES)
        self._pending_user: MessageView | None = None
        self._run_answers: list[MessageView] = []
        self._run_errors: dict[str, MessageView] = {}
        self._local_ids = 0
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

    def show_loaded_messages(self, messages: list[MessageEvent]) -> None:
        """A stored conversation: the transcript replaced by ``messages`` (oldest first)."""
        self.clear()
        for m in messages:
            self.upsert_message(
                m.id, m.sender, m.sender_name, m.text, complete=True, is_error=m.is_error
            )
        n = len(messages)
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
        view = MessageView(role, who, self._column)
        view.setProperty("messageId", key)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        if role == "user":
            row.addStretch(1)
            row.addWidget(view)
        else:
            row.addWidget(view, 1)
        self._column_layout.insertLayout(self._column_layout.count() - 1, row)
        self.empty_label.hide()
        if role == "user":
            self._fit_user_view(view)
        view.apply_palette()
        self._views[key] = view
        self._order.append(view)
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

    def _new_local_id(self) -> str:
        self._local_ids += 1
        return f"local-{self._local_ids}"

    def messages(self) -> list[MessageView]:
        """Every message view, in order (for tests and for copying)."""
        return list(self._order)

    def message(self, message_id: str) -> MessageView | None:
        return self._views.get(message_id)

    def transcript_text(self) -> str:
        """The conversation as plain text (header, text and stats of each message)."""
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
        for view in self._order:
            view.hide()
            view.deleteLater()
        # Keep the empty-state label (first) and the stretch (last); drop the message rows.
        while self._column_layout.count() > 2:
            item = self._column_layout.takeAt(1)
            row = item.layout() if item is not None else None
            if row is not None:
                row.deleteLater()
        self.empty_label.show()
        self._views.clear()
        self._order.clear()
        self._pending.clear()
        self._run_answers.clear()
        self._pending_user = None

    def begin_run(self, message: str) -> None:
        """A run starts: show the user's message now (the server's echo of it is merged)."""
        self.flush()
        self._run_answers = []
        self._run_errors = {}
        view = self._add_view(self._new_local_id(), "user", "You")
        view.set_text(message)
        self._fit_user_view(view)
        self._pending_user = view

    def upsert_message(
        self,
        message_id: str,
        sender: str,
        sender_name: str,
        text: str,
        *,
        complete: bool = True,
        is_error: bool = False,
    ) -> MessageView:
        """Add the message, or replace the text of the one with this id."""
        key = message_id or self._new_local_id()
        view = self._views.get(key)
        if view is None and sender == "User" and self._pending_user is not None:
            # The server echoes the user's message: adopt the one already shown.
            view = self._pending_user
            self._pending_user = None
            old = view.property("messageId")
            self._views.pop(old, None)
            self._views[key] = view
            view.setProperty("messageId", key)
        if view is None:
            if is_error:
                role, who = "error", f"Error · {sender_name}" if sender_name else "Error"
            elif sender == "User":
                role, who = "user", sender_name or "You"
            else:
                role, who = "ai", sender_name or sender or "AI"
            view = self._add_view(key, role, who)
            if role == "ai":
                self._run_answers.append(view)
        pending = self._pending.pop(key, None)
        if pending is not None:
            # Tokens queued before this snapshot are older than it: count them first.
            view.streamed += "".join(pending.chunks)
        view.set_snapshot(text, complete=complete)
        if view.role == "user":
            self._fit_user_view(view)
        return view

    def append_token(self, message_id: str, chunk: str) -> None:
        """Queue streamed text for a message; shown at the next flush (~30 ms)."""
        if not chunk:
            return
        pending = self._pending.get(message_id)
        if pending is None:
            view = self._views.get(message_id)
            if view is None:
                view = self._add_view(message_id, "ai", "AI")
                self._run_answers.append(view)
            pending = _Pending(view, [])
            self._pending[message_id] = pending
        pending.chunks.append(chunk)
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def flush(self) -> None:
        """Show the buffered tokens and raw events: one text update per message."""
        if self._pending:
            self.flush_count += 1
            for pending in self._pending.values():
                pending.view.add_streamed("".join(pending.chunks))
            self._pending.clear()
        if self._raw_pending:
            self._raw_lines.extend(self._raw_pending)
            if self.raw_log.isVisible():
                self.raw_log.appendPlainText("\n".join(self._raw_pending[-RAW_LOG_LINES:]))
            self._raw_pending.clear()

    def show_error(self, text: str) -> MessageView:
        """An error, in the conversation, as readable text.

        The same error told twice in one run (the stream's error event, then the failure
        with its hint) is shown once, with the longer wording.
        """
        self.flush()
        for shown, view in list(self._run_errors.items()):
            if text.startswith(shown) or shown.startswith(text):
                if len(text) > len(shown):
                    view.set_text(text)
                    del self._run_errors[shown]
                    self._run_errors[text] = view
                return view
        view = self._add_view(self._new_local_id(), "error", "Error")
        view.set_text(text)
        self._run_errors[text] = view
        return view

    def show_info(self, text: str, title: str = "lfdesk") -> MessageView:
        """A note from the app (what is needed to run, a stopped run...); the same note twice
        in a row is shown once."""
        self.flush()
        last = self._order[-1] if self._order else None
        if last is not None and last.role == "info" and last.text() == text:
            return last
        view = self._add_view(self._new_local_id(), "info", title)
        view.markdown = True
        view.set_text(text)
        return view

    def finish_run(self, result_text: str | None, stats: RunStats | None) -> None:
        """The run ended well: make sure the answer is shown, and add the timings line."""
        self.flush()
        self._pending_user = None
        if not self._run_answers and result_text:
            view = self._add_view(self._new_local_id(), "ai", "AI")
            view.set_text(result_text)
            self._run_answers.append(view)
        for view in self._run_answers:
            view.finish()
        if stats is not None:
            if self._run_answers:
                self._run_answers[-1].set_stats(format_stats(stats))
            else:
                self.show_info(f"The flow gave no chat answer ({format_stats(stats)}).")

    def stopped(self) -> None:
        self.flush()
        self._pending_user = None
        for view in self._run_answers:
            view.finish()
        if self._run_answers:
            last = self._run_answers[-1]
            last.set_stats("stopped" + (f" · {last.stats.text()}" if last.stats.text() else ""))
        else:
            self.show_info("Stopped.")

    # --- events ---------------------------------------------------------------------------------

    def apply_event(self, event: object) -> None:
        """Show one stream event (MessageEvent, TokenEvent, EndEvent, ErrorEvent, OtherEvent)."""
        self._log_raw(event)
        if isinstance(event, TokenEvent):
            self.append_token(event.message_id, event.chunk)
        elif isinstance(event, MessageEvent):
            self.upsert_message(
                event.id,
                event.sender,
                event.sender_name,
                event.text,
                complete=event.state != "partial",
                is_error=event.is_error,
            )
        elif isinstance(event, ErrorEvent):
            self.show_error(event.message)
        elif isinstance(event, EndEvent):
            self.flush()

    def _log_raw(self, event: object) -> None:
        self._raw_pending.append(_event_json(event))
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


def _event_json(event: object) -> str:
    """One line of JSON for the raw log (the wire form when the event kept it)."""
    payload: Any
    if isinstance(event, TokenEvent):
        payload = {"event": "token", "data": {"id": event.message_id, "chunk": event.chunk}}
    elif isinstance(event, MessageEvent):
        payload = {"event": "add_message", "data": event.raw}
    elif isinstance(event, EndEvent):
        payload = {"event": "end", "data": {"result": event.result.raw}}
    elif isinstance(event, ErrorEvent):
        payload = {"event": "error", "data": event.raw}
    elif isinstance(event, OtherEvent):
        payload = {"event": event.name, "data": event.data}
    else:
        payload = {"event": type(event).__name__, "data": repr(event)}
    try:
        return json.dumps(payload, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return json.dumps({"event": type(event).__name__, "data": repr(event)})


__all__ = ["ChatPane", "MessageView", "format_stats", "short_id"]
