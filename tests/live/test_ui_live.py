"""The window (with its presenters: a Desk) against a real Langflow 1.13: open the echo flow
from the server, set the OpenAI temperature in the form, run streamed, and watch the answer
arrive in pieces."""

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

from lfdesk.app import Desk  # noqa: E402
from lfdesk.core.profiles import Profile, ProfileStore  # noqa: E402
from lfdesk.core.secrets import TokenStore  # noqa: E402

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def open_live_window(
    make_window: Any, memory_tokens: TokenStore, langflow: Any
) -> tuple[Desk, Profile]:
    """The window on the sample flow, connected to the live Langflow as profile "live"."""
    memory_tokens.set("live", langflow.api_key)
    profiles = ProfileStore()
    profile = Profile("live", base_url=langflow.base_url)
    profiles.add(profile)
    desk = make_window(profiles=profiles)
    desk.documents.open_sample()
    desk.connection.select_profile("live")
    return desk, profile


def test_window_streams_the_echo_flow_with_a_tweak(
    qtbot: Any,
    make_window: Any,
    memory_tokens: TokenStore,
    langflow: Any,
    echo_flow: dict[str, Any],
    fake_openai: Any,
) -> None:
    desk, profile = open_live_window(make_window, memory_tokens, langflow)
    qtbot.waitUntil(lambda: "Langflow 1.13.0" in desk.window.windowTitle(), timeout=20000)

    # open the echo flow from the server, through the ConnectionController
    desk.documents.fetch_server_flow(profile, echo_flow["id"])
    qtbot.waitUntil(
        lambda: desk.documents.document is not None
        and desk.documents.document.source == "server",
        timeout=20000,
    )
    session = desk.documents.document
    assert session is not None
    assert session.server_flow_id == echo_flow["id"]
    assert session.flow_ref == "echo-chat"

    # temperature 0.7 in the form
    assert desk.window.tree.select_component(OPENAI)
    editor = desk.window.form.field_editor("temperature")
    editor.spin.setValue(0.7)  # type: ignore[attr-defined]
    assert session.tweaks.to_json() == {OPENAI: {"temperature": 0.7}}
    desk.window.preview.set_stream(True)
    assert session.stream is True

    # run, streamed, and sample what the pane shows while the answer arrives
    seen: list[tuple[float, str]] = []

    def answer_text() -> str:
        answers = [v for v in desk.window.chat.messages() if v.role == "ai"]
        return answers[-1].body.toPlainText() if answers else ""

    def sample() -> bool:
        text = answer_text()
        if text and (not seen or seen[-1][1] != text):
            seen.append((time.monotonic(), text))
        return desk.run_ctrl.state in ("done", "failed")

    desk.window.chat.set_input_text("hello from the window")
    flushes_before = desk.window.chat.flush_count
    assert desk.runner.run() is True
    qtbot.waitUntil(sample, timeout=60000)
    assert desk.run_ctrl.state == "done", desk.window.chat.transcript_text()
    final = answer_text()
    assert "t=0.7" in final
    assert "hello from the window" in final
    partial = [(t, s) for t, s in seen if s != final and final.startswith(s.rstrip())]
    assert len(partial) >= 2, seen  # more than one repaint with partial text
    assert partial[-1][0] - partial[0][0] > 0.05  # ...spread over time, not one burst
    assert desk.window.chat.flush_count - flushes_before >= 2
    stats = [v for v in desk.window.chat.messages() if v.role == "ai"][-1].stats.text()
    assert stats.startswith("first token")
    # the model saw the tweak
    assert fake_openai.last_chat().body["temperature"] == pytest.approx(0.7)


def shoot_sessions_menu(desk: Desk, artifacts_dir: Any, name: str) -> None:
    """The window with the open Sessions menu painted in, saved; checks the menu is in the
    picture, where it is on screen, with its entries drawn."""
    menu = desk.window.chat.sessions_menu
    assert menu.isVisible()
    image = shoot(grab_with_popup(desk.window, menu), artifacts_dir, name)
    at = QRect(menu.mapToGlobal(QPoint(0, 0)) - desk.window.mapToGlobal(QPoint(0, 0)), menu.size())
    assert image.rect().contains(at), (at, image.rect())
    assert not same_pixels(image.copy(at), desk.window.grab().toImage().copy(at))  # painted in
    assert distinct_colours(image, at) > 8  # text on it, not an empty box
    # under the menu, the chat pane it was opened from
    assert image.rect().contains(region(desk.window, desk.window.chat.sessions_button))


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
    desk, profile = open_live_window(make_window, memory_tokens, langflow)
    desk.documents.fetch_server_flow(profile, echo_flow["id"])
    qtbot.waitUntil(
        lambda: desk.documents.document is not None
        and desk.documents.document.source == "server",
        timeout=20000,
    )
    session = desk.documents.document
    assert session is not None
    assert desk.window.chat.sessions_button.isEnabled()

    # a run in the window's own session stores its messages on the server
    ran = session.session_id
    desk.window.chat.set_input_text("remember this for later")
    assert desk.runner.run() is True
    qtbot.waitUntil(lambda: desk.run_ctrl.state in ("done", "failed"), timeout=60000)
    assert desk.run_ctrl.state == "done", desk.window.chat.transcript_text()

    # a new session, then back to the one that ran, through the Sessions list
    desk.sessions.new_session()
    assert session.session_id != ran
    assert desk.window.chat.messages() == []
    desk.window.chat.sessions_button.click()
    qtbot.waitUntil(lambda: (ran, False) in desk.window.chat.session_choices(), timeout=20000)
    qtbot.wait(100)
    # the menu: the session that ran, not the current one (the new, empty session is)
    assert desk.window.chat.session_choices()[0] == (session.session_id, True)
    shoot_sessions_menu(desk, artifacts_dir, "chat-sessions-menu.png")
    desk.window.chat.choose_session(ran)
    assert session.session_id == ran
    qtbot.waitUntil(
        lambda: "from the server" in desk.window.chat.transcript_text(), timeout=20000
    )
    views = [(v.role, v.text()) for v in desk.window.chat.messages()]
    assert views[0] == ("user", "remember this for later"), views
    assert views[1][0] == "ai" and views[1][1].startswith("ECHO["), views
    assert "remember this for later" in views[1][1]
    assert views[-1] == ("info", "Loaded 2 messages from the server."), views
    assert desk.window.preview.request().session_id == ran  # type: ignore[union-attr]
    desk.window.preview.set_full(True)  # the full program carries the chat session
    qtbot.waitUntil(lambda: not desk.window.preview.is_pending(), timeout=5000)
    assert f'"session_id": "{ran}"' in desk.window.preview.text()
    desk.window.chat.sessions_button.click()
    qtbot.waitUntil(lambda: (ran, True) in desk.window.chat.session_choices(), timeout=20000)
    qtbot.wait(100)
    # the menu marks the loaded session as current; the chat shows its two messages
    assert [c for c in desk.window.chat.session_choices() if c[1]] == [(ran, True)]
    assert [v.role for v in desk.window.chat.messages()][:2] == ["user", "ai"]
    shoot_sessions_menu(desk, artifacts_dir, "chat-sessions.png")
    desk.window.chat.sessions_menu.hide()
