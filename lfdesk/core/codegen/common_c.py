"""Shared helpers for the compiled-language and JavaScript generators (js, ts, go, java, c#):
string literals that survive every nasty input, JSON as source text, and safe comment text.

Each literal function returns source text that evaluates to exactly the given Python string.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from lfdesk.core.codegen.common import layout
from lfdesk.core.request import RunRequest

SECRET_WARNING = (
    "WARNING: this program contains your API key in plain text. "
    "Do not share it or commit it."
)


def comment_text(text: str, limit: int = 70) -> str:
    """`text` made safe for any line comment or block comment: printable ASCII only, no
    backslash (Java reads unicode escapes even in comments), no `*/`, no newline. Accents
    are dropped ("Café" becomes "Cafe"), other characters become `?`."""
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    out = "".join(c if " " <= c <= "~" and c != "\\" else "?" for c in text)
    out = out.replace("*/", "*?").strip()
    if len(out) > limit:
        out = out[: limit - 3] + "..."
    return out


def about(request: RunRequest) -> str:
    """`"Flow Name"` for a comment, or `flow <ref>` when the request has no name."""
    if request.flow_name:
        return f'"{comment_text(request.flow_name)}"'
    return f"flow {comment_text(request.flow_ref or request.flow_id or '')}"


def pretty_json(value: Any) -> str:
    """Two-space indented JSON with the real characters (escaped later per language)."""
    return json.dumps(value, indent=2, ensure_ascii=False)


# --- JavaScript / TypeScript ----------------------------------------------------------------

_JS_ESCAPE = re.compile("[\u2028\u2029\ud800-\udfff]")
_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def js_string(text: str) -> str:
    """A double-quoted JS string literal, the same as `JSON.stringify(text)` except that line
    separators and lone surrogates are written as escapes."""
    out = json.dumps(text, ensure_ascii=False)
    return _JS_ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", out)


def js_key(key: str) -> str:
    """An object literal's key. `__proto__` is computed (`["__proto__"]`): written plainly,
    quoted or not, it sets the object's prototype and JSON.stringify drops it."""
    if key == "__proto__":
        return '["__proto__"]'
    return key if _IDENT.match(key) else js_string(key)


def js_value(value: Any, indent: str = "") -> str:
    """A JS literal for a JSON value, laid out like Prettier would (trailing commas, short
    scalar arrays on one line)."""
    if isinstance(value, str):
        return js_string(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + "  "
        rows = [f"{inner}{js_key(str(k))}: {js_value(v, inner)}," for k, v in value.items()]
        return "{\n" + "\n".join(rows) + f"\n{indent}}}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        if all(not isinstance(v, dict | list | tuple) for v in value):
            one_line = "[" + ", ".join(js_value(v) for v in value) + "]"
            if len(indent) + len(one_line) <= 72:
                return one_line
        inner = indent + "  "
        rows = [f"{inner}{js_value(v, inner)}," for v in value]
        return "[\n" + "\n".join(rows) + f"\n{indent}]"
    return json.dumps(value)


def js_flat(value: Any) -> str:
    """A JS literal for a JSON value on one line, spaced as Prettier writes it."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{js_key(str(k))}: {js_flat(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(js_flat(v) for v in value) + "]"
    if isinstance(value, str):
        return js_string(value)
    return json.dumps(value)


def js_compact(value: Any) -> str:
    """A JS literal for a JSON value laid out for a short program: the top level spread out,
    what fits kept on one line (trailing commas, as Prettier writes it)."""
    return layout(value, js_flat, js_key, unit="  ", trailing=True)


def js_number(value: int | float) -> str:
    """The text JSON.stringify writes for a finite JSON number of this value (ECMAScript's
    Number::toString, from the same shortest round-trip digits Python's repr finds)."""
    try:
        x = float(value)
    except OverflowError:  # an integer beyond any double: JavaScript reads it as Infinity
        return "null"
    if x == 0:
        return "0"  # -0 too
    _, digit_tuple, exponent = Decimal(repr(abs(x))).normalize().as_tuple()
    assert isinstance(exponent, int)  # finite
    digits = "".join(map(str, digit_tuple))
    k = len(digits)
    n = exponent + k  # the point goes after the first n digits
    sign = "-" if x < 0 else ""
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{sign}{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


def js_changes(value: Any) -> str | None:
    """What a JavaScript object sent with JSON.stringify would change in this JSON value,
    in words (`X would become Y`, for its first such number), or None when it sends exactly
    its JSON text. JavaScript numbers are doubles: integers beyond 2^53 lose digits, -0.0
    becomes 0, and some numbers are written another way (1.0 as 1, 1e-05 as 0.00001)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, int | float) and not isinstance(item, bool):
            python, js = json.dumps(item), js_number(item)
            if python != js:
                return f"{_short_number(python)} would become {_short_number(js)}"
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list | tuple):
            stack.extend(reversed(item))
    return None


def _short_number(text: str) -> str:
    return text if len(text) <= 32 else f"{text[:16]}...{text[-8:]} ({len(text)} characters)"


def js_raw_json(value: Any, dump: Callable[[Any], str] = pretty_json) -> str:
    """JSON (`dump` lays it out) as a JavaScript `String.raw` template literal: the body as
    text, read as written (no escaping of its own). Invisible characters are JSON-escaped
    first; a backquote and `${`, which would end or open something, are spliced in."""
    text = _INVISIBLE.sub(_json_escape_invisible, dump(value))
    text = text.replace("${", '${"$"}{').replace("`", '${"`"}')
    return "String.raw`" + text + "`"


def strip_types(ts_source: str) -> str:
    """JS from a template written with `«: type»` marks: drop the marks and what they hold."""
    return _TYPE_MARK.sub("", ts_source)


def keep_types(ts_source: str) -> str:
    """TS from the same template: keep what the marks hold."""
    return _TYPE_MARK.sub(lambda m: m.group(1), ts_source)


_TYPE_MARK = re.compile("«([^»]*)»")


# --- Java and C# ------------------------------------------------------------------------------

_C_LIKE_SPECIAL = re.compile(r'[^\x20-\x7e]|["\\]')

_JAVA_SIMPLE = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _utf16_escapes(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _java_char(m: re.Match[str]) -> str:
    ch = m.group()
    simple = _JAVA_SIMPLE.get(ch)
    if simple is not None:
        return simple
    if ord(ch) < 0x80:
        # Never a unicode escape for ASCII: javac turns those into real characters before it
        # reads the literal, so an escaped quote or line break would end it.
        return f"\\{ord(ch):03o}"
    return _utf16_escapes(ch)


def java_string(text: str) -> str:
    """A Java string literal in pure ASCII (the source charset of `java File.java` depends
    on the locale); every non-ASCII character becomes UTF-16 unicode escapes."""
    return '"' + _C_LIKE_SPECIAL.sub(_java_char, text) + '"'


_CS_SIMPLE = {**_JAVA_SIMPLE, "\0": "\\0"}


def _cs_char(m: re.Match[str]) -> str:
    ch = m.group()
    simple = _CS_SIMPLE.get(ch)
    if simple is not None:
        return simple
    return _utf16_escapes(ch)


def csharp_string(text: str) -> str:
    """A C# regular string literal in pure ASCII, non-ASCII as UTF-16 unicode escapes."""
    return '"' + _C_LIKE_SPECIAL.sub(_cs_char, text) + '"'


# --- Go ---------------------------------------------------------------------------------------

_GO_SPECIAL = re.compile(r'[\x00-\x1f\x7f"\\]|[^\x00-\x7f]')
_GO_SIMPLE = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f", "\v": "\\v", "\a": "\\a"}


def _go_char(m: re.Match[str]) -> str:
    ch = m.group()
    simple = _GO_SIMPLE.get(ch)
    if simple is not None:
        return simple
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        # A lone surrogate cannot be in a Go string literal (nor in UTF-8).
        return "\\ufffd"
    if code < 0x80:
        return f"\\x{code:02x}"
    if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Co", "Cn"):
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return ch  # printable: keep the character itself (Go source is UTF-8)


_INVISIBLE = re.compile("[^\x00-\x7f]+")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cn", "Cs"})


def _json_escape_invisible(m: re.Match[str]) -> str:
    run = m.group()
    if run.isprintable():  # none of those categories: the common case, checked at C speed
        return run
    return "".join(
        _utf16_escapes(ch) if unicodedata.category(ch) in _INVISIBLE_CATEGORIES else ch
        for ch in run
    )


def go_raw_json(value: Any, dump: Callable[[Any], str] = pretty_json) -> str:
    """JSON (`dump` lays it out) as a Go raw string literal (readable: no extra escaping).
    Invisible characters are JSON-escaped first; a backquote, which a raw string cannot
    hold, is spliced in as "`"."""
    text = _INVISIBLE.sub(_json_escape_invisible, dump(value))
    return "`" + text.replace("`", '` + "`" + `') + "`"


def go_string(text: str) -> str:
    """A Go interpreted string literal; printable characters (emoji too) are kept as they
    are, invisible ones become `\\u`/`\\U` escapes, never UTF-16 surrogates."""
    return '"' + _GO_SPECIAL.sub(_go_char, text) + '"'


# --- JSON bodies as concatenated string literals -------------------------------------------


def concat_lines(
    value: Any, literal: Callable[[str], str], joiner: str, dump: Callable[[Any], str] = pretty_json
) -> str:
    """The JSON of `value` (`dump` lays it out) as one string literal per line, joined for
    Java/C#/Go: `"{\\n" + ... + "}"` with `joiner` between lines (e.g. `\\n    + `)."""
    lines = dump(value).split("\n")
    parts = [literal(line + "\n") for line in lines[:-1]]
    parts.append(literal(lines[-1]))
    return joiner.join(parts)
