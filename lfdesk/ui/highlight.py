"""Syntax highlighting with Pygments tokens, for read-only code documents.

The whole text is lexed once when it is set (so strings and heredocs that span lines are
right); `highlightBlock` then only looks its spans up, which keeps repaints fast.
"""

from __future__ import annotations

from typing import Any

from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.token import Comment, Error, Generic, Keyword, Name, Number, Operator, String
from pygments.token import _TokenType as TokenType
from pygments.util import ClassNotFound
from PySide6.QtGui import (
    QColor,
    QFont,
    QPalette,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import QApplication

# (light, dark) colours per token family; each pair was picked to keep contrast against a
# white and a near-black background respectively (roughly GitHub's light and dark themes).
_STYLE: dict[TokenType, tuple[str, str, bool, bool]] = {
    # token: (light colour, dark colour, bold, italic)
    Keyword: ("#cf222e", "#ff7b72", False, False),
    Keyword.Constant: ("#0550ae", "#79c0ff", False, False),
    Keyword.Type: ("#953800", "#ffa657", False, False),
    Name.Builtin: ("#8250df", "#d2a8ff", False, False),
    Name.Function: ("#8250df", "#d2a8ff", False, False),
    Name.Class: ("#953800", "#ffa657", False, False),
    Name.Decorator: ("#8250df", "#d2a8ff", False, False),
    Name.Variable: ("#0550ae", "#79c0ff", False, False),
    Name.Attribute: ("#0550ae", "#79c0ff", False, False),
    Name.Tag: ("#116329", "#7ee787", False, False),
    Name.Namespace: ("#953800", "#ffa657", False, False),
    Name.Constant: ("#0550ae", "#79c0ff", False, False),
    String: ("#0a3069", "#a5d6ff", False, False),
    String.Escape: ("#cf222e", "#ff7b72", False, False),
    String.Interpol: ("#cf222e", "#ff7b72", False, False),
    String.Doc: ("#57606a", "#8b949e", False, True),
    Number: ("#0550ae", "#79c0ff", False, False),
    Comment: ("#6e7781", "#8b949e", False, True),
    Operator: ("#cf222e", "#ff7b72", False, False),
    Operator.Word: ("#cf222e", "#ff7b72", False, False),
    Generic.Heading: ("#0550ae", "#79c0ff", True, False),
    Error: ("#82071e", "#ffa198", False, False),
}

Span = tuple[int, int, QTextCharFormat]


def is_dark(palette: QPalette | None = None) -> bool:
    pal = palette or QApplication.palette()
    return pal.color(QPalette.ColorRole.Base).lightness() < 128


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
        t: Any = ttype
        spec = None
        while t is not None:
            spec = _STYLE.get(t)
            if spec is not None:
                break
            t = t.parent
        fmt: QTextCharFormat | None = None
        if spec is not None:
            light, dark, bold, italic = spec
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(dark if self._dark else light))
            if bold:
                fmt.setFontWeight(QFont.Weight.Bold)
            if italic:
                fmt.setFontItalic(True)
        self._formats[ttype] = fmt
        return fmt

    def highlightBlock(self, text: str) -> None:
        n = self.currentBlock().blockNumber()
        if 0 <= n < len(self._lines):
            for start, length, fmt in self._lines[n]:
                self.setFormat(start, length, fmt)
