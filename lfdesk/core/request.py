"""RunRequest: the single truth for "what would be sent" to run a flow.

The code preview and the Run button both start from one RunRequest, so a copied snippet is
exactly what the app ran. The token is never part of a RunRequest: it is passed in when a
request is sent, or inlined into a snippet only when the user asks.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from lfdesk.core.flow import INPUT_COMPONENT_MARKERS

DATASTAX_BASE_URL = "https://api.langflow.astra.datastax.com"
DEFAULT_BASE_URL = "http://127.0.0.1:7860"
DEFAULT_KEY_ENV = "LANGFLOW_API_KEY"

ConnectionKind = Literal["self-hosted", "datastax"]
ApiFlavour = Literal["v1", "v2"]
API_FLAVOURS: tuple[ApiFlavour, ...] = ("v1", "v2")


class RequestError(ValueError):
    """A request that cannot be built as asked (for example v2 without a flow id)."""


# --- what JSON can carry exactly ------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")
_NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}

JsonPath = tuple[str | int, ...]


def shown(text: str) -> str:
    """`text` fit for a one-line message: as it is when printable, else escaped (a lone
    surrogate cannot even be written to a UTF-8 terminal)."""
    if text.isprintable():
        return text
    return text.encode("ascii", "backslashreplace").decode("ascii")


def text_problem(text: str) -> str | None:
    """Why `text` cannot be sent as it is (it is not valid Unicode), or None."""
    bad = _SURROGATE.search(text)
    if bad is None:
        return None
    return (
        f"is not valid Unicode text (a lone surrogate, \\u{ord(bad.group()):04x}, at character "
        f"{bad.start() + 1}): fix its encoding"
    )


def number_problem(value: float) -> str | None:
    """Why a float cannot be sent as JSON (NaN and the infinities), or None."""
    if math.isfinite(value):
        return None
    return f"is {_NON_FINITE[repr(value)]}, which JSON cannot carry: give a finite number"


def json_problem(value: Any) -> tuple[JsonPath, str] | None:
    """Where and why `value` cannot be sent as exactly this JSON (a NaN or infinite number,
    text or a key that is not valid Unicode), or None when it can. Iterative, and a path is
    only spelt out for a problem, so any depth of nesting costs time in proportion."""
    # Each entry: the item and its place as (key, parent place), a linked list.
    stack: list[tuple[Any, _Place]] = [(value, None)]
    while stack:
        item, place = stack.pop()
        problem: str | None = None
        if isinstance(item, str):
            problem = text_problem(item)
        elif isinstance(item, float):
            problem = number_problem(item)
        elif isinstance(item, Mapping):
            children = list(item.items())
            for key, _ in children:
                if isinstance(key, str) and (why := text_problem(key)) is not None:
                    return _spelt(place), f"has a key that {why}"
                if isinstance(key, float) and (why := number_problem(key)) is not None:
                    return _spelt(place), f"has a key that {why}"
            stack.extend((v, (str(k), place)) for k, v in reversed(children))
        elif isinstance(item, list | tuple):
            stack.extend((v, (i, place)) for i, v in reversed(list(enumerate(item))))
        if problem is not None:
            return _spelt(place), problem
    return None


_Place = tuple[str | int, Any] | None


def _spelt(place: _Place) -> JsonPath:
    parts: list[str | int] = []
    while place is not None:
        parts.append(place[0])
        place = place[1]
    return tuple(reversed(parts))


def path_text(path: JsonPath) -> str:
    """`a.b[2]` for a path into a JSON value."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{shown(part)}" if out else shown(part))
    return out


_URL_EXAMPLE = "e.g. http://127.0.0.1:7860 or https://langflow.example.com"


def check_base_url(url: object) -> str:
    """The server's base URL, without the trailing `/`; RequestError unless it is an
    http(s) URL with a host (never a default instead: a token goes where this points).
    Messages never repeat the URL, which may hold a user name and password."""
    if not isinstance(url, str) or not url.strip():
        raise RequestError(f"no server URL given: give one, {_URL_EXAMPLE}")
    url = url.strip()
    if text_problem(url) is not None or not url.isprintable():
        raise RequestError(
            "the server URL has characters a URL cannot hold (control characters, or text "
            "that is not valid Unicode)"
        )
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port out of range or not a number raises ValueError
    except ValueError as exc:
        raise RequestError(f"the server URL is malformed ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise RequestError(f"the server URL must start with http:// or https://, {_URL_EXAMPLE}")
    if not parts.hostname:
        raise RequestError(f"the server URL has no host name, {_URL_EXAMPLE}")
    if parts.query or parts.fragment:
        raise RequestError("the server URL must not have a ? query or a # fragment")
    return url.rstrip("/")


@dataclass(frozen=True, slots=True)
class Connection:
    """Where and how to reach a server; never holds the token itself."""

    base_url: str = DEFAULT_BASE_URL
    kind: ConnectionKind = "self-hosted"
    datastax_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", check_base_url(self.base_url))
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
        """The JSON body; RequestError when it would not say exactly what was set (a NaN or
        infinite number, text that is not valid Unicode), so nothing is run or written."""
        self.check()
        return self._body()

    def check(self) -> None:
        """RequestError when a value could not be sent exactly as set: a NaN or infinite
        number, or text that is not valid Unicode, anywhere in what a body or URL carries."""
        carried = {
            "flow_ref": self.flow_ref,
            "flow_id": self.flow_id,
            "input_value": self.input_value,
            "input_type": self.input_type,
            "output_type": self.output_type,
            "output_component": self.output_component,
            "session_id": self.session_id,
            "tweaks": self.effective_tweaks(),
        }
        found = json_problem(carried)
        if found is not None:
            raise RequestError(_what(found[0]) + " " + found[1])

    def _body(self) -> dict[str, Any]:
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
        """The body as JSON text, exactly as sent (RequestError for what JSON cannot say)."""
        body = self.body()
        try:
            return json.dumps(body, indent=indent, ensure_ascii=False, allow_nan=False)
        except (ValueError, TypeError, RecursionError) as exc:
            # body() refuses what it knows; this is the last guard before the wire.
            raise RequestError(f"the request body cannot be written as JSON ({exc})") from None


def _is_input_component(component_id: str) -> bool:
    return any(m in component_id for m in INPUT_COMPONENT_MARKERS)


_BODY_NAMES = {
    "input_value": "the input",
    "session_id": "the session id",
    "flow_id": "the flow id",
    "flow_ref": "the flow reference",
}


def _what(path: JsonPath) -> str:
    """How a message names the part of a body at `path`."""
    if len(path) >= 3 and path[0] == "tweaks":
        rest = path_text(path[3:])
        inner = f" at {rest.lstrip('.')}" if rest else ""
        return f"the tweak {shown(str(path[1]))}.{shown(str(path[2]))}{inner}"
    if path and isinstance(path[0], str) and path[0] in _BODY_NAMES and len(path) == 1:
        return _BODY_NAMES[path[0]]
    return f"the request's {path_text(path)}" if path else "the request"
