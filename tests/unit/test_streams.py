"""Stream parsers and events, fed the real captures split everywhere, and broken input."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from helpers.data import CAPTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from lfdesk.core.api import (
    EndEvent,
    ErrorEvent,
    FlowBuildError,
    MessageEvent,
    NdjsonParser,
    OtherEvent,
    RunResult,
    SseParser,
    StreamCutError,
    StreamProtocolError,
    TokenEvent,
    TweaksRefusedError,
    Usage,
    to_event,
)
from lfdesk.core.api.streams import LegacyStreamParser

NDJSON = (CAPTURES / "echo_run_stream.ndjson").read_bytes()
SSE = (CAPTURES / "echo_v2_stream.sse").read_bytes()
STREAM_ANSWER = "ECHO[gpt-4o-mini|t=0.7]: Be loud: stream me"
V2_STREAM_ANSWER = "ECHO[gpt-4o-mini|t=0.1]: You are terse. Question: v2 stream"
AI_ID = "4cb3fd38-64e0-42ed-ada2-6d6ab2002519"

Parser = type[NdjsonParser] | type[SseParser]


def parse(cls: Parser, data: bytes, cuts: list[int] | None = None) -> list[Any]:
    """Feed ``data`` split at ``cuts`` (sorted offsets), then close."""
    p = cls()
    out: list[Any] = []
    last = 0
    for cut in cuts or []:
        out += p.feed(data[last:cut])
        last = cut
    out += p.feed(data[last:])
    out += p.close()
    return out


def line(event: str, data: Any) -> bytes:
    return json.dumps({"event": event, "data": data}, ensure_ascii=False).encode() + b"\n\n"


def sse_block(event: str, data: Any, seq: int) -> bytes:
    payload = json.dumps({"event": event, "data": data}, ensure_ascii=False)
    return f"data: {payload}\nid: {seq}\n\n".encode()


# --- the real captures ----------------------------------------------------------------------


def test_ndjson_capture_events() -> None:
    events = parse(NdjsonParser, NDJSON)
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["MessageEvent"] * 2 + ["TokenEvent"] * 7 + ["MessageEvent"] * 3 + ["EndEvent"]
    user, partial = events[0], events[1]
    assert isinstance(user, MessageEvent) and user.sender == "User" and user.text == "stream me"
    assert user.is_user and user.state == "complete" and user.usage is None
    assert isinstance(partial, MessageEvent) and partial.id == AI_ID and partial.state == "partial"
    tokens = [e for e in events if isinstance(e, TokenEvent)]
    assert {t.message_id for t in tokens} == {AI_ID}
    assert "".join(t.chunk for t in tokens) == STREAM_ANSWER
    assert [t.chunk for t in tokens][-2:] == ["", ""]
    final = events[-2]
    assert isinstance(final, MessageEvent) and final.id == AI_ID and final.state == "complete"
    assert final.text == STREAM_ANSWER and final.usage == Usage(5, 5, 10)
    assert final.session_id == "1a775cc2-f37c-4f5a-890d-bead1a2842ce"
    end = events[-1]
    assert isinstance(end, EndEvent)
    assert end.result.text == STREAM_ANSWER and end.result.texts == [STREAM_ANSWER]
    assert end.result.usage == Usage(5, 5, 10)
    assert end.result.session_id == "1a775cc2-f37c-4f5a-890d-bead1a2842ce"


def test_sse_capture_events() -> None:
    p = SseParser()
    events = p.feed(SSE) + p.close()
    names = [e.name if isinstance(e, OtherEvent) else type(e).__name__ for e in events]
    assert names[:5] == ["vertices_sorted", "build_start", "MessageEvent", "end_vertex", "end_vertex"]
    assert names[-3:] == ["end_vertex", "output", "EndEvent"]
    assert names.count("TokenEvent") == 9
    tokens = "".join(e.chunk for e in events if isinstance(e, TokenEvent))
    assert tokens == V2_STREAM_ANSWER
    output = next(e for e in events if isinstance(e, OtherEvent) and e.name == "output")
    assert output.data["content"] == V2_STREAM_ANSWER
    end = events[-1]
    # A v2 end carries only build_duration: the client fills the answer in.
    assert isinstance(end, EndEvent) and end.result.text == ""
    assert "build_duration" in end.result.raw
    assert p.last_event_id == "21"


@pytest.mark.parametrize("cls,data", [(NdjsonParser, NDJSON), (SseParser, SSE)], ids=["ndjson", "sse"])
def test_split_at_every_offset(cls: Parser, data: bytes) -> None:
    whole = parse(cls, data)
    for cut in range(len(data) + 1):
        assert parse(cls, data, [cut]) == whole, f"split at {cut}"


@pytest.mark.parametrize("cls,data", [(NdjsonParser, NDJSON), (SseParser, SSE)], ids=["ndjson", "sse"])
def test_byte_by_byte(cls: Parser, data: bytes) -> None:
    assert parse(cls, data, list(range(1, len(data)))) == parse(cls, data)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_random_splits(data: st.DataObject) -> None:
    cls, raw = data.draw(st.sampled_from([(NdjsonParser, NDJSON), (SseParser, SSE)]))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(raw)), max_size=60)))
    assert parse(cls, raw, cuts) == parse(cls, raw)


@pytest.mark.parametrize("cls,data", [(NdjsonParser, NDJSON), (SseParser, SSE)], ids=["ndjson", "sse"])
def test_crlf_line_endings(cls: Parser, data: bytes) -> None:
    crlf = data.replace(b"\n", b"\r\n")
    assert parse(cls, crlf) == parse(cls, data)
    # CR and LF in different chunks
    cut = crlf.index(b"\r\n") + 1
    assert parse(cls, crlf, [cut]) == parse(cls, data)


@pytest.mark.parametrize("cls,data", [(NdjsonParser, NDJSON), (SseParser, SSE)], ids=["ndjson", "sse"])
def test_bom_is_ignored(cls: Parser, data: bytes) -> None:
    bom = b"\xef\xbb\xbf" + data
    assert parse(cls, bom, [1]) == parse(cls, data)


# --- multi-byte characters -----------------------------------------------------------------

UNICODE_CHUNKS = ["héllo", " wörld ✓", " 😀🎉", " 中文", ""]


def unicode_ndjson() -> bytes:
    out = b"".join(line("token", {"chunk": c, "id": "m1"}) for c in UNICODE_CHUNKS)
    return out + line("end", {"result": {"session_id": "s", "outputs": []}})


def unicode_sse() -> bytes:
    out = b"".join(
        sse_block("token", {"chunk": c, "id": "m1"}, i) for i, c in enumerate(UNICODE_CHUNKS)
    )
    return out + sse_block("end", {}, 99)


@pytest.mark.parametrize("cls,data", [(NdjsonParser, unicode_ndjson()), (SseParser, unicode_sse())], ids=["ndjson", "sse"])
def test_split_inside_utf8_characters(cls: Parser, data: bytes) -> None:
    whole = parse(cls, data)
    assert "".join(e.chunk for e in whole if isinstance(e, TokenEvent)) == "".join(UNICODE_CHUNKS)
    for cut in range(len(data) + 1):
        assert parse(cls, data, [cut]) == whole
    for a in range(0, len(data), 7):
        assert parse(cls, data, [a, min(a + 3, len(data))]) == whole


def test_invalid_utf8_is_a_protocol_error() -> None:
    p = NdjsonParser()
    with pytest.raises(StreamProtocolError, match="UTF-8"):
        p.feed(b'{"event": "token", "data": {"chunk": "\xff\xfe", "id": "x"}}\n')


# --- broken input --------------------------------------------------------------------------


def test_broken_json_line_raises_with_excerpt_and_keeps_earlier_events() -> None:
    good = line("token", {"chunk": "a", "id": "m"})
    bad = b'{"event": "token", "data": {"chunk": oops}}\n\n'
    p = NdjsonParser()
    with pytest.raises(StreamProtocolError) as info:
        p.feed(good + bad + good)
    err = info.value
    assert "oops" in err.excerpt and "oops" in err.message
    assert len(err.message) < 250
    assert err.events_before == [TokenEvent("m", "a")]
    assert f"byte {len(good)}" in err.message


def test_broken_line_split_across_feeds() -> None:
    p = NdjsonParser()
    assert p.feed(b'{"event": "tok') == []
    with pytest.raises(StreamProtocolError):
        p.feed(b'en", "data": }\n')


def test_html_error_page_is_a_protocol_error() -> None:
    p = NdjsonParser()
    with pytest.raises(StreamProtocolError, match="Not a Langflow stream event"):
        p.feed(b"<html><body>502 Bad Gateway</body></html>\n")


def test_json_that_is_not_an_object() -> None:
    with pytest.raises(StreamProtocolError):
        NdjsonParser().feed(b"[1, 2, 3]\n")
    with pytest.raises(StreamProtocolError):
        to_event("just a string")


@pytest.mark.parametrize("cut", [1, 10, 40, 80])
def test_cut_stream_raises_on_close(cut: int) -> None:
    data = line("add_message", {"id": "m", "text": "hi", "sender": "Machine"})
    p = NdjsonParser()
    fed = p.feed(data[: len(data) - cut])
    if data[: len(data) - cut].rstrip().endswith(b"}}"):
        assert len(fed + p.close()) == 1
    else:
        with pytest.raises(StreamCutError, match="ended inside an event"):
            p.close()


def test_last_line_without_newline_is_parsed_on_close() -> None:
    p = NdjsonParser()
    assert p.feed(b'{"event": "token", "data": {"chunk": "x", "id": "m"}}') == []
    assert p.close() == [TokenEvent("m", "x")]
    assert p.close() == []


def test_whitespace_lines_are_skipped() -> None:
    data = b'\n  \n\t\n{"event": "token", "data": {"chunk": "x", "id": "m"}}  \n\r\n'
    assert parse(NdjsonParser, data) == [TokenEvent("m", "x")]
    assert parse(NdjsonParser, b"  " + data) == [TokenEvent("m", "x")]


def test_sse_cut_stream_raises_on_close() -> None:
    p = SseParser()
    p.feed(b'data: {"event": "token", "data": {"chu')
    with pytest.raises(StreamCutError):
        p.close()


def test_sse_block_without_final_blank_line_is_dispatched_on_close() -> None:
    p = SseParser()
    assert p.feed(b'data: {"event": "end", "data": {}}\nid: 3\n') == []
    events = p.close()
    assert len(events) == 1 and isinstance(events[0], EndEvent)


def test_sse_data_that_is_not_json() -> None:
    p = SseParser()
    with pytest.raises(StreamProtocolError, match="not JSON"):
        p.feed(b"data: [DONE]\n\n")


# --- SSE details ---------------------------------------------------------------------------


def test_sse_multiline_data_comments_and_fields() -> None:
    raw = (
        b": keep-alive comment\n"
        b"retry: 1000\n"
        b"event: ignored-for-v2\n"
        b'data: {"event": "token",\n'
        b'data:  "data": {"chunk": "a b", "id": "m"}}\n'
        b"id: 7\n"
        b"\n"
        b"data:{\"event\": \"token\", \"data\": {\"chunk\": \"c\", \"id\": \"m\"}}\n"
        b"\n"
        b"\n"
        b"unknown-field: x\n"
        b"id\n"
        b"\n"
    )
    p = SseParser()
    events = p.feed(raw) + p.close()
    assert events == [TokenEvent("m", "a b"), TokenEvent("m", "c")]
    assert p.last_event_id == ""


def test_sse_legacy_build_stream() -> None:
    raw = (
        b'event: message\ndata: {"message": "Streaming vertex ChatOutput-x"}\n\n'
        b'event: message\ndata: {"chunk": "Hel"}\n\n'
        b'event: message\ndata: {"chunk": "lo"}\n\n'
        b'event: close\ndata: {"message": "Stream closed"}\n\n'
    )
    events = parse(SseParser, raw)
    assert events[0] == OtherEvent("message", {"message": "Streaming vertex ChatOutput-x"})
    assert events[1:3] == [TokenEvent("", "Hel"), TokenEvent("", "lo")]
    assert events[3] == OtherEvent("close", {"message": "Stream closed"})


def test_sse_legacy_error_event() -> None:
    events = parse(SseParser, b'event: error\ndata: {"error": "model exploded"}\n\n')
    assert len(events) == 1 and isinstance(events[0], ErrorEvent)
    assert events[0].message == "model exploded"


# --- to_event ------------------------------------------------------------------------------


def test_error_event_shapes() -> None:
    plain = to_event({"event": "error", "data": {"error": "Error running graph: boom"}})
    assert plain == ErrorEvent("Error running graph: boom", {"error": "Error running graph: boom"})
    message = {
        "id": "e1",
        "text": "",
        "error": True,
        "category": "error",
        "content_blocks": [{"title": "Error", "contents": [{"type": "error", "reason": "Bad key"}]}],
    }
    ev = to_event({"event": "error", "data": message})
    assert isinstance(ev, ErrorEvent) and ev.message == "Bad key"
    assert isinstance(to_event({"event": "error", "data": "text"}), ErrorEvent)


def test_error_event_as_sent_by_langflow_1_13() -> None:
    """Langflow 1.13 sends a failing component's whole error Message (note "error": false)."""
    data = {
        "text_key": "text",
        "sender": "Language Model",
        "sender_name": "Language Model",
        "text": "A model selection is required\n",
        "error": False,
        "category": "error",
        "properties": {"source": {"id": "LanguageModelComponent-FLeYF", "display_name": "Language Model"}},
        "content_blocks": [{"title": "Error", "contents": [{
            "type": "error", "component": "Language Model",
            "reason": "**ValueError**\n - **Details: A model selection is required**\n",
            "traceback": "Traceback (most recent call last): ...",
        }]}],
        "id": "b39b18c7",
    }
    ev = to_event({"event": "error", "data": data})
    assert isinstance(ev, ErrorEvent)
    assert ev.message == "Language Model: A model selection is required"
    data["text"] = ""
    ev = to_event({"event": "error", "data": data})
    assert isinstance(ev, ErrorEvent) and "A model selection is required" in ev.message


def test_error_message_via_add_message_is_flagged() -> None:
    ev = to_event({"event": "add_message", "data": {"id": "e", "text": "x", "category": "error"}})
    assert isinstance(ev, MessageEvent) and ev.is_error


def test_unknown_and_odd_events() -> None:
    assert to_event({"event": "log", "data": {"x": 1}}) == OtherEvent("log", {"x": 1})
    assert to_event({"no": "event"}) == OtherEvent("", None)
    assert to_event({"event": "token", "data": {"chunk": None}}) == TokenEvent("", "")
    end = to_event({"event": "end", "data": None})
    assert isinstance(end, EndEvent) and end.result.text == ""


def test_message_event_defaults() -> None:
    ev = MessageEvent.from_data({"id": 5, "text": None, "properties": None})
    assert ev.id == "5" and ev.text == "" and ev.state == "complete" and ev.usage is None
    assert not ev.is_error and ev.session_id is None


# --- RunResult -----------------------------------------------------------------------------


def test_run_result_from_v1_capture() -> None:
    reply = json.loads((CAPTURES / "echo_run_nonstream.json").read_text())
    r = RunResult.from_v1(reply)
    assert r.text == "ECHO[gpt-4o-mini|t=0.1]: You are terse. Question: what is up"
    assert r.texts == [r.text]
    assert r.usage == Usage(5, 5, 10)
    assert r.session_id == "1a775cc2-f37c-4f5a-890d-bead1a2842ce"
    assert r.status_code == 200 and r.raw is reply


@pytest.mark.parametrize(
    "result_data,text",
    [
        ({"results": {"message": {"text": "a"}}}, "a"),
        ({"results": {"message": {"data": {"text": "b"}}}}, "b"),
        ({"results": {"text": {"text": "c"}}}, "c"),
        ({"results": {}, "outputs": {"message": {"message": "d", "type": "text"}}}, "d"),
        ({"results": {}, "messages": [{"message": "e"}]}, "e"),
        ({"results": {}, "artifacts": {"message": "f"}}, "f"),
        ({"results": {"message": "g"}}, "g"),
    ],
)
def test_run_result_text_fallbacks(result_data: dict[str, Any], text: str) -> None:
    r = RunResult.from_v1({"session_id": "s", "outputs": [{"inputs": {}, "outputs": [None, result_data]}]})
    assert r.text == text and r.texts == [text]


def test_run_result_several_outputs_and_token_usage() -> None:
    reply = {
        "outputs": [
            {
                "outputs": [
                    {"results": {"message": {"text": "one"}}, "token_usage": {"prompt_tokens": 2, "completion_tokens": 3}},
                    {"results": {"text": {"text": "two"}}, "token_usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2}},
                ]
            }
        ]
    }
    r = RunResult.from_v1(reply)
    assert r.texts == ["one", "two"] and r.text == "one\n\ntwo"
    assert r.usage == Usage(3, 4, 7)
    assert r.session_id is None


def test_run_result_empty_reply() -> None:
    r = RunResult.from_v1({})
    assert (r.text, r.texts, r.usage, r.session_id) == ("", [], None, None)


def test_run_result_from_v2_capture() -> None:
    reply = json.loads((CAPTURES / "echo_v2_sync.json").read_text())
    r = RunResult.from_v2(reply)
    assert r.text == "ECHO[gpt-4o-mini|t=0.3]: You are terse. Question: v2 sync"
    assert r.texts == [r.text] and r.session_id == "1a775cc2-f37c-4f5a-890d-bead1a2842ce"


def test_run_result_from_v2_failed() -> None:
    failed = {
        "status": "failed",
        "has_errors": True,
        "errors": [{"error": "Error building Component OpenAI:\n\nbad key", "code": "COMPONENT_ERROR", "details": None}],
        "output": {"reason": "failed", "text": None},
    }
    with pytest.raises(FlowBuildError, match="Error building Component OpenAI: bad key") as info:
        RunResult.from_v2(failed, flow_ref="echo")
    assert "\n" not in info.value.message
    refused = {"status": "failed", "errors": [{"error": "Refused", "code": "TWEAKS_REFUSED", "details": {"fields": ["code"]}}]}
    with pytest.raises(TweaksRefusedError) as info2:
        RunResult.from_v2(refused)
    assert info2.value.fields == ("code",)


def test_usage_from_dict() -> None:
    assert Usage.from_dict(None) is None
    assert Usage.from_dict({}) is None
    assert Usage.from_dict({"input_tokens": 1, "output_tokens": 2}) == Usage(1, 2, 3)
    assert Usage.from_dict({"total_tokens": 9.0}) == Usage(None, None, 9)
    assert Usage.from_dict({"input_tokens": True}) is None


# --- speed ---------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [NdjsonParser, SseParser])
def test_long_line_in_small_chunks_is_linear(cls: Parser) -> None:
    big = "x" * 4_000_000
    prefix = b"data: " if cls is SseParser else b""
    data = prefix + json.dumps({"event": "token", "data": {"chunk": big, "id": "m"}}).encode() + b"\n\n"
    p = cls()
    t0 = time.perf_counter()
    out: list[Any] = []
    for i in range(0, len(data), 1024):
        out += p.feed(data[i : i + 1024])
    out += p.close()
    assert time.perf_counter() - t0 < 5.0  # quadratic copying would take minutes
    assert len(out) == 1 and isinstance(out[0], TokenEvent) and len(out[0].chunk) == len(big)


def test_parse_speed_of_recorded_stream() -> None:
    data = NDJSON * 200  # ~2.5 MB
    p = NdjsonParser()
    t0 = time.perf_counter()
    n = 0
    for i in range(0, len(data), 65536):
        n += len(p.feed(data[i : i + 65536]))
    elapsed = time.perf_counter() - t0
    assert n == 13 * 200
    # >= 50 MB/s is the target (tests/bench_streams.py); a loose bound here for busy CI.
    assert len(data) / elapsed > 10e6


def test_legacy_stream_is_one_message_until_close() -> None:
    """Its chunks become the tokens of one message; ``close`` ends it, even mid-chunk."""
    sse = (
        b'event: message\ndata: {"chunk": "Hel"}\n\n'
        b'event: message\ndata: {"chunk": "lo"}\n\n'
        b'event: close\ndata: {"message": "Stream closed"}\n\n'
        b'event: message\ndata: {"chunk": "after"}\n\n'
    )
    p = LegacyStreamParser("legacy-stream:m")
    events = p.feed(sse[:30])
    assert not p.closed
    events += p.feed(sse[30:]) + p.close()
    assert events == [TokenEvent("legacy-stream:m", "Hel"), TokenEvent("legacy-stream:m", "lo")]
    assert p.closed and p.text == "Hello"


def test_legacy_stream_without_close_is_not_closed() -> None:
    p = LegacyStreamParser("m")
    events = p.feed(b'event: message\ndata: {"chunk": "a"}\n\n') + p.close()
    assert events == [TokenEvent("m", "a")] and not p.closed and p.text == "a"
