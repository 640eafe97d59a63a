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


def mean_colour(image: QImage, rect: QRect | None = None) -> QColor:
    """The average colour of ``image`` (inside ``rect``)."""
    pixels = _pixels(image, rect)
    assert len(pixels), f"empty region {rect}"
    n = len(pixels)
    r = sum((p >> 16) & 0xFF for p in pixels) // n
    g = sum((p >> 8) & 0xFF for p in pixels) // n
    b = sum(p & 0xFF for p in pixels) // n
    return QColor(r, g, b)


def reddish(colour: QColor, margin: int = 15) -> bool:
    """Clearly more red than green and blue (an error tint)."""
    return colour.red() > colour.green() + margin and colour.red() > colour.blue() + margin


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
