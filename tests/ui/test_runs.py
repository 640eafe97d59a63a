"""RunController and HistoryController (lfdesk.ui.runs) against the replay server, on a
qasync loop, wired to a ChatPane the way the window wires them."""

from __future__ import annotations

import json
import time

import pytest
from helpers.data import ECHO_FLOW as ECHO
from helpers.net import free_port
from replay_server import API_KEY, NONSTREAM_ANSWER, STREAM_ANSWER, ReplayServer

from lfdesk.core.document import Document
from lfdesk.core.history import RunHistory, RunRecord
from lfdesk.core.profiles import Profile
from lfdesk.ui.chatpane import ChatPane
from lfdesk.ui.runs import HistoryController, RunController

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def session_for(base_url: str, *, stream: bool = True) -> Document:
    s = Document.open_file(ECHO, profile=Profile("replay", base_url=base_url))
    s.stream = stream
    return s


class Harness:
    """A RunController wired to a ChatPane the way the main window wires them."""

    def __init__(self, qtbot, tokens=None) -> None:
        self.pane = ChatPane()
        qtbot.addWidget(self.pane)
        self.pane.resize(700, 400)
        self.pane.show()
        self.run = RunController(tokens)
        self.events: list[str] = []
        self.outcomes: list[RunRecord] = []
        self.stops: list[RunRecord] = []
        self.failures: list[str] = []
        self.states: list[str] = []
        self.run.started.connect(self.pane.begin_run)
        self.run.rawEvent.connect(self.events.append)
        self.run.rawEvent.connect(self.pane.add_raw_line)
        self.run.messageChanged.connect(self.pane.apply_change)
        self.run.finished.connect(self.outcomes.append)
        self.run.failed.connect(lambda r: self.failures.append(r.outcome.error))
        self.run.stopped.connect(self.stops.append)
        for signal in (self.run.finished, self.run.failed, self.run.stopped):
            signal.connect(lambda r: self.pane.end_run(r.outcome))
        self.run.stateChanged.connect(self.states.append)

    def kinds(self) -> list[str]:
        return [json.loads(line)["event"] for line in self.events]


def test_stream_run_fills_the_chat_pane(qtbot, qloop, wait_for, replay_server) -> None:
    h = Harness(qtbot)
    s = session_for(replay_server.base_url)
    s.tweaks.set("OpenAIModelComponent-44DEX", "temperature", 0.7)
    request = s.build_request("stream me")
    with qtbot.waitSignal(h.run.started, timeout=1000):
        task = h.run.start(request, API_KEY)
    assert task is h.run.task("run")
    wait_for(lambda: h.run.state in ("done", "failed"))
    assert h.failures == []
    assert h.states == ["running", "done"]
    assert "token" in h.kinds() and "add_message" in h.kinds()
    assert [v.role for v in h.pane.messages()] == ["user", "ai"]  # the echo adopted
    answers = [v for v in h.pane.messages() if v.role == "ai"]
    assert [v.text() for v in answers] == [STREAM_ANSWER]
    assert answers[0].stats.text().startswith("first token ")
    assert "total" in answers[0].stats.text()
    # what was sent is what the session built
    sent = replay_server.requests[-1]
    assert sent.body == request.body()
    assert sent.headers["x-api-key"] == API_KEY
    assert sent.path == "/api/v1/run/echo-chat?stream=true"
    record = h.outcomes[0]
    outcome = record.outcome
    assert record.request is request and outcome.result is not None
    assert outcome.answer == STREAM_ANSWER and outcome.status == "ok"
    assert outcome.stats.ttft is not None and outcome.stats.total >= outcome.stats.ttft


def test_non_stream_run(qtbot, qloop, wait_for, replay_server) -> None:
    h = Harness(qtbot)
    request = session_for(replay_server.base_url, stream=False).build_request("what is up")
    h.run.start(request, API_KEY)
    wait_for(lambda: h.run.state in ("done", "failed"))
    assert h.failures == []
    answers = [v for v in h.pane.messages() if v.role == "ai"]
    assert [v.text() for v in answers] == [NONSTREAM_ANSWER]
    assert answers[0].stats.text().startswith("total ")


def test_stop_cancels_within_half_a_second(qtbot, qloop, wait_for) -> None:
    server = ReplayServer(pause=0.05).start()  # about 3 s for the whole capture
    try:
        h = Harness(qtbot)
        task = h.run.start(session_for(server.base_url).build_request("stream me"), API_KEY)
        wait_for(lambda: len(h.events) >= 1, timeout=5)
        assert not task.done()
        t0 = time.monotonic()
        assert h.run.stop() is True
        assert h.states[-1] == "stopped"  # at once, not when the task notices
        wait_for(task.done, timeout=0.5)
        assert time.monotonic() - t0 < 0.5
        assert task.cancelled()
        n = len(h.events)
        qtbot.wait(200)
        assert len(h.events) == n  # nothing arrives after Stop
        assert h.failures == [] and h.outcomes == []
        assert len(h.stops) == 1 and h.stops[0].outcome.status == "stopped"
        assert "stopped" in h.pane.transcript_text().lower()
    finally:
        server.stop()


def test_new_run_cancels_the_previous_one(qtbot, qloop, wait_for) -> None:
    server = ReplayServer(pause=0.05).start()
    try:
        h = Harness(qtbot)
        s = session_for(server.base_url)
        first = h.run.start(s.build_request("one"), API_KEY)
        wait_for(lambda: len(h.events) >= 1, timeout=5)
        server.pause = 0.0
        second = h.run.start(s.build_request("two"), API_KEY)
        wait_for(first.done, timeout=0.5)
        assert first.cancelled()
        wait_for(second.done, timeout=5)
        assert len(h.outcomes) == 1 and h.outcomes[0].request.input_value == "two"
        assert [r.request.input_value for r in h.stops] == ["one"]  # each run ends once
    finally:
        server.stop()


def test_dead_port_gives_a_readable_error(qtbot, qloop, wait_for) -> None:
    h = Harness(qtbot)
    port = free_port()
    task = h.run.start(session_for(f"http://127.0.0.1:{port}").build_request("hi"), API_KEY)
    wait_for(task.done)
    assert task.exception() is None  # the controller caught it
    assert h.states[-1] == "failed"
    assert len(h.failures) == 1
    message = h.failures[0]
    assert f"127.0.0.1:{port}" in message
    assert "Traceback" not in message and "httpx" not in message
    errors = [v for v in h.pane.messages() if v.role == "error"]
    assert len(errors) == 1 and errors[0].text() == message


def test_wrong_token_is_explained_and_never_shown(qtbot, qloop, wait_for, replay_server) -> None:
    h = Harness(qtbot)
    bad = "sk-wrong-token-0123456789abcdef0123456789"
    h.run.start(session_for(replay_server.base_url).build_request("hi"), bad)
    wait_for(lambda: h.run.state == "failed")
    assert bad not in h.failures[0]
    assert "key" in h.failures[0].lower() or "token" in h.failures[0].lower()


def test_profile_without_token_explains_what_to_do(qtbot, qloop, wait_for, memory_tokens) -> None:
    h = Harness(qtbot, tokens=memory_tokens)
    profile = Profile("replay", base_url="http://127.0.0.1:9")
    h.run.start(session_for(profile.base_url).build_request("hi"), profile=profile)
    wait_for(lambda: h.run.state == "failed")
    assert "No API token" in h.failures[0] and "Connections" in h.failures[0]


def test_token_comes_from_the_store(qtbot, qloop, wait_for, replay_server, memory_tokens) -> None:
    memory_tokens.set("replay", API_KEY)
    h = Harness(qtbot, tokens=memory_tokens)
    profile = Profile("replay", base_url=replay_server.base_url)
    h.run.start(session_for(replay_server.base_url).build_request("stream me"), profile=profile)
    wait_for(lambda: h.run.state in ("done", "failed"))
    assert h.failures == []
    assert replay_server.requests[-1].headers["x-api-key"] == API_KEY


def test_history_records_every_ending(qtbot, qloop, wait_for, replay_server, tmp_path) -> None:
    h = Harness(qtbot)
    history = HistoryController(RunHistory(tmp_path / "h.sqlite3"))
    history.watch(h.run)
    recorded: list[object] = []
    history.recorded.connect(recorded.append)
    s = session_for(replay_server.base_url)
    h.run.start(s.build_request("stream me"), API_KEY)
    wait_for(lambda: len(recorded) == 1)
    port = free_port()
    h.run.start(session_for(f"http://127.0.0.1:{port}").build_request("hi"), API_KEY)
    wait_for(lambda: len(recorded) == 2)
    ok, failed = recorded
    assert ok.status == "ok" and ok.answer == STREAM_ANSWER and ok.ttft is not None
    assert failed.status == "error" and f"127.0.0.1:{port}" in failed.error
    history.close()


class EchoingClient:
    """A stand-in client whose stream echoes the token it was given inside a plain token
    event, as a hostile or careless server could."""

    def __init__(self, connection, token=None, *, verify=True, timeout=None) -> None:
        self.token = token

    async def stream(self, request):
        from lfdesk.core.api import EndEvent, RunResult, TokenEvent

        yield TokenEvent("m1", f"your key is {self.token}")
        yield EndEvent(RunResult("done", ["done"], None, None, {}))

    async def aclose(self) -> None:
        return None


def test_the_raw_event_log_never_shows_the_token(qtbot, qloop, wait_for) -> None:
    from lfdesk.ui.clientpool import ClientPool

    token = "zq-odd-shaped-token-81f2"  # no known token shape: masked because it is in use
    ctrl = RunController(clients=ClientPool(EchoingClient))
    lines: list[str] = []
    ctrl.rawEvent.connect(lines.append)
    ctrl.start(session_for("http://127.0.0.1:9").build_request("hi"), token)
    wait_for(lambda: ctrl.state == "done")
    assert lines and all(token not in line for line in lines)
    assert any("your key is ***" in line for line in lines)
