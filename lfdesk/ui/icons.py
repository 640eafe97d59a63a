"""The app's icons: SVG files in resources/icons, loaded through `icon(name)`.

Each SVG draws its main colour as `currentColor` (its root `color` attribute holds a default,
for viewing the file alone); `icon` substitutes the theme's colour, so the colours live in
`lfdesk.ui.theme` only. Component icons are a coloured rounded tile with a white glyph (the
tile gives the contrast, whatever the window colour); badges are small coloured marks for
field and run states.
"""

from __future__ import annotations

import html
import re
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from lfdesk.ui import theme
from lfdesk.ui.theme import (  # the state colours, as other modules import them from here
    CHANGED_COLOR,
    EXPOSED_COLOR,
    INVALID_COLOR,
    LOCKED_COLOR,
    OK_COLOR,
    STOPPED_COLOR,
)

__all__ = [
    "CHANGED_COLOR",
    "EXPOSED_COLOR",
    "INVALID_COLOR",
    "LOCKED_COLOR",
    "OK_COLOR",
    "STOPPED_COLOR",
    "badge_icon",
    "component_icon",
    "flow_icon",
    "icon",
    "names",
    "status_icon",
    "svg_for",
    "svg_source",
]

_SIZES = (16, 20, 24, 32, 48, 64, 96)

_ICON_CACHE: dict[tuple[str, str | None, str | None], QIcon] = {}


@cache
def _icon_dir() -> Traversable:
    try:
        return resources.files("lfdesk.resources").joinpath("icons")
    except ModuleNotFoundError:  # running from a source tree without an install
        return Path(__file__).resolve().parents[2] / "resources" / "icons"


def names() -> list[str]:
    """Every icon file's name (without ".svg"), sorted."""
    return sorted(
        entry.name.removesuffix(".svg")
        for entry in _icon_dir().iterdir()
        if entry.name.endswith(".svg")
    )


@cache
def svg_source(name: str) -> str:
    """The text of icons/<name>.svg (FileNotFoundError for an unknown name)."""
    return _icon_dir().joinpath(f"{name}.svg").read_text(encoding="utf-8")


_TEXT = re.compile(r"(<text\b[^>]*>)[^<]*(</text>)")


def svg_for(name: str, color: str | None = None, text: str | None = None) -> str:
    """The SVG of `name` with `currentColor` set to `color` and the text of its `<text>`
    element replaced by `text` (each when given)."""
    svg = svg_source(name)
    if color is not None:
        svg = svg.replace("currentColor", color)
    if text is not None:
        escaped = html.escape(text).replace("\\", "\\\\")
        svg = _TEXT.sub(lambda m: m.group(1) + escaped + m.group(2), svg, count=1)
    return svg


def icon(name: str, color: str | None = None, text: str | None = None) -> QIcon:
    """The icon in icons/<name>.svg, drawn in `color` (a theme colour such as "#d93a3a";
    the file's own default when None), with its text replaced by `text` when given.

    Cached: the same arguments give the same QIcon (and the same `cacheKey`).
    """
    key = (name, color, text)
    cached = _ICON_CACHE.get(key)
    if cached is not None:
        return cached
    renderer = QSvgRenderer(QByteArray(svg_for(name, color, text).encode("utf-8")))
    result = QIcon()
    for size in _SIZES:
        pm = QPixmap(size, size)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        renderer.render(p, QRectF(0, 0, size, size))
        p.end()
        result.addPixmap(pm)
    _ICON_CACHE[key] = result
    return result


# --- component tiles ---------------------------------------------------------------------

# Lower-cased Langflow icon names (lucide names and brand names) -> (icon file, tile colour).
_NAMED: dict[str, tuple[str, str]] = {
    "messagessquare": ("message-square", "blue"),
    "messagesquare": ("message-square", "blue"),
    "message-square": ("message-square", "blue"),
    "messages-square": ("message-square", "blue"),
    "messagecircle": ("message-square", "blue"),
    "bot": ("bot", "purple"),
    "openai": ("openai", "green"),
    "anthropic": ("anthropic", "brown"),
    "google": ("google", "blue"),
    "googlegenerativeai": ("google", "blue"),
    "ollama": ("ollama", "slate"),
    "mistral": ("mistral", "orange"),
    "groq": ("groq", "orange"),
    "brain": ("brain", "pink"),
    "brain-circuit": ("brain", "pink"),
    "braces": ("braces", "orange"),
    "prompts": ("terminal", "teal"),
    "terminal": ("terminal", "teal"),
    "search": ("search", "slate"),
    "database": ("database", "brown"),
    "astradb": ("database", "brown"),
    "file-text": ("file-text", "slate"),
    "file": ("file-text", "slate"),
    "filetext": ("file-text", "slate"),
    "list": ("list", "teal"),
    "calculator": ("calculator", "slate"),
    "mic": ("mic", "pink"),
    "scissors-line-dashed": ("scissors", "orange"),
    "scissors": ("scissors", "orange"),
    "layout-template": ("layout-template", "purple"),
    "arxiv": ("arxiv", "pink"),
    "infinity": ("infinity", "teal"),
    "code": ("code", "slate"),
    "workflow": ("workflow", "blue"),
    "flow": ("workflow", "blue"),
}

_FALLBACK_TILES = ("blue", "green", "purple", "orange", "teal", "pink", "slate", "brown")


def component_icon(icon_name: str) -> QIcon:
    """The tile for a Langflow icon name ("MessagesSquare", "OpenAI", "braces", "bot", ...).

    Unknown names get their first letter on a colour chosen from the name, so the same
    component type always looks the same.
    """
    key = (icon_name or "").strip().lower()
    tiles = theme.current().tiles
    if key in _NAMED:
        name, tile = _NAMED[key]
        return icon(name, tiles[tile])
    letter = next((ch for ch in icon_name if ch.isalnum()), "?").upper()
    tile = _FALLBACK_TILES[sum(map(ord, key)) % len(_FALLBACK_TILES)]
    return icon("letter", tiles[tile], letter)


def flow_icon() -> QIcon:
    """The icon of the flow itself (the tree's root row)."""
    return component_icon("workflow")


# --- badges --------------------------------------------------------------------------------

# Badge kind -> the theme colour it is drawn in ("blank" draws nothing: it keeps the names of
# fields without a badge aligned with the others).
_BADGES: dict[str, str] = {
    "blank": "control",
    "changed": "warn",
    "invalid": "error",
    "exposed": "accent",
    "locked": "muted",
    "reset": "control",
    "eye": "control",
    "ok": "success",
    "stopped": "muted",
}


def badge_icon(kind: str) -> QIcon:
    """A small state mark: "changed", "exposed", "locked" or "invalid" (also "reset", "eye",
    "blank", and the run states "ok" and "stopped").

    An unknown kind gives an empty icon.
    """
    role = _BADGES.get(kind)
    if role is None:
        return QIcon()
    color: str = getattr(theme.current(), role)
    return icon(kind, color)


def status_icon(status: str) -> QIcon:
    """The mark of a run's end: "ok" (green tick), "error" (red !), "stopped" (grey square)."""
    return badge_icon({"ok": "ok", "stopped": "stopped"}.get(status, "invalid"))
