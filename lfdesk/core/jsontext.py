"""JSON text read from a file or typed by the user: decoded with limits, and where a syntax
error is, in words.

``loads`` is ``json.loads`` that never raises ``RecursionError`` or hands back a value nested
so deep that the next ``json.dumps`` or copy of it would: text nested deeper than
``MAX_DEPTH`` (no real flow, tweak or state file comes near it) is a ``JsonLimitError``, a
``ValueError`` whose message is one line. Syntax errors stay ``json.JSONDecodeError``.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 200


class JsonLimitError(ValueError):
    """JSON text beyond a limit (nesting, size); the message says which, in a few words."""


def error_position(exc: json.JSONDecodeError) -> str:
    """``line 3, column 7``: where the text stops being JSON, for a message."""
    return f"line {exc.lineno}, column {exc.colno}"


def describe(exc: ValueError) -> str:
    """A decoding failure of ``loads`` in a few words (no file name), for a message."""
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON at {error_position(exc)}: {exc.msg}"
    return str(exc)


def loads(
    text: str | bytes, *, max_depth: int = MAX_DEPTH, max_size: int | None = None
) -> Any:
    """Decode JSON text. ``json.JSONDecodeError`` on a syntax error; ``JsonLimitError`` when
    the text is longer than ``max_size`` (characters, or bytes) or nests deeper than
    ``max_depth`` arrays and objects."""
    if max_size is not None and len(text) > max_size:
        raise JsonLimitError(f"larger than {_size(max_size)}")
    try:
        value = json.loads(text)
    except RecursionError:
        raise JsonLimitError(f"nested more than {max_depth} levels deep") from None
    if _deeper_than(value, max_depth):
        raise JsonLimitError(f"nested more than {max_depth} levels deep")
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` nests more than ``limit`` lists and dicts (without recursion)."""
    if not isinstance(value, dict | list):
        return False
    if limit < 1:
        return True
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        for child in item.values() if isinstance(item, dict) else item:
            if isinstance(child, dict | list):
                if depth >= limit:
                    return True
                stack.append((child, depth + 1))
    return False


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n} bytes"
