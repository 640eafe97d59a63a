"""The "Manage presets" dialog: rename (edit in place) or delete the presets of one flow, or
open their folder. Open it with ``open()``.

Signals: ``presetRenamed(str, str)`` (old and new name), ``presetDeleted(str)``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lfdesk.core.presets import PresetLibrary
from lfdesk.core.tweaks import PresetError

NAME_ROLE = Qt.ItemDataRole.UserRole + 1


class PresetManagerDialog(QDialog):
    """The presets saved for one flow, renamed by editing an item (F2 or Rename)."""

    presetRenamed = Signal(str, str)
    presetDeleted = Signal(str)

    def __init__(
        self,
        library: PresetLibrary,
        flow_name: str,
        parent: QWidget | None = None,
        *,
        current: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("presetManager")
        self.setWindowTitle(f"Presets of {flow_name}")
        self.library = library
        self.list = QListWidget()
        self.list.setObjectName("presetList")
        self.list.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
        )
        self.list.itemChanged.connect(self._item_changed)
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.rename_button = QPushButton("Rename")
        self.rename_button.clicked.connect(self._rename_current)
        self.delete_button = QPushButton("Delete")
        self.delete_button.clicked.connect(self.delete_current)
        self.folder_button = QPushButton("Open folder")
        self.folder_button.setToolTip(str(library.folder))
        self.folder_button.clicked.connect(self.open_folder)
        side = QVBoxLayout()
        side.addWidget(self.rename_button)
        side.addWidget(self.delete_button)
        side.addStretch(1)
        side.addWidget(self.folder_button)
        middle = QHBoxLayout()
        middle.addWidget(self.list, 1)
        middle.addLayout(side)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(middle, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(460, 320)
        self.reload(select=current)
        if self.list.count():
            self.status.setText("Double-click a name (or press F2) to rename it.")

    def reload(self, select: str | None = None) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for name in self.library.names():
            item = QListWidgetItem(name)
            item.setData(NAME_ROLE, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            self.list.addItem(item)
            if name == select:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        self.list.blockSignals(False)
        if self.list.count() == 0:
            self.status.setText(
                "No presets saved for this flow yet: use “Save current as…” in the toolbar."
            )
        self._update_buttons()

    def names(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def _update_buttons(self) -> None:
        has = self.list.currentItem() is not None
        self.rename_button.setEnabled(has)
        self.delete_button.setEnabled(has)

    def _rename_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.list.editItem(item)

    def rename(self, old: str, new: str) -> bool:
        try:
            name = self.library.rename(old, new)
        except PresetError as exc:
            self.status.setText(str(exc))
            self.reload(select=old)
            return False
        self.status.setText(f"Renamed “{old}” to “{name}”.")
        self.reload(select=name)
        self.presetRenamed.emit(old, name)
        return True

    def _item_changed(self, item: QListWidgetItem) -> None:
        old, new = item.data(NAME_ROLE), item.text()
        if isinstance(old, str) and new != old:
            # Not now: the view is still committing the edit to this item, which the reload
            # deletes.
            QTimer.singleShot(0, self, lambda: self.rename(old, new))

    def delete_current(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        name = item.data(NAME_ROLE)
        try:
            self.library.delete(name)
        except PresetError as exc:
            self.status.setText(str(exc))
            return
        self.status.setText(f"Deleted “{name}”.")
        self.reload()
        self.presetDeleted.emit(name)

    def open_folder(self) -> None:
        self.library.folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.library.folder)))
