"""One message of the chat: who, the text (Markdown for answers) and a line of timings.

An answer is rendered as Markdown incrementally: while it streams, each finished stretch of
it (up to a blank line outside a code fence) is turned into Markdown once and kept, and only
the unfinished tail is plain text. So the final render of a long answer only lays out its
last paragraph, and a flood of tokens costs cheap appends.
"""

from __future__ import annotations

import re
import time
from typing import Any

from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import (
    QPalette,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from lfdesk.ui import theme

MARKDOWN_EVERY_S = 0.4  # while streaming, turn finished paragraphs into Markdown this often

# A blank line (a paragraph ends) or a code fence line (``` or ~~~, up to 3 spaces in).
_BOUNDARY = re.compile(r"(?m)^ {0,3}(?:```|~~~)|\n\n")


class _Body(QTextBrowser):
    """A message's text: a read-only QTextBrowser as tall as its content (no own scrolling)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setOpenExternalLinks(True)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.viewport().setAutoFillBackground(False)
        self.setAutoFillBackground(False)
        self.setStyleSheet("QTextBrowser { background: transparent; }")
        self.document().setDocumentMargin(2)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self.setFixedHeight(self._wanted_height())

    def _wanted_height(self) -> int:
        return max(int(self.document().size().height()) + 4, self.fontMetrics().height() + 8)

    def _fit(self, *_args: object) -> None:
        h = self._wanted_height()
        if h != self.height():
            self.setFixedHeight(h)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        # Only a new width needs a new layout: the height changes after every render (the
        # body grows with its text), and laying the whole answer out again each time made
        # a long streamed answer cost more with every paragraph.
        width = self.viewport().width()
        if width != self.document().textWidth():
            self.document().setTextWidth(width)
        self._fit()

    def wheelEvent(self, event: Any) -> None:
        event.ignore()  # let the transcript scroll


def stable_end(text: str, start: int) -> int:
    """The end of the last finished stretch of ``text`` after ``start`` (which is outside a
    code fence): just past a blank line that is outside every fence; ``start`` if none."""
    last, in_fence = start, False
    for m in _BOUNDARY.finditer(text, start):
        if m.group() == "\n\n":
            if not in_fence:
                last = m.end()
        else:
            in_fence = not in_fence
    return last


class MessageView(QFrame):
    """One message: a header (who), the text, and a small line for timings."""

    def __init__(self, role: str, who: str, key: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.role = role  # "user", "ai", "error", "info"
        self.key = key  # the conversation's key of this message
        self.setObjectName(f"message-{role}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(0)
        self.header = QLabel(who)
        font = self.header.font()
        font.setBold(True)
        self.header.setFont(font)
        self.body = _Body(self)
        self.stats = QLabel()
        self.stats.setObjectName("stats")
        small = self.stats.font()
        small.setPointSizeF(max(small.pointSizeF() * 0.9, 7.0))
        self.stats.setFont(small)
        self.stats.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.stats.hide()
        layout.addWidget(self.header)
        layout.addWidget(self.body)
        layout.addWidget(self.stats)
        self.markdown = role in ("ai", "info")
        self.complete = False
        self._text = ""
        self._md_len = 0  # how much of the text is rendered as Markdown
        self._plain_pos = 0  # where the plain tail starts in the document
        self._last_markdown = 0.0
        self.apply_palette()

    def apply_palette(self) -> None:
        pal = self.palette()
        parent = self.parentWidget()
        app_pal = parent.palette() if parent is not None else QApplication.palette()
        base = app_pal.color(QPalette.ColorRole.Base)
        if self.role == "user":
            colour = theme.blend(base, app_pal.color(QPalette.ColorRole.Highlight), 0.16)
        elif self.role == "error":
            colour = theme.blend(base, theme.INVALID_COLOR, 0.18)
        elif self.role == "info":
            colour = theme.blend(base, app_pal.color(QPalette.ColorRole.Link), 0.10)
        else:
            colour = app_pal.color(QPalette.ColorRole.AlternateBase)
        pal.setColor(QPalette.ColorRole.Window, colour)
        pal.setColor(QPalette.ColorRole.Base, colour)
        self.setPalette(pal)

    # --- text ------------------------------------------------------------------------------

    def text(self) -> str:
        return self._text

    def set_text(self, text: str, *, final: bool = True) -> None:
        """Show ``text`` from scratch; Markdown is rendered at once when ``final``."""
        self._text = text
        self._md_len = self._plain_pos = 0
        self.body.clear()
        if not self.markdown:
            self.body.setPlainText(text)
            return
        if final:
            self.complete = True
            self._render_to(len(text))
        else:
            self._render_to(stable_end(text, 0))

    def append(self, chunk: str) -> None:
        """More text at the end (streamed, already coalesced by the pane)."""
        if not chunk:
            return
        self._text += chunk
        cursor = QTextCursor(self.body.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        if self._md_len and cursor.position() == self._plain_pos:
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())  # the tail's own paragraph
            chunk = chunk.lstrip("\n")
        cursor.insertText(chunk, QTextCharFormat())
        if self.markdown and time.monotonic() - self._last_markdown >= MARKDOWN_EVERY_S:
            self._render_to(stable_end(self._text, self._md_len))

    def finish(self) -> None:
        """The message is complete: the rest of it is rendered as Markdown."""
        self.complete = True
        if self.markdown:
            self._render_to(len(self._text))

    def _render_to(self, end: int) -> None:
        """Render ``text[md_len:end]`` as Markdown in place of the plain tail's start."""
        self._last_markdown = time.monotonic()
        if end <= self._md_len:
            if not self._md_len and not self.body.document().characterCount() > 1:
                self._show_tail()
            return
        doc = self.body.document()
        cursor = QTextCursor(doc)
        cursor.setPosition(self._plain_pos)
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        first_block = cursor.block().blockNumber()
        if self._md_len:
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
            first_block += 1
        cursor.insertMarkdown(self._text[self._md_len : end])
        self._shade_code_blocks(first_block)
        self._md_len = end
        cursor.movePosition(QTextCursor.MoveOperation.End)
        self._plain_pos = cursor.position()
        self._show_tail()

    def _show_tail(self) -> None:
        """The unfinished rest of the text, as plain text after the Markdown part."""
        tail = self._text[self._md_len :]
        if not tail:
            return
        cursor = QTextCursor(self.body.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        if self._md_len:
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
            tail = tail.lstrip("\n")
        cursor.insertText(tail, QTextCharFormat())

    def _shade_code_blocks(self, first_block: int = 0) -> None:
        """Give fenced code blocks a background (Qt's Markdown import sets none), from the
        palette so it reads on light and dark themes."""
        doc = self.body.document()
        pal = self.palette()
        shade = theme.blend(
            pal.color(QPalette.ColorRole.Base), pal.color(QPalette.ColorRole.Text), 0.07
        )
        block = doc.findBlockByNumber(first_block)
        cursor: QTextCursor | None = None
        while block.isValid():
            fmt = block.blockFormat()
            if fmt.hasProperty(QTextFormat.Property.BlockCodeFence) or fmt.hasProperty(
                QTextFormat.Property.BlockCodeLanguage
            ):
                cursor = cursor or QTextCursor(doc)
                cursor.setPosition(block.position())
                shaded = QTextBlockFormat()
                shaded.setBackground(shade)
                cursor.mergeBlockFormat(shaded)
            block = block.next()

    def set_stats(self, text: str) -> None:
        self.stats.setText(text)
        self.stats.setVisible(bool(text))

    def natural_width(self) -> int:
        """The width the text would take unwrapped, plus the frame (for short bubbles)."""
        fm = self.body.fontMetrics()
        lines = self._text.splitlines() or [""]
        text_w = max(fm.horizontalAdvance(line) for line in lines[:200])
        head_w = self.header.fontMetrics().horizontalAdvance(self.header.text())
        layout = self.layout()
        margins = layout.contentsMargins() if layout is not None else QMargins()
        extra = margins.left() + margins.right() + 2 * self.frameWidth() + 16
        return max(text_w, head_w) + extra
