"""Fields whose choices the server computes (`refresh_button` / `real_time_refresh`): the
component update call Langflow's own UI makes, and the refreshed fields read from its reply.

Langflow 1.13's canvas, when such a field is refreshed or changed, posts
`POST /api/v1/custom_component/update?flow_id=<id>` with `{"code", "frontend_node":
{"metadata"}, "template", "field", "field_value", "tool_mode"}`; the template is the node's
current one plus `_frontend_node_flow_id: {"value": <id>}` (when the flow is on the
server) and `is_refresh: true`. The reply is the whole node rebuilt (`template`,
`outputs`, ...): a ModelInput's `options` are the models of the providers set up, a
Knowledge component's `knowledge_base` options are the caller's knowledge bases, and a
changed value may show or hide other fields (choosing an OpenAI Compatible model shows
`api_key` and says which global variable it falls back to). The server runs the node's
`code` (hence the flow must be trusted) and needs a user or an API key. Replies are
untrusted: bounded, malformed fields skipped. No network here.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "MAX_FIELDS",
    "MAX_OPTIONS",
    "UPDATE_PATH",
    "DynamicFieldError",
    "RefreshedField",
    "RefreshedNode",
    "UpdateRequest",
    "build_update_request",
    "parse_update_reply",
    "refreshable_fields",
    "update_error_message",
]

UPDATE_PATH = "/api/v1/custom_component/update"

# Bounds on a reply (untrusted). A Language Model node has about 30 fields.
MAX_FIELDS = 1000
MAX_OPTIONS = 5000
_MAX_TEXT = 2000
_MAX_MESSAGE = 500

# Template entries the request adds for the server (`_frontend_node_flow_id`, ...).
_PLUMBING = "_frontend_node_"


class DynamicFieldError(ValueError):
    """A component update that cannot be built, or a reply that is not a component."""


@dataclass(frozen=True, slots=True)
class UpdateRequest:
    """What to send: `POST {path}?{params}` with the JSON `body`."""

    path: str
    params: dict[str, str]
    body: dict[str, Any]


def _template_of(node: Mapping[str, Any]) -> Mapping[str, Any]:
    template = node.get("template")
    if not isinstance(template, Mapping):
        raise DynamicFieldError("the component has no template")
    return template


def refreshable_fields(node: Mapping[str, Any]) -> tuple[str, ...]:
    """The fields of a node (`data.node` of a flow) whose choices the server computes: a
    refresh button, or a refresh on every change. In the template's order."""
    template = node.get("template")
    if not isinstance(template, Mapping):
        return ()
    return tuple(
        str(name)
        for name, spec in template.items()
        if isinstance(spec, Mapping)
        and (spec.get("refresh_button") is True or spec.get("real_time_refresh") is True)
    )


_UNSET: Any = object()


def build_update_request(
    node: Mapping[str, Any],
    field_name: str,
    *,
    values: Mapping[str, Any] | None = None,
    field_value: Any = _UNSET,
    flow_id: str | None = None,
    folder_id: str | None = None,
) -> UpdateRequest:
    """The component update Langflow's UI sends to refresh `field_name` of `node` (a flow's
    `data.node`: `template`, `metadata`, `tool_mode`).

    `values` are the current values of the node's fields (the flow's, with the user's
    edits); they go into the template so the server computes the choices from them.
    `field_value` is the value of the field refreshed (by default its current one).
    `flow_id` only for a flow stored on that server (the server checks the caller may
    read it; an unknown id is a 404); the ids a saved flow carries in its template are
    dropped. DynamicFieldError if the node has no template, no code, or no such field.
    """
    template = copy.deepcopy(dict(_template_of(node)))
    spec = template.get(field_name)
    if not isinstance(spec, dict):
        raise DynamicFieldError(f"the component has no field {field_name!r}")
    code = template.get("code")
    code_value = code.get("value") if isinstance(code, dict) else None
    if not isinstance(code_value, str) or not code_value.strip():
        raise DynamicFieldError("the component has no code: the server cannot rebuild it")
    for name, value in (values or {}).items():
        target = template.get(name)
        if isinstance(target, dict) and name != "code":
            target["value"] = copy.deepcopy(value)
    if field_value is _UNSET:
        field_value = spec.get("value")
    else:
        spec["value"] = copy.deepcopy(field_value)
    # A flow saved by Langflow's UI keeps the ids of the flow and project it was saved
    # from (the starter projects do): never send those on for another flow.
    for stale in [name for name in template if str(name).startswith(_PLUMBING)]:
        del template[stale]
    if flow_id:
        template["_frontend_node_flow_id"] = {"value": flow_id}
    if folder_id:
        template["_frontend_node_folder_id"] = {"value": folder_id}
    template["is_refresh"] = True
    metadata = node.get("metadata")
    body: dict[str, Any] = {
        "code": code_value,
        "frontend_node": {
            "metadata": copy.deepcopy(metadata) if isinstance(metadata, Mapping) else {}
        },
        "template": template,
        "field": field_name,
        "field_value": field_value,
        "tool_mode": node.get("tool_mode") is True,
    }
    return UpdateRequest(UPDATE_PATH, {"flow_id": flow_id} if flow_id else {}, body)


@dataclass(frozen=True, slots=True)
class RefreshedField:
    """One field of a rebuilt component: its choices and state as the server now has them.

    `options` holds strings (a dropdown) or objects with a `name` (a ModelInput's models,
    see `lfdesk.core.catalog.parse_model_options`); other entries are dropped.
    """

    name: str
    display_name: str
    value: Any
    options: tuple[Any, ...] = ()
    show: bool = True
    advanced: bool = False
    required: bool = False
    info: str = ""
    refresh_button: bool = False
    real_time_refresh: bool = False


@dataclass(frozen=True, slots=True)
class RefreshedNode:
    """A component update reply: its fields, by name, in the reply's order. `template`
    is the reply's template as is (untrusted: read it through the fields)."""

    fields: tuple[RefreshedField, ...]
    template: dict[str, Any] = field(repr=False, compare=False)
    skipped: int = 0  # template entries that were not fields
    _by_name: dict[str, RefreshedField] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_name.update({f.name: f for f in self.fields})

    def field(self, name: str) -> RefreshedField | None:
        return self._by_name.get(name)

    def changed_from(self, node: Mapping[str, Any]) -> tuple[str, ...]:
        """The fields whose options, value or visibility differ from `node`'s template
        (fields the reply has and the node lacks count as changed)."""
        template = node.get("template")
        old = template if isinstance(template, Mapping) else {}
        changed = []
        for f in self.fields:
            before = old.get(f.name)
            if not isinstance(before, Mapping):
                changed.append(f.name)
                continue
            options = before.get("options")
            if (
                tuple(_options(options)) != f.options
                or before.get("value") != f.value
                or (before.get("show") is not False) != f.show
            ):
                changed.append(f.name)
        return tuple(changed)


def _options(value: Any) -> tuple[Any, ...]:
    if not isinstance(value, list):
        return ()
    kept: list[Any] = []
    for entry in value:
        if len(kept) >= MAX_OPTIONS:
            break
        text_ok = isinstance(entry, str) and len(entry) <= _MAX_TEXT
        if text_ok or (isinstance(entry, dict) and isinstance(entry.get("name"), str)):
            kept.append(entry)
    return tuple(kept)


def _text(value: Any) -> str:
    return value[:_MAX_TEXT] if isinstance(value, str) else ""


def parse_update_reply(data: Any) -> RefreshedNode:
    """Read a component update reply (parsed JSON). DynamicFieldError unless it is an
    object with a `template` object; entries that are not fields (`is_refresh`, junk)
    are skipped, as is what the request added (`_frontend_node_flow_id`); at most
    MAX_FIELDS read."""
    if not isinstance(data, dict) or not isinstance(data.get("template"), dict):
        raise DynamicFieldError("the server's reply is not a component (no template)")
    template: dict[str, Any] = data["template"]
    fields: list[RefreshedField] = []
    skipped = 0
    for name, spec in template.items():
        if len(fields) >= MAX_FIELDS:
            break
        if isinstance(name, str) and name.startswith(_PLUMBING):
            continue  # what the request carried for the server, not a field
        if not isinstance(name, str) or not isinstance(spec, dict) or len(name) > 200:
            skipped += 1
            continue
        fields.append(
            RefreshedField(
                name=name,
                display_name=_text(spec.get("display_name")) or name,
                value=spec.get("value"),
                options=_options(spec.get("options")),
                show=spec.get("show") is not False,
                advanced=spec.get("advanced") is True,
                required=spec.get("required") is True,
                info=_text(spec.get("info")),
                refresh_button=spec.get("refresh_button") is True,
                real_time_refresh=spec.get("real_time_refresh") is True,
            )
        )
    return RefreshedNode(tuple(fields), template, skipped)


# `detail` of a failed update is a Python repr: "400: {'error': '...', 'traceback': '...'}".
_REPR_ERROR = re.compile(r"""['"]error['"]\s*:\s*(['"])(?P<msg>.*?)(?<!\\)\1""", re.S)


def update_error_message(status: int, body: Any) -> str:
    """A failed component update in one line, without the server's traceback: the
    `error` of a 400 (a component that does not build), the fields of a 422, the
    `detail` of anything else."""
    detail = body.get("detail") if isinstance(body, dict) else None
    message = ""
    if isinstance(detail, str):
        found = _REPR_ERROR.search(detail[:100_000])
        message = found.group("msg") if found else detail
    elif isinstance(detail, list):
        parts = []
        for item in detail[:10]:
            if isinstance(item, dict):
                loc = item.get("loc")
                where = ".".join(str(p) for p in loc) if isinstance(loc, list) else ""
                parts.append(
                    f"{where}: {_text(item.get('msg'))}" if where else _text(item.get("msg"))
                )
        message = "; ".join(p for p in parts if p)
    elif isinstance(detail, dict):
        message = _text(detail.get("message")) or _text(detail.get("error"))
    message = " ".join(message.replace("\\n", " ").split())
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 1] + "…"
    return f"the server could not refresh the component (HTTP {status})" + (
        f": {message}" if message else ""
    )
