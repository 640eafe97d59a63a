"""`lfdesk components --url` (the server's choices) and `lfdesk run --tweak C.model=...`
checked against the server's catalog, against a loopback server replaying Langflow 1.13's
real replies (tests/helpers/model_server.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.data import DATA, load_flow
from helpers.model_server import API_KEY, RUN_ANSWER, ModelServer, capture

from lfdesk.cli import main

BASIC = str(DATA / "starter" / "Basic Prompting.json")
KNOWLEDGE = str(DATA / "starter" / "Knowledge Retrieval.json")
LM = "LanguageModelComponent-FLeYF"
MODEL = f"{LM}.model"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModelServer]:
    monkeypatch.setenv("LANGFLOW_API_KEY", API_KEY)
    s = ModelServer(models=capture("models_compatible.json")).start()
    try:
        yield s
    finally:
        s.stop()


def configured(s: ModelServer) -> None:
    """OpenAI, OpenAI Compatible and vLLM set up; vLLM's models and slow-model switched off."""
    s.models = capture("models_configured.json")
    s.enabled = capture("models_enabled_models.json")
    s.variables = [{"name": n, "value": "x"} for n in
                   ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_COMPATIBLE_BASE_URL", "VLLM_API_BASE")]


def run(s: ModelServer, *args: str, flow: str = BASIC) -> int:
    return main(["run", flow, "--url", s.base_url, "--input", "what is up", *args])


def sent_model(s: ModelServer) -> Any:
    (only,) = s.runs()
    return only.body["tweaks"][LM]["model"]


def one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# -- lfdesk run: the model checked ------------------------------------------------------------


def test_a_name_one_usable_provider_offers_is_sent_with_it(server: ModelServer, capsys: pytest.CaptureFixture[str]) -> None:
    # gpt-4o-mini is in OpenAI (not set up) and OpenAI Compatible (set up): the usable one.
    assert run(server, "--tweak", f"{MODEL}=gpt-4o-mini") == 0
    out = capsys.readouterr()
    assert out.out == RUN_ANSWER + "\n"
    assert sent_model(server) == [{"name": "gpt-4o-mini", "provider": "OpenAI Compatible"}]
    assert "warning" not in out.err
    assert {"/api/v1/models", "/api/v1/variables/"} <= set(server.paths())


@pytest.mark.parametrize("typed", ["openai-compatible/gpt-4o-mini", "openai compatible/GPT-4O-MINI",
                                   "OpenAI Compatible/gpt-4o-mini"])
def test_a_provider_by_id_or_any_case(server: ModelServer, typed: str) -> None:
    assert run(server, "--tweak", f"{MODEL}={typed}") == 0
    assert sent_model(server) == [{"name": "gpt-4o-mini", "provider": "OpenAI Compatible"}]


def test_ambiguous_lists_the_choices_and_sends_nothing(server: ModelServer, capsys: pytest.CaptureFixture[str]) -> None:
    configured(server)
    assert run(server, "--tweak", f"{MODEL}=gpt-4o") == 1
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"lfdesk: --tweak {MODEL}: \"gpt-4o\" is offered by ")
    assert "OpenAI/gpt-4o" in line and "OpenAI Compatible/gpt-4o" in line
    assert "vLLM/gpt-4o (disabled in the server's model settings)" in line
    assert server.runs() == []


def test_unknown_gives_close_matches(server: ModelServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(server, "--tweak", f"{MODEL}=gpt-4o-mnii") == 1
    line = one_line(capsys.readouterr().err)
    assert 'no model "gpt-4o-mnii"' in line and "close matches: " in line and "gpt-4o-mini" in line
    assert server.runs() == []


def test_a_provider_not_set_up_names_the_missing_variable(server: ModelServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.models = capture("models_fresh.json")
    assert run(server, "--tweak", f"{MODEL}=OpenAI/gpt-4o-mini") == 1
    line = one_line(capsys.readouterr().err)
    assert "OpenAI is not set up on the server" in line and "OPENAI_API_KEY" in line
    assert f"--tweak {LM}.api_key=..." in line and "--no-model-check" in line
    assert server.runs() == []


def test_the_component_may_supply_what_the_provider_lacks(server: ModelServer) -> None:
    server.models = capture("models_fresh.json")
    assert run(server, "--tweak", f"{MODEL}=OpenAI/gpt-4o-mini", "--tweak", f"{LM}.api_key=sk-own") == 0
    assert sent_model(server) == [{"name": "gpt-4o-mini", "provider": "OpenAI"}]


def test_no_model_check_sends_it_as_typed_without_asking(server: ModelServer) -> None:
    server.models = capture("models_fresh.json")
    assert run(server, "--tweak", f"{MODEL}=OpenAI/gpt-4o-mini", "--no-model-check") == 0
    assert sent_model(server) == [{"name": "gpt-4o-mini", "provider": "OpenAI"}]
    assert "/api/v1/models" not in server.paths()


def test_a_disabled_model_is_a_warning(server: ModelServer, capsys: pytest.CaptureFixture[str]) -> None:
    configured(server)
    assert run(server, "--tweak", f"{MODEL}=OpenAI Compatible/slow-model") == 0
    err = capsys.readouterr().err
    assert f"lfdesk: warning: {MODEL}: OpenAI Compatible/slow-model is disabled in the server's model settings" in err
    assert sent_model(server) == [{"name": "slow-model", "provider": "OpenAI Compatible"}]


def test_a_json_model_may_be_unlisted_but_its_provider_must_exist(server: ModelServer,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    value = '[{"name": "my-new-model", "provider": "OpenAI Compatible"}]'
    assert run(server, "--tweak", f"{MODEL}={value}") == 0
    assert "does not list OpenAI Compatible/my-new-model; it is sent as given" in capsys.readouterr().err
    assert sent_model(server) == json.loads(value)
    assert run(server, "--tweak", f'{MODEL}=[{{"name": "x", "provider": "Nope"}}]') == 1
    line = one_line(capsys.readouterr().err)
    assert 'no provider "Nope"' in line and "OpenAI Compatible" in line
    assert len(server.runs()) == 1


def test_a_tweaks_file_name_is_resolved_too(server: ModelServer, tmp_path: Path) -> None:
    preset = tmp_path / "preset.json"
    preset.write_text(json.dumps({LM: {"model": "gpt-4o-mini"}}))
    assert run(server, "--tweaks-file", str(preset)) == 0
    assert sent_model(server) == [{"name": "gpt-4o-mini", "provider": "OpenAI Compatible"}]


def test_an_older_server_without_a_catalog(server: ModelServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.models = None
    assert run(server, "--tweak", f"{MODEL}=gpt-4o-mini") == 0
    err = capsys.readouterr().err
    assert "has no model catalog" in err and "sent unchecked" in err
    assert sent_model(server) == "gpt-4o-mini"


def test_a_server_flow_by_id(server: ModelServer) -> None:
    flow = load_flow("starter/Basic Prompting.json")
    server.flows["c1cb7b3c-2589-4754-ac61-8cf88df4a07e"] = flow
    assert run(server, "--tweak", f"{MODEL}=gpt-4o-mini", flow="c1cb7b3c-2589-4754-ac61-8cf88df4a07e") == 0
    assert sent_model(server) == [{"name": "gpt-4o-mini", "provider": "OpenAI Compatible"}]


def test_no_model_tweak_asks_nothing(server: ModelServer) -> None:
    assert run(server, "--tweak", f"{LM}.temperature=0.5") == 0
    assert [p for p in server.paths() if "models" in p or "variables" in p] == []


# -- lfdesk components --url --------------------------------------------------------------------


def test_components_lists_the_model_choices(server: ModelServer, capsys: pytest.CaptureFixture[str]) -> None:
    configured(server)
    assert main(["components", BASIC, "--url", server.base_url]) == 0
    out = capsys.readouterr().out
    assert f"choices offered by {server.base_url}" in out
    assert f"    server choices (language models; --tweak {MODEL}=PROVIDER/MODEL):" in out
    lines = out.splitlines()
    i = lines.index("      OpenAI Compatible: usable")
    assert "slow-model (disabled in the server's model settings)" in lines[i + 1]
    assert "      vLLM: set up, but none of its models is enabled in the server's model settings" in lines
    j = lines.index("      Anthropic: not set up on the server: it needs the global variable ANTHROPIC_API_KEY")
    assert lines[j + 1].startswith("        claude-") and "(" not in lines[j + 1]
    assert all(len(ln) <= 110 for ln in lines if ln.startswith("        "))


def test_components_json_is_exact(server: ModelServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["components", BASIC, "--url", server.base_url, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["server"] == server.base_url
    comp = next(c for c in out["components"] if c["id"] == LM)
    model = next(f for f in comp["fields"] if f["name"] == "model")
    choices = model["server_choices"]
    assert choices["kind"] == "model" and choices["model_type"] == "llm" and choices["error"] is None
    providers = {p["provider"]: p for p in choices["providers"]}
    compatible = providers["OpenAI Compatible"]
    assert compatible["usable"] and compatible["reason"] is None and compatible["provider_id"] == "openai-compatible"
    assert sorted(m["label"] for m in compatible["models"]) == [  # the fake's models, in the server's order
        "OpenAI Compatible/fail-model", "OpenAI Compatible/gpt-4o", "OpenAI Compatible/gpt-4o-mini",
        "OpenAI Compatible/slow-model"]
    assert all(m["usable"] and m["reason"] is None for m in compatible["models"])
    assert providers["OpenAI"]["usable"] is False
    assert providers["OpenAI"]["missing_variables"] == ["OPENAI_API_KEY"]
    assert all(m["reason_code"] == "not_configured" for m in providers["OpenAI"]["models"])
    # Only language models for a language model field (the catalog mixes in embeddings).
    assert "text-embedding-3-small" not in [m["name"] for m in providers["OpenAI"]["models"]]
    temperature = next(f for f in comp["fields"] if f["name"] == "temperature")
    assert "server_choices" not in temperature


def test_components_refreshes_a_refresh_button_field(server: ModelServer, capsys: pytest.CaptureFixture[str]) -> None:
    real = capture("component_update_knowledge_base.json")
    server.update = (200, real["body"])
    assert main(["components", KNOWLEDGE, "--url", server.base_url, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    fields = {(c["id"], f["name"]): f for c in out["components"] for f in c["fields"]}
    assert fields["Knowledge-Y8gm2", "knowledge_base"]["server_choices"] == {
        "kind": "options", "options": ["demo_kb"], "error": None}
    (update,) = [s for s in server.seen if s.path == "/api/v1/custom_component/update"]
    assert update.query == {}  # a local file: no flow id of this server
    assert update.body["field"] == "knowledge_base"
    assert main(["components", KNOWLEDGE, "--url", server.base_url]) == 0
    assert "    server choices:\n      demo_kb\n" in capsys.readouterr().out


def test_components_keeps_going_when_a_refresh_fails(server: ModelServer, capsys: pytest.CaptureFixture[str]) -> None:
    real = capture("component_update_error.json")
    server.update = (real["status"], real["body"])
    assert main(["components", KNOWLEDGE, "--url", server.base_url]) == 0
    out = capsys.readouterr().out
    assert ("    server choices not available: The server could not refresh the component (HTTP 400): "
            "Error building Component: No Component subclass found") in out
    assert "traceback" not in out.lower()


def test_components_escapes_what_the_server_sends(server: ModelServer, capsys: pytest.CaptureFixture[str]) -> None:
    real = capture("component_update_knowledge_base.json")
    body = json.loads(json.dumps(real["body"]))
    body["template"]["knowledge_base"]["options"] = ["kb\x1b[2J", "rtl\u202eevil"]
    server.update = (200, body)
    assert main(["components", KNOWLEDGE, "--url", server.base_url]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out
    assert "kb\\x1b[2J, rtl\\u202eevil" in out
    assert main(["components", KNOWLEDGE, "--url", server.base_url, "--json"]) == 0
    assert "kb\\u001b[2J" in capsys.readouterr().out  # --json stays exact (a JSON escape)


def test_components_of_a_server_flow_sends_its_id(server: ModelServer, capsys: pytest.CaptureFixture[str]) -> None:
    flow = load_flow("starter/Knowledge Retrieval.json")
    fid = "b93df672-5078-44dd-be58-470a115cc716"
    server.flows[fid] = {**flow, "id": fid, "endpoint_name": "kr"}
    server.update = (200, capture("component_update_knowledge_base.json")["body"])
    assert main(["components", "kr", "--url", server.base_url, "--json"]) == 0
    (update,) = [s for s in server.seen if s.path == "/api/v1/custom_component/update"]
    assert update.query == {"flow_id": [fid]}
    assert update.body["template"]["_frontend_node_flow_id"] == {"value": fid}


def test_components_without_a_catalog_or_a_key(server: ModelServer, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    server.models = None
    assert main(["components", BASIC, "--url", server.base_url]) == 0
    assert "    server choices not available: The server at " in capsys.readouterr().out
    monkeypatch.setenv("LANGFLOW_API_KEY", "sk-wrong")
    assert main(["components", BASIC, "--url", server.base_url]) == 1
    assert "api key" in one_line(capsys.readouterr().err).lower()


def test_components_offline_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["components", BASIC, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "server" not in out
    assert all("server_choices" not in f for c in out["components"] for f in c["fields"])
