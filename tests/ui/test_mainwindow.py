"""The main window and its presenters (a Desk): sample flow, tree -> form -> preview wiring,
runs into the chat pane, bad files, no token anywhere on screen, persistence, and screenshots
of the main states."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest
from helpers.data import DATA, OPENAI
from helpers.net import free_port
from helpers.shots import (
    distinct_colours,
    mean_colour,
    reddish,
    region,
    share_near,
    shoot,
)
from helpers.window import add_profile, set_temperature, settle
from PySide6.QtCore import QMimeData, QPointF, QRect, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from replay_server import API_KEY, STREAM_ANSWER

from lfdesk.app import Desk
from lfdesk.core.settings import load_settings
from lfdesk.ui.documents import sample_flow_bytes
from lfdesk.ui.mainwindow import MainWindow

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@pytest.fixture
def desk(window: Desk) -> Desk:
    """The shared ``window`` fixture: the window (``desk.window``) and its presenters."""
    return window


def tree_row(w: MainWindow, component_id: str) -> QRect:
    """Where the tree's row of ``component_id`` is, in window coordinates."""
    view = w.tree.view
    index = w.tree.proxy.mapFromSource(w.tree.model.component_index(component_id))
    rect = view.visualRect(index)
    rect.setLeft(0)
    rect.setRight(view.viewport().width() - 1)
    return rect.translated(view.viewport().mapTo(w, view.viewport().rect().topLeft()))


def assert_selected_row(w: MainWindow, image: QImage, component_id: str) -> None:
    """The tree's row of ``component_id`` is painted selected (mostly the highlight colour),
    and it is the current one."""
    assert w.tree.current_component() == component_id
    highlight = w.tree.view.palette().color(QPalette.ColorRole.Highlight)
    assert share_near(image, tree_row(w, component_id), highlight) > 0.5


def assert_preview_shows_code(w: MainWindow, image: QImage) -> None:
    """The code preview's area of the picture has highlighted code in it (many colours)."""
    assert distinct_colours(image, region(w, w.preview.editor.viewport())) > 30


def test_first_launch_opens_the_sample(desk: Desk, qtbot, artifacts_dir) -> None:
    assert desk.documents.document is not None
    assert desk.documents.document.flow.name == "Sample: Echo Chat"
    assert desk.documents.document.source == "sample"
    assert desk.window.windowTitle() == "Sample: Echo Chat - no connection"
    assert "No connection" in desk.window.server_label.text()
    settle(qtbot, desk)
    assert "/api/v1/run/echo-chat" in desk.window.preview.text()
    # The short form (the default) leaves the app's own chat session out of pasted code.
    assert desk.documents.document.session_id not in desk.window.preview.text()
    assert desk.window.form.component_id is not None  # a component is shown, not an empty form
    image = shoot(desk.window, artifacts_dir, "mainwindow-01-first-launch.png")
    # what it shows: the component in the form selected in the tree, the snippet, no banner,
    # an empty chat inviting a first message
    assert desk.window.preview.text().splitlines()[0].startswith("# Runs the Langflow flow")
    assert_selected_row(desk.window, image, desk.window.form.component_id)
    assert_preview_shows_code(desk.window, image)
    assert not desk.window.banner.isVisible()
    assert desk.window.chat.messages() == []
    assert desk.window.chat.isVisible() and not desk.window.act_history.isChecked()


def test_sample_is_the_echo_flow_renamed() -> None:
    sample = json.loads(sample_flow_bytes())
    echo = json.loads((DATA / "echo_chat.flow.json").read_text())
    assert sample["name"] == "Sample: Echo Chat"
    assert sample["data"] == echo["data"]


def test_tweak_in_the_form_reaches_tree_and_preview(desk: Desk, qtbot, artifacts_dir) -> None:
    set_temperature(desk, 0.7)
    session = desk.documents.document
    assert session is not None
    assert session.tweaks.to_json() == {OPENAI: {"temperature": 0.7}}
    settle(qtbot, desk)
    assert '"temperature": 0.7' in desk.window.preview.text()
    # the preview shows exactly what Run would send
    assert desk.window.preview.request() == session.build_request(desk.window.chat.input_text())
    # the tree marks the changed component
    assert desk.window.tree.model.component_index(OPENAI).data() == "OpenAI  *1"
    desk.window.chat.set_input_text("what is up")
    settle(qtbot, desk)
    assert '"input_value": "what is up"' in desk.window.preview.text()
    image = shoot(desk.window, artifacts_dir, "mainwindow-02-tweak-changed.png")
    # the OpenAI row selected and marked, its form showing 0.7, the preview the new body
    assert_selected_row(desk.window, image, OPENAI)
    assert desk.window.form.component_id == OPENAI
    assert desk.window.form.field_editor("temperature").spin.value() == pytest.approx(0.7)  # type: ignore[union-attr]
    assert_preview_shows_code(desk.window, image)
    assert desk.window.chat.input_text() == "what is up"


def test_malformed_flow_keeps_the_previous_one(desk: Desk, qtbot, tmp_path, artifacts_dir) -> None:
    set_temperature(desk, 0.3)
    bad = tmp_path / "broken.json"
    bad.write_text('{"name": "x", "data": {"nodes": [}', encoding="utf-8")
    assert desk.documents.open_path(bad) is False
    assert desk.documents.document is not None and desk.documents.document.flow.name == "Sample: Echo Chat"
    assert desk.documents.document.tweaks.to_json() == {OPENAI: {"temperature": 0.3}}  # nothing lost
    assert desk.window.banner.isVisible()
    assert "broken.json" in desk.window.banner.text() and "line 1" in desk.window.banner.text()
    settle(qtbot, desk)
    image = shoot(desk.window, artifacts_dir, "mainwindow-06-bad-flow-file.png")
    # the banner across the top, tinted red, above the flow that stayed (OpenAI selected)
    banner = region(desk.window, desk.window.banner)
    assert banner.top() < 120 and banner.width() > desk.window.width() * 0.9, banner
    assert reddish(mean_colour(image, banner)), mean_colour(image, banner).name()
    assert_selected_row(desk.window, image, OPENAI)
    # a good file then replaces it and clears the banner
    assert desk.documents.open_path(DATA / "basic_prompting.flow.json") is True
    assert not desk.window.banner.isVisible()
    assert desk.documents.document.flow.name != "Sample: Echo Chat"
    assert desk.settings.recent_files[0] == str((DATA / "basic_prompting.flow.json").absolute())


def test_streamed_answer_in_the_chat(desk: Desk, qtbot, replay_server, memory_tokens, artifacts_dir) -> None:
    add_profile(desk, "replay", replay_server.base_url, memory_tokens, API_KEY)
    qtbot.waitUntil(lambda: "Langflow 1.13.0" in desk.window.windowTitle(), timeout=5000)
    assert desk.window.windowTitle() == (
        f"Sample: Echo Chat - replay ({replay_server.base_url}, Langflow 1.13.0)"
    )
    set_temperature(desk, 0.7)
    desk.window.chat.set_input_text("stream me")
    settle(qtbot, desk)
    shown = desk.window.preview.request()
    assert desk.runner.run() is True
    qtbot.waitUntil(lambda: desk.run_ctrl.state in ("done", "failed"), timeout=5000)
    assert desk.run_ctrl.state == "done"
    answers = [v for v in desk.window.chat.messages() if v.role == "ai"]
    assert [v.text() for v in answers] == [STREAM_ANSWER]
    assert answers[0].stats.text().startswith("first token")
    sent = replay_server.requests[-1]
    assert sent.body == shown.body()  # what the preview showed is what Run sent
    assert desk.window.act_run.isEnabled() and not desk.window.act_stop.isEnabled()
    assert desk.window.chat.input_text() == ""
    settle(qtbot, desk)
    assert '"input_value": "stream me"' in desk.window.preview.text()  # the last message stays
    image = shoot(desk.window, artifacts_dir, "mainwindow-03-streamed-answer.png")
    # the chat: the question, then the answer with its timing line, both drawn
    assert [(v.role, v.text()) for v in desk.window.chat.messages()] == [
        ("user", "stream me"), ("ai", STREAM_ANSWER)
    ]
    for view in desk.window.chat.messages():
        assert view.isVisible() and distinct_colours(image, region(desk.window, view)) > 4, view.role
    assert "Langflow 1.13.0" in desk.window.server_label.text()


def test_error_in_the_chat(desk: Desk, qtbot, memory_tokens, artifacts_dir) -> None:
    port = free_port()
    add_profile(desk, "dead", f"http://127.0.0.1:{port}", memory_tokens, API_KEY)
    desk.window.chat.set_input_text("hello?")
    assert desk.runner.run() is True
    qtbot.waitUntil(lambda: desk.run_ctrl.state == "failed", timeout=5000)
    errors = [v for v in desk.window.chat.messages() if v.role == "error"]
    assert len(errors) == 1
    assert f"127.0.0.1:{port}" in errors[0].text()
    assert "Traceback" not in desk.window.chat.transcript_text()
    settle(qtbot, desk)
    image = shoot(desk.window, artifacts_dir, "mainwindow-04-error.png")
    # the question, then the error as a red box in the chat (not the banner)
    assert [v.role for v in desk.window.chat.messages()] == ["user", "error"]
    assert not desk.window.banner.isVisible()
    box = region(desk.window, errors[0])
    assert reddish(mean_colour(image, box)), mean_colour(image, box).name()
    assert "not reachable" in desk.window.server_label.text()


def test_run_without_connection_explains(desk: Desk, qtbot) -> None:
    assert desk.runner.run("hi") is False
    text = desk.window.chat.transcript_text()
    assert "Connections" in text and "API key" in text


def test_run_without_token_explains(desk: Desk, qtbot) -> None:
    add_profile(desk, "local", "http://127.0.0.1:9")
    assert desk.runner.run("hi") is True
    qtbot.waitUntil(lambda: desk.run_ctrl.state == "failed", timeout=5000)
    assert "No API token" in desk.window.chat.transcript_text()


def test_stop_button(desk: Desk, qtbot, memory_tokens) -> None:
    from replay_server import ReplayServer

    server = ReplayServer(pause=0.05).start()
    try:
        add_profile(desk, "slow", server.base_url, memory_tokens, API_KEY)
        desk.runner.run("stream me")
        qtbot.waitUntil(lambda: desk.window.act_stop.isEnabled(), timeout=2000)
        qtbot.waitUntil(lambda: bool(desk.window.chat.raw_lines()), timeout=5000)
        desk.window.act_stop.trigger()
        assert desk.run_ctrl.state == "stopped"  # at once, before the task has unwound
        qtbot.waitUntil(lambda: not desk.run_ctrl.is_running(), timeout=500)
        assert desk.window.act_run.isEnabled()
        assert "stopped" in desk.window.chat.transcript_text().lower()
    finally:
        server.stop()


def all_widget_text(widgets: list[QWidget]) -> str:
    parts: list[str] = []
    for w in widgets:
        parts += [w.windowTitle(), w.toolTip(), w.statusTip(), w.whatsThis()]
        if isinstance(w, QLabel | QAbstractButton):
            parts.append(w.text())
        if isinstance(w, QLineEdit):
            parts += [w.text(), w.placeholderText(), w.displayText()]
        if isinstance(w, QPlainTextEdit | QTextEdit):
            parts.append(w.toPlainText())
        if isinstance(w, QComboBox):
            parts += [w.itemText(i) for i in range(w.count())]
    return "\n".join(p for p in parts if p)


def test_no_widget_ever_shows_the_token(desk: Desk, qtbot, replay_server, memory_tokens, artifacts_dir) -> None:
    add_profile(desk, "replay", replay_server.base_url, memory_tokens, API_KEY)
    # the connections dialog, with a token typed and saved
    desk.connection.open_connections()
    dialog = desk.connection.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    qtbot.waitUntil(lambda: "saved" in dialog.token_state.text(), timeout=3000)
    dialog.token.setText("sk-typed-secret-0123456789abcdefghij")
    assert dialog.token.echoMode() == QLineEdit.EchoMode.Password
    dialog.save_profile()
    assert dialog.token.text() == ""
    qtbot.waitUntil(lambda: "Saved the token" in dialog.result_label.text(), timeout=3000)
    assert memory_tokens.get("replay") == "sk-typed-secret-0123456789abcdefghij"
    memory_tokens.set("replay", API_KEY)
    dialog.test_connection()
    qtbot.waitUntil(lambda: "Connected" in dialog.result_label.text() or "Failed" in dialog.result_label.text(), timeout=5000)
    dialog.close()
    # a streamed run, the raw event log open, every snippet language
    desk.window.chat.set_raw_events_visible(True)
    desk.runner.run("stream me")
    qtbot.waitUntil(lambda: desk.run_ctrl.state in ("done", "failed"), timeout=5000)
    for name in ("curl", "python-requests", "javascript"):
        desk.window.preview.set_language(name)
        settle(qtbot, desk)
        assert API_KEY not in desk.window.preview.text()
    text = all_widget_text(QApplication.allWidgets())
    for secret in (API_KEY, "sk-typed-secret-0123456789abcdefghij"):
        assert secret not in text
    assert API_KEY not in (desk.window.windowTitle() + desk.window.statusBar().currentMessage())


def test_inline_token_only_when_asked(desk: Desk, qtbot, replay_server, memory_tokens) -> None:
    add_profile(desk, "replay", replay_server.base_url, memory_tokens, API_KEY)
    settle(qtbot, desk)
    assert API_KEY not in desk.window.preview.text()
    desk.window.preview.set_inline_token(True)
    qtbot.waitUntil(lambda: API_KEY in desk.window.preview.text(), timeout=3000)
    assert desk.window.preview.token_label.isVisible()  # the preview says so
    desk.window.preview.set_inline_token(False)
    settle(qtbot, desk)
    assert API_KEY not in desk.window.preview.text()


def test_connections_dialog(desk: Desk, qtbot, replay_server, artifacts_dir) -> None:
    desk.connection.open_connections()
    dialog = desk.connection.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.isVisible()  # open() returned at once: no nested exec() loop
    dialog.name.setText("local")
    dialog.base_url.setText(replay_server.base_url)
    dialog.save_profile()
    assert "local" in desk.profiles.names()
    assert desk.connection.current_profile_name() == "local"
    dialog.test_connection()
    qtbot.waitUntil(lambda: "Connected" in dialog.result_label.text(), timeout=5000)
    assert "Langflow 1.13.0" in dialog.result_label.text()
    qtbot.waitUntil(lambda: "Tokens are stored in" in dialog.backend_label.text(), timeout=3000)
    qtbot.wait(50)
    image = shoot(dialog, artifacts_dir, "mainwindow-05-connections-dialog.png")
    # the profile saved and tested, where tokens go, nothing in the token box
    assert dialog.name.text() == "local" and dialog.base_url.text() == replay_server.base_url
    assert "testkeyring MemoryKeyring" in dialog.backend_label.text()
    assert dialog.token.text() == ""
    assert distinct_colours(image, region(dialog, dialog.result_label)) > 4  # the result drawn
    # a bad URL is refused with the reason, nothing saved
    dialog.new_profile()
    dialog.name.setText("bad")
    dialog.base_url.setText("ftp://example.com")
    assert dialog.save_profile() is None
    assert "http" in dialog.result_label.text() and "bad" not in desk.profiles.names()
    dialog.close()


def test_connections_dialog_without_keyring(make_window, qtbot) -> None:
    from keyring.backends import fail

    from lfdesk.core.secrets import TokenStore

    desk = make_window(tokens=TokenStore(fail.Keyring()), show=False)
    desk.connection.open_connections()
    dialog = desk.connection.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: "session only" in dialog.backend_label.text(), timeout=3000)


def test_drop_a_flow_file(desk: Desk, qtbot) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(DATA / "basic_prompting.flow.json"))])
    event = QDropEvent(
        QPointF(100, 100), Qt.DropAction.CopyAction, mime,
        Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
    )
    desk.window.dropEvent(event)
    assert desk.documents.document is not None and desk.documents.document.flow_path is not None
    assert desk.documents.document.flow_path.endswith("basic_prompting.flow.json")


def test_settings_and_window_state_persist(make_window, qtbot, tmp_path) -> None:
    flow = tmp_path / "mine.flow.json"
    flow.write_bytes((DATA / "echo_chat.flow.json").read_bytes())
    first = make_window(settings=None, persist=True)
    first.documents.restore_last()
    assert first.documents.open_path(flow)
    first.window.preview.set_language("python-requests")
    first.window.preview.set_stream(False)
    first.panes.set_view_mode("all")
    first.window.main_splitter.setSizes([600, 300])
    sizes = first.window.main_splitter.sizes()
    first.window.close()
    saved, warning = load_settings()
    assert warning is None
    assert saved.last_flow_path == str(flow.absolute())
    assert saved.language == "python-requests" and saved.stream is False
    assert saved.view_mode == "all"
    second = make_window(settings=None, persist=True)
    second.documents.restore_last()
    assert second.documents.document is not None and second.documents.document.flow_path == str(flow.absolute())
    assert second.window.preview.language() == "python-requests"
    assert second.window.preview.stream() is False and second.documents.document.stream is False
    assert second.window.main_splitter.sizes() == sizes
    assert second.window.recent_menu.actions()[0].text() == "mine.flow.json"


def test_new_chat_session(desk: Desk, qtbot) -> None:
    assert desk.documents.document is not None
    old = desk.documents.document.session_id
    desk.window.chat.new_session_button.click()
    assert desk.documents.document.session_id != old
    assert desk.window.chat.session_id() == desk.documents.document.session_id
    settle(qtbot, desk)
    assert desk.window.preview.request().session_id == desk.documents.document.session_id  # type: ignore[union-attr]
    desk.window.preview.set_full(True)  # the full program carries the chat session
    settle(qtbot, desk)
    assert desk.documents.document.session_id in desk.window.preview.text()


# --- server flows (a fake client stands in for LangflowClient) ---------------------------------

from lfdesk.core.api import FlowSummary, ServerInfo  # noqa: E402
from lfdesk.core.flow import parse_flow  # noqa: E402


class FakeClient:
    """Just enough of LangflowClient for the Open-from-server path."""

    flows: ClassVar[list[FlowSummary]] = [
        FlowSummary("1a775cc2-f37c-4f5a-890d-bead1a2842ce", "Echo Chat", "echo-chat",
                    "Chat input -> prompt -> OpenAI -> chat output", None, "2026-11-28T21:28:06"),
        FlowSummary("22222222-2222-4222-8222-222222222222", "Basic Prompting", None,
                    "Perform basic prompting with an OpenAI model.", None, "2026-11-27T10:00:00"),
        FlowSummary("33333333-3333-4333-8333-333333333333", "Vector Store RAG", "rag",
                    "Load your data for chat context with Retrieval Augmented Generation.", None, None),
    ]

    def __init__(self, connection, token=None, *, verify=True, timeout=None) -> None:
        self.token = token

    async def aclose(self) -> None:
        return None

    async def probe(self) -> ServerInfo:
        return ServerInfo("1.13.0", "Langflow", True)

    async def list_flows(self) -> list[FlowSummary]:
        assert self.token == API_KEY
        return list(self.flows)

    async def fetch_flow(self, flow_id: str):
        names = {f.id: f for f in self.flows}
        data = json.loads((DATA / "echo_chat.flow.json").read_text())
        data["id"] = flow_id
        data["name"] = names[flow_id].name
        return parse_flow(data, source=f"server flow {flow_id}")


def test_open_from_server(make_window, qtbot, memory_tokens, artifacts_dir, qtmodeltester) -> None:
    desk = make_window(client_factory=FakeClient)
    desk.documents.open_sample()
    add_profile(desk, "server", "http://127.0.0.1:7860", memory_tokens, API_KEY)
    desk.documents.open_from_server()
    picker = desk.documents.picker
    assert picker is not None
    qtbot.waitUntil(lambda: picker.model.rowCount() == 3, timeout=3000)
    assert "3 flows" in picker.status.text()
    qtmodeltester.check(picker.proxy)
    picker.search.setText("rag")
    assert picker.proxy.rowCount() == 1  # matches the endpoint "rag" and "Retrieval..."
    picker.search.setText("")
    image = shoot(picker, artifacts_dir, "mainwindow-07-flow-picker.png")
    # the three flows listed by name, unfiltered, with the count
    shown = [picker.proxy.index(r, 0).data() for r in range(picker.proxy.rowCount())]
    assert shown == sorted(f.name for f in FakeClient.flows)
    assert distinct_colours(image, region(picker, picker.view.viewport())) > 8
    row = next(r for r in range(picker.proxy.rowCount())
               if picker.proxy.index(r, 0).data() == "Echo Chat")
    picker.view.setCurrentIndex(picker.proxy.index(row, 0))
    picker.open_button.click()
    qtbot.waitUntil(lambda: desk.documents.document is not None and desk.documents.document.source == "server", timeout=3000)
    assert desk.documents.document.flow.name == "Echo Chat"
    assert desk.documents.document.server_flow_id == "1a775cc2-f37c-4f5a-890d-bead1a2842ce"
    assert desk.window.act_reload.isEnabled()
    assert desk.settings.last_server_flow == "1a775cc2-f37c-4f5a-890d-bead1a2842ce"
    # reload keeps the tweaks
    set_temperature(desk, 0.9)
    desk.documents.reload_from_server()
    qtbot.waitUntil(lambda: "Reloaded" in desk.window.statusBar().currentMessage(), timeout=3000)
    assert desk.documents.document.tweaks.to_json() == {OPENAI: {"temperature": 0.9}}


def test_flow_picker_without_token_says_so(make_window, qtbot) -> None:
    desk = make_window(client_factory=FakeClient, show=False)
    desk.documents.open_sample()
    add_profile(desk, "server", "http://127.0.0.1:7860")
    desk.documents.open_from_server()
    picker = desk.documents.picker
    assert picker is not None
    qtbot.waitUntil(lambda: "Could not list" in picker.status.text(), timeout=3000)
    assert "No API token" in picker.status.text()


# --- palette ---------------------------------------------------------------------------------


def test_dark_palette(make_window, qtbot, replay_server, memory_tokens, artifacts_dir) -> None:
    from PySide6.QtGui import QColor

    app = QApplication.instance()
    old = app.palette()
    dark = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#2b2b2b"), (QPalette.ColorRole.WindowText, "#e6e6e6"),
        (QPalette.ColorRole.Base, "#1e1e1e"), (QPalette.ColorRole.AlternateBase, "#303030"),
        (QPalette.ColorRole.Text, "#e6e6e6"), (QPalette.ColorRole.Button, "#353535"),
        (QPalette.ColorRole.ButtonText, "#e6e6e6"), (QPalette.ColorRole.Highlight, "#3d7bd9"),
        (QPalette.ColorRole.HighlightedText, "#ffffff"), (QPalette.ColorRole.PlaceholderText, "#8a8a8a"),
        (QPalette.ColorRole.ToolTipBase, "#2b2b2b"), (QPalette.ColorRole.ToolTipText, "#e6e6e6"),
        (QPalette.ColorRole.Link, "#6fa8ff"),
    ):
        dark.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText, QPalette.ColorRole.Text):
        dark.setColor(QPalette.ColorGroup.Disabled, role, QColor("#777777"))
    app.setPalette(dark)
    try:
        desk = make_window(restore=True)
        add_profile(desk, "replay", replay_server.base_url, memory_tokens, API_KEY)
        set_temperature(desk, 0.7)
        desk.runner.run("stream me")
        qtbot.waitUntil(lambda: desk.run_ctrl.state == "done", timeout=5000)
        desk.window.chat.show_error("An example error, to see it on a dark palette.")
        settle(qtbot, desk)
        # the chat bubbles follow the palette: darker than mid-grey on a dark theme
        for view in desk.window.chat.messages():
            assert view.palette().color(QPalette.ColorRole.Window).lightness() < 128, view.role
        image = shoot(desk.window, artifacts_dir, "mainwindow-08-dark-palette.png")
        # dark all over, the error box still reddish, the answer there
        assert mean_colour(image).lightness() < 90, mean_colour(image).name()
        error = desk.window.chat.messages()[-1]
        assert error.role == "error" and reddish(mean_colour(image, region(desk.window, error)))
        assert [v.role for v in desk.window.chat.messages()] == ["user", "ai", "error"]
    finally:
        app.setPalette(old)


# --- app entry points -------------------------------------------------------------------------


def test_take_screenshot(tmp_path, qapp) -> None:
    from lfdesk.app import take_screenshot

    out = tmp_path / "shot.png"
    assert take_screenshot(out, None, OPENAI, (1200, 800)) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 800)
    assert distinct_colours(image) > 100  # the window drawn, not a blank frame
    assert take_screenshot(tmp_path / "x.png", None, "NoSuchComponent", (1200, 800)) == 2
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    assert take_screenshot(tmp_path / "y.png", str(bad), None, (1200, 800)) == 2
    assert not (tmp_path / "y.png").exists()


def test_run_app_starts_and_quits(qapp, tmp_path) -> None:
    import asyncio

    from PySide6.QtCore import QTimer

    from lfdesk.app import run_app

    seen: list[str] = []

    def close_it() -> None:
        for top in QApplication.topLevelWidgets():
            if isinstance(top, MainWindow) and top.isVisible():
                seen.append(top.windowTitle())
                top.close()

    QTimer.singleShot(300, close_it)
    assert run_app(["lfdesk"], str(DATA / "echo_chat.flow.json")) == 0
    asyncio.set_event_loop(None)
    assert seen == ["Echo Chat - no connection"]
    saved, _ = load_settings()
    assert saved.last_flow_path == str((DATA / "echo_chat.flow.json").absolute())
