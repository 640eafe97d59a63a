"""Past chat sessions from the server: the Sessions button lists a flow's sessions (through
``ConnectionController.list_sessions``), choosing one switches the chat (and the preview) to
it and loads its stored messages; a wrong key shows a readable line. Against a small scripted
loopback server answering like Langflow's monitor API (langflow-api.md §8.3)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from helpers.data import SAMPLE_ID
from helpers.shots import (
    distinct_colours,
    grab_with_popup,
    mean_colour,
    reddish,
    region,
    same_pixels,
    shoot,
)
from helpers.window import add_profile, settle
from PySide6.QtCore import QPoint, QRect

from lfdesk.app import Desk
from lfdesk.core.profiles import Profile
from lfdesk.ui.connection import ConnectionController

# The offscreen platform cannot raise a popup menu or grab the keyboard for it; not ours.
# (On each test: conftest's item marker would hide a module-level one.)
POPUP = pytest.mark.qt_log_ignore(
    "does not support propagateSizeHints", "does not support raise", "does not support grabbing"
)

KEY = "sk-history-test-key"
FLOW_ID = SAMPLE_ID  # the sample (Echo Chat) flow's id
NEWER, OLDER = "5e55a0b1-0000-4000-8000-00000000000b", "5e55a0b1-0000-4000-8000-00000000000a"


def message(i: int, session: str, sender: str, text: str, **extra: Any) -> dict[str, Any]:
    """A ``MessageResponse`` as Langflow 1.13 returns it."""
    return {
        "id": f"00000000-0000-4000-8000-{i:012d}",
        "flow_id": FLOW_ID,
        "timestamp": f"2026-11-28 10:00:{i:02d} UTC",
        "sender": sender,
        "sender_name": "User" if sender == "User" else "AI",
        "session_id": session,
        "context_id": "",
        "text": text,
        "files": [],
        "edit": False,
        "duration": None,
        "properties": {"state": "complete", "source": {"id": None}},
        "category": "message",
        "content_blocks": [],
        "session_metadata": None,
        **extra,
    }


MESSAGES = {
    OLDER: [
        message(1, OLDER, "User", "first question"),
        message(2, OLDER, "Machine", "ECHO[gpt-4o-mini|t=0.1]: first question"),
        message(3, OLDER, "User", "second question"),
        message(4, OLDER, "Machine", "the model failed", category="error", error=True),
        message(5, OLDER, "Machine", "ECHO[gpt-4o-mini|t=0.1]: second question"),
    ],
    NEWER: [message(6, NEWER, "User", "newest"), message(7, NEWER, "Machine", "ECHO: newest")],
}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *_args: Any) -> None:  # keep the test output clean
        pass

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server.seen.append((url.path, query))
        if url.path == "/health":
            return self._reply(200, {"status": "ok"})
        if url.path == "/api/v1/version":
            return self._reply(200, {"version": "1.13.0", "package": "Langflow"})
        if not url.path.startswith("/api/v1/monitor/"):
            return self._reply(404, {"detail": "Not Found"})
        if self.headers.get("x-api-key") != KEY:
            return self._reply(403, {"detail": "Invalid or missing API key"})
        known = query.get("flow_id") == FLOW_ID
        if url.path == "/api/v1/monitor/messages/sessions":
            return self._reply(200, [NEWER, OLDER] if known else [])  # newest activity first
        if url.path == "/api/v1/monitor/messages":
            rows = MESSAGES.get(query.get("session_id", ""), []) if known else []
            return self._reply(200, rows)
        return self._reply(404, {"detail": "Not Found"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[tuple[str, dict[str, str]]] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def monitor_server() -> Iterator[_Server]:
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def desk(make_window, memory_tokens, monitor_server) -> Desk:
    d = make_window(restore=True)  # the sample flow, whose id the scripted server knows
    add_profile(d, "scripted", monitor_server.base_url, memory_tokens, KEY)
    return d


@POPUP
def test_controller_lists_sessions_and_loads_messages(
    qloop, memory_tokens, monitor_server, run_coro
) -> None:
    memory_tokens.set("scripted", KEY)
    ctrl = ConnectionController(memory_tokens)
    profile = Profile("scripted", base_url=monitor_server.base_url)
    got: list[tuple[Any, ...]] = []
    ctrl.sessionsListed.connect(lambda *a: got.append(("sessions", *a)))
    ctrl.messagesLoaded.connect(lambda *a: got.append(("messages", *a)))
    ctrl.sessionsListFailed.connect(lambda m: got.append(("failed", "sessions", m)))
    ctrl.messagesLoadFailed.connect(lambda m: got.append(("failed", "messages", m)))
    run_coro(ctrl.list_sessions(profile, FLOW_ID))
    run_coro(ctrl.load_messages(profile, FLOW_ID, NEWER))
    run_coro(ctrl.clients.aclose())
    assert got[0] == ("sessions", FLOW_ID, [NEWER, OLDER])
    kind, flow_id, session_id, changes = got[1]
    assert (kind, flow_id, session_id) == ("messages", FLOW_ID, NEWER)
    assert [(c.role, c.replace) for c in changes] == [("user", "newest"), ("ai", "ECHO: newest")]
    assert ("/api/v1/monitor/messages", {
        "flow_id": FLOW_ID, "session_id": NEWER, "order_by": "timestamp"
    }) in monitor_server.seen


@POPUP
def test_choosing_a_session_loads_its_messages_in_order(
    desk: Desk, qtbot, wait_for, artifacts_dir
) -> None:
    session = desk.documents.document
    assert session is not None and session.flow_id == FLOW_ID
    fresh = session.session_id
    assert desk.window.chat.sessions_button.isEnabled()
    desk.window.chat.set_input_text("what came before?")
    desk.window.chat.sessions_button.click()
    wait_for(lambda: desk.window.chat.session_choices())
    # the server's order (newest first), and the current (unsent) session marked at the top
    assert desk.window.chat.session_choices() == [(fresh, True), (NEWER, False), (OLDER, False)]
    assert desk.window.chat.sessions_menu.isVisible()
    labels = [a.text() for a in desk.window.chat.sessions_menu.actions()]
    assert "current, not on the server yet" in labels[0]

    # choose the older session (as a click on its menu entry)
    entry = next(a for a in desk.window.chat.sessions_menu.actions() if a.data() == OLDER)
    entry.trigger()
    assert session.session_id == OLDER
    assert desk.window.chat.session_id() == OLDER
    wait_for(lambda: any(v.role == "info" for v in desk.window.chat.messages()))
    views = desk.window.chat.messages()
    assert [(v.role, v.text()) for v in views] == [
        ("user", "first question"),
        ("ai", "ECHO[gpt-4o-mini|t=0.1]: first question"),
        ("user", "second question"),
        ("error", "the model failed"),
        ("ai", "ECHO[gpt-4o-mini|t=0.1]: second question"),
        ("info", "Loaded 5 messages from the server."),
    ]
    # the code preview now sends the chosen session id
    desk.window.preview.set_full(True)  # the full program carries the chat session
    settle(qtbot, desk, pause_ms=0)
    assert OLDER in desk.window.preview.text()
    assert fresh not in desk.window.preview.text()
    assert desk.window.preview.request().session_id == OLDER  # type: ignore[union-attr]

    # the list marks the chosen session as current now
    desk.window.chat.sessions_button.click()
    wait_for(lambda: desk.window.chat.session_choices() == [(NEWER, False), (OLDER, True)])
    qtbot.wait(50)
    menu = desk.window.chat.sessions_menu
    image = shoot(grab_with_popup(desk.window, menu), artifacts_dir, "history-sessions-loaded.png")
    # the loaded conversation in the chat, its failed turn in red, and the open menu over it
    # with the chosen session marked
    error = next(v for v in desk.window.chat.messages() if v.role == "error")
    # (the part of it inside the chat's scrolled view: its top may be scrolled away)
    seen = region(desk.window, error).intersected(
        region(desk.window, desk.window.chat.transcript.viewport())
    )
    assert error.isVisible() and reddish(mean_colour(image, seen))
    at = QRect(menu.mapToGlobal(QPoint(0, 0)) - desk.window.mapToGlobal(QPoint(0, 0)), menu.size())
    assert image.rect().contains(at)
    assert not same_pixels(image.copy(at), desk.window.grab().toImage().copy(at))  # painted in
    assert distinct_colours(image, at) > 8
    desk.window.chat.sessions_menu.hide()

    # New session still starts a fresh, empty one
    desk.window.chat.new_session_button.click()
    assert session.session_id not in (OLDER, NEWER, fresh)
    assert desk.window.chat.messages() == []


@POPUP
def test_a_wrong_key_shows_a_readable_line(
    desk: Desk, memory_tokens, wait_for
) -> None:
    memory_tokens.set("scripted", "sk-wrong")
    desk.window.chat.sessions_button.click()
    wait_for(lambda: any(v.role == "error" for v in desk.window.chat.messages()))
    error = next(v for v in desk.window.chat.messages() if v.role == "error").text()
    assert error.startswith("Could not list the chat sessions on the server:")
    assert "403" in error or "API key" in error
    assert "Traceback" not in error and "sk-wrong" not in error
    assert desk.window.chat.sessions_button.text() == "Sessions ▾"
    assert not desk.window.chat.sessions_menu.isVisible()

    # loading a session with the wrong key: a readable line too, and the id still switches
    desk.window.chat.choose_session(NEWER)
    wait_for(lambda: "messages" in desk.window.chat.transcript_text())
    assert "Could not load the chat session's messages" in desk.window.chat.transcript_text()
    assert desk.documents.document is not None and desk.documents.document.session_id == NEWER


@POPUP
def test_unknown_flow_is_an_info_line(desk: Desk, wait_for) -> None:
    session = desk.documents.document
    assert session is not None
    session.server_flow_id = "99999999-0000-4000-8000-000000000000"  # not on this server
    desk.window.chat.sessions_button.click()
    wait_for(lambda: any(v.role == "info" for v in desk.window.chat.messages()))
    assert "no stored chat sessions" in desk.window.chat.transcript_text()
    assert not any(v.role == "error" for v in desk.window.chat.messages())
    assert desk.window.chat.session_choices() == [(session.session_id, True)]


@POPUP
def test_without_a_connection_the_button_is_off(make_window) -> None:
    w = make_window(show=False, restore=True)
    assert not w.window.chat.sessions_button.isEnabled()
    assert "connection" in w.window.chat.sessions_button.toolTip()
