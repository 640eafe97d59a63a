"""RunHistory: record, list, search, get, delete, the cap, a damaged file, threads, and no
token ever written to the file."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from helpers.data import ECHO_FLOW, OPENAI

from lfdesk.core import codegen
from lfdesk.core.api import MessageEvent, TokenEvent
from lfdesk.core.conversation import Conversation
from lfdesk.core.document import Document
from lfdesk.core.history import (
    MAX_ANSWER_CHARS,
    SCHEMA_VERSION,
    HistoryEntry,
    RunHistory,
    RunRecord,
)
from lfdesk.core.redact import register_secret
from lfdesk.core.request import Connection, RunRequest

PROMPT = "PromptComponent-0ko7V"


@pytest.fixture
def history(tmp_path: Path) -> RunHistory:
    h = RunHistory(tmp_path / "history.sqlite3")
    yield h
    h.close()


@pytest.fixture
def session() -> Document:
    s = Document.open_file(ECHO_FLOW)
    s.tweaks.set(OPENAI, "temperature", 0.7)
    return s


def request(text: str = "what is up", **changes: object) -> RunRequest:
    base = RunRequest(
        connection=Connection("http://127.0.0.1:7860"),
        flow_ref="echo-chat",
        flow_id="1a775cc2-f37c-4f5a-890d-bead1a2842ce",
        input_value=text,
        session_id="s-1",
        tweaks={OPENAI: {"temperature": 0.5}},
        stream=True,
        flow_name="Echo Chat",
    )
    return base.with_(**changes)


def test_default_path_is_in_the_data_dir(tmp_path: Path, lfdesk_home: Path) -> None:
    h = RunHistory()
    assert h.path == lfdesk_home / "data" / "history.sqlite3"
    h.record(request(), status="ok")
    assert h.path.is_file()
    h.close()


def test_record_and_get_round_trip(history: RunHistory, session: Document) -> None:
    req = session.build_request("hello there")
    entry_id = history.record(
        req,
        status="ok",
        answer="ECHO: hello there",
        ttft=0.25,
        total=0.94,
        tokens_in=5,
        tokens_out=12,
        profile="local",
    )
    entry = history.get(entry_id)
    assert isinstance(entry, HistoryEntry)
    assert entry.id == entry_id
    assert entry.status == "ok"
    assert entry.flow_name == session.flow.name
    assert entry.flow_id == session.flow_id
    assert entry.flow_ref == "echo-chat"
    assert entry.profile == "local"
    assert entry.base_url == "http://127.0.0.1:7860"
    assert entry.api == "v1" and entry.stream is True
    assert entry.input_value == "hello there"
    assert entry.session_id == session.session_id
    assert entry.tweaks() == {OPENAI: {"temperature": 0.7}}
    assert (entry.answer, entry.error) == ("ECHO: hello there", "")
    assert (entry.ttft, entry.total, entry.tokens_in, entry.tokens_out) == (0.25, 0.94, 5, 12)
    # the stored run rebuilds the request it sent: same URL, same body, same snippet
    rebuilt = entry.to_request()
    assert rebuilt.url == req.url
    assert rebuilt.body() == req.body()
    assert '"temperature": 0.7' in entry.body_pretty()
    curl = codegen.get("curl")
    assert curl.render(rebuilt) == curl.render(req)
    assert history.get(entry_id + 100) is None


def test_list_newest_first_search_and_flow_filter(history: RunHistory) -> None:
    history.record(request("first question"), status="ok", answer="alpha answer")
    history.record(request("second question"), status="error", error="boom")
    history.record(
        request("third", flow_id="other-id", flow_name="Vector Store RAG"),
        status="stopped",
        answer="partial BETA",
    )
    assert [e.input_value for e in history.list()] == ["third", "second question", "first question"]
    assert [e.status for e in history.list()] == ["stopped", "error", "ok"]
    assert [e.input_value for e in history.list(limit=2)] == ["third", "second question"]
    assert [e.input_value for e in history.list(search="QUESTION")] == [
        "second question",
        "first question",
    ]
    assert [e.input_value for e in history.list(search="beta")] == ["third"]  # the answer
    assert [e.input_value for e in history.list(search="vector store")] == ["third"]  # flow name
    assert [e.input_value for e in history.list(flow_id="other-id")] == ["third"]
    assert history.list(search="100%") == []  # LIKE wildcards are literal
    history.record(request("a 100% match"), status="ok")
    assert [e.input_value for e in history.list(search="100%")] == ["a 100% match"]
    assert [e.input_value for e in history.list(search="_")] == []


def test_delete_and_clear(history: RunHistory) -> None:
    ids = [history.record(request(f"q{i}"), status="ok") for i in range(3)]
    assert history.delete(ids[1]) is True
    assert history.delete(ids[1]) is False
    assert [e.id for e in history.list()] == [ids[2], ids[0]]
    assert history.clear() == 2
    assert history.list() == [] and history.count() == 0
    assert history.record(request("after"), status="ok") > ids[2]  # ids are never reused


def test_cap_keeps_the_newest(tmp_path: Path) -> None:
    h = RunHistory(tmp_path / "h.sqlite3", max_runs=5)
    for i in range(12):
        h.record(request(f"q{i}"), status="ok")
    assert h.count() == 5
    assert [e.input_value for e in h.list()] == ["q11", "q10", "q9", "q8", "q7"]
    h.close()


def test_default_cap_is_5000() -> None:
    assert RunHistory(Path("/nonexistent/x.sqlite3")).max_runs == 5000


def test_long_answer_is_cut(history: RunHistory) -> None:
    entry_id = history.record(request(), status="ok", answer="x" * (MAX_ANSWER_CHARS + 5000))
    entry = history.get(entry_id)
    assert entry is not None
    assert entry.answer.startswith("x" * 1000)
    assert len(entry.answer) < MAX_ANSWER_CHARS + 200
    assert "cut" in entry.answer


def test_status_is_checked(history: RunHistory) -> None:
    with pytest.raises(ValueError, match="status"):
        history.record(request(), status="done")  # type: ignore[arg-type]


def test_schema_is_versioned_and_wal(history: RunHistory) -> None:
    history.open()
    with sqlite3.connect(history.path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_corrupted_file_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not a database, it is garbage" * 200)
    h = RunHistory(path)
    warning = h.open()
    assert warning is not None and "could not be read" in warning
    asides = list(tmp_path.glob("history.sqlite3.corrupt-*"))
    assert len(asides) == 1 and asides[0].read_bytes().startswith(b"this is not a database")
    assert asides[0].name in warning
    assert h.record(request("fresh"), status="ok") == 1
    assert [e.input_value for e in h.list()] == ["fresh"]
    assert h.take_warning() == warning and h.take_warning() is None
    h.close()


def test_damage_found_later_is_recovered(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    h = RunHistory(path)
    h.record(request("before"), status="ok")
    h.close()
    data = bytearray(path.read_bytes())
    data[0:16] = b"garbage garbage!"  # the header: SQLite no longer knows the file
    path.write_bytes(bytes(data))
    for side in tmp_path.glob("history.sqlite3-*"):
        side.unlink()
    h2 = RunHistory(path)
    assert h2.list() == []  # no exception: a fresh history
    assert h2.take_warning() is not None
    assert list(tmp_path.glob("history.sqlite3.corrupt-*"))
    h2.close()


def test_a_newer_schema_is_kept_aside(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    h = RunHistory(path)
    warning = h.open()
    assert warning is not None and "newer lfdesk" in warning
    assert list(tmp_path.glob("history.sqlite3.newer-*"))
    h.close()


def test_token_never_reaches_the_file(tmp_path: Path, session: Document) -> None:
    keyring_token = "kr-Zq81-registered-token-value"  # not token-shaped: masked because registered
    register_secret(keyring_token)
    typed_key = "plain-openai-key-typed-in"  # a secret field's literal: never registered
    session.tweaks.set(OPENAI, "api_key", typed_key)
    session.tweaks.set(PROMPT, "template", f"use {keyring_token} please")
    shaped = "sk-" + "A" * 43
    req = session.build_request(f"my key is {keyring_token} and {shaped}")
    req = req.with_(connection=Connection(f"http://user:{keyring_token}@127.0.0.1:7860"))
    path = tmp_path / "history.sqlite3"
    h = RunHistory(path)
    entry_id = h.record(
        req,
        status="error",
        answer=f"echo {keyring_token}",
        error=f"401 for x-api-key {keyring_token} / Bearer {shaped}",
        profile=f"profile {keyring_token}",
        secret_fields=session.tweaks.secret_literals(),
    )
    entry = h.get(entry_id)
    assert entry is not None
    assert entry.tweaks()[OPENAI]["api_key"] == "***"
    assert "***" in entry.input_value and "***" in entry.answer and "***" in entry.error
    assert entry.base_url == "http://127.0.0.1:7860"
    h.close()
    blobs = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert blobs  # the file was written
    for secret in (keyring_token, typed_key, shaped):
        assert secret.encode() not in blobs, secret
    assert b"temperature" in blobs  # the rest of the run is there


def test_deleted_runs_leave_the_file(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    h = RunHistory(path)
    h.record(request("remember the word zebracorn"), status="ok")
    h.record(request("keep"), status="ok")
    h.delete(1)
    h.close()
    blobs = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert b"zebracorn" not in blobs  # secure_delete: the text is overwritten


def test_threads_share_one_history(history: RunHistory) -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(25):
                history.record(request(f"t{n}-{i}"), status="ok")
                history.list(limit=5)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    entries = history.list(limit=1000)
    assert len(entries) == 200
    assert len({e.id for e in entries}) == 200


def test_usable_through_asyncio_to_thread(history: RunHistory) -> None:
    async def main() -> list[HistoryEntry]:
        await asyncio.gather(
            *(asyncio.to_thread(history.record, request(f"a{i}"), status="ok") for i in range(10))
        )
        return await asyncio.to_thread(history.list)

    assert len(asyncio.run(main())) == 10


def test_a_stopped_run_is_recorded_from_its_conversation(history: RunHistory, session: Document) -> None:
    clock = iter([0.0, 0.25, 0.5, 2.0]).__next__
    conv = Conversation("hi", clock=clock)
    conv.begin()
    conv.feed(MessageEvent("u1", "User", "User", "hi", "complete", None, None, False, {}))
    conv.feed(TokenEvent("m1", ""))
    assert conv.ttft is None
    conv.feed(TokenEvent("m1", "Hel"))  # the first answer text, at 0.25 s
    conv.feed(TokenEvent("m1", "lo"))
    conv.feed(MessageEvent("m1", "Machine", "AI", "Hello wor", "partial", None, None, False, {}))
    conv.feed(MessageEvent("m2", "Machine", "AI", "Second", "complete", None, None, False, {}))
    conv.stop()  # at 0.5 s
    entry_id = history.record_run(RunRecord(session.build_request("hi"), conv.outcome(), "local"))
    entry = history.get(entry_id)
    assert entry is not None
    assert entry.status == "stopped"
    assert entry.answer == "Hello wor\n\nSecond"  # the longer of the snapshot and the tokens
    assert entry.ttft == 0.25 and entry.total == 0.5
    assert entry.profile == "local" and entry.input_value == "hi"


def test_restore_puts_back_tweaks_keeping_secrets(history: RunHistory, session: Document) -> None:
    session.tweaks.set(OPENAI, "api_key", "typed-secret-now")
    entry_id = history.record(
        session.build_request("q"), status="ok", secret_fields=session.tweaks.secret_literals()
    )
    entry = history.get(entry_id)
    assert entry is not None
    other = Document.open_file(ECHO_FLOW)
    other.tweaks.set(OPENAI, "api_key", "the-current-secret")
    other.tweaks.set(OPENAI, "max_tokens", 99)
    assert entry.same_flow(other.flow_id, other.flow_ref, other.flow.name)
    problems = other.apply_tweaks(entry.tweaks())
    assert other.tweaks.to_json() == {
        OPENAI: {"temperature": 0.7, "api_key": "the-current-secret"}
    }
    assert len(problems) == 1 and "api_key" in problems[0]
    assert not entry.same_flow("another-id", "x", "Another")
