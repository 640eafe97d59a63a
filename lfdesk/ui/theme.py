"""The app's colours in one place: a light and a dark theme.

A theme holds the state colours used around the window (errors, changed values, exposed
fields, a finished run), the tile colours of the component icons, and the syntax colours of
the code preview as a Pygments style. The state and tile colours are mid-tones picked to read
on white and on near-black alike, so both themes share them today; the syntax colours differ
(roughly GitHub's light and dark code themes).

Widgets pick a theme from their palette (`current`); the module-level `*_COLOR` constants are
the state colours as `QColor`, for code that only needs one of them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from types import MappingProxyType

from pygments.style import Style
from pygments.token import Comment, Error, Generic, Keyword, Name, Number, Operator, String
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

# --- syntax colours ------------------------------------------------------------------------

# Each token's colour on the light and on the dark background (GitHub's code themes, roughly).
# The styles below read them as plain class attributes, as Pygments wants (hence the noqa).
_SYNTAX_COLOURS = {
    Keyword: ("#cf222e", "#ff7b72"),
    Keyword.Constant: ("#0550ae", "#79c0ff"),
    Keyword.Type: ("#953800", "#ffa657"),
    Name.Builtin: ("#8250df", "#d2a8ff"),
    Name.Function: ("#8250df", "#d2a8ff"),
    Name.Class: ("#953800", "#ffa657"),
    Name.Decorator: ("#8250df", "#d2a8ff"),
    Name.Variable: ("#0550ae", "#79c0ff"),
    Name.Attribute: ("#0550ae", "#79c0ff"),
    Name.Tag: ("#116329", "#7ee787"),
    Name.Namespace: ("#953800", "#ffa657"),
    Name.Constant: ("#0550ae", "#79c0ff"),
    String: ("#0a3069", "#a5d6ff"),
    String.Escape: ("#cf222e", "#ff7b72"),
    String.Interpol: ("#cf222e", "#ff7b72"),
    String.Doc: ("italic #57606a", "italic #8b949e"),
    Number: ("#0550ae", "#79c0ff"),
    Comment: ("italic #6e7781", "italic #8b949e"),
    Operator: ("#cf222e", "#ff7b72"),
    Operator.Word: ("#cf222e", "#ff7b72"),
    Generic.Heading: ("bold #0550ae", "bold #79c0ff"),
    Error: ("#82071e", "#ffa198"),
}


class LightSyntax(Style):
    """Code on a white background."""

    name = "lfdesk-light"
    background_color = "#ffffff"
    styles = {token: light for token, (light, _dark) in _SYNTAX_COLOURS.items()}  # noqa: RUF012


class DarkSyntax(Style):
    """Code on a near-black background; the same tokens as the light one."""

    name = "lfdesk-dark"
    background_color = "#0d1117"
    styles = {token: dark for token, (_light, dark) in _SYNTAX_COLOURS.items()}  # noqa: RUF012


# --- themes --------------------------------------------------------------------------------

# Component tile colours: white glyphs stay readable on them, and the tiles stand out on light
# and dark window backgrounds alike.
TILES = MappingProxyType(
    {
        "blue": "#3b7dd8",
        "green": "#2e9a5e",
        "purple": "#8256d0",
        "orange": "#d9822b",
        "teal": "#1f8f98",
        "pink": "#c8477d",
        "slate": "#6b7785",
        "brown": "#9a6b3f",
    }
)


@dataclass(frozen=True)
class Theme:
    """One set of colours (hex strings); `qcolor` turns one into a QColor."""

    name: str
    dark: bool
    error: str  # invalid values, failed runs, the token-in-code warning
    warn: str  # values changed from the flow, warnings
    accent: str  # fields exposed to the run (tweakable)
    success: str  # a run that finished
    muted: str  # locked fields, a stopped run
    control: str  # small grey controls: reset, show password
    tiles: MappingProxyType[str, str]
    syntax: type[Style]

    def status(self, status: str) -> str:
        """The colour of a run's end: "ok", "stopped", anything else is an error."""
        return {"ok": self.success, "stopped": self.muted}.get(status, self.error)


LIGHT = Theme(
    name="light",
    dark=False,
    error="#d93a3a",
    warn="#e08a1e",  # amber: reads on white and on near-black
    accent="#2f8fdd",
    success="#2e9a5e",
    muted="#8a8f98",
    control="#7f8790",
    tiles=TILES,
    syntax=LightSyntax,
)

# The state and tile colours read on both backgrounds: only the syntax colours differ.
DARK = dataclasses.replace(LIGHT, name="dark", dark=True, syntax=DarkSyntax)


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether a palette (the application's by default) has a dark text background."""
    pal = palette or QApplication.palette()
    return pal.color(QPalette.ColorRole.Base).lightness() < 128


def current(palette: QPalette | None = None) -> Theme:
    """The theme for a palette (the application's by default)."""
    return DARK if is_dark(palette) else LIGHT


def qcolor(hex_color: str) -> QColor:
    return QColor(hex_color)


def blend(a: QColor, b: QColor, t: float) -> QColor:
    """`a` moved a fraction `t` of the way to `b` (a tint of `b` over `a`), opaque."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


# The state colours as QColors (the same in both themes). Copy before changing one:
# `QColor(INVALID_COLOR)`.
INVALID_COLOR = QColor(LIGHT.error)
CHANGED_COLOR = QColor(LIGHT.warn)
EXPOSED_COLOR = QColor(LIGHT.accent)
LOCKED_COLOR = QColor(LIGHT.muted)
OK_COLOR = QColor(LIGHT.success)
STOPPED_COLOR = QColor(LIGHT.muted)
CONTROL_COLOR = QColor(LIGHT.control)
