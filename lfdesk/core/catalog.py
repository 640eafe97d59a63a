"""The server's model catalog (`GET /api/v1/models`) and the value a `ModelInput` tweak takes.

Langflow 1.13's Language Model and Agent components choose their model with a `ModelInput`
whose choices live on the server, not in the flow file. This module reads the catalog
(providers, their models, the global variables each provider needs, whether it is set up),
says why a provider or model cannot be used, turns what a user typed (`gpt-4o-mini`,
`OpenAI/gpt-4o-mini`) into one model, and gives the tweak value the server accepts.
Replies are untrusted: sizes are bounded, malformed entries skipped. No network here.

What a 1.13.0 server does (observed, see tests/data/captures/model_tweak_runs.json):
- `[{"name": N, "provider": P}]` runs model N of provider P (P may be the display name or
  the id). The server's own UI sends the whole option object (`name`, `icon`, `provider`,
  `metadata`, sometimes `id`), but for a registered provider the server rebuilds the model
  class and parameters from its own registry and ignores `metadata`; both shapes gave the
  same answer. Only the first entry of the list is used.
- A bare name `"N"` is looked up in the server's static catalog and the first provider
  listing it wins (`gpt-4o-mini` -> OpenAI even when only OpenAI Compatible is set up), and
  a name only a live-discovery provider lists finds no provider at all. So a name is sent
  bare only when no provider is known.
- `[{"name": N}]` (no provider) fails: "The selected model is missing a provider".
- The server does not check N against the catalog, nor that the model is enabled in its
  model settings: a disabled model runs. Only a provider that is not set up makes the run
  fail (no API key / base URL), unless the server's environment supplies the variable.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

__all__ = [
    "EMBEDDINGS",
    "KNOWN_PROVIDERS",
    "LANGUAGE",
    "MAX_MODELS",
    "MAX_OPTIONS",
    "MAX_PROVIDERS",
    "MAX_VARIABLES",
    "AmbiguousModelError",
    "CatalogError",
    "Model",
    "ModelCatalog",
    "ModelChoiceError",
    "ModelOption",
    "ModelSelection",
    "Provider",
    "ProviderVariable",
    "Reason",
    "ReasonCode",
    "UnknownModelError",
    "catalog_model_type",
    "parse_catalog",
    "parse_enabled_models",
    "parse_model_options",
    "parse_model_text",
    "selection_from_value",
]

# Bounds on a reply (untrusted). A 1.13 server lists 9 providers and about 100 models.
MAX_PROVIDERS = 100
MAX_MODELS = 2000  # per provider
MAX_VARIABLES = 32  # per provider
MAX_OPTIONS = 5000  # entries of a model options list
_MAX_ENABLED = 50_000  # entries of an enabled-models map
_MAX_NAME = 300
_MAX_TEXT = 2000

# The catalog's `metadata.model_type` values; a ModelInput says "language" / "embedding".
LANGUAGE = "llm"
EMBEDDINGS = "embeddings"
_FIELD_MODEL_TYPES = {
    "language": LANGUAGE,
    "llm": LANGUAGE,
    "embedding": EMBEDDINGS,
    "embeddings": EMBEDDINGS,
}

# Providers of Langflow 1.13.0 (`GET /api/v1/models/providers`), for reading a typed
# `Provider/model` with no catalog at hand. Display names, matched exactly.
KNOWN_PROVIDERS = (
    "Anthropic",
    "Azure AI Foundry",
    "Azure OpenAI",
    "Google Generative AI",
    "Groq",
    "IBM WatsonX",
    "Ollama",
    "OpenAI",
    "OpenAI Compatible",
    "OpenRouter",
    "vLLM",
)

_DISABLED = "disabled in the server's model settings"
_TYPE_WORDS = {LANGUAGE: "language", EMBEDDINGS: "embedding"}

# The value a ModelInput holds to mean "take the model from a connected component".
_CONNECT_OTHER_MODELS = "connect_other_models"


class CatalogError(ValueError):
    """A reply that is not a model catalog at all (not a list of providers)."""


def _name(value: Any, limit: int = _MAX_NAME) -> str | None:
    """A non-empty, printable, bounded name; None for anything else."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > limit or not text.isprintable():
        return None
    return text


def _text(value: Any, limit: int = _MAX_TEXT) -> str:
    """Free text (descriptions, info), cut to `limit`; "" for anything not a string."""
    return value[:limit] if isinstance(value, str) else ""


def _flag(value: Any) -> bool:
    """A JSON boolean; anything else (1, "true", None) is False."""
    return value is True


def catalog_model_type(field_model_type: str | None) -> str | None:
    """The catalog's model type (`llm`, `embeddings`) for a ModelInput's `model_type`
    (`language`, `embedding`); None when it is missing or unknown (no filtering)."""
    if not isinstance(field_model_type, str):
        return None
    return _FIELD_MODEL_TYPES.get(field_model_type.strip().lower())


# -- values ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModelSelection:
    """A chosen model: its name and, when known, its provider (display name or id)."""

    name: str
    provider: str | None = None

    @property
    def label(self) -> str:
        """`Provider/name`, or the bare name when no provider is known."""
        return f"{self.provider}/{self.name}" if self.provider else self.name

    def tweak_value(self) -> str | list[dict[str, str]]:
        """The value to send as the field's tweak: `[{"name", "provider"}]`, which names
        the provider so two providers' same-named models never mix up; the bare name when
        no provider is known (`[{"name"}]` alone fails on the server, the bare name is
        looked up in its static catalog)."""
        if self.provider:
            return [{"name": self.name, "provider": self.provider}]
        return self.name


@dataclass(frozen=True, slots=True)
class ProviderVariable:
    """A global variable a provider reads (`OPENAI_API_KEY`, `OPENAI_COMPATIBLE_BASE_URL`)."""

    key: str
    display_name: str
    required: bool
    is_secret: bool
    description: str = ""
    field: str | None = None  # the component field that falls back to it, e.g. "api_key"


class _ProvidersModel:
    """A model named with its provider: its `Provider/name` label and the selection."""

    __slots__ = ()
    name: str
    provider: str  # display name

    @property
    def label(self) -> str:
        """`Provider/name`."""
        return f"{self.provider}/{self.name}"

    @property
    def selection(self) -> ModelSelection:
        return ModelSelection(self.name, self.provider)


@dataclass(frozen=True, slots=True)
class Model(_ProvidersModel):
    """One model of the catalog, with the flags the server gives it."""

    name: str
    provider: str  # display name, as the tweak sends it
    provider_id: str
    model_type: str = LANGUAGE  # "llm" or "embeddings" (or another value the server has)
    default: bool = False  # enabled without being switched on explicitly
    tool_calling: bool = False
    reasoning: bool = False
    search: bool = False
    preview: bool = False
    deprecated: bool = False
    not_supported: bool = False
    enabled: bool | None = None  # from `GET /api/v1/models/enabled_models`; None: not known

    def tweak_value(self) -> str | list[dict[str, str]]:
        """`[{"name": ..., "provider": ...}]`."""
        return self.selection.tweak_value()


@dataclass(frozen=True, slots=True)
class Provider:
    """A model provider of the catalog and its set-up state on the server.

    `configured`: every required variable is saved as a global variable of the caller
    (variables in the server's environment do not count). `enabled`: at least one of its
    models is enabled in the server's model settings (what Langflow's own UI offers).
    """

    id: str
    name: str
    models: tuple[Model, ...]
    variables: tuple[ProviderVariable, ...]
    configured: bool
    enabled: bool
    live_discovery: bool  # models come from the provider's endpoint once it is set up
    icon: str = ""
    docs_url: str = ""

    @property
    def required_variables(self) -> tuple[str, ...]:
        return tuple(v.key for v in self.variables if v.required)

    def missing_variables(self, existing: Collection[str] | None = None) -> tuple[str, ...]:
        """The required variables not set: those absent from `existing` (the caller's
        global variable names) when given; else all required ones of an unconfigured
        provider, none of a configured one."""
        if existing is not None:
            return tuple(k for k in self.required_variables if k not in existing)
        return () if self.configured else self.required_variables

    def variable_for_field(self, field_name: str) -> ProviderVariable | None:
        """The global variable a component field falls back to (`api_key` ->
        `OPENAI_API_KEY` for OpenAI), from the catalog's `component_metadata`."""
        for variable in self.variables:
            if variable.field == field_name:
                return variable
        return None

    def matches(self, ref: str) -> bool:
        """Whether `ref` names this provider: its id or display name, any case."""
        folded = ref.strip().casefold()
        return folded in (self.id.casefold(), self.name.casefold())


class ReasonCode(StrEnum):
    """Why a provider or model cannot be used as is."""

    NOT_CONFIGURED = "not_configured"  # required global variables missing: the run fails
    NOT_ENABLED = "not_enabled"  # set up, but none of its models is enabled
    MODEL_DISABLED = "model_disabled"  # switched off in the server's model settings
    DEPRECATED = "deprecated"
    NOT_SUPPORTED = "not_supported"


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a provider or model cannot be used as is, in words.

    Only NOT_CONFIGURED is `blocking` (the run fails unless the server's environment has
    the variable); the others mean Langflow's own UI does not offer the model, but a run
    with it still goes through (observed for a disabled model).
    """

    code: ReasonCode
    message: str  # a sentence naming the provider or model
    short: str  # the same said after a model's label: "disabled in the server's model settings"
    missing_variables: tuple[str, ...] = ()

    @property
    def blocking(self) -> bool:
        return self.code is ReasonCode.NOT_CONFIGURED


@dataclass(frozen=True, slots=True)
class ModelOption(_ProvidersModel):
    """One entry of a ModelInput's options (`GET /api/v1/model_options/language`, or the
    field's `options` after a component update): what the server's UI lists."""

    name: str
    provider: str
    provider_id: str = ""
    icon: str = ""
    category: str = ""


class ModelChoiceError(ValueError):
    """What a user typed does not name exactly one model of the catalog."""

    def __init__(self, message: str, text: str, choices: tuple[Model, ...] = ()) -> None:
        super().__init__(message)
        self.text = text
        self.choices = choices


class AmbiguousModelError(ModelChoiceError):
    """The name is offered by several providers; `choices` lists them."""


class UnknownModelError(ModelChoiceError):
    """No model of that name; `choices` holds the close matches."""


# -- the catalog -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModelCatalog:
    """The providers of `GET /api/v1/models`, in the server's order (default provider
    first, then configured ones, then by name)."""

    providers: tuple[Provider, ...]
    skipped: int = 0  # malformed entries left out (providers, models, variables)
    truncated: bool = False  # the reply had more than the bounds allow
    _by_id: dict[str, Provider] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update({p.id: p for p in self.providers})

    def provider(self, ref: str) -> Provider | None:
        """A provider by id or display name, any case; None if there is none."""
        found = self._by_id.get(ref)
        if found is not None:
            return found
        return next((p for p in self.providers if p.matches(ref)), None)

    def provider_of(self, model: Model) -> Provider | None:
        return self._by_id.get(model.provider_id)

    def models(self, model_type: str | None = None) -> tuple[Model, ...]:
        """Every model, or those of one catalog model type (`llm`, `embeddings`)."""
        return tuple(
            m
            for p in self.providers
            for m in p.models
            if model_type is None or m.model_type == model_type
        )

    def usable_models(self, model_type: str | None = None) -> tuple[Model, ...]:
        """The models nothing stands against (what the server's own UI would offer)."""
        return tuple(m for m in self.models(model_type) if self.why_not(m) is None)

    def find(self, name: str, model_type: str | None = None) -> tuple[Model, ...]:
        """The models called exactly `name`, one per provider."""
        return tuple(m for m in self.models(model_type) if m.name == name)

    def why_not(
        self, item: Model | Provider, existing_variables: Collection[str] | None = None
    ) -> Reason | None:
        """Why a provider or model cannot be used as is; None when nothing stands against
        it. `existing_variables` (the caller's global variable names) makes the list of
        missing variables exact."""
        provider = item if isinstance(item, Provider) else self.provider_of(item)
        if provider is not None and not provider.configured:
            missing = provider.missing_variables(existing_variables) or (
                provider.required_variables
            )
            short = f"{provider.name} is not set up on the server"
            if missing:
                s = "s" if len(missing) > 1 else ""
                short = f"{short}: it needs the global variable{s} {', '.join(missing)}"
            return Reason(ReasonCode.NOT_CONFIGURED, short, short, missing)
        if isinstance(item, Model):
            for code, flag, what in (
                (ReasonCode.NOT_SUPPORTED, item.not_supported, "not supported"),
                (ReasonCode.DEPRECATED, item.deprecated, "deprecated"),
                (ReasonCode.MODEL_DISABLED, item.enabled is False, _DISABLED),
            ):
                if flag:
                    return Reason(code, f"{item.label} is {what}", what)
            if item.enabled is True:
                return None
        if provider is not None and not provider.enabled:
            short = f"{provider.name} is set up, but none of its models is enabled"
            return Reason(ReasonCode.NOT_ENABLED, f"{short} in the server's model settings", short)
        return None

    def with_enabled_models(self, data: Any) -> ModelCatalog:
        """This catalog with each model's `enabled` flag from a
        `GET /api/v1/models/enabled_models` reply (models it does not name keep theirs)."""
        enabled = parse_enabled_models(data)
        if not enabled:
            return self
        providers = []
        for p in self.providers:
            models = []
            for m in p.models:
                state = enabled.get((m.provider, m.model_type, m.name))
                if state is None:
                    state = enabled.get((m.provider, "", m.name))
                models.append(m if state is None else replace(m, enabled=state))
            providers.append(replace(p, models=tuple(models)))
        return ModelCatalog(tuple(providers), self.skipped, self.truncated)

    def resolve(
        self,
        text: str,
        model_type: str | None = None,
        *,
        prefer_usable: bool = True,
        allow_unlisted: bool = False,
    ) -> ModelSelection:
        """The model a user means by `text`: a model name (`gpt-4o-mini`) or one qualified
        by its provider's display name or id (`OpenAI/gpt-4o-mini`,
        `openai-compatible/gpt-4o-mini`; model names may hold `/` themselves).

        Exact matches first, then any case. When several providers offer the name and
        `prefer_usable`, the one usable provider among them is taken; otherwise
        AmbiguousModelError lists the choices. Unknown: UnknownModelError with close
        matches, unless `allow_unlisted` and the text names a known provider (the server
        passes any name on to the provider).
        """
        typed = text.strip()
        if not typed:
            raise UnknownModelError("the model name is empty", text)
        pool = self.models(model_type)
        candidates = self._matches(typed, pool, exact=True) or self._matches(
            typed, pool, exact=False
        )
        if len(candidates) == 1:
            return candidates[0].selection
        if candidates:
            if prefer_usable:
                usable = [m for m in candidates if self.why_not(m) is None]
                if len(usable) == 1:
                    return usable[0].selection
            raise AmbiguousModelError(self._ambiguous_message(typed, candidates), text, candidates)
        if allow_unlisted:
            for prefix, rest in _splits(typed):
                provider = self.provider(prefix)
                if provider is not None and rest:
                    return ModelSelection(rest, provider.name)
        close = self._close_matches(typed, pool)
        message = f'no model "{typed}" in the server\'s catalog'
        if model_type:
            message += f" of {_TYPE_WORDS.get(model_type, model_type)} models"
        for prefix, _rest in _splits(typed):
            provider = self.provider(prefix)
            reason = self.why_not(provider) if provider is not None else None
            if provider is not None and reason is not None:
                message += f" ({reason.message}"
                if provider.live_discovery and not provider.configured:
                    message += "; it lists its models once it is set up"
                message += ")"
                break
        if close:
            message += "; close matches: " + ", ".join(m.label for m in close)
        raise UnknownModelError(message, text, close)

    def _matches(self, typed: str, pool: Iterable[Model], *, exact: bool) -> tuple[Model, ...]:
        """Models named `typed` outright or as `provider/name`, one entry per model."""

        def same(a: str, b: str) -> bool:
            return a == b if exact else a.casefold() == b.casefold()

        found: dict[tuple[str, str], Model] = {}
        splits = [(self.provider(prefix), rest) for prefix, rest in _splits(typed)]
        for m in pool:
            key = (m.provider_id, m.name)
            if key in found:
                continue
            if same(m.name, typed) or any(
                p is not None and p.id == m.provider_id and same(m.name, rest) for p, rest in splits
            ):
                found[key] = m
        return tuple(found.values())

    def _ambiguous_message(self, typed: str, candidates: tuple[Model, ...]) -> str:
        parts = []
        for m in candidates:
            reason = self.why_not(m)
            if reason is None:
                parts.append(m.label)
            elif reason.code is ReasonCode.NOT_CONFIGURED:
                parts.append(f"{m.label} (not set up on the server)")
            else:
                parts.append(f"{m.label} ({reason.short})")
        by_id = [m for m in candidates if m.provider_id != m.provider and self.why_not(m) is None]
        example = (by_id or list(candidates))[0]
        return (
            f'"{typed}" is offered by {len(candidates)} providers; name one as '
            f"provider/model (by its name or id, e.g. {example.provider_id}/{example.name}): "
            + ", ".join(parts)
        )

    @staticmethod
    def _close_matches(typed: str, pool: tuple[Model, ...], limit: int = 6) -> tuple[Model, ...]:
        """Models whose name or `provider/name` is close to `typed`, closest first."""
        by_key: dict[str, list[Model]] = {}
        for m in pool:
            by_key.setdefault(m.name.casefold(), []).append(m)
            by_key.setdefault(m.label.casefold(), []).append(m)
        keys = difflib.get_close_matches(typed.casefold(), list(by_key), n=limit, cutoff=0.6)
        found: dict[tuple[str, str], Model] = {}
        for key in keys:
            for m in by_key[key]:
                found.setdefault((m.provider_id, m.name), m)
        return tuple(found.values())[:limit]


def _splits(typed: str) -> list[tuple[str, str]]:
    """Every way to read `typed` as `provider/model`, at each `/`."""
    return [(typed[:i].strip(), typed[i + 1 :].strip()) for i, c in enumerate(typed) if c == "/"]


# -- parsing -----------------------------------------------------------------------------


def _parse_variable(entry: Any) -> ProviderVariable | None:
    if not isinstance(entry, dict):
        return None
    key = _name(entry.get("variable_key"), 200)
    if key is None:
        return None
    meta = entry.get("component_metadata")
    mapped = _name(meta.get("mapping_field"), 200) if isinstance(meta, dict) else None
    return ProviderVariable(
        key=key,
        display_name=_name(entry.get("variable_name")) or key,
        required=_flag(entry.get("required")),
        is_secret=_flag(entry.get("is_secret")),
        description=_text(entry.get("description")),
        field=mapped,
    )


def _parse_model(entry: Any, provider: str, provider_id: str) -> Model | None:
    if not isinstance(entry, dict):
        return None
    name = _name(entry.get("model_name"))
    if name is None:
        return None
    meta = entry.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    return Model(
        name=name,
        provider=provider,
        provider_id=provider_id,
        model_type=_name(meta.get("model_type"), 40) or LANGUAGE,
        default=_flag(meta.get("default")),
        tool_calling=_flag(meta.get("tool_calling")),
        reasoning=_flag(meta.get("reasoning")),
        search=_flag(meta.get("search")),
        preview=_flag(meta.get("preview")),
        deprecated=_flag(meta.get("deprecated")),
        not_supported=_flag(meta.get("not_supported")),
    )


def _provider_id(name: str) -> str:
    """An id for a provider the reply gives none (the server's own rule is close to this)."""
    return "-".join(name.lower().split())


def _parse_provider(entry: dict[str, Any]) -> tuple[Provider | None, int, bool]:
    """One provider, the count of its entries skipped, and whether a bound cut it."""
    name = _name(entry.get("provider"))
    if name is None:
        return None, 1, False
    pid = _name(entry.get("provider_id"), 200) or _provider_id(name)
    skipped, truncated = 0, False
    models: list[Model] = []
    seen: set[tuple[str, str]] = set()
    raw_models = entry.get("models")
    for raw in raw_models if isinstance(raw_models, list) else ():
        if len(models) >= MAX_MODELS:
            truncated = True
            break
        model = _parse_model(raw, name, pid)
        if model is None or (model.name, model.model_type) in seen:
            skipped += 1
            continue
        seen.add((model.name, model.model_type))
        models.append(model)
    variables: list[ProviderVariable] = []
    raw_variables = entry.get("variables")
    for raw in raw_variables if isinstance(raw_variables, list) else ():
        if len(variables) >= MAX_VARIABLES:
            truncated = True
            break
        variable = _parse_variable(raw)
        if variable is None or any(v.key == variable.key for v in variables):
            skipped += 1
            continue
        variables.append(variable)
    provider = Provider(
        id=pid,
        name=name,
        models=tuple(models),
        variables=tuple(variables),
        configured=_flag(entry.get("is_configured")),
        enabled=_flag(entry.get("is_enabled")),
        live_discovery=_flag(entry.get("live_discovery")),
        icon=_name(entry.get("icon"), 100) or "",
        docs_url=_name(entry.get("api_docs_url"), 1000) or "",
    )
    return provider, skipped, truncated


def parse_catalog(data: Any) -> ModelCatalog:
    """Read a `GET /api/v1/models` reply (parsed JSON). CatalogError unless it is a list;
    entries without a provider name, repeated providers and malformed models or
    variables are skipped (counted in `skipped`); counts are bounded (`truncated`)."""
    if not isinstance(data, list):
        raise CatalogError(
            f"the server's model catalog is not a list of providers (got {type(data).__name__})"
        )
    providers: list[Provider] = []
    ids: set[str] = set()
    skipped, truncated = 0, False
    for entry in data:
        if len(providers) >= MAX_PROVIDERS:
            truncated = True
            break
        if not isinstance(entry, dict):
            skipped += 1
            continue
        provider, bad, cut = _parse_provider(entry)
        skipped += bad
        truncated = truncated or cut
        if provider is None:
            continue
        if provider.id in ids or any(p.name == provider.name for p in providers):
            skipped += 1
            continue
        ids.add(provider.id)
        providers.append(provider)
    return ModelCatalog(tuple(providers), skipped, truncated)


def parse_enabled_models(data: Any) -> dict[tuple[str, str, str], bool]:
    """Read a `GET /api/v1/models/enabled_models` reply into
    `{(provider, model_type, name): enabled}`; `model_type` is "" for the flat map (which
    ORs a name's types), the type for `enabled_models_by_type`. Malformed parts skipped."""
    found: dict[tuple[str, str, str], bool] = {}
    if not isinstance(data, dict):
        return found

    def take(provider: str, model_type: str, models: Any) -> None:
        if not isinstance(models, dict):
            return
        for name, state in models.items():
            if len(found) >= _MAX_ENABLED:
                return
            clean = _name(name)
            if clean is not None and isinstance(state, bool):
                found[(provider, model_type, clean)] = state

    flat = data.get("enabled_models")
    if isinstance(flat, dict):
        for provider, models in flat.items():
            if (p := _name(provider)) is not None:
                take(p, "", models)
    by_type = data.get("enabled_models_by_type")
    if isinstance(by_type, dict):
        for provider, types in by_type.items():
            if (p := _name(provider)) is None or not isinstance(types, dict):
                continue
            for model_type, models in types.items():
                if (t := _name(model_type, 40)) is not None:
                    take(p, t, models)
    return found


def parse_model_options(data: Any) -> tuple[ModelOption, ...]:
    """Read a model options list (`GET /api/v1/model_options/language` or `/embedding`, or
    a ModelInput's `options`): entries without a name and a provider are skipped, as are
    repeats; at most MAX_OPTIONS."""
    if not isinstance(data, list):
        return ()
    options: list[ModelOption] = []
    seen: set[tuple[str, str]] = set()
    for entry in data:
        if len(options) >= MAX_OPTIONS:
            break
        if not isinstance(entry, dict):
            continue
        name = _name(entry.get("name"))
        provider = _name(entry.get("provider"))
        if name is None or provider is None or (provider, name) in seen:
            continue
        seen.add((provider, name))
        options.append(
            ModelOption(
                name=name,
                provider=provider,
                provider_id=_name(entry.get("provider_id"), 200) or "",
                icon=_name(entry.get("icon"), 100) or "",
                category=_name(entry.get("category")) or "",
            )
        )
    return tuple(options)


def selection_from_value(value: Any) -> ModelSelection | None:
    """The model a ModelInput's value (in a flow file, a tweak, a component update reply)
    names: a bare name, or the first `{"name", "provider"}` object of a list (an object
    alone is read too). None when it names none (empty, `connect_other_models`, junk)."""
    if isinstance(value, str):
        name = _name(value)
        return None if name is None or name == _CONNECT_OTHER_MODELS else ModelSelection(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, Mapping):
        name = _name(value.get("name"))
        if name is None:
            return None
        return ModelSelection(name, _name(value.get("provider")))
    return None


def parse_model_text(
    text: str, providers: Iterable[str] = KNOWN_PROVIDERS
) -> ModelSelection | None:
    """What a user typed, read with no catalog at hand (not connected): `Provider/model`
    when the part before the first `/` is exactly one of `providers` (display names, as
    the server spells them), else a bare name, which the server looks up in its static
    catalog. None for an empty text. Use ModelCatalog.resolve when connected."""
    typed = text.strip()
    if not typed:
        return None
    known = set(providers)
    for prefix, rest in _splits(typed):
        if prefix in known and rest:
            return ModelSelection(rest, prefix)
    return ModelSelection(typed)
