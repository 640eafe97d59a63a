"""python-script: a command-line program (argparse) that runs the flow, standard library only.

Like the `run_flow` script Langflow's API pane used to give, but it runs anywhere Python 3.9+
does (urllib, no `requests`): `--input`, `--tweaks JSON` (merged over the built-in tweaks),
`--url`, `--stream/--no-stream`, `--session`, `--api-key-env`. It carries both the streaming
and the plain way of reading the reply, so `--stream` works whatever the preview showed.
"""

from __future__ import annotations

from lfdesk.core.codegen import Generator, RenderOptions
from lfdesk.core.codegen.common import fill, flow_title, key_env, secret_warning
from lfdesk.core.codegen.common_py import (
    PY_ANSWER,
    PY_ERRORS,
    PY_LINES,
    PY_NDJSON,
    PY_SSE,
    PY_WORKFLOW,
    PY_WORKFLOW_FAILED,
    py_legacy,
    py_literal,
    py_printer,
    py_str,
)
from lfdesk.core.request import RunRequest

_PROGRAM = """\
#!/usr/bin/env python3
@WARNING@# Runs @TITLE@ from the command line and prints its answer.
# Standard library only (Python 3.9+). Examples:
#   python run_flow.py --input 'What can you do?'
#   python run_flow.py --stream --tweaks '{"Component-id": {"field": "value"}}'
#   python run_flow.py --help
# Reads the API key from the environment variable named by --api-key-env (default @ENV@).
import argparse
import json
import os
import sys
import urllib.error
import urllib.request

URL = @URL@
STREAM = @STREAM@
API_KEY_ENV = @ENV_LITERAL@
@API_KEY@AUTH_HEADER = @AUTH_HEADER@
AUTH_PREFIX = @AUTH_PREFIX@
# The request body as lfdesk built it; --input, --tweaks and --session change it.
PAYLOAD = @PAYLOAD@


@HELPERS@

if __name__ == "__main__":
    main()
"""

_POST = '''\
def post(url, payload, headers):
    """Sends the request; on an HTTP error, exits with "HTTP <status>: <detail>"."""
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode("utf-8"), headers=headers, method="POST"
    )
    try:
        return urllib.request.urlopen(request, timeout=600)
    except urllib.error.HTTPError as error:
        sys.exit(f"HTTP {error.code}: {error_detail(error.read())}")
    except urllib.error.URLError as error:
        sys.exit(f"Cannot reach {url}: {error.reason}")


'''

_BUILD = '''\
def build_payload(args):
    """PAYLOAD with the changes asked for on the command line."""
    payload = dict(PAYLOAD)
    if args.input is not None:
        payload["input_value"] = args.input
    if args.tweaks:
        tweaks = {
            key: dict(value) if isinstance(value, dict) else value
            for key, value in (payload.get("tweaks") or {}).items()
        }
        for key, value in args.tweaks.items():
            if isinstance(value, dict) and isinstance(tweaks.get(key), dict):
                tweaks[key].update(value)
            else:
                tweaks[key] = value
        payload["tweaks"] = tweaks
    if args.session:
        payload["session_id"] = args.session
@MODE@    return payload


'''

_ARGS = '''\
def parse_args():
    parser = argparse.ArgumentParser(description=@DESCRIPTION@)
    parser.add_argument("--input", help="the message to send (default: the one in PAYLOAD)")
    parser.add_argument(
        "--tweaks",
        metavar="JSON",
        help="tweaks as a JSON object, merged over those in PAYLOAD, "
        'e.g. \\'{"Component-id": {"field": "value"}}\\'',
    )
    parser.add_argument("--url", default=URL, help="the endpoint (default: %(default)s)")
    parser.add_argument(
        "--stream",
        action=argparse.BooleanOptionalAction,
        default=STREAM,
        help="print the answer as it streams in",
    )
    parser.add_argument("--session", help="the session id (default: the one in PAYLOAD, if any)")
    parser.add_argument(
        "--api-key-env",
        default=API_KEY_ENV,
        metavar="NAME",
        help="the environment variable holding the API key (default: %(default)s)",
    )
    args = parser.parse_args()
    if args.tweaks is not None:
        try:
            args.tweaks = json.loads(args.tweaks)
        except ValueError as error:
            parser.error(f"--tweaks is not valid JSON: {error}")
        if not isinstance(args.tweaks, dict):
            parser.error("--tweaks must be a JSON object")
    return args


'''

_MAIN = """\
def main():
    args = parse_args()
@KEY@    headers = {
        "Content-Type": "application/json",
        "Accept": "text/event-stream" if args.stream else "application/json",
        AUTH_HEADER: AUTH_PREFIX + api_key,
    }
@URL@    with post(@URL_ARG@, build_payload(args), headers) as response:
        if args.stream:
            printer = AnswerPrinter()
            for event in stream_events(lines(response)):
                printer.handle(event)
@LEGACY@            printer.finish()
        else:
@PLAIN@"""

# Langflow before 1.1.2 answers a stream request with a whole reply: follow its stream_url.
_LEGACY = """\
            if printer.reply is not None:
                follow_stream_url(printer, headers, url)
"""

_GET = """\
    try:
        response = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=600)
    except urllib.error.HTTPError as error:
        sys.exit(f"HTTP {error.code}: {error_detail(error.read())}")
    with response:
"""

_MODE_V2 = '    payload["mode"] = "stream" if args.stream else "sync"\n'

_STREAM_PARAM_V1 = """\
    separator = "&" if "?" in args.url else "?"
    url = f"{args.url}{separator}stream={'true' if args.stream else 'false'}"
"""

_PLAIN_V1 = """\
            print(answer_text(json.load(response)))
"""

_PLAIN_V2 = """\
            reply = json.load(response)
            fail_if_run_failed(reply)
            print(workflow_text(reply))
"""

_KEY_INLINE = """\
    api_key = os.environ.get(args.api_key_env) or API_KEY
"""

_KEY_ENV = """\
    api_key = os.environ.get(args.api_key_env)
    if not api_key:
        sys.exit(f"Set the {args.api_key_env} environment variable to your Langflow API key.")
"""


def _description(request: RunRequest) -> str:
    text = f"Run {flow_title(request)} and print its answer."
    if "%(" in text:  # argparse %-formats a description that mentions %(prog)s
        text = text.replace("%", "%%")
    return py_str(text)


def render(request: RunRequest, options: RenderOptions) -> str:
    env = key_env(options)
    v1 = request.api == "v1"
    if v1:
        url = py_str(request.url.split("?", 1)[0]) + "  # ?stream=true|false is added"
    else:
        url = py_str(request.url)
    token = options.inline_token
    helpers = [
        PY_ANSWER if v1 else PY_WORKFLOW,
        PY_ERRORS,
        "" if v1 else PY_WORKFLOW_FAILED,
        PY_LINES,
        PY_NDJSON if v1 else PY_SSE,
        py_printer(request.api),
        py_legacy(_GET, "response") if v1 else "",
        _POST,
        fill(_BUILD, {"MODE": "" if v1 else _MODE_V2}),
        fill(_ARGS, {"DESCRIPTION": _description(request)}),
        fill(
            _MAIN,
            {
                "KEY": _KEY_INLINE if token else _KEY_ENV,
                "URL": _STREAM_PARAM_V1 if v1 else "",
                "URL_ARG": "url" if v1 else "args.url",
                "LEGACY": _LEGACY if v1 else "",
                "PLAIN": _PLAIN_V1 if v1 else _PLAIN_V2,
            },
        ),
    ]
    return fill(
        _PROGRAM,
        {
            "WARNING": secret_warning("#") + "\n" if token else "",
            "TITLE": flow_title(request),
            "ENV": env,
            "URL": url,
            "STREAM": repr(request.stream),
            "ENV_LITERAL": py_str(env),
            "API_KEY": f"API_KEY = {py_str(token)}  # a secret: see the warning above\n"
            if token
            else "",
            "AUTH_HEADER": py_str(request.connection.auth_header),
            "AUTH_PREFIX": py_str(request.connection.auth_prefix),
            "PAYLOAD": py_literal(request.body()),
            "HELPERS": "".join(helpers),
        },
    )


GENERATOR = Generator(
    name="python-script", label="Python script (command line, stdlib)",
    lexer="python", extension=".py", streams=True, render_fn=render,
)
