"""TweakSet: coercion and validation by kind, diff against the flow, presets."""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.data import DATA, OPENAI
from hypothesis import given
from hypothesis import strategies as st

from lfdesk.core.flow import load_flow, parse_flow
from lfdesk.core.tweaks import (
    GlobalVariable,
    PresetError,
    TweakError,
    TweakSet,
    is_number_text,
    load_preset,
    save_preset,
)

PROMPT = "PromptComponent-0ko7V"
CHAT_IN = "ChatInput-wEKUV"


@pytest.fixture
def tweaks() -> TweakSet:
    return TweakSet(load_flow(DATA / "echo_chat.flow.json"))


def test_numbers_are_coerced_from_text(tweaks: TweakSet) -> None:
    assert tweaks.set(OPENAI, "temperature", "0.7") == 0.7
    assert tweaks.set(OPENAI, "max_tokens", "256") == 256
    assert tweaks.set(OPENAI, "seed", "3.0") == 3
    assert tweaks.to_json() == {OPENAI: {"temperature": 0.7, "max_tokens": 256, "seed": 3}}
    assert isinstance(tweaks.to_json()[OPENAI]["max_tokens"], int)


@pytest.mark.parametrize(
    ("field", "raw", "message"),
    [
        ("temperature", "hot", "expected a number"),
        ("temperature", "1.5", "above the maximum 1"),
        ("temperature", "-0.1", "below the minimum 0"),
        ("temperature", "nan", "finite"),
        ("max_tokens", "2.5", "whole number"),
        ("max_tokens", "200000", "above the maximum 128000"),
        ("json_mode", "maybe", "true or false"),
        ("model_kwargs", "{bad", "invalid JSON at line 1, column 2"),
        ("model_kwargs", "[1]", "expected a JSON object"),
        ("code", "print(1)", "cannot be tweaked"),
        ("input_value", "x", "cannot be tweaked"),
    ],
)
def test_bad_values_have_a_message_and_are_never_sent(tweaks: TweakSet, field: str, raw: str, message: str) -> None:
    with pytest.raises(TweakError, match=message):
        tweaks.set(OPENAI, field, raw)
    assert tweaks.to_json() == {}


def test_invalid_value_is_kept_to_show_and_replaces_the_good_one(tweaks: TweakSet) -> None:
    tweaks.set(OPENAI, "temperature", "0.5")
    assert tweaks.try_set(OPENAI, "temperature", "0.5x") is not None
    bad = tweaks.invalid(OPENAI, "temperature")
    assert bad is not None and bad.raw == "0.5x"
    assert tweaks.is_changed(OPENAI, "temperature")
    assert not tweaks.valid
    assert tweaks.to_json() == {}
    assert tweaks.try_set(OPENAI, "temperature", "0.6") is None
    assert tweaks.valid and tweaks.to_json() == {OPENAI: {"temperature": 0.6}}


def test_value_equal_to_the_flow_is_not_sent(tweaks: TweakSet) -> None:
    tweaks.set(OPENAI, "temperature", "0.1")
    tweaks.set(OPENAI, "model_name", "gpt-4o-mini")
    tweaks.set(OPENAI, "stream", "true")
    tweaks.set(OPENAI, "max_retries", 0)
    assert tweaks.to_json() == {}
    tweaks.set(OPENAI, "temperature", 0.9)
    assert tweaks.value(OPENAI, "temperature") == 0.9
    tweaks.reset(OPENAI, "temperature")
    assert tweaks.value(OPENAI, "temperature") == 0.1
    assert not tweaks


def test_dropdown_options_and_combobox() -> None:
    flow = load_flow(DATA / "echo_chat.flow.json")
    t = TweakSet(flow)
    t.set(OPENAI, "model_name", "my-own-model")  # combobox: free text allowed
    t.set(CHAT_IN, "sender", "Machine")
    with pytest.raises(TweakError, match="not one of the options"):
        t.set(CHAT_IN, "sender", "Robot")


def test_secret_literal_and_global_variable(tweaks: TweakSet) -> None:
    tweaks.set(OPENAI, "api_key", "sk-literal")
    assert tweaks.to_json()[OPENAI]["api_key"] == "sk-literal"
    tweaks.set(OPENAI, "api_key", GlobalVariable("OPENAI_API_KEY"))
    assert tweaks.to_json()[OPENAI]["api_key"] == {"value": "OPENAI_API_KEY", "load_from_db": True}
    # the same shape read back from a preset
    t2 = TweakSet(tweaks.flow)
    t2.load(tweaks.to_json())
    assert t2.to_json() == tweaks.to_json()
    with pytest.raises(TweakError, match="needs a name"):
        tweaks.set(OPENAI, "api_key", GlobalVariable(" "))


def test_by_display_name_and_unknowns(tweaks: TweakSet) -> None:
    tweaks.set("OpenAI", "temperature", "0.3")
    assert tweaks.to_json() == {OPENAI: {"temperature": 0.3}}
    with pytest.raises(TweakError, match="no component 'Nope'"):
        tweaks.set("Nope", "x", 1)
    with pytest.raises(TweakError, match="has no field 'nope'"):
        tweaks.set(OPENAI, "nope", 1)


def test_lists_drop_empty_strings() -> None:
    flow = parse_flow({"data": {"nodes": [{"id": "F-1", "data": {"id": "F-1", "type": "File", "node": {"template": {
        "path": {"type": "file", "_input_type": "FileInput", "list": True, "value": ""},
        "tags": {"type": "str", "_input_type": "MessageTextInput", "list": True, "value": []},
        "table": {"type": "table", "_input_type": "TableInput", "value": []},
        "model": {"type": "model", "_input_type": "ModelInput", "value": "",
                  "options": [{"name": "gpt-x", "provider": "OpenAI"}]},
    }}}}], "edges": []}})
    t = TweakSet(flow)
    assert t.set("F-1", "path", "a/b.pdf") == ["a/b.pdf"]
    assert t.set("F-1", "tags", '["x", "", "y"]') == ["x", "y"]
    assert t.set("F-1", "tags", "one\n\ntwo") == ["one", "two"]
    assert t.set("F-1", "table", '[{"a": 1}]') == [{"a": 1}]
    with pytest.raises(TweakError, match="row objects"):
        t.set("F-1", "table", "[1]")
    assert t.set("F-1", "model", "gpt-x") == [{"name": "gpt-x", "provider": "OpenAI"}]


def test_presets_round_trip_and_never_hold_secret_literals(tweaks: TweakSet, tmp_path: Path) -> None:
    tweaks.set(OPENAI, "temperature", "0.7")
    tweaks.set(PROMPT, "template", "Be loud: {question}")
    tweaks.set(OPENAI, "api_key", "sk-do-not-save")
    path = tmp_path / "preset.json"
    omitted = save_preset(path, tweaks)
    assert omitted == [f"{OPENAI}.api_key"]
    assert "sk-do-not-save" not in path.read_text()
    data = load_preset(path)
    assert data == {OPENAI: {"temperature": 0.7}, PROMPT: {"template": "Be loud: {question}"}}
    fresh = TweakSet(tweaks.flow)
    assert fresh.load(data) == []
    assert fresh.to_json() == data


def test_bad_presets(tmp_path: Path, tweaks: TweakSet) -> None:
    p = tmp_path / "p.json"
    p.write_text("[1, 2]")
    with pytest.raises(PresetError, match="a preset is a JSON object"):
        load_preset(p)
    p.write_text("{oops")
    with pytest.raises(PresetError, match="not valid JSON"):
        load_preset(p)
    with pytest.raises(TweakError):
        tweaks.load({OPENAI: {"temperature": "hot"}})
    assert tweaks.to_json() == {}  # strict load changed nothing
    problems = tweaks.load({OPENAI: {"temperature": "hot", "seed": 7}}, strict=False)
    assert len(problems) == 1 and tweaks.to_json() == {OPENAI: {"seed": 7}}


@given(st.floats(min_value=0, max_value=1, allow_nan=False))
def test_any_float_in_range_round_trips_through_text(value: float) -> None:
    t = TweakSet(load_flow(DATA / "echo_chat.flow.json"))
    assert t.set(OPENAI, "temperature", repr(value)) == value


@given(st.text())
def test_any_text_is_accepted_verbatim_by_text_fields(text: str) -> None:
    t = TweakSet(load_flow(DATA / "echo_chat.flow.json"))
    assert t.set(PROMPT, "template", text) == text
    json.dumps(t.to_json())


# --- a tweak is sent exactly as set, or refused (issue 8) ------------------------------------


@pytest.mark.parametrize(
    ("field", "raw", "message"),
    [
        ("model_kwargs", {"a": [1, float("nan")]}, "model_kwargs at a[1]: the value is NaN"),
        ("model_kwargs", {"a": {"b": float("inf")}}, "at a.b: the value is Infinity"),
        ("model_kwargs", {"a": -float("inf")}, "-Infinity, which JSON cannot carry"),
        ("model_kwargs", '{"a": NaN}', "NaN is not a JSON number"),
        ("model_kwargs", '{"a": [-Infinity]}', "-Infinity is not a JSON number"),
        ("temperature", float("nan"), "NaN, which JSON cannot carry"),
        ("temperature", "Infinity", "expected a finite number"),
        ("max_tokens", float("inf"), "max_tokens: the value is Infinity"),
        ("model_name", float("nan"), "NaN, which JSON cannot carry"),  # never the text "nan"
        ("model_kwargs", {"a": "x\udcff"}, "at a: the value is not valid Unicode text"),
        ("model_kwargs", '{"a": "\\ud800"}', "lone surrogate, \\ud800, at character 1"),
        ("model_kwargs", {"k\ud83d": 1}, "has a key that is not valid Unicode"),
        ("api_key", GlobalVariable("VAR\udcff"), "not valid Unicode"),
    ],
)
def test_what_json_cannot_carry_is_refused_in_one_line(
    tweaks: TweakSet, field: str, raw: object, message: str
) -> None:
    with pytest.raises(TweakError) as caught:
        tweaks.set(OPENAI, field, raw)
    text = str(caught.value)
    assert message in text
    assert "\n" not in text and text.isprintable()  # printable: no raw surrogate either
    assert tweaks.to_json() == {}


def test_text_that_is_not_unicode_is_refused_in_text_and_list_fields() -> None:
    t = TweakSet(load_flow(DATA / "echo_chat.flow.json"))
    with pytest.raises(TweakError, match="template: the value is not valid Unicode"):
        t.set(PROMPT, "template", "argv bytes \udcff\udcfe")  # what Python makes of bad argv
    flow = parse_flow({"data": {"nodes": [{"id": "F-1", "data": {"id": "F-1", "type": "F", "node": {"template": {
        "tags": {"type": "str", "_input_type": "MessageTextInput", "list": True, "value": []},
    }}}}], "edges": []}})
    lists = TweakSet(flow)
    with pytest.raises(TweakError, match="NaN is not a JSON number"):
        lists.set("F-1", "tags", '["a", NaN]')  # not the text "nan"
    with pytest.raises(TweakError, match=r"at \[1\]: the value is not valid Unicode"):
        lists.set("F-1", "tags", ["a", "\ud800"])
    assert lists.to_json() == {}


@pytest.mark.parametrize(
    ("field", "text", "value"),
    [
        ("temperature", " 0.5 ", 0.5),  # spaces around are ignored
        ("temperature", ".5", 0.5),
        ("temperature", "5e-1", 0.5),
        ("temperature", "+1", 1.0),
        ("temperature", "-0", -0.0),
        ("max_tokens", "1_000", 1000),  # `_` between digits, as Python writes 1_000
        ("max_tokens", "1e3", 1000),
        ("max_tokens", "2.0", 2),
        ("seed", "12345678901234567891", 12345678901234567891),  # exact, not through a float
        ("seed", "1e25", 10**25),
    ],
)
def test_number_text_that_is_accepted(tweaks: TweakSet, field: str, text: str, value: float) -> None:
    got = tweaks.set(OPENAI, field, text)
    assert got == value and type(got) is type(value)
    assert math.copysign(1, got) == math.copysign(1, value)


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("temperature", "1,000"),  # a thousand, or one: refused, never 1.0
        ("temperature", "0,7"),
        ("max_tokens", "1,000"),
        ("max_tokens", "1.000,5"),
        ("max_tokens", "1 000"),
        ("max_tokens", "1'000"),
        ("max_tokens", "1__000"),
        ("max_tokens", "_1000"),
        ("max_tokens", "1000_"),
        ("max_tokens", "0x10"),
        ("max_tokens", "0b11"),
        ("temperature", "0x1p-1"),
        ("max_tokens", "\uff11\uff12"),  # full-width digits
        ("max_tokens", "\u0661\u0662"),  # Arabic-Indic digits
        ("temperature", "1e"),
        ("temperature", ""),
    ],
)
def test_number_text_that_could_be_read_two_ways_is_refused(tweaks: TweakSet, field: str, text: str) -> None:
    with pytest.raises(TweakError) as caught:
        tweaks.set(OPENAI, field, text)
    assert "no commas or other separators" in str(caught.value)
    assert tweaks.to_json() == {}


def test_huge_numbers_are_refused_not_hung_on(tweaks: TweakSet) -> None:
    with pytest.raises(TweakError, match="too large"):
        tweaks.set(OPENAI, "seed", "1e999999999")
    with pytest.raises(TweakError, match="too large"):
        tweaks.set(OPENAI, "seed", 10**5000)
    with pytest.raises(TweakError, match="finite number"):
        tweaks.set(OPENAI, "temperature", 10**400)


_FINITE_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(st.text(), _FINITE_JSON, max_size=4))
def test_any_json_object_is_taken_as_it_is(value: dict[str, object]) -> None:
    t = TweakSet(load_flow(DATA / "echo_chat.flow.json"))
    assert t.set(OPENAI, "model_kwargs", value) == value
    assert t.set(OPENAI, "model_kwargs", json.dumps(value)) == value


@given(st.dictionaries(st.text(), _FINITE_JSON, min_size=1, max_size=4), st.sampled_from(
    [float("nan"), float("inf"), -float("inf"), "\ud800", "a\udfff"]), st.data())
def test_anything_json_cannot_carry_is_refused_wherever_it_is(
    value: dict[str, object], bad: object, data: st.DataObject
) -> None:
    # Put `bad` somewhere inside: under a key, or in a list, at any depth.
    holder: object = value
    while True:
        if isinstance(holder, dict) and holder:
            key = data.draw(st.sampled_from(sorted(holder)))
            if isinstance(holder[key], dict | list) and holder[key] and data.draw(st.booleans()):
                holder = holder[key]
                continue
            holder[key] = bad
        elif isinstance(holder, list) and holder:
            i = data.draw(st.integers(0, len(holder) - 1))
            if isinstance(holder[i], dict | list) and holder[i] and data.draw(st.booleans()):
                holder = holder[i]
                continue
            holder[i] = bad
        break
    t = TweakSet(load_flow(DATA / "echo_chat.flow.json"))
    with pytest.raises(TweakError, match=r"JSON cannot carry|not valid Unicode"):
        t.set(OPENAI, "model_kwargs", value)
    assert t.to_json() == {}


@given(st.text(alphabet="0123456789_.,eE+- x'\u0661\uff11", max_size=12) | st.text(max_size=6))
def test_number_text_is_a_number_in_the_documented_form_or_refused(text: str) -> None:
    t = TweakSet(load_flow(DATA / "echo_chat.flow.json"))
    try:
        value = t.set(OPENAI, "seed", text)
    except TweakError as exc:
        assert "\n" not in str(exc)
        return
    # Only ASCII digits, sign, point, exponent and `_` between digits: nothing else got in.
    assert re.fullmatch(r"[+-]?[0-9_.eE+-]+", text.strip())
    assert "," not in text and "__" not in text
    assert value == int(Decimal(text.strip()))


def test_is_number_text_is_the_form_coercion_takes() -> None:
    for text in (" 0.5 ", "1_000", "-2.5e3", ".5", "5."):
        assert is_number_text(text), text
    for text in ("1,000", "0,7", "0x10", "1__0", "nan", "inf", "\uff11", "", "1e"):
        assert not is_number_text(text), text
