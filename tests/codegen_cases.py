"""Run requests that every code generator is tested with: many flows, tweak sets and nasty
strings (quotes, `$`, backticks, backslashes, newlines, non-ASCII, emoji)."""

from __future__ import annotations

from helpers.data import DATA
from helpers.data import ECHO_FLOW as ECHO

from lfdesk.core.flow import load_flow
from lfdesk.core.request import Connection, RunRequest
from lfdesk.core.tweaks import GlobalVariable, TweakSet

NASTY = "He said \"hi\" & 'bye' $HOME `uname` \\n back\\slash\nnew line\ttab — ünïcödé ✓ 😀 %s {x} ${y} $(z) '\"'"


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
