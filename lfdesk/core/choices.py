"""The choices a server offers for a flow's fields, and a model tweak checked against them.

A model field (`ModelInput`) takes its choices from the server's model catalog; a field with
a refresh button takes them from the component update call (the server rebuilds the
component with the flow's values). `flow_choices` gathers both for `lfdesk components
--url`; `ModelChecker` checks the model tweaks of a run before it is sent (`lfdesk run`).
Server data is untrusted: the catalog and the update reply are bounded where they are read
(`catalog`, `dynamic`, `api.models`); callers escape what they print.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from lfdesk.core.catalog import (
    ModelCatalog,
    ModelChoiceError,
    ModelSelection,
    Provider,
    ReasonCode,
    UnknownModelError,
    catalog_model_type,
    selection_from_value,
)
from lfdesk.core.dynamic import DynamicFieldError, build_update_request
from lfdesk.core.flow import Component, Field, FieldKind, Flow
from lfdesk.core.tweaks import GlobalVariable, TweakSet

if TYPE_CHECKING:
    from lfdesk.core.api import LangflowClient

__all__ = [
    "FieldChoices",
    "ModelChecker",
    "ModelRow",
    "ProviderNotReadyError",
    "ProviderRow",
    "field_model_type",
    "flow_choices",
    "model_choices",
    "option_text",
    "raw_nodes",
    "refresh_button",
]

log = logging.getLogger(__name__)

_MAX_OPTION_TEXT = 300


def raw_nodes(data: Any) -> dict[str, Mapping[str, Any]]:
    """Each component's `data.node` in a flow's JSON, by node id, group members included
    (the flow was parsed by `core.flow` already, so its nesting is bounded)."""
    found: dict[str, Mapping[str, Any]] = {}

    def walk(graph: Any) -> None:
        nodes = graph.get("nodes") if isinstance(graph, Mapping) else None
        for n in nodes if isinstance(nodes, list) else ():
            ndata = n.get("data") if isinstance(n, Mapping) else None
            if not isinstance(ndata, Mapping) or not isinstance(ndata.get("node"), Mapping):
                continue
            node: Mapping[str, Any] = ndata["node"]
            inner = node.get("flow")
            if isinstance(inner, Mapping):
                inner_data = inner.get("data")
                walk(inner_data if isinstance(inner_data, Mapping) else inner)
                continue
            node_id = ndata.get("id") or n.get("id")
            if isinstance(node_id, str):
                found[node_id] = node

    if isinstance(data, Mapping):
        graph = data.get("data")
        walk(graph if isinstance(graph, Mapping) else data)
    return found


def _spec(nodes: Mapping[str, Mapping[str, Any]], cid: str, name: str) -> Mapping[str, Any]:
    template = nodes.get(cid, {}).get("template")
    spec = template.get(name) if isinstance(template, Mapping) else None
    return spec if isinstance(spec, Mapping) else {}


def field_model_type(nodes: Mapping[str, Mapping[str, Any]], cid: str, name: str) -> str | None:
    """The catalog model type (`llm`, `embeddings`) a model field takes; None if unknown."""
    value = _spec(nodes, cid, name).get("model_type")
    return catalog_model_type(value if isinstance(value, str) else None)


def refresh_button(nodes: Mapping[str, Mapping[str, Any]], cid: str, name: str) -> bool:
    """Whether the field's choices come from the server (a refresh button on the canvas)."""
    return _spec(nodes, cid, name).get("refresh_button") is True


def option_text(option: Any) -> str:
    """A refreshed option as text: a string as it is, an object by its `name` (and its
    `provider`, for a model option)."""
    if isinstance(option, Mapping):
        name, provider = option.get("name"), option.get("provider")
        text = f"{provider}/{name}" if isinstance(provider, str) and provider else str(name)
    else:
        text = str(option)
    return text[:_MAX_OPTION_TEXT]


# -- what the server offers ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModelRow:
    """A model a field may take, and why not (`reason`, short) when it is not usable."""

    name: str
    label: str  # Provider/name, what `--tweak C.model=` takes
    usable: bool
    reason: str | None
    reason_code: str | None


@dataclass(frozen=True, slots=True)
class ProviderRow:
    """A provider of the catalog for one field: usable, or why not, and its models."""

    name: str
    id: str
    usable: bool
    reason: str | None
    missing_variables: tuple[str, ...]
    live_discovery: bool
    models: tuple[ModelRow, ...]


@dataclass(frozen=True, slots=True)
class FieldChoices:
    """What the server offers for one field: a model field's providers and models, or a
    refresh field's options; `error` (one line) when the server could not say."""

    component_id: str
    field: str
    kind: Literal["model", "options"]
    model_type: str | None = None
    providers: tuple[ProviderRow, ...] = ()
    options: tuple[str, ...] = ()
    error: str | None = None


def model_choices(
    catalog: ModelCatalog, model_type: str | None, variables: Collection[str] | None = None
) -> tuple[ProviderRow, ...]:
    """The catalog's providers (server order) with their models of `model_type`, each
    usable or not with the reason; `variables` (the caller's global variable names) makes
    the missing variables exact."""
    rows = []
    for p in catalog.providers:
        reason = catalog.why_not(p, variables)
        models = []
        for m in p.models:
            if model_type is not None and m.model_type != model_type:
                continue
            why = catalog.why_not(m, variables)
            models.append(
                ModelRow(
                    m.name,
                    m.label,
                    why is None,
                    why.short if why else None,
                    why.code.value if why else None,
                )
            )
        rows.append(
            ProviderRow(
                name=p.name,
                id=p.id,
                usable=reason is None,
                reason=reason.message if reason else None,
                missing_variables=reason.missing_variables if reason else (),
                live_discovery=p.live_discovery,
                models=tuple(models),
            )
        )
    return tuple(rows)


async def flow_choices(
    client: LangflowClient,
    fields: Iterable[tuple[Component, Field]],
    nodes: Mapping[str, Mapping[str, Any]],
    *,
    flow_id: str | None = None,
) -> list[FieldChoices]:
    """What the server offers for each of `fields` that is a model field (from its model
    catalog, read once) or has a refresh button (a component update with the flow's
    values, in `nodes`). `flow_id` only for a flow stored on that server. A failure that
    concerns one field (no catalog, a component that does not rebuild) is that field's
    `error`; any other (unreachable, refused key) raises its LangflowError."""
    from lfdesk.core.api import ComponentUpdateError, LangflowError, NoModelCatalogError

    catalog: ModelCatalog | None = None
    catalog_error: str | None = None
    variables: set[str] | None = None
    out: list[FieldChoices] = []
    for comp, fld in fields:
        if fld.kind is FieldKind.MODEL:
            model_type = field_model_type(nodes, comp.id, fld.name)
            if catalog is None and catalog_error is None:
                try:
                    catalog = await client.model_catalog()
                except NoModelCatalogError as exc:
                    catalog_error = exc.message
                if catalog is not None:
                    try:
                        variables = await client.variable_names()
                    except LangflowError as exc:  # the catalog's own flags still say a lot
                        log.info("global variable names not read: %s", exc)
            if catalog is None:
                failed = FieldChoices(comp.id, fld.name, "model", model_type, error=catalog_error)
                out.append(failed)
                continue
            rows = model_choices(catalog, model_type, variables)
            out.append(FieldChoices(comp.id, fld.name, "model", model_type, providers=rows))
        elif refresh_button(nodes, comp.id, fld.name):
            try:
                request = build_update_request(nodes[comp.id], fld.name, flow_id=flow_id)
                refreshed = await client.update_component(request)
            except (DynamicFieldError, ComponentUpdateError) as exc:
                text = exc.message if isinstance(exc, LangflowError) else str(exc)
                out.append(FieldChoices(comp.id, fld.name, "options", error=text))
                continue
            found = refreshed.field(fld.name)
            options = tuple(option_text(o) for o in found.options) if found else ()
            out.append(FieldChoices(comp.id, fld.name, "options", options=options))
    return out


# -- a model tweak checked before a run -----------------------------------------------------


class ProviderNotReadyError(ModelChoiceError):
    """The model's provider is not set up on the server and nothing in the run supplies
    what it lacks: the run would fail (unless the server's environment has it)."""

    def __init__(self, message: str, text: str, missing: tuple[str, ...]) -> None:
        super().__init__(message, text)
        self.missing = missing


@dataclass
class ModelChecker:
    """Checks a run's model tweaks against the server's catalog (see `check`)."""

    catalog: ModelCatalog
    variables: Collection[str] | None = None  # the caller's global variable names

    def resolve_text(self, text: str, model_type: str | None) -> Any:
        """The value to send for a model typed as text (`gpt-4o-mini`,
        `OpenAI/gpt-4o-mini`, `openai-compatible/gpt-4o-mini`): the one model of the catalog
        it names, with its provider. ModelChoiceError (ambiguous, unknown) lists choices."""
        return self.catalog.resolve(text, model_type).tweak_value()

    def check(
        self, flow: Flow, tweaks: TweakSet, nodes: Mapping[str, Mapping[str, Any]]
    ) -> list[str]:
        """Check every model tweak in `tweaks` (in place): a bare name (a tweaks file's)
        is resolved as typed text is; a model object's provider must be in the catalog
        (its model may be one the catalog does not list: a warning, the server passes it
        on). ProviderNotReadyError when the provider is not set up and the component does
        not supply what it lacks (e.g. its `api_key`). Returns one-line warnings: a model
        the catalog does not list, or one switched off in the server's settings (the
        server runs those)."""
        warnings: list[str] = []
        for cid, name, value in list(tweaks.items()):
            comp = flow.component(cid)
            if comp.field(name).kind is not FieldKind.MODEL:
                continue
            where = f"{cid}.{name}"
            model_type = field_model_type(nodes, cid, name)
            if isinstance(value, str):
                try:
                    value = self.resolve_text(value, model_type)
                except ModelChoiceError as exc:
                    raise type(exc)(f"{where}: {exc}", exc.text, exc.choices) from None
                tweaks.set(cid, name, value)
            selection = selection_from_value(value)
            if selection is None or selection.provider is None:
                continue
            provider = self.catalog.provider(selection.provider)
            if provider is None:
                names = ", ".join(p.name for p in self.catalog.providers)
                raise UnknownModelError(
                    f'no provider "{selection.provider}" in the server\'s catalog '
                    f"(providers: {names})",
                    selection.label,
                )
            listed = next(
                (m for m in self.catalog.find(selection.name, model_type)
                 if m.provider_id == provider.id),
                None,
            )
            if listed is None:
                warnings.append(
                    f"{where}: the server's catalog does not list {provider.name}/"
                    f"{selection.name}; it is sent as given"
                )
            self._ready(comp, tweaks, provider, selection, where)
            reason = self.catalog.why_not(listed or provider, self.variables)
            if reason is not None and not reason.blocking:
                warnings.append(f"{where}: {reason.message}; the server runs it anyway")
        return warnings

    def _ready(
        self,
        comp: Component,
        tweaks: TweakSet,
        provider: Provider,
        selection: ModelSelection,
        where: str,
    ) -> None:
        reason = self.catalog.why_not(provider, self.variables)
        if reason is None or reason.code is not ReasonCode.NOT_CONFIGURED:
            return
        fields = {}
        for variable in provider.variables:
            if variable.field and comp.has_field(variable.field):
                fields[variable.key] = variable.field
        missing = tuple(
            key for key in reason.missing_variables
            if not (key in fields and _supplied(tweaks.value(comp.id, fields[key])))
        )
        if not missing:
            return
        s = "s" if len(missing) > 1 else ""
        ways = ["set it in Langflow (Settings > Model Providers)"]
        given = [f"--tweak {comp.id}.{fields[k]}=..." for k in missing if k in fields]
        if given:
            ways.append("give it to the component (" + ", ".join(given) + ")")
        ways.append("or, if the server's environment has it, skip this check (--no-model-check)")
        raise ProviderNotReadyError(
            f"{where}: {provider.name} is not set up on the server: the model "
            f"{selection.name!r} needs the global variable{s} {', '.join(missing)}; "
            + ", ".join(ways),
            selection.label,
            missing,
        )


def _supplied(value: Any) -> bool:
    """Whether a field's value gives the provider what it needs (a variable name counts)."""
    if isinstance(value, GlobalVariable):
        return bool(value.name.strip())
    return isinstance(value, str) and bool(value.strip())
