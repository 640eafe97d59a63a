"""LangflowClient against the hostile server (tests/hostile_server.py): gzip bombs, huge error
bodies, endless lines, drips, stalls, echoed secrets, deep nesting and hostile names each end
in bounded time and memory with one readable error that names the limit, and never show a
secret. The same cases through the command line are in test_hostile_cli.py."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import sqlite3
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hostile_server import FLOW_ID, HOSTILE_NAMES, HostileServer

from lfdesk.core.api import (
    AuthError,
    ErrorEvent,
    FlowBuildError,
    HTTPStatusError,
    LangflowClient,
    LangflowError,
    Limits,
    MessageEvent,
    ReplyTooLargeError,
    RequestTimeoutError,
    StreamError,
    StreamProtocolError,
    StreamStalledError,
    Timeouts,
    TokenEvent,
)
from lfdesk.core.api.body import PIECE, Decoder
from lfdesk.core.api.client import secret_forms
from lfdesk.core.api.transport import CALL_DEADLINE, RUN_DEADLINE, check_address
from lfdesk.core.conversation import Conversation
from lfdesk.core.history import RunHistory, RunRecord
from lfdesk.core.logsetup import RedactingFilter
from lfdesk.core.request import Connection, RunRequest
from lfdesk.core.runner import describe_error, execute

MB = 1024 * 1024
KEY = "sk-Hostile0123456789abcdefghijklmnopqrstuvwxyzAB"  # a Langflow key's shape
ASTRA = "AstraCS:HostileAbCdEfGhIjKl:" + "0123456789abcdef" * 4  # a DataStax application token
ODD = 'plain "odd" token/with+plus=and\\backslash'  # no known shape; changes when escaped
SHORT = "Zq7"  # below redact's floor of 4: masked only where it stands alone
TOKENS = {"langflow": KEY, "astra": ASTRA, "odd": ODD, "short": SHORT}


def client(url: str, token: str | None = KEY, **kw: Any) -> LangflowClient:
    if token == ASTRA:
        conn = Connection(url, kind="datastax", datastax_id="hostile-lf")
    else:
        conn = Connection(url)
    return LangflowClient(conn, token, **kw)


def run_request(c: LangflowClient, stream: bool = False) -> RunRequest:
    return RunRequest(connection=c.connection, flow_ref="x", input_value="hi", stream=stream)


async def failure(step: Awaitable[Any]) -> LangflowError:
    """The error ``step`` ends in (it must end in one), checked to be one clean line."""
    try:
        await step
    except LangflowError as exc:
        assert "\n" not in exc.message and exc.message
        assert exc.__cause__ is None and (exc.__context__ is None or exc.__suppress_context__)
        return exc
    raise AssertionError("no error raised")


async def stream_failure(c: LangflowClient, stream: bool = True) -> tuple[list[Any], LangflowError]:
    events: list[Any] = []

    async def consume() -> None:
        async with contextlib.aclosing(c.stream(run_request(c, stream))) as evs:
            async for ev in evs:
                events.append(ev)

    return events, await failure(consume())


@contextlib.contextmanager
def peak_memory() -> Iterator[list[int]]:
    """The peak of memory Python allocated inside the block, in bytes (``[peak]``)."""
    out: list[int] = []
    tracemalloc.start()
    try:
        yield out
    finally:
        out.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


# --- sizes: gzip bombs, huge error bodies, endless lines -------------------------------------


async def test_gzip_bomb_flow_list_flow_and_run_reply(hostile: HostileServer) -> None:
    async with client(hostile.url("bomb")) as c:
        calls: dict[str, Callable[[], Awaitable[Any]]] = {
            "flow list": c.list_flows,
            "flow": lambda: c.get_flow_json(FLOW_ID),
            "run reply": lambda: c.run(run_request(c)),
        }
        for what, call in calls.items():
            with peak_memory() as peak:
                err = await failure(call())
            assert isinstance(err, ReplyTooLargeError) and err.limit == "reply", err
            assert err.message.startswith(f"The {what} from http://127.0.0.1:")
            assert "larger than 32 MB once decompressed, lfdesk's limit for a reply" in err.message
            # The bomb expands to 4 GB; lfdesk holds at most the 32 MB limit and a piece
            # (measured 38 MB; httpx decoding it whole peaked at 78 MB).
            assert peak[0] < 48 * MB, f"{what}: peak {peak[0] / MB:.0f} MB"


async def test_gzip_bomb_stream_is_one_overlong_line(hostile: HostileServer) -> None:
    async with client(hostile.url("bomb")) as c:
        with peak_memory() as peak:
            events, err = await stream_failure(c)
    assert events == []
    assert isinstance(err, ReplyTooLargeError) and err.limit == "stream line"
    assert "longer than 4 MB, lfdesk's limit for one stream event" in err.message
    assert peak[0] < 16 * MB, f"peak {peak[0] / MB:.0f} MB"


@pytest.mark.parametrize("case", ["bomb-error", "big-error"])
async def test_error_bodies_are_read_only_in_part(hostile: HostileServer, case: str) -> None:
    """A 4 GB gzip bomb or a 100 MB error page: the first 256 kB are read, and said so."""
    async with client(hostile.url(case)) as c:
        with peak_memory() as peak:
            errors = [
                await failure(c.list_flows()),
                await failure(c.run(run_request(c))),
                (await stream_failure(c))[1],
            ]
    for err in errors:
        assert isinstance(err, HTTPStatusError) and err.status_code == 500, err
        assert err.message.startswith("The server answered 500 (internal server error): ")
        assert err.message.endswith("(only the first 256 kB of the reply were read)")
        assert len(err.message) <= 400
    assert peak[0] < 8 * MB, f"peak {peak[0] / MB:.0f} MB"


async def test_endless_stream_line(hostile: HostileServer) -> None:
    async with client(hostile.url("endless-line")) as c:
        with peak_memory() as peak:
            events, err = await stream_failure(c)
            whole = await failure(c.run(run_request(c)))
    assert events == []
    assert isinstance(err, ReplyTooLargeError) and err.limit == "stream line" and err.size == 4 * MB
    assert "4 MB" in err.message
    assert isinstance(whole, ReplyTooLargeError) and whole.limit == "reply"
    assert "larger than 32 MB, lfdesk's limit" in whole.message  # not compressed: no "once"
    assert peak[0] < 48 * MB


async def test_a_stream_of_nothing_stops_at_the_stream_limit(hostile: HostileServer) -> None:
    """Blank lines without end hold no memory, but a stream still stops at its limit (made
    small here, so the test reads 8 MB and not the default 256 MB)."""
    async with client(hostile.url("blank-flood"), limits=Limits(stream=8 * MB)) as c:
        events, err = await stream_failure(c)
    assert events == []
    assert isinstance(err, ReplyTooLargeError) and err.limit == "stream"
    assert "passed 8 MB, lfdesk's limit for one run's stream" in err.message


def test_limits_a_real_langflow_never_reaches() -> None:
    limits = Limits()
    assert (limits.reply, limits.stream_line, limits.stream) == (32 * MB, 4 * MB, 256 * MB)
    assert limits.error_body == 256 * 1024


def test_decoder_caps_every_piece_whatever_the_ratio() -> None:
    zeros = zlib.compress(b"\0" * (64 * MB), 9)  # about 64 kB that expand 1000 times
    gz = zlib.compressobj(9, zlib.DEFLATED, 31)
    two_members = gz.compress(b"a" * 10) + gz.flush()
    two_members += two_members
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    headerless = raw.compress(b"deflate without its zlib header") + raw.flush()
    decoder = Decoder("deflate")
    sizes = [len(p) for p in decoder.feed(zeros)] + [len(p) for p in decoder.close()]
    assert max(sizes) <= PIECE and sum(sizes) == 64 * MB
    assert b"".join(Decoder("gzip").feed(two_members)) == b"a" * 20
    assert b"".join(Decoder("deflate").feed(headerless)) == b"deflate without its zlib header"
    inner = zlib.compressobj(9, zlib.DEFLATED, 31)
    outer = zlib.compressobj(9, zlib.DEFLATED, 31)
    stacked = outer.compress(inner.compress(b"twice") + inner.flush()) + outer.flush()
    assert b"".join(Decoder("gzip, gzip").feed(stacked)) == b"twice"
    with pytest.raises(LangflowError, match="'br' content encoding"):
        Decoder("br")


async def test_broken_gzip_is_one_line() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        async def body() -> AsyncIterator[bytes]:
            yield b"\x1f\x8b not gzip at all"

        return httpx.Response(200, headers={"content-encoding": "gzip"}, content=body())

    conn = Connection("http://lf.test")
    async with LangflowClient(conn, KEY, transport=httpx.MockTransport(handler)) as c:
        err = await failure(c.list_flows())
    assert "compressed data is broken" in err.message


# --- time: drips and stalls ---------------------------------------------------------------------


def test_default_deadlines() -> None:
    t = Timeouts()
    assert (t.deadline(long=True), t.deadline(long=False)) == (RUN_DEADLINE, CALL_DEADLINE)
    assert (RUN_DEADLINE, CALL_DEADLINE, t.stall) == (600, 60, 120)
    assert Timeouts(total=5).deadline(long=True) == Timeouts(total=5).deadline(long=False) == 5
    # A connection's one Timeout (the app's, a profile's) is also the longest silence.
    assert Timeouts.of_connection(900) == Timeouts(total=900, stall=900)
    assert Timeouts.of_connection(None) == Timeouts()
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="positive number of seconds"):
            Timeouts(total=bad)


async def test_a_drip_is_cut_by_the_deadline(hostile: HostileServer) -> None:
    """One byte every 2 s never trips a stall or read timeout; the deadline ends it."""
    async with client(hostile.url("drip"), timeout=Timeouts(total=2.5)) as c:
        for call in (c.list_flows, lambda: c.run(run_request(c))):
            t0 = time.monotonic()
            err = await failure(call())
            assert isinstance(err, RequestTimeoutError) and err.phase == "total", err
            assert err.message.endswith("did not finish within 2.5 s (lfdesk's time limit for one request)")
            assert "--timeout" in err.hint
            assert time.monotonic() - t0 < 10  # without the deadline: 10 minutes
        _events, err = await stream_failure(c)
    assert isinstance(err, RequestTimeoutError) and err.phase == "total"
    assert err.message.startswith("The run on http://127.0.0.1:")


async def test_a_stall_is_the_stall_timeout(hostile: HostileServer) -> None:
    async with client(hostile.url("stall"), timeout=Timeouts(stall=1, total=30)) as c:
        events, err = await stream_failure(c)
    assert events == [TokenEvent("m", "Hel")]
    assert isinstance(err, StreamStalledError) and err.seconds == 1
    assert err.message.endswith("for 1 s")
    async with client(hostile.url("stall"), timeout=Timeouts(total=1.5)) as c:
        err = await failure(c.list_flows())  # no headers ever: the deadline, not a hang
    assert isinstance(err, RequestTimeoutError) and err.phase == "total" and "1.5 s" in err.message


# --- secrets echoed ---------------------------------------------------------------------------


def leaked(text: str, token: str, url: str = "") -> list[str]:
    """The forms of the token (and URL credentials) that ``text`` shows."""
    found = [form for form in secret_forms(token, url) if form in text]
    if len(token) < 4:  # a short token is masked only where it stands alone
        found = [f for f in found if f" {f} " in f" {text} " or f'"{f}"' in text]
    return found


def everything(err: LangflowError, events: list[Any] = ()) -> str:  # type: ignore[assignment]
    parts = [str(err), err.message, err.hint, json.dumps(err.detail, default=str)]
    for ev in events:
        if isinstance(ev, ErrorEvent | MessageEvent):
            parts += [ev.message if isinstance(ev, ErrorEvent) else ev.text, json.dumps(ev.raw)]
    return "\n".join(parts)


@pytest.mark.parametrize("shape", list(TOKENS))
@pytest.mark.parametrize("case", ["echo", "echo-message", "echo-garbage"])
async def test_an_echoed_token_is_masked_in_stream_errors(hostile: HostileServer, case: str, shape: str) -> None:
    token = TOKENS[shape]
    async with client(hostile.url(case), token) as c:
        events, err = await stream_failure(c)
    said = everything(err, events)
    expected = {"echo": StreamError, "echo-message": StreamError, "echo-garbage": StreamProtocolError}
    assert isinstance(err, expected[case]), err
    assert "***" in err.message
    assert not leaked(said, token), said
    # The server did see the token (so the test could fail): it echoed it into the stream.
    seen = hostile.requests[-1].headers
    assert token in (seen.get("x-api-key", ""), seen.get("authorization", "").removeprefix("Bearer "))


@pytest.mark.parametrize("shape", list(TOKENS))
async def test_an_echoed_token_is_masked_in_http_errors(hostile: HostileServer, shape: str) -> None:
    token = TOKENS[shape]
    async with client(hostile.url("echo"), token) as c:
        listing = await failure(c.list_flows())
        running = await failure(c.run(run_request(c)))
    assert isinstance(listing, AuthError) and isinstance(running, FlowBuildError)
    for err in (listing, running):
        assert "***" in err.message and not leaked(everything(err), token), err.message


async def test_a_short_token_does_not_star_every_word(hostile: HostileServer) -> None:
    """A 3-character token is masked where the server echoes it, not inside other words."""
    async with client(hostile.url("echo"), "use") as c:
        err = await failure(c.list_flows())
    assert err.message == 'The server refused the API key (401: Invalid API key: *** | "***")'


async def test_credentials_in_the_url_are_masked(hostile: HostileServer) -> None:
    url = hostile.url("echo", "alice:pa55-w0rd")
    async with client(url, KEY) as c:
        events, err = await stream_failure(c)
        listing = await failure(c.list_flows())
    basic = hostile.requests[-1].headers["authorization"]
    assert basic.startswith("Basic ")  # sent, and echoed back by the server
    for said in (everything(err, events), everything(listing)):
        assert "pa55-w0rd" not in said and basic[6:] not in said and "alice:" not in said
        assert not leaked(said, KEY, url)


async def test_no_secret_reaches_the_log(hostile: HostileServer) -> None:
    """Every record of lfdesk and httpx at DEBUG, through the log file's filter."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    url = hostile.url("echo", "alice:pa55-w0rd")
    try:
        for shape, token in TOKENS.items():
            async with client(url if shape == "langflow" else hostile.url("echo"), token) as c:
                await stream_failure(c)
                await failure(c.list_flows())
                await failure(c.run(run_request(c)))
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    text = out.getvalue()
    assert "lfdesk.core.api.client" in text and "-> 401" in text  # there is a log to look at
    for token in TOKENS.values():
        assert not leaked(text, token), token
    assert "pa55-w0rd" not in text


@pytest.mark.parametrize("shape", ["langflow", "astra", "odd"])
async def test_no_secret_reaches_the_history(hostile: HostileServer, tmp_path: Path, shape: str) -> None:
    """A failed streamed run, recorded as the app records it: the database holds no token."""
    token = TOKENS[shape]
    async with client(hostile.url("echo-message"), token) as c:
        request = run_request(c, stream=True)
        conversation = Conversation("hi")
        with pytest.raises(StreamError) as info:
            await execute(c, request, conversation)
    conversation.fail(describe_error(info.value))
    history = RunHistory(tmp_path / "history.sqlite3")
    entry_id = history.record_run(RunRecord(request, conversation.outcome()))
    entry = history.get(entry_id)
    history.close()
    assert entry is not None and "***" in (entry.error or "")
    with sqlite3.connect(tmp_path / "history.sqlite3") as db:
        rows = db.execute("SELECT * FROM runs").fetchall()
    stored = json.dumps(rows, default=str)
    assert stored.count("***") >= 1 and not leaked(stored, token)


# --- nesting, names, addresses --------------------------------------------------------------


async def test_nesting_100000_deep_is_one_line(hostile: HostileServer) -> None:
    async with client(hostile.url("deep")) as c:
        errors = [
            await failure(c.list_flows()),
            await failure(c.get_flow_json(FLOW_ID)),
            await failure(c.run(run_request(c))),
            (await stream_failure(c))[1],
        ]
    for err in errors[:3]:
        assert err.message == "The server's reply is nested more than 200 levels deep: lfdesk does not read it"
    assert isinstance(errors[3], StreamProtocolError)
    assert errors[3].message == "The stream event at byte 0 is nested more than 200 levels deep"
    async with client(hostile.url("deep-error")) as c:
        err = await failure(c.list_flows())
    assert isinstance(err, HTTPStatusError) and err.status_code == 500
    assert err.message.startswith('The server answered 500 (internal server error): {"detail": [[[')


async def test_hostile_names_come_through_exactly(hostile: HostileServer) -> None:
    """The client hands names over as the server sent them; the printers escape them."""
    async with client(hostile.url("names")) as c:
        flows = await c.list_flows()
        flow = await c.get_flow_json(flows[0].id)
    assert [f.name for f in flows] == HOSTILE_NAMES
    assert flows[0].endpoint_name == "e0\x1b[31m"
    assert flow["name"] == HOSTILE_NAMES[0]


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:99999", "port 99999 is not between 1 and 65535"),
        ("http://localhost:0", "port 0 is not between 1 and 65535"),
        ("http://[::1", "Invalid port"),
        ("http://h\x00st:80", "non-printable"),
    ],
)
def test_an_address_httpx_refuses_is_one_line(url: str, why: str) -> None:
    with pytest.raises(LangflowError) as info:
        check_address(url)
    assert why in info.value.message and "\n" not in info.value.message
    assert info.value.message.startswith(f"{url!r} is not a usable server address")


async def test_the_client_refuses_a_bad_port_before_any_request() -> None:
    """Port 0 passes a URL parser (``Connection`` takes it) but names no server."""
    with pytest.raises(LangflowError, match="port 0 is not between 1 and 65535"):
        LangflowClient(Connection("http://127.0.0.1:0"), KEY)


async def test_an_unexpected_send_failure_is_one_line() -> None:
    """What anyio raises for a bad port (an ExceptionGroup of an OverflowError), should it
    get past the address check, is a one-line error too."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise ExceptionGroup("connect", [OverflowError("connect(): port must be 0-65535.")])

    conn = Connection("http://lf.test")
    async with LangflowClient(conn, KEY, transport=httpx.MockTransport(handler)) as c:
        err = await failure(c.list_flows())
        _events, streamed = await stream_failure(c)
    assert "is not a usable address (connect(): port must be 0-65535.)" in err.message
    assert "is not a usable address" in streamed.message


async def test_a_key_an_http_header_cannot_carry() -> None:
    async with LangflowClient(Connection("http://127.0.0.1:9"), "sk-ünicode-key") as c:
        err = await failure(c.list_flows())
    assert err.message == "The API key holds characters an HTTP header cannot carry"


async def test_cancelling_a_drip_still_closes_at_once(hostile: HostileServer) -> None:
    """The deadline's timeouts never swallow a consumer's own cancellation."""
    async with client(hostile.url("drip")) as c:
        task = asyncio.create_task(c.list_flows())
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


def test_a_flow_not_found_without_a_name_reads_right() -> None:
    from lfdesk.core.api import FlowNotFoundError, error_from_response

    err = error_from_response(404, {"detail": "Flow not found"}, None)
    assert isinstance(err, FlowNotFoundError)
    assert err.message == "Langflow has no such flow (Flow not found)"
    named = error_from_response(404, {"detail": "Flow not found"}, "echo-chat")
    assert named.message == "Langflow has no flow 'echo-chat' (Flow not found)"
