"""core.choices on its own: the raw nodes of a flow (group members too), a model field's
type, and ModelChecker's rules on the real catalogs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers.data import CAPTURES, DATA, load_flow

from lfdesk.core.catalog import AmbiguousModelError, parse_catalog
from lfdesk.core.choices import (
    ModelChecker,
    ProviderNotReadyError,
    field_model_type,
    model_choices,
    option_text,
    raw_nodes,
    refresh_button,
)
from lfdesk.core.flow import load_flow as parse_file
from lfdesk.core.flow import parse_flow
from lfdesk.core.tweaks import GlobalVariable, TweakSet

LM = "LanguageModelComponent-FLeYF"


def capture(name: str) -> Any:
    return json.loads((CAPTURES / name).read_text(encoding="utf-8"))


def test_raw_nodes_reach_into_groups() -> None:
    data = load_flow("starter/Basic Prompting.json")
    nodes = data["data"]["nodes"]
    lm = next(n for n in nodes if n["id"] == LM)
    group = {"id": "Group-1", "data": {"id": "Group-1", "node": {"flow": {"data": {"nodes": [lm], "edges": []}}}}}
    grouped = {**data, "data": {"nodes": [n for n in nodes if n["id"] != LM] + [group], "edges": []}}
    found = raw_nodes(grouped)
    assert LM in found and "Group-1" not in found
    assert set(found) >= {c.id for c in parse_flow(grouped).components}
    assert field_model_type(found, LM, "model") == "llm"
    assert refresh_button(found, LM, "model") and not refresh_button(found, LM, "temperature")
    assert field_model_type(found, "nope", "model") is None
    assert raw_nodes([1, 2]) == {} and raw_nodes({"data": {"nodes": ["x", {"data": 3}]}}) == {}


def test_option_text() -> None:
    assert option_text("demo_kb") == "demo_kb"
    assert option_text({"name": "gpt-4o", "provider": "OpenAI"}) == "OpenAI/gpt-4o"
    assert option_text({"name": "x"}) == "x"
    assert len(option_text("k" * 5000)) == 300


def test_model_choices_say_why_not() -> None:
    catalog = parse_catalog(capture("models_fresh.json"))
    rows = {r.name: r for r in model_choices(catalog, "llm", variables={"OPENAI_API_KEY"})}
    # The server's own flag wins: OpenAI is not configured, and needs what it requires.
    assert not rows["OpenAI"].usable and rows["OpenAI"].missing_variables == ("OPENAI_API_KEY",)
    azure = rows["Azure AI Foundry"]
    assert not azure.usable and azure.missing_variables == ("AZURE_AI_FOUNDRY_API_KEY", "AZURE_AI_FOUNDRY_ENDPOINT")
    assert rows["OpenAI Compatible"].models == () and rows["OpenAI Compatible"].live_discovery


def test_checker_resolves_refuses_and_accepts_what_the_component_supplies() -> None:
    flow = parse_file(DATA / "starter" / "Basic Prompting.json")
    nodes = raw_nodes(load_flow("starter/Basic Prompting.json"))
    checker = ModelChecker(parse_catalog(capture("models_fresh.json")))
    tweaks = TweakSet(flow)
    tweaks.set(LM, "model", "gpt-4o")  # bare, as a tweaks file may hold it
    with pytest.raises(AmbiguousModelError, match=f"^{LM}.model: "):
        checker.check(flow, tweaks, nodes)
    tweaks.set(LM, "model", "OpenAI/gpt-4o-mini")
    with pytest.raises(ProviderNotReadyError) as info:
        checker.check(flow, tweaks, nodes)
    assert info.value.missing == ("OPENAI_API_KEY",)
    tweaks.set(LM, "api_key", GlobalVariable("MY_OPENAI_KEY"))
    assert checker.check(flow, tweaks, nodes) == []
    assert tweaks.to_json()[LM]["model"] == [{"name": "gpt-4o-mini", "provider": "OpenAI"}]
