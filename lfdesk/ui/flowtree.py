"""The component tree: the flow, its components and their fields, with a filter.

`FlowTree` is the widget: filter box, exposed|all switch and the view, over a
`FlowTreeModel` (flowtree_model) seen through a `FlowTreeFilterProxy` (flowtree_filter).
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QFontMetrics, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QToolButton,
    QTreeView,
    QWidget,
)

from lfdesk.core.flow import FieldView, Flow
from lfdesk.core.tweaks import TweakSet
from lfdesk.ui.flowtree_filter import FlowTreeFilterProxy
from lfdesk.ui.flowtree_model import (
    ComponentIdRole,
    FieldNameRole,
    FlowTreeModel,
    NodeTypeRole,
    tree_view,
)
from lfdesk.ui.widgets import hbox, vbox

NO_EXPOSED_HINT = "No fields exposed by the flow author — showing all tweakable fields"


class FlowTree(QWidget):
    """The left pane: filter box, exposed|all switch and the component tree.

    Signals:
        componentSelected(str): the current row moved to a component (or a field of it).
        fieldSelected(str, str): the current row is a field: component id, field name.
        viewChanged(str): the shown view is now "exposed" or "all".
    """

    componentSelected = Signal(str)
    fieldSelected = Signal(str, str)
    viewChanged = Signal(str)

    FILTER_DELAY_MS = 80
    FILTER_EXPAND_ROWS = 200  # about five screens

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._preferred_view = FieldView.EXPOSED
        self._current_component: str | None = None
        # While the filter hides rows, Qt moves the current row to a neighbour and reports
        # it as a selection; the user chose nothing, so those moves are ignored.
        self._filtering = False
        self.last_load_seconds = 0.0

        self.model = FlowTreeModel(self)
        self.proxy = FlowTreeFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter components and fields (Ctrl+F)")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._schedule_filter)
        self.filter_edit.installEventFilter(self)

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(self.FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self._apply_filter)

        self.filter_action = QAction("Filter components and fields", self)
        self.filter_action.setShortcut(QKeySequence.StandardKey.Find)
        self.filter_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.filter_action.triggered.connect(self.focus_filter)
        self.addAction(self.filter_action)

        self.exposed_button = QToolButton(self)
        self.exposed_button.setText("Exposed")
        self.exposed_button.setToolTip(
            "Only the fields the flow's author made editable through the API"
        )
        self.all_button = QToolButton(self)
        self.all_button.setText("All")
        self.all_button.setToolTip(
            "Every field; the ones that cannot be tweaked are greyed, with the reason"
        )
        self._view_group = QButtonGroup(self)
        self._view_group.setExclusive(True)
        for b in (self.exposed_button, self.all_button):
            b.setCheckable(True)
            b.setAutoRaise(False)
            self._view_group.addButton(b)
        self.exposed_button.setChecked(True)
        self.exposed_button.clicked.connect(lambda: self.set_view(FieldView.EXPOSED))
        self.all_button.clicked.connect(lambda: self.set_view(FieldView.ALL))

        self.hint_label = QLabel(NO_EXPOSED_HINT, self)
        self.hint_label.setWordWrap(True)
        self.hint_label.setVisible(False)
        self.hint_label.setStyleSheet("color: palette(placeholder-text); font-size: 11px;")

        self.view = QTreeView(self)
        self.view.setModel(self.proxy)
        self.view.setUniformRowHeights(True)
        self.view.setAllColumnsShowFocus(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setHeaderHidden(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.view.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 190)
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)

        switch = QHBoxLayout()
        switch.setSpacing(0)
        switch.addWidget(self.exposed_button)
        switch.addWidget(self.all_button)
        top = hbox((self.filter_edit, 1), switch, spacing=4)

        vbox(top, self.hint_label, (self.view, 1), parent=self, spacing=4)

    # --- public ---------------------------------------------------------------------------

    def set_flow(self, flow: Flow | None, tweaks: TweakSet | None) -> None:
        """Show a flow; the view is the preferred one, or "all" when nothing is exposed."""
        started = time.perf_counter()
        self._current_component = None
        has_exposed = flow is not None and flow.has_exposed_fields
        view = self._preferred_view if has_exposed else FieldView.ALL
        self.model.set_flow(flow, tweaks, view)
        self._sync_view_controls(has_exposed)
        self._apply_filter()
        self._expand_for_filter()
        self._fit_name_column()
        self.last_load_seconds = time.perf_counter() - started

    def refresh_values(self, component_id: str | None = None) -> None:
        """The TweakSet changed: update the rows that look different (no reset)."""
        self.model.refresh_values(component_id)

    def set_view(self, mode: FieldView | str) -> None:
        """Show "exposed" (the author's API fields) or "all" fields; remembered as preferred."""
        self._preferred_view = tree_view(mode)
        has_exposed = self.model.has_exposed_fields()
        effective = (
            self._preferred_view if has_exposed or self.model.flow is None else FieldView.ALL
        )
        current = self.current_component()
        changed = effective != self.model.view
        self.model.set_view(effective)
        self._sync_view_controls(has_exposed or self.model.flow is None)
        if changed:
            self._expand_for_filter()
            if current:
                self.select_component(current, emit=False)
            self.viewChanged.emit(effective.value)

    def view_mode(self) -> FieldView:
        """The view shown now ("exposed" or "all")."""
        return self.model.view

    def preferred_view(self) -> FieldView:
        return self._preferred_view

    def select_component(self, component_id: str, *, emit: bool = True) -> bool:
        """Make a component the current row (clearing a filter that hides it)."""
        return self._select(self.model.component_index(component_id), emit)

    def select_field(self, component_id: str, field_name: str, *, emit: bool = True) -> bool:
        return self._select(self.model.field_index(component_id, field_name), emit)

    def current_component(self) -> str | None:
        return self._current_component

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def set_filter_text(self, text: str) -> None:
        """Set the filter now (no debounce), for code and tests."""
        self.filter_edit.setText(text)
        self._apply_filter()

    # --- internals ------------------------------------------------------------------------

    def _select(self, source: QModelIndex, emit: bool) -> bool:
        if not source.isValid():
            return False
        proxy_index = self.proxy.mapFromSource(source)
        if not proxy_index.isValid() and self.proxy.filter_text():
            self.filter_edit.clear()
            self._apply_filter()
            proxy_index = self.proxy.mapFromSource(source)
        if not proxy_index.isValid():
            return False
        blocker = None if emit else _SignalBlock(self)
        try:
            self.view.setCurrentIndex(proxy_index)
        finally:
            if blocker is not None:
                blocker.release()
        self.view.scrollTo(proxy_index)
        return True

    def _fit_name_column(self) -> None:
        """Name column wide enough for the names (bold, starred, indented), within reason."""
        flow = self.model.flow
        if flow is None:
            return
        font = QFont(self.view.font())
        font.setBold(True)
        fm = QFontMetrics(font)
        names = {c.display_name + "  *99" for c in flow.components}
        names.update(f.display_name + " *" for c in flow.components for f in c.fields)
        widest = max((fm.horizontalAdvance(n) for n in names), default=100)
        indent = self.view.indentation() * 2 + 16 + 28  # two levels, the icon, the gaps
        self.view.header().resizeSection(0, max(150, min(widest + indent, 300)))

    def _sync_view_controls(self, has_exposed: bool) -> None:
        view = self.model.view
        self.exposed_button.setEnabled(has_exposed)
        self.exposed_button.setToolTip(
            "Only the fields the flow's author made editable through the API"
            if has_exposed
            else "The flow's author exposed no fields (Langflow: the API toggle of a field)"
        )
        (self.exposed_button if view is FieldView.EXPOSED else self.all_button).setChecked(True)
        self.hint_label.setVisible(self.model.flow is not None and not has_exposed)

    def _schedule_filter(self, _text: str) -> None:
        self._filter_timer.start()

    def _apply_filter(self) -> None:
        self._filter_timer.stop()
        text = self.filter_edit.text()
        had = self.proxy.filter_text()
        if " ".join(text.lower().split()) == had:
            return
        # Collapsed, the view need not lay out the rows the filter adds and removes.
        self.view.setUpdatesEnabled(False)
        self._filtering = True
        try:
            self.view.collapseAll()
            self.proxy.set_filter_text(text)
            if text.strip():
                self._expand_matches()
            else:
                self._expand_default()
            current = self._current_component
            idx = (
                self.proxy.mapFromSource(self.model.component_index(current))
                if current
                else QModelIndex()
            )
            if idx.isValid():
                if self.view.currentIndex().data(ComponentIdRole) != current:
                    self.view.setCurrentIndex(idx)
                self.view.scrollTo(idx)
            else:
                self.view.selectionModel().clear()  # hidden: Down starts from the top
        finally:
            self._filtering = False
            self.view.setUpdatesEnabled(True)

    def _expand_for_filter(self) -> None:
        if self.proxy.filter_text():
            self._expand_matches()
        else:
            self._expand_default()

    def _expand_matches(self) -> None:
        """Open the matches, top down, until about FILTER_EXPAND_ROWS rows show.

        Expanding every match of a huge flow would lay out (and filter) thousands of rows
        at each keystroke; the rest stay listed, closed, and open with a click.
        """
        root = self.proxy.index(0, 0)
        if not root.isValid():
            return
        self.view.expand(root)
        budget = self.FILTER_EXPAND_ROWS
        for r in range(self.proxy.rowCount(root)):
            if budget <= 0:
                break
            index = self.proxy.index(r, 0, root)
            budget -= 1 + self.proxy.rowCount(index)
            self.view.expand(index)

    def _expand_default(self) -> None:
        """The flow row open; components open too when they are few (or the view is short)."""
        root = self.proxy.index(0, 0)
        if not root.isValid():
            return
        self.view.collapseAll()
        self.view.expand(root)
        n = self.proxy.rowCount(root)
        if self.model.view is FieldView.EXPOSED and n <= 50:
            for r in range(n):
                self.view.expand(self.proxy.index(r, 0, root))

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._filtering or not current.isValid():
            return
        node = current.data(NodeTypeRole)
        cid = current.data(ComponentIdRole)
        if node == "component" or node == "field":
            if cid != self._current_component:
                self._current_component = cid
                self.componentSelected.emit(cid)
            if node == "field":
                self.fieldSelected.emit(cid, current.data(FieldNameRole))

    def eventFilter(self, watched: QObject, event: Any) -> bool:
        from PySide6.QtCore import QEvent

        if (
            watched is self.filter_edit
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Escape
            and self.filter_edit.text()
        ):
            self.filter_edit.clear()
            self._apply_filter()
            return True
        if (
            watched is self.filter_edit
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Down
        ):
            self._apply_filter()
            self.view.setFocus()
            if not self.view.currentIndex().isValid():
                self.view.setCurrentIndex(self.proxy.index(0, 0))
            return True
        return super().eventFilter(watched, event)


class _SignalBlock:
    """Block a widget's signals for a moment (select without telling listeners)."""

    def __init__(self, widget: FlowTree) -> None:
        self._widget = widget
        self._was = widget.blockSignals(True)

    def release(self) -> None:
        self._widget.blockSignals(self._was)
