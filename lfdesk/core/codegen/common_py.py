"""The Python snippets' share: string and JSON literals, the functions every snippet carries
(answer text, error detail, stream reading and printing), and the whole program around them.

The carried functions are plain text built once at import time (stdlib only, Python 3.8+
syntax), so rendering is string joining only.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from lfdesk.core.codegen import Generator, RenderOptions
from lfdesk.core.codegen.common import fill, hash_header, key_env, layout
from lfdesk.core.codegen.short import NO_ANSWER, answer_keys, short_header, subscripts
from lfdesk.core.request import RunRequest

# --- literals ------------------------------------------------------------------------------

_PY_PLAIN = re.compile(r'[ !#-\[\]-~]*\Z')  # printable ASCII without " and \
_PY_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _py_char(ch: str) -> str:
    """One character inside a double-quoted Python string."""
    escaped = _PY_ESCAPES.get(ch)
    if escaped is not None:
        return escaped
    if ch.isprintable():
        return ch
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def py_str(text: str) -> str:
    """A double-quoted Python string literal. Printable non-ASCII (accents, emoji) stays
    readable; control, invisible and unpaired surrogate characters are escaped."""
    if _PY_PLAIN.match(text):
        return f'"{text}"'
    # JSON's escapes (\" \\ \n \t \b \f \u00XX) mean the same in Python; what JSON leaves
    # raw but is invisible (U+2028, DEL, lone surrogates...) needs the slow path.
    quick = json.dumps(text, ensure_ascii=False)
    if quick.isprintable():
        return quick
    return '"' + "".join(map(_py_char, text)) + '"'


def _py_flat(value: Any) -> str:
    if value is None:
        return "None"
    if value is True:
        return "True"
    if value is False:
        return "False"
    if isinstance(value, str):
        return py_str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return repr(value)
        return f'float("{value}")'  # inf, -inf, nan
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_str(str(k))}: {_py_flat(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_py_flat(v) for v in value) + "]"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def py_literal(value: Any) -> str:
    """A JSON value as Python source (True/False/None), indented like black: a nested
    container stays on one line when it fits, the top level is always spread out."""
    return layout(value, _py_flat, py_str, unit="    ", trailing=True)


# The functions Python snippets carry (stdlib only, Python 3.8+ syntax). Each block ends with
# two blank lines so blocks can be joined as they are.

PY_ANSWER = '''\
def answer_text(reply):
    """The answer in a /api/v1/run reply: the text of each output, one per line."""
    texts = []
    for run_output in reply.get("outputs") or []:
        for result in (run_output or {}).get("outputs") or []:
            for path in (
                ("results", "message", "text"),
                ("results", "text", "text"),
                ("outputs", "message", "message"),
                ("artifacts", "message"),
            ):
                value = result
                for key in path:
                    value = value.get(key) if isinstance(value, dict) else None
                if isinstance(value, str):
                    texts.append(value)
                    break
    return "\\n".join(texts)


'''

PY_WORKFLOW = '''\
def workflow_text(reply):
    """The answer in a /api/v2/workflows reply: output.text, else each output's content."""
    output = reply.get("output") or {}
    if isinstance(output.get("text"), str):
        return output["text"]
    outputs = reply.get("outputs") or {}
    return "\\n".join(
        value["content"]
        for value in outputs.values()
        if isinstance(value, dict) and isinstance(value.get("content"), str)
    )


'''

PY_ERRORS = '''\
def error_detail(raw):
    """The readable part of an error reply: its "detail", which may be a string, an object
    with a "message", or a JSON string holding one."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    try:
        detail = json.loads(raw)
    except ValueError:
        return raw.strip()
    if isinstance(detail, dict) and "detail" in detail:
        detail = detail["detail"]
    if isinstance(detail, str):
        try:
            inner = json.loads(detail)
        except ValueError:
            return detail
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return inner["message"]
        return detail
    if isinstance(detail, dict) and isinstance(detail.get("message"), str):
        return detail["message"]
    return json.dumps(detail)


def error_text(error):
    """The message of an error event or a failed run's error entry."""
    if isinstance(error, dict):
        for key in ("error", "text", "message", "detail"):
            if isinstance(error.get(key), str):
                return error[key]
    return error if isinstance(error, str) else json.dumps(error)


'''

PY_WORKFLOW_FAILED = '''\
def fail_if_run_failed(reply):
    """A v2 run that failed still answers HTTP 200, with status "failed" and its errors."""
    if reply.get("status") == "failed":
        for error in reply.get("errors") or ["the run failed"]:
            print(error_text(error), file=sys.stderr)
        sys.exit(1)


'''

PY_LINES = '''\
def lines(chunks):
    """Each line of a byte stream, as soon as it is complete (never the whole body)."""
    pending = b""
    for chunk in chunks:
        pending += chunk
        *complete, pending = pending.split(b"\\n")
        for line in complete:
            yield line.rstrip(b"\\r").decode("utf-8", "replace")
    if pending:
        yield pending.decode("utf-8", "replace")


'''

PY_NDJSON = '''\
def stream_events(text_lines):
    """Langflow's /api/v1/run stream: NOT server-sent events despite its text/event-stream
    type, but one JSON object per line with blank lines between them."""
    for line in text_lines:
        if line.strip():
            yield json.loads(line)


'''

PY_LEGACY = '''\
def legacy_stream_url(reply, run_url):
    """Langflow before 1.1.2 answers a stream request with its whole reply, not events: the
    answer then streams from the stream_url it names. That URL, or None when none is left."""
    for run_output in reply.get("outputs") or []:
        for result in (run_output or {}).get("outputs") or []:
            artifacts = (result or {}).get("artifacts")
            path = artifacts.get("stream_url") if isinstance(artifacts, dict) else None
            if isinstance(path, str) and path.startswith("/api/"):
                return run_url.split("/v1/run/")[0] + path[len("/api"):]
    return None


def legacy_events(text_lines):
    """The stream_url's server-sent events as run events: the chunk of each "message" is a
    token, "error" fails the run, "close" ends it."""
    name = "message"
    for line in text_lines:
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data = json.loads(line[5:])
            if name == "close":
                yield {"event": "end", "data": {}}
                return
            if name == "error":
                yield {"event": "error", "data": data}
            elif isinstance(data, dict) and isinstance(data.get("chunk"), str):
                yield {"event": "token", "data": {"chunk": data["chunk"], "id": "stream_url"}}
        elif not line:
            name = "message"


@FOLLOW@'''

# How a program follows a stream_url with its HTTP library: @OPEN@ opens the GET of `url`
# (with `headers`) as `response`, and checks it.
PY_FOLLOW = '''\
def follow_stream_url(printer, headers, run_url):
    """Prints the answer of a whole reply (Langflow before 1.1.2) from its stream_url, or
    from the reply itself when nothing is left to stream."""
    url = legacy_stream_url(printer.reply, run_url)
    if url is None:
        printer.handle({"event": "end", "data": {"result": printer.reply}})
        return
@OPEN@        for event in legacy_events(lines(@CHUNKS@)):
            printer.handle(event)


'''


PY_SSE = '''\
def stream_events(text_lines):
    """The /api/v2/workflows stream: server-sent events whose "data:" holds one JSON object."""
    data = []
    for line in text_lines:
        if line.startswith("data:"):
            data.append(line[6:] if line.startswith("data: ") else line[5:])
        elif not line and data:
            yield json.loads("\\n".join(data))
            data = []
    if data:
        yield json.loads("\\n".join(data))


'''

# @RESULT_TEXT@ is how the `end` event's data becomes text when nothing was printed.
PY_PRINTER = '''\
class AnswerPrinter:
    """Prints the answer from stream events as it arrives, each piece once.

    Tokens are printed as they come. A finished message prints only the part of its text
    that its tokens did not already print, so a model that does not stream still shows its
    answer and nothing is shown twice."""

    def __init__(self):
        self.printed = {}  # message id -> the part of its text printed so far
        self.last_id = None
        self.outputs = []  # v2 "output" events, in case nothing was streamed
        self.reply = None  # a whole reply instead of events (Langflow before 1.1.2)
        self.ended = False

    def show(self, message_id, text):
        if not isinstance(text, str) or not text:
            return
        if self.printed and message_id != self.last_id:
            sys.stdout.write("\\n")  # a new message starts on a new line
        sys.stdout.write(text)
        sys.stdout.flush()
        self.printed[message_id] = self.printed.get(message_id, "") + text
        self.last_id = message_id

    def handle(self, event):
        kind = event.get("event")
        data = event.get("data")
        if not isinstance(data, dict):
            data = {"error": data} if kind == "error" else {}
        if kind == "token":
            self.show(data.get("id"), data.get("chunk"))
        elif kind == "add_message":
            text = data.get("text")
            state = (data.get("properties") or {}).get("state")
            if data.get("sender") != "User" and state != "partial" and isinstance(text, str):
                done = self.printed.get(data.get("id"), "")
                if text.startswith(done):
                    self.show(data.get("id"), text[len(done):])
        elif kind == "output":
            if isinstance(data.get("content"), str):
                self.outputs.append(data["content"])
        elif kind == "end":
            self.ended = True
            if not self.printed:
                result = data.get("result")
                if isinstance(result, dict):
                    self.show("end", @RESULT_TEXT@)
                else:
                    self.show("end", "\\n".join(self.outputs))
        elif kind == "error":
            if self.printed:
                print()
            sys.exit("Error: " + error_text(data))
        elif kind is None and isinstance(event.get("outputs"), list):
            self.reply = event

    def finish(self):
        if self.printed:
            sys.stdout.write("\\n")
            sys.stdout.flush()
        if not self.ended:
            sys.exit("No answer: the stream ended before the run did")
        if not self.printed:
            print()


'''


def py_printer(api: str) -> str:
    """The AnswerPrinter class for a v1 or v2 stream."""
    result = "answer_text(result)" if api == "v1" else "workflow_text(result)"
    return fill(PY_PRINTER, {"RESULT_TEXT": result})


def py_helpers(request: RunRequest, *, stream: bool) -> str:
    """The helper functions a Python snippet needs for this request (without imports)."""
    v1 = request.api == "v1"
    parts = [PY_ANSWER if v1 else PY_WORKFLOW, PY_ERRORS]
    if not v1 and not stream:
        parts.append(PY_WORKFLOW_FAILED)
    if stream:
        parts += [PY_LINES, PY_NDJSON if v1 else PY_SSE, py_printer(request.api)]
    return "".join(parts)


def py_legacy(open_get: str, chunks: str) -> str:
    """legacy_stream_url, legacy_events and follow_stream_url (for a v1 stream), with the GET
    a program makes: `open_get` ends with "as response:" and checks the status."""
    return fill(PY_LEGACY, {"FOLLOW": fill(PY_FOLLOW, {"OPEN": open_get, "CHUNKS": chunks})})


def py_header(request: RunRequest, options: RenderOptions, needs: str | None) -> str:
    """The opening comment of a Python snippet."""
    notes = [f"Needs {needs}."] if needs else []
    return "\n".join(["#!/usr/bin/env python3", *hash_header(request, options, notes)]) + "\n"


_KEY_ENV = """\
    api_key = os.environ.get(@ENV@)
    if not api_key:
        sys.exit("Set the @NAME@ environment variable to your Langflow API key.")
"""


def py_api_key(options: RenderOptions) -> str:
    """Statements of `main()` that set `api_key` (from the environment, or the inlined
    literal)."""
    if options.inline_token:
        return f"    api_key = {py_str(options.inline_token)}  # a secret: see the warning above\n"
    env = key_env(options)
    return fill(_KEY_ENV, {"ENV": py_str(env), "NAME": env})


def py_headers(request: RunRequest) -> str:
    """`headers = {...}` in `main()`, with the auth header built from `api_key`."""
    lines = ["    headers = {"]
    for name, value in request.headers().items():
        lines.append(f"        {py_str(name)}: {py_str(value)},")
    auth = request.connection.auth_header
    prefix = request.connection.auth_prefix
    value = f"{py_str(prefix)} + api_key" if prefix else "api_key"
    lines.append(f"        {py_str(auth)}: {value},")
    lines.append("    }")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class PyHttpLib:
    """What differs between the Python HTTP libraries a snippet can use: the lines that open
    a streamed response and check it, the byte iterator, and the plain POST."""

    module: str  # its `module.post` sends a plain request
    ok_attr: str  # the response's "success" attribute
    byte_chunks: str  # an expression yielding the body's chunks as they arrive
    stream_not_ok: str  # the check (and body read) before failing
    stream_open: str  # lines that end with "... as response:"
    stream_call: str  # a streamed @METHOD@ (@VERB@ in lower case) with @ARGS@
    data_prefix: str  # "data:" as a literal of what the lines of iter_lines() are

    def render(self, request: RunRequest, options: RenderOptions) -> str:
        """A Python program that runs the flow with this library and prints the answer."""
        helpers = py_helpers(request, stream=request.stream)
        if request.stream:
            v1 = request.api == "v1"
            main = fill(
                _PY_HTTP_STREAM,
                {
                    "OPEN": self.stream_open,
                    "NOT_OK": self.stream_not_ok,
                    "CHUNKS": self.byte_chunks,
                    "LEGACY": _PY_HTTP_LEGACY if v1 else "",
                },
            )
            if v1:
                get = self.call("GET", "url, headers=headers")
                check = self.stream_not_ok + _PY_HTTP_FAIL
                helpers += py_legacy(f"    with {get} as response:\n{check}", self.byte_chunks)
        else:
            answer = _PY_HTTP_ANSWER_V1 if request.api == "v1" else _PY_HTTP_ANSWER_V2
            main = fill(_PY_HTTP_PLAIN, {"MODULE": self.module, "OK": self.ok_attr, "ANSWER": answer})
        needs = f"the {self.module} package (pip install {self.module})"
        return fill(
            _PY_HTTP_PROGRAM,
            {
                "HEADER": py_header(request, options, needs),
                "OS": "" if options.inline_token else "import os\n",
                "MODULE": self.module,
                "URL": py_str(request.url),
                "PAYLOAD": py_literal(request.body()),
                "HELPERS": helpers,
                "MAIN": py_api_key(options) + py_headers(request) + main,
            },
        )


    def generator(self, name: str, label: str) -> Generator:
        """The code target of this library: both forms, streams too."""
        return Generator(
            name=name, label=label, lexer="python", extension=".py", streams=True,
            render_fn=self.render, short_fn=self.render_short,
        )

    def call(self, method: str, args: str) -> str:
        """The streamed call of `method` with `args`, as it stands after `with`."""
        return fill(self.stream_call, {"METHOD": method, "VERB": method.lower(), "ARGS": args})

    def render_short(self, request: RunRequest, options: RenderOptions) -> str:
        """The short form: the request as three names, the call, the answer printed;
        raise_for_status() for an HTTP error."""
        path = subscripts(answer_keys(request))
        if request.stream:
            v1 = request.api == "v1"
            call = fill(
                _PY_SHORT_STREAM,
                {
                    "OPEN": self.call("POST", "url, json=payload, headers=headers"),
                    "PARSE": "json.loads(line) if line"
                    if v1
                    else f"json.loads(line[5:]) if line.startswith({self.data_prefix})",
                    "OUTPUT": "" if v1 else _PY_SHORT_OUTPUT,
                    "END": fill(_PY_SHORT_END, {"PATH": path}) if v1 else "",
                    "NO_ANSWER": py_str(NO_ANSWER),
                },
            )
        else:
            answer = f"response.json(){path}" if request.api == "v1" else None
            call = fill(_PY_SHORT_PLAIN, {"MODULE": self.module, "CHECK": "" if answer else _PY_SHORT_V2})
            call += f"print({answer or 'reply' + path})\n"
        prefix = request.connection.auth_prefix
        if options.inline_token:
            key = py_str(prefix + options.inline_token)
        else:
            key = f"os.environ[{py_str(key_env(options))}]"
            key = f"{py_str(prefix)} + {key}" if prefix else key
        imports = ("import json\n" if request.stream else "") + (
            "" if options.inline_token else "import os\n"
        )
        return fill(
            _PY_SHORT,
            {
                "HEADER": short_header(request, options, f"the {self.module} package"),
                "IMPORTS": imports + "\n" if imports else "",
                "MODULE": self.module,
                "URL": py_str(request.url),
                "PAYLOAD": py_literal(request.body()),
                "AUTH": f"{py_str(request.connection.auth_header)}: {key}",
                "SECRET": "  # a secret: see the warning above" if options.inline_token else "",
                "CALL": call,
            },
        )


_PY_SHORT = """\
@HEADER@
@IMPORTS@import @MODULE@

url = @URL@
payload = @PAYLOAD@
headers = {@AUTH@}@SECRET@

@CALL@"""

_PY_SHORT_PLAIN = """\
response = @MODULE@.post(url, json=payload, headers=headers, timeout=600)
response.raise_for_status()
@CHECK@"""

_PY_SHORT_V2 = """\
reply = response.json()
if reply["status"] == "failed":  # a failed run still answers HTTP 200
    raise SystemExit(f"The run failed: {reply['errors']}")
"""

_PY_SHORT_STREAM = """\
with @OPEN@ as response:
    response.raise_for_status()
    answer = ""
    for line in response.iter_lines():
        event = @PARSE@ else {}
        if event.get("event") == "token":
            print(event["data"]["chunk"], end="", flush=True)
            answer += event["data"]["chunk"]
        elif event.get("event") == "error":
            raise SystemExit(f"Error: {event['data']['error']}")
@OUTPUT@        elif event.get("event") == "end":
@END@            print()
            break
    else:  # no "end" event
        raise SystemExit(@NO_ANSWER@)
"""

_PY_SHORT_OUTPUT = """\
        elif event.get("event") == "output" and not answer:  # a model that does not stream
            print(event["data"]["content"], end="")
"""

_PY_SHORT_END = """\
            if not answer:  # a model that does not stream: its answer is in the result
                print(event["data"]["result"]@PATH@, end="")
"""


_PY_HTTP_PROGRAM = """\
@HEADER@import json
@OS@import sys

import @MODULE@

URL = @URL@
PAYLOAD = @PAYLOAD@


@HELPERS@def main():
@MAIN@

if __name__ == "__main__":
    main()
"""

_PY_HTTP_FAIL = """\
            sys.exit(f"HTTP {response.status_code}: {error_detail(response.content)}")
"""

_PY_HTTP_STREAM = """\
@OPEN@@NOT_OK@""" + _PY_HTTP_FAIL + """\
        printer = AnswerPrinter()
        for event in stream_events(lines(@CHUNKS@)):
            printer.handle(event)
@LEGACY@        printer.finish()
"""

_PY_HTTP_LEGACY = """\
        if printer.reply is not None:  # Langflow before 1.1.2: no events
            follow_stream_url(printer, headers, URL)
"""

_PY_HTTP_PLAIN = """\
    response = @MODULE@.post(URL, json=PAYLOAD, headers=headers, timeout=600)
    if not response.@OK@:
        sys.exit(f"HTTP {response.status_code}: {error_detail(response.content)}")
@ANSWER@"""

_PY_HTTP_ANSWER_V1 = "    print(answer_text(response.json()))\n"

_PY_HTTP_ANSWER_V2 = """\
    reply = response.json()
    fail_if_run_failed(reply)
    print(workflow_text(reply))
"""
