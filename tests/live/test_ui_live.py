"""The window against a real Langflow 1.13: open the echo flow from the server, set the OpenAI
temperature in the form, run streamed, and watch the answer arrive in pieces."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp/lfdesk-test-runtime")
os.makedirs(os.environ["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)

import PySide6.QtWidgets  # noqa: E402  (PySide6 before qasync)
import pytest  # noqa: E402
import qasync  # noqa: E402
from keyring.backends import fail  # noqa: E402
from qtloop import qasync_loop  # noqa: E402

from lfdesk.core.profiles import Profile, ProfileStore  # noqa: E402
from lfdesk.core.secrets import TokenStore  # noqa: E402
from lfdesk.core.settings import Settings  # noqa: E402
from lfdesk.ui.mainwindow import MainWindow  # noqa: E402

OPENAI = "OpenAIModelComponent-44DEX"
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@pytest.fixture
def qloop(qapp: PySide6.QtWidgets.QApplication, qtbot: Any) -> Iterator[qasync.QEventLoop]:
    """The qasync loop, "running" for the whole test (see tests/qtloop.py)."""
    with qasync_loop(qapp, qtbot, timeout_ms=10000) as loop:
        yield loop


def test_window_streams_the_echo_flow_with_a_tweak(
    qtbot: Any, qloop: qasync.QEventLoop, langflow: Any, echo_flow: dict[str, Any], fake_openai: Any
) -> None:
    tokens = TokenStore(fail.Keyring())  # in memory, this process only
    tokens.set("live", langflow.api_key)
    profiles = ProfileStore()
    profile = Profile("live", base_url=langflow.base_url)
    profiles.add(profile)
    window = MainWindow(settings=Settings(), profiles=profiles, tokens=tokens, persist=False)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    window.open_sample()
    window.select_profile("live")
    qtbot.waitUntil(lambda: "Langflow 1.13.0" in window.windowTitle(), timeout=20000)

    # open the echo flow from the server, through the ConnectionController
    window.fetch_server_flow(profile, echo_flow["id"])
    qtbot.waitUntil(
        lambda: window.session is not None and window.session.source == "server", timeout=20000
    )
    session = window.session
    assert session is not None
    assert session.server_flow_id == echo_flow["id"]
    assert session.flow_ref == "echo-chat"

    # temperature 0.7 in the form
    assert window.tree.select_component(OPENAI)
    editor = window.form.field_editor("temperature")
    editor.spin.setValue(0.7)  # type: ignore[attr-defined]
    assert session.tweaks.to_json() == {OPENAI: {"temperature": 0.7}}
    window.preview.set_stream(True)
    assert session.stream is True

    # run, streamed, and sample what the pane shows while the answer arrives
    seen: list[tuple[float, str]] = []

    def answer_text() -> str:
        answers = [v for v in window.chat.messages() if v.role == "ai"]
        return answers[-1].body.toPlainText() if answers else ""

    def sample() -> bool:
        text = answer_text()
        if text and (not seen or seen[-1][1] != text):
            seen.append((time.monotonic(), text))
        return window.run_ctrl.state in ("done", "failed")

    window.chat.set_input_text("hello from the window")
    flushes_before = window.chat.flush_count
    assert window.run() is True
    qtbot.waitUntil(sample, timeout=60000)
    assert window.run_ctrl.state == "done", window.chat.transcript_text()
    final = answer_text()
    assert "t=0.7" in final
    assert "hello from the window" in final
    partial = [(t, s) for t, s in seen if s != final and final.startswith(s.rstrip())]
    assert len(partial) >= 2, seen  # more than one repaint with partial text
    assert partial[-1][0] - partial[0][0] > 0.05  # ...spread over time, not one burst
    assert window.chat.flush_count - flushes_before >= 2
    stats = [v for v in window.chat.messages() if v.role == "ai"][-1].stats.text()
    assert stats.startswith("first token")
    # the model saw the tweak
    assert fake_openai.last_chat().body["temperature"] == pytest.approx(0.7)
    window.shutdown()


def _grab_with_menu(window: MainWindow, menu: PySide6.QtWidgets.QMenu) -> Any:
    """The window's picture with the open popup menu painted where it is on screen (a popup
    is a window of its own, so ``window.grab()`` leaves it out)."""
    from PySide6.QtGui import QPainter

    picture = window.grab()
    if menu.isVisible():
        painter = QPainter(picture)
        painter.drawPixmap(menu.pos() - window.mapToGlobal(window.rect().topLeft()), menu.grab())
        painter.end()
    return picture


@pytest.mark.qt_log_ignore(
    "does not support propagateSizeHints", "does not support raise", "does not support grabbing"
)
def test_window_lists_and_loads_past_sessions(
    qtbot: Any,
    qloop: qasync.QEventLoop,
    langflow: Any,
    echo_flow: dict[str, Any],
    fake_openai: Any,
    artifacts_dir: Any,
) -> None:
    tokens = TokenStore(fail.Keyring())
    tokens.set("live", langflow.api_key)
    profiles = ProfileStore()
    profile = Profile("live", base_url=langflow.base_url)
    profiles.add(profile)
    window = MainWindow(settings=Settings(), profiles=profiles, tokens=tokens, persist=False)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    window.open_sample()
    window.select_profile("live")
    window.fetch_server_flow(profile, echo_flow["id"])
    qtbot.waitUntil(
        lambda: window.session is not None and window.session.source == "server", timeout=20000
    )
    session = window.session
    assert session is not None
    assert window.chat.sessions_button.isEnabled()

    # a run in the window's own session stores its messages on the server
    ran = session.session_id
    window.chat.set_input_text("remember this for later")
    assert window.run() is True
    qtbot.waitUntil(lambda: window.run_ctrl.state in ("done", "failed"), timeout=60000)
    assert window.run_ctrl.state == "done", window.chat.transcript_text()

    # a new session, then back to the one that ran, through the Sessions list
    window.new_chat_session()
    assert session.session_id != ran
    assert window.chat.messages() == []
    window.chat.sessions_button.click()
    qtbot.waitUntil(lambda: (ran, False) in window.chat.session_choices(), timeout=20000)
    qtbot.wait(100)
    _grab_with_menu(window, window.chat.sessions_menu).save(
        str(artifacts_dir / "chat-sessions-menu.png")
    )
    window.chat.choose_session(ran)
    assert session.session_id == ran
    qtbot.waitUntil(
        lambda: "from the server" in window.chat.transcript_text(), timeout=20000
    )
    views = [(v.role, v.text()) for v in window.chat.messages()]
    assert views[0] == ("user", "remember this for later"), views
    assert views[1][0] == "ai" and views[1][1].startswith("ECHO["), views
    assert "remember this for later" in views[1][1]
    assert views[-1] == ("info", "Loaded 2 messages from the server."), views
    qtbot.waitUntil(lambda: not window.preview.is_pending(), timeout=5000)
    assert f'"session_id": "{ran}"' in window.preview.text()
    window.chat.sessions_button.click()
    qtbot.waitUntil(lambda: (ran, True) in window.chat.session_choices(), timeout=20000)
    qtbot.wait(100)
    _grab_with_menu(window, window.chat.sessions_menu).save(
        str(artifacts_dir / "chat-sessions.png")
    )
    window.chat.sessions_menu.hide()
    window.shutdown()
