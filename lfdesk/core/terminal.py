"""Text from a server or a file, made safe to show on a terminal.

A flow's names, a field's value, a run's answer or a server's error message are data. Printed
raw, an escape sequence in them can clear the screen, move the cursor or recolour what follows,
a lone carriage return can overwrite a line, a bidi override (U+202E) can make text read other
than it is, and a lone surrogate stops the print with an encoding error. Every human-readable
print of such text goes through ``escape``; ``--json`` output stays exact.
"""

from __future__ import annotations

import re

__all__ = ["escape"]

# C0 controls but tab, newline and carriage return (handled per mode), DEL, C1 controls, the
# bidi marks, embeddings, overrides and isolates, the line and paragraph separators, and lone
# surrogates (which cannot be encoded).
_ALWAYS = (
    r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    r"\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    r"\ud800-\udfff"
)
_ONE_LINE = re.compile(f"[{_ALWAYS}\\t\\n\\r]")
# A carriage return right before a newline overwrites nothing: only a lone one is escaped.
_LINES = re.compile(f"[{_ALWAYS}]|\\r(?!\\n)")

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escaped(m: re.Match[str]) -> str:
    ch = m.group()
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(text: str, *, multiline: bool = False) -> str:
    """``text`` with every character that could steer a terminal written as a visible escape
    (``\\x1b``, ``\\u202e``, ``\\r``). ``multiline`` (an answer's text) keeps newlines, tabs
    and CR LF; otherwise (a name on a one-line listing, an error line) they are escaped too.
    Linear in the text; text with nothing to escape comes back as it is."""
    if text.isprintable():  # the usual case, checked in C
        return text
    return (_LINES if multiline else _ONE_LINE).sub(_escaped, text)
