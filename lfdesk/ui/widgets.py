"""Small building blocks the panes and dialogs share: boxes without margins, a flat list of
rows in columns, and the header of a model with fixed column titles."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QHBoxLayout,
    QLayout,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

__all__ = ["BoxItem", "column_title", "flat_view", "hbox", "vbox"]

# A widget or a layout, alone or with its stretch factor: ``(view, 1)``.
BoxItem = QWidget | QLayout | tuple[QWidget | QLayout, int]


def vbox(
    *items: BoxItem, parent: QWidget | None = None, spacing: int | None = None
) -> QVBoxLayout:
    """A vertical box without margins holding ``items`` (set on ``parent`` when given);
    ``spacing`` None keeps the style's."""
    box = QVBoxLayout() if parent is None else QVBoxLayout(parent)
    return _fill(box, items, spacing)


def hbox(*items: BoxItem, spacing: int | None = None) -> QHBoxLayout:
    """A horizontal box without margins holding ``items``; ``spacing`` None keeps the style's."""
    return _fill(QHBoxLayout(), items, spacing)


Box = TypeVar("Box", bound=QBoxLayout)


def _fill(box: Box, items: Sequence[BoxItem], spacing: int | None) -> Box:
    box.setContentsMargins(0, 0, 0, 0)
    if spacing is not None:
        box.setSpacing(spacing)
    for item in items:
        part, stretch = item if isinstance(item, tuple) else (item, 0)
        if isinstance(part, QLayout):
            box.addLayout(part, stretch)
        else:
            box.addWidget(part, stretch)
    return box


def flat_view(model: QAbstractItemModel) -> QTreeView:
    """A read-only list of rows in columns over ``model``: no tree lines, alternate rows
    shaded, a click selects the whole row."""
    view = QTreeView()
    view.setModel(model)
    view.setRootIsDecorated(False)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return view


def column_title(
    titles: Sequence[str], section: int, orientation: Qt.Orientation, role: int
) -> str | None:
    """``headerData`` of a model whose columns have fixed titles."""
    if (
        orientation == Qt.Orientation.Horizontal
        and role == Qt.ItemDataRole.DisplayRole
        and 0 <= section < len(titles)
    ):
        return titles[section]
    return None

