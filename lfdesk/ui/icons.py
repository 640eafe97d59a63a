"""Small icons drawn with QPainter, so they need no resource files and read on any palette.

Component icons are a coloured rounded tile with a white glyph (the tile gives the contrast,
whatever the window colour); badges are small coloured marks for field states.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QIcon,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
)

_SIZES = (16, 20, 24, 32, 48)

Painter = Callable[[QPainter, QRectF], None]

_ICON_CACHE: dict[str, QIcon] = {}
_BADGE_CACHE: dict[str, QIcon] = {}


def _make_icon(paint: Painter) -> QIcon:
    icon = QIcon()
    for size in _SIZES:
        pm = QPixmap(size, size)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        paint(p, QRectF(0, 0, size, size))
        p.end()
        icon.addPixmap(pm)
    return icon


# --- component tiles ---------------------------------------------------------------------

# Mid-tone colours: white glyphs stay readable on them, and the tiles stand out on light and
# dark window backgrounds alike.
_BLUE = QColor("#3b7dd8")
_GREEN = QColor("#2e9a5e")
_PURPLE = QColor("#8256d0")
_ORANGE = QColor("#d9822b")
_TEAL = QColor("#1f8f98")
_PINK = QColor("#c8477d")
_SLATE = QColor("#6b7785")
_BROWN = QColor("#9a6b3f")


def _tile(color: QColor, glyph: Painter) -> Painter:
    def paint(p: QPainter, r: QRectF) -> None:
        s = r.width()
        inset = max(0.5, s * 0.04)
        tile = r.adjusted(inset, inset, -inset, -inset)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawRoundedRect(tile, s * 0.22, s * 0.22)
        p.save()
        p.setBackground(QBrush(color))
        glyph(p, tile)
        p.restore()

    return paint


def _white_pen(r: QRectF, width: float = 0.09) -> QPen:
    pen = QPen(QColor("white"))
    pen.setWidthF(max(1.0, r.width() * width))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _glyph_text(text: str, scale: float = 0.62, bold: bool = True) -> Painter:
    def paint(p: QPainter, r: QRectF) -> None:
        font = QFont()
        font.setPixelSize(max(6, int(r.height() * scale / max(1, len(text)) ** 0.35)))
        font.setBold(bold)
        p.setFont(font)
        p.setPen(QColor("white"))
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, text)

    return paint


def _glyph_bubble(p: QPainter, r: QRectF) -> None:
    w, h = r.width(), r.height()
    body = QRectF(r.left() + w * 0.18, r.top() + h * 0.2, w * 0.64, h * 0.46)
    path = QPainterPath()
    path.addRoundedRect(body, w * 0.12, w * 0.12)
    tail = QPainterPath()
    tail.moveTo(body.left() + w * 0.14, body.bottom() - 1)
    tail.lineTo(body.left() + w * 0.12, body.bottom() + h * 0.16)
    tail.lineTo(body.left() + w * 0.32, body.bottom() - 1)
    tail.closeSubpath()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("white"))
    p.drawPath(path.united(tail))


def _glyph_bot(p: QPainter, r: QRectF) -> None:
    w, h = r.width(), r.height()
    head = QRectF(r.left() + w * 0.2, r.top() + h * 0.32, w * 0.6, h * 0.46)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("white"))
    p.drawRoundedRect(head, w * 0.1, w * 0.1)
    p.drawRect(QRectF(r.center().x() - w * 0.035, r.top() + h * 0.18, w * 0.07, h * 0.15))
    p.drawEllipse(QPointF(r.center().x(), r.top() + h * 0.17), w * 0.065, w * 0.065)
    p.setBrush(p.background())  # the tile's colour (set by _tile)
    eye = w * 0.07
    p.drawEllipse(QPointF(head.left() + head.width() * 0.3, head.center().y()), eye, eye)
    p.drawEllipse(QPointF(head.right() - head.width() * 0.3, head.center().y()), eye, eye)


def _glyph_search(p: QPainter, r: QRectF) -> None:
    w = r.width()
    p.setPen(_white_pen(r, 0.1))
    p.setBrush(Qt.BrushStyle.NoBrush)
    c = QPointF(r.left() + w * 0.44, r.top() + w * 0.44)
    p.drawEllipse(c, w * 0.2, w * 0.2)
    p.drawLine(
        QPointF(c.x() + w * 0.15, c.y() + w * 0.15),
        QPointF(r.left() + w * 0.78, r.top() + w * 0.78),
    )


def _glyph_database(p: QPainter, r: QRectF) -> None:
    w, h = r.width(), r.height()
    left, right = r.left() + w * 0.24, r.left() + w * 0.76
    top, bottom = r.top() + h * 0.2, r.top() + h * 0.8
    eh = h * 0.16
    p.setPen(_white_pen(r, 0.075))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(QRectF(left, top, right - left, eh))
    p.drawLine(QPointF(left, top + eh / 2), QPointF(left, bottom - eh / 2))
    p.drawLine(QPointF(right, top + eh / 2), QPointF(right, bottom - eh / 2))
    p.drawArc(QRectF(left, bottom - eh, right - left, eh), 180 * 16, 180 * 16)
    p.drawArc(QRectF(left, (top + bottom) / 2 - eh / 2, right - left, eh), 180 * 16, 180 * 16)


def _glyph_document(p: QPainter, r: QRectF) -> None:
    w, h = r.width(), r.height()
    page = QRectF(r.left() + w * 0.27, r.top() + h * 0.18, w * 0.46, h * 0.64)
    p.setPen(_white_pen(r, 0.07))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRoundedRect(page, w * 0.05, w * 0.05)
    for i in range(3):
        y = page.top() + page.height() * (0.3 + 0.2 * i)
        p.drawLine(
            QPointF(page.left() + page.width() * 0.22, y),
            QPointF(page.right() - page.width() * 0.22, y),
        )


def _glyph_prompt(p: QPainter, r: QRectF) -> None:
    w, h = r.width(), r.height()
    p.setPen(_white_pen(r, 0.09))
    p.setBrush(Qt.BrushStyle.NoBrush)
    x0, y0 = r.left() + w * 0.24, r.top() + h * 0.32
    p.drawPolyline(
        [QPointF(x0, y0), QPointF(x0 + w * 0.18, y0 + h * 0.18), QPointF(x0, y0 + h * 0.36)]
    )
    p.drawLine(
        QPointF(r.left() + w * 0.5, r.top() + h * 0.7),
        QPointF(r.left() + w * 0.76, r.top() + h * 0.7),
    )


def _glyph_brain(p: QPainter, r: QRectF) -> None:
    w, h = r.width(), r.height()
    p.setPen(_white_pen(r, 0.075))
    p.setBrush(Qt.BrushStyle.NoBrush)
    c = r.center()
    p.drawEllipse(QPointF(c.x() - w * 0.12, c.y()), w * 0.19, h * 0.26)
    p.drawEllipse(QPointF(c.x() + w * 0.12, c.y()), w * 0.19, h * 0.26)
    p.drawLine(QPointF(c.x(), c.y() - h * 0.2), QPointF(c.x(), c.y() + h * 0.2))


def _glyph_list(p: QPainter, r: QRectF) -> None:
    w, h = r.width(), r.height()
    p.setPen(_white_pen(r, 0.08))
    for i in range(3):
        y = r.top() + h * (0.32 + 0.18 * i)
        p.drawPoint(QPointF(r.left() + w * 0.28, y))
        p.drawLine(QPointF(r.left() + w * 0.4, y), QPointF(r.left() + w * 0.74, y))


def _glyph_scissors(p: QPainter, r: QRectF) -> None:
    w, h = r.width(), r.height()
    p.setPen(_white_pen(r, 0.07))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(QPointF(r.left() + w * 0.33, r.top() + h * 0.68), w * 0.1, w * 0.1)
    p.drawEllipse(QPointF(r.left() + w * 0.67, r.top() + h * 0.68), w * 0.1, w * 0.1)
    p.drawLine(
        QPointF(r.left() + w * 0.38, r.top() + h * 0.58),
        QPointF(r.left() + w * 0.7, r.top() + h * 0.2),
    )
    p.drawLine(
        QPointF(r.left() + w * 0.62, r.top() + h * 0.58),
        QPointF(r.left() + w * 0.3, r.top() + h * 0.2),
    )


def _glyph_mic(p: QPainter, r: QRectF) -> None:
    w, h = r.width(), r.height()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("white"))
    p.drawRoundedRect(
        QRectF(r.left() + w * 0.4, r.top() + h * 0.18, w * 0.2, h * 0.4), w * 0.1, w * 0.1
    )
    p.setPen(_white_pen(r, 0.06))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawArc(QRectF(r.left() + w * 0.3, r.top() + h * 0.3, w * 0.4, h * 0.38), 180 * 16, 180 * 16)
    p.drawLine(
        QPointF(r.center().x(), r.top() + h * 0.68), QPointF(r.center().x(), r.top() + h * 0.8)
    )


def _glyph_layout(p: QPainter, r: QRectF) -> None:
    w, h = r.width(), r.height()
    p.setPen(_white_pen(r, 0.07))
    p.setBrush(Qt.BrushStyle.NoBrush)
    box = QRectF(r.left() + w * 0.22, r.top() + h * 0.22, w * 0.56, h * 0.56)
    p.drawRect(box)
    p.drawLine(
        QPointF(box.left(), box.top() + box.height() * 0.35),
        QPointF(box.right(), box.top() + box.height() * 0.35),
    )
    p.drawLine(
        QPointF(box.left() + box.width() * 0.4, box.top() + box.height() * 0.35),
        QPointF(box.left() + box.width() * 0.4, box.bottom()),
    )


def _glyph_flow(p: QPainter, r: QRectF) -> None:
    w, h = r.width(), r.height()
    p.setPen(_white_pen(r, 0.07))
    a = QPointF(r.left() + w * 0.28, r.top() + h * 0.3)
    b = QPointF(r.left() + w * 0.72, r.top() + h * 0.5)
    c = QPointF(r.left() + w * 0.28, r.top() + h * 0.72)
    p.drawLine(a, b)
    p.drawLine(c, b)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("white"))
    for pt in (a, b, c):
        p.drawEllipse(pt, w * 0.09, w * 0.09)


# Lower-cased Langflow icon names (lucide names and brand names) -> tile.
_NAMED: dict[str, tuple[QColor, Painter]] = {
    "messagessquare": (_BLUE, _glyph_bubble),
    "messagesquare": (_BLUE, _glyph_bubble),
    "message-square": (_BLUE, _glyph_bubble),
    "messages-square": (_BLUE, _glyph_bubble),
    "messagecircle": (_BLUE, _glyph_bubble),
    "bot": (_PURPLE, _glyph_bot),
    "openai": (_GREEN, _glyph_text("AI")),
    "anthropic": (_BROWN, _glyph_text("A")),
    "google": (_BLUE, _glyph_text("G")),
    "googlegenerativeai": (_BLUE, _glyph_text("G")),
    "ollama": (_SLATE, _glyph_text("O")),
    "mistral": (_ORANGE, _glyph_text("M")),
    "groq": (_ORANGE, _glyph_text("Gq")),
    "brain": (_PINK, _glyph_brain),
    "brain-circuit": (_PINK, _glyph_brain),
    "braces": (_ORANGE, _glyph_text("{}")),
    "prompts": (_TEAL, _glyph_prompt),
    "terminal": (_TEAL, _glyph_prompt),
    "search": (_SLATE, _glyph_search),
    "database": (_BROWN, _glyph_database),
    "astradb": (_BROWN, _glyph_database),
    "file-text": (_SLATE, _glyph_document),
    "file": (_SLATE, _glyph_document),
    "filetext": (_SLATE, _glyph_document),
    "list": (_TEAL, _glyph_list),
    "calculator": (_SLATE, _glyph_text("±")),
    "mic": (_PINK, _glyph_mic),
    "scissors-line-dashed": (_ORANGE, _glyph_scissors),
    "scissors": (_ORANGE, _glyph_scissors),
    "layout-template": (_PURPLE, _glyph_layout),
    "arxiv": (_PINK, _glyph_text("X")),
    "infinity": (_TEAL, _glyph_text("∞")),
    "code": (_SLATE, _glyph_text("</>")),
    "workflow": (_BLUE, _glyph_flow),
    "flow": (_BLUE, _glyph_flow),
}

_FALLBACK_COLORS = (_BLUE, _GREEN, _PURPLE, _ORANGE, _TEAL, _PINK, _SLATE, _BROWN)


def component_icon(icon_name: str) -> QIcon:
    """The tile for a Langflow icon name ("MessagesSquare", "OpenAI", "braces", "bot", ...).

    Unknown names get their first letter on a colour chosen from the name, so the same
    component type always looks the same.
    """
    key = (icon_name or "").strip().lower()
    cached = _ICON_CACHE.get(key)
    if cached is not None:
        return cached
    if key in _NAMED:
        color, glyph = _NAMED[key]
    else:
        letter = next((ch for ch in icon_name if ch.isalnum()), "?").upper()
        color = _FALLBACK_COLORS[sum(map(ord, key)) % len(_FALLBACK_COLORS)]
        glyph = _glyph_text(letter)
    icon = _make_icon(_tile(color, glyph))
    _ICON_CACHE[key] = icon
    return icon


def flow_icon() -> QIcon:
    """The icon of the flow itself (the tree's root row)."""
    return component_icon("workflow")


# --- badges --------------------------------------------------------------------------------

CHANGED_COLOR = QColor("#e08a1e")  # amber: reads on white and on near-black
INVALID_COLOR = QColor("#d93a3a")
EXPOSED_COLOR = QColor("#2f8fdd")
LOCKED_COLOR = QColor("#8a8f98")


def _badge_changed(p: QPainter, r: QRectF) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(CHANGED_COLOR)
    p.drawEllipse(r.center(), r.width() * 0.28, r.width() * 0.28)


def _badge_invalid(p: QPainter, r: QRectF) -> None:
    w = r.width()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(INVALID_COLOR)
    p.drawEllipse(r.center(), w * 0.44, w * 0.44)
    p.setBrush(QColor("white"))
    p.drawRoundedRect(
        QRectF(r.center().x() - w * 0.06, r.top() + w * 0.2, w * 0.12, w * 0.38), w * 0.05, w * 0.05
    )
    p.drawEllipse(QPointF(r.center().x(), r.top() + w * 0.72), w * 0.07, w * 0.07)


def _badge_exposed(p: QPainter, r: QRectF) -> None:
    w = r.width()
    pen = QPen(EXPOSED_COLOR)
    pen.setWidthF(max(1.2, w * 0.1))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    c = QPointF(r.left() + w * 0.3, r.center().y())
    p.setBrush(QBrush(EXPOSED_COLOR))
    p.drawEllipse(c, w * 0.1, w * 0.1)
    p.setBrush(Qt.BrushStyle.NoBrush)
    for radius in (0.3, 0.52):
        p.drawArc(
            QRectF(c.x() - w * radius, c.y() - w * radius, 2 * w * radius, 2 * w * radius),
            -50 * 16,
            100 * 16,
        )


def _badge_locked(p: QPainter, r: QRectF) -> None:
    w = r.width()
    pen = QPen(LOCKED_COLOR)
    pen.setWidthF(max(1.2, w * 0.1))
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    shackle = QRectF(r.left() + w * 0.3, r.top() + w * 0.12, w * 0.4, w * 0.46)
    p.drawArc(shackle, 0, 180 * 16)
    p.drawLine(
        QPointF(shackle.left(), shackle.center().y()), QPointF(shackle.left(), r.top() + w * 0.46)
    )
    p.drawLine(
        QPointF(shackle.right(), shackle.center().y()), QPointF(shackle.right(), r.top() + w * 0.46)
    )
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(LOCKED_COLOR)
    p.drawRoundedRect(
        QRectF(r.left() + w * 0.2, r.top() + w * 0.44, w * 0.6, w * 0.44), w * 0.08, w * 0.08
    )


def _badge_reset(p: QPainter, r: QRectF) -> None:
    w = r.width()
    pen = QPen(QColor("#7f8790"))
    pen.setWidthF(max(1.2, w * 0.1))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    arc = QRectF(r.left() + w * 0.2, r.top() + w * 0.2, w * 0.6, w * 0.6)
    p.drawArc(arc, 100 * 16, 280 * 16)
    tip = QPointF(arc.center().x() - w * 0.05, arc.top())
    p.drawLine(tip, QPointF(tip.x() + w * 0.16, tip.y() - w * 0.1))
    p.drawLine(tip, QPointF(tip.x() + w * 0.14, tip.y() + w * 0.13))


def _badge_eye(p: QPainter, r: QRectF) -> None:
    w = r.width()
    pen = QPen(QColor("#7f8790"))
    pen.setWidthF(max(1.2, w * 0.08))
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    path = QPainterPath()
    path.moveTo(r.left() + w * 0.1, r.center().y())
    path.quadTo(r.center().x(), r.top() + w * 0.1, r.right() - w * 0.1, r.center().y())
    path.quadTo(r.center().x(), r.bottom() - w * 0.1, r.left() + w * 0.1, r.center().y())
    p.drawPath(path)
    p.setBrush(QColor("#7f8790"))
    p.drawEllipse(r.center(), w * 0.12, w * 0.12)


OK_COLOR = QColor("#2e9a5e")
STOPPED_COLOR = QColor("#8a8f98")


def _badge_ok(p: QPainter, r: QRectF) -> None:
    w = r.width()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(OK_COLOR)
    p.drawEllipse(r.center(), w * 0.44, w * 0.44)
    pen = QPen(QColor("white"))
    pen.setWidthF(max(1.4, w * 0.12))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    path = QPainterPath()
    path.moveTo(r.left() + w * 0.29, r.top() + w * 0.52)
    path.lineTo(r.left() + w * 0.44, r.top() + w * 0.67)
    path.lineTo(r.left() + w * 0.72, r.top() + w * 0.36)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(path)


def _badge_stopped(p: QPainter, r: QRectF) -> None:
    w = r.width()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(STOPPED_COLOR)
    p.drawEllipse(r.center(), w * 0.44, w * 0.44)
    p.setBrush(QColor("white"))
    side = w * 0.32
    p.drawRect(QRectF(r.center().x() - side / 2, r.center().y() - side / 2, side, side))


def _badge_blank(p: QPainter, r: QRectF) -> None:
    """Nothing: keeps the names of fields without a badge aligned with the others."""


_BADGES: dict[str, Painter] = {
    "blank": _badge_blank,
    "changed": _badge_changed,
    "invalid": _badge_invalid,
    "exposed": _badge_exposed,
    "locked": _badge_locked,
    "reset": _badge_reset,
    "eye": _badge_eye,
    "ok": _badge_ok,
    "stopped": _badge_stopped,
}


def badge_icon(kind: str) -> QIcon:
    """A small state mark: "changed", "exposed", "locked" or "invalid" (also "reset", "eye",
    and the run states "ok" and "stopped").

    An unknown kind gives an empty icon.
    """
    cached = _BADGE_CACHE.get(kind)
    if cached is not None:
        return cached
    paint = _BADGES.get(kind)
    icon = _make_icon(paint) if paint is not None else QIcon()
    _BADGE_CACHE[kind] = icon
    return icon


def status_icon(status: str) -> QIcon:
    """The mark of a run's end: "ok" (green tick), "error" (red !), "stopped" (grey square)."""
    return badge_icon({"ok": "ok", "stopped": "stopped"}.get(status, "invalid"))
