"""The presets presenter: named tweak presets per flow in the toolbar's picker, the preset
manager, and preset files (File > Save / Load tweaks preset).

The picker shows the preset last applied or saved, marked "(edited)" once the tweaks no
longer match it. Secrets never go into a preset; applying one keeps the secrets typed in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit

from lfdesk.core.document import Document
from lfdesk.core.presets import PresetLibrary, check_name
from lfdesk.core.tweaks import PresetError, TweakError, load_preset, save_preset
from lfdesk.ui.documents import DocumentPresenter
from lfdesk.ui.parts import Parts, Presenter
from lfdesk.ui.presetmanager import PresetManagerDialog

PRESET_DEFAULTS = ""  # the picker's "(flow defaults)"
PRESET_SAVE = "\x00save"  # item data of "Save current as…" (never a preset file name)
PRESET_MANAGE = "\x00manage"
DEFAULTS_LABEL = "(flow defaults)"

LibraryFor = Callable[[str | None, str], PresetLibrary]  # (flow id, flow name) -> its presets


class PresetPresenter(Presenter):
    """The preset picker and the preset files of the open document.

    Signals: ``tweaksReplaced()`` (a preset replaced the document's tweaks: tree, form and
    preview show them again).
    """

    tweaksReplaced = Signal()

    def __init__(
        self,
        parts: Parts,
        documents: DocumentPresenter,
        library_for: LibraryFor = PresetLibrary.for_flow,
    ) -> None:
        super().__init__(parts)
        self.documents = documents
        self.combo = combo = parts.window.preset_combo
        self._library_for = library_for
        self.name_dialog: QInputDialog | None = None
        self.manager: PresetManagerDialog | None = None
        self._shown = PRESET_DEFAULTS  # the preset last applied or saved
        self._applied: dict[str, Any] = {}  # the tweaks right after that
        combo.activated.connect(self._activated)
        documents.documentChanged.connect(lambda _d: self.reload_presets())
        documents.flowReloaded.connect(lambda: self.reload_presets(keep=True))

    @property
    def document(self) -> Document | None:
        return self.documents.document

    def library(self) -> PresetLibrary | None:
        """Where the current flow's named presets are kept."""
        d = self.document
        return None if d is None else self._library_for(d.flow_id, d.flow.name)

    # --- the picker ---------------------------------------------------------------------------

    def reload_presets(self, select: str | None = None, *, keep: bool = False) -> None:
        """Fill the picker for the current flow and show ``select`` (a preset name), or the
        preset shown before when ``keep``. Otherwise (a new flow) the flow defaults."""
        lib = self.library()
        if select is None and keep:
            select = self._shown
        if select is None:
            select = PRESET_DEFAULTS
            self._applied = self.document.tweaks.to_json() if self.document else {}
        names = lib.names() if lib is not None else []
        combo = self.combo
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(DEFAULTS_LABEL, PRESET_DEFAULTS)
        combo.setItemData(0, "The flow's own values: no tweaks", Qt.ItemDataRole.ToolTipRole)
        for name in names:
            combo.addItem(name, name)
        combo.insertSeparator(combo.count())
        combo.addItem("Save current as…", PRESET_SAVE)
        combo.addItem("Manage…", PRESET_MANAGE)
        index = max(combo.findData(select), 0)  # a preset gone: the defaults, marked edited
        combo.setCurrentIndex(index)
        self._shown = combo.itemData(index)
        combo.setEnabled(lib is not None)
        combo.blockSignals(False)
        self.mark_edited()

    def current_preset(self) -> str | None:
        """The preset picked in the toolbar (None for the flow defaults)."""
        data = self.combo.currentData()
        return data if isinstance(data, str) and data and not data.startswith("\x00") else None

    def _activated(self, index: int) -> None:
        data = self.combo.itemData(index)
        if data == PRESET_SAVE:
            self._back_to_shown()
            self.ask_name()
        elif data == PRESET_MANAGE:
            self._back_to_shown()
            self.open_manager()
        elif isinstance(data, str):
            self.apply_preset(data or None)

    def _back_to_shown(self) -> None:
        index = self.combo.findData(self._shown)
        self.combo.setCurrentIndex(max(index, 0))

    def mark_edited(self) -> None:
        """Say in the picker when the tweaks no longer match the preset picked."""
        combo = self.combo
        index = combo.currentIndex()
        data = combo.itemData(index)
        if index < 0 or not isinstance(data, str) or data.startswith("\x00"):
            return
        d = self.document
        edited = d is not None and d.tweaks.to_json() != (self._applied or {})
        if not edited:
            text = data or DEFAULTS_LABEL
        else:
            text = f"{data} (edited)" if data else "(flow defaults, edited)"
        if combo.itemText(index) != text:
            combo.setItemText(index, text)
        combo.setToolTip(
            "The tweaks were changed since this preset was picked: “Save current as…” keeps them"
            if edited
            else "Tweaks saved for this flow: pick one to apply it"
        )

    # --- named presets ------------------------------------------------------------------------

    def apply_preset(self, name: str | None) -> bool:
        """Reset the tweaks, then apply the preset ``name`` (None: just the flow defaults)."""
        d, lib = self.document, self.library()
        if d is None or lib is None:
            return False
        data: dict[str, Any] = {}
        if name is not None:
            try:
                data = lib.load(name)
            except PresetError as exc:
                self.notices.error(str(exc))
                self.reload_presets(self._shown)
                return False
        try:
            problems = d.apply_tweaks(data, keep_secrets=True)
        except TweakError as exc:
            self.notices.error(str(exc))
            return False
        self._applied = d.tweaks.to_json()
        self.reload_presets(name or PRESET_DEFAULTS)
        self.tweaksReplaced.emit()
        if problems:
            self.notices.error(
                f"Some values of the preset “{name}” were not applied: " + "; ".join(problems)
            )
        else:
            self.notices.dismiss()
            shown = f"the preset “{name}”" if name else "the flow's own values"
            self.notices.say(f"Applied {shown}.", 5000)
        return True

    def ask_name(self) -> None:
        """Ask (non-modally) a name to save the current tweaks under."""
        if self.document is None:
            return
        dialog = QInputDialog(self.window)
        dialog.setObjectName("presetNameDialog")
        dialog.setWindowTitle("Save preset")
        dialog.setLabelText(
            f"Save the current tweaks of “{self.document.flow.name}” as a preset named:\n"
            "(secret values are never written to a preset)"
        )
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.setTextValue(self.current_preset() or "")
        dialog.setOkButtonText("Save")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(self.save_named_preset)
        self.name_dialog = dialog
        dialog.open()

    def save_named_preset(self, name: str) -> bool:
        """Save the current tweaks as the preset ``name`` of this flow (replacing one of that
        name) and show it as the current preset."""
        d, lib = self.document, self.library()
        if d is None or lib is None:
            return False
        try:
            name = check_name(name)
            existed = lib.exists(name)
            omitted = lib.save(name, d.tweaks)
        except PresetError as exc:
            self.notices.error(str(exc))
            return False
        self._applied = d.tweaks.to_json()
        self.reload_presets(name)
        note = f" Secrets left out: {', '.join(omitted)}." if omitted else ""
        verb = "Replaced" if existed else "Saved"
        self.notices.say(f"{verb} the preset “{name}”.{note}", 8000)
        return True

    def open_manager(self) -> None:
        d, lib = self.document, self.library()
        if d is None or lib is None:
            return
        if self.manager is not None:
            self.manager.close()
        dialog = PresetManagerDialog(
            lib, d.flow.name, self.window, current=self.current_preset()
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.presetRenamed.connect(lambda old, new: self._managed(dialog, (old, new)))
        dialog.presetDeleted.connect(lambda _name: self._managed(dialog, None))
        dialog.destroyed.connect(self._manager_gone)
        self.manager = dialog
        dialog.open()

    def _manager_gone(self) -> None:
        self.manager = None

    def _managed(self, dialog: PresetManagerDialog, renamed: tuple[str, str] | None) -> None:
        if renamed is not None and renamed[0] == self._shown:
            self._shown = renamed[1]  # the preset shown was renamed: follow it
        elif self._shown not in ("", *dialog.library.names()):
            self._applied = {}  # deleted: the tweaks stay, the defaults read "edited"
        self.reload_presets(keep=True)

    # --- preset files (File menu) -------------------------------------------------------------

    def _file_dialog(self, title: str) -> QFileDialog:
        """A preset file dialog, opened with open() (never exec(): no nested loop)."""
        return QFileDialog(self.window, title, self.documents.start_dir(), "Presets (*.json)")

    def choose_file_to_save(self) -> None:
        if self.document is None:
            return
        dialog = self._file_dialog("Save tweaks preset")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("json")
        dialog.fileSelected.connect(self.save_preset_to)
        dialog.open()

    def save_preset_to(self, path: str) -> None:
        if self.document is None:
            return
        try:
            omitted = save_preset(path, self.document.tweaks)
        except PresetError as exc:
            self.notices.error(str(exc))
            return
        note = f" (secrets left out: {', '.join(omitted)})" if omitted else ""
        self.notices.say(f"Saved the preset to {path}{note}", 8000)

    def choose_file_to_load(self) -> None:
        if self.document is None:
            return
        dialog = self._file_dialog("Load tweaks preset")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.load_preset_from)
        dialog.open()

    def load_preset_from(self, path: str) -> None:
        d = self.document
        if d is None:
            return
        try:
            problems = d.tweaks.load(load_preset(path), strict=False)
        except (PresetError, ValueError) as exc:
            self.notices.error(str(exc))
            return
        self.tweaksReplaced.emit()
        if problems:
            self.notices.error("Some preset values were not applied: " + "; ".join(problems))
        else:
            self.notices.say(f"Applied the preset {path}", 5000)
