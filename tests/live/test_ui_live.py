"""The window against a real Langflow 1.13: open the echo flow from the server, set the OpenAI
temperature in the form, run streamed, and watch the answer arrive in pieces."""

from __future__ import annotations

import time
from typing import Any

from helpers.qtenv import use_offscreen

use_offscreen()

import pytest  # noqa: E402
from helpers.data import OPENAI  # noqa: E402
from helpers.shots import (  # noqa: E402
    distinct_colours,
    grab_with_popup,
    region,
    same_pixels,
    shoot,
)
from PySide6.QtCore import QPoint, QRect  # noqa: E402

from lfdesk.core.profiles import Profile, ProfileStore  # noqa: E402
from lfdesk.core.secrets import TokenStore  # noqa: E402
from lfdesk.ui.mainwindow import MainWindow  # noqa: E402

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def open_live_window(
    make_window: Any, memory_tokens: TokenStore, langflow: Any
) -> tuple[MainWindow, Profile]:
    """The window on the sample flow, connected to the live Langflow as profile "live"."""
    memory_tokens.set("live", langflow.api_key)
    profiles = ProfileStore()
    profile = Profile("live", base_url=langflow.base_url)
    profiles.add(profile)
    window = make_window(profiles=profiles)
    window.open_sample()
    window.select_profile("live")
    return window, profile


def test_window_streams_the_echo_flow_with_a_tweak(
    qtbot: Any,
    make_window: Any,
    memory_tokens: TokenStore,
    langflow: Any,
    echo_flow: dict[str, Any],
    fake_openai: Any,
) -> None:
    window, profile = open_live_window(make_window, memory_tokens, langflow)
    qtbot.waitUntil(lambda: "Langflow 1.13.0" in window.windowTitle(), timeout=20000)

    # open the echo flow from the server, through the ConnectionController
    window.fetch_server_flow(profile, echo_flow["id"])
    qtbot.waitUntil(
        lambda: window.document is not None and window.document.source == "server", timeout=20000
    )
    session = window.document
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


def shoot_sessions_menu(window: MainWindow, artifacts_dir: Any, name: str) -> None:
    """The window with the open Sessions menu painted in, saved; checks the menu is in the
    picture, where it is on screen, with its entries drawn."""
    menu = window.chat.sessions_menu
    assert menu.isVisible()
    image = shoot(grab_with_popup(window, menu), artifacts_dir, name)
    at = QRect(menu.mapToGlobal(QPoint(0, 0)) - window.mapToGlobal(QPoint(0, 0)), menu.size())
    assert image.rect().contains(at), (at, image.rect())
    assert not same_pixels(image.copy(at), window.grab().toImage().copy(at))  # painted in
    assert distinct_colours(image, at) > 8  # text on it, not an empty box
    # under the menu, the chat pane it was opened from
    assert image.rect().contains(region(window, window.chat.sessions_button))


@pytest.mark.qt_log_ignore(
    "does not support propagateSizeHints", "does not support raise", "does not support grabbing"
)
def test_window_lists_and_loads_past_sessions(
    qtbot: Any,
    make_window: Any,
    memory_tokens: TokenStore,
    langflow: Any,
    echo_flow: dict[str, Any],
    fake_openai: Any,
    artifacts_dir: Any,
) -> None:
    window, profile = open_live_window(make_window, memory_tokens, langflow)
    window.fetch_server_flow(profile, echo_flow["id"])
    qtbot.waitUntil(
        lambda: window.document is not None and window.document.source == "server", timeout=20000
    )
    session = window.document
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
    # the menu: the session that ran, not the current one (the new, empty session is)
    assert window.chat.session_choices()[0] == (session.session_id, True)
    shoot_sessions_menu(window, artifacts_dir, "chat-sessions-menu.png")
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
    # the menu marks the loaded session as current; the chat shows its two messages
    assert [c for c in window.chat.session_choices() if c[1]] == [(ran, True)]
    assert [v.role for v in window.chat.messages()][:2] == ["user", "ai"]
    shoot_sessions_menu(window, artifacts_dir, "chat-sessions.png")
    window.chat.sessions_menu.hide()
