"""The code preview: every language renders, it follows the request after a short pause,
Copy copies exactly what is shown, and a token is only ever in a snippet on request."""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path
from typing import Any

import pytest
from helpers.data import ECHO_FLOW as ECHO
from helpers.data import OPENAI
from helpers.shots import distinct_colours, region, same_pixels, share_near, shoot
from PySide6.QtGui import QGuiApplication

from lfdesk.core import codegen
from lfdesk.core.api import ServerInfo
from lfdesk.core.flow import load_flow
from lfdesk.core.request import Connection, RunRequest
from lfdesk.core.tweaks import TweakSet
from lfdesk.ui import theme
from lfdesk.ui.codepreview import NO_REQUEST_TEXT, TOKEN_WARNING, CodePreview

TOKEN = "sk-lf-TEST-TOKEN-0123456789"


def echo_request(**changes: Any) -> RunRequest:
    flow = load_flow(ECHO)
    tweaks = TweakSet(flow)
    tweaks.set(OPENAI, "temperature", "0.7")
    tweaks.set("PromptComponent-0ko7V", "template", "Be loud: {question}")
    req = RunRequest(
        connection=Connection("http://127.0.0.1:7860"),
        flow_ref=flow.run_ref,
        flow_id=flow.id,
        input_value="what is up",
        tweaks=tweaks.to_json(),
        flow_path=str(ECHO),
        flow_name=flow.name,
    )
    return req.with_(**changes) if changes else req


@pytest.fixture
def preview(qtbot: Any) -> CodePreview:
    p = CodePreview()
    qtbot.addWidget(p)
    p.resize(560, 720)
    p.set_token_provider(lambda: TOKEN)
    return p


def _generator_missing(name: str) -> str | None:
    """Why a generator cannot be loaded yet (its module is being written), or None."""
    try:
        codegen.get(name)
    except ModuleNotFoundError as exc:
        module = f"lfdesk.core.codegen.{codegen._MODULES[name]}"
        if exc.name == module:
            return f"{module} is not written yet"
        raise
    return None


def test_lists_every_generator(preview: CodePreview) -> None:
    combo = preview.language_combo
    assert [combo.itemData(i) for i in range(combo.count())] == codegen.names()
    for i, name in enumerate(codegen.names()):
        if _generator_missing(name) is None:
            assert combo.itemText(i) == codegen.get(name).label


@pytest.mark.parametrize("name", codegen.names())
@pytest.mark.parametrize("stream", [False, True], ids=["sync", "stream"])
def test_every_language_renders_the_echo_flow(
    preview: CodePreview, name: str, stream: bool
) -> None:
    missing = _generator_missing(name)
    if missing:
        pytest.skip(missing)
    preview.set_language(name)
    preview.set_stream(stream)
    preview.set_request(echo_request())
    preview.render_now()
    assert preview.error() is None, preview.error()
    text = preview.text()
    assert text and text == preview.editor.toPlainText()
    assert text == codegen.get(name).render(echo_request(stream=stream))
    assert TOKEN not in text
    assert preview.copy_button.isEnabled()


def test_follows_set_request_after_the_debounce(qtbot: Any, preview: CodePreview) -> None:
    preview.set_language("curl")
    assert preview.text() == ""
    assert preview.message_label.text() == NO_REQUEST_TEXT
    preview.set_request(echo_request())
    assert preview.is_pending()
    assert preview.text() == ""  # nothing rendered while the user may still be typing
    qtbot.waitUntil(lambda: "what is up" in preview.text(), timeout=2000)
    first = preview.text()
    rendered: list[int] = []
    preview.rendered.connect(lambda: rendered.append(1))
    # A burst of changes renders once, with the last one.
    for word in ("a", "ab", "abc", "abcd"):
        preview.set_request(echo_request(input_value=word))
    qtbot.waitUntil(lambda: '"abcd"' in preview.text(), timeout=2000)
    qtbot.wait(60)
    assert len(rendered) == 1
    assert preview.text() != first


def test_unchanged_text_keeps_document_and_scroll(qtbot: Any, preview: CodePreview) -> None:
    preview.show()
    preview.set_language("python-requests")
    preview.set_full(True)  # a program long enough to scroll
    preview.set_request(echo_request())
    preview.render_now()
    bar = preview.editor.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum() // 2)
    kept = bar.value()
    doc_revision = preview.editor.document().revision()
    preview.set_request(echo_request())  # same code
    preview.render_now()
    assert preview.editor.document().revision() == doc_revision
    preview.set_request(echo_request(input_value="something else"))
    preview.render_now()
    assert preview.editor.document().revision() != doc_revision
    assert bar.value() == kept


def test_copy_puts_exactly_the_text_on_the_clipboard(qtbot: Any, preview: CodePreview) -> None:
    preview.set_language("curl")
    preview.set_request(echo_request(input_value='it\'s "quoted" $HOME'))
    preview.copy()  # renders first when a render is due
    assert preview.text()
    assert QGuiApplication.clipboard().text() == preview.text()
    assert preview.copy_button.text() == "Copied"


def test_inline_token_off_by_default_and_on_request(qtbot: Any, preview: CodePreview) -> None:
    preview.show()
    preview.set_language("curl")
    preview.set_request(echo_request())
    preview.render_now()
    assert preview.inline_token() is False
    assert not preview.inline_check.isChecked()
    assert TOKEN not in preview.text()
    assert "LANGFLOW_API_KEY" in preview.text()
    assert not preview.token_label.isVisible()
    with qtbot.waitSignal(preview.inlineTokenToggled) as sig:
        preview.inline_check.click()
    assert sig.args == [True]
    qtbot.waitUntil(lambda: TOKEN in preview.text(), timeout=2000)
    assert preview.token_label.isVisible()
    assert preview.token_label.text() == TOKEN_WARNING
    assert "background: #d93a3a" in preview.token_label.styleSheet()
    preview.copy()
    assert QGuiApplication.clipboard().text() == preview.text()
    preview.set_inline_token(False)
    preview.render_now()
    assert TOKEN not in preview.text()
    assert not preview.token_label.isVisible()
    # No token stored: say so, and keep the environment variable.
    preview.set_token_provider(lambda: None)
    preview.set_inline_token(True)
    preview.render_now()
    assert "LANGFLOW_API_KEY" in preview.text()
    assert preview.token_label.isVisible() and "No API token" in preview.token_label.text()


def test_switches_emit_and_apply(qtbot: Any, preview: CodePreview) -> None:
    preview.set_language("curl")
    preview.set_request(echo_request())
    preview.render_now()
    assert "stream=false" in preview.text()
    with qtbot.waitSignal(preview.streamToggled) as sig:
        preview.stream_check.click()
    assert sig.args == [True]
    preview.render_now()
    assert "stream=true" in preview.text()
    with qtbot.waitSignal(preview.apiChanged) as sig:
        preview.v2_button.click()
    assert sig.args == ["v2"]
    assert preview.api() == "v2"
    preview.render_now()
    assert "/api/v2/workflows" in preview.text()
    with qtbot.waitSignal(preview.languageChanged) as sig:
        preview.set_language("python-requests")
    assert sig.args == ["python-requests"]
    assert preview.language() == "python-requests"
    with pytest.raises(KeyError):
        preview.set_language("cobol")
    with pytest.raises(ValueError):
        preview.set_api("v3")


def test_render_error_is_shown_in_place_of_code(qtbot: Any, preview: CodePreview) -> None:
    preview.show()
    preview.set_language("curl")
    preview.set_api("v2")
    preview.set_request(echo_request(flow_id=None))
    preview.render_now()
    assert preview.text() == ""
    assert preview.error() is not None and "flow's id" in preview.error()
    assert preview.message_label.isVisible() and not preview.editor.isVisible()
    assert not preview.copy_button.isEnabled()
    preview.set_api("v1")
    preview.render_now()
    assert preview.error() is None and preview.text()
    assert preview.editor.isVisible()


def test_a_generator_that_raises_is_shown(
    qtbot: Any, preview: CodePreview, monkeypatch: pytest.MonkeyPatch
) -> None:
    gen = codegen.get("curl")

    def boom(_req: RunRequest, _opts: codegen.RenderOptions) -> str:
        raise RuntimeError("generator bug")

    monkeypatch.setitem(
        codegen._CACHE,
        "curl",
        codegen.Generator(gen.name, gen.label, gen.lexer, gen.extension, gen.streams, boom),
    )
    preview.set_language("curl")
    preview.set_request(echo_request())
    preview.render_now()
    assert "generator bug" in (preview.error() or "")
    assert preview.text() == ""


def test_request_warnings_are_shown(qtbot: Any, preview: CodePreview) -> None:
    preview.show()
    req = echo_request()
    req = req.with_(tweaks={**req.tweaks, "ChatInput-wEKUV": {"input_value": "from a tweak"}})
    preview.set_request(req)
    preview.render_now()
    assert req.warnings()
    assert preview.warnings_label.isVisible()
    assert "input_value" in preview.warnings_label.text()
    preview.set_request(echo_request())
    preview.render_now()
    assert not preview.warnings_label.isVisible()


def test_save_writes_the_text(qtbot: Any, preview: CodePreview, tmp_path: Path) -> None:
    preview.set_language("python-requests")
    preview.set_request(echo_request())
    preview.render_now()
    assert preview.default_filename() in ("echo_chat.py", codegen.get("python-requests").filename)
    out = preview.save_to(tmp_path / "run.py")
    assert out.read_text(encoding="utf-8") == preview.text()


def test_highlighting_gives_formats(qtbot: Any, preview: CodePreview) -> None:
    preview.set_language("python-requests")
    preview.set_request(echo_request())
    preview.render_now()
    doc = preview.editor.document()
    formats = [len(doc.findBlockByNumber(i).layout().formats()) for i in range(doc.blockCount())]
    assert sum(formats) > 20


def test_preview_screenshot(qtbot: Any, preview: CodePreview, artifacts_dir: Path) -> None:
    preview.show()
    preview.set_language("curl")
    preview.set_request(echo_request())
    preview.render_now()
    qtbot.wait(20)
    assert preview.grab().save(str(artifacts_dir / "codepreview-curl.png"))
    preview.set_language("python-requests")
    preview.set_inline_token(True)
    req = echo_request()
    preview.set_request(req.with_(tweaks={**req.tweaks, "ChatInput-wEKUV": {"input_value": "x"}}))
    preview.render_now()
    qtbot.wait(20)
    assert preview.grab().save(str(artifacts_dir / "codepreview-python-token.png"))
    preview.set_inline_token(False)
    preview.set_api("v2")
    preview.set_request(echo_request(flow_id=None))
    preview.render_now()
    qtbot.wait(20)
    assert preview.grab().save(str(artifacts_dir / "codepreview-error.png"))


def test_generators_module_names_resolve() -> None:
    """Each registered generator module imports or is still to be written (never broken)."""
    for name in codegen.names():
        if _generator_missing(name) is None:
            importlib.import_module(f"lfdesk.core.codegen.{codegen._MODULES[name]}")


def test_dark_palette_screenshots(qtbot: Any, qapp: Any, artifacts_dir: Path) -> None:
    """The tree, a form and the preview on a dark palette (colours must still read)."""
    from PySide6.QtGui import QColor, QPalette

    from lfdesk.core.flow import load_flow as _load
    from lfdesk.ui.flowtree import FlowTree
    from lfdesk.ui.forms import ComponentForm
    from lfdesk.ui.highlight import is_dark

    old_palette = qapp.palette()
    dark = QPalette()
    for role, color in {
        QPalette.ColorRole.Window: "#2b2b2b",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1e1e1e",
        QPalette.ColorRole.AlternateBase: "#2b2b2b",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#353535",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.Highlight: "#3d6fb4",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.PlaceholderText: "#9a9a9a",
    }.items():
        dark.setColor(role, QColor(color))
    dark.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#777777"))
    dark.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor("#777777"))
    qapp.setPalette(dark)
    try:
        flow = _load(ECHO)
        tweaks = TweakSet(flow)
        tweaks.set(OPENAI, "temperature", "0.7")
        tweaks.try_set(OPENAI, "max_tokens", "12x")
        tree = FlowTree()
        qtbot.addWidget(tree)
        tree.resize(400, 560)
        tree.show()
        tree.set_flow(flow, tweaks)
        tree.view.expand(tree.proxy.mapFromSource(tree.model.component_index(OPENAI)))
        form = ComponentForm()
        qtbot.addWidget(form)
        form.resize(600, 700)
        form.show()
        form.set_component(flow, OPENAI, tweaks, "all")
        preview = CodePreview()
        qtbot.addWidget(preview)
        preview.resize(560, 600)
        preview.show()
        assert is_dark(preview.palette())
        preview.set_language("python-requests")
        preview.set_request(echo_request())
        preview.render_now()
        qtbot.wait(20)
        assert tree.grab().save(str(artifacts_dir / "dark-flowtree.png"))
        assert form.grab().save(str(artifacts_dir / "dark-form.png"))
        assert preview.grab().save(str(artifacts_dir / "dark-codepreview.png"))
    finally:
        qapp.setPalette(old_palette)


# --- the short and the full form, Copy's report, the server's fit (issue 11) ----------------------


def _stand_in_short(req: RunRequest, opts: codegen.RenderOptions) -> str:
    """A short curl for the preview's tests while curl has none of its own yet."""
    key = opts.inline_token or f"${opts.key_env}"
    return (
        f'curl --fail-with-body -sS -X POST "{req.url}" \\\n'
        f'  -H "Content-Type: application/json" -H "x-api-key: {key}" \\\n'
        f"  -d '{req.body_json(None)}' \\\n"
        "  | jq -r '.outputs[0].outputs[0].results.message.text'\n"
    )


@pytest.fixture
def short_curl(monkeypatch: pytest.MonkeyPatch) -> codegen.Generator:
    """curl with a short form: its own, or a stand-in until the codegen work gives it one."""
    gen = codegen.get("curl")
    if not gen.has_short:
        gen = dataclasses.replace(gen, short_fn=_stand_in_short)
        monkeypatch.setitem(codegen._CACHE, "curl", gen)
    return gen


def _form_of(preview: CodePreview) -> str:
    """What the Short/Full switch shows checked."""
    assert preview.short_button.isChecked() != preview.full_button.isChecked()
    return "full" if preview.full_button.isChecked() else "short"


def test_short_by_default_full_on_request(
    qtbot: Any, short_curl: codegen.Generator, preview: CodePreview
) -> None:
    preview.set_language("curl")
    preview.set_request(echo_request(session_id="app-chat-session"))
    preview.render_now()
    assert preview.full() is False and _form_of(preview) == "short"
    assert preview.short_button.isEnabled() and preview.full_button.isEnabled()
    short = short_curl.render(echo_request(session_id="app-chat-session"))
    assert preview.text() == short
    assert "app-chat-session" not in preview.text()  # the app's chat session stays the app's
    with qtbot.waitSignal(preview.fullToggled) as sig:
        preview.full_button.click()
    assert sig.args == [True]
    preview.render_now()
    full = short_curl.render(
        echo_request(session_id="app-chat-session"), codegen.RenderOptions(full=True)
    )
    assert preview.full() and preview.shows_full() and preview.text() == full
    assert len(full.splitlines()) > len(short.splitlines())
    with qtbot.waitSignal(preview.fullToggled) as sig:
        preview.set_full(False)
    assert sig.args == [False]
    preview.render_now()
    assert preview.text() == short


def test_a_target_with_no_short_form_shows_full_and_says_so(
    qtbot: Any, short_curl: codegen.Generator, preview: CodePreview
) -> None:
    script = codegen.get("python-script")
    assert not script.has_short
    preview.set_language("curl")
    preview.set_request(echo_request())
    preview.render_now()
    toggled: list[bool] = []
    preview.fullToggled.connect(toggled.append)
    preview.set_language("python-script")
    preview.render_now()
    assert _form_of(preview) == "full" and preview.shows_full()
    assert not preview.short_button.isEnabled() and not preview.full_button.isEnabled()
    assert preview.full_button.toolTip() == f"{script.label} is a complete program: it has no short form"
    assert preview.text() == script.render(echo_request(), codegen.RenderOptions(full=True))
    # the user's choice is kept: back on curl, the short form again, and nothing was saved
    preview.set_language("curl")
    preview.render_now()
    assert _form_of(preview) == "short" and preview.short_button.isEnabled()
    assert preview.text() == short_curl.render(echo_request())
    assert toggled == [] and preview.full() is False


def test_copy_copies_the_form_shown_and_says_what(
    qtbot: Any, short_curl: codegen.Generator, preview: CodePreview
) -> None:
    preview.set_language("curl")
    preview.set_request(echo_request())
    preview.render_now()
    with qtbot.waitSignal(preview.copied) as sig:
        preview.copy_button.click()
    short = preview.text()
    assert QGuiApplication.clipboard().text() == short == short_curl.render(echo_request())
    assert sig.args == [f"Copied the short curl snippet ({len(short.splitlines())} lines)"]
    preview.set_full(True)
    with qtbot.waitSignal(preview.copied) as sig:
        preview.copy()
    full = QGuiApplication.clipboard().text()
    assert full == preview.text() != short
    assert sig.args == [f"Copied the full curl snippet ({len(full.splitlines())} lines)"]
    preview.set_inline_token(True)
    with qtbot.waitSignal(preview.copied) as sig:
        preview.copy()
    assert TOKEN in QGuiApplication.clipboard().text()
    assert str(sig.args[0]).endswith("lines, with your API token)")
    preview.set_inline_token(False)
    preview.set_language("python-script")
    with qtbot.waitSignal(preview.copied) as sig:
        preview.copy()
    lines = len(QGuiApplication.clipboard().text().splitlines())
    assert sig.args == [f"Copied the full python-script snippet ({lines} lines)"]


OLD = ServerInfo("1.1.1", "Langflow", True)
NEW = ServerInfo("1.13.0", "Langflow", True)


def test_server_fit_warnings_follow_the_server_and_the_choices(
    qtbot: Any, short_curl: codegen.Generator, preview: CodePreview
) -> None:
    preview.show()
    preview.set_language("curl")
    preview.set_stream(True)
    preview.set_request(echo_request())
    preview.render_now()
    assert not preview.warnings_label.isVisible()  # no server known: nothing to say
    preview.set_server(OLD)
    assert preview.is_pending()
    preview.render_now()
    assert preview.warnings_label.isVisible()
    shown = preview.warnings_label.text()
    assert shown.startswith("⚠ Langflow 1.1.1 answers a stream request with JSON holding a stream_url")
    assert "short snippet stops there" in shown
    preview.set_full(True)  # the full form follows the stream_url
    preview.render_now()
    assert not preview.warnings_label.isVisible()
    preview.set_api("v2")
    preview.render_now()
    assert "Langflow 1.1.1 may not have the v2 workflows API" in preview.warnings_label.text()
    preview.set_server(NEW)
    preview.render_now()
    assert not preview.warnings_label.isVisible()
    preview.set_server(OLD)
    preview.set_language("python-local")  # runs the flow file: no server to fit
    preview.render_now()
    assert not preview.warnings_label.isVisible()
    preview.set_server(None)
    preview.set_language("curl")
    preview.render_now()
    assert not preview.warnings_label.isVisible()


def test_short_full_and_warning_screenshots(
    qtbot: Any, short_curl: codegen.Generator, preview: CodePreview, artifacts_dir: Path
) -> None:
    preview.show()
    preview.set_language("curl")
    preview.set_stream(True)
    preview.set_request(echo_request())
    preview.render_now()
    qtbot.wait(20)
    short = shoot(preview, artifacts_dir, "codepreview-short-curl.png")
    editor = region(preview, preview.editor.viewport())
    assert distinct_colours(short, editor) > 8  # highlighted code
    assert preview.editor.blockCount() == len(preview.text().split("\n"))  # all of it shown
    preview.set_full(True)
    preview.render_now()
    qtbot.wait(20)
    full = shoot(preview, artifacts_dir, "codepreview-full-curl.png")
    switch = region(preview, preview.short_button).united(region(preview, preview.full_button))
    assert not same_pixels(short.copy(switch), full.copy(switch))  # the switch moved
    assert not same_pixels(short.copy(editor), full.copy(editor))  # other code
    preview.set_full(False)
    preview.set_server(OLD)
    preview.render_now()
    qtbot.wait(20)
    warned = shoot(preview, artifacts_dir, "codepreview-old-server-stream.png")
    assert preview.warnings_label.isVisible()
    ink = theme.CHANGED_COLOR.darker(115)
    assert share_near(warned, region(preview, preview.warnings_label), ink, 40) > 0.01
    preview.set_language("python-script")
    preview.render_now()
    qtbot.wait(20)
    script = shoot(preview, artifacts_dir, "codepreview-python-script-full-only.png")
    assert not preview.warnings_label.isVisible()  # the full program follows the stream_url
    assert not same_pixels(warned.copy(switch), script.copy(switch))  # greyed, on Full


# --- in the window: the probe's version reaches the preview, Copy reports, the choice is kept ----


class _Servers:
    """Just enough of LangflowClient for the probe: a Langflow 1.1.1 on port 7860, a 1.13.0
    on 7861."""

    def __init__(self, connection: Connection, token: str | None = None, **_kw: Any) -> None:
        self.info = OLD if connection.base_url.endswith(":7860") else NEW

    async def aclose(self) -> None:
        return None

    async def probe(self) -> ServerInfo:
        return self.info


def test_window_knows_the_server_reports_copies_and_keeps_the_form(
    make_window: Any, qtbot: Any, short_curl: codegen.Generator, artifacts_dir: Path
) -> None:
    from helpers.window import add_profile, settle

    from lfdesk.core.settings import Settings, load_settings, save_settings

    desk = make_window(client_factory=_Servers, settings=Settings(language="curl"))
    desk.documents.open_sample()
    preview = desk.window.preview
    settle(qtbot, desk)
    assert preview.server() is None and not preview.warnings_label.isVisible()
    assert _form_of(preview) == "short"
    add_profile(desk, "old", "http://127.0.0.1:7860")
    qtbot.waitUntil(lambda: preview.server() == OLD, timeout=3000)
    settle(qtbot, desk)
    assert desk.settings.stream  # the default: stream on, so the short form will fail there
    assert "Langflow 1.1.1 answers a stream request" in preview.warnings_label.text()
    document = desk.documents.document
    assert document is not None and document.session_id not in preview.text()
    image = shoot(desk.window, artifacts_dir, "mainwindow-old-server-short-stream.png")
    ink = theme.CHANGED_COLOR.darker(115)
    assert share_near(image, region(desk.window, preview.warnings_label), ink, 40) > 0.01
    preview.copy_button.click()
    lines = len(preview.text().splitlines())
    status = f"Copied the short curl snippet ({lines} lines)"
    assert desk.window.statusBar().currentMessage() == status
    assert QGuiApplication.clipboard().text() == preview.text()
    preview.full_button.click()
    settle(qtbot, desk)
    assert desk.settings.snippet_full is True
    assert not preview.warnings_label.isVisible()  # the full form follows the stream_url
    # another server, a new one: nothing to warn about, even in the short form
    preview.short_button.click()
    add_profile(desk, "new", "http://127.0.0.1:7861")
    qtbot.waitUntil(lambda: preview.server() == NEW, timeout=3000)
    settle(qtbot, desk)
    assert not preview.warnings_label.isVisible() and desk.settings.snippet_full is False
    desk.connection.select_profile("old")  # known already: no new probe needed
    assert preview.server() == OLD
    settle(qtbot, desk)
    assert "Langflow 1.1.1" in preview.warnings_label.text()
    preview.set_full(True)
    save_settings(desk.settings)
    saved, warning = load_settings()
    assert warning is None and saved.snippet_full is True
    again = make_window(client_factory=_Servers, settings=saved, show=False)
    assert again.window.preview.full() and _form_of(again.window.preview) == "full"
