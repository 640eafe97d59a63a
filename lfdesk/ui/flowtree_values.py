"""How a field's value reads in one line of the tree: short, and secrets masked."""

from __future__ import annotations

import json
from typing import Any

from lfdesk.core.flow import Field, FieldKind
from lfdesk.core.tweaks import GlobalVariable

SECRET_MASK = "••••••"


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
            return clip(first["name"], limit)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, str):
        text = value.strip()
        first, _, rest = text.partition("\n")
        return clip(first + (" …" if rest else ""), limit)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (dict, list)):
        try:
            text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
        except (TypeError, ValueError):
            text = str(value)
        return clip(text, limit)
    return clip(str(value), limit)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
