"""httpie: a bash script that runs the flow with HTTPie's `http` and prints the answer with jq.

`--print=hb` puts the status line and headers before the body, so the script can tell an
HTTP error from an answer (without --check-status, which hides the status code); with
`--stream` the body arrives line by line as the server sends it. The body goes in on stdin
as a quoted heredoc: the shell interprets none of its characters. Without jq the script
prints the raw reply, says so on stderr, and still fails on an HTTP error.

The short form pipes the body in (printf, which changes no character of it, where echo in
zsh would) and the reply to jq (common_sh); --check-status makes an HTTP error a failure.
"""

from __future__ import annotations

from lfdesk.core.codegen import Generator, RenderOptions
from lfdesk.core.codegen.common_sh import ShellTool, sh_auth_value, sh_short, shell_quote
from lfdesk.core.request import RunRequest


def _item(text: str) -> str:
    """An HTTPie request item (`Name:value`): a backslash escapes the next character."""
    return text.replace("\\", "\\\\")


def _auth(request: RunRequest, options: RenderOptions) -> str:
    header = request.connection.auth_header
    if options.inline_token:
        token = _item(options.inline_token)
        return shell_quote(f"{header}:{request.connection.auth_prefix}{token}")
    return sh_auth_value(request, options, f"{header}:")


def _follow(request: RunRequest, options: RenderOptions, url: str) -> str:
    return f"http --print=hb --pretty=none --stream GET {url} {_auth(request, options)}"


def _arguments(request: RunRequest, options: RenderOptions) -> list[str]:
    items = [shell_quote(_item(f"{name}:{value}")) for name, value in request.headers().items()]
    return [shell_quote(request.url), *items, _auth(request, options)]


_SHORT = """\
@HEADER@
printf '%s' @BODY@ | http --check-status@STREAM@ POST @URL@ @AUTH@ \\
  | @JQ@
"""


def render_short(request: RunRequest, options: RenderOptions) -> str:
    auth = _auth(request, options)
    return sh_short(_SHORT, request, options, needs="HTTPie and jq", stream=" --stream", auth=auth)


HTTPIE = ShellTool(
    name="httpie",
    raw="""\
# Without jq: the raw reply, and still a failure on an HTTP error.
print_raw() {
  local line status
  IFS= read -r line || return 1
  status=${line#* }
  status=${status%% *}
  while IFS= read -r line && [ -n "${line%$'\\r'}" ]; do :; done
  case $status in
    2??) cat; echo ;;
    *) printf 'HTTP %s: %s\\n' "$status" "$(cat)" >&2; return 1 ;;
  esac
}
""",
    needs="HTTPie (the http command) and jq",
    command="http --print=hb --pretty=none@STREAM@ POST",
    about="""\
# Reads the status line, headers and @KIND@ that http prints (--print=hb) and
# prints only the answer; on an HTTP error it prints "HTTP nnn: detail" on stderr
# and fails.
""",
    stream_flag=" --stream",
    arguments=_arguments,
    follow=_follow,
)

GENERATOR = Generator(
    name="httpie", label="HTTPie (bash)",
    lexer="bash", extension=".sh", streams=True, render_fn=HTTPIE.render, short_fn=render_short,
)
