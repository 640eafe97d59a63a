"""The file editor: a path on the server, and an upload of a local file to get one."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFileDialog, QLineEdit, QPlainTextEdit, QPushButton, QWidget

from lfdesk.core.flow import Field
from lfdesk.ui.editors_base import FieldEditor, GrowingPlainTextEdit, value_text


class FileEditor(FieldEditor):
    """FILE: the path on the server, and "Upload…" to send a local file there first.

    Signals:
        uploadRequested(str): the local file the user picked.
    """

    uploadRequested = Signal(str)

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.is_list = field.is_list
        self.line: QLineEdit | None = None
        self.text_edit: QPlainTextEdit | None = None
        if self.is_list:
            self.text_edit = GrowingPlainTextEdit(self, min_lines=2, max_lines=6)
            self.text_edit.setPlaceholderText("Server file paths, one a line")
            self.text_edit.textChanged.connect(lambda: self._emit(self.path_text()))
            self._part(self.text_edit)
            self._layout.addWidget(self.text_edit, 1, Qt.AlignmentFlag.AlignTop)
        else:
            self.line = QLineEdit(self)
            self.line.setPlaceholderText("Path of the file on the server")
            self.line.textEdited.connect(self._emit)
            self._part(self.line)
            self._layout.addWidget(self.line, 1)
        self.upload_button = QPushButton("Upload…", self)
        kinds = ", ".join(field.file_types[:12])
        self.upload_button.setToolTip(
            "Send a local file to the server and use its path" + (f" ({kinds})" if kinds else "")
        )
        self.upload_button.clicked.connect(self.choose_file)
        self._layout.addWidget(self.upload_button, 0, Qt.AlignmentFlag.AlignTop)
        self._dialog: QFileDialog | None = None

    def path_text(self) -> str:
        if self.text_edit is not None:
            return self.text_edit.toPlainText()
        assert self.line is not None
        return self.line.text()

    def choose_file(self) -> None:
        """Open a file picker (not modal-blocking); the pick becomes `uploadRequested`."""
        dialog = QFileDialog(self, f"Upload a file for {self.field.display_name}")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        if self.field.file_types:
            patterns = " ".join(f"*.{t.lstrip('.')}" for t in self.field.file_types)
            dialog.setNameFilters([f"Accepted files ({patterns})", "All files (*)"])
        dialog.fileSelected.connect(self.uploadRequested.emit)
        dialog.finished.connect(dialog.deleteLater)
        self._dialog = dialog
        dialog.open()

    def add_server_path(self, server_path: str) -> None:
        """Put an uploaded file's server path in (appended for list fields); emits edited."""
        if self.text_edit is not None:
            current = self.text_edit.toPlainText().rstrip("\n")
            self.text_edit.setPlainText(f"{current}\n{server_path}" if current else server_path)
        else:
            assert self.line is not None
            self.line.setText(server_path)
            self._emit(server_path)

    def _show(self, value: Any) -> None:
        if isinstance(value, list):
            text = "\n".join(value_text(v) for v in value)
        else:
            text = value_text(value)
        if self.text_edit is not None:
            if self.text_edit.toPlainText() != text:
                self.text_edit.setPlainText(text)
        else:
            assert self.line is not None
            if self.line.text() != text.replace("\n", " "):
                self.line.setText(text.replace("\n", " "))
