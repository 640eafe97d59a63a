"""The `lfdesk` command: no subcommand launches the app; the subcommands work headless.

Headless commands never import Qt, and import the HTTP stack only when they talk to a server,
so `lfdesk snippet` starts fast. Every failure is one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn

from lfdesk.core.terminal import escape

if TYPE_CHECKING:
    from lfdesk.clichoices import ModelText
    from lfdesk.core.api import Timeouts
    from lfdesk.core.flow import Component, Field, Flow
    from lfdesk.core.profiles import Profile
    from lfdesk.core.request import Connection
    from lfdesk.core.tweaks import TweakSet

SUBCOMMANDS = (
    "components",
    "langs",
    "snippet",
    "profile",
    "token",
    "flows",
    "pull",
    "run",
    "screenshot",
)

EXIT_FAIL = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A failure to report as one line; `code` is the exit status."""

    def __init__(self, message: str, code: int = EXIT_FAIL) -> None:
        super().__init__(message)
        self.code = code


def _fail(message: str, code: int = EXIT_FAIL) -> NoReturn:
    raise CliError(message, code)


def _warn(lines: Sequence[str]) -> None:
    """Warnings that do not stop the command (one line each, on stderr)."""
    for line in lines:
        print(f"lfdesk: warning: {line}", file=sys.stderr)


def _json_text(value: Any) -> str:
    """``value`` as indented JSON with its text as it is (exact, never terminal-escaped); a
    lone surrogate (JSON allows ``"\\ud800"``, UTF-8 cannot hold one) stays a JSON escape."""
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(value, indent=2, default=str)
    return text


# --- argument parsing ---------------------------------------------------------------------


def _build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lfdesk",
        description="Desktop client for Langflow flows. With no command, opens the app "
        "(optionally with FLOW.json).",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    c = sub.add_parser("components", help="list a flow's components and fields")
    c.add_argument("flow", metavar="FLOW", help="FLOW.json, or with a server its flow id or name")
    c.add_argument("--all", action="store_true", help="also fields that cannot be tweaked")
    c.add_argument("--exposed", action="store_true", help="only fields the author exposed")
    c.add_argument("--json", action="store_true", help="print one JSON object")
    _add_server_args(c, required=False)  # with a server: the choices it offers

    sub.add_parser("langs", help="list the code generators")

    s = sub.add_parser("snippet", help="print request code for a flow")
    s.add_argument("flow", metavar="FLOW.json")
    s.add_argument("--lang", required=True, help="a name from `lfdesk langs`")
    _add_tweak_args(s)
    s.add_argument("--input", default=None, help="the input text (default: hello world!)")
    s.add_argument("--no-input", action="store_true", help="send no input_value")
    s.add_argument("--stream", action="store_true", help="stream the answer")
    s.add_argument("--url", default=None, help="server base URL (default http://127.0.0.1:7860)")
    s.add_argument("--profile", default=None, help="take the server from a saved profile")
    s.add_argument("--flow-ref", default=None, help="flow id or endpoint name to call")
    s.add_argument("--api", choices=("v1", "v2"), default="v1")
    s.add_argument("--session", default=None, help="session id to send (default: none)")
    s.add_argument(
        "--full",
        action="store_true",
        help="the complete program (error details, every server version), not the short form",
    )
    s.add_argument("--key-env", default="LANGFLOW_API_KEY", help="variable holding the token")
    s.add_argument(
        "--inline-secrets",
        action="store_true",
        help="write the token into the code (from the profile's keyring entry or --key-env)",
    )

    pr = sub.add_parser("profile", help="saved connections")
    prs = pr.add_subparsers(dest="action", metavar="ACTION", required=True)
    pa = prs.add_parser("add", help="add or replace a profile")
    pa.add_argument("name")
    pa.add_argument("--url", default="", help="server base URL")
    pa.add_argument("--datastax-id", default=None, help="DataStax Langflow id (hosted)")
    pa.add_argument("--ca-bundle", default=None, help="CA bundle file for TLS")
    pa.add_argument("--insecure", action="store_true", help="do not verify TLS certificates")
    pa.add_argument("--default-flow", default=None)
    prs.add_parser("list", help="list profiles")
    prm = prs.add_parser("remove", help="remove a profile (and its token)")
    prm.add_argument("name")

    tk = sub.add_parser("token", help="API tokens in the OS keyring")
    tks = tk.add_subparsers(dest="action", metavar="ACTION", required=True)
    ts = tks.add_parser("set", help="store a token read from stdin")
    ts.add_argument("profile")
    td = tks.add_parser("delete", help="delete a stored token")
    td.add_argument("profile")

    fl = sub.add_parser("flows", help="list a server's flows")
    _add_server_args(fl)
    fl.add_argument("--json", action="store_true")

    pl = sub.add_parser("pull", help="download a flow from a server")
    pl.add_argument("flow_ref", metavar="FLOW_REF")
    _add_server_args(pl)
    pl.add_argument("-o", "--output", required=True, metavar="FILE.json")

    r = sub.add_parser("run", help="run a flow on a server")
    r.add_argument("flow_ref", metavar="FLOW_REF", help="flow id, endpoint name or FLOW.json")
    _add_server_args(r)
    r.add_argument("--input", default=None)
    _add_tweak_args(r)
    r.add_argument("--stream", action="store_true")
    r.add_argument("--api", choices=("v1", "v2"), default="v1")
    r.add_argument("--session", default=None)
    r.add_argument("--json", action="store_true", help="print the whole reply as JSON")
    r.add_argument("--no-model-check", action="store_true", help="send a model tweak unchecked")

    sc = sub.add_parser("screenshot", help="render the main window to a PNG")
    sc.add_argument("out", metavar="OUT.png")
    sc.add_argument("--flow", default=None, metavar="FILE.json")
    sc.add_argument("--select", default=None, metavar="COMPONENT_ID")
    sc.add_argument("--size", default="1400x900", metavar="WxH")
    return p


def _add_tweak_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--tweak",
        action="append",
        default=[],
        metavar="COMPONENT.FIELD=VALUE",
        help="set a field (repeatable); COMPONENT is an id or a unique display name",
    )
    p.add_argument("--tweaks-file", default=None, metavar="F", help="a JSON tweaks object")


def _add_server_args(p: argparse.ArgumentParser, required: bool = True) -> None:
    g = p.add_mutually_exclusive_group(required=required)
    g.add_argument("--profile", help="a saved profile (token from its keyring entry)")
    g.add_argument("--url", help="server base URL (token from LANGFLOW_API_KEY)")
    p.add_argument(
        "--timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="the most one request may take, start to end (default: the profile's timeout, "
        "else 600 for a run and 60 for anything else)",
    )
    p.add_argument(
        "--stall-timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="end a streamed run when the server sends nothing for this long (default: the "
        "profile's timeout, else 120)",
    )


def _seconds(text: str) -> float:
    """A ``--timeout`` value: seconds above 0, at most a day (argparse reports the rest)."""
    from lfdesk.core.profiles import MAX_TIMEOUT, valid_timeout

    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not valid_timeout(value):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of seconds above 0 and at most {MAX_TIMEOUT:g}"
        )
    return value


# --- flows, tweaks, requests --------------------------------------------------------------


def _load_flow(path: str) -> Flow:
    from lfdesk.core.flow import FlowError, load_flow

    try:
        return load_flow(path)
    except FlowError as exc:
        _fail(str(exc))


def _apply_tweaks(
    flow: Flow, tweaks_file: str | None, args: Sequence[str], model_text: ModelText | None = None
) -> TweakSet:
    """The tweaks of the file and of each ``--tweak``; ``model_text`` (when connected)
    turns a model typed as text into the server's model (clichoices)."""
    from lfdesk.core.tweaks import PresetError, TweakError, TweakSet, load_preset

    tweaks = TweakSet(flow)
    if tweaks_file:
        try:
            tweaks.load(load_preset(tweaks_file))
        except PresetError as exc:
            _fail(str(exc))  # it names the file already
        except TweakError as exc:
            _fail(f"{tweaks_file}: {exc}")
    for item in args:
        key, sep, value = item.partition("=")
        comp_ref, dot, field_name = key.rpartition(".")
        if not sep or not dot or not comp_ref or not field_name:
            _fail(f"--tweak {item!r}: expected COMPONENT.FIELD=VALUE", EXIT_USAGE)
        try:
            if model_text is not None:
                value = model_text(comp_ref, field_name, value)
            tweaks.set(comp_ref, field_name, value)
        except TweakError as exc:
            _fail(f"--tweak {key}: {exc}")
    return tweaks


def _field_value_for_display(f: Field) -> Any:
    from lfdesk.core.flow import FieldKind

    if f.kind is FieldKind.SECRET and f.value and not f.load_from_db:
        return "********"
    if f.kind is FieldKind.CODE and isinstance(f.value, str):
        lines = f.value.count("\n") + 1
        return f"<{lines} lines of code>"
    return f.value


def _short(value: Any, width: int = 40) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = escape(text.replace("\n", "⏎"))
    return text if len(text) <= width else text[: width - 1] + "…"


def _visible_fields(comp: Component, args: argparse.Namespace) -> tuple[Field, ...]:
    from lfdesk.core.flow import FieldView

    if args.exposed:
        return comp.fields_in(FieldView.EXPOSED)
    return comp.fields_in(FieldView.EVERY if args.all else FieldView.TWEAKABLE)


def cmd_components(args: argparse.Namespace) -> int:
    from lfdesk import clichoices

    choices: dict[tuple[str, str], Any] = {}
    server = None
    if args.url is not None or args.profile:
        flow, choices, server = clichoices.server_components(args)
    else:
        flow = _load_flow(args.flow)
    if args.json:
        out = {
            "flow": {"id": flow.id, "name": flow.name, "endpoint_name": flow.endpoint_name},
            **({"server": server} if server else {}),
            "components": [
                {
                    "id": c.id,
                    "type": c.type,
                    "display_name": c.display_name,
                    "fields": [
                        {
                            "name": f.name,
                            "display_name": f.display_name,
                            "kind": f.kind.value,
                            "value": _field_value_for_display(f),
                            "tweakable": f.tweakable,
                            "reason": f.reason,
                            "exposed": f.exposed,
                            **clichoices.field_json(choices, c.id, f.name),
                        }
                        for f in _visible_fields(c, args)
                    ],
                }
                for c in flow.components
            ],
        }
        print(_json_text(out))
        return 0
    ref = f"endpoint {flow.endpoint_name}, " if flow.endpoint_name else ""
    print(escape(f"{flow.name}  ({ref}id {flow.id or '-'})"))
    if server:
        print(escape(f"choices offered by {server}"))
    for c in flow.components:
        print()
        print(escape(f"{c.id}  {c.display_name}  [{c.type}]"))
        fields = _visible_fields(c, args)
        if not fields:
            print("  (no fields in this view)")
        for f in fields:
            status = "tweakable" + (", exposed" if f.exposed else "") if f.tweakable else (
                f"no: {f.reason}"
            )
            value = _short(_field_value_for_display(f))
            print(escape(f"  {f.name:<26} {f.kind.value:<12} {value:<42} {status}"))
            if (c.id, f.name) in choices:
                print("\n".join(clichoices.choice_lines(choices[c.id, f.name])))
    return 0


def cmd_langs(args: argparse.Namespace) -> int:
    from lfdesk.core import codegen

    for name in codegen.names():
        print(name)
    return 0


def _profile(name: str) -> Profile:
    from lfdesk.core.profiles import ProfileError, ProfileStore

    store = ProfileStore()
    try:
        return store.get(name)
    except ProfileError as exc:
        _fail(str(exc))
    finally:
        _warn(store.warnings)


def _connection_of(profile: Profile | None, url: str | None) -> Connection:
    from lfdesk.core.profiles import connection_for
    from lfdesk.core.request import RequestError

    try:
        return connection_for(profile, url)
    except RequestError as exc:
        if profile is None:  # the user's --url: a usage error, and never the default instead
            _fail(f"--url: {exc}", EXIT_USAGE)
        _fail(str(exc))


def _token_for(profile: Profile | None, key_env: str = "LANGFLOW_API_KEY") -> str | None:
    """The profile's keyring token, else the environment variable."""
    if profile is not None:
        from lfdesk.core.secrets import TokenStore

        try:
            token = TokenStore().get(profile.name)
        except Exception:  # a broken keyring must not stop a run that has the env var
            token = None
        if token:
            return token
    return os.environ.get(key_env) or None


def cmd_snippet(args: argparse.Namespace) -> int:
    from lfdesk.core import codegen
    from lfdesk.core.codegen import RenderOptions
    from lfdesk.core.document import RunOptions, build_request
    from lfdesk.core.request import RequestError

    bad_key_env = codegen.key_env_problem(args.key_env)
    if bad_key_env is not None:
        _fail(f"--key-env: {bad_key_env}", EXIT_USAGE)
    flow = _load_flow(args.flow)
    tweaks = _apply_tweaks(flow, args.tweaks_file, args.tweak)
    profile = _profile(args.profile) if args.profile else None
    if profile is not None and args.url is not None:
        _fail("give --profile or --url, not both", EXIT_USAGE)
    connection = _connection_of(profile, args.url)
    try:
        gen = codegen.get(args.lang)
    except KeyError as exc:
        _fail(str(exc.args[0]), EXIT_USAGE)
    if args.no_input:
        input_value = None
    else:
        input_value = args.input if args.input is not None else "hello world!"
    request = build_request(
        flow,
        connection,
        RunOptions(
            input_value=input_value,
            session_id=args.session,
            stream=args.stream,
            api=args.api,
        ),
        tweaks=tweaks.to_json(),
        flow_ref=args.flow_ref or flow.run_ref,
        flow_path=str(Path(args.flow).resolve()),
    )
    inline: str | None = None
    if args.inline_secrets:
        inline = _token_for(profile, args.key_env)
        if not inline:
            _fail(
                f"--inline-secrets: no token (no keyring entry for the profile and "
                f"${args.key_env} is not set)"
            )
    try:
        options = RenderOptions(
            key_env=args.key_env,
            inline_token=inline,
            full=args.full,
            keep_session=args.session is not None,
        )
        code = gen.render(request, options)
    except RequestError as exc:
        _fail(str(exc))
    for note in request.warnings():
        print(f"note: {escape(note)}", file=sys.stderr)
    sys.stdout.write(code if code.endswith("\n") else code + "\n")
    return 0


# --- profiles and tokens ------------------------------------------------------------------


def cmd_profile(args: argparse.Namespace) -> int:
    from lfdesk.core.profiles import Profile, ProfileError, ProfileStore

    store = ProfileStore()
    try:
        if args.action == "add":
            kind: Literal["self-hosted", "datastax"] = (
                "datastax" if args.datastax_id else "self-hosted"
            )
            profile = Profile(
                name=args.name,
                kind=kind,
                base_url=args.url,
                datastax_id=args.datastax_id,
                ca_bundle=str(Path(args.ca_bundle).resolve()) if args.ca_bundle else None,
                default_flow=args.default_flow,
                verify_tls=not args.insecure,
            )
            store.add(profile, replace=True)
            saved = store.get(args.name)
            print(escape(f"saved profile {saved.name}: {saved.base_url}"))
        elif args.action == "list":
            profiles = store.list()
            if not profiles:
                print("no profiles; add one with: lfdesk profile add NAME --url BASE_URL")
            for p in profiles:
                extra = f" (DataStax {p.datastax_id})" if p.kind == "datastax" else ""
                print(f"{escape(p.name)}\t{escape(p.base_url + extra)}")
        elif args.action == "remove":
            store.remove(args.name)
            _delete_token_quietly(args.name)
            print(f"removed profile {args.name}")
    except ProfileError as exc:
        _fail(str(exc))
    finally:
        _warn(store.warnings)
    return 0


def _delete_token_quietly(profile: str) -> None:
    import contextlib

    from lfdesk.core.secrets import TokenStore

    # The profile is gone either way; a keyring hiccup is not fatal.
    with contextlib.suppress(Exception):
        TokenStore().delete(profile)


def cmd_token(args: argparse.Namespace) -> int:
    from lfdesk.core.secrets import TokenStore

    _profile(args.profile)  # the profile must exist
    store = TokenStore()
    if args.action == "set":
        if sys.stdin.isatty():
            import getpass

            token = getpass.getpass(f"Token for {args.profile}: ")
        else:
            token = sys.stdin.readline()
        token = token.strip()
        if not token:
            _fail("no token read from stdin")
        store.set(args.profile, token)
        if not store.is_persistent():
            reason = store.fallback_reason or "No OS keyring is available."
            print(
                f"lfdesk: {reason} Nothing was saved: set LANGFLOW_API_KEY instead, or start "
                "an OS keyring (for example gnome-keyring) and try again.",
                file=sys.stderr,
            )
            return EXIT_FAIL
        print(f"token for {args.profile} stored in {store.backend_name()}")
    else:
        existed = store.delete(args.profile)
        print(f"token for {args.profile} " + ("deleted" if existed else "was not stored"))
    return 0


# --- server commands ----------------------------------------------------------------------


def _server(args: argparse.Namespace) -> tuple[Connection, str | None, Profile | None]:
    profile = _profile(args.profile) if args.profile else None
    connection = _connection_of(profile, args.url)
    return connection, _token_for(profile), profile


def _verify_of(profile: Profile | None) -> bool | str:
    from lfdesk.core.profiles import tls_verify_for

    return tls_verify_for(profile)


def _timeouts_of(args: argparse.Namespace, profile: Profile | None) -> Timeouts:
    """The profile's timeout (as the app uses it), then ``--timeout`` and ``--stall-timeout``."""
    import dataclasses

    from lfdesk.core.api import Timeouts

    timeouts = Timeouts.of_connection(profile.timeout if profile is not None else None)
    if args.timeout is not None:
        timeouts = dataclasses.replace(timeouts, total=args.timeout)
    if args.stall_timeout is not None:
        timeouts = dataclasses.replace(timeouts, stall=args.stall_timeout)
    return timeouts


def _run_async(coro: Any) -> Any:
    import asyncio

    from lfdesk.core.api import LangflowError

    try:
        return asyncio.run(coro)
    except LangflowError as exc:
        hint = f" ({exc.hint})" if exc.hint else ""
        _fail(f"{exc.message}{hint}")
    except KeyboardInterrupt:
        _fail("interrupted", 130)


def cmd_flows(args: argparse.Namespace) -> int:
    from lfdesk.core.api import LangflowClient

    connection, token, profile = _server(args)

    async def go() -> list[Any]:
        async with LangflowClient(
            connection, token, verify=_verify_of(profile), timeout=_timeouts_of(args, profile)
        ) as client:
            return list(await client.list_flows())

    flows = _run_async(go())
    if args.json:
        print(
            _json_text(
                [
                    {
                        "id": f.id,
                        "name": f.name,
                        "endpoint_name": f.endpoint_name,
                        "description": f.description,
                        "folder_id": f.folder_id,
                        "updated_at": f.updated_at,
                    }
                    for f in flows
                ]
            )
        )
        return 0
    if not flows:
        print("no flows on this server")
    for f in flows:
        print("\t".join(escape(x) for x in (f.id, f.endpoint_name or "-", f.name)))
    return 0


async def _resolve_flow_id(client: Any, ref: str) -> str:
    """A flow id for a reference that may be an endpoint name or a name."""
    import uuid

    try:
        uuid.UUID(ref)
        return ref
    except ValueError:
        pass
    flows = await client.list_flows()
    for attr in ("endpoint_name", "name"):
        matches = [f for f in flows if getattr(f, attr) == ref]
        if len(matches) == 1:
            return str(matches[0].id)
    _fail(f"no flow {ref!r} on the server (give its id, endpoint name or unique name)")


def cmd_pull(args: argparse.Namespace) -> int:
    from lfdesk.core.api import LangflowClient
    from lfdesk.core.flow import FlowError, parse_flow

    connection, token, profile = _server(args)

    async def go() -> dict[str, Any]:
        async with LangflowClient(
            connection, token, verify=_verify_of(profile), timeout=_timeouts_of(args, profile)
        ) as client:
            flow_id = await _resolve_flow_id(client, args.flow_ref)
            data: dict[str, Any] = await client.get_flow_json(flow_id)
            return data

    data = _run_async(go())
    try:
        flow = parse_flow(data, source=args.flow_ref)
    except FlowError as exc:
        _fail(f"the server sent a flow lfdesk cannot read: {exc}")
    out = Path(args.output)
    from lfdesk.core.paths import write_text_atomic

    try:
        write_text_atomic(out, _json_text(data) + "\n")
    except OSError as exc:
        _fail(f"{out}: cannot write ({exc.strerror or exc})")
    print(escape(f"saved {flow.name} ({len(flow.components)} components) to {out}"))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from lfdesk.clichoices import checked_tweaks
    from lfdesk.core.api import LangflowClient, LangflowError
    from lfdesk.core.conversation import Conversation, TerminalPrinter, format_stats
    from lfdesk.core.document import RunOptions, build_request
    from lfdesk.core.flow import FlowError, parse_flow
    from lfdesk.core.request import RequestError
    from lfdesk.core.runner import execute

    connection, token, profile = _server(args)
    local = Path(args.flow_ref)
    local_flow = _load_flow(args.flow_ref) if local.suffix == ".json" and local.exists() else None
    printer = TerminalPrinter()

    def show(changes: list[Any]) -> None:
        if args.json or not args.stream:
            return
        piece = printer.text_of(changes)
        if piece:
            sys.stdout.write(escape(piece, multiline=True))
            sys.stdout.flush()

    async def go() -> int:
        async with LangflowClient(
            connection, token, verify=_verify_of(profile), timeout=_timeouts_of(args, profile)
        ) as client:
            flow = local_flow
            flow_ref: str | None = None
            flow_id: str | None = None
            source: Any = local  # the flow's JSON (or its file), to read model fields
            if flow is None:
                flow_ref = args.flow_ref
                if args.tweak or args.tweaks_file or args.api == "v2":
                    flow_id = await _resolve_flow_id(client, args.flow_ref)
                    source = await client.get_flow_json(flow_id)
                    try:
                        flow = parse_flow(source, source=f"server flow {flow_id}")
                    except FlowError as exc:
                        _fail(f"the server sent a flow lfdesk cannot read: {exc}")
            else:
                flow_ref = flow.run_ref
            tweaks: dict[str, Any] = {}
            if flow is not None:  # model tweaks checked against the server's catalog
                tweaks = (await checked_tweaks(client, flow, source, args)).to_json()
            options = RunOptions(
                input_value=args.input, session_id=args.session, stream=args.stream, api=args.api
            )
            request = build_request(
                flow, connection, options, tweaks=tweaks, flow_ref=flow_ref, flow_id=flow_id
            )
            try:
                request.body()
            except RequestError as exc:
                _fail(str(exc))
            conversation = Conversation(args.input)
            try:
                outcome = await execute(client, request, conversation, show)
            except LangflowError:
                if printer.printed_any:
                    sys.stdout.write("\n")
                raise
            if args.json:
                raw = outcome.result.raw if outcome.result is not None else None
                print(_json_text(raw))
            elif not args.stream:
                print(escape(outcome.answer, multiline=True))
            else:
                sys.stdout.write("\n")
            print("-- " + format_stats(outcome.stats, sep=", "), file=sys.stderr)
            return 0

    result: int = _run_async(go())
    return result


def cmd_screenshot(args: argparse.Namespace) -> int:
    try:
        w, h = (int(x) for x in args.size.lower().split("x"))
    except ValueError:
        _fail(f"--size {args.size!r}: expected WIDTHxHEIGHT, e.g. 1400x900", EXIT_USAGE)
    _check_dirs()
    from lfdesk.app import take_screenshot

    result: int = take_screenshot(Path(args.out), args.flow, args.select, (w, h))
    return result


def _check_dirs() -> None:
    """The app's folders can be made and written (one line if not: a read-only data folder,
    LFDESK_HOME on a file), before anything opens a file in them."""
    from lfdesk.core.paths import StateDirError, check_dirs

    try:
        check_dirs()
    except StateDirError as exc:
        _fail(str(exc))


def _launch_app(args_list: list[str]) -> int:
    """The app, with FLOW.json if given; one line and exit 1 when it cannot start."""
    try:
        _check_dirs()
    except CliError as exc:
        print(f"lfdesk: {exc}", file=sys.stderr)
        return exc.code
    from lfdesk.app import run_app

    return run_app(args_list, args_list[0] if args_list else None)


COMMANDS = {
    "components": cmd_components,
    "langs": cmd_langs,
    "snippet": cmd_snippet,
    "profile": cmd_profile,
    "token": cmd_token,
    "flows": cmd_flows,
    "pull": cmd_pull,
    "run": cmd_run,
    "screenshot": cmd_screenshot,
}


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or (args_list[0] not in SUBCOMMANDS and not args_list[0].startswith("-")):
        if len(args_list) > 1:
            print("usage: lfdesk [FLOW.json] | lfdesk COMMAND ...", file=sys.stderr)
            return EXIT_USAGE
        return _launch_app(args_list)
    parser = _build_parser()
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return COMMANDS[args.command](args)
    except CliError as exc:
        print(f"lfdesk: {escape(str(exc))}", file=sys.stderr)
        return exc.code
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
