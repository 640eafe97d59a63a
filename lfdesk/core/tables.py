"""The columns of a TABLE field, read from a flow template's `table_schema` (untrusted:
bounded in count and size, malformed entries skipped)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_COLUMN_OPTIONS", "MAX_TABLE_COLUMNS", "TableColumn", "table_schema"]

# Bounds on a table field's `table_schema` (it comes from the flow file: untrusted).
MAX_TABLE_COLUMNS = 64
MAX_COLUMN_OPTIONS = 256
_MAX_COLUMN_TEXT = 2000


@dataclass(frozen=True, slots=True)
class TableColumn:
    """One column of a TABLE field, from the template's `table_schema`."""

    name: str
    display_name: str
    type: str = "str"  # "str", "boolean", "int", "float", "dict", ... as the flow says
    description: str = ""
    default: str | bool | int | float | None = None  # for a new row
    options: tuple[str, ...] = ()  # the allowed values, when the column is a choice


def _text(value: Any, limit: int = _MAX_COLUMN_TEXT) -> str:
    return value[:limit] if isinstance(value, str) else ""


def table_schema(value: Any) -> tuple[TableColumn, ...]:
    """The columns of a `table_schema`, read defensively: entries that are not objects
    with a name are skipped, as are repeated names; texts and counts are bounded."""
    if not isinstance(value, list):
        return ()
    columns: list[TableColumn] = []
    seen: set[str] = set()
    for entry in value:
        if len(columns) >= MAX_TABLE_COLUMNS:
            break
        if not isinstance(entry, dict):
            continue
        name = _text(entry.get("name"), 200).strip()
        if not name or name in seen:
            continue
        seen.add(name)
        # Langflow's Column takes `type` (also spelled `formatter`); "str" when neither.
        ctype = _text(entry.get("type"), 40) or _text(entry.get("formatter"), 40) or "str"
        default = entry.get("default")
        if not isinstance(default, (str, bool, int, float)):
            default = None
        elif isinstance(default, str):
            default = default[:_MAX_COLUMN_TEXT]
        elif isinstance(default, float) and not math.isfinite(default):
            default = None
        options = entry.get("options")
        columns.append(
            TableColumn(
                name=name,
                display_name=_text(entry.get("display_name"), 200).strip() or name,
                type=ctype,
                description=_text(entry.get("description")),
                default=default,
                options=tuple(o[:200] for o in options[:MAX_COLUMN_OPTIONS] if isinstance(o, str))
                if isinstance(options, list)
                else (),
            )
        )
    return tuple(columns)
