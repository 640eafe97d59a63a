"""A model field's tweak, offline: what `--tweak C.model=...` (or the form's typed text)
becomes, on the real Basic Prompting starter whose `model` is a ModelInput with no options."""

from __future__ import annotations

import json

import pytest
from helpers.data import DATA
from hypothesis import given
from hypothesis import strategies as st

from lfdesk.core.flow import load_flow
from lfdesk.core.tweaks import TweakError, TweakSet

LM = "LanguageModelComponent-FLeYF"


@pytest.fixture
def tweaks() -> TweakSet:
    return TweakSet(load_flow(DATA / "starter" / "Basic Prompting.json"))


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("OpenAI/gpt-4o-mini", [{"name": "gpt-4o-mini", "provider": "OpenAI"}]),
        ("  OpenAI Compatible/gpt-4o-mini ", [{"name": "gpt-4o-mini", "provider": "OpenAI Compatible"}]),
        # Model names may hold "/" themselves: only a known provider before the first one splits.
        ("OpenRouter/openai/gpt-4o-mini", [{"name": "openai/gpt-4o-mini", "provider": "OpenRouter"}]),
        ("openai/gpt-4o-mini", "openai/gpt-4o-mini"),  # not a display name: a bare name
        ("gpt-4o-mini", "gpt-4o-mini"),  # no provider known offline: the server looks it up
        ("llama3.2:1b", "llama3.2:1b"),
        ('[{"name": "gpt-4o", "provider": "vLLM"}]', [{"name": "gpt-4o", "provider": "vLLM"}]),
        ('{"name": "gpt-4o", "provider": "vLLM"}', [{"name": "gpt-4o", "provider": "vLLM"}]),
    ],
)
def test_typed_model_becomes_the_value_sent(tweaks: TweakSet, typed: str, sent: object) -> None:
    assert tweaks.set(LM, "model", typed) == sent
    assert tweaks.to_json() == {LM: {"model": sent}}


def test_a_json_value_is_sent_as_given(tweaks: TweakSet) -> None:
    full = [{"name": "gpt-4o-mini", "icon": "OpenAI", "provider": "OpenAI Compatible",
             "metadata": {"model_class": "ChatOpenAI"}}]
    assert tweaks.set(LM, "model", full) == full
    assert tweaks.set(LM, "model", json.dumps(full)) == full


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ('[{"name": "gpt-4o-mini"}]', r"needs its provider.*OpenAI/gpt-4o-mini"),
        ([{"name": "gpt-4o-mini", "provider": " "}], "needs its provider"),
        ('[{"name": 3, "provider": "OpenAI"}]', "PROVIDER/MODEL"),
        ("[1, 2]", "PROVIDER/MODEL"),
        ('[{"name": "x", ', "invalid JSON"),
        ("   ", "expected a model name"),
        (42, "expected a model name"),
    ],
)
def test_bad_model_values_are_one_line(tweaks: TweakSet, typed: object, message: str) -> None:
    with pytest.raises(TweakError, match=message) as info:
        tweaks.set(LM, "model", typed)
    assert "\n" not in str(info.value)
    assert tweaks.to_json() == {}


@given(st.text(max_size=40))
def test_any_text_is_a_value_or_a_tweak_error(text: str) -> None:
    t = TweakSet(load_flow(DATA / "starter" / "Basic Prompting.json"))
    try:
        value = t.set(LM, "model", text)
    except TweakError:
        return
    assert isinstance(value, str | list)
    json.dumps(value)
