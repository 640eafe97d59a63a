"""LangflowClient against httpx.MockTransport (error mapping, request shapes) and against real
loopback sockets: the replay server, a silent server, a refused port, a TLS server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import ssl
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers.data import CAPTURES, DATA
from helpers.data import SAMPLE_ID as FLOW_ID
from helpers.net import free_port
from replay_server import API_KEY, NONSTREAM_ANSWER, STREAM_ANSWER, V2_SYNC_ANSWER, ReplayServer

from lfdesk.core.api import (
    AuthError,
    EndEvent,
    ErrorEvent,
    FlowBuildError,
    FlowNotFoundError,
    FlowSummary,
    HTTPStatusError,
    InputConflictError,
    LangflowClient,
    LangflowError,
    MessageEvent,
    NdjsonParser,
    OtherEvent,
    RequestTimeoutError,
    RunResult,
    ServerUnreachableError,
    StreamCutError,
    StreamError,
    StreamProtocolError,
    StreamStalledError,
    Timeouts,
    TLSError,
    TokenEvent,
    TweaksRefusedError,
    Usage,
    parse_version,
)
from lfdesk.core.conversation import Conversation
from lfdesk.core.request import Connection, RunRequest
from lfdesk.core.runner import execute

KEY = "sk-unitTestKey0123456789abcdefghijklmnopqrstuvw"
V2_STREAM_ANSWER = "ECHO[gpt-4o-mini|t=0.1]: You are terse. Question: v2 stream"

Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]


def mock(handler: Handler, connection: Connection | None = None, token: str | None = KEY, **kw: Any) -> LangflowClient:
    conn = connection or Connection("http://lf.test")
    return LangflowClient(conn, token, transport=httpx.MockTransport(handler), **kw)


def req(conn: Connection, **kw: Any) -> RunRequest:
    base: dict[str, Any] = {"connection": conn, "flow_ref": "echo-chat", "flow_id": FLOW_ID, "input_value": "hi"}
    base.update(kw)
    return RunRequest(**base)


async def collect(client: LangflowClient, request: RunRequest) -> list[Any]:
    out: list[Any] = []
    async with contextlib.aclosing(client.stream(request)) as events:
        async for ev in events:
            out.append(ev)
    return out


async def collect_until_error(client: LangflowClient, request: RunRequest) -> tuple[list[Any], BaseException]:
    out: list[Any] = []
    try:
        async for ev in client.stream(request):
            out.append(ev)
    except Exception as exc:
        return out, exc
    raise AssertionError("no error raised")


def ndjson(*events: tuple[str, Any]) -> bytes:
    return b"".join(json.dumps({"event": e, "data": d}).encode() + b"\n\n" for e, d in events)


def stream_response(body: bytes | list[bytes], status: int = 200, ctype: str = "text/event-stream; charset=utf-8") -> httpx.Response:
    parts = body if isinstance(body, list) else [body]

    async def gen() -> AsyncIterator[bytes]:
        for p in parts:
            yield p

    return httpx.Response(status, headers={"content-type": ctype}, content=gen())


def capture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CAPTURES / name).read_text())
    return data


def assert_clean(exc: BaseException) -> None:
    """A typed lfdesk error, with no httpx exception attached for a traceback to show."""
    assert isinstance(exc, LangflowError)
    assert not isinstance(exc, httpx.HTTPError)
    assert exc.__cause__ is None
    assert exc.__context__ is None or exc.__suppress_context__
    assert KEY not in str(exc) and KEY not in exc.hint


# --- replay server: real sockets, recorded bytes -------------------------------------------


async def test_probe_replay(replay_server: ReplayServer) -> None:
    async with LangflowClient(Connection(replay_server.base_url), API_KEY) as c:
        info = await c.probe()
        assert (info.version, info.package, info.ok) == ("1.13.0", "Langflow", True)
        assert c.server_version == "1.13.0" and c.version_tuple == (1, 13, 0)
        assert not c.uses_legacy_streaming


async def test_run_v1_replay(replay_server: ReplayServer) -> None:
    async with LangflowClient(Connection(replay_server.base_url), API_KEY) as c:
        r = await c.run(req(c.connection, input_value="what is up"))
    assert r.text == NONSTREAM_ANSWER and r.usage == Usage(5, 5, 10) and r.session_id == FLOW_ID
    sent = replay_server.requests[-1]
    assert sent.path == "/api/v1/run/echo-chat?stream=false"
    assert sent.headers["x-api-key"] == API_KEY
    assert sent.body == {"input_value": "what is up", "input_type": "chat", "output_type": "chat"}


async def test_stream_v1_replay(replay_server: ReplayServer) -> None:
    async with LangflowClient(Connection(replay_server.base_url), API_KEY) as c:
        events = await collect(c, req(c.connection, stream=True))
    expected = NdjsonParser().feed((CAPTURES / "echo_run_stream.ndjson").read_bytes())
    assert events == expected
    assert isinstance(events[-1], EndEvent) and events[-1].result.text == STREAM_ANSWER
    assert replay_server.requests[-1].path == "/api/v1/run/echo-chat?stream=true"
    assert replay_server.requests[-1].headers["accept"] == "text/event-stream"


async def test_stream_forces_streaming_and_run_of_stream_request(replay_server: ReplayServer) -> None:
    async with LangflowClient(Connection(replay_server.base_url), API_KEY) as c:
        events = await collect(c, req(c.connection, stream=False))
        assert isinstance(events[-1], EndEvent)
        r = await c.run(req(c.connection, stream=True))
    assert r.text == STREAM_ANSWER and r.usage == Usage(5, 5, 10)


async def test_v2_sync_and_stream_replay(replay_server: ReplayServer) -> None:
    async with LangflowClient(Connection(replay_server.base_url), API_KEY) as c:
        sync = await c.run(req(c.connection, api="v2"))
        events = await collect(c, req(c.connection, api="v2", stream=True))
        outcome = await execute(c, req(c.connection, api="v2", stream=True), Conversation("q"))
    assert sync.text == V2_SYNC_ANSWER
    assert isinstance(events[-1], EndEvent)
    # The v2 end event has no answer: the conversation fills it from the output event and
    # the messages.
    end = outcome.result
    assert end is not None and outcome.status == "ok"
    assert end.text == V2_STREAM_ANSWER and end.texts == [V2_STREAM_ANSWER]
    assert end.usage == Usage(5, 7, 12) and end.session_id == FLOW_ID
    assert "".join(e.chunk for e in events if isinstance(e, TokenEvent)) == V2_STREAM_ANSWER
    assert any(isinstance(e, OtherEvent) and e.name == "vertices_sorted" for e in events)
    posted = [r for r in replay_server.requests if r.path == "/api/v2/workflows"]
    assert posted[0].body["mode"] == "sync" and posted[1].body["mode"] == "stream"
    assert posted[1].body["flow_id"] == FLOW_ID


@pytest.mark.parametrize("stream", [False, True])
async def test_replay_errors(replay_server: ReplayServer, stream: bool) -> None:
    conn = Connection(replay_server.base_url)
    async with LangflowClient(conn, "sk-wrong") as c:
        with pytest.raises(AuthError) as bad:
            await (c.run(req(conn, stream=stream)))
    async with LangflowClient(conn) as c:
        with pytest.raises(AuthError) as missing:
            await c.run(req(conn, stream=stream))
    async with LangflowClient(conn, API_KEY) as c:
        with pytest.raises(FlowNotFoundError) as unknown:
            await c.run(req(conn, flow_ref="no-such-flow", stream=stream))
    assert bad.value.reason == "invalid" and missing.value.reason == "missing"
    assert "no-such-flow" in unknown.value.message and unknown.value.flow_ref == "no-such-flow"
    for e in (bad.value, missing.value, unknown.value):
        assert_clean(e)


async def test_execute_replay(replay_server: ReplayServer) -> None:
    seen: list[Any] = []
    changes: list[Any] = []
    async with LangflowClient(Connection(replay_server.base_url), API_KEY) as c:
        streamed = await execute(
            c, req(c.connection, stream=True), Conversation("q"), changes.extend, seen.append
        )
        plain = await execute(c, req(c.connection), Conversation("q"))
    assert streamed.status == "ok" and streamed.answer == STREAM_ANSWER
    stats = streamed.stats
    assert stats.ttft is not None and 0 < stats.ttft <= stats.total
    assert stats.tokens == 5 and stats.usage == Usage(5, 5, 10)
    assert len(seen) == 13 and isinstance(seen[-1], EndEvent)
    assert changes[0].key == "user" and changes[0].replace == "q"
    assert plain.answer == NONSTREAM_ANSWER and plain.stats.ttft is None
    assert plain.stats.tokens == 0 and plain.stats.total > 0


async def test_cancel_mid_stream_ends_at_once() -> None:
    server = ReplayServer(pause=0.05).start()  # the whole stream would take ~7 s
    try:
        async with LangflowClient(Connection(server.base_url), API_KEY) as c:
            first_token = asyncio.Event()
            events: list[Any] = []

            async def consume() -> None:
                async for ev in c.stream(req(c.connection, stream=True)):
                    events.append(ev)
                    if isinstance(ev, TokenEvent):
                        first_token.set()

            task = asyncio.create_task(consume())
            await asyncio.wait_for(first_token.wait(), 10)
            t0 = time.perf_counter()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert time.perf_counter() - t0 < 0.5
            assert not any(isinstance(e, EndEvent) for e in events)
            # The client stays usable.
            assert (await c.probe()).ok
    finally:
        server.stop()


async def test_closing_the_generator_early() -> None:
    server = ReplayServer(pause=0.05).start()
    try:
        async with LangflowClient(Connection(server.base_url), API_KEY) as c:
            gen = c.stream(req(c.connection, stream=True))
            first = await anext(gen)
            assert isinstance(first, MessageEvent)
            t0 = time.perf_counter()
            await gen.aclose()
            assert time.perf_counter() - t0 < 0.5
    finally:
        server.stop()


# --- silent servers, refused ports, TLS ----------------------------------------------------


class RawServer:
    """A loopback TCP server whose connection handler is a coroutine (reader, writer)."""

    def __init__(self, handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]], tls: ssl.SSLContext | None = None) -> None:
        self.handle = handle
        self.tls = tls
        self.server: asyncio.Server | None = None
        self.closed = asyncio.Event()

    async def __aenter__(self) -> RawServer:
        async def wrapped(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                await self.handle(reader, writer)
                # Then say nothing more, until the client hangs up.
                while await reader.read(1024):
                    pass
            except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
                pass
            finally:
                self.closed.set()
                writer.close()

        self.server = await asyncio.start_server(wrapped, "127.0.0.1", 0, ssl=self.tls)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.server.wait_closed(), 2)

    @property
    def port(self) -> int:
        assert self.server is not None
        port: int = self.server.sockets[0].getsockname()[1]
        return port


async def read_request(reader: asyncio.StreamReader) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    for h in head.split(b"\r\n"):
        if h.lower().startswith(b"content-length:"):
            await reader.readexactly(int(h.split(b":")[1]))


async def test_silent_server_stalls_stream() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)

    async with RawServer(silent) as srv:
        conn = Connection(f"http://127.0.0.1:{srv.port}")
        async with LangflowClient(conn, KEY, timeout=Timeouts(connect=2, read=60, stall=0.3)) as c:
            t0 = time.perf_counter()
            events, exc = await collect_until_error(c, req(conn, stream=True))
            assert time.perf_counter() - t0 < 3
    assert events == []
    assert isinstance(exc, StreamStalledError) and exc.seconds == 0.3
    assert_clean(exc)


async def test_server_goes_silent_mid_stream() -> None:
    first = ndjson(("token", {"chunk": "Hel", "id": "m"}))

    async def half(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
            + f"{len(first):x}\r\n".encode() + first + b"\r\n"
        )
        await writer.drain()

    async with RawServer(half) as srv:
        conn = Connection(f"http://127.0.0.1:{srv.port}")
        async with LangflowClient(conn, KEY, timeout=Timeouts(connect=2, read=60, stall=0.3)) as c:
            events, exc = await collect_until_error(c, req(conn, stream=True))
        await asyncio.wait_for(srv.closed.wait(), 2)  # the client hung up
    assert events == [TokenEvent("m", "Hel")]
    assert isinstance(exc, StreamStalledError)


async def test_server_closes_mid_stream() -> None:
    first = ndjson(("token", {"chunk": "Hel", "id": "m"}))

    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
            + f"{len(first):x}\r\n".encode() + first + b"\r\n"
        )
        await writer.drain()
        writer.close()

    async with RawServer(cut) as srv:
        conn = Connection(f"http://127.0.0.1:{srv.port}")
        async with LangflowClient(conn, KEY) as c:
            events, exc = await collect_until_error(c, req(conn, stream=True))
    assert events == [TokenEvent("m", "Hel")]
    assert isinstance(exc, StreamCutError)
    assert_clean(exc)


async def test_cancel_closes_the_connection() -> None:
    """The server sees the disconnect as soon as the consumer is cancelled."""
    first = ndjson(("token", {"chunk": "Hel", "id": "m"}))

    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
            + f"{len(first):x}\r\n".encode() + first + b"\r\n"
        )
        await writer.drain()

    async with RawServer(slow) as srv:
        conn = Connection(f"http://127.0.0.1:{srv.port}")
        async with LangflowClient(conn, KEY) as c:
            got = asyncio.Event()

            async def consume() -> None:
                async for _ in c.stream(req(conn, stream=True)):
                    got.set()

            task = asyncio.create_task(consume())
            await asyncio.wait_for(got.wait(), 5)
            t0 = time.perf_counter()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await asyncio.wait_for(srv.closed.wait(), 0.5)
            assert time.perf_counter() - t0 < 0.5


async def test_silent_server_read_timeout_for_plain_run() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)

    async with RawServer(silent) as srv:
        conn = Connection(f"http://127.0.0.1:{srv.port}")
        async with LangflowClient(conn, KEY, timeout=Timeouts(connect=2, read=0.3, stall=60)) as c:
            with pytest.raises(RequestTimeoutError) as info:
                await c.run(req(conn))
    assert info.value.phase == "read" and "0.3 s" in info.value.message
    assert_clean(info.value)


async def test_refused_port() -> None:
    conn = Connection(f"http://127.0.0.1:{free_port()}")
    async with LangflowClient(conn, KEY) as c:
        for call in (c.probe(), c.run(req(conn)), collect(c, req(conn, stream=True)), c.list_flows()):
            with pytest.raises(ServerUnreachableError) as info:
                await call
            assert "connection refused" in info.value.message
            assert_clean(info.value)


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    yield cert, key


async def https_ok(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers /health with ok and anything else with 404, on a keep-alive connection."""
    while True:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return
        status, body = (b"200 OK", b'{"status": "ok"}') if b" /health " in head else (b"404 Not Found", b"{}")
        writer.write(b"HTTP/1.1 %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (status, len(body), body))
        await writer.drain()


async def test_tls_untrusted_then_trusted_with_ca_bundle(self_signed: tuple[Path, Path]) -> None:
    cert, key = self_signed
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    async with RawServer(https_ok, tls=ctx) as srv:
        conn = Connection(f"https://127.0.0.1:{srv.port}")
        async with LangflowClient(conn, KEY) as c:
            with pytest.raises(TLSError) as info:
                await c.probe()
        assert "not trusted" in info.value.message and "CA bundle" in info.value.hint
        assert_clean(info.value)
        async with LangflowClient(conn, KEY, verify=str(cert)) as c:
            info2 = await c.probe()
        assert info2.ok and info2.version is None  # health answered; no version route here
        async with LangflowClient(conn, KEY, verify=False) as c:
            assert (await c.probe()).ok


async def test_https_to_a_plain_http_server() -> None:
    async def plain(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(100)
        writer.write(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
        await writer.drain()

    async with RawServer(plain) as srv, LangflowClient(Connection(f"https://127.0.0.1:{srv.port}"), KEY) as c:
        with pytest.raises(TLSError) as info:
            await c.probe()
    assert "http://" in info.value.hint


def test_bad_ca_bundle_path(tmp_path: Path) -> None:
    with pytest.raises(TLSError, match="does not exist"):
        LangflowClient(Connection(), KEY, verify=str(tmp_path / "missing.pem"))
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(TLSError, match="cannot be used"):
        LangflowClient(Connection(), KEY, verify=str(junk))


# --- MockTransport: request shapes ---------------------------------------------------------


async def test_auth_headers_self_hosted_datastax_and_none() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=(CAPTURES / "echo_run_nonstream.json").read_bytes())

    async with mock(handler) as c:
        await c.run(req(c.connection))
    ds = Connection("https://api.langflow.astra.datastax.com", kind="datastax", datastax_id="abc-123")
    async with mock(handler, ds, token="AstraCS:token123") as c:
        await c.run(req(ds))
    async with mock(handler, token=None) as c:
        await c.run(req(c.connection))
    own, astra, anon = seen
    assert own.headers["x-api-key"] == KEY and "authorization" not in own.headers
    assert str(own.url) == "http://lf.test/api/v1/run/echo-chat?stream=false"
    assert astra.headers["authorization"] == "Bearer AstraCS:token123" and "x-api-key" not in astra.headers
    assert str(astra.url) == "https://api.langflow.astra.datastax.com/lf/abc-123/api/v1/run/echo-chat?stream=false"
    assert "x-api-key" not in anon.headers and "authorization" not in anon.headers
    assert own.headers["user-agent"].startswith("lfdesk/")
    assert json.loads(own.content) == {"input_value": "hi", "input_type": "chat", "output_type": "chat"}


async def test_probe_not_langflow_and_health_only() -> None:
    async with mock(lambda r: httpx.Response(404, json={"detail": "Not Found"})) as c:
        info = await c.probe()
    assert not info.ok and info.version is None

    def version_only(r: httpx.Request) -> httpx.Response:
        if r.url.path.endswith("/v1/version"):
            return httpx.Response(200, json={"version": "1.0.19.post2", "package": "Langflow"})
        return httpx.Response(404)

    async with mock(version_only) as c:
        info = await c.probe()
        assert info.ok and info.version == "1.0.19.post2" and c.uses_legacy_streaming


def test_parse_version() -> None:
    assert parse_version("1.13.0") == (1, 13, 0)
    assert parse_version("1.0.19.post2") == (1, 0, 19)
    assert parse_version("v1.5") == (1, 5, 0)
    assert parse_version("nightly") is None and parse_version(None) is None


async def test_list_flows_and_projects() -> None:
    rows = [
        {"id": "f1", "name": "Echo", "endpoint_name": "echo-chat", "description": "d", "folder_id": "p1", "updated_at": "2026-11-28T21:00:00"},
        {"id": "f2", "name": "Other", "endpoint_name": None, "description": None, "folder_id": None, "updated_at": None},
    ]
    seen: list[httpx.Request] = []

    def handler(r: httpx.Request) -> httpx.Response:
        seen.append(r)
        if r.url.path == "/api/v1/flows/":
            return httpx.Response(200, json=rows)
        if r.url.path == "/api/v1/projects/":
            return httpx.Response(200, json=[{"id": "p1", "name": "Starter"}])
        return httpx.Response(404)

    async with mock(handler) as c:
        flows = await c.list_flows()
    assert flows[0] == FlowSummary("f1", "Echo", "echo-chat", "d", "p1", "2026-11-28T21:00:00")
    assert flows[1] == FlowSummary("f2", "Other", None, "", None, None)
    assert dict(seen[0].url.params) == {"get_all": "true", "header_flows": "true"}

    async with mock(lambda r: httpx.Response(200, json={"items": rows, "total": 2})) as c:
        assert len(await c.list_flows()) == 2


async def test_fetch_flow_by_id_and_by_endpoint_name() -> None:
    flow_json = json.loads((DATA / "echo_chat.flow.json").read_text())
    flow_json.update({"id": FLOW_ID, "endpoint_name": "echo-chat"})
    paths: list[str] = []

    def handler(r: httpx.Request) -> httpx.Response:
        paths.append(r.url.path)
        if r.url.path == "/api/v1/flows/":
            return httpx.Response(200, json=[{"id": FLOW_ID, "name": "Echo Chat", "endpoint_name": "echo-chat"}])
        if r.url.path == f"/api/v1/flows/{FLOW_ID}":
            return httpx.Response(200, json=flow_json)
        return httpx.Response(404, json={"detail": "Flow not found"})

    async with mock(handler) as c:
        flow = await c.fetch_flow(FLOW_ID)
        by_name = await c.fetch_flow("echo-chat")
        with pytest.raises(FlowNotFoundError, match="nope"):
            await c.fetch_flow("nope")
        with pytest.raises(FlowNotFoundError):
            await c.get_flow_json("00000000-0000-0000-0000-000000000000")
    assert flow.id == FLOW_ID and flow.has_component("OpenAIModelComponent-44DEX")
    assert by_name.id == FLOW_ID
    assert paths[:3] == [f"/api/v1/flows/{FLOW_ID}", "/api/v1/flows/", f"/api/v1/flows/{FLOW_ID}"]


@pytest.mark.parametrize(
    "name,error",
    [
        ("error_no_key.json", AuthError),
        ("error_bad_key.json", AuthError),
        ("error_unknown_flow.json", FlowNotFoundError),
        ("error_tweak_refused.json", TweaksRefusedError),
        ("error_input_conflict.json", InputConflictError),
        ("error_build_error.json", FlowBuildError),
    ],
)
@pytest.mark.parametrize("stream", [False, True])
async def test_error_captures_through_the_client(name: str, error: type[LangflowError], stream: bool) -> None:
    cap = capture(name)
    async with mock(lambda r: httpx.Response(cap["status"], json=cap["body"])) as c:
        with pytest.raises(error) as info:
            await c.run(req(c.connection, stream=stream))
    assert_clean(info.value)


async def test_v2_failed_run_raises() -> None:
    body = {"status": "failed", "errors": [{"error": "Error building Component OpenAI: no key", "code": "X"}]}
    async with mock(lambda r: httpx.Response(200, json=body)) as c:
        with pytest.raises(FlowBuildError, match="no key"):
            await c.run(req(c.connection, api="v2"))


async def test_v2_validation_error() -> None:
    body = {"detail": [{"loc": ["body", "flow_id"], "msg": "Input should be a valid UUID"}]}
    async with mock(lambda r: httpx.Response(422, json=body)) as c:
        with pytest.raises(LangflowError, match=r"body\.flow_id: Input should be a valid UUID"):
            await c.run(req(c.connection, api="v2"))


async def test_key_echoed_by_server_is_masked() -> None:
    async with mock(lambda r: httpx.Response(400, json={"detail": f"bad header {r.headers['x-api-key']}"})) as c:
        with pytest.raises(HTTPStatusError) as info:
            await c.run(req(c.connection))
    assert KEY not in info.value.message and "***" in info.value.message


async def test_redirect_is_not_followed() -> None:
    calls: list[str] = []

    def handler(r: httpx.Request) -> httpx.Response:
        calls.append(str(r.url))
        return httpx.Response(307, headers={"location": "https://elsewhere.test/api/v1/run/x"})

    async with mock(handler) as c:
        with pytest.raises(HTTPStatusError) as info:
            await c.run(req(c.connection))
    assert len(calls) == 1 and "elsewhere.test" in info.value.message
    assert "redirect" in info.value.hint


async def test_non_json_reply() -> None:
    async with mock(lambda r: httpx.Response(200, text="<html>login</html>")) as c:
        with pytest.raises(HTTPStatusError, match="not with JSON"):
            await c.run(req(c.connection))


@pytest.mark.parametrize(
    "exc,error,phase",
    [
        (httpx.ConnectTimeout("timed out"), RequestTimeoutError, "connect"),
        (httpx.ReadTimeout("timed out"), RequestTimeoutError, "read"),
        (httpx.WriteTimeout("timed out"), RequestTimeoutError, "write"),
        (httpx.PoolTimeout("timed out"), RequestTimeoutError, "pool"),
        (httpx.ConnectError("[Errno 111] Connection refused"), ServerUnreachableError, None),
        (httpx.ConnectError("[Errno -2] Name or service not known"), ServerUnreachableError, None),
        (httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), TLSError, None),
        (httpx.ProxyError("407 Proxy Authentication Required"), ServerUnreachableError, None),
        (httpx.RemoteProtocolError("Server disconnected"), LangflowError, None),
        (httpx.UnsupportedProtocol("Request URL has an unsupported protocol 'ftp://'."), LangflowError, None),
    ],
)
async def test_transport_errors_are_mapped(exc: Exception, error: type[LangflowError], phase: str | None) -> None:
    def handler(r: httpx.Request) -> httpx.Response:
        raise exc

    async with mock(handler) as c:
        with pytest.raises(error) as info:
            await c.run(req(c.connection))
    assert_clean(info.value)
    if phase:
        assert isinstance(info.value, RequestTimeoutError) and info.value.phase == phase


async def test_read_timeout_during_stream_is_a_stall() -> None:
    def handler(r: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    async with mock(handler, timeout=Timeouts(stall=7)) as c:
        with pytest.raises(StreamStalledError, match="7 s"):
            await collect(c, req(c.connection, stream=True))


async def test_tls_error_from_the_cause_chain() -> None:
    def handler(r: httpx.Request) -> httpx.Response:
        try:
            raise ssl.SSLCertVerificationError(1, "certificate verify failed: self-signed certificate")
        except ssl.SSLError as inner:
            raise httpx.ConnectError("handshake failed") from inner

    async with mock(handler) as c:
        with pytest.raises(TLSError, match="not trusted"):
            await c.probe()


# --- MockTransport: streams ----------------------------------------------------------------


async def test_in_stream_error_yields_then_raises() -> None:
    body = ndjson(
        ("add_message", {"id": "u", "sender": "User", "text": "hi"}),
        ("error", {"error": "Error running graph: Error building Component OpenAI: bad key"}),
        ("end", {"result": {"outputs": []}}),
    )
    async with mock(lambda r: stream_response(body)) as c:
        events, exc = await collect_until_error(c, req(c.connection, stream=True))
    assert [type(e) for e in events] == [MessageEvent, ErrorEvent]
    assert isinstance(exc, StreamError) and "bad key" in exc.message
    assert exc.raw == {"error": "Error running graph: Error building Component OpenAI: bad key"}


@pytest.mark.parametrize(
    "parts",
    [
        [ndjson(("token", {"chunk": "a", "id": "m"}))],
        [ndjson(("token", {"chunk": "a", "id": "m"})), b'{"event": "end", "da'],
        [],
    ],
    ids=["no-end", "cut-inside-end", "empty"],
)
async def test_stream_ending_before_end(parts: list[bytes]) -> None:
    async with mock(lambda r: stream_response(parts)) as c:
        events, exc = await collect_until_error(c, req(c.connection, stream=True))
    assert isinstance(exc, StreamCutError)
    assert events == ([TokenEvent("m", "a")] if parts else [])


async def test_protocol_error_mid_stream_keeps_earlier_events() -> None:
    body = ndjson(("token", {"chunk": "a", "id": "m"})) + b"<html>oops</html>\n"
    async with mock(lambda r: stream_response(body)) as c:
        events, exc = await collect_until_error(c, req(c.connection, stream=True))
    assert events == [TokenEvent("m", "a")]
    assert isinstance(exc, StreamProtocolError) and "oops" in exc.excerpt


async def test_stream_in_tiny_chunks() -> None:
    raw = (CAPTURES / "echo_run_stream.ndjson").read_bytes()
    parts = [raw[i : i + 3] for i in range(0, len(raw), 3)]
    async with mock(lambda r: stream_response(parts)) as c:
        events = await collect(c, req(c.connection, stream=True))
    assert events == NdjsonParser().feed(raw)


async def test_v1_end_without_usage_takes_it_from_messages() -> None:
    body = ndjson(
        ("add_message", {"id": "a", "sender": "Machine", "text": "x", "session_id": "s1",
                         "properties": {"state": "complete", "usage": {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}}}),
        ("end", {"result": {"outputs": []}}),
    )
    async with mock(lambda r: stream_response(body)) as c:
        outcome = await execute(c, req(c.connection, stream=True), Conversation(None))
    assert outcome.result == RunResult("x", ["x"], "s1", Usage(1, 2, 3), {"outputs": []}, 200)


# --- legacy streaming (Langflow < 1.1.2) ---------------------------------------------------


LEGACY_REPLY = {
    "session_id": "s-legacy",
    "outputs": [{"inputs": {"input_value": "hi"}, "outputs": [{
        "results": {"message": {"text": ""}},
        "artifacts": {"stream_url": "/api/v1/build/f1/ChatOutput-1/stream", "sender_name": "AI"},
        "messages": [{"message": "", "sender_name": "AI", "component_id": "ChatOutput-1",
                      "stream_url": "/api/v1/build/f1/ChatOutput-1/stream"}],
        "component_id": "ChatOutput-1",
    }]}],
}
LEGACY_SSE = (
    b'event: message\ndata: {"message": "Streaming vertex ChatOutput-1"}\n\n'
    b'event: message\ndata: {"chunk": "Hel"}\n\n'
    b'event: message\ndata: {"chunk": "lo"}\n\n'
    b'event: close\ndata: {"message": "Stream closed"}\n\n'
)


def legacy_handler(seen: list[httpx.Request], sse: bytes = LEGACY_SSE) -> Handler:
    def handler(r: httpx.Request) -> httpx.Response:
        seen.append(r)
        if r.url.path == "/api/v1/version":
            return httpx.Response(200, json={"version": "1.0.19", "package": "Langflow"})
        if r.url.path == "/health":
            return httpx.Response(200, json={"status": "ok"})
        if r.url.path.startswith("/api/v1/run/"):
            return httpx.Response(200, json=LEGACY_REPLY)
        if r.url.path == "/api/v1/build/f1/ChatOutput-1/stream":
            return stream_response(sse)
        return httpx.Response(404)

    return handler


@pytest.mark.parametrize("probe", [True, False], ids=["probed", "sniffed"])
async def test_legacy_stream_url(probe: bool) -> None:
    seen: list[httpx.Request] = []
    async with mock(legacy_handler(seen)) as c:
        if probe:
            await c.probe()
            assert c.uses_legacy_streaming
        events = await collect(c, req(c.connection, stream=True))
        result = await c.run(req(c.connection, stream=True))
    assert isinstance(events[0], MessageEvent) and events[0].state == "partial"
    tokens = [e for e in events if isinstance(e, TokenEvent)]
    assert [t.chunk for t in tokens] == ["Hel", "lo"]
    assert {t.message_id for t in tokens} == {events[0].id}
    final = events[-2]
    assert isinstance(final, MessageEvent) and final.text == "Hello" and final.id == events[0].id
    assert isinstance(events[-1], EndEvent) and events[-1].result.text == "Hello"
    assert events[-1].result.session_id == "s-legacy"
    assert result.text == "Hello"
    build = [r for r in seen if "/build/" in r.url.path]
    assert build and build[0].method == "GET" and build[0].headers["x-api-key"] == KEY


async def test_legacy_stream_error_and_cut() -> None:
    err_sse = b'event: message\ndata: {"chunk": "a"}\n\nevent: error\ndata: {"error": "boom"}\n\n'
    async with mock(legacy_handler([], err_sse)) as c:
        await c.probe()
        events, exc = await collect_until_error(c, req(c.connection, stream=True))
    assert isinstance(exc, StreamError) and exc.message == "boom"
    assert isinstance(events[-1], ErrorEvent)
    async with mock(legacy_handler([], b'event: message\ndata: {"chunk": "a"}\n\n')) as c:
        await c.probe()
        _, exc = await collect_until_error(c, req(c.connection, stream=True))
    assert isinstance(exc, StreamCutError)


async def test_legacy_reply_without_stream_url() -> None:
    reply = json.loads((CAPTURES / "echo_run_nonstream.json").read_text())
    async with mock(lambda r: httpx.Response(200, json=reply)) as c:
        events = await collect(c, req(c.connection, stream=True))
    assert len(events) == 1 and isinstance(events[0], EndEvent)
    assert events[0].result.text == NONSTREAM_ANSWER


# --- files and history ---------------------------------------------------------------------


async def test_upload_file_v1_and_v2(tmp_path: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("hello file")
    seen: list[tuple[str, bytes]] = []

    async def handler(r: httpx.Request) -> httpx.Response:
        body = await r.aread()
        seen.append((r.url.path, body))
        if r.url.path == f"/api/v1/files/upload/{FLOW_ID}":
            return httpx.Response(201, json={"flowId": FLOW_ID, "file_path": f"{FLOW_ID}/2026-11-28_21-00-00_notes.txt"})
        if r.url.path == "/api/v2/files":
            return httpx.Response(201, json={"id": "u", "name": "notes", "path": "user-1/notes.txt", "size": 10})
        return httpx.Response(404, json={"detail": "Flow not found"})

    async with mock(handler) as c:
        assert await c.upload_file(FLOW_ID, f) == f"{FLOW_ID}/2026-11-28_21-00-00_notes.txt"
        assert await c.upload_file(FLOW_ID, f, api="v2") == "user-1/notes.txt"
        with pytest.raises(FlowNotFoundError):
            await c.upload_file("00000000-0000-0000-0000-000000000000", f)
        with pytest.raises(LangflowError, match="Cannot read"):
            await c.upload_file(FLOW_ID, tmp_path / "missing.txt")
    _, body = seen[0]
    assert b'name="file"; filename="notes.txt"' in body and b"hello file" in body
    assert b"text/plain" in body


async def test_messages_and_sessions() -> None:
    seen: list[httpx.Request] = []
    rows = [
        {"id": "m1", "sender": "User", "sender_name": "User", "text": "hi", "session_id": "s1", "properties": {"state": "complete"}},
        {"id": "m2", "sender": "Machine", "sender_name": "AI", "text": "yo", "session_id": "s1", "properties": {"usage": {"input_tokens": 1, "output_tokens": 1}}},
    ]

    def handler(r: httpx.Request) -> httpx.Response:
        seen.append(r)
        if r.url.path == "/api/v1/monitor/messages":
            return httpx.Response(200, json=rows)
        if r.url.path == "/api/v1/monitor/messages/sessions":
            return httpx.Response(200, json=["s1", "s2"])
        return httpx.Response(404)

    async with mock(handler) as c:
        msgs = await c.messages(FLOW_ID, "s1")
        sessions = await c.sessions(FLOW_ID)
    assert [m.text for m in msgs] == ["hi", "yo"] and msgs[1].usage == Usage(1, 1, 2)
    assert dict(seen[0].url.params) == {"flow_id": FLOW_ID, "session_id": "s1", "order_by": "timestamp"}
    assert sessions == ["s1", "s2"] and dict(seen[1].url.params) == {"flow_id": FLOW_ID}


# --- secrets stay out of logs --------------------------------------------------------------


async def test_token_never_logged(caplog: pytest.LogCaptureFixture, replay_server: ReplayServer) -> None:
    caplog.set_level(logging.DEBUG)
    async with LangflowClient(Connection(replay_server.base_url), API_KEY) as c:
        await c.run(req(c.connection))
        await collect(c, req(c.connection, stream=True))
        with pytest.raises(FlowNotFoundError):
            await c.run(req(c.connection, flow_ref="no-such-flow"))
        assert API_KEY not in repr(c)
    conn = Connection(f"http://127.0.0.1:{free_port()}")
    async with LangflowClient(conn, API_KEY) as c:
        with pytest.raises(ServerUnreachableError):
            await c.run(req(conn))
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "lfdesk.core.api" in {r.name.rsplit(".", 1)[0] for r in caplog.records}
    assert API_KEY not in text
