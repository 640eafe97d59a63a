"""Screenshots of the GUI tests: saved to the test artifacts for people to look at, and read
back for the test to check what they show (not blank, the colour of a region...)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QWidget


def _pixels(image: QImage, rect: QRect | None = None) -> memoryview:
    """The pixels of ``image`` (inside ``rect``) as 0xAARRGGBB integers."""
    part = image.copy(rect) if rect is not None else image
    part = part.convertToFormat(QImage.Format.Format_ARGB32)
    return memoryview(bytes(part.constBits())).cast("I")  # type: ignore[arg-type]


def distinct_colours(image: QImage, rect: QRect | None = None) -> int:
    """How many different colours ``image`` (inside ``rect``) has: 1 for a blank picture."""
    return len(set(_pixels(image, rect)))


def same_pixels(a: QImage, b: QImage) -> bool:
    """True when both pictures have the same size and pixels (whatever their formats)."""
    return a.size() == b.size() and _pixels(a) == _pixels(b)


def identical_share(a: QImage, b: QImage) -> float:
    """The share (0..1) of pixels that are the same in two pictures of the same size."""
    assert a.size() == b.size(), (a.size(), b.size())
    pa, pb = _pixels(a), _pixels(b)
    return sum(1 for x, y in zip(pa, pb, strict=True) if x == y) / len(pa)


def mean_colour(image: QImage, rect: QRect | None = None) -> QColor:
    """The average colour of ``image`` (inside ``rect``)."""
    pixels = _pixels(image, rect)
    assert len(pixels), f"empty region {rect}"
    n = len(pixels)
    r = sum((p >> 16) & 0xFF for p in pixels) // n
    g = sum((p >> 8) & 0xFF for p in pixels) // n
    b = sum(p & 0xFF for p in pixels) // n
    return QColor(r, g, b)


def share_near(image: QImage, rect: QRect | None, colour: QColor, tolerance: int = 24) -> float:
    """The share (0..1) of the pixels of ``image`` (inside ``rect``) within ``tolerance`` of
    ``colour`` on every channel."""
    pixels = _pixels(image, rect)
    assert len(pixels), f"empty region {rect}"
    r0, g0, b0 = colour.red(), colour.green(), colour.blue()
    near = sum(
        1
        for p in pixels
        if abs(((p >> 16) & 0xFF) - r0) <= tolerance
        and abs(((p >> 8) & 0xFF) - g0) <= tolerance
        and abs((p & 0xFF) - b0) <= tolerance
    )
    return near / len(pixels)


def reddish(colour: QColor, margin: int = 15) -> bool:
    """Clearly more red than green and blue (an error tint)."""
    return colour.red() > colour.green() + margin and colour.red() > colour.blue() + margin


def reddish_pixels(image: QImage, rect: QRect | None = None) -> int:
    """How many pixels of ``image`` (inside ``rect``) are a clear red (an error icon or word)."""
    return sum(
        1
        for p in _pixels(image, rect)
        if ((p >> 16) & 0xFF) > 150 and ((p >> 8) & 0xFF) < 110 and (p & 0xFF) < 110
    )


def region(top: QWidget, widget: QWidget) -> QRect:
    """Where ``widget`` is in a picture of ``top`` (its ancestor)."""
    return QRect(widget.mapTo(top, QPoint(0, 0)), widget.size())


def shoot(
    target: QWidget | QPixmap, artifacts: Path, name: str, *, min_colours: int = 8
) -> QImage:
    """Save a picture of ``target`` as ``artifacts/name``, read the file back and check it is
    a real picture (its size, more than ``min_colours`` colours); returns it for more checks."""
    pixmap = target if isinstance(target, QPixmap) else target.grab()
    path = artifacts / name
    assert pixmap.save(str(path)), f"could not save {path}"
    image = QImage(str(path))
    assert not image.isNull(), f"{path} does not read back as an image"
    assert image.size() == pixmap.size(), (image.size(), pixmap.size())
    colours = distinct_colours(image)
    assert colours > min_colours, f"{name} looks blank: {colours} colours"
    return image


def grab_with_popup(window: QWidget, popup: QWidget, crop: QRect | None = None) -> QPixmap:
    """The window's picture with an open popup (a menu, a combo box's list) painted where it
    is on screen: a popup is a window of its own, so ``window.grab()`` leaves it out.
    ``crop`` (window coordinates) keeps only that part of the window."""
    picture = window.grab(crop) if crop is not None else window.grab()
    if popup.isVisible():
        origin = window.mapToGlobal(QPoint(0, 0)) + (crop.topLeft() if crop else QPoint(0, 0))
        painter = QPainter(picture)
        painter.drawPixmap(popup.mapToGlobal(QPoint(0, 0)) - origin, popup.grab())
        painter.end()
    return picture
