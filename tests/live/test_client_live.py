"""LangflowClient against a real Langflow 1.13.0 on loopback (fixtures in conftest.py).

What the real server does where it differs from the docs is asserted here, with a comment.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI
from langflow_server import LANGFLOW_VERSION, LangflowServer

from lfdesk.core.api import (
    AuthError,
    EndEvent,
    ErrorEvent,
    FlowBuildError,
    FlowNotFoundError,
    InputConflictError,
    LangflowClient,
    LangflowError,
    MessageEvent,
    OtherEvent,
    StreamError,
    TokenEvent,
    TweaksRefusedError,
    ValidationError,
)
from lfdesk.core.conversation import Conversation
from lfdesk.core.request import Connection, RunRequest
from lfdesk.core.runner import execute

ECHO_NODE = "OpenAIModelComponent-44DEX"
CHAT_INPUT = "ChatInput-wEKUV"
T07 = {ECHO_NODE: {"temperature": 0.7}}
PREFIX = "ECHO[gpt-4o-mini|t=0.7]:"


@pytest.fixture
async def client(langflow: LangflowServer) -> AsyncIterator[LangflowClient]:
    async with LangflowClient(Connection(langflow.base_url), langflow.api_key) as c:
        yield c


def echo(client: LangflowClient, echo_flow: dict[str, Any], **kw: Any) -> RunRequest:
    fields: dict[str, Any] = {
        "connection": client.connection,
        "flow_ref": echo_flow["endpoint_name"],
        "flow_id": echo_flow["id"],
        "input_value": "what is up",
        "tweaks": T07,
    }
    fields.update(kw)
    return RunRequest(**fields)


async def stream_until_error(client: LangflowClient, request: RunRequest) -> tuple[list[Any], LangflowError]:
    events: list[Any] = []
    try:
        async with contextlib.aclosing(client.stream(request)) as gen:
            async for ev in gen:
                events.append(ev)
    except LangflowError as exc:
        return events, exc
    raise AssertionError(f"no error; events: {events}")


# --- server and flows ----------------------------------------------------------------------


async def test_probe(client: LangflowClient) -> None:
    info = await client.probe()
    assert (info.version, info.package, info.ok) == (LANGFLOW_VERSION, "Langflow", True)
    assert client.server_version == "1.13.0" and not client.uses_legacy_streaming


async def test_list_flows(client: LangflowClient, echo_flow: dict[str, Any]) -> None:
    flows = await client.list_flows()
    mine = [f for f in flows if f.id == echo_flow["id"]]
    assert len(mine) == 1
    assert mine[0].endpoint_name == "echo-chat" and mine[0].name == echo_flow["name"]
    assert mine[0].folder_id and mine[0].updated_at


async def test_fetch_and_parse_echo_flow(
    client: LangflowClient, echo_flow: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    flow = await client.fetch_flow(echo_flow["id"])
    assert flow.id == echo_flow["id"] and flow.endpoint_name == "echo-chat"
    assert {c.id for c in flow.components} == {"ChatInput-wEKUV", "ChatOutput-EZE6q", ECHO_NODE, "PromptComponent-0ko7V"}
    assert flow.component(ECHO_NODE).field("openai_api_base").default == fake_openai.base_url
    by_name = await client.fetch_flow("echo-chat")  # resolved through the flow list
    assert by_name.id == flow.id


# --- runs ----------------------------------------------------------------------------------


async def test_run_with_tweak(client: LangflowClient, echo_flow: dict[str, Any], fake_openai: FakeOpenAI) -> None:
    fake_openai.clear()
    r = await client.run(echo(client, echo_flow))
    assert r.text.startswith(PREFIX)
    assert r.text == f"{PREFIX} You are terse. Question: what is up"
    assert r.usage is not None and r.usage.total_tokens == (r.usage.input_tokens or 0) + (r.usage.output_tokens or 0)
    assert r.session_id == echo_flow["id"]  # no session id sent: the flow id is used
    assert fake_openai.last_chat().body["temperature"] == 0.7


async def test_stream_tokens_over_time(client: LangflowClient, echo_flow: dict[str, Any]) -> None:
    request = echo(client, echo_flow, input_value="hello there streaming world", stream=True)
    timed: list[tuple[float, Any]] = []
    t0 = time.perf_counter()
    async with contextlib.aclosing(client.stream(request)) as gen:
        async for ev in gen:
            timed.append((time.perf_counter() - t0, ev))
    events = [ev for _, ev in timed]
    answer = f"{PREFIX} You are terse. Question: hello there streaming world"

    words = [(t, ev) for t, ev in timed if isinstance(ev, TokenEvent) and ev.chunk]
    assert len(words) >= 5
    assert words[-1][0] - words[0][0] >= 0.2, "tokens arrived all at once"
    assert "".join(ev.chunk for _, ev in words) == answer

    # Upsert by id: the AI message arrives partial, then complete under the same id.
    chat: dict[str, MessageEvent] = {}
    states: list[str] = []
    for ev in events:
        if isinstance(ev, MessageEvent):
            chat[ev.id] = ev
            if not ev.is_user:
                states.append(ev.state)
    assert states[0] == "partial" and states[-1] == "complete"
    user, ai = list(chat.values())
    assert user.is_user and user.text == "hello there streaming world"
    assert ai.text == answer and {ev.message_id for _, ev in words} == {ai.id}
    assert ai.usage is not None

    assert isinstance(events[-1], EndEvent)
    # The one interpretation of these events: the conversation agrees with the raw messages.
    conv = Conversation(request.input_value)
    conv.begin()
    for ev in events:
        conv.feed(ev)
    outcome = conv.outcome()
    assert outcome.status == "ok" and outcome.answer == answer
    assert [(m.role, m.text) for m in conv.messages] == [("user", user.text), ("ai", answer)]
    assert outcome.stats.usage == ai.usage and outcome.session_id == echo_flow["id"]


async def test_execute_through_the_pipeline(client: LangflowClient, echo_flow: dict[str, Any]) -> None:
    seen: list[Any] = []
    request = echo(client, echo_flow, stream=True)
    outcome = await execute(client, request, Conversation(request.input_value), on_event=seen.append)
    stats = outcome.stats
    assert outcome.result is not None and outcome.answer.startswith(PREFIX)
    assert stats.ttft is not None and 0 < stats.ttft < stats.total
    assert stats.tokens >= 5 and stats.usage == outcome.result.usage
    assert isinstance(seen[-1], EndEvent)


async def test_v2_sync_and_stream(client: LangflowClient, echo_flow: dict[str, Any]) -> None:
    sync = await client.run(echo(client, echo_flow, api="v2"))
    assert sync.text == f"{PREFIX} You are terse. Question: what is up"
    assert sync.usage is None  # the v2 sync reply carries no token usage
    assert sync.raw["inputs"] == T07  # the applied tweaks come back under inputs

    v2 = echo(client, echo_flow, api="v2", stream=True)
    events = [ev async for ev in client.stream(v2)]
    names = [ev.name for ev in events if isinstance(ev, OtherEvent)]
    assert {"vertices_sorted", "build_start", "end_vertex", "output"} <= set(names)
    tokens = "".join(ev.chunk for ev in events if isinstance(ev, TokenEvent))
    end = events[-1]
    assert isinstance(end, EndEvent)
    # The v2 end event holds only build_duration; the conversation fills the answer in.
    assert set(end.result.raw) == {"build_duration"} and end.result.text == ""
    outcome = await execute(client, v2, Conversation(v2.input_value))
    assert outcome.result is not None
    assert outcome.answer == tokens == sync.text
    assert outcome.result.usage is not None


async def test_upload_file_v1_and_v2(client: LangflowClient, echo_flow: dict[str, Any], tmp_path: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("hello file\n")
    v1 = await client.upload_file(echo_flow["id"], f)
    assert re.fullmatch(rf"{echo_flow['id']}/\d{{4}}-\d\d-\d\d_\d\d-\d\d-\d\d_notes\.txt", v1), v1
    v2 = await client.upload_file(echo_flow["id"], f, api="v2")
    assert re.fullmatch(r"[0-9a-f-]{36}/notes\.txt", v2), v2  # <user id>/<name>


async def test_messages_and_sessions(client: LangflowClient, echo_flow: dict[str, Any]) -> None:
    sid = f"lfdesk-live-{uuid.uuid4().hex[:8]}"
    r = await client.run(echo(client, echo_flow, session_id=sid, input_value="remember me"))
    assert r.session_id == sid
    assert sid in await client.sessions(echo_flow["id"])
    msgs = await client.messages(echo_flow["id"], sid)
    assert [(m.sender, m.text) for m in msgs] == [("User", "remember me"), ("Machine", r.text)]
    assert all(m.session_id == sid for m in msgs) and msgs[1].usage == r.usage


# --- errors from the real server -----------------------------------------------------------


async def test_no_key(langflow: LangflowServer, echo_flow: dict[str, Any]) -> None:
    async with LangflowClient(Connection(langflow.base_url)) as c:
        with pytest.raises(AuthError) as run_err:
            await c.run(echo(c, echo_flow))
        # Other endpoints word it differently: "No authentication credentials provided".
        with pytest.raises(AuthError) as list_err:
            await c.list_flows()
        assert (await c.probe()).ok  # health and version need no key
    assert run_err.value.reason == "missing" and run_err.value.status_code == 403
    assert list_err.value.reason == "missing"


async def test_wrong_key(langflow: LangflowServer, echo_flow: dict[str, Any]) -> None:
    bad = "sk-" + "x" * 43
    async with LangflowClient(Connection(langflow.base_url), bad) as c:
        for call in (c.run(echo(c, echo_flow)), c.run(echo(c, echo_flow, api="v2")), c.list_flows()):
            with pytest.raises(AuthError) as info:
                await call
            assert info.value.reason == "invalid" and bad not in info.value.message


async def test_unknown_flow(client: LangflowClient, echo_flow: dict[str, Any]) -> None:
    with pytest.raises(FlowNotFoundError) as v1:
        await client.run(echo(client, echo_flow, flow_ref="no-such-flow"))
    assert v1.value.flow_ref == "no-such-flow" and "no-such-flow" in v1.value.message
    missing = str(uuid.uuid4())
    with pytest.raises(FlowNotFoundError) as v2:
        await client.run(echo(client, echo_flow, api="v2", flow_id=missing))
    assert missing in v2.value.message  # v2: {"detail": {"code": "FLOW_NOT_FOUND", ...}}
    with pytest.raises(FlowNotFoundError):
        await client.get_flow_json(missing)
    with pytest.raises(FlowNotFoundError):
        await client.upload_file(missing, Path(__file__))
    with pytest.raises(FlowNotFoundError):  # checked before the stream starts
        await client.run(echo(client, echo_flow, flow_ref="no-such-flow", stream=True))


async def test_v2_flow_id_must_be_a_uuid(client: LangflowClient, echo_flow: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as info:
        await client.run(echo(client, echo_flow, api="v2", flow_id="echo-chat"))
    assert info.value.fields == (("body", "Value error, Invalid flow_id, must be a UUID"),)


async def test_code_tweak_refused(client: LangflowClient, echo_flow: dict[str, Any]) -> None:
    tweaks = {ECHO_NODE: {"code": "print('hi')"}}
    with pytest.raises(TweaksRefusedError) as v1:
        await client.run(echo(client, echo_flow, tweaks=tweaks))
    assert v1.value.fields == ("code",) and v1.value.status_code == 422
    with pytest.raises(TweaksRefusedError) as v2:
        await client.run(echo(client, echo_flow, tweaks=tweaks, api="v2"))
    assert v2.value.fields == ("code",)
    # With ?stream=true the refusal is not a 422: HTTP 200 and an in-stream error event.
    events, exc = await stream_until_error(client, echo(client, echo_flow, tweaks=tweaks, stream=True))
    assert [type(e) for e in events] == [ErrorEvent]
    assert isinstance(exc, StreamError) and exc.message.startswith("Refused tweak keys ['code']")
    assert "tweaks" in exc.hint


async def test_input_conflict(
    client: LangflowClient, echo_flow: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # RunRequest drops the conflicting tweak on purpose; undo that to see the server's 400.
    monkeypatch.setattr(RunRequest, "effective_tweaks", lambda self: {k: dict(v) for k, v in self.tweaks.items()})
    request = echo(client, echo_flow, tweaks={CHAT_INPUT: {"input_value": "other"}})
    with pytest.raises(InputConflictError) as info:
        await client.run(request)
    assert info.value.status_code == 400 and "input_value" in info.value.message


async def test_build_error_basic_prompting(client: LangflowClient, basic_prompting_flow: dict[str, Any]) -> None:
    request = RunRequest(
        connection=client.connection,
        flow_ref=basic_prompting_flow["id"],
        flow_id=basic_prompting_flow["id"],
        input_value="hi",
    )
    with pytest.raises(FlowBuildError) as v1:
        await client.run(request)
    assert "A model selection is required" in v1.value.message and v1.value.status_code == 500
    assert v1.value.suggestion and "outdated components" in v1.value.suggestion
    # Streamed, the failure arrives in the stream after the user's message.
    events, exc = await stream_until_error(client, request.with_(stream=True))
    assert [type(e) for e in events] == [MessageEvent, ErrorEvent]
    # The error event is the component's whole error Message (category "error").
    assert isinstance(exc, StreamError) and exc.message == "Language Model: A model selection is required"
    assert isinstance(events[-1], ErrorEvent) and events[-1].raw["category"] == "error"
    # v2 answers 200 with status "failed".
    with pytest.raises(FlowBuildError) as v2:
        await client.run(request.with_(api="v2"))
    assert "A model selection is required" in v2.value.message and v2.value.status_code == 200
    events, exc = await stream_until_error(client, request.with_(api="v2", stream=True))
    assert isinstance(events[-1], ErrorEvent) and isinstance(exc, StreamError)


async def test_model_failure(client: LangflowClient, echo_flow: dict[str, Any]) -> None:
    tweaks = {ECHO_NODE: {"model_name": "fail-model"}}
    with pytest.raises(FlowBuildError, match="failed on purpose"):
        await client.run(echo(client, echo_flow, tweaks=tweaks))
    events, exc = await stream_until_error(client, echo(client, echo_flow, tweaks=tweaks, stream=True))
    assert isinstance(events[-1], ErrorEvent)
    assert exc.message == "OpenAI: the fake model failed on purpose"


# --- cancelling ----------------------------------------------------------------------------


async def test_cancel_mid_stream(client: LangflowClient, echo_flow: dict[str, Any], fake_openai: FakeOpenAI) -> None:
    fake_openai.clear()
    request = echo(client, echo_flow, stream=True, tweaks={ECHO_NODE: {"model_name": "slow-model"}})
    first = asyncio.Event()
    events: list[Any] = []

    async def consume() -> None:
        async for ev in client.stream(request):
            events.append(ev)
            if isinstance(ev, TokenEvent) and ev.chunk:
                first.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first.wait(), 60)
    t0 = time.perf_counter()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.perf_counter() - t0 < 0.5
    assert not any(isinstance(e, EndEvent) for e in events)
    # Langflow sees the disconnect and cancels the run: the model call is dropped too.
    deadline = time.monotonic() + 5
    while fake_openai.last_chat().outcome == "pending" and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert fake_openai.last_chat().model == "slow-model"
    assert fake_openai.last_chat().outcome == "disconnected"
    # The client is still usable afterwards.
    assert (await client.run(echo(client, echo_flow))).text.startswith(PREFIX)
