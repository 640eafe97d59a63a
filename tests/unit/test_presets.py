"""PresetLibrary: named presets per flow under data_dir()/presets, no secrets in them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.data import DATA, OPENAI

from lfdesk.core.document import Document
from lfdesk.core.presets import PresetLibrary, check_name, flow_key, slug
from lfdesk.core.tweaks import PresetError


@pytest.fixture
def session() -> Document:
    return Document.open_file(DATA / "echo_chat.flow.json")


def test_folder_is_per_flow(_lfdesk_home: Path) -> None:
    lib = PresetLibrary.for_flow("1a775cc2-f37c-4f5a-890d-bead1a2842ce", "Echo")
    assert lib.folder == _lfdesk_home / "data" / "presets" / "1a775cc2-f37c-4f5a-890d-bead1a2842ce"
    assert flow_key(None, "Échø Chat / v2!").startswith("name-ech-chat-v2-")
    assert flow_key(None, "日本語") != flow_key(None, "中文")  # both slug to "flow"
    assert flow_key("../../etc", "Evil").startswith("name-evil-")  # an unsafe id is not used
    assert slug("///") == "flow"


def test_names_are_checked() -> None:
    assert check_name("  low temp.json ") == "low temp"
    for bad in ("", "   ", ".hidden", "a/b", "a\\b", "x" * 81, "nul\x00"):
        with pytest.raises(PresetError):
            check_name(bad)


def test_save_list_load_rename_delete(session: Document, tmp_path: Path) -> None:
    lib = PresetLibrary.for_flow(session.flow_id, session.flow.name, root=tmp_path)
    assert lib.names() == []
    session.tweaks.set(OPENAI, "temperature", 0.2)
    session.tweaks.set(OPENAI, "api_key", "plain-secret-literal-123")
    omitted = lib.save("Low temp", session.tweaks)
    assert omitted == [f"{OPENAI}.api_key"]
    session.tweaks.set(OPENAI, "temperature", 0.9)
    lib.save("hot", session.tweaks)
    assert lib.names() == ["hot", "Low temp"]
    text = lib.path("Low temp").read_text()
    assert "plain-secret-literal-123" not in text
    assert json.loads(text) == {OPENAI: {"temperature": 0.2}}  # exactly a tweaks object
    assert lib.load("Low temp") == {OPENAI: {"temperature": 0.2}}
    assert lib.rename("hot", "warm") == "warm"
    with pytest.raises(PresetError, match="already exists"):
        lib.rename("warm", "Low temp")
    lib.delete("warm")
    lib.delete("warm")  # gone already: fine
    assert lib.names() == ["Low temp"]


def test_apply_keeps_a_typed_secret(session: Document) -> None:
    session.tweaks.set(OPENAI, "api_key", "typed-in-key")
    session.tweaks.set(OPENAI, "temperature", 0.9)
    problems = session.apply_tweaks({OPENAI: {"max_tokens": 10, "nope": 1}}, keep_secrets=True)
    assert session.tweaks.to_json() == {OPENAI: {"max_tokens": 10, "api_key": "typed-in-key"}}
    assert len(problems) == 1 and "nope" in problems[0]
    session.apply_tweaks({})
    assert session.tweaks.to_json() == {}
