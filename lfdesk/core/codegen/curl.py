"""curl: a bash script that runs the flow with curl and prints the answer with jq.

Why jq: printing only the answer needs a JSON parser, and jq is the usual companion of curl
(python3 is not assumed). Without jq the script prints the raw reply, says so on stderr,
and still fails on an HTTP error. The status is checked through curl's --write-out rather
than --fail-with-body (curl 7.76+), so older curls work and the error detail is shown.
The body goes in as a quoted heredoc: the shell interprets none of its characters.

The short form is the one command a curl user writes: --fail-with-body (curl 7.76+) for an
HTTP error, the body as one single-quoted word, the answer picked out by jq (common_sh).
"""

from __future__ import annotations

from lfdesk.core.codegen import Generator, RenderOptions
from lfdesk.core.codegen.common_sh import ShellTool, sh_auth_value, sh_short, shell_quote
from lfdesk.core.request import RunRequest


def _auth(request: RunRequest, options: RenderOptions) -> str:
    return sh_auth_value(request, options, f"{request.connection.auth_header}: ")


def _follow(request: RunRequest, options: RenderOptions, url: str) -> str:
    return f"curl -sS -N {url} -H {_auth(request, options)} --write-out '\\nHTTP_STATUS %{{http_code}}\\n'"


def _arguments(request: RunRequest, options: RenderOptions) -> list[str]:
    return [
        shell_quote(request.url),
        *(f"-H {shell_quote(f'{name}: {value}')}" for name, value in request.headers().items()),
        f"-H {_auth(request, options)}",
        "--write-out '\\nHTTP_STATUS %{http_code}\\n'",
        "--data-binary @-",
    ]


CURL = ShellTool(
    name="curl",
    raw="""\
# Without jq: the raw reply, and still a failure on an HTTP error.
print_raw() {
  local reply status
  reply=$(cat)
  status=${reply##*HTTP_STATUS }
  reply=${reply%HTTP_STATUS *}
  reply=${reply%$'\\n'}
  case $status in
    2??) printf '%s\\n' "$reply" ;;
    000) return 1 ;;
    *) printf 'HTTP %s: %s\\n' "$status" "$reply" >&2; return 1 ;;
  esac
}
""",
    needs="curl and jq",
    command="curl -sS@STREAM@ -X POST",
    about="""\
# Reads the @KIND@ on stdin, followed by the "HTTP_STATUS nnn" line that curl's
# --write-out adds, and prints only the answer; on an HTTP error it prints
# "HTTP nnn: detail" on stderr and fails.
""",
    stream_flag=" -N",
    arguments=_arguments,
    raw_stream="""\
# Without jq: the raw events as they arrive, and still a failure on an HTTP error.
print_raw() {
  local line body=''
  while IFS= read -r line; do
    case $line in
      'HTTP_STATUS 2'*) return 0 ;;
      'HTTP_STATUS 000') return 1 ;;
      'HTTP_STATUS '*) printf 'HTTP %s: %s\\n' "${line#HTTP_STATUS }" "$body" >&2; return 1 ;;
      '{"event"'* | data:* | id:* | '') printf '%s\\n' "$line" ;;
      *) body="$body$line" ;;
    esac
  done
}
""",
    follow=_follow,
)

_SHORT = """\
@HEADER@
curl -sS@STREAM@ --fail-with-body @URL@ \\
  -H 'Content-Type: application/json' -H @AUTH@ -d @BODY@ | @JQ@
"""


def render_short(request: RunRequest, options: RenderOptions) -> str:
    auth = _auth(request, options)
    return sh_short(_SHORT, request, options, needs="curl 7.76+ and jq", stream="N", auth=auth)


GENERATOR = Generator(
    name="curl", label="cURL (bash)",
    lexer="bash", extension=".sh", streams=True, render_fn=CURL.render, short_fn=render_short,
)
