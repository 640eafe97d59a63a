"""The conversation model: the real captures fed whole and split, the stream's rules (snapshot
versus tokens, the user's echo, errors told twice), the Changes a renderer applies, the
terminal printer, the stats wording and the raw event log."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from helpers.data import CAPTURES, SAMPLE_ID
from hypothesis import given, settings
from hypothesis import strategies as st
from replay_server import NONSTREAM_ANSWER

from lfdesk.core.api import (
    EndEvent,
    ErrorEvent,
    MessageEvent,
    NdjsonParser,
    OtherEvent,
    RunResult,
    SseParser,
    TokenEvent,
    Usage,
    to_event,
)
from lfdesk.core.api.errors import StreamError
from lfdesk.core.api.events import RunStats, StreamEvent
from lfdesk.core.conversation import (
    Change,
    Conversation,
    Message,
    TerminalPrinter,
    event_json,
    format_stats,
)
from lfdesk.core.runner import describe_error

NDJSON = (CAPTURES / "echo_run_stream.ndjson").read_bytes()
SSE = (CAPTURES / "echo_v2_stream.sse").read_bytes()
STREAM_ANSWER = "ECHO[gpt-4o-mini|t=0.7]: Be loud: stream me"
V2_STREAM_ANSWER = "ECHO[gpt-4o-mini|t=0.1]: You are terse. Question: v2 stream"
AI_ID = "4cb3fd38-64e0-42ed-ada2-6d6ab2002519"  # the answer of the v1 capture
USER_ID = "22edcf41-d5ad-44d1-bee2-97c2abb33acd"  # the input's echo in the v1 capture
V2_AI_ID = "525d652a-e6f0-4375-bb49-80918fb72088"
V2_USER_ID = "f9d4ac4d-1c03-4042-a280-ca969de09092"

Parser = type[NdjsonParser] | type[SseParser]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def chunks_of(data: bytes, sizes: list[int]) -> list[bytes]:
    """``data`` cut into pieces of the given sizes, taken in turn."""
    out: list[bytes] = []
    at = 0
    i = 0
    while at < len(data):
        size = sizes[i % len(sizes)]
        out.append(data[at : at + size])
        at += size
        i += 1
    return out


def parse(cls: Parser, pieces: list[bytes]) -> list[StreamEvent]:
    p = cls()
    out: list[StreamEvent] = []
    for piece in pieces:
        out += p.feed(piece)
    return out + p.close()


def apply(changes: list[Change], shown: dict[str, str] | None = None) -> dict[str, str]:
    """What a renderer shows after ``changes``: key -> text."""
    shown = {} if shown is None else shown
    for ch in changes:
        if ch.new:
            assert ch.key not in shown, f"{ch.key} is new twice"
            shown[ch.key] = ""
        assert ch.key in shown, f"a change to {ch.key} before it was new"
        if ch.replace is not None:
            assert ch.append == ""
            shown[ch.key] = ch.replace
        else:
            shown[ch.key] += ch.append
    return shown


def view(conv: Conversation) -> list[tuple[Any, ...]]:
    return [
        (m.key, m.role, m.who, m.text, m.complete, m.server_id, m.session_id, m.usage)
        for m in conv.messages
    ]


def texts(conv: Conversation) -> dict[str, str]:
    return {m.key: m.text for m in conv.messages}


def msg(
    mid: str,
    text: str,
    state: str = "complete",
    *,
    sender: str = "Machine",
    name: str = "AI",
    usage: Usage | None = None,
    session: str | None = None,
    error: bool = False,
) -> MessageEvent:
    return MessageEvent(mid, sender, name, text, state, session, usage, error, {"id": mid})


def tok(chunk: str, mid: str = "m1") -> TokenEvent:
    return TokenEvent(mid, chunk)


def end(text: str = "", texts: list[str] | None = None, **kw: Any) -> EndEvent:
    if texts is None:
        texts = [text] if text else []
    return EndEvent(RunResult(text, texts, kw.get("session"), kw.get("usage"), kw.get("raw", {})))


def feed_all(conv: Conversation, events: list[StreamEvent]) -> list[Change]:
    changes = conv.begin()
    for event in events:
        changes += conv.feed(event)
    return changes


# --- the v1 capture -------------------------------------------------------------------------


def run_v1(pieces: list[bytes]) -> tuple[Conversation, list[Change], list[StreamEvent]]:
    """The v1 capture as a run gets it: the conversation is fed as each piece parses, the
    clock moving 0.125 s per event."""
    clock = Clock()
    conv = Conversation("stream me", clock=clock)
    parser = NdjsonParser()
    changes = conv.begin()
    events: list[StreamEvent] = []
    for piece in [*pieces, None]:
        got = parser.feed(piece) if piece is not None else parser.close()
        for event in got:
            clock.now += 0.125
            events.append(event)
            changes += conv.feed(event)
    return conv, changes, events


def check_v1(conv: Conversation, changes: list[Change]) -> None:
    assert conv.status == "ok"
    assert conv.answer == STREAM_ANSWER
    # The user's message, adopted: shown at begin() and never a second time.
    assert [m.key for m in conv.messages] == ["user", AI_ID]
    user, ai = conv.messages
    assert (user.role, user.who, user.text, user.complete) == ("user", "You", "stream me", True)
    assert user.server_id == USER_ID and conv.message(USER_ID) is None
    assert [m.role for m in conv.messages].count("user") == 1
    assert [ch.key for ch in changes if ch.new] == ["user", AI_ID]
    assert all(ch.role != "user" or ch.key == "user" for ch in changes)
    assert (ai.role, ai.who, ai.text, ai.complete) == ("ai", "AI", STREAM_ANSWER, True)
    assert ai.usage == Usage(5, 5, 10) and ai.session_id == SAMPLE_ID
    assert conv.answers() == [ai]
    # The end result's figures.
    assert conv.result is not None and conv.result.text == STREAM_ANSWER
    assert conv.usage == Usage(5, 5, 10) == conv.result.usage
    assert conv.session_id == SAMPLE_ID
    stats = conv.stats()
    assert stats.ttft == pytest.approx(0.25)  # the partial message, the second event
    assert stats.total == pytest.approx(13 * 0.125)  # the end, the thirteenth
    assert stats.usage == Usage(5, 5, 10)
    assert stats.tokens == 5  # the two empty tokens do not count
    out = conv.outcome()
    assert (out.status, out.answer, out.error, out.session_id) == (
        "ok",
        STREAM_ANSWER,
        "",
        SAMPLE_ID,
    )
    assert out.result is conv.result and out.stats == stats
    # The Changes reproduce the messages, as appends after each message's first change.
    assert apply(changes) == texts(conv)
    assert [ch for ch in changes if ch.replace is not None and not ch.new] == []
    answer_changes = [ch for ch in changes if ch.key == AI_ID]
    assert answer_changes[0].replace == "ECHO[gpt-4o-mini|t=0.7]:"
    assert "".join(ch.append for ch in answer_changes[1:]) == " Be loud: stream me"
    assert [ch.append for ch in answer_changes if ch.append] == [" Be", " loud:", " stream", " me"]
    assert answer_changes[-1].complete and not answer_changes[0].complete


def test_v1_capture_whole() -> None:
    conv, changes, events = run_v1([NDJSON])
    assert len(events) == 13
    check_v1(conv, changes)


@pytest.mark.parametrize("size", range(1, 8))
def test_v1_capture_in_tiny_chunks(size: int) -> None:
    whole, whole_changes, whole_events = run_v1([NDJSON])
    conv, changes, events = run_v1(chunks_of(NDJSON, [size]))
    assert events == whole_events
    check_v1(conv, changes)
    assert view(conv) == view(whole)
    assert changes == whole_changes
    assert conv.outcome() == whole.outcome()


def test_v1_capture_in_uneven_chunks() -> None:
    whole, whole_changes, _ = run_v1([NDJSON])
    for start in range(7):
        sizes = [*range(1, 8)][start:] + [*range(1, 8)][:start]
        conv, changes, _ = run_v1(chunks_of(NDJSON, sizes))
        check_v1(conv, changes)
        assert view(conv) == view(whole) and changes == whole_changes


def test_v1_capture_without_begin_keeps_the_servers_user_message() -> None:
    conv = Conversation(None)
    changes = feed_all(conv, parse(NdjsonParser, [NDJSON]))
    assert conv.messages[0].key == USER_ID and conv.messages[0].role == "user"
    assert conv.messages[0].who == "User" and conv.messages[0].text == "stream me"
    assert [m.role for m in conv.messages] == ["user", "ai"]
    assert apply(changes) == texts(conv)
    assert conv.answer == STREAM_ANSWER


def test_a_second_user_message_is_not_adopted() -> None:
    conv = Conversation("hi")
    changes = feed_all(conv, [msg("u1", "hi", sender="User", name="User")])
    changes += conv.feed(msg("u2", "again", sender="User", name="User"))
    changes += conv.feed(msg("u1", "hi", sender="User", name="User"))  # a re-send: upserted
    assert [(m.key, m.role, m.text) for m in conv.messages] == [
        ("user", "user", "hi"),
        ("u2", "user", "again"),
    ]
    assert apply(changes) == texts(conv)


def test_the_echo_of_an_edited_input_rewrites_the_shown_input() -> None:
    conv = Conversation("  hi ")
    changes = feed_all(conv, [msg("u1", "hi", sender="User", name="User")])
    assert len(conv.messages) == 1 and conv.messages[0].text == "hi"
    assert changes[-1].replace == "hi"
    assert apply(changes) == {"user": "hi"}


def test_begin_twice_shows_the_input_once() -> None:
    conv = Conversation("hi")
    assert len(conv.begin()) == 1
    assert conv.begin() == []
    assert Conversation(None).begin() == []


# --- the v2 capture -------------------------------------------------------------------------


def test_v2_capture_completes_the_end_result() -> None:
    events = parse(SseParser, [SSE])
    final = events[-1]
    assert isinstance(final, EndEvent) and final.result.text == "" and final.result.texts == []
    conv = Conversation("v2 stream", clock=Clock())
    changes = feed_all(conv, events)
    assert conv.status == "ok"
    r = conv.result
    assert r is not None
    assert r.text == V2_STREAM_ANSWER and r.texts == [V2_STREAM_ANSWER]
    assert r.usage == Usage(5, 7, 12) and r.session_id == SAMPLE_ID
    assert r.raw is final.result.raw and "build_duration" in r.raw
    assert conv.answer == V2_STREAM_ANSWER and conv.session_id == SAMPLE_ID
    assert [(m.key, m.role) for m in conv.messages] == [("user", "user"), (V2_AI_ID, "ai")]
    assert conv.messages[0].server_id == V2_USER_ID
    assert conv.message(V2_AI_ID) is not None
    assert conv.message(V2_AI_ID).text == V2_STREAM_ANSWER  # type: ignore[union-attr]
    assert apply(changes) == texts(conv)
    assert [ch for ch in changes if ch.replace is not None and not ch.new] == []
    assert conv.stats().tokens == 7


@pytest.mark.parametrize("size", [1, 3, 7])
def test_v2_capture_in_chunks(size: int) -> None:
    whole = Conversation("v2 stream", clock=Clock())
    whole_changes = feed_all(whole, parse(SseParser, [SSE]))
    conv = Conversation("v2 stream", clock=Clock())
    changes = feed_all(conv, parse(SseParser, chunks_of(SSE, [size])))
    assert view(conv) == view(whole) and changes == whole_changes
    assert conv.outcome() == whole.outcome()


def test_v2_end_without_output_events_takes_the_last_answer() -> None:
    events = [
        e for e in parse(SseParser, [SSE]) if not (isinstance(e, OtherEvent) and e.name == "output")
    ]
    conv = Conversation("v2 stream")
    feed_all(conv, events)
    assert conv.result is not None
    assert conv.result.text == V2_STREAM_ANSWER and conv.result.texts == [V2_STREAM_ANSWER]
    assert conv.result.usage == Usage(5, 7, 12) and conv.result.session_id == SAMPLE_ID


def test_several_outputs_make_the_texts_and_sum_the_usage() -> None:
    conv = Conversation(None)
    feed_all(
        conv,
        [
            msg("a", "one", usage=Usage(1, 2, 3), session="s1"),
            msg("b", "two", usage=Usage(10, 20, 30)),
            OtherEvent("output", {"content": "one"}),
            OtherEvent("output", {"content": "two"}),
            OtherEvent("output", {"content": None}),  # not text: not an output
            OtherEvent("output", "not a dict"),
            end(),
        ],
    )
    r = conv.result
    assert r is not None
    assert r.texts == ["one", "two"] and r.text == "one\n\ntwo"
    assert r.usage == Usage(11, 22, 33) and r.session_id == "s1"
    assert conv.answer == "one\n\ntwo"


def test_an_end_result_with_its_own_figures_is_kept() -> None:
    conv = Conversation(None)
    result = RunResult("final", ["final"], "s9", Usage(1, 1, 2), {"x": 1})
    feed_all(conv, [msg("a", "streamed", usage=Usage(7, 7, 14), session="s1"), EndEvent(result)])
    assert conv.result is result
    assert conv.answer == "final" and conv.usage == Usage(1, 1, 2) and conv.session_id == "s9"


def test_the_end_completes_an_unfinished_answer() -> None:
    conv = Conversation(None)
    changes = feed_all(conv, [tok("Hel"), tok("lo")])
    assert conv.messages[0].complete is False
    done = conv.feed(end())
    assert done == [Change("m1", "ai", "AI", complete=True)]
    assert conv.messages[0].complete and conv.answer == "Hello"
    assert apply(changes + done) == {"m1": "Hello"}


# --- snapshots and tokens -------------------------------------------------------------------


def test_a_partial_message_before_its_token_is_not_doubled() -> None:
    conv = Conversation(None)
    changes = feed_all(conv, [msg("m1", "Hel", "partial")])
    assert changes == [Change("m1", "ai", "AI", replace="Hel", new=True)]
    assert conv.feed(tok("Hel")) == []  # the same chunk, already shown
    assert conv.messages[0].text == "Hel"
    assert conv.feed(tok("lo")) == [Change("m1", "ai", "AI", append="lo")]
    assert conv.feed(tok(" there")) == [Change("m1", "ai", "AI", append=" there")]
    assert conv.messages[0].text == "Hello there"
    assert conv.messages[0].streamed == "Hello there"


def test_tokens_then_a_rewriting_complete_message_the_message_wins() -> None:
    conv = Conversation(None)
    changes = feed_all(conv, [tok("Hello"), tok(" wrld")])
    assert conv.messages[0].text == "Hello wrld"
    rewrite = conv.feed(msg("m1", "Hello world", usage=Usage(1, 2, 3)))
    assert rewrite == [Change("m1", "ai", "AI", replace="Hello world", complete=True)]
    m = conv.messages[0]
    assert m.text == "Hello world" and m.complete and m.usage == Usage(1, 2, 3)
    # Tokens after the complete message change nothing shown.
    assert conv.feed(tok(" and more")) == []
    assert m.text == "Hello world"
    assert apply(changes + rewrite) == {"m1": "Hello world"}


def test_a_complete_message_that_extends_the_tokens_is_an_append() -> None:
    conv = Conversation(None)
    changes = feed_all(conv, [tok("Hello")])
    done = conv.feed(msg("m1", "Hello world"))
    assert done == [Change("m1", "ai", "AI", append=" world", complete=True)]
    assert apply(changes + done) == {"m1": "Hello world"}


def test_a_snapshot_ahead_of_the_tokens_then_the_tokens_overtake_it() -> None:
    conv = Conversation(None)
    changes = feed_all(conv, [msg("m1", "Hello wor", "partial")])
    for chunk in ("Hel", "lo", " wor"):
        assert conv.feed(tok(chunk)) == []
        assert conv.messages[0].text == "Hello wor"
    step = conv.feed(tok("ld"))
    assert step == [Change("m1", "ai", "AI", append="ld")]
    changes += step
    assert conv.messages[0].text == "Hello world"
    # A later snapshot ahead again, and tokens catching up with it.
    step = conv.feed(msg("m1", "Hello world, and", "partial"))
    assert step == [Change("m1", "ai", "AI", append=", and")]
    changes += step
    assert conv.feed(tok(", an")) == [] and conv.feed(tok("d")) == []
    changes += conv.feed(tok(" more"))
    # A snapshot behind the tokens changes nothing.
    assert conv.feed(msg("m1", "Hello", "partial")) == []
    assert conv.messages[0].text == "Hello world, and more"
    assert apply(changes) == {"m1": "Hello world, and more"}
    assert [ch for ch in changes if ch.replace is not None and not ch.new] == []


def test_a_late_partial_snapshot_does_not_undo_a_complete_message() -> None:
    conv = Conversation(None)
    changes = feed_all(conv, [tok("Hel"), msg("m1", "Hello", "complete")])
    assert conv.feed(msg("m1", "He", "partial")) == []
    assert conv.messages[0].text == "Hello" and conv.messages[0].complete
    assert apply(changes) == texts(conv)
    assert conv.answer == "Hello"


def test_a_complete_message_resent_with_new_text_rewrites_it() -> None:
    conv = Conversation(None)
    changes = feed_all(conv, [msg("m1", "Draft"), msg("m1", "Final")])
    assert changes[-1] == Change("m1", "ai", "AI", replace="Final", complete=True)
    assert apply(changes) == {"m1": "Final"}


def test_tokens_before_any_message_make_an_ai_message() -> None:
    conv = Conversation(None)
    changes = feed_all(conv, [tok(""), tok("Hi"), tok("!")])
    assert changes == [
        Change("m1", "ai", "AI", append="Hi", new=True),
        Change("m1", "ai", "AI", append="!"),
    ]
    assert conv.stats().tokens == 2
    changes += conv.feed(msg("m1", "Hi", "partial"))  # behind the tokens: nothing
    assert apply(changes) == {"m1": "Hi!"}


def test_tokens_without_a_message_id_get_a_local_key() -> None:
    conv = Conversation(None)
    changes = feed_all(conv, [tok("a", ""), tok("b", "")])
    assert [m.key for m in conv.messages] == ["ai-1"]
    assert apply(changes) == {"ai-1": "ab"}


def test_messages_keep_their_arrival_order_and_names() -> None:
    conv = Conversation(None)
    changes = feed_all(
        conv,
        [
            msg("a", "first", name="Agent"),
            msg("b", "second", name="", sender="Machine"),
            msg("c", "third", name="", sender=""),
            msg("a", "first, more"),
        ],
    )
    assert [(m.key, m.who, m.text) for m in conv.messages] == [
        ("a", "Agent", "first, more"),
        ("b", "Machine", "second"),
        ("c", "AI", "third"),
    ]
    assert conv.answer == "first, more\n\nsecond\n\nthird"
    assert apply(changes) == texts(conv)


def test_a_server_id_that_collides_with_a_local_key_gets_its_own() -> None:
    conv = Conversation("hi")
    changes = feed_all(conv, [msg("user", "an answer called user")])
    assert [m.role for m in conv.messages] == ["user", "ai"]
    assert conv.messages[0].text == "hi"
    assert conv.messages[1].text == "an answer called user"
    assert apply(changes) == texts(conv)


def test_many_tokens_are_appends() -> None:
    conv = Conversation(None)
    changes = feed_all(conv, [msg("m1", "x", "partial")])
    for _ in range(5000):
        changes += conv.feed(tok("x"))
    assert sum(ch.replace is not None for ch in changes) == 1  # the new message
    assert conv.messages[0].text == "x" * 5000
    assert apply(changes) == {"m1": "x" * 5000}


# --- errors ---------------------------------------------------------------------------------


def test_an_error_told_twice_is_one_message_with_the_longer_wording() -> None:
    clock = Clock()
    conv = Conversation("hi", clock=clock)
    event = to_event(
        {"event": "error", "data": {"error": "Error building Component Language Model: boom"}}
    )
    assert isinstance(event, ErrorEvent)
    changes = feed_all(conv, [tok("partial answer"), event])
    assert [m.role for m in conv.messages] == ["user", "ai", "error"]
    err = conv.messages[-1]
    assert err.text == event.message and err.who == "Error"
    clock.now += 2
    # What the client raises for the error event, worded for the reader: message and hint.
    wording = describe_error(StreamError(event.message))
    assert wording.startswith(event.message) and len(wording) > len(event.message)
    told = conv.fail(wording)
    assert told == [Change(err.key, "error", "Error", replace=wording, complete=True)]
    changes += told
    assert [m.role for m in conv.messages] == ["user", "ai", "error"]
    assert err.text == wording
    assert conv.status == "error" and conv.error == wording
    out = conv.outcome()
    assert out.status == "error" and out.error == wording
    assert out.answer == "partial answer" and out.result is None
    assert out.stats.total == pytest.approx(2.0)
    assert apply(changes) == texts(conv)


def test_the_shorter_wording_second_changes_nothing() -> None:
    conv = Conversation(None)
    changes = feed_all(conv, [ErrorEvent("Boom: the long story", {})])
    assert conv.fail("Boom") == []
    assert [m.text for m in conv.messages] == ["Boom: the long story"]
    assert conv.error == "Boom" and conv.status == "error"
    assert apply(changes) == texts(conv)


def test_a_different_error_is_a_second_message() -> None:
    conv = Conversation(None)
    changes = feed_all(conv, [ErrorEvent("Boom", {})])
    changes += conv.fail("The connection was lost")
    assert [(m.role, m.text) for m in conv.messages] == [
        ("error", "Boom"),
        ("error", "The connection was lost"),
    ]
    assert len({m.key for m in conv.messages}) == 2
    assert sum(ch.new for ch in changes) == 2
    assert apply(changes) == texts(conv)


def test_an_error_message_event_is_an_error_and_is_not_repeated() -> None:
    conv = Conversation("hi")
    changes = feed_all(
        conv,
        [
            msg("e1", "Model failed", name="Language Model", error=True),
            ErrorEvent("Model failed", {}),
        ],
    )
    assert [(m.key, m.role, m.who) for m in conv.messages] == [
        ("user", "user", "You"),
        ("e1", "error", "Error · Language Model"),
    ]
    assert conv.answers() == [] and conv.answer == ""
    changes += conv.fail("Model failed\nCheck the model's settings.")
    assert len(conv.messages) == 2
    assert conv.messages[1].text == "Model failed\nCheck the model's settings."
    assert apply(changes) == texts(conv)


def test_a_nameless_error_message_is_just_error() -> None:
    conv = Conversation(None)
    feed_all(conv, [msg("e1", "bad", name="", error=True)])
    assert (conv.messages[0].role, conv.messages[0].who) == ("error", "Error")


def test_an_error_category_message_from_the_wire_is_an_error() -> None:
    event = to_event(
        {"event": "add_message", "data": {"id": "e1", "text": "oops", "category": "error"}}
    )
    conv = Conversation(None)
    feed_all(conv, [event])
    assert conv.messages[0].role == "error"


# --- runs without a stream, stopped runs, replays ---------------------------------------------


def test_a_non_stream_run_takes_its_answer_from_the_result() -> None:
    clock = Clock()
    conv = Conversation("what is up", clock=clock)
    changes = conv.begin()
    clock.now += 0.75
    reply = json.loads((CAPTURES / "echo_run_nonstream.json").read_text(encoding="utf-8"))
    result = RunResult.from_v1(reply)
    assert result.text == NONSTREAM_ANSWER
    changes += conv.finish(result)
    assert [(m.key, m.role, m.who, m.text, m.complete) for m in conv.messages] == [
        ("user", "user", "You", "what is up", True),
        ("end", "ai", "AI", NONSTREAM_ANSWER, True),
    ]
    assert changes[-1] == Change(
        "end", "ai", "AI", replace=NONSTREAM_ANSWER, complete=True, new=True
    )
    assert conv.status == "ok" and conv.answer == NONSTREAM_ANSWER
    stats = conv.stats()
    assert stats.ttft is None and stats.tokens == 0
    assert stats.total == pytest.approx(0.75)
    assert stats.usage == result.usage == Usage(5, 5, 10)
    assert conv.outcome().result is result
    assert apply(changes) == texts(conv)


def test_a_non_stream_run_with_no_answer_shows_no_message() -> None:
    conv = Conversation(None)
    assert conv.finish(RunResult("", [], None, None, {})) == []
    assert conv.messages == [] and conv.status == "ok" and conv.answer == ""


def test_stop_keeps_what_came_and_freezes_the_time() -> None:
    clock = Clock(10.0)
    conv = Conversation("hi", clock=clock)
    conv.begin()
    clock.now = 10.25
    conv.feed(tok("Hello", "m1"))
    conv.feed(msg("m2", "Second"))
    conv.feed(msg("m3", ""))  # empty answers are not joined in
    clock.now = 11.0
    assert conv.elapsed() == pytest.approx(1.0)
    assert conv.stop() == []
    clock.now = 50.0
    assert conv.status == "stopped"
    assert conv.answer == "Hello\n\nSecond"
    assert conv.elapsed() == pytest.approx(1.0)
    out = conv.outcome()
    assert out.status == "stopped" and out.answer == "Hello\n\nSecond" and out.result is None
    assert out.stats.ttft == pytest.approx(0.25) and out.stats.total == pytest.approx(1.0)
    conv.stop()  # twice: still the first stop
    assert conv.elapsed() == pytest.approx(1.0)


def test_stop_after_the_end_keeps_the_run_ok() -> None:
    clock = Clock()
    conv = Conversation(None, clock=clock)
    conv.feed(end("done"))
    clock.now += 5
    conv.stop()
    assert conv.status == "ok" and conv.answer == "done" and conv.elapsed() == 0


def test_the_run_starts_when_the_conversation_is_made() -> None:
    clock = Clock(3.0)
    conv = Conversation(None, clock=clock)
    clock.now = 4.5
    assert conv.elapsed() == pytest.approx(1.5)
    assert Conversation(None, clock=clock, started=1.0).elapsed() == pytest.approx(3.5)


def test_replay_shows_stored_messages_in_order() -> None:
    stored = [
        msg("u1", "hi", sender="User", name="User"),
        msg("a1", "Hello!", name="AI", session="s"),
        msg("u2", "again", sender="User", name=""),
        msg("a2", "Sure.", name="Bot"),
    ]
    changes = Conversation.replay(stored)
    assert [(ch.key, ch.role, ch.who, ch.replace, ch.new, ch.complete) for ch in changes] == [
        ("u1", "user", "User", "hi", True, True),
        ("a1", "ai", "AI", "Hello!", True, True),
        ("u2", "user", "You", "again", True, True),
        ("a2", "ai", "Bot", "Sure.", True, True),
    ]
    assert apply(changes) == {"u1": "hi", "a1": "Hello!", "u2": "again", "a2": "Sure."}
    assert Conversation.replay([]) == []


# --- the terminal printer -------------------------------------------------------------------


def test_the_printer_prints_the_v1_answer() -> None:
    _, changes, _ = run_v1(chunks_of(NDJSON, [3]))
    printer = TerminalPrinter()
    out = [printer.text_of([ch]) for ch in changes]
    assert "".join(out) == STREAM_ANSWER
    assert printer.printed_any
    # The same answer from the changes taken all at once.
    assert TerminalPrinter().text_of(changes) == STREAM_ANSWER


def test_the_printer_prints_the_v2_answer() -> None:
    changes = feed_all(Conversation("v2 stream"), parse(SseParser, [SSE]))
    assert TerminalPrinter().text_of(changes) == V2_STREAM_ANSWER


def test_the_printer_prints_only_ai_text_each_message_on_its_own_line() -> None:
    conv = Conversation("hi")
    printer = TerminalPrinter()
    out = printer.text_of(conv.begin())
    assert out == "" and not printer.printed_any
    out += printer.text_of(conv.feed(msg("u1", "hi", sender="User", name="User")))
    out += printer.text_of(conv.feed(tok("Hel", "a")))
    out += printer.text_of(conv.feed(tok("lo", "a")))
    out += printer.text_of(conv.feed(msg("b", "Second")))
    out += printer.text_of(conv.feed(ErrorEvent("an error", {})))
    out += printer.text_of(conv.feed(msg("c", "Third", "partial")))
    out += printer.text_of(conv.feed(tok("Third", "c")))
    out += printer.text_of(conv.feed(tok(" one", "c")))
    assert out == "Hello\nSecond\nThird one"


def test_a_rewrite_that_does_not_extend_prints_nothing_more() -> None:
    conv = Conversation(None)
    printer = TerminalPrinter()
    out = printer.text_of(conv.feed(tok("Hello wrld")))
    rewrite = conv.feed(msg("m1", "Hello world"))
    assert rewrite[0].replace == "Hello world"
    assert printer.text_of(rewrite) == ""
    assert out == "Hello wrld"


def test_a_rewrite_that_extends_prints_the_rest() -> None:
    printer = TerminalPrinter()
    assert printer.text_of([Change("k", "ai", "AI", append="Hello", new=True)]) == "Hello"
    assert printer.text_of([Change("k", "ai", "AI", replace="Hello world")]) == " world"
    assert printer.text_of([Change("k", "ai", "AI", append="!")]) == "!"
    assert printer.text_of([Change("k", "ai", "AI", replace="Hello world!")]) == ""
    assert printer.text_of([Change("j", "ai", "AI", replace="Next", new=True)]) == "\nNext"
    assert printer.text_of([Change("j", "ai", "AI", complete=True)]) == ""


# --- the stats wording ----------------------------------------------------------------------


def test_format_stats() -> None:
    full = RunStats(ttft=0.25, total=0.94, usage=Usage(5, 12, 17), tokens=3)
    assert format_stats(full) == "first token 0.25 s · total 0.94 s · 5 in / 12 out tokens"
    assert format_stats(full, sep=", ") == "first token 0.25 s, total 0.94 s, 5 in / 12 out tokens"
    assert format_stats(RunStats(None, 1.5, None, 0)) == "total 1.50 s"
    assert format_stats(RunStats(None, 1.5, None, 0), sep=", ") == "total 1.50 s"
    assert (
        format_stats(RunStats(0.1, 2.0, None, 4))
        == "first token 0.10 s · total 2.00 s · 4 chunks streamed"
    )
    assert (
        format_stats(RunStats(None, 1.0, Usage(None, 12, None), 9))
        == "total 1.00 s · ? in / 12 out tokens"
    )
    assert (
        format_stats(RunStats(None, 1.0, Usage(5, None, None), 0))
        == "total 1.00 s · 5 in / ? out tokens"
    )
    assert (
        format_stats(RunStats(None, 1.0, Usage(None, None, 17), 2))
        == "total 1.00 s · 2 chunks streamed"
    )


def test_format_stats_of_the_v1_capture() -> None:
    conv, _, _ = run_v1([NDJSON])
    assert format_stats(conv.stats()) == "first token 0.25 s · total 1.62 s · 5 in / 5 out tokens"


# --- the raw event log ----------------------------------------------------------------------


def test_event_json_one_line_per_kind() -> None:
    message = MessageEvent.from_data({"id": "m1", "text": "héllo\nworld", "sender": "Machine"})
    result = RunResult("x", ["x"], None, None, {"outputs": [], "session_id": "s"})
    cases: list[tuple[StreamEvent, dict[str, Any]]] = [
        (TokenEvent("m1", "ché\n"), {"event": "token", "data": {"id": "m1", "chunk": "ché\n"}}),
        (message, {"event": "add_message", "data": message.raw}),
        (EndEvent(result), {"event": "end", "data": {"result": result.raw}}),
        (ErrorEvent("bad", {"error": "bad"}), {"event": "error", "data": {"error": "bad"}}),
        (
            OtherEvent("end_vertex", {"build_data": {"id": "X"}}),
            {"event": "end_vertex", "data": {"build_data": {"id": "X"}}},
        ),
    ]
    for event, expected in cases:
        line = event_json(event)
        assert "\n" not in line, line
        assert json.loads(line) == expected
    assert "é" in event_json(TokenEvent("m1", "é"))  # not escaped


def test_event_json_of_the_captures_round_trips() -> None:
    for cls, data in ((NdjsonParser, NDJSON), (SseParser, SSE)):
        for event in parse(cls, [data]):
            line = event_json(event)
            assert "\n" not in line
            back = to_event(json.loads(line))
            if isinstance(event, EndEvent):
                assert isinstance(back, EndEvent)
                assert back.result.raw == event.result.raw or "result" not in event.result.raw
            else:
                assert back == event


def test_event_json_of_what_json_cannot_take() -> None:
    loop: dict[str, Any] = {}
    loop["self"] = loop
    line = event_json(OtherEvent("weird", loop))
    assert "\n" not in line and json.loads(line)["event"] == "OtherEvent"
    assert json.loads(event_json(OtherEvent("obj", {"at": object()})))["event"] == "obj"


# --- random streams -------------------------------------------------------------------------


@st.composite
def streams(draw: st.DrawFn) -> tuple[str, list[StreamEvent]]:
    """A text, its tokens split at random (empty chunks too), with partial snapshots of
    random prefixes: maybe one sent first, maybe more between the tokens. The server's
    message only grows, so the snapshots come in order of length."""
    text = draw(st.text(min_size=1, max_size=60))
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=12)))
    bounds = [0, *cuts, len(text)]
    tokens = [tok(text[a:b]) for a, b in itertools.pairwise(bounds)]
    first = draw(st.booleans())
    count = draw(st.integers(0, 3)) + first
    sizes = sorted(draw(st.lists(st.integers(0, len(text)), min_size=count, max_size=count)))
    where = sorted(draw(st.lists(st.integers(0, len(tokens)), min_size=count, max_size=count)))
    if first:
        where[0] = 0
    snapshots = [
        (at, msg("m1", text[:size], "partial")) for at, size in zip(where, sizes, strict=True)
    ]
    events: list[StreamEvent] = []
    for i, token in enumerate([*tokens, None]):
        events += [snap for at, snap in snapshots if at == i]
        if token is not None:
            events.append(token)
    if draw(st.booleans()):
        events.append(msg("m1", text, "complete"))
    if draw(st.booleans()):
        events.append(end())
    return text, events


@settings(max_examples=400, deadline=None)
@given(streams())
def test_random_splits_give_the_text_and_appends(case: tuple[str, list[StreamEvent]]) -> None:
    text, events = case
    conv = Conversation("q")
    changes = feed_all(conv, events)
    m = conv.message("m1")
    assert isinstance(m, Message)
    assert m.text == text
    assert apply(changes) == texts(conv)
    # Every snapshot is a prefix of the same text: nothing is ever rewritten.
    assert [ch for ch in changes if ch.replace is not None and not ch.new] == []
    printer = TerminalPrinter()
    assert printer.text_of(changes) == text
    if conv.result is not None:
        assert conv.result.text == text == conv.answer


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=40), st.data())
def test_random_splits_after_a_first_snapshot(text: str, data: st.DataObject) -> None:
    prefix = text[: data.draw(st.integers(0, len(text)))]
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=10)))
    bounds = [0, *cuts, len(text)]
    conv = Conversation(None)
    changes = conv.feed(msg("m1", prefix, "partial"))
    shown = apply(changes)
    for a, b in itertools.pairwise(bounds):
        step = conv.feed(tok(text[a:b]))
        apply(step, shown)
        changes += step
        assert shown == texts(conv)
        # What is shown is never behind the snapshot nor the tokens so far.
        assert shown["m1"] in (prefix, text[:b]) and len(shown["m1"]) == max(len(prefix), b)
    assert conv.messages[0].text == text
    assert shown == {"m1": text}
