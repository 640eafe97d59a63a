"""Icons (SVG files drawn in the theme's colours) and the theme (state, tile and syntax colours)."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from pygments.style import Style
from pygments.token import Comment, Keyword, Name, String, Token
from PySide6.QtGui import QColor, QIcon, QImage, QPalette, QTextDocument
from PySide6.QtSvg import QSvgRenderer

from lfdesk.ui import highlight, icons, theme
from lfdesk.ui.highlight import PygmentsHighlighter

ICON_DIR = Path(__file__).parents[2] / "resources" / "icons"
BADGES = ("changed", "invalid", "exposed", "locked", "reset", "eye", "ok", "stopped")


def _image(icon: QIcon, size: int) -> QImage:
    return icon.pixmap(size, size).toImage().convertToFormat(QImage.Format.Format_ARGB32)


def _colours(icon: QIcon, size: int = 48) -> set[str]:
    """The opaque colours of an icon's pixmap (anti-aliased edges left out)."""
    img = _image(icon, size)
    return {
        img.pixelColor(x, y).name()
        for x in range(size)
        for y in range(size)
        if img.pixelColor(x, y).alpha() == 255
    }


def _drawn(icon: QIcon, size: int) -> int:
    img = _image(icon, size)
    return sum(img.pixelColor(x, y).alpha() > 0 for x in range(size) for y in range(size))


def _dark_palette() -> QPalette:
    pal = QPalette()
    pal.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    pal.setColor(QPalette.ColorRole.Window, QColor("#2b2b2b"))
    pal.setColor(QPalette.ColorRole.Text, QColor("#e6e6e6"))
    return pal


@pytest.fixture
def dark_app(qapp: Any) -> Any:
    old = qapp.palette()
    qapp.setPalette(_dark_palette())
    yield qapp
    qapp.setPalette(old)


# --- the files ------------------------------------------------------------------------------


def test_every_icon_file_is_listed_and_is_a_100_unit_svg() -> None:
    files = sorted(p.stem for p in ICON_DIR.glob("*.svg"))
    assert icons.names() == files
    assert len(files) >= 30
    for name in files:
        root = ET.fromstring(icons.svg_source(name))
        assert root.tag == "{http://www.w3.org/2000/svg}svg", name
        assert root.get("viewBox") == "0 0 100 100", name
        assert QSvgRenderer(str(ICON_DIR / f"{name}.svg")).isValid(), name


def test_colours_come_from_the_theme_not_the_files() -> None:
    """Each drawing's main colour is currentColor; the root's color is only a default."""
    for name in icons.names():
        if name == "blank":
            continue
        source = icons.svg_source(name)
        assert "currentColor" in source, name
        assert "currentColor" not in icons.svg_for(name, "#123456"), name


@pytest.mark.parametrize("name", [n for n in icons.names() if n != "blank"])
def test_every_icon_loads_and_draws(qapp: Any, name: str) -> None:
    icon = icons.icon(name)
    assert not icon.isNull()
    for size in (16, 24, 48):
        assert _drawn(icon, size) > size, (name, size)


def test_blank_is_a_real_but_empty_icon(qapp: Any) -> None:
    blank = icons.badge_icon("blank")
    assert not blank.isNull()
    assert _drawn(blank, 16) == 0


def test_icons_are_cached(qapp: Any) -> None:
    assert icons.icon("bot").cacheKey() == icons.icon("bot").cacheKey()
    assert icons.badge_icon("exposed").cacheKey() == icons.badge_icon("exposed").cacheKey()
    assert icons.component_icon("OpenAI").cacheKey() == icons.component_icon("openai").cacheKey()
    assert icons.icon("bot", "#ff0000").cacheKey() != icons.icon("bot", "#00ff00").cacheKey()


def test_the_colour_argument_recolours(qapp: Any) -> None:
    assert "#ff0000" in _colours(icons.icon("invalid", "#ff0000"))
    assert "#ff0000" not in _colours(icons.icon("invalid", "#00ff00"))


# --- component tiles and badges -------------------------------------------------------------


def test_component_icons_draw_a_tile_in_a_theme_colour(qapp: Any) -> None:
    tiles = set(theme.TILES.values())
    for name in [*icons._NAMED, "Zebra", "chroma", "9lives", "", "???"]:
        icon = icons.component_icon(name)
        assert _drawn(icon, 16) > 100, name
        assert _colours(icon) & tiles, name
        assert "#ffffff" in _colours(icon), name  # the white glyph
    assert icons.flow_icon().cacheKey() == icons.component_icon("workflow").cacheKey()


def test_unknown_components_get_their_letter(qapp: Any) -> None:
    assert icons.component_icon("Zebra").cacheKey() == icons.icon(
        "letter", theme.TILES["teal"], "Z"
    ).cacheKey()
    assert icons.component_icon("zebra").cacheKey() == icons.component_icon("Zebra").cacheKey()
    assert icons.component_icon("Zebra").cacheKey() != icons.component_icon("Yak").cacheKey()
    # the text is escaped into the SVG
    assert ET.fromstring(icons.svg_for("letter", text="<&>")).find(
        ".//{http://www.w3.org/2000/svg}text"
    ).text == "<&>"  # type: ignore[union-attr]


def test_badges_are_drawn_in_the_theme_state_colours(qapp: Any) -> None:
    t = theme.current()
    expected = {
        "changed": t.warn,
        "invalid": t.error,
        "exposed": t.accent,
        "locked": t.muted,
        "reset": t.control,
        "eye": t.control,
        "ok": t.success,
        "stopped": t.muted,
    }
    for kind, colour in expected.items():
        assert colour in _colours(icons.badge_icon(kind)), kind
    assert icons.status_icon("ok").cacheKey() == icons.badge_icon("ok").cacheKey()
    assert icons.status_icon("error").cacheKey() == icons.badge_icon("invalid").cacheKey()
    assert icons.status_icon("stopped").cacheKey() == icons.badge_icon("stopped").cacheKey()
    assert icons.badge_icon("nonsense").isNull()


def test_icons_follow_a_changed_theme(qapp: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(theme, "LIGHT", dataclasses.replace(theme.LIGHT, error="#00ff00"))
    assert "#00ff00" in _colours(icons.badge_icon("invalid"))
    tiles = MappingProxyType({**theme.TILES, "purple": "#0000ff"})
    monkeypatch.setattr(theme, "LIGHT", dataclasses.replace(theme.LIGHT, tiles=tiles))
    assert "#0000ff" in _colours(icons.component_icon("bot"))


def test_icons_read_on_light_and_dark_alike(dark_app: Any) -> None:
    """The tiles and badges are mid-tones chosen for both backgrounds, so a dark palette draws
    the very same icons (no icon is tinted by the palette)."""
    assert theme.current() is theme.DARK
    for kind in BADGES:
        assert icons.badge_icon(kind).cacheKey() == icons.icon(
            kind, getattr(theme.LIGHT, icons._BADGES[kind])
        ).cacheKey()
    assert icons.component_icon("bot").cacheKey() == icons.icon(
        "bot", theme.LIGHT.tiles["purple"]
    ).cacheKey()


def test_old_colour_names_are_the_theme_colours() -> None:
    assert icons.INVALID_COLOR is theme.INVALID_COLOR
    assert icons.CHANGED_COLOR is theme.CHANGED_COLOR
    assert theme.INVALID_COLOR.name() == theme.LIGHT.error == "#d93a3a"
    assert theme.CHANGED_COLOR.name() == theme.LIGHT.warn == "#e08a1e"
    assert theme.EXPOSED_COLOR.name() == theme.LIGHT.accent
    assert theme.LOCKED_COLOR.name() == theme.STOPPED_COLOR.name() == theme.LIGHT.muted
    assert theme.OK_COLOR.name() == theme.LIGHT.success
    assert {s: theme.LIGHT.status(s) for s in ("ok", "error", "stopped")} == {
        "ok": "#2e9a5e",
        "error": "#d93a3a",
        "stopped": "#8a8f98",
    }


# --- the theme ------------------------------------------------------------------------------


def test_the_palette_picks_the_theme(qapp: Any) -> None:
    assert theme.current(_dark_palette()) is theme.DARK
    light = QPalette()
    light.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    assert theme.current(light) is theme.LIGHT
    assert highlight.is_dark is theme.is_dark
    assert theme.is_dark(_dark_palette()) and not theme.is_dark(light)


def _styled(syntax: type[Style]) -> dict[Any, str]:
    """The tokens a style sets (Pygments fills in the others with "")."""
    return {token: spec for token, spec in syntax.styles.items() if spec}


def test_light_and_dark_differ_in_syntax_colours_only() -> None:
    light, dark = theme.LIGHT, theme.DARK
    assert len(_styled(light.syntax)) >= 20
    assert set(_styled(light.syntax)) == set(_styled(dark.syntax))
    for token, spec in _styled(light.syntax).items():
        assert spec != dark.syntax.styles[token], token
    same = ("error", "warn", "accent", "success", "muted", "control", "tiles")
    assert {f: getattr(light, f) for f in same} == {f: getattr(dark, f) for f in same}


def test_blend() -> None:
    assert theme.blend(QColor("#000000"), QColor("#ffffff"), 0.5).name() == "#808080"
    assert theme.blend(QColor("#102030"), QColor("#d93a3a"), 0.0).name() == "#102030"
    assert theme.blend(QColor("#102030"), QColor("#d93a3a"), 1.0).name() == "#d93a3a"


# --- the highlighter reads the theme -------------------------------------------------------


def _foreground(h: PygmentsHighlighter, token: Any) -> str | None:
    fmt = h._format(token)
    return None if fmt is None else fmt.foreground().color().name()


def test_highlight_colours_come_from_the_theme(qapp: Any) -> None:
    doc = QTextDocument()  # the highlighter's parent: keep it alive
    h = PygmentsHighlighter(doc, "python")
    h.set_dark(False)
    for syntax, dark in ((theme.LIGHT.syntax, False), (theme.DARK.syntax, True)):
        h.set_dark(dark)
        for token in _styled(syntax):
            assert _foreground(h, token) == f"#{syntax.style_for_token(token)['color']}", token
    h.set_dark(False)
    assert _foreground(h, Keyword) == "#cf222e"
    assert _foreground(h, Keyword.Reserved) == "#cf222e"  # inherited from Keyword
    assert _foreground(h, Keyword.Made.Up) == "#cf222e"  # a lexer's own token type
    assert h._format(Comment).fontItalic()  # type: ignore[union-attr]
    assert h._format(Token.Text) is None
    assert h._format(Name) is None
    h.set_dark(True)
    assert _foreground(h, String) == "#a5d6ff"


def test_highlight_follows_a_changed_syntax_style(
    qapp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Loud(Style):
        styles = {Keyword: "bold #ff00ff"}  # noqa: RUF012

    monkeypatch.setattr(theme, "LIGHT", dataclasses.replace(theme.LIGHT, syntax=Loud))
    doc = QTextDocument()  # the highlighter's parent: keep it alive
    h = PygmentsHighlighter(doc, "python")
    h.set_dark(False)
    assert _foreground(h, Keyword.Namespace) == "#ff00ff"
    assert h._format(String) is None
