"""Document.build_request (the one request the preview shows and Run sends) and Settings."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from helpers.data import ECHO_FLOW as ECHO
from helpers.data import OPENAI

from lfdesk.core import settings as settings_mod
from lfdesk.core.document import (
    DEFAULT_INPUT,
    Document,
    connection_for,
    tls_verify_for,
)
from lfdesk.core.flow import FlowError, parse_flow
from lfdesk.core.profiles import Profile
from lfdesk.core.request import Connection
from lfdesk.core.settings import MAX_RECENT, Settings, load_settings, save_settings

PROMPT = "PromptComponent-0ko7V"


@pytest.fixture
def session() -> Document:
    return Document.open_file(ECHO)


def test_session_id_is_a_fresh_uuid4_and_new_session_changes_it(session: Document) -> None:
    first = session.session_id
    assert uuid.UUID(first).version == 4
    assert Document.open_file(ECHO).session_id != first
    second = session.new_session()
    assert second == session.session_id != first
    assert session.build_request("hi").session_id == second


def test_build_request_carries_flow_input_tweaks_and_options(session: Document) -> None:
    session.tweaks.set(OPENAI, "temperature", "0.7")
    session.tweaks.set(PROMPT, "template", "Be loud: {question}")
    session.stream = True
    req = session.build_request("what is up")
    assert req.flow_ref == "echo-chat"
    assert req.flow_id == "1a775cc2-f37c-4f5a-890d-bead1a2842ce"
    assert req.input_value == "what is up"
    assert req.input_type == "chat" and req.output_type == "chat"
    assert req.stream is True
    assert req.flow_name == "Echo Chat"
    assert req.flow_path == str(ECHO)
    body = req.body()
    assert body["tweaks"] == {
        OPENAI: {"temperature": 0.7},
        PROMPT: {"template": "Be loud: {question}"},
    }
    assert body["session_id"] == session.session_id
    assert req.url == "http://127.0.0.1:7860/api/v1/run/echo-chat?stream=true"


def test_build_request_is_deterministic_for_preview_and_run(session: Document) -> None:
    session.tweaks.set(OPENAI, "temperature", 0.3)
    assert session.build_request("x") == session.build_request("x")
    assert session.build_request("x").body_json() == session.build_request("x").body_json()


def test_blank_input_uses_the_remembered_message(session: Document) -> None:
    assert session.build_request(None).input_value == DEFAULT_INPUT
    assert session.build_request("   ").input_value == DEFAULT_INPUT
    session.input_value = "what is up"
    assert session.build_request("").input_value == "what is up"


def test_invalid_tweaks_are_not_sent_and_are_reported(session: Document) -> None:
    assert session.problems() == []
    assert session.tweaks.try_set(OPENAI, "temperature", "hot") is not None
    assert "tweaks" not in session.build_request("x").body()
    problems = session.problems()
    assert len(problems) == 1 and OPENAI in problems[0] and "temperature" in problems[0]


def test_profile_gives_the_connection() -> None:
    assert connection_for(None) == Connection()
    local = Profile("local", base_url="http://127.0.0.1:9999/")
    assert connection_for(local).base_url == "http://127.0.0.1:9999"
    astra = Profile("astra", kind="datastax", datastax_id="abc")
    conn = connection_for(astra)
    assert conn.kind == "datastax" and conn.auth_header == "Authorization"
    s = Document.open_file(ECHO, profile=astra)
    assert s.build_request("x").url.startswith(
        "https://api.langflow.astra.datastax.com/lf/abc/api/v1/run/echo-chat"
    )


def test_tls_verify_for_profile(tmp_path: Path) -> None:
    assert tls_verify_for(None) is True
    assert tls_verify_for(Profile("a", base_url="https://x", verify_tls=False)) is False
    bundle = tmp_path / "ca.pem"
    assert tls_verify_for(Profile("a", base_url="https://x", ca_bundle=str(bundle))) == str(bundle)


def test_token_never_in_the_request(session: Document) -> None:
    req = session.build_request("x")
    assert "x-api-key" not in {k.lower() for k in req.headers()}


def test_v2_request_and_missing_id(session: Document) -> None:
    session.api = "v2"
    assert session.build_request("x").body()["flow_id"] == session.flow_id
    assert session.problems() == []
    data = json.loads(ECHO.read_text())
    del data["id"]
    del data["endpoint_name"]
    bare = Document.from_flow(parse_flow(data))
    bare.api = "v2"
    assert any("id" in p for p in bare.problems())


def test_replace_flow_keeps_tweaks_that_still_apply(session: Document) -> None:
    session.tweaks.set(OPENAI, "temperature", 0.9)
    sid = session.session_id
    session.replace_flow(Document.open_file(ECHO))
    assert session.tweaks.to_json() == {OPENAI: {"temperature": 0.9}}
    assert session.session_id == sid


def test_open_bad_file_raises_flow_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    with pytest.raises(FlowError, match="line 1"):
        Document.open_file(bad)


# --- Settings (lfdesk.core.settings) -------------------------------------------------------


def test_settings_round_trip_under_lfdesk_home(tmp_path: Path) -> None:
    s = Settings(last_profile="local", language="python-requests", stream=False, api="v2")
    s.add_recent(tmp_path / "a.json")
    s.add_input("hello")
    save_settings(s)
    assert settings_mod.settings_path().is_file()
    loaded, warning = load_settings()
    assert warning is None
    assert loaded == s


def test_settings_missing_file_gives_defaults() -> None:
    loaded, warning = load_settings()
    assert loaded == Settings() and warning is None


def test_broken_settings_file_is_kept_aside() -> None:
    path = settings_mod.settings_path()
    path.write_text("{ not json", encoding="utf-8")
    loaded, warning = load_settings()
    assert loaded == Settings()
    [kept] = path.parent.glob("settings.json.corrupt-*")
    assert warning is not None and "line 1" in warning and str(kept) in warning
    assert kept.read_text() == "{ not json"
    assert not path.exists()


def test_bad_values_fall_back_one_by_one() -> None:
    path = settings_mod.settings_path()
    path.write_text(json.dumps({"language": "go", "stream": "yes", "api": "v9",
                                "recent_files": ["/a", 3]}))
    loaded, warning = load_settings()
    assert loaded.language == "go"
    assert loaded.stream is True and loaded.api == "v1"
    assert loaded.recent_files == ["/a"]
    assert warning is not None and "stream" in warning and "api" in warning


def test_recent_files_capped_and_deduplicated(tmp_path: Path) -> None:
    s = Settings()
    for i in range(15):
        s.add_recent(tmp_path / f"{i}.json")
    s.add_recent(tmp_path / "3.json")
    assert len(s.recent_files) == MAX_RECENT
    assert s.recent_files[0] == str(tmp_path / "3.json")
    assert s.recent_files.count(str(tmp_path / "3.json")) == 1


def test_settings_file_is_written_atomically(monkeypatch: pytest.MonkeyPatch) -> None:
    save_settings(Settings(language="go"))
    path = settings_mod.settings_path()

    def boom(*_a: object, **_k: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(settings_mod.os, "replace", boom)
    with pytest.raises(OSError):
        save_settings(Settings(language="java"))
    assert json.loads(path.read_text())["language"] == "go"
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []
