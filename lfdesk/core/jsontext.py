"""JSON text read from a file or typed by the user: where a syntax error is, in words."""

from __future__ import annotations

import json


def error_position(exc: json.JSONDecodeError) -> str:
    """``line 3, column 7``: where the text stops being JSON, for a message."""
    return f"line {exc.lineno}, column {exc.colno}"
