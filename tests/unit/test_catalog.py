"""The model catalog and dynamic fields against real Langflow 1.13.0 replies.

Captures (tests/data/captures): `models_fresh.json` (`GET /api/v1/models` on a fresh
server), `models_compatible.json` (OpenAI Compatible set up with OPENAI_COMPATIBLE_BASE_URL
pointing at the fake model server), `models_configured.json` + `models_enabled_models.json`
(OpenAI routed to the fake by OPENAI_BASE_URL and OPENAI_API_KEY, OpenAI Compatible, and
vLLM with all its models switched off; OpenAI Compatible's slow-model switched off too),
`model_options_language*.json`, `component_update_*.json` and `model_tweak_runs.json`.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from helpers.data import CAPTURES, load_flow
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lfdesk.core.catalog import (
    EMBEDDINGS,
    LANGUAGE,
    MAX_MODELS,
    MAX_OPTIONS,
    MAX_PROVIDERS,
    AmbiguousModelError,
    CatalogError,
    ModelCatalog,
    ModelChoiceError,
    ModelSelection,
    ReasonCode,
    UnknownModelError,
    catalog_model_type,
    parse_catalog,
    parse_enabled_models,
    parse_model_options,
    parse_model_text,
    selection_from_value,
)
from lfdesk.core.dynamic import (
    UPDATE_PATH,
    DynamicFieldError,
    build_update_request,
    parse_update_reply,
    refreshable_fields,
    update_error_message,
)

LM_NODE = "LanguageModelComponent-FLeYF"  # Basic Prompting's Language Model


def capture(name: str) -> Any:
    return json.loads((CAPTURES / name).read_text(encoding="utf-8"))


def fresh() -> ModelCatalog:
    return parse_catalog(capture("models_fresh.json"))


def compatible() -> ModelCatalog:
    return parse_catalog(capture("models_compatible.json"))


def configured() -> ModelCatalog:
    catalog = parse_catalog(capture("models_configured.json"))
    return catalog.with_enabled_models(capture("models_enabled_models.json"))


def starter_node(flow: str = "starter/Basic Prompting.json", node_id: str = LM_NODE) -> Any:
    nodes = load_flow(flow)["data"]["nodes"]
    node: dict[str, Any] = next(n for n in nodes if n["id"] == node_id)["data"]["node"]
    return node


# -- the catalog -------------------------------------------------------------------------


def test_fresh_catalog_reads_every_provider_and_model() -> None:
    raw = capture("models_fresh.json")
    catalog = fresh()
    assert (catalog.skipped, catalog.truncated) == (0, False)
    assert [p.id for p in catalog.providers] == [p["provider_id"] for p in raw]
    assert len(catalog.models()) == sum(len(p["models"]) for p in raw) == 104
    assert len(catalog.models(LANGUAGE)) + len(catalog.models(EMBEDDINGS)) == 104
    assert not any(p.configured or p.enabled for p in catalog.providers)
    assert catalog.usable_models() == ()


def test_provider_variables_and_the_field_they_back() -> None:
    catalog = fresh()
    openai = catalog.provider("OpenAI")
    assert openai is not None and openai.id == "openai"
    assert catalog.provider("openai") is openai and catalog.provider("OPENAI") is openai
    assert openai.required_variables == ("OPENAI_API_KEY",)
    key = openai.variable_for_field("api_key")
    assert key is not None and key.key == "OPENAI_API_KEY" and key.is_secret and key.required
    base = next(v for v in openai.variables if v.key == "OPENAI_BASE_URL")
    assert not base.required and not base.is_secret
    compat = catalog.provider("openai-compatible")
    assert compat is not None and compat.name == "OpenAI Compatible"
    assert compat.live_discovery and compat.models == ()
    assert compat.required_variables == ("OPENAI_COMPATIBLE_BASE_URL",)
    assert compat.variable_for_field("openai_compatible_base_url") is not None
    vllm = catalog.provider("vLLM")
    assert vllm is not None and vllm.required_variables == ("VLLM_API_BASE",)
    assert catalog.provider("no such provider") is None


def test_model_flags_come_from_the_metadata() -> None:
    catalog = fresh()
    mini = next(m for m in catalog.find("gpt-4o-mini") if m.provider == "OpenAI")
    assert (mini.model_type, mini.provider_id, mini.label) == (
        LANGUAGE,
        "openai",
        "OpenAI/gpt-4o-mini",
    )
    assert mini.enabled is None  # no enabled-models reply read
    assert any(m.preview for m in catalog.models())
    assert any(m.reasoning for m in catalog.models())
    embedding = catalog.find("text-embedding-3-small")
    assert [m.model_type for m in embedding] == [EMBEDDINGS]


def test_why_a_provider_that_is_not_set_up_cannot_be_used() -> None:
    catalog = fresh()
    azure = catalog.provider("Azure AI Foundry")
    assert azure is not None
    reason = catalog.why_not(azure)
    assert reason is not None and reason.code is ReasonCode.NOT_CONFIGURED and reason.blocking
    assert reason.missing_variables == ("AZURE_AI_FOUNDRY_API_KEY", "AZURE_AI_FOUNDRY_ENDPOINT")
    assert "AZURE_AI_FOUNDRY_API_KEY, AZURE_AI_FOUNDRY_ENDPOINT" in reason.message
    # Knowing the caller's global variables makes the list exact.
    exact = catalog.why_not(azure, existing_variables={"AZURE_AI_FOUNDRY_API_KEY"})
    assert exact is not None and exact.missing_variables == ("AZURE_AI_FOUNDRY_ENDPOINT",)
    model = catalog.find("gpt-4o-mini")[0]
    assert catalog.why_not(model) is not None


def test_one_global_variable_sets_up_openai_compatible() -> None:
    catalog = compatible()
    compat = catalog.provider("OpenAI Compatible")
    assert compat is not None and compat.configured and compat.enabled
    assert catalog.providers[0] is compat  # configured providers come first
    assert {m.name for m in compat.models} == {"gpt-4o", "gpt-4o-mini", "slow-model", "fail-model"}
    # Live discovery cannot tell chat from embedding models: each is listed as both.
    assert len(compat.models) == 8 and len(catalog.find("gpt-4o", LANGUAGE)) == 3
    assert catalog.why_not(compat) is None
    assert {m.label for m in catalog.usable_models(LANGUAGE)} == {
        f"OpenAI Compatible/{n}" for n in ("gpt-4o", "gpt-4o-mini", "slow-model", "fail-model")
    }


def test_enabled_models_mark_disabled_models_and_providers() -> None:
    catalog = configured()
    vllm = catalog.provider("vllm")
    assert vllm is not None and vllm.configured and not vllm.enabled
    assert all(m.enabled is False for m in vllm.models)
    reason = catalog.why_not(vllm)
    assert reason is not None and reason.code is ReasonCode.NOT_ENABLED and not reason.blocking
    slow = next(
        m for m in catalog.find("slow-model", LANGUAGE) if m.provider == "OpenAI Compatible"
    )
    reason = catalog.why_not(slow)
    assert reason is not None and reason.code is ReasonCode.MODEL_DISABLED
    assert (
        reason.message == "OpenAI Compatible/slow-model is disabled in the server's model settings"
    )
    assert not reason.blocking  # a disabled model still runs (model_tweak_runs.json)
    openai = catalog.provider("OpenAI")
    assert openai is not None and openai.configured and openai.enabled


def test_usable_models_are_what_the_servers_own_ui_offers() -> None:
    """`GET /api/v1/model_options/language` is the server's own list for the dropdown."""
    options = parse_model_options(capture("model_options_language.json"))
    assert {(o.provider, o.name) for o in options} == {
        (m.provider, m.name) for m in configured().usable_models(LANGUAGE)
    }
    assert parse_model_options(capture("model_options_language_fresh.json")) == ()
    assert fresh().usable_models(LANGUAGE) == ()


def test_enabled_models_reply_is_read_by_type() -> None:
    enabled = parse_enabled_models(capture("models_enabled_models.json"))
    assert enabled[("vLLM", LANGUAGE, "gpt-4o")] is False
    assert enabled[("OpenAI Compatible", LANGUAGE, "gpt-4o")] is True
    assert enabled[("OpenAI Compatible", "", "slow-model")] is False
    assert parse_enabled_models([]) == {}
    assert parse_enabled_models({"enabled_models": {"P": {"m": "yes", "n": True, 3: True}}}) == {
        ("P", "", "n"): True
    }
    catalog = fresh()
    assert catalog.with_enabled_models("junk") is catalog


# -- what the user typed -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("OpenAI/gpt-4o-mini", ModelSelection("gpt-4o-mini", "OpenAI")),
        # OpenRouter's "openai/gpt-4o-mini" is not set up: the one usable reading wins.
        ("openai/gpt-4o-mini", ModelSelection("gpt-4o-mini", "OpenAI")),
        ("openai-compatible/GPT-4o-mini", ModelSelection("gpt-4o-mini", "OpenAI Compatible")),
        (" OpenAI Compatible / gpt-4o ", ModelSelection("gpt-4o", "OpenAI Compatible")),
        ("vllm/slow-model", ModelSelection("slow-model", "vLLM")),  # disabled, still named
        ("OpenRouter/openai/gpt-4o-mini", ModelSelection("openai/gpt-4o-mini", "OpenRouter")),
        ("claude-opus-4-6", ModelSelection("claude-opus-4-6", "Anthropic")),
    ],
)
def test_resolve_names_one_model(typed: str, expected: ModelSelection) -> None:
    assert configured().resolve(typed, LANGUAGE) == expected


def test_resolve_takes_the_one_usable_provider() -> None:
    # OpenAI, Azure AI Foundry and OpenAI Compatible list gpt-4o-mini; only the last is set up.
    assert compatible().resolve("gpt-4o-mini", LANGUAGE) == ModelSelection(
        "gpt-4o-mini", "OpenAI Compatible"
    )
    with pytest.raises(AmbiguousModelError):
        compatible().resolve("gpt-4o-mini", LANGUAGE, prefer_usable=False)


def test_a_name_several_usable_providers_offer_is_ambiguous() -> None:
    with pytest.raises(AmbiguousModelError) as caught:
        configured().resolve("gpt-4o-mini", LANGUAGE)
    error = caught.value
    assert {m.provider for m in error.choices} == {
        "OpenAI",
        "OpenAI Compatible",
        "vLLM",
        "Azure AI Foundry",
    }
    message = str(error)
    assert "OpenAI Compatible/gpt-4o-mini" in message
    assert "vLLM/gpt-4o-mini (disabled in the server's model settings)" in message
    assert "Azure AI Foundry/gpt-4o-mini (not set up on the server)" in message
    assert "openai/gpt-4o-mini" in message  # how to name one without quoting a space
    # Nothing set up: still ambiguous, and both reasons are given.
    with pytest.raises(AmbiguousModelError, match="OpenAI/gpt-4o-mini"):
        fresh().resolve("gpt-4o-mini", LANGUAGE)


def test_an_unknown_name_gets_close_matches() -> None:
    with pytest.raises(UnknownModelError) as caught:
        configured().resolve("gpt-4o-mni", LANGUAGE)
    labels = [m.label for m in caught.value.choices]
    assert "OpenAI/gpt-4o-mini" in labels and "OpenAI Compatible/gpt-4o-mini" in labels
    assert "close matches: " in str(caught.value)
    with pytest.raises(UnknownModelError, match="language models") as caught:
        configured().resolve("zzzz-qqqq", LANGUAGE)
    assert caught.value.choices == ()
    with pytest.raises(UnknownModelError, match="empty"):
        configured().resolve("   ")


def test_an_embedding_model_is_not_a_language_model() -> None:
    with pytest.raises(UnknownModelError):
        fresh().resolve("text-embedding-3-small", LANGUAGE)
    assert fresh().resolve("text-embedding-3-small", EMBEDDINGS) == ModelSelection(
        "text-embedding-3-small", "OpenAI"
    )


def test_a_live_discovery_provider_not_set_up_says_so() -> None:
    with pytest.raises(UnknownModelError) as caught:
        fresh().resolve("vllm/my-model", LANGUAGE)
    assert "VLLM_API_BASE" in str(caught.value) and "once it is set up" in str(caught.value)
    assert fresh().resolve("vllm/my-model", LANGUAGE, allow_unlisted=True) == ModelSelection(
        "my-model", "vLLM"
    )
    with pytest.raises(UnknownModelError):
        fresh().resolve("nope/my-model", allow_unlisted=True)


def test_errors_are_value_errors_with_the_text() -> None:
    with pytest.raises(ValueError) as caught:
        configured().resolve("gpt-4o-mni")
    assert isinstance(caught.value, ModelChoiceError) and caught.value.text == "gpt-4o-mni"


# -- the tweak value ---------------------------------------------------------------------


def test_the_tweak_names_the_provider() -> None:
    runs = capture("model_tweak_runs.json")
    good = next(r for r in runs if r["note"] == "list with provider display name")
    assert good["status"] == 200 and good["answer"].startswith("ECHO[gpt-4o-mini|")
    model = next(m for m in compatible().find("gpt-4o-mini") if m.provider == "OpenAI Compatible")
    assert {LM_NODE: {"model": model.tweak_value()}} == good["tweaks"]
    assert ModelSelection("gpt-4o-mini").tweak_value() == "gpt-4o-mini"
    assert ModelSelection("gpt-4o-mini", "OpenAI").label == "OpenAI/gpt-4o-mini"
    # What the server does with the other shapes, as captured.
    by_note = {r["note"]: r for r in runs}
    assert "missing a provider" in by_note["a list entry without provider"]["body"]["detail"]
    assert "model selection is required" in by_note["an object, not a list"]["body"]["detail"]
    bare = by_note["a bare name, OpenAI not configured: resolved to OpenAI, which has no key"]
    assert "OPENAI_API_KEY" in bare["body"]["detail"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", None),
        (None, None),
        ([], None),
        ("connect_other_models", None),
        ("gpt-4o", ModelSelection("gpt-4o")),
        ([{"name": "gpt-4o", "provider": "OpenAI"}], ModelSelection("gpt-4o", "OpenAI")),
        ({"name": "gpt-4o", "provider": "OpenAI"}, ModelSelection("gpt-4o", "OpenAI")),
        ([{"name": "gpt-4o"}], ModelSelection("gpt-4o")),
        (
            [{"name": "a", "provider": "P"}, {"name": "b", "provider": "Q"}],
            ModelSelection("a", "P"),
        ),
        ([{"name": 5}], None),
        ([1, 2], None),
        ({"provider": "OpenAI"}, None),
        ("x" * 10_000, None),
        ("bad\x1bname", None),
        (42, None),
    ],
)
def test_selection_from_a_field_value(value: Any, expected: ModelSelection | None) -> None:
    assert selection_from_value(value) == expected


def test_selection_from_the_servers_own_option_object() -> None:
    option = capture("model_options_language.json")[0]
    assert selection_from_value([option]) == ModelSelection(option["name"], option["provider"])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("gpt-4o-mini", ModelSelection("gpt-4o-mini")),
        ("OpenAI/gpt-4o-mini", ModelSelection("gpt-4o-mini", "OpenAI")),
        ("OpenAI Compatible/gpt-4o", ModelSelection("gpt-4o", "OpenAI Compatible")),
        ("openai/gpt-4o-mini", ModelSelection("openai/gpt-4o-mini")),  # OpenRouter spells so
        ("OpenRouter/openai/gpt-4o", ModelSelection("openai/gpt-4o", "OpenRouter")),
        ("OpenAI/", ModelSelection("OpenAI/")),
        ("  ", None),
    ],
)
def test_typed_model_without_a_catalog(typed: str, expected: ModelSelection | None) -> None:
    assert parse_model_text(typed) == expected


def test_field_model_types() -> None:
    assert catalog_model_type("language") == LANGUAGE
    assert catalog_model_type("embedding") == EMBEDDINGS
    assert catalog_model_type(None) is None and catalog_model_type("other") is None
    field = starter_node()["template"]["model"]
    assert catalog_model_type(field["model_type"]) == LANGUAGE


# -- hostile replies ---------------------------------------------------------------------


@pytest.mark.parametrize("data", [None, {}, {"providers": []}, "[]", 3])
def test_a_reply_that_is_not_a_list_is_refused(data: Any) -> None:
    with pytest.raises(CatalogError):
        parse_catalog(data)


def test_malformed_entries_are_skipped() -> None:
    good = capture("models_fresh.json")[0]
    data = [
        "junk",
        None,
        {"provider": 5},
        {"provider": "x" * 1000},
        {"provider": "Bad\nName"},
        {"provider": "Empty", "models": "nope", "variables": {"a": 1}, "is_configured": "true"},
        {
            "provider": "Mixed",
            "provider_id": "mixed",
            "is_configured": 1,
            "models": [
                {"model_name": "ok", "metadata": "junk"},
                {"model_name": "ok"},  # repeated
                {"model_name": None},
                [],
                {"model_name": "flags", "metadata": {"default": "yes", "deprecated": True}},
            ],
            "variables": [
                {"variable_key": "MIXED_KEY", "required": True, "component_metadata": []},
                {"variable_key": "MIXED_KEY"},  # repeated
                {"variable_name": "no key"},
                "junk",
            ],
        },
        good,
        copy.deepcopy(good),  # the same provider again
    ]
    catalog = parse_catalog(data)
    assert [p.name for p in catalog.providers] == ["Empty", "Mixed", "Anthropic"]
    empty, mixed = catalog.providers[0], catalog.providers[1]
    assert empty.id == "empty" and empty.models == () and not empty.configured
    assert [m.name for m in mixed.models] == ["ok", "flags"] and not mixed.configured
    flags = mixed.models[1]
    assert flags.deprecated and not flags.default
    assert [v.key for v in mixed.variables] == ["MIXED_KEY"]
    assert mixed.variables[0].field is None and mixed.variables[0].display_name == "MIXED_KEY"
    assert catalog.skipped == 5 + 3 + 3 + 1  # providers, models, variables, the repeat
    reason = catalog.why_not(flags)
    assert reason is not None and reason.code is ReasonCode.NOT_CONFIGURED


def test_huge_replies_are_bounded() -> None:
    models = [{"model_name": f"m{i}"} for i in range(MAX_MODELS + 5)]
    data = [
        {"provider": f"P{i}", "models": models if i == 0 else []} for i in range(MAX_PROVIDERS + 10)
    ]
    catalog = parse_catalog(data)
    assert catalog.truncated
    assert len(catalog.providers) == MAX_PROVIDERS
    assert len(catalog.providers[0].models) == MAX_MODELS
    options = [{"name": f"m{i}", "provider": "P"} for i in range(MAX_OPTIONS + 5)]
    assert len(parse_model_options(options)) == MAX_OPTIONS


def test_model_options_skip_junk() -> None:
    data = [
        {"name": "a", "provider": "P", "provider_id": "p", "icon": "Bot", "category": "P"},
        {"name": "a", "provider": "P"},  # repeated
        {"name": "b"},
        {"provider": "P"},
        "c",
        None,
        {"name": ["x"], "provider": "P"},
    ]
    options = parse_model_options(data)
    assert [(o.label, o.provider_id, o.icon) for o in options] == [("P/a", "p", "Bot")]
    assert options[0].selection == ModelSelection("a", "P")
    assert parse_model_options({"name": "a"}) == ()


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=6)
    ),
    max_leaves=40,
)
_provider_like = st.fixed_dictionaries(
    {"provider": st.text(max_size=10), "models": _json, "variables": _json},
    optional={"provider_id": _json, "is_configured": _json, "is_enabled": _json},
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_provider_like | _json, max_size=6), st.text(max_size=30))
def test_any_json_parses_or_is_refused_cleanly(data: list[Any], typed: str) -> None:
    catalog = parse_catalog(data)
    for provider in catalog.providers:
        catalog.why_not(provider)
        for model in provider.models:
            catalog.why_not(model)
    try:
        selection = catalog.resolve(typed)
    except ModelChoiceError:
        pass
    else:
        assert selection.name
    catalog.with_enabled_models(data)
    parse_model_options(data)
    selection_from_value(data)


# -- fields the server computes ----------------------------------------------------------


def test_refreshable_fields_of_the_starter_nodes() -> None:
    assert refreshable_fields(starter_node()) == (
        "api_key",
        "base_url_ibm_watsonx",
        "model",
        "ollama_base_url",
    )
    knowledge = next(
        n["data"]["node"]
        for n in load_flow("starter/Knowledge Retrieval.json")["data"]["nodes"]
        if n["data"].get("type") == "Knowledge"
    )
    assert "knowledge_base" in refreshable_fields(knowledge)
    assert refreshable_fields({"template": "junk"}) == ()


def test_update_request_is_what_the_server_accepted() -> None:
    real = capture("component_update_model.json")
    node = starter_node()
    before = copy.deepcopy(node)
    flow_id = real["query"]["flow_id"]
    request = build_update_request(node, "model", flow_id=flow_id)
    assert request.path == UPDATE_PATH and request.params == {"flow_id": flow_id}
    body = request.body
    sent = real["request"]
    for key in ("field", "field_value", "tool_mode", "frontend_node"):
        assert body[key] == sent[key], key
    assert body["code"] == node["template"]["code"]["value"]
    # The captured request still carried the starter's own (stale) project id.
    assert set(body["template"]) == set(sent["template"]) - {"_frontend_node_folder_id"}
    assert body["template"]["_frontend_node_flow_id"] == {"value": flow_id}
    assert body["template"]["is_refresh"] is True
    json.dumps(body)  # plain JSON
    assert node == before  # the node is not touched


def test_update_request_drops_the_ids_a_saved_flow_carries() -> None:
    node = starter_node()
    assert node["template"]["_frontend_node_flow_id"]["value"]  # saved by Langflow's UI
    template = build_update_request(node, "model").body["template"]
    assert not [name for name in template if name.startswith("_frontend_node_")]
    template = build_update_request(node, "model", flow_id="F", folder_id="P").body["template"]
    assert template["_frontend_node_flow_id"] == {"value": "F"}
    assert template["_frontend_node_folder_id"] == {"value": "P"}


def test_update_request_carries_the_current_values() -> None:
    node = starter_node()
    chosen = ModelSelection("gpt-4o", "OpenAI Compatible").tweak_value()
    request = build_update_request(
        node, "model", values={"temperature": 0.5, "nope": 1, "code": "evil"}, field_value=chosen
    )
    template = request.body["template"]
    assert template["temperature"]["value"] == 0.5
    assert template["model"]["value"] == chosen and request.body["field_value"] == chosen
    assert template["code"]["value"] == node["template"]["code"]["value"]
    assert "nope" not in template
    assert request.params == {}


@pytest.mark.parametrize(
    ("node", "field_name", "match"),
    [
        ({}, "model", "no template"),
        ({"template": {"model": {}}}, "model", "no code"),
        ({"template": {"model": {}, "code": {"value": "  "}}}, "model", "no code"),
        ({"template": {"code": {"value": "x"}}}, "model", "no field"),
        ({"template": {"code": {"value": "x"}, "model": "junk"}}, "model", "no field"),
    ],
)
def test_update_request_refuses_what_cannot_be_rebuilt(
    node: dict[str, Any], field_name: str, match: str
) -> None:
    with pytest.raises(DynamicFieldError, match=match):
        build_update_request(node, field_name)


def test_update_reply_gives_the_model_options() -> None:
    real = capture("component_update_model.json")
    refreshed = parse_update_reply(real["body"])
    model = refreshed.field("model")
    assert model is not None and model.refresh_button and model.real_time_refresh
    options = parse_model_options(list(model.options))
    assert [o.label for o in options] == [
        o.label for o in parse_model_options(capture("model_options_language.json"))
    ]
    assert refreshed.field("_frontend_node_flow_id") is None
    assert refreshed.field("is_refresh") is None
    changed = refreshed.changed_from({"template": real["request"]["template"]})
    assert "model" in changed and "api_key" in changed  # api_key hidden until a model is chosen
    api_key = refreshed.field("api_key")
    assert api_key is not None and not api_key.show
    assert refreshed.changed_from({"template": real["body"]["template"]}) == ()


def test_update_reply_gives_a_dependent_dropdown() -> None:
    real = capture("component_update_knowledge_base.json")
    refreshed = parse_update_reply(real["body"])
    kb = refreshed.field("knowledge_base")
    assert kb is not None and kb.options == ("demo_kb",) and kb.value is None
    node = {"template": real["request"]["template"]}
    assert "knowledge_base" in refreshed.changed_from(node)


@pytest.mark.parametrize("data", [None, [], {}, {"template": []}, {"template": "x"}])
def test_an_update_reply_that_is_not_a_component_is_refused(data: Any) -> None:
    with pytest.raises(DynamicFieldError):
        parse_update_reply(data)


def test_update_reply_junk_is_skipped_and_bounded() -> None:
    template: dict[str, Any] = {
        "ok": {
            "value": 1,
            "options": ["a", 2, None, {"name": "m"}, {"x": 1}, "z" * 5000],
            "show": "no",
        },
        "junk": "text",
        "x" * 300: {"value": 1},
        "big": {"options": [str(i) for i in range(MAX_OPTIONS + 3)]},
    }
    refreshed = parse_update_reply({"template": template})
    assert [f.name for f in refreshed.fields] == ["ok", "big"] and refreshed.skipped == 2
    ok = refreshed.field("ok")
    assert ok is not None and ok.options == ("a", {"name": "m"}) and ok.show
    big = refreshed.field("big")
    assert big is not None and len(big.options) == MAX_OPTIONS


def test_update_errors_in_words() -> None:
    real = capture("component_update_error.json")
    message = update_error_message(real["status"], real["body"])
    assert message.startswith("the server could not refresh the component (HTTP 400): ")
    assert "No Component subclass found" in message and "traceback" not in message
    assert "body.code: Field required" in update_error_message(
        422, {"detail": [{"type": "missing", "loc": ["body", "code"], "msg": "Field required"}]}
    )
    assert update_error_message(404, {"detail": "Flow not found"}).endswith(": Flow not found")
    assert (
        update_error_message(500, "junk") == "the server could not refresh the component (HTTP 500)"
    )
    assert len(update_error_message(400, {"detail": "y" * 10_000})) < 600
