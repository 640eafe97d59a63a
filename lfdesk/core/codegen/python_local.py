"""python-local: a Python program that runs the flow file itself, with no server, through lfx.

It calls `lfx.load.run_flow_from_json` (Langflow 1.13's executor, also published on its own
as `lfx`) with the input, tweaks and session id of the request, and prints the answer text
the same way the server's reply is read. Global variables the flow uses (for example an
`OPENAI_API_KEY` secret) are read from environment variables of the same name
(`fallback_to_env_vars=True`): there is no Langflow database to hold them.

The short form is the one call with the arguments that differ from its defaults, and the
answer read from the objects it returns (a component's failure is its exception).
"""

from __future__ import annotations

from lfdesk.core.codegen import Generator, RenderOptions
from lfdesk.core.codegen.common import fill, flow_title
from lfdesk.core.codegen.common_py import PY_ANSWER, py_literal, py_str
from lfdesk.core.flow import INPUT_COMPONENT_MARKERS
from lfdesk.core.request import RunRequest

_PROGRAM = """\
#!/usr/bin/env python3
# Runs @TITLE@ from its JSON file, with no Langflow server, and
# prints its answer. Needs lfx, Langflow's flow executor (pip install lfx, or run it
# with the Python of a Langflow install), and the packages the flow's components use.
# Global variables the flow uses (e.g. OPENAI_API_KEY) are read from the environment.
# A model server on this machine must be allowed: LANGFLOW_SSRF_ALLOWED_HOSTS=127.0.0.1
import sys

from lfx.load import run_flow_from_json

FLOW_PATH = @FLOW_PATH@
INPUT_VALUE = @INPUT_VALUE@
SESSION_ID = @SESSION_ID@
TWEAKS = @TWEAKS@


@ANSWER_TEXT@def main():
    try:
        outputs = run_flow_from_json(
            FLOW_PATH,
            input_value=INPUT_VALUE,
            session_id=SESSION_ID,
            tweaks=TWEAKS,
            input_type=@INPUT_TYPE@,
            output_type=@OUTPUT_TYPE@,
            output_component=@OUTPUT_COMPONENT@,
            # global variables (e.g. OPENAI_API_KEY) come from environment variables
            fallback_to_env_vars=True,
        )
    except Exception as error:  # a component failed: its message, not a traceback
        sys.exit(f"Error: {error}")
    reply = {"outputs": [run_output.model_dump(mode="json") for run_output in outputs]}
    print(answer_text(reply))


if __name__ == "__main__":
    main()
"""


def _input_value(request: RunRequest) -> str:
    """The message: lfx always gives the input components one, so with no top-level input
    the input component's own `input_value` tweak stands in (or an empty message)."""
    if request.input_value is not None:
        return request.input_value
    for cid, fields in request.tweaks.items():
        value = fields.get("input_value")
        if any(m in cid for m in INPUT_COMPONENT_MARKERS) and isinstance(value, str):
            return value
    return ""


def render(request: RunRequest, options: RenderOptions) -> str:
    # No API key is used with no server, so an inlined token is never written here.
    return fill(
        _PROGRAM,
        {
            "TITLE": flow_title(request),
            "FLOW_PATH": py_str(request.flow_path or "flow.json"),
            "INPUT_VALUE": py_str(_input_value(request)),
            "SESSION_ID": py_str(request.session_id) if request.session_id else "None",
            "TWEAKS": py_literal(request.effective_tweaks()),
            "ANSWER_TEXT": PY_ANSWER,
            "INPUT_TYPE": py_str(request.input_type),
            "OUTPUT_TYPE": py_str(request.output_type),
            "OUTPUT_COMPONENT": py_str(request.output_component)
            if request.output_component
            else "None",
        },
    )


_SHORT = """\
# Runs @TITLE@ from its file, with no Langflow server, and prints its answer.
# Needs lfx (pip install lfx) and the packages the flow's components use.
from lfx.load import run_flow_from_json

outputs = run_flow_from_json(
@ARGUMENTS@    fallback_to_env_vars=True,  # global variables (e.g. OPENAI_API_KEY) from the environment
)
print(outputs[0].outputs[0].results[@OUTPUT@].text)
"""


def render_short(request: RunRequest, options: RenderOptions) -> str:
    # No API key is used with no server, so an inlined token is never written here.
    arguments = [py_str(request.flow_path or "flow.json"), f"input_value={py_str(_input_value(request))}"]
    if request.session_id:
        arguments.append(f"session_id={py_str(request.session_id)}")
    tweaks = request.effective_tweaks()
    if tweaks:
        arguments.append("tweaks=" + py_literal(tweaks).replace("\n", "\n    "))
    for name, value, default in (
        ("input_type", request.input_type, "chat"),
        ("output_type", request.output_type, "chat"),
        ("output_component", request.output_component, None),
    ):
        if value != default and value is not None:
            arguments.append(f"{name}={py_str(value)}")
    return fill(
        _SHORT,
        {
            "TITLE": flow_title(request),
            "ARGUMENTS": "".join(f"    {argument},\n" for argument in arguments),
            "OUTPUT": py_str("text" if request.output_type == "text" else "message"),
        },
    )


GENERATOR = Generator(
    name="python-local", label="Python (local, lfx, no server)",
    lexer="python", extension=".py", streams=False, render_fn=render, short_fn=render_short,
)
