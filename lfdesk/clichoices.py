"""The command line's part of server-computed choices (kept out of cli.py, one concern):
`lfdesk components FLOW --url|--profile` (each model field's providers and models, each
refresh field's options) and the check of a run's model tweaks against the server's catalog.

Decisions (README, "Command line"): a model typed as text must name one model of the
catalog (ambiguous or unknown: one line with the choices); a JSON model object may name a
model the catalog does not list (a warning; the server passes it on); a provider that is not
set up stops the run, naming the missing global variables, unless the component is given
them (its `api_key`...) or `--no-model-check` says the server's environment has them.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lfdesk.core.choices import FieldChoices, ProviderRow
from lfdesk.core.terminal import escape

if TYPE_CHECKING:
    from lfdesk.core.api import LangflowClient
    from lfdesk.core.flow import Flow
    from lfdesk.core.tweaks import TweakSet

__all__ = [
    "ModelText",
    "checked_model_tweaks",
    "checked_tweaks",
    "choice_lines",
    "choices_json",
    "field_json",
    "has_model_tweak",
    "server_components",
]

# Resolves a model typed as text for a component's field (`--tweak C.model=TEXT`, C an id or
# a display name): the value to set (what is not a model field's comes back as it is).
ModelText = Callable[[str, str, str], Any]
_WIDTH = 100
_TYPE_WORDS = {"llm": "language models", "embeddings": "embedding models"}


def _read_json(path: Path) -> Any:
    """A flow file already read by `core.flow` (so it is UTF-8 JSON, and bounded)."""
    from lfdesk.core import jsontext

    return jsontext.loads(path.read_bytes().decode("utf-8-sig"))


# -- lfdesk components FLOW --url|--profile ---------------------------------------------------


def server_components(
    args: argparse.Namespace,
) -> tuple[Flow, dict[tuple[str, str], FieldChoices], str]:
    """The flow (a file, or a flow on the server by id, endpoint name or name), what the
    server offers for its visible fields, and the server's address as shown."""
    from lfdesk import cli
    from lfdesk.core.api import LangflowClient
    from lfdesk.core.choices import flow_choices, raw_nodes
    from lfdesk.core.flow import FlowError, parse_flow
    from lfdesk.core.redact import show_url

    connection, token, profile = cli._server(args)
    local = Path(args.flow)
    flow_file = cli._load_flow(args.flow) if local.is_file() else None

    async def go() -> tuple[Flow, dict[tuple[str, str], FieldChoices]]:
        verify, timeout = cli._verify_of(profile), cli._timeouts_of(args, profile)
        async with LangflowClient(connection, token, verify=verify, timeout=timeout) as client:
            flow_id: str | None = None
            if flow_file is not None:
                flow, data = flow_file, _read_json(local)
            else:
                flow_id = await cli._resolve_flow_id(client, args.flow)
                data = await client.get_flow_json(flow_id)
                try:
                    flow = parse_flow(data, source=args.flow)
                except FlowError as exc:
                    cli._fail(f"the server sent a flow lfdesk cannot read: {exc}")
            fields = [(c, f) for c in flow.components for f in cli._visible_fields(c, args)]
            found = await flow_choices(client, fields, raw_nodes(data), flow_id=flow_id)
            return flow, {(fc.component_id, fc.field): fc for fc in found}

    flow, choices = cli._run_async(go())
    return flow, choices, show_url(connection.base_url)


def _model_json(row: ProviderRow) -> dict[str, Any]:
    return {
        "provider": row.name,
        "provider_id": row.id,
        "usable": row.usable,
        "reason": row.reason,
        "missing_variables": list(row.missing_variables),
        "live_discovery": row.live_discovery,
        "models": [
            {"name": m.name, "label": m.label, "usable": m.usable, "reason": m.reason,
             "reason_code": m.reason_code}
            for m in row.models
        ],
    }


def choices_json(choices: FieldChoices) -> dict[str, Any]:
    """A field's server choices for `--json` (exact: never escaped)."""
    if choices.kind == "model":
        return {
            "kind": "model",
            "model_type": choices.model_type,
            "providers": [_model_json(p) for p in choices.providers],
            "error": choices.error,
        }
    return {"kind": "options", "options": list(choices.options), "error": choices.error}


def field_json(choices: dict[tuple[str, str], FieldChoices], cid: str, name: str) -> dict[str, Any]:
    """`{"server_choices": ...}` for a field of `lfdesk components --json`, or {}."""
    found = choices.get((cid, name))
    return {"server_choices": choices_json(found)} if found is not None else {}


def _wrapped(items: list[str], indent: str) -> list[str]:
    return textwrap.wrap(
        ", ".join(items), _WIDTH, initial_indent=indent, subsequent_indent=indent,
        break_long_words=False, break_on_hyphens=False,
    )


def choice_lines(choices: FieldChoices) -> list[str]:
    """A field's server choices as lines under its row of `lfdesk components` (escaped)."""
    pad = " " * 4
    if choices.error is not None:
        return [escape(f"{pad}server choices not available: {choices.error}")]
    if choices.kind == "options":
        if not choices.options:
            return [f"{pad}server choices: (none)"]
        shown = [escape(o) for o in choices.options]
        return [f"{pad}server choices:", *_wrapped(shown, pad + "  ")]
    what = _TYPE_WORDS.get(choices.model_type or "", "models")
    ref = escape(f"{choices.component_id}.{choices.field}")
    lines = [f"{pad}server choices ({what}; --tweak {ref}=PROVIDER/MODEL):"]
    for p in choices.providers:
        state = "usable"
        if not p.usable:
            state = p.reason or "not usable"
            state = state.removeprefix(f"{p.name} is ")  # "not set up on the server: ..."
            if not p.models and p.live_discovery:
                state += "; it lists its models once it is set up"
        lines.append(escape(f"{pad}  {p.name}: {state}"))
        # A model's own reason (disabled, deprecated) only under a usable provider: under
        # another, the provider's line says why.
        names = [m.name + (f" ({m.reason})" if p.usable and m.reason else "") for m in p.models]
        lines += _wrapped([escape(n) for n in names], pad + "    ")
    return lines


# -- lfdesk run: model tweaks checked against the catalog -------------------------------------


def has_model_tweak(flow: Flow, tweaks: TweakSet) -> bool:
    from lfdesk.core.flow import FieldKind

    return any(
        flow.component(cid).field(name).kind is FieldKind.MODEL for cid, name, _ in tweaks.items()
    )


async def checked_tweaks(
    client: LangflowClient, flow: Flow, source: Any, args: argparse.Namespace
) -> TweakSet:
    """`lfdesk run`'s tweaks (`--tweaks-file`, `--tweak`), the models checked against the
    server's catalog unless `--no-model-check`; a model that cannot be used ends the
    command in one line."""
    from lfdesk import cli
    from lfdesk.core.catalog import ModelChoiceError

    found = cli._apply_tweaks(flow, args.tweaks_file, args.tweak)
    if args.no_model_check:
        return found
    try:
        return await checked_model_tweaks(
            client,
            flow,
            source,
            found,
            lambda hook: cli._apply_tweaks(flow, args.tweaks_file, args.tweak, hook),
            cli._warn,
        )
    except ModelChoiceError as exc:
        cli._fail(str(exc))


async def checked_model_tweaks(
    client: LangflowClient,
    flow: Flow,
    source: Any,
    tweaks: TweakSet,
    reapply: Callable[[ModelText], TweakSet],
    warn: Callable[[list[str]], None],
) -> TweakSet:
    """`tweaks` with each model checked against the server's catalog: the tweaks applied
    again by `reapply` with typed models resolved by the catalog, then every model value
    checked (`ModelChecker.check`). `source` is the flow's JSON, or the path of its file.
    Warnings go to `warn`; a model that cannot be used raises ModelChoiceError (one line).
    A server without a catalog (older Langflow): a warning, and `tweaks` as they are."""
    from lfdesk.core.api import LangflowError, NoModelCatalogError
    from lfdesk.core.catalog import ModelChoiceError
    from lfdesk.core.choices import ModelChecker, field_model_type, raw_nodes
    from lfdesk.core.flow import FieldKind
    from lfdesk.core.tweaks import TweakError

    if not has_model_tweak(flow, tweaks):
        return tweaks
    try:
        catalog = await client.model_catalog()
    except NoModelCatalogError as exc:
        warn([escape(f"{exc.message}: the model is sent unchecked")])
        return tweaks
    try:
        variables: set[str] | None = await client.variable_names()
    except LangflowError:
        variables = None  # the catalog's own flags still tell a provider that is not set up
    checker = ModelChecker(catalog, variables)
    nodes = raw_nodes(_read_json(source) if isinstance(source, Path) else source)

    def model_text(comp_ref: str, field_name: str, text: str) -> Any:
        try:
            comp = flow.component(comp_ref)
            fld = comp.field(field_name)
        except KeyError:
            return text  # TweakSet.set says what is wrong
        if fld.kind is not FieldKind.MODEL or text.strip()[:1] in ("[", "{"):
            return text  # a JSON model value: coerced as given, checked below
        try:
            return checker.resolve_text(text, field_model_type(nodes, comp.id, fld.name))
        except ModelChoiceError as exc:
            raise TweakError(str(exc)) from None

    checked = reapply(model_text)
    warn([escape(w) for w in checker.check(flow, checked, nodes)])
    return checked
