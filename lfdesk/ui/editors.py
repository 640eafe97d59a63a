"""One editor widget per field kind, for the component form: `make_editor` picks it.

The editors live in `editors_*` modules by concern (base, text, numbers, choices, model,
JSON, table, files, read-only); this module is their public face.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QWidget

from lfdesk.core.flow import Field, FieldKind
from lfdesk.ui.editors_base import FieldEditor, monospace_font, value_text
from lfdesk.ui.editors_choices import BoolEditor, DropdownEditor, MultiSelectEditor, TabEditor
from lfdesk.ui.editors_files import FileEditor
from lfdesk.ui.editors_json import JsonEditor, JsonTextEdit, json_error
from lfdesk.ui.editors_model import ModelEditor
from lfdesk.ui.editors_numbers import FloatEditor, IntEditor, SliderEditor
from lfdesk.ui.editors_readonly import ReadOnlyEditor
from lfdesk.ui.editors_table import TableEditor, table_columns
from lfdesk.ui.editors_text import LineEditor, SecretEditor, TextAreaEditor

__all__ = [
    "BoolEditor",
    "DropdownEditor",
    "FieldEditor",
    "FileEditor",
    "FloatEditor",
    "IntEditor",
    "JsonEditor",
    "JsonTextEdit",
    "LineEditor",
    "ModelEditor",
    "MultiSelectEditor",
    "ReadOnlyEditor",
    "SecretEditor",
    "SliderEditor",
    "TabEditor",
    "TableEditor",
    "TextAreaEditor",
    "json_error",
    "make_editor",
    "monospace_font",
    "table_columns",
    "value_text",
]


# The kinds whose editor is made from the field alone.
_EDITOR_OF: dict[FieldKind, Callable[[Field, QWidget | None], FieldEditor]] = {
    FieldKind.SECRET: SecretEditor,
    FieldKind.INT: IntEditor,
    FieldKind.FLOAT: FloatEditor,
    FieldKind.SLIDER: SliderEditor,
    FieldKind.BOOL: BoolEditor,
    FieldKind.MODEL: ModelEditor,
    FieldKind.TAB: TabEditor,
    FieldKind.MULTISELECT: MultiSelectEditor,
    FieldKind.FILE: FileEditor,
}


def make_editor(field: Field, parent: QWidget | None = None, value: Any = None) -> FieldEditor:
    """The editor for a field's kind (read-only when the field cannot be tweaked)."""
    if not field.tweakable:
        return ReadOnlyEditor(field, parent)
    kind = field.kind
    if kind in (FieldKind.TEXT, FieldKind.QUERY):
        if field.is_list:
            return TextAreaEditor(field, parent, lines=2, as_list=True)
        return LineEditor(field, parent)
    if kind is FieldKind.MULTILINE:
        return TextAreaEditor(field, parent, lines=3, as_list=field.is_list)
    if kind is FieldKind.PROMPT:
        return TextAreaEditor(field, parent, monospace=True, lines=6)
    if kind in _EDITOR_OF:
        return _EDITOR_OF[kind](field, parent)
    if kind is FieldKind.DROPDOWN:
        return DropdownEditor(field, parent, editable=field.combobox)
    if kind is FieldKind.DICT:
        return JsonEditor(field, parent, key_value=True)
    if kind in (FieldKind.NESTED_DICT, FieldKind.MCP, FieldKind.SORTABLE_LIST):
        return JsonEditor(field, parent)
    if kind is FieldKind.TABLE:
        columns = table_columns(field, value if value is not None else field.value)
        if columns:
            return TableEditor(field, columns, parent)
        return JsonEditor(field, parent)
    return JsonEditor(field, parent, read_only=True)
