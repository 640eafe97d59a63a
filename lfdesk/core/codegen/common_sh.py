"""The bash scripts' share (curl and httpie): shell quoting, the jq programs that print only
the answer, and the script around the command.

The jq programs are plain text, joined once per (api, tool, stream) and kept. The short
forms' one jq command is at the end.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from lfdesk.core.codegen import RenderOptions
from lfdesk.core.codegen.common import body_json, fill, hash_header, key_env
from lfdesk.core.codegen.short import NO_ANSWER, answer_keys, dotted, short_header
from lfdesk.core.request import RunRequest


def shell_quote(text: str) -> str:
    """A POSIX shell single-quoted word: nothing inside is interpreted."""
    return "'" + text.replace("'", "'\\''") + "'"


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
    elif $e.event == "end" then
      .ended = true
      | if .any then . else show("end"; if ($d.result | type) == "object" then $d.result | answer
                                        else .outputs | join("\\n") end) end
    elif $e.event == "error" then
      .fail = "Error: " + ($e.data | error_text) + "\\n" | .out += (if .any then "\\n" else "" end)
    else . end;
# At the end of the reply: a final newline, or the HTTP error. A whole reply instead of
# events (Langflow before 1.1.2): its answer, or the stream_url it names to follow (.follow).
# No `try` here: jq 1.6 would drop the error raised after one.
def finish:
  if .status != null and .status >= 200 and .status < 300 then
    (if .ended or .any or (.body | startswith("{") | not) then null else .body | fromjson end) as $reply
    | if ($reply | type) == "object" and ($reply | has("outputs")) then
        [($reply.outputs // [])[] | objects | (.outputs // [])[] | objects
         | .artifacts | objects | .stream_url | strings | select(startswith("/api/"))] as $urls
        | if ($urls | length) > 0 then .follow = $urls[0]
          else show("end"; $reply | answer) | .out += "\\n" end
      elif .ended then .out += "\\n"
      else .out += (if .any then "\\n" else "" end)
        | .fail = "No answer: the stream ended before the run did\\n" end
  else .out += (if .any then "\\n" else "" end)
    | .fail = (if (.status // 0) == 0 then ""
               else "HTTP \\(.status): \\(.body | rtrimstr("\\n") | detail)\\n" end)
  end;
"""

JQ_LINE_V1 = """\
# A line of the v1 stream: one JSON event (NOT server-sent events), or part of an error body;
# with --arg mode stream_url, a line of the events a stream_url gives.
def on_body_line($line):
  if $mode == "stream_url" then on_stream_url_line($line)
  elif $line == "" then .
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

JQ_LINE_LEGACY = """\
# A line of the server-sent events of a stream_url: "message" events with a chunk of the
# answer, "error", then "close".
def on_stream_url_line($line):
  if $line | startswith("event:") then .sse = ($line[6:] | ltrimstr(" "))
  elif $line | startswith("data:") then
    ($line[5:] | fromjson) as $d
    | if .sse == "close" then on_event({event: "end", data: {}})
      elif .sse == "error" then on_event({event: "error", data: $d})
      else on_event({event: "token", data: {id: "stream_url", chunk: ($d | objects | .chunk)}}) end
  elif $line == "" then .sse = null
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
  (.out | strings), (.fail | strings | halt_error(1)), (.follow | strings | halt_error(3))
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
    curl = tool == "curl"
    parts: tuple[str, ...]
    if stream:
        parts = (
            JQ_STREAM_STATE,
            *((JQ_LINE_LEGACY, JQ_LINE_V1) if api == "v1" else (JQ_LINE_V2,)),
            JQ_ON_LINE_CURL if curl else JQ_ON_LINE_HTTPIE,
            JQ_STREAM_MAIN,
        )
    else:
        parts = (JQ_SPLIT_CURL if curl else JQ_SPLIT_HTTPIE, JQ_REPLY_V1 if api == "v1" else JQ_REPLY_V2)
    return "".join((JQ_DEFS, answer, *parts))


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else line for line in text.split("\n"))


@functools.cache
def jq_call(api: str, tool: str, stream: bool) -> str:
    """The `jq ... '<program>'` command (indented for a function body) that turns the reply
    on stdin into the answer."""
    program = _jq_program(api, tool, stream)
    assert "'" not in program
    flags = "-Rsj"
    if stream:  # a v1 stream: print_answer stream_url reads the events of a stream_url
        flags = '-nRj --unbuffered --arg mode "${1-}"' if api == "v1" else "-nRj --unbuffered"
    return _indent(f"jq {flags} '\n{_indent(program)}\n'")


# --- the script ---------------------------------------------------------------------------

_SCRIPT = """\
#!/usr/bin/env bash
@HEADER@
set -euo pipefail

@KEY_CHECK@main() {
@BEFORE@  # The body is a quoted heredoc, so the shell changes none of its characters.
  @COMMAND@ \\
@ARGUMENTS@ <<'JSON' | print_answer@CAPTURE@
@BODY@
JSON
@AFTER@}

@ABOUT@print_answer() {
  if ! command -v jq >/dev/null 2>&1; then
    echo 'jq not found: printing the raw reply (install jq to see only the answer)' >&2
    print_raw
    return
  fi
@JQ@
}

@RAW@
@FOLLOW@main
"""

# A v1 stream: a Langflow before 1.1.2 answers with its whole reply, and print_answer leaves
# (exit status 3, on stderr) the stream_url it names, where the answer streams from.
_BEFORE_FOLLOW = """\
  local status=0 errors
  errors=$(mktemp)
"""

_AFTER_FOLLOW = """\
  if [ "$status" -eq 3 ]; then  # a Langflow before 1.1.2: follow the stream_url
    status=0
    follow_stream_url "$(cat "$errors")" || status=$?
  else
    cat "$errors" >&2
  fi
  rm -f "$errors"
  return "$status"
"""

_FOLLOW = """\
# The answer streams from the stream_url as server-sent events: a chunk of it in each
# "message" event, then "close".
follow_stream_url() {
  @GET@ \\
    | print_answer stream_url
}

"""


def sh_auth_value(request: RunRequest, options: RenderOptions, prefix: str) -> str:
    """A shell word `<prefix><auth scheme><token>`, e.g. "x-api-key: $LANGFLOW_API_KEY"."""
    scheme = request.connection.auth_prefix
    if options.inline_token:
        return shell_quote(f"{prefix}{scheme}{options.inline_token}")
    return f'"{prefix}{scheme}${key_env(options)}"'


@dataclass(frozen=True, slots=True)
class ShellTool:
    """What one command-line HTTP tool brings to the bash script; the rest is the same."""

    name: str  # the tool, as jq_call knows it: "curl" or "httpie"
    raw: str  # print_raw: without jq, the raw reply (and a failure on an HTTP error)
    needs: str  # what the script needs, for its header
    command: str  # the command before its arguments; @STREAM@ is where `stream_flag` goes
    about: str  # the comment over print_answer; @KIND@ is "reply" or "events"
    stream_flag: str  # the option that hands the body over as it arrives
    arguments: Callable[[RunRequest, RenderOptions], list[str]]  # URL, headers, ...
    # the GET of a stream_url (Langflow before 1.1.2), from the URL as a shell word
    follow: Callable[[RunRequest, RenderOptions, str], str]
    raw_stream: str | None = None  # print_raw for a stream, when it differs

    def render(self, request: RunRequest, options: RenderOptions) -> str:
        """A bash script: its comments, the API key check, `main` (which runs the command
        with the body on stdin, piped to print_answer), print_answer (jq, or print_raw
        without it) and the call of `main`."""
        stream = request.stream
        notes = [
            f"Needs {self.needs}.",
            "Without jq it prints the raw reply instead, with a note on stderr.",
        ]
        key_check = ""
        if not options.inline_token:
            env = key_env(options)
            key_check = f': "${{{env}:?Set {env} to your Langflow API key}}"\n\n'
        arguments = self.arguments(request, options)
        follow = request.api == "v1" and stream
        if follow:
            get = self.follow(request, options, shell_quote(request.connection.api_root) + '"${1#/api}"')
        return fill(
            _SCRIPT,
            {
                "HEADER": "\n".join(hash_header(request, options, notes)),
                "KEY_CHECK": key_check,
                "COMMAND": fill(self.command, {"STREAM": self.stream_flag if stream else ""}),
                "ARGUMENTS": " \\\n".join(f"    {argument}" for argument in arguments),
                "BODY": body_json(request),
                "ABOUT": fill(self.about, {"KIND": "events" if stream else "reply"}),
                "JQ": jq_call(request.api, self.name, stream),
                "RAW": self.raw_stream if stream and self.raw_stream else self.raw,
                "BEFORE": _BEFORE_FOLLOW if follow else "",
                "CAPTURE": ' 2>"$errors" || status=$?' if follow else "",
                "AFTER": _AFTER_FOLLOW if follow else "",
                "FOLLOW": fill(_FOLLOW, {"GET": get}) if follow else "",
            },
        )


# --- the short forms' jq ------------------------------------------------------------------
#
# A plain reply: the answer, else the error's detail as jq's error (stdin is read with `input`,
# so an empty reply fails too). A stream: each line that holds a JSON event (v2: after
# "data: "), folded with `foreach` so that the end of the input can check the run ended with
# an answer. No `?` or `try` anywhere: jq 1.6 drops an error raised after one.

_JQ_SHORT_STREAM = """\
jq -nRj --unbuffered 'foreach (@EVENTS@, null) as $e ({text: ""};
  .out = (if $e.event == "token" then $e.data.chunk elif $e.event == "error" or $e.detail then error($e.data.error // $e.detail | tostring)
    elif @FALLBACK@ // "" else "" end)
  | .text += .out | .end = (.end or $e.event == "end"); if $e then .out elif .end and .text != "" then "\\n"
  else error("@NO_ANSWER@") end)'"""


def jq_short(request: RunRequest) -> str:
    """The jq command a short form pipes the reply into: it prints only the answer."""
    path = dotted(answer_keys(request))
    v1 = request.api == "v1"
    if not request.stream:
        detail = ".detail" if v1 else ".detail // .errors[0].error"  # a failed v2 run: HTTP 200
        return f"jq -nr 'input | {path} // error({detail} // . | tostring)'"
    if v1:
        events = '(inputs | select(startswith("{")) | fromjson)'
        fallback = f'$e.event == "end" and .text == "" then $e.data.result{path}'
    else:
        events = '(inputs | ltrimstr("data: ") | select(startswith("{")) | fromjson)'
        fallback = '$e.event == "output" and .text == "" then $e.data.content'
    return fill(_JQ_SHORT_STREAM, {"EVENTS": events, "FALLBACK": fallback, "NO_ANSWER": NO_ANSWER})


def sh_short(
    template: str, request: RunRequest, options: RenderOptions, *, needs: str, stream: str, auth: str
) -> str:
    """A short form: `template` with the one comment line (@HEADER@), @STREAM@ (`stream` for a
    streamed run), the URL, `auth`, the body as one single-quoted word and the jq command."""
    return fill(
        template,
        {
            "HEADER": short_header(request, options, needs),
            "STREAM": stream if request.stream else "",
            "URL": shell_quote(request.url),
            "AUTH": auth,
            "BODY": shell_quote(body_json(request)),
            "JQ": jq_short(request),
        },
    )
