"""The component tree's filter: rows whose text holds every word typed."""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from lfdesk.ui.flowtree_model import FlowTreeModel, SearchTextRole, matches_words

_ModelIndex = QModelIndex | QPersistentModelIndex


class FlowTreeFilterProxy(QSortFilterProxyModel):
    """Filters the tree by words: a row shows when every word is in its search text, or a
    descendant's (recursive), or an ancestor's (child rows of a match are kept).

    Over a `FlowTreeModel` the model answers for the whole rule (`FlowTreeModel.accepts`);
    over another model, Qt's recursive filtering does it from `SearchTextRole`.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self.setAutoAcceptChildRows(True)
        self.setFilterRole(SearchTextRole)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._words: tuple[str, ...] = ()
        self._tree_model: FlowTreeModel | None = None

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        tree = model if isinstance(model, FlowTreeModel) else None
        self._tree_model = tree
        self.setRecursiveFilteringEnabled(tree is None)
        self.setAutoAcceptChildRows(tree is None)
        super().setSourceModel(model)

    def hasChildren(self, parent: _ModelIndex = QModelIndex()) -> bool:  # noqa: B008
        # Qt would build the row's child mapping to know (filtering every field of every
        # component the view lays out). `FlowTreeModel.accepts` shows a row only with at
        # least one of its children, or with all of them, so the source model knows.
        if self._tree_model is None or not parent.isValid():
            return super().hasChildren(parent)
        return self._tree_model.hasChildren(self.mapToSource(parent))

    def filter_text(self) -> str:
        return " ".join(self._words)

    def set_filter_text(self, text: str) -> None:
        words = tuple(text.lower().split())
        if words == self._words:
            return
        if self._tree_model is not None:
            # Start over: a filter change re-filters every child mapping Qt ever built (each
            # component once opened), while after a reset only what is shown gets filtered.
            self._words = words
            self.invalidate()
        elif hasattr(self, "beginFilterChange"):  # Qt >= 6.10
            self.beginFilterChange()
            self._words = words
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._words = words
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: _ModelIndex) -> bool:
        if not self._words:
            return True
        if self._tree_model is not None:
            return self._tree_model.accepts(source_row, source_parent, self._words)
        src = self.sourceModel()
        if src is None:
            return True
        idx = src.index(source_row, 0, source_parent)
        text = str(src.data(idx, SearchTextRole) or "").lower()
        return matches_words(text, self._words)
