"""What the form shows for fields whose choices live on the server, as plain values (no Qt).

A `ModelInput` field (Langflow 1.13's Language Model, Agent...) picks a provider, then a
model, from the server's model catalog (`ServerModels`: the catalog and, when the server
gave them, the caller's global variable names); `model_choices` lists them with what
stands against each (`catalog.why_not`). `component_notes` writes the line under a field:
which global variables the chosen provider reads (and whether they exist on the server),
and under the component's API key field, that leaving it empty means the server reads one
of them. `node_facts` reads what `core.flow.Field` does not keep from the flow's own JSON:
which fields the server refreshes (a refresh button, `dynamic.build_update_request`) and
each ModelInput's model type. The catalog presenter (`catalogview`) builds these; the
model editor and the form only show them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lfdesk.core.catalog import (
    KNOWN_PROVIDERS,
    ModelCatalog,
    ModelSelection,
    Provider,
    ProviderVariable,
    Reason,
    ReasonCode,
    catalog_model_type,
    selection_from_value,
)
from lfdesk.core.flow import Component, FieldKind
from lfdesk.core.profiles import Profile
from lfdesk.core.tweaks import GlobalVariable

__all__ = [
    "OFFLINE_NOTE",
    "FieldNote",
    "FlowSource",
    "ModelChoices",
    "ModelEntry",
    "NodeFacts",
    "ProviderEntry",
    "ServerModels",
    "component_notes",
    "connection_key",
    "model_choices",
    "node_facts",
]

EXAMPLE = "OpenAI/gpt-4o-mini"


@dataclass(frozen=True, slots=True)
class FieldNote:
    """The line under a field: what the server does with it. `warn`: something stands in
    the way of a run (shown in the warning colour)."""

    text: str
    warn: bool = False


OFFLINE_NOTE = FieldNote(
    "Choices come from the server's model catalog; connect to pick one, or type "
    f"Provider/model (e.g. {EXAMPLE})."
)
LOADING_NOTE = FieldNote("Reading the server's model catalog…")


def connection_key(profile: Profile) -> str:
    """What a catalog is cached under: the profile and its address (an edited address is
    another server)."""
    return f"{profile.name}\n{profile.base_url}"


@dataclass(frozen=True, slots=True)
class ServerModels:
    """A connection's model catalog, read once per connection (`key`: `connection_key`),
    and the caller's global variable names when the server gave them (None: not known)."""

    key: str
    catalog: ModelCatalog
    variables: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """One model in a list: `label` is its name under a chosen provider, or
    `Provider/name` in the list of every usable model."""

    label: str
    selection: ModelSelection
    reason: Reason | None = None


@dataclass(frozen=True, slots=True)
class ProviderEntry:
    """One provider in the provider list: `label` says what stands against it, briefly."""

    name: str
    id: str
    label: str
    reason: Reason | None
    models: tuple[ModelEntry, ...]
    live_discovery: bool = False

    def matches(self, ref: str) -> bool:
        folded = ref.strip().casefold()
        return folded in (self.name.casefold(), self.id.casefold())


@dataclass(frozen=True, slots=True)
class ModelChoices:
    """The providers and models a ModelInput field of one model type may take."""

    providers: tuple[ProviderEntry, ...]
    usable: tuple[ModelEntry, ...]  # every model nothing stands against, as Provider/name

    def provider(self, ref: str | None) -> ProviderEntry | None:
        if not ref:
            return None
        return next((p for p in self.providers if p.matches(ref)), None)

    @property
    def provider_names(self) -> tuple[str, ...]:
        """Every provider name a typed `Provider/model` may start with."""
        names = [p.name for p in self.providers]
        return (*names, *(n for n in KNOWN_PROVIDERS if n not in names))


_PROVIDER_TAGS = {
    ReasonCode.NOT_CONFIGURED: "not set up",
    ReasonCode.NOT_ENABLED: "no model enabled",
}


def model_choices(models: ServerModels, model_type: str | None) -> ModelChoices:
    """The catalog's providers and their models of `model_type` (a ModelInput's
    `language` / `embedding`, or the catalog's own `llm` / `embeddings`; None: all), each
    with what stands against it. Providers with no such model are left out, except those
    that list their models only once set up."""
    catalog, variables = models.catalog, models.variables
    wanted = catalog_model_type(model_type) or model_type
    entries: list[ProviderEntry] = []
    usable: list[ModelEntry] = []
    for p in catalog.providers:
        listed = [m for m in p.models if wanted is None or m.model_type == wanted]
        if not listed and not (p.live_discovery and not p.configured):
            continue
        reason = catalog.why_not(p, variables)
        tag = _PROVIDER_TAGS.get(reason.code, reason.short) if reason else ""
        rows = []
        for m in listed:
            why = catalog.why_not(m, variables)
            rows.append(ModelEntry(m.name, m.selection, why))
            if why is None:
                usable.append(ModelEntry(m.label, m.selection))
        label = f"{p.name} ({tag})" if tag else p.name
        entries.append(ProviderEntry(p.name, p.id, label, reason, tuple(rows), p.live_discovery))
    return ModelChoices(tuple(entries), tuple(usable))


# --- notes ----------------------------------------------------------------------------------


def _variable_state(
    key: str, variables: frozenset[str] | None, *, optional: bool = False
) -> str:
    """`KEY (optional, not set on the server)`: what is known of a global variable."""
    said = ["optional"] if optional else []
    if variables is not None:
        said.append(f"{'set' if key in variables else 'not set'} on the server")
    return f"{key} ({', '.join(said)})" if said else key


def _provider_note(p: Provider, variables: frozenset[str] | None) -> str:
    """`OpenAI reads the global variables OPENAI_API_KEY (set on the server) and ...`."""
    keys = [_variable_state(v.key, variables, optional=not v.required) for v in p.variables]
    if not keys:
        return ""
    s = "s" if len(keys) > 1 else ""
    listed = keys[0] if len(keys) == 1 else ", ".join(keys[:-1]) + " and " + keys[-1]
    return f"{p.name} reads the global variable{s} {listed}."


def _model_note(
    selection: ModelSelection | None, models: ServerModels, model_type: str | None
) -> tuple[FieldNote, Provider | None]:
    """The note under a ModelInput with a catalog at hand, and the provider chosen."""
    catalog, variables = models.catalog, models.variables
    wanted = catalog_model_type(model_type) or model_type
    if selection is None:
        return FieldNote("No model chosen: pick a provider, then a model.", warn=True), None
    if selection.provider is None:
        offered = sorted({m.provider for m in catalog.find(selection.name, wanted)})
        if not offered:
            text = (
                f'"{selection.name}" is in no provider\'s list here; pick a provider '
                "(the server looks a bare name up in its own catalog)."
            )
            return FieldNote(text, warn=True), None
        text = (
            f"A model name alone: the server picks the provider itself ({', '.join(offered)} "
            "list it). Pick a provider to be sure which one runs."
        )
        return FieldNote(text, warn=True), None
    provider = catalog.provider(selection.provider)
    if provider is None:
        text = f'The server\'s catalog has no provider "{selection.provider}": the run fails.'
        return FieldNote(text, warn=True), None
    model = next((m for m in provider.models if m.name == selection.name), None)
    reason = catalog.why_not(model or provider, variables)
    parts: list[str] = []
    if reason is not None and reason.code is ReasonCode.NOT_CONFIGURED:
        text = reason.message
        if provider.live_discovery:
            text += "; it lists its models once it is set up"
        parts.append(text + ".")
        optional = [v.key for v in provider.variables if not v.required]
        if optional:
            parts.append(f"Optional: {', '.join(optional)}.")
    else:
        if reason is not None:
            parts.append(reason.message + ".")
        elif model is None and provider.models:
            parts.append(f"{selection.name} is not in {provider.name}'s list; sent as typed.")
        parts.append(_provider_note(provider, variables))
    warn = reason is not None and reason.blocking
    return FieldNote(" ".join(p for p in parts if p), warn), provider


def _linked_note(
    variable: ProviderVariable, value: Any, variables: frozenset[str] | None
) -> FieldNote:
    """Under a field a provider's global variable stands in for (the API key...)."""
    if isinstance(value, GlobalVariable):
        return FieldNote(f"Reads the global variable {value.name}.")
    if value not in (None, "", []):
        return FieldNote(f"Filled in: sent instead of the global variable {variable.key}.")
    missing = variables is not None and variable.key not in variables
    state = _variable_state(variable.key, variables)
    text = f"Empty: the server reads the global variable {state}."
    return FieldNote(text, warn=missing and variable.required)


def component_notes(
    component: Component,
    value: Callable[[str], Any],
    models: ServerModels | None,
    *,
    model_types: Mapping[str, str] | None = None,
    status: FieldNote | None = None,
) -> dict[str, FieldNote]:
    """The notes of a component's fields that depend on the model catalog: under each
    ModelInput (what stands against the choice, the variables its provider reads; or
    `status`, e.g. loading, offline, failed, when there is no catalog), and under the fields
    the chosen provider's global variables stand in for. `value(name)`: a field's value now."""
    notes: dict[str, FieldNote] = {}
    chosen: Provider | None = None
    for fld in component.fields:
        if fld.kind is not FieldKind.MODEL or not fld.tweakable:
            continue
        if models is None:
            notes[fld.name] = status or OFFLINE_NOTE
            continue
        model_type = (model_types or {}).get(fld.name)
        note, provider = _model_note(selection_from_value(value(fld.name)), models, model_type)
        notes[fld.name] = note
        chosen = chosen or provider
    if chosen is not None and models is not None:
        for fld in component.fields:
            variable = chosen.variable_for_field(fld.name)
            if variable is not None and fld.kind is not FieldKind.MODEL:
                notes[fld.name] = _linked_note(variable, value(fld.name), models.variables)
    return notes


# --- the flow's own JSON ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FlowSource:
    """A flow's JSON as read again (a file, or the server's), for `node_facts`; `key`: the
    asker's, to tell an answer for a document no longer open. (A value of its own, so a
    Qt signal passes it as it is, without making a QVariantMap of the JSON.)"""

    key: str
    data: Mapping[str, Any] = field(repr=False)


@dataclass(frozen=True, slots=True)
class NodeFacts:
    """What a component's node in the flow JSON says that `core.flow.Field` does not keep:
    the node itself (for the component update call), the fields the server refreshes, and
    each ModelInput's model type (`language`, `embedding`)."""

    node: Mapping[str, Any] = field(repr=False)
    refreshable: frozenset[str] = frozenset()
    model_types: Mapping[str, str] = field(default_factory=dict)


def _refreshable(template: Mapping[str, Any]) -> frozenset[str]:
    """Fields with a refresh button, and those refreshed on change whose options the file
    leaves empty (the server fills them): Langflow's canvas asks the server for both."""
    names = set()
    for name, spec in template.items():
        if not isinstance(spec, Mapping):
            continue
        empty_options = isinstance(spec.get("options"), list) and not spec["options"]
        if spec.get("refresh_button") is True or (
            spec.get("real_time_refresh") is True and empty_options
        ):
            names.add(str(name))
    return frozenset(names)


def _facts(node: Mapping[str, Any]) -> NodeFacts:
    template = node.get("template")
    if not isinstance(template, Mapping):
        return NodeFacts(node)
    model_types = {
        str(name): spec["model_type"]
        for name, spec in template.items()
        if isinstance(spec, Mapping) and isinstance(spec.get("model_type"), str)
    }
    return NodeFacts(node, _refreshable(template), model_types)


def node_facts(flow_data: Any, _depth: int = 0) -> dict[str, NodeFacts]:
    """The facts of every component of a flow's JSON (a file, or `GET /api/v1/flows/{id}`),
    by component id, groups' inner nodes included. Anything malformed is skipped: the
    flow was parsed already, this only adds to it."""
    found: dict[str, NodeFacts] = {}
    if _depth > 20 or not isinstance(flow_data, Mapping):
        return found
    graph = flow_data.get("data") if "data" in flow_data else flow_data
    nodes = graph.get("nodes") if isinstance(graph, Mapping) else None
    for n in nodes if isinstance(nodes, list) else ():
        ndata = n.get("data") if isinstance(n, Mapping) else None
        node = ndata.get("node") if isinstance(ndata, Mapping) else None
        if not isinstance(node, Mapping) or not isinstance(ndata, Mapping):
            continue
        inner = node.get("flow")
        if isinstance(inner, Mapping):
            found.update(node_facts(inner, _depth + 1))
            continue
        node_id = ndata.get("id") or n.get("id")
        if isinstance(node_id, str) and node_id:
            found[node_id] = _facts(node)
    return found
