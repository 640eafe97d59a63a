"""The one renderer of the C-family targets: JavaScript, TypeScript (plain fetch), Go, Java
and C#.

Their programs have one shape: a header comment; the URL and the JSON body as constants; the
API key from the environment (or written in); one POST with three headers; an HTTP error
printed as `HTTP <status>: <detail>`; then the reply read whole (v1: the answer text; v2: a
failed run to stderr, else the answer) or as a stream through a StreamPrinter that prints
each piece once. A `CFamily` table holds what one language brings to that shape: how it
writes a string and the body, and the code of each part. `render` puts the parts together
the same way for every language, so a change of behaviour is made once here and once in
each table's code, never in five renderers.

The short forms (to paste into a project) are tables of their own with `short` set, put
together by the same `render`: their API key is an expression right in the auth header,
their header comment is a line or two, and they read the one answer short.py says where to
find (the same in every target).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from lfdesk.core.codegen import RenderOptions
from lfdesk.core.codegen.common import fill
from lfdesk.core.codegen.common_c import SECRET_WARNING, about, comment_text
from lfdesk.core.codegen.short import NO_ANSWER, Keys, answer_keys
from lfdesk.core.request import RunRequest

# A short form's header says what it runs and how on one line up to this width.
_HEADER_WIDTH = 100


@dataclass(frozen=True, slots=True)
class Stream:
    """The parts of a StreamPrinter that differ between the v1 stream (one JSON event a
    line) and the v2 one (server-sent events, with `output` events)."""

    line: str  # @LINE@: the method that takes one line of the stream
    end_text: str  # @END_TEXT@: what `end` prints when nothing was printed
    fields: str = ""  # @FIELDS@: fields the printer needs for this stream
    output_case: str = ""  # @OUTPUT_CASE@: the `output` event case (v2)


def _no_imports(request: RunRequest, options: RenderOptions) -> str:
    return ""


def _as_is(body: Any) -> str | None:
    return None


@dataclass(frozen=True, slots=True)
class CFamily:
    """One C-family language: how it writes values, and the code of each part of the
    program, as `fill` templates (their placeholders are named beside each field)."""

    string: Callable[[str], str]  # a string literal
    body: Callable[[Any], str]  # the JSON body as a constant's value
    needs: tuple[str, ...]  # header comment lines: what it takes, how to run it
    # @HEADER@ @URL@ @BODY@ @KEY@ @ACCEPT@ @AUTH_NAME@ @AUTH_VALUE@ @HANDLE@ @HELPERS@ and,
    # where the language lists them, @IMPORTS@
    program: str
    key_env: str  # @ENV@ (how the variable is read), @MISSING@ (the message without it)
    key_inline: str  # @WARNING@, @TOKEN@
    handle_v1: str  # the reply of a v1 run, read whole
    handle_v2: str  # the reply of a v2 run, read whole
    handle_stream: str  # the reading loop that feeds the StreamPrinter
    answer_text: str  # the function that finds the answer in a v1 reply
    workflow_text: str  # the functions that find the answer (or the errors) of a v2 reply
    printer: str  # the StreamPrinter: @FIELDS@ @LINE@ @OUTPUT_CASE@ @END_TEXT@
    stream_v1: Stream
    stream_v2: Stream
    helpers_first: str = ""  # helpers every program starts with...
    helpers_last: str = ""  # ...and ends with
    plus: str = " + "  # string concatenation, as the language's formatter writes it
    env: Callable[[str], str] | None = None  # @ENV@ from the variable's name (else `string`)
    auth_name: Callable[[str], str] | None = None  # @AUTH_NAME@ (else `string`)
    imports: Callable[[RunRequest, RenderOptions], str] = _no_imports  # @IMPORTS@
    after_header: str = ""  # text right after the header comment
    # Where `body` would not send exactly the body's JSON text: why not (in words, for the
    # header), else None; and then `body_text` writes it as text, sent as @SEND_TEXT@
    # instead of @SEND@. Languages that send the text already need neither.
    changes: Callable[[Any], str | None] = _as_is
    body_text: Callable[[Any], str] | None = None
    send: str = ""  # @SEND@: how the program sends `body`
    send_text: str = ""  # @SEND@ when the body is text
    # A short form: @KEY@ is the key as an expression (`key_env` or `key_inline` filled in),
    # used right in @AUTH_VALUE@; `handle_stream` is filled like `printer`, and the handles
    # get @PATH@ (`path` of where the answer sits, short.answer_keys), @END_PATH@ (the same
    # in a v1 stream's `end` event) and @NO_ANSWER@.
    short: bool = False
    path: Callable[[Keys], str] | None = None


def header(
    request: RunRequest,
    options: RenderOptions,
    lines: Sequence[str],
    via: str = "",
    short: bool = False,
) -> list[str]:
    """The header comment: what the program runs and prints (`via` says with what, for v1),
    `lines`, and where the API key comes from. `short` makes it compact: the warning first
    when the key is written in, the first of `lines` after what it runs when that fits, and
    no word of the key's variable (the code names it)."""
    what = "prints its answer as it streams" if request.stream else "prints its answer"
    api = " (v2 workflows API)" if request.api == "v2" else via
    runs = f"// Runs the Langflow flow {about(request)}{api} and {what}."
    body = [f"// {line}" for line in lines]
    if short:  # the code shows where the key comes from
        warning = [f"// {SECRET_WARNING}"] if options.inline_token is not None else []
        if body and len(runs) + len(body[0]) - 2 <= _HEADER_WIDTH:
            return [*warning, f"{runs} {body[0].removeprefix('// ')}", *body[1:]]
        return [*warning, runs, *body]
    key = (
        "The API key is written in below: keep this file private."
        if options.inline_token is not None
        else f"The API key is read from the {comment_text(options.key_env)} environment variable."
    )
    return [runs, *body, f"// {key}"]


def key_source(lang: CFamily, options: RenderOptions) -> str:
    """The statements that set `apiKey`: read from the environment, or written in."""
    if options.inline_token is not None:
        token = lang.string(options.inline_token)
        return fill(lang.key_inline, {"WARNING": SECRET_WARNING, "TOKEN": token})
    env = options.key_env
    missing = lang.string(f"Set the {env} environment variable to your Langflow API key.")
    return fill(lang.key_env, {"ENV": (lang.env or lang.string)(env), "MISSING": missing})


def _stream_parts(stream: Stream) -> dict[str, str]:
    """@LINE@, @END_TEXT@, @FIELDS@ and @OUTPUT_CASE@: the fields of `stream`, by name."""
    return {field.name.upper(): getattr(stream, field.name) for field in fields(stream)}


def printer(lang: CFamily, stream: Stream) -> str:
    """The StreamPrinter for `stream`."""
    return fill(lang.printer, _stream_parts(stream))


@functools.cache
def _code(lang: CFamily, api: str, stream: bool) -> tuple[str, str]:
    """How the reply is handled, and the helper functions that takes."""
    v2 = api == "v2"
    if stream:
        parts = _stream_parts(lang.stream_v2 if v2 else lang.stream_v1)
        # `render` fills in what depends on the request
        later = {name: f"@{name}@" for name in ("PATH", "END_PATH", "NO_ANSWER")}
        handle = fill(lang.handle_stream, parts | later) if lang.short else lang.handle_stream
        helpers = fill(lang.printer, parts)
        if not v2:
            helpers += lang.answer_text
    elif v2:
        handle, helpers = lang.handle_v2, lang.workflow_text
    else:
        handle, helpers = lang.handle_v1, lang.answer_text
    return handle, lang.helpers_first + helpers + lang.helpers_last


def render(
    lang: CFamily, request: RunRequest, options: RenderOptions, notes: Sequence[str] = ()
) -> str:
    """The whole program in `lang`; `notes` are header lines before the language's own."""
    handle, helpers = _code(lang, request.api, request.stream)
    if lang.path is not None:
        keys = answer_keys(request)
        where = {
            "PATH": lang.path(keys),
            "END_PATH": lang.path(("data", "result", *keys)),  # in a v1 stream's end event
            "NO_ANSWER": lang.string(NO_ANSWER),
        }
        handle = fill(handle, where)
    conn = request.connection
    string = lang.string
    key = key_source(lang, options)
    name = key if lang.short else "apiKey"
    auth = f"{string(conn.auth_prefix)}{lang.plus}{name}" if conn.auth_prefix else name
    body = request.body()
    changes = lang.changes(body)
    if changes is not None and lang.body_text is not None:
        notes = [*notes, f"The body is sent as JSON text: {changes}."]
        body_value, send = lang.body_text(body), lang.send_text
    else:
        body_value, send = lang.body(body), lang.send
    lines = header(request, options, [*notes, *lang.needs], short=lang.short)
    return fill(
        lang.program,
        {
            "HEADER": "\n".join(lines) + lang.after_header,
            "IMPORTS": lang.imports(request, options),
            "URL": string(request.url),
            "BODY": body_value,
            "SEND": send,
            "KEY": key,
            "ACCEPT": string(request.accept),
            "AUTH_NAME": (lang.auth_name or string)(conn.auth_header),
            "AUTH_VALUE": auth,
            "HANDLE": handle,
            "HELPERS": helpers,
        },
    )
