"""The live code preview: the RunRequest rendered by a code generator, highlighted.

The preview renders on a single-shot timer after `set_request`, so typing in a form never
waits for it: at the next turn of the event loop when it is idle (the new code is on screen
in the same frame as the keystroke), at most once every RENDER_DELAY_MS during a burst of
changes (which coalesce into one render of the latest request). The text only changes (and
the view only repaints) when the code did.
What `text()` returns is exactly what Copy and Save write: the short form to paste into a
project (the default) or the full program (the Short/Full switch; a target with no short form
is full by nature). When the server is known (`set_server`), the preview says which choices
will not work there (`lfdesk.core.serverfit`).
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from lfdesk.core import codegen
from lfdesk.core.api import ServerInfo
from lfdesk.core.codegen import Generator, RenderOptions
from lfdesk.core.request import DEFAULT_KEY_ENV, RunRequest
from lfdesk.core.serverfit import fit_warnings
from lfdesk.ui import theme
from lfdesk.ui.editors import monospace_font
from lfdesk.ui.highlight import PygmentsHighlighter

log = logging.getLogger(__name__)

TOKEN_WARNING = "This snippet contains your API token"
NO_TOKEN_WARNING = "No API token to inline for this connection; the snippet reads {env}"
NO_REQUEST_TEXT = "Open a flow to see the code that runs it."
SHORT_TIP = "The short form: the request, the call and the answer, to paste into a project"
FULL_TIP = "The full program: error details, stream reconciliation, every server version"
NO_SHORT_TIP = "{label} is a complete program: it has no short form"


class CodePreview(QWidget):
    """Language picker, options and the highlighted code for the current RunRequest.

    The stream, API and inline-token switches apply on top of the request given to
    `set_request`; their signals let the owner keep its RunRequest in step.

    Signals:
        languageChanged(str): a generator name.
        streamToggled(bool)
        apiChanged(str): "v1" or "v2".
        inlineTokenToggled(bool)
        fullToggled(bool): the user chose the full program (True) or the short form.
        copied(str): what Copy put on the clipboard, in words for the status line.
        rendered(): the shown text (or message) was brought up to date.
    """

    languageChanged = Signal(str)
    streamToggled = Signal(bool)
    apiChanged = Signal(str)
    inlineTokenToggled = Signal(bool)
    fullToggled = Signal(bool)
    copied = Signal(str)
    rendered = Signal()

    RENDER_DELAY_MS = 30  # the least time between two renders (a burst renders this often)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._request: RunRequest | None = None
        self._token_provider: Callable[[], str | None] | None = None
        self._text = ""
        self._error: str | None = None
        self._full = False  # the user's choice; a target with no short form shows full anyway
        self._server: ServerInfo | None = None
        self._token_inlined = False

        self.language_combo = QComboBox(self)
        self.language_combo.setToolTip("Language of the snippet")
        for name in codegen.names():
            self.language_combo.addItem(_label_of(name), name)
        self.language_combo.currentIndexChanged.connect(self._on_language)

        self.stream_check = QCheckBox("Stream", self)
        self.stream_check.setToolTip("Stream the answer as it is generated")
        self.stream_check.toggled.connect(self._on_stream)

        self._api_group, api, (self.v1_button, self.v2_button) = self._segments("v1", "v2")
        self.v1_button.setToolTip("POST /api/v1/run/{flow}")
        self.v2_button.setToolTip("POST /api/v2/workflows (beta in Langflow 1.13)")
        self._api_group.buttonToggled.connect(self._on_api)
        self._form_group, form, (self.short_button, self.full_button) = self._segments(
            "Short", "Full"
        )
        self._form_group.buttonToggled.connect(self._on_form)

        self.inline_check = QCheckBox("Inline token", self)
        self.inline_check.setToolTip(
            "Write the API token into the snippet instead of reading it from the environment"
        )
        self.inline_check.toggled.connect(self._on_inline)

        self.copy_button = QToolButton(self)
        self.copy_button.setText("Copy")
        self.copy_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.copy_button.setToolTip("Copy the snippet to the clipboard")
        self.copy_button.clicked.connect(self.copy)
        self.save_button = QToolButton(self)
        self.save_button.setText("Save as…")
        self.save_button.setToolTip("Save the snippet to a file")
        self.save_button.clicked.connect(self.save_as)

        self.token_label = QLabel(TOKEN_WARNING, self)
        self.token_label.setWordWrap(True)
        self.token_label.setVisible(False)
        self._style_token_label(contains=True)

        self.warnings_label = QLabel(self)
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setVisible(False)
        self.warnings_label.setTextFormat(Qt.TextFormat.PlainText)
        self.warnings_label.setStyleSheet(
            f"color: {theme.CHANGED_COLOR.darker(115).name()}; padding: 2px 0;"
        )

        self.editor = QPlainTextEdit(self)
        self.editor.setReadOnly(True)
        self.editor.setFont(monospace_font())
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.editor.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.editor.setUndoRedoEnabled(False)
        self.highlighter = PygmentsHighlighter(self.editor.document())

        self.message_label = QLabel(NO_REQUEST_TEXT, self)
        self.message_label.setWordWrap(True)
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.setMargin(8)
        self.message_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.editor)
        self.stack.addWidget(self.message_label)
        self.stack.setCurrentWidget(self.message_label)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.render_now)
        self._last_render = -1.0  # time.monotonic() of the last render
        self._copied_timer = QTimer(self)
        self._copied_timer.setSingleShot(True)
        self._copied_timer.setInterval(1200)
        self._copied_timer.timeout.connect(lambda: self.copy_button.setText("Copy"))

        row1 = QHBoxLayout()
        row1.setSpacing(6)
        row1.addWidget(self.language_combo, 1)
        row1.addWidget(self.stream_check)
        row1.addLayout(api)
        row2 = QHBoxLayout()
        row2.setSpacing(6)
        row2.addLayout(form)
        row2.addWidget(self.inline_check)
        row2.addStretch(1)
        row2.addWidget(self.copy_button)
        row2.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addWidget(self.token_label)
        layout.addWidget(self.warnings_label)
        layout.addWidget(self.stack, 1)
        self._sync_actions()
        self._sync_form()

    def _segments(self, *labels: str) -> tuple[QButtonGroup, QHBoxLayout, list[QToolButton]]:
        """Buttons side by side of which one is on (the first, to begin with)."""
        group = QButtonGroup(self)
        row = QHBoxLayout()
        row.setSpacing(0)
        buttons: list[QToolButton] = []
        for label in labels:
            b = QToolButton(self)
            b.setText(label)
            b.setCheckable(True)
            group.addButton(b)
            row.addWidget(b)
            buttons.append(b)
        buttons[0].setChecked(True)
        return group, row, buttons

    # --- state ----------------------------------------------------------------------------

    def text(self) -> str:
        """The rendered snippet exactly as Copy and Save give it ("" when there is none)."""
        return self._text

    def error(self) -> str | None:
        """The message shown in place of code, if rendering failed."""
        return self._error

    def language(self) -> str:
        return str(self.language_combo.currentData() or "")

    def generator(self) -> Generator | None:
        try:
            return codegen.get(self.language())
        except Exception:  # a generator module that does not import: shown when rendering
            return None

    def stream(self) -> bool:
        return self.stream_check.isChecked()

    def api(self) -> str:
        return "v2" if self.v2_button.isChecked() else "v1"

    def inline_token(self) -> bool:
        return self.inline_check.isChecked()

    def full(self) -> bool:
        """The user's choice of form (what `fullToggled` last said)."""
        return self._full

    def shows_full(self) -> bool:
        """Whether the full program is shown: chosen, or the target has no short form."""
        gen = self.generator()
        return self._full or (gen is not None and not gen.has_short)

    def server(self) -> ServerInfo | None:
        return self._server

    def request(self) -> RunRequest | None:
        return self._request

    def set_language(self, name: str) -> None:
        idx = self.language_combo.findData(name)
        if idx < 0:
            raise KeyError(f"unknown language {name!r}; known: {', '.join(codegen.names())}")
        self.language_combo.setCurrentIndex(idx)

    def set_stream(self, on: bool) -> None:
        self.stream_check.setChecked(on)

    def set_api(self, api: str) -> None:
        if api not in ("v1", "v2"):
            raise ValueError(f"unknown API {api!r}; expected v1 or v2")
        (self.v2_button if api == "v2" else self.v1_button).setChecked(True)

    def set_inline_token(self, on: bool) -> None:
        self.inline_check.setChecked(on)

    def set_full(self, on: bool) -> None:
        """Show the full program (True) or the short form (emits `fullToggled` on a change)."""
        (self.full_button if on else self.short_button).setChecked(True)

    def set_server(self, info: ServerInfo | None) -> None:
        """What the connected server said of itself (None: not connected, or not known yet);
        the preview warns about choices that will not work there."""
        if info != self._server:
            self._server = info
            self._schedule()

    def set_token_provider(self, fn: Callable[[], str | None] | None) -> None:
        """Where the token comes from when "Inline token" is on (called at render time)."""
        self._token_provider = fn
        if self.inline_token():
            self._schedule()

    def set_request(self, request: RunRequest | None) -> None:
        """Show this request; the code follows after a short pause (typing is never held)."""
        self._request = request
        self._schedule()

    # --- rendering ------------------------------------------------------------------------

    def _schedule(self) -> None:
        # Not a trailing debounce: waiting for a pause in the typing would put the whole
        # delay between every keystroke and its code (a 16 ms frame is the budget). A render
        # already due reads the latest request when it fires.
        if self._timer.isActive():
            return
        since_ms = (time.monotonic() - self._last_render) * 1000
        self._timer.start(max(0, math.ceil(self.RENDER_DELAY_MS - since_ms)))

    def is_pending(self) -> bool:
        return self._timer.isActive()

    def render_now(self) -> None:
        """Render at once (the timer calls this)."""
        self._timer.stop()
        self._last_render = time.monotonic()
        request = self._request
        warnings: list[str] = []
        token_note: str | None = None
        token_inlined = False
        if request is None:
            self._show_message(NO_REQUEST_TEXT, error=False)
            self._set_warnings([])
            self._set_token_note(None, False)
            self.rendered.emit()
            return
        req = request.with_(stream=self.stream(), api=self.api())
        try:
            gen = codegen.get(self.language())
            token: str | None = None
            if self.inline_token():
                token = self._token_provider() if self._token_provider else None
                if token:
                    token_note, token_inlined = TOKEN_WARNING, True
                else:
                    token_note = NO_TOKEN_WARNING.format(env=DEFAULT_KEY_ENV)
            full = self._full or not gen.has_short
            options = RenderOptions(key_env=DEFAULT_KEY_ENV, inline_token=token, full=full)
            text = gen.render(req, options)
            warnings = req.warnings() + self._fit_warnings(req, gen, full)
        except Exception as exc:  # any generator failure is shown, never raised into Qt
            log.debug("rendering %s failed", self.language(), exc_info=True)
            self._show_message(_message_of(exc), error=True)
            self._set_warnings([])
            self._set_token_note(None, False)
            self.rendered.emit()
            return
        self._set_warnings(warnings)
        self._set_token_note(token_note, token_inlined)
        self._show_code(text, gen.lexer)
        self.rendered.emit()

    def _fit_warnings(self, req: RunRequest, gen: Generator, full: bool) -> list[str]:
        version = self._server.version if self._server is not None else None
        return fit_warnings(
            version, req.api, req.stream, full=full, kind=req.connection.kind, target=gen.name
        )

    def _show_code(self, text: str, lexer: str) -> None:
        self._error = None
        lexer_changed = lexer != self.highlighter.lexer_name
        if text != self._text or lexer_changed or self.stack.currentWidget() is not self.editor:
            vbar = self.editor.verticalScrollBar()
            hbar = self.editor.horizontalScrollBar()
            v, h = vbar.value(), hbar.value()
            self.highlighter.set_lexer(lexer)
            if text != self.editor.toPlainText() or lexer_changed:
                self.highlighter.prepare(text)
                self.editor.setPlainText(text)
            self._text = text
            vbar.setValue(min(v, vbar.maximum()))
            hbar.setValue(min(h, hbar.maximum()))
        self.stack.setCurrentWidget(self.editor)
        self._sync_actions()

    def _show_message(self, message: str, *, error: bool) -> None:
        self._text = ""
        self._error = message if error else None
        self.message_label.setText(message)
        color = theme.INVALID_COLOR.name() if error else "palette(placeholder-text)"
        self.message_label.setStyleSheet(f"color: {color};")
        self.stack.setCurrentWidget(self.message_label)
        self._sync_actions()

    def _set_warnings(self, warnings: list[str]) -> None:
        text = "\n".join(f"⚠ {w}" for w in warnings)
        if self.warnings_label.text() != text:
            self.warnings_label.setText(text)
        self.warnings_label.setVisible(bool(warnings))

    def _set_token_note(self, note: str | None, contains: bool) -> None:
        self._token_inlined = contains
        self.token_label.setText(note or "")
        self._style_token_label(contains=contains)
        self.token_label.setVisible(bool(note))

    def _style_token_label(self, *, contains: bool) -> None:
        if contains:
            self.token_label.setStyleSheet(
                f"color: white; background: {theme.INVALID_COLOR.name()};"
                " font-weight: bold; padding: 3px 6px; border-radius: 3px;"
            )
        else:
            self.token_label.setStyleSheet(f"color: {theme.CHANGED_COLOR.darker(115).name()};")

    def _sync_actions(self) -> None:
        has = bool(self._text)
        self.copy_button.setEnabled(has)
        self.save_button.setEnabled(has)

    def _sync_form(self) -> None:
        """The switch shows the form on screen: a target with no short form has it off, on
        Full, and says why; the user's choice comes back with the next target."""
        gen = self.generator()
        has_short = gen is None or gen.has_short
        full = self._full or not has_short
        self._form_group.blockSignals(True)
        (self.full_button if full else self.short_button).setChecked(True)
        self._form_group.blockSignals(False)
        for b in (self.short_button, self.full_button):
            b.setEnabled(has_short)
        if has_short:
            self.short_button.setToolTip(SHORT_TIP)
            self.full_button.setToolTip(FULL_TIP)
        else:
            tip = NO_SHORT_TIP.format(label=gen.label if gen else self.language())
            self.short_button.setToolTip(tip)
            self.full_button.setToolTip(tip)

    # --- actions --------------------------------------------------------------------------

    def copy(self) -> None:
        """Copy exactly `text()` to the clipboard (rendering first if a render is due)."""
        if self._timer.isActive():
            self.render_now()
        if not self._text:
            return
        QGuiApplication.clipboard().setText(self._text)
        self.copy_button.setText("Copied")
        self._copied_timer.start()
        form = "full" if self.shows_full() else "short"
        lines = len(self._text.splitlines())
        token = ", with your API token" if self._token_inlined else ""
        self.copied.emit(
            f"Copied the {form} {self.language()} snippet "
            f"({lines} line{'s' if lines != 1 else ''}{token})"
        )

    def default_filename(self) -> str:
        gen = self.generator()
        if gen is None:
            return "run_flow.txt"
        if gen.filename:
            return gen.filename
        base = _slug(self._request.flow_name or "") if self._request else ""
        return f"{base or 'run_flow'}{gen.extension}"

    def save_as(self) -> None:
        """Ask for a file name (without blocking) and write the snippet there."""
        if self._timer.isActive():
            self.render_now()
        if not self._text:
            return
        dialog = QFileDialog(self, "Save the snippet")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.selectFile(self.default_filename())
        dialog.fileSelected.connect(self.save_to)
        dialog.finished.connect(dialog.deleteLater)
        self._dialog = dialog
        dialog.open()

    def save_to(self, path: str | Path) -> Path:
        """Write `text()` to `path` (a shell or script target becomes executable)."""
        p = Path(path)
        text = self._text
        p.write_text(text, encoding="utf-8", newline="\n")
        if text.startswith("#!"):
            p.chmod(p.stat().st_mode | 0o111)
        return p

    # --- slots ----------------------------------------------------------------------------

    def _on_language(self, _index: int) -> None:
        self._sync_form()
        self._schedule()
        self.languageChanged.emit(self.language())

    def _on_stream(self, on: bool) -> None:
        self._schedule()
        self.streamToggled.emit(on)

    def _on_api(self, button: QToolButton, checked: bool) -> None:
        if not checked:
            return
        self._schedule()
        self.apiChanged.emit(self.api())

    def _on_form(self, button: QToolButton, checked: bool) -> None:
        if not checked:
            return
        self._full = button is self.full_button
        self._sync_form()  # a target with no short form stays on Full
        self._schedule()
        self.fullToggled.emit(self._full)

    def _on_inline(self, on: bool) -> None:
        self._schedule()
        self.inlineTokenToggled.emit(on)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.highlighter.set_dark(theme.is_dark(self.palette()))


def _label_of(name: str) -> str:
    try:
        return codegen.get(name).label
    except Exception:  # a generator that does not import yet: keep it listed by name
        return name


def _message_of(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, (ImportError, AttributeError, TypeError)):
        return f"This language is not available: {text}"
    return f"Cannot make this snippet: {text}"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
