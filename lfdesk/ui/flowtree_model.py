"""The component tree's model: the flow, its components and their fields.

`FlowTreeModel` is a real QAbstractItemModel over a `Flow` and its `TweakSet`; it reads
values and states from them and holds no state of its own beyond display caches. It also
answers for the whole filter rule (`accepts`), which `FlowTreeFilterProxy` asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from lfdesk.core.flow import Component, Field, FieldKind, FieldView, Flow
from lfdesk.core.tweaks import GlobalVariable, TweakSet
from lfdesk.ui import icons, theme
from lfdesk.ui.flowtree_values import SECRET_MASK, clip, short_value
from lfdesk.ui.widgets import column_title

_ModelIndex = QModelIndex | QPersistentModelIndex

ComponentIdRole = Qt.ItemDataRole.UserRole + 1
FieldNameRole = Qt.ItemDataRole.UserRole + 2
ChangedRole = Qt.ItemDataRole.UserRole + 3  # bool for a field; number of changes for a component
ExposedRole = Qt.ItemDataRole.UserRole + 4
TweakableRole = Qt.ItemDataRole.UserRole + 5
InvalidRole = Qt.ItemDataRole.UserRole + 6  # bool for a field; number of invalid for a component
SearchTextRole = Qt.ItemDataRole.UserRole + 7
KindRole = Qt.ItemDataRole.UserRole + 8  # FieldKind value (fields only)
NodeTypeRole = Qt.ItemDataRole.UserRole + 9  # "flow", "component" or "field"

# The views the tree offers (its exposed|all switch).
VIEWS: tuple[FieldView, ...] = (FieldView.EXPOSED, FieldView.ALL)

# internalId of an index names its parent: the flow row's parent is the root, a component's
# parent is the flow, a field's parent is component i (id 2 + i). No Python object pointers,
# so nothing can dangle when the model is reset.
_ROOT_ID = 0
_FLOW_ID = 1
_FIRST_COMPONENT_ID = 2
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_LEAF_FLAGS = _FLAGS | Qt.ItemFlag.ItemNeverHasChildren


def tree_view(view: FieldView | str) -> FieldView:
    """`view` as one of the tree's VIEWS; ValueError for any other."""
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; expected one of {', '.join(VIEWS)}")
    return FieldView(view)


class FlowTreeModel(QAbstractItemModel):
    """Flow → components → fields, with values and states read from a TweakSet.

    Columns: 0 the name (icon or badge), 1 the value (the id for a component).
    Call `refresh_values` after the TweakSet changed; it emits dataChanged only for rows
    whose shown state changed, so editing never resets the model.
    """

    COLUMNS: ClassVar[tuple[str, ...]] = ("Name", "Value")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._flow: Flow | None = None
        self._tweaks: TweakSet | None = None
        self._view = FieldView.ALL
        self._fields: list[tuple[Field, ...]] = []
        self._row_of: dict[str, int] = {}
        # Display caches, filled on first use: (changed, invalid, value text) per field and
        # (changes, invalid) per component; refresh_values compares against them.
        self._field_state: dict[tuple[int, int], tuple[bool, bool, str]] = {}
        self._comp_state: dict[int, tuple[int, int]] = {}
        self._search: dict[tuple[int, int], str] = {}

    # --- content -------------------------------------------------------------------------

    @property
    def flow(self) -> Flow | None:
        return self._flow

    @property
    def tweaks(self) -> TweakSet | None:
        return self._tweaks

    @property
    def view(self) -> FieldView:
        return self._view

    def set_flow(
        self, flow: Flow | None, tweaks: TweakSet | None, view: FieldView | str | None = None
    ) -> None:
        new_view = self._view if view is None else tree_view(view)
        self.beginResetModel()
        self._flow = flow
        self._tweaks = tweaks
        self._view = new_view
        self._rebuild()
        self.endResetModel()

    def set_view(self, view: FieldView | str) -> None:
        new_view = tree_view(view)
        if new_view is self._view:
            return
        self.beginResetModel()
        self._view = new_view
        self._rebuild()
        self.endResetModel()

    def _rebuild(self) -> None:
        self._field_state.clear()
        self._comp_state.clear()
        self._search.clear()
        if self._flow is None:
            self._fields = []
            self._row_of = {}
            return
        self._fields = [c.fields_in(self._view) for c in self._flow.components]
        self._row_of = {c.id: i for i, c in enumerate(self._flow.components)}

    def has_exposed_fields(self) -> bool:
        return self._flow is not None and self._flow.has_exposed_fields

    # --- structure -----------------------------------------------------------------------

    def index(self, row: int, column: int, parent: _ModelIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column < 0 or column >= len(self.COLUMNS) or row < 0:
            return QModelIndex()
        if not parent.isValid():
            if self._flow is None or row != 0:
                return QModelIndex()
            return self.createIndex(row, column, _ROOT_ID)
        pid = parent.internalId()
        if pid == _ROOT_ID:  # parent is the flow row
            if row >= len(self._fields):
                return QModelIndex()
            return self.createIndex(row, column, _FLOW_ID)
        if pid == _FLOW_ID:  # parent is component `parent.row()`
            comp_row = parent.row()
            if comp_row >= len(self._fields) or row >= len(self._fields[comp_row]):
                return QModelIndex()
            return self.createIndex(row, column, _FIRST_COMPONENT_ID + comp_row)
        return QModelIndex()

    def parent(self, index: _ModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        iid = index.internalId()
        if iid == _ROOT_ID:
            return QModelIndex()
        if iid == _FLOW_ID:
            return self.createIndex(0, 0, _ROOT_ID)
        return self.createIndex(iid - _FIRST_COMPONENT_ID, 0, _FLOW_ID)

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008
        if self._flow is None:
            return 0
        if not parent.isValid():
            return 1
        if parent.column() != 0:
            return 0
        pid = parent.internalId()
        if pid == _ROOT_ID:
            return len(self._fields)
        if pid == _FLOW_ID:
            return len(self._fields[parent.row()])
        return 0

    def columnCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return len(self.COLUMNS)

    def hasChildren(self, parent: _ModelIndex = QModelIndex()) -> bool:  # noqa: B008
        if not parent.isValid():
            return self._flow is not None
        if parent.column() != 0:
            return False
        pid = parent.internalId()
        if pid == _ROOT_ID:
            return bool(self._fields)
        return pid == _FLOW_ID and bool(self._fields[parent.row()])

    def flags(self, index: _ModelIndex) -> Qt.ItemFlag:
        # Called for every row the view lays out: constants, and the hint that spares the
        # view asking a field row (through the proxy) whether it has children.
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _LEAF_FLAGS if index.internalId() >= _FIRST_COMPONENT_ID else _FLAGS

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        return column_title(self.COLUMNS, section, orientation, role)

    # --- lookup --------------------------------------------------------------------------

    def component_index(self, component_id: str, column: int = 0) -> QModelIndex:
        row = self._row_of.get(component_id)
        if row is None:
            return QModelIndex()
        return self.createIndex(row, column, _FLOW_ID)

    def field_index(self, component_id: str, field_name: str, column: int = 0) -> QModelIndex:
        row = self._row_of.get(component_id)
        if row is None:
            return QModelIndex()
        for j, f in enumerate(self._fields[row]):
            if f.name == field_name:
                return self.createIndex(j, column, _FIRST_COMPONENT_ID + row)
        return QModelIndex()

    def flow_index(self, column: int = 0) -> QModelIndex:
        return self.createIndex(0, column, _ROOT_ID) if self._flow is not None else QModelIndex()

    def _node(self, index: _ModelIndex) -> tuple[str, int, int]:
        """("flow"|"component"|"field", component row, field row)."""
        iid = index.internalId()
        if iid == _ROOT_ID:
            return "flow", -1, -1
        if iid == _FLOW_ID:
            return "component", index.row(), -1
        return "field", iid - _FIRST_COMPONENT_ID, index.row()

    # --- states --------------------------------------------------------------------------

    def _compute_field_state(self, i: int, j: int) -> tuple[bool, bool, str]:
        assert self._flow is not None
        comp = self._flow.components[i]
        fld = self._fields[i][j]
        tw = self._tweaks
        if tw is None or not fld.tweakable:
            return False, False, short_value(fld, fld.value)
        bad = tw.invalid(comp.id, fld.name)
        if bad is not None:
            raw = bad.raw
            if fld.kind is FieldKind.SECRET:
                text = short_value(fld, raw) if isinstance(raw, GlobalVariable) else SECRET_MASK
            elif isinstance(raw, str):
                text = clip(raw.replace("\n", " "), 48)
            else:
                text = short_value(fld, raw)
            return True, True, text
        return (
            tw.is_changed(comp.id, fld.name),
            False,
            short_value(fld, tw.value(comp.id, fld.name)),
        )

    def _state(self, i: int, j: int) -> tuple[bool, bool, str]:
        key = (i, j)
        st = self._field_state.get(key)
        if st is None:
            st = self._field_state[key] = self._compute_field_state(i, j)
        return st

    def _compute_comp_state(self, i: int) -> tuple[int, int]:
        assert self._flow is not None
        tw = self._tweaks
        if tw is None:
            return 0, 0
        comp = self._flow.components[i]
        if not tw:  # nothing changed anywhere: the common case, answer fast
            return 0, 0
        changed = 0
        invalid = 0
        for f in comp.fields:
            if not f.tweakable:
                continue
            if tw.invalid(comp.id, f.name) is not None:
                invalid += 1
                changed += 1
            elif tw.is_changed(comp.id, f.name):
                changed += 1
        return changed, invalid

    def _cstate(self, i: int) -> tuple[int, int]:
        st = self._comp_state.get(i)
        if st is None:
            st = self._comp_state[i] = self._compute_comp_state(i)
        return st

    def search_text(self, index: _ModelIndex) -> str:
        """Lower-cased text the filter matches: names, ids, field names and shown values."""
        if self._flow is None or not index.isValid():
            return ""
        kind, i, j = self._node(index)
        return self._search_text(kind, i, j)

    def _search_text(self, kind: str, i: int, j: int) -> str:
        key = (i, j)
        cached = self._search.get(key)
        if cached is not None:
            return cached
        assert self._flow is not None
        if kind == "flow":
            text = f"{self._flow.name} {self._flow.endpoint_name or ''} {self._flow.id or ''}"
        elif kind == "component":
            c = self._flow.components[i]
            text = f"{c.display_name} {c.id} {c.type}"
        else:
            c = self._flow.components[i]
            f = self._fields[i][j]
            value = self._state(i, j)[2]
            # The component's names are in too, so "openai temp" finds OpenAI's temperature.
            text = f"{c.display_name} {c.id} {f.name} {f.display_name} {f.kind.value} {value}"
        text = text.lower()
        self._search[key] = text
        return text

    def accepts(self, row: int, parent: _ModelIndex, words: Sequence[str]) -> bool:
        """Whether the filter shows a row: every word is in its search text, in a
        descendant's, or in an ancestor's (so a component's fields show with it).

        The whole rule in one call per row, so the proxy needs neither Qt's recursive scan
        (an index and two calls into Python for every field of every component) nor its
        auto-accepted children: a 500-component flow filters in milliseconds.
        """
        if self._flow is None or not words:
            return True
        flow_hit = matches_words(self._search_text("flow", -1, -1), words)
        if not parent.isValid():  # the flow row
            return flow_hit or any(
                self._component_accepts(i, words) for i in range(len(self._fields))
            )
        if flow_hit:
            return True
        if parent.internalId() == _ROOT_ID:
            return self._component_accepts(row, words)
        i = parent.row()
        return matches_words(self._search_text("component", i, -1), words) or matches_words(
            self._search_text("field", i, row), words
        )

    def _component_accepts(self, i: int, words: Sequence[str]) -> bool:
        if matches_words(self._search_text("component", i, -1), words):
            return True
        cached = self._search.get
        for j in range(len(self._fields[i])):
            text = cached((i, j))
            if text is None:
                text = self._search_text("field", i, j)
            if matches_words(text, words):
                return True
        return False

    def refresh_values(self, component_id: str | None = None) -> None:
        """Re-read values from the TweakSet; dataChanged only for rows that look different."""
        if self._flow is None:
            return
        if component_id is None:
            rows: Sequence[int] = range(len(self._fields))
        else:
            row = self._row_of.get(component_id)
            if row is None:
                return
            rows = (row,)
        last = len(self.COLUMNS) - 1
        for i in rows:
            field_changed = False
            for j in range(len(self._fields[i])):
                old = self._field_state.get((i, j))
                if old is None:
                    continue  # never shown or matched: nothing on screen to update
                new = self._compute_field_state(i, j)
                if new != old:
                    field_changed = True
                    self._field_state[(i, j)] = new
                    self._search.pop((i, j), None)
                    parent_id = _FIRST_COMPONENT_ID + i
                    self.dataChanged.emit(
                        self.createIndex(j, 0, parent_id), self.createIndex(j, last, parent_id)
                    )
            old_c = self._comp_state.get(i)
            new_c = self._compute_comp_state(i) if old_c is not None else None
            if new_c is not None and new_c != old_c:
                self._comp_state[i] = new_c
            # A field's new value may make its component match the filter, or not any more
            # (`accepts`); the component's row tells the proxy to look again.
            if field_changed or new_c != old_c:
                self.dataChanged.emit(
                    self.createIndex(i, 0, _FLOW_ID), self.createIndex(i, last, _FLOW_ID)
                )

    # --- data ----------------------------------------------------------------------------

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._flow is None:
            return None
        kind, i, j = self._node(index)
        if kind == "flow":
            return self._flow_data(index.column(), role)
        if kind == "component":
            return self._component_data(i, index.column(), role)
        return self._field_data(i, j, index.column(), role)

    def _flow_data(self, column: int, role: int) -> Any:
        flow = self._flow
        assert flow is not None
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return flow.name
            n = len(flow.components)
            return f"{n} component{'s' if n != 1 else ''}"
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return icons.flow_icon()
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [f"<b>{_html(flow.name)}</b>"]
            if flow.endpoint_name:
                lines.append(f"endpoint: {_html(flow.endpoint_name)}")
            if flow.id:
                lines.append(f"id: {_html(flow.id)}")
            if flow.description:
                lines.append(_html(flow.description))
            return "<br>".join(lines)
        if role == SearchTextRole:
            return self.search_text(self.flow_index())
        if role == NodeTypeRole:
            return "flow"
        if role == Qt.ItemDataRole.FontRole and column == 0:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _component_data(self, i: int, column: int, role: int) -> Any:
        flow = self._flow
        assert flow is not None
        comp = flow.components[i]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                changed = self._cstate(i)[0]
                return f"{comp.display_name}  *{changed}" if changed else comp.display_name
            return comp.id
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return icons.component_icon(comp.icon)
        if role == ComponentIdRole:
            return comp.id
        if role == ChangedRole:
            return self._cstate(i)[0]
        if role == InvalidRole:
            return self._cstate(i)[1]
        if role == ExposedRole:
            return any(f.exposed for f in comp.fields)
        if role == TweakableRole:
            return any(f.tweakable for f in comp.fields)
        if role == NodeTypeRole:
            return "component"
        if role == SearchTextRole:
            return self.search_text(self.createIndex(i, 0, _FLOW_ID))
        if role == Qt.ItemDataRole.ToolTipRole:
            changed, invalid = self._cstate(i)
            lines = [
                f"<b>{_html(comp.display_name)}</b>",
                f"id: <code>{_html(comp.id)}</code>",
                f"type: {_html(comp.type)}",
            ]
            if changed:
                lines.append(f"{changed} changed" + (f", {invalid} invalid" if invalid else ""))
            if comp.description:
                lines.append(_html(comp.description))
            return "<br>".join(lines)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 0 and self._cstate(i)[1]:
                return QColor(theme.INVALID_COLOR)
            if column == 1 or not self._fields[i]:
                return _secondary_color()
            return None
        if role == Qt.ItemDataRole.FontRole and column == 0 and self._cstate(i)[0]:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _field_data(self, i: int, j: int, column: int, role: int) -> Any:
        flow = self._flow
        assert flow is not None
        comp = flow.components[i]
        fld = self._fields[i][j]
        if role == Qt.ItemDataRole.DisplayRole:
            changed, _invalid, value = self._state(i, j)
            if column == 0:
                return f"{fld.display_name} *" if changed else fld.display_name
            return value
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            changed, invalid, _ = self._state(i, j)
            if invalid:
                return icons.badge_icon("invalid")
            if changed:
                return icons.badge_icon("changed")
            if not fld.tweakable:
                return icons.badge_icon("locked")
            if fld.exposed and self._view is FieldView.ALL:
                return icons.badge_icon("exposed")
            return icons.badge_icon("blank")
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._field_tooltip(comp, fld, i, j)
        if role == Qt.ItemDataRole.ForegroundRole:
            if self._state(i, j)[1]:
                return QColor(theme.INVALID_COLOR)
            if not fld.tweakable:
                return _disabled_color()
            if column == 1:
                return _secondary_color()
            return None
        if role == Qt.ItemDataRole.FontRole and column == 0 and self._state(i, j)[0]:
            font = QFont()
            font.setBold(True)
            return font
        if role == ComponentIdRole:
            return comp.id
        if role == FieldNameRole:
            return fld.name
        if role == ChangedRole:
            return self._state(i, j)[0]
        if role == InvalidRole:
            return self._state(i, j)[1]
        if role == ExposedRole:
            return fld.exposed
        if role == TweakableRole:
            return fld.tweakable
        if role == KindRole:
            return fld.kind.value
        if role == NodeTypeRole:
            return "field"
        if role == SearchTextRole:
            return self.search_text(self.createIndex(j, 0, _FIRST_COMPONENT_ID + i))
        return None

    def _field_tooltip(self, comp: Component, fld: Field, i: int, j: int) -> str:
        lines: list[str] = []
        if not fld.tweakable:
            lines.append(f"Not tweakable: {_html(fld.reason or 'not supported')}")
        lines.append(f"<b>{_html(fld.display_name)}</b> (<code>{_html(fld.name)}</code>)")
        lines.append(f"kind: {fld.kind.value}" + (", exposed by the author" if fld.exposed else ""))
        if fld.info:
            lines.append(_html(fld.info))
        if self._tweaks is not None and fld.tweakable:
            bad = self._tweaks.invalid(comp.id, fld.name)
            if bad is not None:
                lines.append(
                    f"<span style='color:{theme.INVALID_COLOR.name()}'>{_html(bad.message)}</span>"
                )
        return "<br>".join(lines)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _disabled_color() -> QColor:
    return QApplication.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)


def _secondary_color() -> QColor:
    pal = QApplication.palette()
    if hasattr(QPalette.ColorRole, "PlaceholderText"):
        return pal.color(QPalette.ColorRole.PlaceholderText)
    return pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)


def matches_words(text: str, words: Sequence[str]) -> bool:
    # Not all(generator), several times slower: this runs for every row at every keystroke.
    for w in words:  # noqa: SIM110
        if w not in text:
            return False
    return True
