"""curl: a bash script that runs the flow with curl and prints the answer with jq.

Why jq: printing only the answer needs a JSON parser, and jq is the usual companion of curl
(python3 is not assumed). Without jq the script prints the raw reply, says so on stderr,
and still fails on an HTTP error. The status is checked through curl's --write-out rather
than --fail-with-body (curl 7.76+), so older curls work and the error detail is shown.
The body goes in as a quoted heredoc: the shell interprets none of its characters.
"""

from __future__ import annotations

from lfdesk.core.codegen import Generator, RenderOptions
from lfdesk.core.codegen.common import (
    body_json,
    jq_call,
    sh_auth_value,
    sh_header,
    sh_print_answer,
    shell_quote,
)
from lfdesk.core.request import RunRequest

_RAW_REPLY = """\
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
"""

_RAW_STREAM = """\
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
"""


def render(request: RunRequest, options: RenderOptions) -> str:
    stream = request.stream
    out = [
        sh_header(request, options, "curl and jq"),
        "main() {\n",
        "  # The body is a quoted heredoc, so the shell changes none of its characters.\n",
        "  curl -sS -N -X POST \\\n" if stream else "  curl -sS -X POST \\\n",
        f"    {shell_quote(request.url)} \\\n",
    ]
    for name, value in request.headers().items():
        out.append(f"    -H {shell_quote(f'{name}: {value}')} \\\n")
    auth = sh_auth_value(request, options, f"{request.connection.auth_header}: ")
    out.append(f"    -H {auth} \\\n")
    out.append("    --write-out '\\nHTTP_STATUS %{http_code}\\n' \\\n")
    out.append("    --data-binary @- <<'JSON' | print_answer\n")
    out.append(body_json(request))
    out.append("\nJSON\n}\n\n")
    kind = "events" if stream else "reply"
    comment = (
        f"# Reads the {kind} on stdin, followed by the \"HTTP_STATUS nnn\" line that curl's\n"
        "# --write-out adds, and prints only the answer; on an HTTP error it prints\n"
        '# "HTTP nnn: detail" on stderr and fails.\n'
    )
    out += [
        sh_print_answer(comment, jq_call(request.api, "curl", stream)),
        _RAW_STREAM if stream else _RAW_REPLY,
        "\nmain\n",
    ]
    return "".join(out)


GENERATOR = Generator(
    name="curl",
    label="cURL (bash)",
    lexer="bash",
    extension=".sh",
    streams=True,
    render_fn=render,
)
