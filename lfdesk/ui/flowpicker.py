"""The "Open from server" dialog: a profile's flows, filtered as you type.

Open it with ``open()``; it asks the ConnectionController for the list and shows either the
flows or the exact failure. Signal: ``flowChosen(str)`` (the chosen flow's id).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from lfdesk.core.api import FlowSummary
from lfdesk.core.profiles import Profile
from lfdesk.ui.connection import ConnectionController
from lfdesk.ui.widgets import flat_view

COLUMNS = ("Name", "Endpoint", "Updated", "Description")
ID_ROLE = Qt.ItemDataRole.UserRole + 1


class FlowPickerDialog(QDialog):
    """Lists the flows a profile's token can see; double-click or Open picks one."""

    flowChosen = Signal(str)

    def __init__(
        self,
        profile: Profile,
        controller: ConnectionController,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("flowPicker")
        self.setWindowTitle(f"Open from server: {profile.name}")
        self.profile = profile
        self.controller = controller

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search flows by name, endpoint or description…")
        self.search.setClearButtonEnabled(True)
        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(COLUMNS))
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.view = flat_view(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        for column in range(len(COLUMNS) - 1):
            self.view.header().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.view.header().setStretchLastSection(True)
        self.view.doubleClicked.connect(self._activated)
        self.status = QLabel(f"Loading flows from {profile.base_url} …")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._accept_current)
        self.buttons.rejected.connect(self.reject)
        self.open_button = self.buttons.button(QDialogButtonBox.StandardButton.Open)
        self.open_button.setEnabled(False)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)

        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.resize(680, 420)

        controller.flowsListed.connect(self.set_flows)
        controller.flowsListFailed.connect(self._failed)

    def load(self) -> None:
        """Ask the server for the list (again)."""
        self.status.setText(f"Loading flows from {self.profile.base_url} …")
        self.controller.list_flows(self.profile)

    def open(self) -> None:
        super().open()
        self.load()
        self.search.setFocus()

    def set_flows(self, flows: list[FlowSummary]) -> None:
        """Fill the list from FlowSummary values."""
        self.model.removeRows(0, self.model.rowCount())
        for f in flows:
            updated = str(f.updated_at or "")[:16].replace("T", " ")
            row = [
                QStandardItem(f.name),
                QStandardItem(f.endpoint_name or ""),
                QStandardItem(updated),
                QStandardItem(" ".join((f.description or "").split())),
            ]
            for item in row:
                item.setData(f.id, ID_ROLE)
                item.setToolTip(f"{f.name}\nid: {f.id}")
            self.model.appendRow(row)
        count = self.model.rowCount()
        self.status.setText(
            f"{count} flow{'s' if count != 1 else ''} on {self.profile.base_url}."
            if count
            else f"No flows on {self.profile.base_url} for this token."
        )
        if count:
            self.view.setCurrentIndex(self.proxy.index(0, 0))

    def _failed(self, message: str) -> None:
        self.status.setText(f"Could not list the flows: {message}")

    def _selection_changed(self, *_args: object) -> None:
        self.open_button.setEnabled(self.view.selectionModel().hasSelection())

    def selected_id(self) -> str | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        value = index.data(ID_ROLE)
        return str(value) if value else None

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self._accept_current()

    def _accept_current(self) -> None:
        flow_id = self.selected_id()
        if flow_id:
            self.flowChosen.emit(flow_id)
            self.accept()
