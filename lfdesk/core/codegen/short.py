"""The short forms' share: their one comment line, where the answer sits in a reply, and the
one-line reason a stream that brought no answer fails with.

A short form is what a developer pastes into a project: the request, the call, the answer
printed, a visible failure on an HTTP error. It reads one answer where the full program reads
them all: v1 `outputs[0].outputs[0].results.message.text` (the `text` output for
`output_type` text), v2 `output.text` (a failed v2 run, HTTP 200 with status "failed", fails).
Streams print each `token` chunk as it comes; a model that does not stream has its answer
printed from the `end` event's result (v1) or the `output` event (v2); an `error` event fails.
A stream that ends without its `end` event fails with NO_ANSWER: that is also what a server
older than Langflow 1.1.2 gives (one JSON reply holding a `stream_url`, no events).
"""

from __future__ import annotations

from lfdesk.core.codegen import RenderOptions
from lfdesk.core.codegen.common import flow_title, secret_warning
from lfdesk.core.request import RunRequest

NO_ANSWER = "No answer: the stream ended early (Langflow before 1.1.2 does not stream: turn streaming off)"

Keys = tuple[str | int, ...]


def answer_keys(request: RunRequest) -> Keys:
    """Where the answer text sits in the reply of a plain (not streamed) run; for v1 also in
    a stream's `end` event, under `data.result`."""
    if request.api == "v2":
        return ("output", "text")
    output = "text" if request.output_type == "text" else "message"
    return ("outputs", 0, "outputs", 0, "results", output, "text")


def dotted(keys: Keys) -> str:
    """`.outputs[0].outputs[0]...`: the path as jq and PowerShell write it."""
    return "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in keys)


def subscripts(keys: Keys) -> str:
    """`["outputs"][0]...`: the path as Python writes it."""
    return "".join(f"[{key}]" if isinstance(key, int) else f'["{key}"]' for key in keys)


def short_header(request: RunRequest, options: RenderOptions, needs: str) -> str:
    """The opening comment of a `#`-comment short form: the warning when the token is
    inlined, then one line saying what it runs and what it needs."""
    what = "prints its answer as it streams in" if request.stream else "prints its answer"
    line = f"# Runs {flow_title(request)} and {what}. Needs {needs}."
    return "\n".join([secret_warning("#"), line] if options.inline_token else [line])
