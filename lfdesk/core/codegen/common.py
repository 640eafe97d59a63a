"""Helpers shared by the shell and Python generators: quoting for each language, the JSON
body as text or as a Python literal, and the answer-printing code every snippet carries.

The code carried into snippets (Python functions, jq programs) is plain text built once at
import time, so rendering is string joining only. All of it follows the same rules:

* v1 non-stream: each `outputs[i].outputs[j]`'s text, joined by newlines;
  v2 sync: `output.text` (or each output's `content`), a failed run goes to stderr.
* streams: `token` chunks are printed as they come; a finished `add_message` (not from the
  user, not `partial`) prints only the part of its text its tokens did not already print;
  on `end` with nothing printed, the answer from the result (v1) or the `output` events
  (v2); an `error` event goes to stderr with a non-zero exit.
* HTTP errors: `HTTP <status>: <detail>` on stderr, non-zero exit.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from lfdesk.core.codegen import RenderOptions
from lfdesk.core.request import RunRequest

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


# --- facts about the request, in words ---------------------------------------------------


def key_env(options: RenderOptions) -> str:
    """The environment variable the token is read from; it must be usable in every language
    (`$NAME` in a shell, `$env:NAME` in PowerShell)."""
    name = options.key_env
    if not _IDENTIFIER.match(name):
        raise ValueError(
            f"{name!r} is not a usable environment variable name (letters, digits and _ only)"
        )
    return name


def one_line(text: str) -> str:
    """`text` made safe for a one-line comment: control characters and newlines become a
    space."""
    return _CONTROL.sub(" ", text).strip()


def flow_title(request: RunRequest) -> str:
    """How a snippet's comment names the flow."""
    name = request.flow_name or request.flow_ref or request.flow_id or "flow"
    return f'the Langflow flow "{one_line(name)}"'


def auth_value_expr(request: RunRequest, token_expr: str) -> str:
    """`token_expr` with the auth scheme's prefix (`Bearer ` on DataStax) in front."""
    return f"{request.connection.auth_prefix}{token_expr}"


def json_text(value: Any, *, ascii_only: bool = False, level: int = 0, width: int = 88) -> str:
    """JSON indented for reading: a nested container stays on one line when it fits, the top
    level is always spread out (two spaces per level)."""
    flat = json.dumps(value, ensure_ascii=ascii_only)
    if not isinstance(value, dict | list) or not value:
        return flat
    if level and len(flat) + 2 * level + 24 <= width:
        return flat
    pad = "  " * (level + 1)
    if isinstance(value, dict):
        items = [
            f"{pad}{json.dumps(str(k), ensure_ascii=ascii_only)}: "
            + json_text(v, ascii_only=ascii_only, level=level + 1, width=width)
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + "  " * level + "}"
    items = [f"{pad}{json_text(v, ascii_only=ascii_only, level=level + 1, width=width)}" for v in value]
    return "[\n" + ",\n".join(items) + "\n" + "  " * level + "]"


def body_json(request: RunRequest, *, ascii_only: bool = False) -> str:
    """The JSON body, indented for reading. Non-ASCII stays readable unless `ascii_only`
    (or unless the text could not be saved as UTF-8, e.g. a lone surrogate)."""
    body = request.body()
    text = json_text(body, ascii_only=ascii_only)
    if not ascii_only and not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = json_text(body, ascii_only=True)
    return text


def secret_warning(comment: str) -> str:
    """The line every snippet with an inlined token starts with."""
    return (
        f"{comment} WARNING: this file contains a secret API key. Do not share it or commit it."
    )


# --- shell ----------------------------------------------------------------------------------


def shell_quote(text: str) -> str:
    """A POSIX shell single-quoted word: nothing inside is interpreted."""
    return "'" + text.replace("'", "'\\''") + "'"


# --- PowerShell ----------------------------------------------------------------------------

# PowerShell also ends a single-quoted string at the typographic single quotes.
_PS_SINGLE_QUOTES = ("'", "\u2018", "\u2019", "\u201a", "\u201b")
_PS_DOUBLE_SPECIAL = {"`": "``", "$": "`$", '"': '`"', "\n": "`n", "\r": "`r", "\t": "`t", "\0": "`0"}


def ps_quote(text: str) -> str:
    """A PowerShell string literal that reads the same in 7 and in Windows PowerShell 5.1.

    ASCII text becomes a single-quoted string (only `'` is doubled). Anything else is
    written as a double-quoted string with `$([char]0x...)` for each non-ASCII character,
    so the file is plain ASCII (5.1 reads a BOM-less script in the ANSI code page)."""
    if text.isascii() and text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    parts = ['"']
    for ch in text:
        code = ord(ch)
        if ch in _PS_DOUBLE_SPECIAL:
            parts.append(_PS_DOUBLE_SPECIAL[ch])
        elif 0x20 <= code < 0x7F:
            parts.append(ch)
        elif code > 0xFFFF:  # a UTF-16 surrogate pair
            code -= 0x10000
            parts.append(f"$([char]0x{0xD800 + (code >> 10):04X})")
            parts.append(f"$([char]0x{0xDC00 + (code & 0x3FF):04X})")
        else:
            parts.append(f"$([char]0x{code:04X})")
    parts.append('"')
    return "".join(parts)


def ps_single(text: str) -> str:
    """Text for inside a single-quoted PowerShell string (no quotes added)."""
    for quote in _PS_SINGLE_QUOTES:
        text = text.replace(quote, quote * 2)
    return text


# --- Python -------------------------------------------------------------------------------

_PY_PLAIN = re.compile(r'[ !#-\[\]-~]*\Z')  # printable ASCII without " and \
_PY_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


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
    parts = ['"']
    for ch in text:
        escaped = _PY_ESCAPES.get(ch)
        if escaped is not None:
            parts.append(escaped)
        elif ch.isprintable():
            parts.append(ch)
        else:
            code = ord(ch)
            if code < 0x100:
                parts.append(f"\\x{code:02x}")
            elif code < 0x10000:
                parts.append(f"\\u{code:04x}")
            else:
                parts.append(f"\\U{code:08x}")
    parts.append('"')
    return "".join(parts)


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


def py_literal(value: Any, level: int = 0, width: int = 88) -> str:
    """A JSON value as Python source (True/False/None), indented like black: a nested
    container stays on one line when it fits, the top level is always spread out."""
    flat = _py_flat(value)
    if not isinstance(value, dict | list | tuple) or not value:
        return flat
    if level and len(flat) + 4 * level + 24 <= width:
        return flat
    pad = "    " * (level + 1)
    if isinstance(value, dict):
        lines = [
            f"{pad}{py_str(str(k))}: {py_literal(v, level + 1, width)}," for k, v in value.items()
        ]
        return "{\n" + "\n".join(lines) + "\n" + "    " * level + "}"
    lines = [f"{pad}{py_literal(v, level + 1, width)}," for v in value]
    return "[\n" + "\n".join(lines) + "\n" + "    " * level + "]"


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

# {result_text} is how the `end` event's data becomes text when nothing was printed.
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
            if not self.printed:
                result = data.get("result")
                if isinstance(result, dict):
                    self.show("end", {result_text})
                else:
                    self.show("end", "\\n".join(self.outputs))
        elif kind == "error":
            if self.printed:
                print()
            sys.exit("Error: " + error_text(data))

    def finish(self):
        sys.stdout.write("\\n")
        sys.stdout.flush()


'''


def py_printer(api: str) -> str:
    """The AnswerPrinter class for a v1 or v2 stream."""
    result = "answer_text(result)" if api == "v1" else "workflow_text(result)"
    return PY_PRINTER.replace("{result_text}", result)


def py_helpers(request: RunRequest, *, stream: bool, lines_helper: bool = True) -> str:
    """The helper functions a Python snippet needs for this request (without imports)."""
    parts: list[str] = []
    if request.api == "v1":
        parts.append(PY_ANSWER)
    else:
        parts.append(PY_WORKFLOW)
    parts.append(PY_ERRORS)
    if request.api == "v2" and not stream:
        parts.append(PY_WORKFLOW_FAILED)
    if stream:
        if lines_helper:
            parts.append(PY_LINES)
        parts.append(PY_NDJSON if request.api == "v1" else PY_SSE)
        parts.append(py_printer(request.api))
    return "".join(parts)


def py_header(request: RunRequest, options: RenderOptions, needs: str | None) -> str:
    """The opening comment of a Python snippet."""
    lines = ["#!/usr/bin/env python3"]
    if options.inline_token:
        lines.append(secret_warning("#"))
    what = "prints its answer as it streams in" if request.stream else "prints its answer"
    lines.append(f"# Runs {flow_title(request)} and {what}.")
    if needs:
        lines.append(f"# Needs {needs}.")
    if not options.inline_token:
        lines.append(f"# Reads the API key from the {key_env(options)} environment variable.")
    return "\n".join(lines) + "\n"


def py_api_key(request: RunRequest, options: RenderOptions, indent: str = "    ") -> str:
    """Statements that set `api_key` (from the environment, or the inlined literal)."""
    if options.inline_token:
        return f"{indent}api_key = {py_str(options.inline_token)}  # a secret: see the warning above\n"
    env = key_env(options)
    return (
        f"{indent}api_key = os.environ.get({py_str(env)})\n"
        f"{indent}if not api_key:\n"
        f'{indent}    sys.exit("Set the {env} environment variable to your Langflow API key.")\n'
    )


def py_headers(request: RunRequest, indent: str = "    ") -> str:
    """`headers = {...}` with the auth header built from `api_key`."""
    lines = [f"{indent}headers = {{"]
    for name, value in request.headers().items():
        lines.append(f"{indent}    {py_str(name)}: {py_str(value)},")
    auth = request.connection.auth_header
    prefix = request.connection.auth_prefix
    value = f"{py_str(prefix)} + api_key" if prefix else "api_key"
    lines.append(f"{indent}    {py_str(auth)}: {value},")
    lines.append(f"{indent}}}")
    return "\n".join(lines) + "\n"


# --- jq (for the curl and httpie scripts) -------------------------------------------------
#
# Written for jq 1.6 and later, with no single quote anywhere (the program is a single-quoted
# shell word) and no `index` on strings (1.6 counts bytes there). Streams are read with
# -R (one raw line per input) and --unbuffered, so each piece is printed as it arrives.

JQ_DEFS = """\
# The readable part of an error reply: its "detail", which may be a string,
# an object with a "message", or a JSON string holding one.
def detail:
  . as $raw
  | (try fromjson catch $raw) as $reply
  | (if ($reply | type) == "object" and ($reply | has("detail")) then $reply.detail else $reply end) as $d
  | if ($d | type) == "string" then ((try ($d | fromjson | .message | strings) catch empty) // $d)
    elif ($d | type) == "object" and ($d.message | type) == "string" then $d.message
    else $d | tojson end;
# The message of an error event, or of an error entry of a failed run.
def error_text:
  if type == "string" then .
  elif type == "object" then [(.error, .text, .message, .detail) | strings][0] // tojson
  else tojson end;
"""

JQ_ANSWER = """\
# The answer in a /api/v1/run reply: the text of each output, one per line.
def answer:
  [ .outputs[]?.outputs[]? | objects
    | [ (.results.message.text?, .results.text.text?, .outputs.message.message?, .artifacts.message?)
        | strings ][0] // empty ]
  | join("\\n");
"""

JQ_WORKFLOW = """\
# The answer in a /api/v2/workflows reply: output.text, else the content of each output.
def answer:
  if (.output.text? | type) == "string" then .output.text
  else [ .outputs? | objects | .[] | .content? | strings ] | join("\\n") end;
"""

# One step of the stream: the state keeps what was printed per message id, the v2 "output"
# events, the error body and the HTTP status; `.out` is what to print now, `.fail` what to
# print on stderr before stopping.
JQ_STREAM_STATE = """\
# Prints new answer text; a new message starts on a new line.
def show($id; $text):
  if ($text | type) != "string" or $text == "" then .
  else .out += (if .any and .last != $id then "\\n" else "" end) + $text
    | .printed[$id | tostring] += $text | .last = $id | .any = true end;
def on_event($e):
  ($e.data | if type == "object" then . else {} end) as $d
  | if $e.event == "token" then show($d.id; $d.chunk)
    elif $e.event == "add_message" then
      # a finished message prints only what its tokens did not already print
      if $d.sender == "User" or $d.properties.state == "partial" or ($d.text | type) != "string" then .
      else (.printed[$d.id | tostring] // "") as $done
        | if ($d.text | startswith($done)) then show($d.id; $d.text[($done | length):]) else . end
      end
    elif $e.event == "output" then .outputs += [$d.content | strings]
    elif $e.event == "end" and (.any | not) then
      show("end"; if ($d.result | type) == "object" then $d.result | answer else .outputs | join("\\n") end)
    elif $e.event == "error" then
      .fail = "Error: " + ($e.data | error_text) + "\\n" | .out += (if .any then "\\n" else "" end)
    else . end;
# At the end of the reply: a final newline, or the HTTP error.
def finish:
  if .status != null and .status >= 200 and .status < 300 then .out += "\\n"
  else .out += (if .any then "\\n" else "" end)
    | .fail = (if (.status // 0) == 0 then ""
               else "HTTP \\(.status): \\(.body | rtrimstr("\\n") | detail)\\n" end)
  end;
"""

JQ_LINE_V1 = """\
# A line of the v1 stream: one JSON event (NOT server-sent events), or part of an error body.
def on_body_line($line):
  if $line == "" then .
  else ($line | try fromjson catch null) as $e
    | if ($e | type) == "object" and ($e | has("event")) then on_event($e)
      else .body += $line + "\\n" end
  end;
"""

JQ_LINE_V2 = """\
# A line of the v2 stream: server-sent events, one JSON event on each "data:" line.
def on_body_line($line):
  if $line | startswith("data:") then
    ($line[5:] | try fromjson catch null) as $e
    | if ($e | type) == "object" then on_event($e) else . end
  elif $line == "" or ($line | startswith("id:")) or ($line | startswith("event:"))
    or ($line | startswith(":")) or ($line | startswith("retry:")) then .
  else .body += $line + "\\n" end;
"""

# curl appends "HTTP_STATUS nnn" (--write-out); httpie prints the status line and headers
# first (--print=hb).
JQ_ON_LINE_CURL = """\
def on_line($line):
  if $line | startswith("HTTP_STATUS ") then .status = ($line[12:] | tonumber? // 0)
  else on_body_line($line) end;
"""

JQ_ON_LINE_HTTPIE = """\
def on_line($line):
  if .head then
    if .status == null then .status = ($line | split(" ")[1] | tonumber? // 0)
    elif $line == "" then .head = false
    else . end
  else on_body_line($line) end;
"""

JQ_STREAM_MAIN = """\
foreach (inputs, null) as $line (
  {printed: {}, last: null, any: false, outputs: [], body: "", status: null, head: true};
  .out = null
  | if $line == null then finish else on_line($line | rtrimstr("\\r")) end;
  (.out | strings), (.fail | strings | halt_error(1))
)"""

JQ_SPLIT_CURL = """\
# The reply, then the "HTTP_STATUS nnn" line curl adds.
split("\\nHTTP_STATUS ") as $parts
| ($parts[-1] | rtrimstr("\\n") | tonumber? // 0) as $status
| ($parts[:-1] | join("\\nHTTP_STATUS ")) as $body
"""

JQ_SPLIT_HTTPIE = """\
# The status line and headers, a blank line, then the reply.
(if (split("\\r\\n\\r\\n") | length) > 1 then "\\r\\n\\r\\n" else "\\n\\n" end) as $gap
| split($gap) as $parts
| ($parts[0] | split("\\n")[0] | split(" ")[1] | tonumber? // 0) as $status
| ($parts[1:] | join($gap)) as $body
"""

JQ_REPLY_V1 = """\
| if $status < 200 or $status > 299 then
    (if $status == 0 then "" else "HTTP \\($status): \\($body | detail)\\n" end) | halt_error(1)
  else ($body | fromjson | answer) + "\\n" end"""

JQ_REPLY_V2 = """\
| if $status < 200 or $status > 299 then
    (if $status == 0 then "" else "HTTP \\($status): \\($body | detail)\\n" end) | halt_error(1)
  else ($body | fromjson) as $reply
    # a v2 run that failed still answers HTTP 200, with status "failed" and its errors
    | if $reply.status == "failed" then
        ([$reply.errors[]? | error_text] | if length == 0 then ["the run failed"] else . end
         | join("\\n")) + "\\n" | halt_error(1)
      else ($reply | answer) + "\\n" end
  end"""


def _jq_program(api: str, tool: str, stream: bool) -> str:
    answer = JQ_ANSWER if api == "v1" else JQ_WORKFLOW
    if stream:
        return "".join(
            (
                JQ_DEFS,
                answer,
                JQ_STREAM_STATE,
                JQ_LINE_V1 if api == "v1" else JQ_LINE_V2,
                JQ_ON_LINE_CURL if tool == "curl" else JQ_ON_LINE_HTTPIE,
                JQ_STREAM_MAIN,
            )
        )
    return "".join(
        (
            JQ_DEFS,
            answer,
            JQ_SPLIT_CURL if tool == "curl" else JQ_SPLIT_HTTPIE,
            JQ_REPLY_V1 if api == "v1" else JQ_REPLY_V2,
        )
    )


def _indent(text: str, pad: str) -> str:
    return "\n".join(pad + line if line else line for line in text.split("\n"))


_JQ_CACHE: dict[tuple[str, str, bool], str] = {}


def jq_call(api: str, tool: str, stream: bool, pad: str = "  ") -> str:
    """The `jq ... '<program>'` command that turns the reply on stdin into the answer."""
    key = (api, tool, stream)
    cached = _JQ_CACHE.get(key)
    if cached is None:
        program = _jq_program(api, tool, stream)
        assert "'" not in program
        flags = "-nRj --unbuffered" if stream else "-Rsj"
        cached = f"jq {flags} '\n{_indent(program, '  ')}\n'"
        _JQ_CACHE[key] = cached
    return _indent(cached, pad)


for _api in ("v1", "v2"):
    for _tool in ("curl", "httpie"):
        for _stream in (False, True):
            jq_call(_api, _tool, _stream)


# --- bash scripts (curl, httpie) ----------------------------------------------------------


def sh_header(request: RunRequest, options: RenderOptions, needs: str) -> str:
    """The opening of a bash script: comments, strict mode, the API key check."""
    lines = ["#!/usr/bin/env bash"]
    if options.inline_token:
        lines.append(secret_warning("#"))
    what = "prints its answer as it streams in" if request.stream else "prints its answer"
    lines.append(f"# Runs {flow_title(request)} and {what}.")
    lines.append(f"# Needs {needs}.")
    lines.append("# Without jq it prints the raw reply instead, with a note on stderr.")
    if not options.inline_token:
        lines.append(f"# Reads the API key from the {key_env(options)} environment variable.")
    lines.append("set -euo pipefail")
    lines.append("")
    if not options.inline_token:
        env = key_env(options)
        lines.append(f': "${{{env}:?Set {env} to your Langflow API key}}"')
        lines.append("")
    return "\n".join(lines) + "\n"


def sh_auth_value(request: RunRequest, options: RenderOptions, prefix: str) -> str:
    """A shell word `<prefix><auth scheme><token>`, e.g. "x-api-key: $LANGFLOW_API_KEY"."""
    scheme = request.connection.auth_prefix
    if options.inline_token:
        return shell_quote(f"{prefix}{scheme}{options.inline_token}")
    return f'"{prefix}{scheme}${key_env(options)}"'


def py_program(
    request: RunRequest,
    options: RenderOptions,
    *,
    needs: str | None,
    imports: str,
    constants: str,
    helpers: str,
    main: str,
) -> str:
    """A whole Python program: header comments, imports, constants, helpers, `main()`."""
    stdlib = ["import json"]
    if not options.inline_token or "os." in main:
        stdlib.append("import os")
    stdlib.append("import sys")
    return "".join(
        (
            py_header(request, options, needs),
            "\n".join(stdlib),
            "\n",
            imports,
            "\n",
            constants,
            "\n\n",
            helpers,
            "def main():\n",
            main,
            '\n\nif __name__ == "__main__":\n    main()\n',
        )
    )


@dataclass(frozen=True, slots=True)
class PyHttpLib:
    """What differs between the Python HTTP libraries a snippet can use: the lines that open
    a streamed response and check it, the byte iterator, and the plain POST."""

    module: str
    stream_open: tuple[str, ...]  # ends with "... as response:"
    stream_not_ok: tuple[str, ...]  # the check (and body read) before failing
    byte_chunks: str  # an expression yielding the body's chunks as they arrive
    post: str  # the plain POST call's function
    ok_attr: str  # the response's "success" attribute


_PY_HTTP_FAIL = '        sys.exit(f"HTTP {response.status_code}: {error_detail(response.content)}")\n'


def render_python_http(request: RunRequest, options: RenderOptions, lib: PyHttpLib) -> str:
    """A Python program that runs the flow with `lib` and prints the answer text only."""
    stream = request.stream
    main = [py_api_key(request, options), py_headers(request)]
    if stream:
        main += [
            *lib.stream_open,
            *lib.stream_not_ok,
            "    " + _PY_HTTP_FAIL,
            "        printer = AnswerPrinter()\n",
            f"        for event in stream_events(lines({lib.byte_chunks})):\n",
            "            printer.handle(event)\n",
            "        printer.finish()\n",
        ]
    else:
        main += [
            f"    response = {lib.post}(URL, json=PAYLOAD, headers=headers, timeout=600)\n",
            f"    if not response.{lib.ok_attr}:\n",
            _PY_HTTP_FAIL,
        ]
        if request.api == "v1":
            main.append("    print(answer_text(response.json()))\n")
        else:
            main += [
                "    reply = response.json()\n",
                "    fail_if_run_failed(reply)\n",
                "    print(workflow_text(reply))\n",
            ]
    return py_program(
        request,
        options,
        needs=f"the {lib.module} package (pip install {lib.module})",
        imports=f"\nimport {lib.module}\n",
        constants=f"URL = {py_str(request.url)}\nPAYLOAD = {py_literal(request.body())}\n",
        helpers=py_helpers(request, stream=stream),
        main="".join(main),
    )


def sh_print_answer(comment: str, jq_program: str) -> str:
    """The shell function that prints only the answer with jq, or the raw reply without jq.

    `comment` says what it reads (it differs between curl and httpie).
    """
    return (
        comment
        + "print_answer() {\n"
        "  if ! command -v jq >/dev/null 2>&1; then\n"
        "    echo 'jq not found: printing the raw reply (install jq to see only the answer)' >&2\n"
        "    print_raw\n"
        "    return\n"
        "  fi\n"
        + jq_program
        + "\n}\n\n"
    )
