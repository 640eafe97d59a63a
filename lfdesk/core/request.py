"""RunRequest: the single truth for "what would be sent" to run a flow.

The code preview and the Run button both start from one RunRequest, so a copied snippet is
exactly what the app ran. The token is never part of a RunRequest: it is passed in when a
request is sent, or inlined into a snippet only when the user asks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import quote

from lfdesk.core.flow import INPUT_COMPONENT_MARKERS

DATASTAX_BASE_URL = "https://api.langflow.astra.datastax.com"
DEFAULT_BASE_URL = "http://127.0.0.1:7860"
DEFAULT_KEY_ENV = "LANGFLOW_API_KEY"

ConnectionKind = Literal["self-hosted", "datastax"]
ApiFlavour = Literal["v1", "v2"]
API_FLAVOURS: tuple[ApiFlavour, ...] = ("v1", "v2")


class RequestError(ValueError):
    """A request that cannot be built as asked (for example v2 without a flow id)."""


@dataclass(frozen=True, slots=True)
class Connection:
    """Where and how to reach a server; never holds the token itself."""

    base_url: str = DEFAULT_BASE_URL
    kind: ConnectionKind = "self-hosted"
    datastax_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", (self.base_url or DEFAULT_BASE_URL).rstrip("/"))
        if self.kind == "datastax" and not self.datastax_id:
            raise RequestError("a DataStax connection needs its Langflow id")

    @property
    def api_root(self) -> str:
        """`{base}/api` for self-hosted Langflow, `{base}/lf/{id}/api` on DataStax."""
        if self.kind == "datastax":
            return f"{self.base_url}/lf/{quote(self.datastax_id or '', safe='')}/api"
        return f"{self.base_url}/api"

    @property
    def auth_header(self) -> str:
        return "Authorization" if self.kind == "datastax" else "x-api-key"

    @property
    def auth_prefix(self) -> str:
        """What stands before the token in the auth header's value."""
        return "Bearer " if self.kind == "datastax" else ""

    def auth_value(self, token: str) -> str:
        return f"{self.auth_prefix}{token}"


@dataclass(frozen=True, slots=True)
class RunRequest:
    """One run of one flow: connection, flow reference, input, options and tweaks."""

    connection: Connection = field(default_factory=Connection)
    flow_ref: str = ""  # flow id or endpoint name (v1 takes either)
    flow_id: str | None = None  # the UUID; v2 needs it
    input_value: str | None = "hello world!"
    input_type: str = "chat"
    output_type: str = "chat"
    output_component: str | None = None
    session_id: str | None = None
    tweaks: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    stream: bool = False
    api: ApiFlavour = "v1"
    flow_path: str | None = None  # the flow file, for running with no server (python-local)
    flow_name: str | None = None

    def with_(self, **changes: Any) -> RunRequest:
        return replace(self, **changes)

    # --- what goes on the wire -------------------------------------------------------------

    @property
    def method(self) -> str:
        return "POST"

    @property
    def path(self) -> str:
        """The URL path under the API root, without the query."""
        if self.api == "v2":
            return "/v2/workflows"
        ref = self.flow_ref or self.flow_id
        if not ref:
            raise RequestError("no flow to run: give a flow id or endpoint name")
        return f"/v1/run/{quote(ref, safe='')}"

    @property
    def url(self) -> str:
        """The full URL, with `?stream=` for v1 (the server reads only the query flag)."""
        base = f"{self.connection.api_root}{self.path}"
        if self.api == "v1":
            return f"{base}?stream={'true' if self.stream else 'false'}"
        return base

    def headers(self, token: str | None = None) -> dict[str, str]:
        """Request headers; the auth header only when a token is given."""
        h = {"Content-Type": "application/json", "Accept": self.accept}
        if token:
            h[self.connection.auth_header] = self.connection.auth_value(token)
        return h

    @property
    def accept(self) -> str:
        return "text/event-stream" if self.stream else "application/json"

    def effective_tweaks(self) -> dict[str, dict[str, Any]]:
        """Tweaks as sent: without an input component's `input_value` when the request also
        has a top-level one (Langflow answers 400 to both)."""
        out: dict[str, dict[str, Any]] = {}
        for cid, fields in self.tweaks.items():
            kept = dict(fields)
            if self.input_value is not None and _is_input_component(cid):
                kept.pop("input_value", None)
            if kept:
                out[cid] = kept
        return out

    def warnings(self) -> list[str]:
        """What was adjusted so the request works, in words for the user."""
        notes: list[str] = []
        if self.input_value is not None:
            for cid, fields in self.tweaks.items():
                if _is_input_component(cid) and "input_value" in fields:
                    notes.append(
                        f"The message is sent as input_value, so the {cid} input_value tweak "
                        "is left out (Langflow refuses both)."
                    )
        return notes

    def body(self) -> dict[str, Any]:
        """The JSON body."""
        tweaks = self.effective_tweaks()
        if self.api == "v2":
            if not self.flow_id:
                raise RequestError(
                    "the v2 workflows API needs the flow's id (a UUID), not an endpoint name"
                )
            v2: dict[str, Any] = {"flow_id": self.flow_id}
            v2["input_value"] = self.input_value if self.input_value is not None else ""
            if tweaks:
                v2["tweaks"] = tweaks
            if self.session_id:
                v2["session_id"] = self.session_id
            if self.output_component:
                v2["output_ids"] = [self.output_component]
            v2["mode"] = "stream" if self.stream else "sync"
            return v2
        body: dict[str, Any] = {}
        if self.input_value is not None:
            body["input_value"] = self.input_value
        body["input_type"] = self.input_type
        body["output_type"] = self.output_type
        if self.output_component:
            body["output_component"] = self.output_component
        if self.session_id:
            body["session_id"] = self.session_id
        if tweaks:
            body["tweaks"] = tweaks
        return body

    def body_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.body(), indent=indent, ensure_ascii=False)


def _is_input_component(component_id: str) -> bool:
    return any(m in component_id for m in INPUT_COMPONENT_MARKERS)
