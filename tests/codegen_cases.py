"""Run requests that every code generator is tested with: many flows, tweak sets and nasty
strings (quotes, `$`, backticks, backslashes, newlines, non-ASCII, emoji), and values that
a language could quietly change (integers beyond 2^53, -0.0, 1.0, a `__proto__` key)."""

from __future__ import annotations

import json
from typing import Any

from helpers.data import DATA
from helpers.data import ECHO_FLOW as ECHO

from lfdesk.core.flow import load_flow
from lfdesk.core.request import Connection, RunRequest
from lfdesk.core.tweaks import GlobalVariable, TweakSet

NASTY = "He said \"hi\" & 'bye' $HOME `uname` \\n back\\slash\nnew line\ttab — ünïcödé ✓ 😀 %s {x} ${y} $(z) '\"'"


# Text a language could change on the way: a JS template's `${`, a backquote, invisible and
# right-to-left characters, a line separator, NUL, a lone quote or backslash.
EXACT_TEXT = "ünïcödé ✓ 😀 中文 `${x}` $(y) \u2028 \u202e \ufeff \x00 \\ \" ' end"

# Numbers JavaScript would send another way, keys it would drop, characters anywhere.
EXACT_TWEAKS: dict[str, dict[str, Any]] = {
    "OpenAIModelComponent-44DEX": {
        "seed": 2**53 + 1,
        "temperature": 1.0,
        "model_kwargs": {
            "big": 12345678901234567891,
            "neg_big": -(2**63) - 1,
            "huge": 10**30,
            "safe": 2**53 - 1,
            "neg_zero": -0.0,
            "zero": 0.0,
            "e16": 1e16,
            "small": 1e-05,
            "tiny": 5e-324,
            "max": 1.7976931348623157e308,
            "tenth": 0.1,
            "list": [-0.0, 2**64, 1.5, [1e300, -1e-300]],
            "__proto__": {"polluted": True},
            "constructor": "c",
            "2": "two",
            "1": "one",
            EXACT_TEXT: EXACT_TEXT,
        },
    },
    "__proto__": {"from": "a component id JavaScript would take for the prototype"},
}

# What a JavaScript object sends as it is: a `__proto__` key and characters, but only numbers
# JavaScript writes as Python does (so JS and the TypeScript client keep their objects).
PROTO_TWEAKS: dict[str, dict[str, Any]] = {
    "OpenAIModelComponent-44DEX": {
        "model_kwargs": {"__proto__": {"a": [1, 0.5, -2]}, "safe": 2**53 - 1, "text": EXACT_TEXT},
    },
    "__proto__": {"x": "y"},
}


# The short forms' line budgets (issue 11), comments included: (answer, stream). They are held
# for every case with the Echo Chat tweaks in place of its own (see budget_request), so a
# flow with many tweaks is not counted against the code around them.
SHORT_BUDGETS: dict[str, tuple[int, int]] = {
    "curl": (15, 15),
    "httpie": (15, 15),
    "powershell": (20, 25),
    "python-requests": (25, 35),
    "python-httpx": (25, 35),
    "python-local": (25, 25),  # no stream: lfx runs the flow in the process
    "javascript": (25, 40),
    "typescript-client": (25, 35),
    "go": (50, 70),
    "java": (60, 90),
    "csharp": (60, 90),
}


def budget_request(request: RunRequest) -> RunRequest:
    """`request` with the Echo Chat tweaks (two components, one field each) in place of its
    own: what a short form's line budget is held to."""
    return request.with_(tweaks=_echo_tweaks())


def exact_json(text: str | bytes) -> Any:
    """JSON text read with each number kept as its text (and int or float): two bodies read
    the same only when they carry the same values with the same number text. Key order and
    whitespace are not compared (they mean nothing in JSON)."""
    return json.loads(text, parse_int=lambda t: ("int", t), parse_float=lambda t: ("float", t))


def _echo_tweaks() -> dict[str, dict[str, object]]:
    flow = load_flow(ECHO)
    t = TweakSet(flow)
    t.set("OpenAIModelComponent-44DEX", "temperature", "0.7")
    t.set("PromptComponent-0ko7V", "template", "Be loud: {question}")
    return t.to_json()


def _nasty_tweaks() -> dict[str, dict[str, object]]:
    flow = load_flow(ECHO)
    t = TweakSet(flow)
    t.set("PromptComponent-0ko7V", "template", NASTY + " {question}")
    t.set("OpenAIModelComponent-44DEX", "model_kwargs", '{"a": [1, 2.5, null, true], "b": {"c": "d\\"e"}}')
    t.set("OpenAIModelComponent-44DEX", "max_tokens", "256")
    t.set("OpenAIModelComponent-44DEX", "json_mode", "true")
    t.set("OpenAIModelComponent-44DEX", "api_key", GlobalVariable("OPENAI_API_KEY"))
    return t.to_json()


def _model_request() -> RunRequest:
    """Basic Prompting with its ModelInput set as `--tweak` sets it: a list of one model
    object naming its provider (and a temperature), as every target must send it."""
    path = DATA / "starter" / "Basic Prompting.json"
    flow = load_flow(path)
    t = TweakSet(flow)
    t.set("LanguageModelComponent-FLeYF", "model", "OpenAI Compatible/gpt-4o-mini")
    t.set("LanguageModelComponent-FLeYF", "temperature", "0.3")
    return RunRequest(
        connection=Connection("http://127.0.0.1:7860"),
        flow_ref="basic-prompting",
        flow_id=flow.id,
        input_value="what is up",
        tweaks=t.to_json(),
        flow_path=str(path),
        flow_name=flow.name,
    )


def cases() -> dict[str, RunRequest]:
    """name -> RunRequest."""
    echo = load_flow(ECHO)
    base = RunRequest(
        connection=Connection("http://127.0.0.1:7860"),
        flow_ref=echo.run_ref,
        flow_id=echo.id,
        input_value="what is up",
        tweaks=_echo_tweaks(),
        flow_path=str(ECHO),
        flow_name=echo.name,
    )
    out: dict[str, RunRequest] = {
        "echo_v1": base,
        "echo_v1_stream": base.with_(stream=True),
        "echo_v2": base.with_(api="v2"),
        "echo_v2_stream": base.with_(api="v2", stream=True),
        "no_tweaks": base.with_(tweaks={}, session_id="my-session-1"),
        "nasty_v1": base.with_(input_value=NASTY, tweaks=_nasty_tweaks(), session_id="s'$`\"1"),
        "nasty_v1_stream": base.with_(input_value=NASTY, tweaks=_nasty_tweaks(), stream=True),
        "nasty_v2_stream": base.with_(input_value=NASTY, tweaks=_nasty_tweaks(), stream=True, api="v2"),
        "no_input": base.with_(input_value=None, output_component="ChatOutput-EZE6q"),
        "datastax": base.with_(
            connection=Connection(kind="datastax", datastax_id="a1b2c3d4-0000-1111-2222-333344445555",
                                  base_url="https://api.langflow.astra.datastax.com"),
            flow_ref=echo.id or "",
        ),
        "text_io": base.with_(input_type="text", output_type="text", flow_ref="my_flow-2"),
        "exact_v1": base.with_(input_value=EXACT_TEXT, tweaks=EXACT_TWEAKS),
        "exact_v2_stream": base.with_(input_value=EXACT_TEXT, tweaks=EXACT_TWEAKS, api="v2", stream=True),
        "proto_v1": base.with_(input_value=EXACT_TEXT, tweaks=PROTO_TWEAKS),
        "model_v1": _model_request(),
    }
    for path in sorted((DATA / "starter").glob("*.json"))[:8]:
        flow = load_flow(path)
        t = TweakSet(flow)
        for comp in flow.components:
            for f in comp.tweakable_fields()[:3]:
                if f.kind.value in ("text", "multiline", "prompt"):
                    t.try_set(comp.id, f.name, f"{comp.display_name} {f.name} 'q' \"dq\" $v")
        key = "starter_" + path.stem.lower().replace(" ", "_").replace("&", "and")
        out[key] = RunRequest(
            connection=Connection("http://localhost:7860/"),
            flow_ref=flow.run_ref,
            flow_id=flow.id,
            input_value="hello world!",
            input_type=flow.default_input_type,
            output_type=flow.default_output_type,
            tweaks=t.to_json(),
            flow_path=str(path),
            flow_name=flow.name,
        )
    return out
