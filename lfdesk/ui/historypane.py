"""The History pane: past runs (newest first) with a search box, one run's details, and the
buttons that act on it. It only shows entries and asks: the history presenter does the work.

Signals: ``searchChanged(str)`` (after a short pause in typing),
``restoreRequested(HistoryEntry)``, ``copyCurlRequested(HistoryEntry)``,
``deleteRequested(int)`` (an entry id),
``clearRequested()`` (after the inline confirmation).
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any, ClassVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from lfdesk.core.history import HistoryEntry
from lfdesk.ui.editors import monospace_font
from lfdesk.ui.icons import status_icon
from lfdesk.ui.widgets import column_title, flat_view, hbox, vbox

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
SEARCH_DELAY_MS = 200
EXCERPT = 80
STATUS_WORDS = {"ok": "finished", "error": "failed", "stopped": "stopped"}
EMPTY_DETAILS = "Select a run to see what was sent and what came back."

AnyIndex = QModelIndex | QPersistentModelIndex


def when_text(entry: HistoryEntry, now: datetime | None = None) -> str:
    """``14:03:12`` for a run today, ``3 Mar 14:03`` before, with the year when not this one."""
    when = entry.when
    now = now or datetime.now()
    if when.date() == now.date():
        return when.strftime("%H:%M:%S")
    if when.year == now.year:
        return f"{when.day} {when.strftime('%b %H:%M')}"
    return f"{when.day} {when.strftime('%b %Y')}"


def timing_text(entry: HistoryEntry) -> str:
    """``0.25 / 0.94 s`` (first token / total), or ``0.94 s`` when no token was timed."""
    if entry.total is None:
        return ""
    if entry.ttft is not None:
        return f"{entry.ttft:.2f} / {entry.total:.2f} s"
    return f"{entry.total:.2f} s"


def excerpt(text: str | None, limit: int = EXCERPT) -> str:
    one = " ".join((text or "").split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


class HistoryModel(QAbstractTableModel):
    """The runs shown, newest first: one row each, ``ENTRY_ROLE`` gives the HistoryEntry."""

    COLUMNS: ClassVar[tuple[str, ...]] = ("When", "Flow", "Input", "Time")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._entries: list[HistoryEntry] = []

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        return column_title(self.COLUMNS, section, orientation, role)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return when_text(entry)
            if col == 1:
                return entry.flow_name or entry.flow_ref
            if col == 2:
                return excerpt(entry.input_value)
            if col == 3:
                return timing_text(entry)
        elif role == Qt.ItemDataRole.DecorationRole and col == 0:
            return status_icon(entry.status)
        elif role == Qt.ItemDataRole.ToolTipRole:
            if col == 0:
                return f"{entry.when:%Y-%m-%d %H:%M:%S} · {STATUS_WORDS[entry.status]}"
            if col == 2:
                return excerpt(entry.input_value, 600)
            if col == 3:
                return "first token / total" if entry.ttft is not None else "total"
            return entry.flow_name
        elif role == Qt.ItemDataRole.TextAlignmentRole and col == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        elif role == ENTRY_ROLE:
            return entry
        return None

    # --- changes ---------------------------------------------------------------------------

    def set_entries(self, entries: list[HistoryEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def prepend(self, entry: HistoryEntry, limit: int | None = None) -> None:
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._entries.insert(0, entry)
        self.endInsertRows()
        if limit is not None and len(self._entries) > limit:
            self.beginRemoveRows(QModelIndex(), limit, len(self._entries) - 1)
            del self._entries[limit:]
            self.endRemoveRows()

    def remove(self, entry_id: int) -> bool:
        row = self.row_of(entry_id)
        if row < 0:
            return False
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._entries[row]
        self.endRemoveRows()
        return True

    def row_of(self, entry_id: int) -> int:
        return next((i for i, e in enumerate(self._entries) if e.id == entry_id), -1)

    def entry(self, row: int) -> HistoryEntry | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def entries(self) -> list[HistoryEntry]:
        return list(self._entries)


class HistoryPane(QWidget):
    """Search box, the run list, the selected run's details and its buttons."""

    searchChanged = Signal(str)
    restoreRequested = Signal(HistoryEntry)
    copyCurlRequested = Signal(HistoryEntry)
    deleteRequested = Signal(int)
    clearRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.limit = 200

        self.search = QLineEdit()
        self.search.setObjectName("historySearch")
        self.search.setPlaceholderText("Search inputs, answers and flow names…")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(lambda: self.searchChanged.emit(self.search_text()))
        self.search.textChanged.connect(lambda _t: self._search_timer.start())

        self.model = HistoryModel(self)
        self.view = flat_view(self.model)
        self.view.setObjectName("historyList")
        self.view.setUniformRowHeights(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(1, 150)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.view.doubleClicked.connect(lambda _i: self._restore())

        self.empty_label = QLabel()
        self.empty_label.setObjectName("historyEmpty")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setEnabled(False)

        # details
        self.summary = QLabel(EMPTY_DETAILS)
        self.summary.setObjectName("historySummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setMinimumHeight(self.summary.fontMetrics().lineSpacing() * 2 + 4)
        self.answer_view = self._text_view("historyAnswer", mono=False)
        self.request_view = self._text_view("historyRequest", mono=True)
        self.error_view = self._text_view("historyError", mono=False)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.answer_view, "Answer")
        self.tabs.addTab(self.request_view, "Request")
        self.tabs.addTab(self.error_view, "Error")

        self.restore_button = QPushButton("Restore")
        self.restore_button.setToolTip(
            "Put this run's message and tweaks back into the current flow (double-click a run)"
        )
        self.restore_button.clicked.connect(self._restore)
        self.curl_button = QPushButton("Copy as cURL")
        self.curl_button.setToolTip(
            "Copy this run as a curl command (the token is read from $LANGFLOW_API_KEY)"
        )
        self.curl_button.clicked.connect(self._copy_curl)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Remove this run from the history")
        self.delete_button.clicked.connect(self._delete)
        self.clear_button = QPushButton("Clear all…")
        self.clear_button.setToolTip("Remove every run from the history")
        self.clear_button.clicked.connect(self._ask_clear)
        buttons = hbox(self.restore_button, self.curl_button, self.delete_button)
        buttons.addStretch(1)

        # the inline "really clear?" strip
        self.confirm = QFrame()
        self.confirm.setObjectName("historyConfirm")
        self.confirm.setFrameShape(QFrame.Shape.StyledPanel)
        self.confirm_label = QLabel()
        self.confirm_label.setWordWrap(True)
        self.confirm_yes = QPushButton("Delete all")
        self.confirm_yes.clicked.connect(self._confirm_clear)
        self.confirm_no = QPushButton("Cancel")
        self.confirm_no.clicked.connect(self.confirm.hide)
        row = QHBoxLayout(self.confirm)
        row.setContentsMargins(6, 4, 6, 4)
        row.addWidget(self.confirm_label, 1)
        row.addWidget(self.confirm_yes)
        row.addWidget(self.confirm_no)
        self.confirm.hide()

        # the list on the left (search above, Clear all below), the run on the right
        left = QWidget()
        vbox(
            hbox((self.search, 1), self.clear_button),
            self.confirm,
            (self.view, 1),
            (self.empty_label, 1),
            parent=left,
            spacing=4,
        )
        right = QWidget()
        vbox(self.summary, (self.tabs, 1), buttons, parent=right, spacing=4)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("historySplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 6)
        self.splitter.setSizes([560, 680])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.splitter, 1)

        self.model.modelReset.connect(self._update_empty)
        self.model.rowsInserted.connect(self._update_empty)
        self.model.rowsRemoved.connect(self._update_empty)
        self._update_empty()
        self.show_entry(None)

    @staticmethod
    def _text_view(name: str, *, mono: bool) -> QPlainTextEdit:
        view = QPlainTextEdit()
        view.setObjectName(name)
        view.setReadOnly(True)
        if mono:
            view.setFont(monospace_font())
            view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        return view

    # --- contents ---------------------------------------------------------------------------

    def search_text(self) -> str:
        return self.search.text().strip()

    def set_entries(self, entries: list[HistoryEntry]) -> None:
        """Show these runs; the selected one stays selected when it is among them."""
        keep = self.current_entry()
        self.model.set_entries(entries)
        if keep is not None and self.select_entry(keep.id):
            return
        self.show_entry(None)

    def add_entry(self, entry: HistoryEntry) -> None:
        """A new run, at the top."""
        self.model.prepend(entry, self.limit)

    def remove_entry(self, entry_id: int) -> None:
        was = self.current_entry()
        self.model.remove(entry_id)
        if was is not None and was.id == entry_id:
            self.show_entry(self.current_entry())

    def entries(self) -> list[HistoryEntry]:
        return self.model.entries()

    def select_entry(self, entry_id: int) -> bool:
        row = self.model.row_of(entry_id)
        if row < 0:
            return False
        self.view.setCurrentIndex(self.model.index(row, 0))
        return True

    def current_entry(self) -> HistoryEntry | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.entry(rows[0].row()) if rows else None

    def _update_empty(self) -> None:
        empty = self.model.rowCount() == 0
        if self.search_text():
            self.empty_label.setText(f"No run matches “{html.escape(self.search_text())}”.")
        else:
            self.empty_label.setText(
                "No runs yet.\nEvery run you make (finished, failed or stopped) is kept here."
            )
        self.view.setVisible(not empty)
        self.empty_label.setVisible(empty)
        self.clear_button.setEnabled(not empty or bool(self.search_text()))

    def _selection_changed(self, _new: QItemSelection, _old: QItemSelection) -> None:
        self.show_entry(self.current_entry())

    def show_entry(self, entry: HistoryEntry | None) -> None:
        """Fill the details with ``entry`` (or the hint when None)."""
        for b in (self.restore_button, self.curl_button, self.delete_button):
            b.setEnabled(entry is not None)
        if entry is None:
            self.summary.setText(EMPTY_DETAILS)
            for view in (self.answer_view, self.request_view, self.error_view):
                view.clear()
            self.tabs.setTabEnabled(2, False)
            return
        self.summary.setText(self._summary_html(entry))
        self.answer_view.setPlainText(entry.answer or "(no answer)")
        try:
            url = entry.to_request().url
        except ValueError:
            url = entry.base_url
        self.request_view.setPlainText(f"POST {url}\n\n{entry.body_pretty()}")
        self.error_view.setPlainText(entry.error)
        self.tabs.setTabEnabled(2, bool(entry.error))
        if entry.error and not entry.answer:
            self.tabs.setCurrentIndex(2)
        elif self.tabs.currentIndex() == 2:
            self.tabs.setCurrentIndex(0)

    @staticmethod
    def _summary_html(entry: HistoryEntry) -> str:
        esc = html.escape
        status = STATUS_WORDS[entry.status]
        color = {"ok": "#2e9a5e", "error": "#d93a3a", "stopped": "#8a8f98"}[entry.status]
        where = esc(entry.profile or "no connection") + f" · {esc(entry.base_url)}"
        mode = f"{entry.api}, {'streamed' if entry.stream else 'not streamed'}"
        times: list[str] = []
        if entry.ttft is not None:
            times.append(f"first token {entry.ttft:.2f} s")
        if entry.total is not None:
            times.append(f"total {entry.total:.2f} s")
        if entry.tokens_in is not None or entry.tokens_out is not None:
            inp = "?" if entry.tokens_in is None else str(entry.tokens_in)
            out = "?" if entry.tokens_out is None else str(entry.tokens_out)
            times.append(f"{inp} in / {out} out tokens")
        first = (
            f"<b>{esc(entry.flow_name or entry.flow_ref)}</b> · "
            f"<span style='color:{color}'><b>{status}</b></span> · "
            f"{entry.when:%Y-%m-%d %H:%M:%S} · {where}"
        )
        second = [esc(mode), *times]
        if entry.session_id:
            second.append(f"session {esc(entry.session_id[:8])}…")
        return first + "<br>" + " · ".join(second)

    # --- buttons ----------------------------------------------------------------------------

    def _restore(self) -> None:
        entry = self.current_entry()
        if entry is not None:
            self.restoreRequested.emit(entry)

    def _copy_curl(self) -> None:
        entry = self.current_entry()
        if entry is not None:
            self.copyCurlRequested.emit(entry)

    def _delete(self) -> None:
        entry = self.current_entry()
        if entry is not None:
            self.deleteRequested.emit(entry.id)

    def _ask_clear(self) -> None:
        self.confirm_label.setText("Delete every run in the history? This cannot be undone.")
        self.confirm.show()
        self.confirm_no.setFocus()

    def _confirm_clear(self) -> None:
        self.confirm.hide()
        self.clearRequested.emit()
