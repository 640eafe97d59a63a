"""Syntax highlighting with Pygments tokens, for read-only code documents.

The whole text is lexed once when it is set (so strings and heredocs that span lines are
right); `highlightBlock` then only looks its spans up, which keeps repaints fast. The colours
are the Pygments styles of `lfdesk.ui.theme` (the light or the dark one, by the palette).
"""

from __future__ import annotations

from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.token import _TokenType as TokenType
from pygments.util import ClassNotFound
from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from lfdesk.ui import theme
from lfdesk.ui.theme import is_dark

__all__ = ["PygmentsHighlighter", "is_dark", "lexer_for"]

Span = tuple[int, int, QTextCharFormat]


def lexer_for(alias: str) -> Lexer:
    """A Pygments lexer by alias (plain text when unknown)."""
    lexer: Lexer
    try:
        lexer = get_lexer_by_name(alias, stripnl=False, ensurenl=False)
    except ClassNotFound:
        lexer = TextLexer(stripnl=False, ensurenl=False)
    return lexer


class PygmentsHighlighter(QSyntaxHighlighter):
    """Highlights a document whose text is set through `prepare` first."""

    def __init__(self, document: QTextDocument, lexer: str = "text") -> None:
        super().__init__(document)
        self._lexer_name = lexer
        self._lexer = lexer_for(lexer)
        self._dark = is_dark()
        self._formats: dict[TokenType, QTextCharFormat | None] = {}
        self._lines: list[list[Span]] = []

    @property
    def lexer_name(self) -> str:
        return self._lexer_name

    def set_lexer(self, alias: str) -> None:
        if alias != self._lexer_name:
            self._lexer_name = alias
            self._lexer = lexer_for(alias)

    def set_dark(self, dark: bool) -> None:
        """Switch the colour set (on a palette change); re-highlights."""
        if dark != self._dark:
            self._dark = dark
            self._formats.clear()
            doc = self.document()
            if doc is not None:
                self.prepare(doc.toPlainText())
            self.rehighlight()

    def prepare(self, text: str) -> None:
        """Lex `text` (call before the document gets it)."""
        lines: list[list[Span]] = [[]]
        col = 0
        for ttype, value in self._lexer.get_tokens(text):
            fmt = self._format(ttype)
            parts = value.split("\n")
            for k, part in enumerate(parts):
                if k:
                    lines.append([])
                    col = 0
                if part and fmt is not None:
                    lines[-1].append((col, len(part), fmt))
                col += len(part)
        self._lines = lines

    def _format(self, ttype: TokenType) -> QTextCharFormat | None:
        if ttype in self._formats:
            return self._formats[ttype]
        syntax = (theme.DARK if self._dark else theme.LIGHT).syntax
        styled = ttype  # a lexer's own token type: its nearest standard parent's style
        while not syntax.styles_token(styled) and styled.parent is not None:
            styled = styled.parent
        spec = syntax.style_for_token(styled)
        fmt: QTextCharFormat | None = None
        if spec["color"] or spec["bold"] or spec["italic"]:
            fmt = QTextCharFormat()
            if spec["color"]:
                fmt.setForeground(QColor(f"#{spec['color']}"))
            if spec["bold"]:
                fmt.setFontWeight(QFont.Weight.Bold)
            if spec["italic"]:
                fmt.setFontItalic(True)
        self._formats[ttype] = fmt
        return fmt

    def highlightBlock(self, text: str) -> None:
        n = self.currentBlock().blockNumber()
        if 0 <= n < len(self._lines):
            for start, length, fmt in self._lines[n]:
                self.setFormat(start, length, fmt)
