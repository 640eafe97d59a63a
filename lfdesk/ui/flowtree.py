"""The component tree: the flow, its components and their fields, with a filter.

`FlowTreeModel` is a real QAbstractItemModel over a `Flow` and its `TweakSet`; it reads
values and states from them and holds no state of its own beyond display caches.
`FlowTree` is the widget: filter box, exposed|all switch and the view.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any, ClassVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QFont, QFontMetrics, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from lfdesk.core.flow import Component, Field, FieldKind, Flow
from lfdesk.core.tweaks import GlobalVariable, TweakSet
from lfdesk.ui import icons

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

VIEWS = ("exposed", "all")
NO_EXPOSED_HINT = "No fields exposed by the flow author — showing all tweakable fields"
SECRET_MASK = "••••••"

# internalId of an index names its parent: the flow row's parent is the root, a component's
# parent is the flow, a field's parent is component i (id 2 + i). No Python object pointers,
# so nothing can dangle when the model is reset.
_ROOT_ID = 0
_FLOW_ID = 1
_FIRST_COMPONENT_ID = 2
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_LEAF_FLAGS = _FLAGS | Qt.ItemFlag.ItemNeverHasChildren


def fields_in_view(component: Component, view: str) -> tuple[Field, ...]:
    """The fields of a component shown in a view.

    "exposed": the author's `api_editable` fields. "all": every field a user can see in
    Langflow (hidden and internal fields are left out; they are never on the canvas).
    """
    if view == "exposed":
        return tuple(f for f in component.fields if f.exposed)
    return tuple(f for f in component.fields if f.show and not f.name.startswith("_"))


def short_value(fld: Field, value: Any, limit: int = 48) -> str:
    """A one-line summary of a field value for the tree. Secret literals are masked."""
    if fld.kind is FieldKind.SECRET or fld.password:
        if isinstance(value, GlobalVariable):
            return f"variable {value.name}"
        if fld.load_from_db and isinstance(value, str) and value:
            # The flow's own value of a load_from_db secret is a variable name, not a secret.
            return f"variable {value}"
        return SECRET_MASK if value else ""
    if fld.kind is FieldKind.CODE:
        return "(code)"
    if fld.connected_from:
        return f"← {fld.connected_from}"
    if fld.kind in (FieldKind.HANDLE, FieldKind.TOOLS):
        return "(connection)"
    if isinstance(value, GlobalVariable):
        return f"variable {value.name}"
    if fld.kind is FieldKind.MODEL and isinstance(value, list) and value:
        first = value[0]
        if isinstance(first, dict) and isinstance(first.get("name"), str):
            return _clip(first["name"], limit)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, str):
        text = value.strip()
        first, _, rest = text.partition("\n")
        return _clip(first + (" …" if rest else ""), limit)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (dict, list)):
        try:
            text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
        except (TypeError, ValueError):
            text = str(value)
        return _clip(text, limit)
    return _clip(str(value), limit)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
        self._view = "all"
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
    def view(self) -> str:
        return self._view

    def set_flow(self, flow: Flow | None, tweaks: TweakSet | None, view: str | None = None) -> None:
        if view is not None and view not in VIEWS:
            raise ValueError(f"unknown view {view!r}; expected one of {', '.join(VIEWS)}")
        self.beginResetModel()
        self._flow = flow
        self._tweaks = tweaks
        if view is not None:
            self._view = view
        self._rebuild()
        self.endResetModel()

    def set_view(self, view: str) -> None:
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}; expected one of {', '.join(VIEWS)}")
        if view == self._view:
            return
        self.beginResetModel()
        self._view = view
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
        self._fields = [fields_in_view(c, self._view) for c in self._flow.components]
        self._row_of = {c.id: i for i, c in enumerate(self._flow.components)}

    def has_exposed_fields(self) -> bool:
        return self._flow is not None and any(
            f.exposed for c in self._flow.components for f in c.fields
        )

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
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.COLUMNS)
        ):
            return self.COLUMNS[section]
        return None

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
                text = _clip(raw.replace("\n", " "), 48)
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
        flow_hit = _hit(self._search_text("flow", -1, -1), words)
        if not parent.isValid():  # the flow row
            return flow_hit or any(
                self._component_accepts(i, words) for i in range(len(self._fields))
            )
        if flow_hit:
            return True
        if parent.internalId() == _ROOT_ID:
            return self._component_accepts(row, words)
        i = parent.row()
        return _hit(self._search_text("component", i, -1), words) or _hit(
            self._search_text("field", i, row), words
        )

    def _component_accepts(self, i: int, words: Sequence[str]) -> bool:
        if _hit(self._search_text("component", i, -1), words):
            return True
        cached = self._search.get
        for j in range(len(self._fields[i])):
            text = cached((i, j))
            if text is None:
                text = self._search_text("field", i, j)
            if _hit(text, words):
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
                return QColor(icons.INVALID_COLOR)
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
            if fld.exposed and self._view == "all":
                return icons.badge_icon("exposed")
            return icons.badge_icon("blank")
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._field_tooltip(comp, fld, i, j)
        if role == Qt.ItemDataRole.ForegroundRole:
            if self._state(i, j)[1]:
                return QColor(icons.INVALID_COLOR)
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
                    f"<span style='color:{icons.INVALID_COLOR.name()}'>{_html(bad.message)}</span>"
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
        return _hit(text, self._words)


def _hit(text: str, words: Sequence[str]) -> bool:
    # Not all(generator), several times slower: this runs for every row at every keystroke.
    for w in words:  # noqa: SIM110
        if w not in text:
            return False
    return True


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
        self._preferred_view = "exposed"
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
        self.exposed_button.clicked.connect(lambda: self.set_view("exposed"))
        self.all_button.clicked.connect(lambda: self.set_view("all"))

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

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(4)
        top.addWidget(self.filter_edit, 1)
        switch = QHBoxLayout()
        switch.setSpacing(0)
        switch.addWidget(self.exposed_button)
        switch.addWidget(self.all_button)
        top.addLayout(switch)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.view, 1)

    # --- public ---------------------------------------------------------------------------

    def set_flow(self, flow: Flow | None, tweaks: TweakSet | None) -> None:
        """Show a flow; the view is the preferred one, or "all" when nothing is exposed."""
        started = time.perf_counter()
        self._current_component = None
        has_exposed = flow is not None and any(f.exposed for c in flow.components for f in c.fields)
        view = self._preferred_view if has_exposed else "all"
        self.model.set_flow(flow, tweaks, view)
        self._sync_view_controls(has_exposed)
        self._apply_filter()
        self._expand_for_filter()
        self._fit_name_column()
        self.last_load_seconds = time.perf_counter() - started

    def refresh_values(self, component_id: str | None = None) -> None:
        """The TweakSet changed: update the rows that look different (no reset)."""
        self.model.refresh_values(component_id)

    def set_view(self, mode: str) -> None:
        """Show "exposed" (the author's API fields) or "all" fields; remembered as preferred."""
        if mode not in VIEWS:
            raise ValueError(f"unknown view {mode!r}; expected one of {', '.join(VIEWS)}")
        self._preferred_view = mode
        has_exposed = self.model.has_exposed_fields()
        effective = mode if has_exposed or self.model.flow is None else "all"
        current = self.current_component()
        changed = effective != self.model.view
        self.model.set_view(effective)
        self._sync_view_controls(has_exposed or self.model.flow is None)
        if changed:
            self._expand_for_filter()
            if current:
                self.select_component(current, emit=False)
            self.viewChanged.emit(effective)

    def view_mode(self) -> str:
        """The view shown now ("exposed" or "all")."""
        return self.model.view

    def preferred_view(self) -> str:
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
        (self.exposed_button if view == "exposed" else self.all_button).setChecked(True)
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
        if self.model.view == "exposed" and n <= 50:
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
