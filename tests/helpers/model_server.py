"""A loopback server answering like Langflow 1.13 for model choices, from the real captures:
`GET /api/v1/models` (+ `/enabled_models`), `GET /api/v1/variables/`, the component update,
the flow list and one flow, and runs (the echo capture's answer). Every request is recorded,
so a test sees what `lfdesk run` sent and what it did not send."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from helpers.data import CAPTURES
from helpers.net import LoopbackServer

API_KEY = "sk-model-server-test-key"
RUN_ANSWER = "ECHO[gpt-4o-mini|t=0.1]: You are terse. Question: what is up"


def capture(name: str) -> Any:
    return json.loads((CAPTURES / name).read_text(encoding="utf-8"))


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any


@dataclass
class ModelServer(LoopbackServer):
    """`models`: the catalog reply (None: no catalog route, an older Langflow); `enabled`:
    the enabled-models reply (None: no route); `variables`: the caller's global variables;
    `update`: (status, body) of the component update; `flows`: flow JSON by id."""

    models: Any = None
    enabled: Any = None
    variables: list[dict[str, Any]] = field(default_factory=list)
    update: tuple[int, Any] = (404, {"detail": "Not Found"})
    flows: dict[str, dict[str, Any]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def runs(self) -> list[Seen]:
        return [s for s in self.seen if s.path.startswith(("/api/v1/run/", "/api/v2/workflows"))]

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]

    def start(self) -> ModelServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _record(self) -> tuple[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                body = json.loads(raw) if raw else None
                owner.seen.append(Seen(self.command, parts.path, parse_qs(parts.query), body))
                return parts.path, body

            def _json(self, status: int, obj: Any) -> None:
                data = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorised(self) -> bool:
                if self.headers.get("x-api-key") == API_KEY:
                    return True
                self._json(403, {"detail": "Invalid or missing API key"})
                return False

            def do_GET(self) -> None:
                path, _ = self._record()
                if path == "/health":
                    return self._json(200, {"status": "ok"})
                if path == "/api/v1/version":
                    return self._json(200, {"version": "1.13.0", "package": "Langflow"})
                if not self._authorised():
                    return None
                if path == "/api/v1/models" and owner.models is not None:
                    return self._json(200, owner.models)
                if path == "/api/v1/models/enabled_models" and owner.enabled is not None:
                    return self._json(200, owner.enabled)
                if path == "/api/v1/variables/":
                    return self._json(200, owner.variables)
                if path == "/api/v1/flows/":
                    rows = [{"id": i, "name": f.get("name"), "endpoint_name": f.get("endpoint_name")}
                            for i, f in owner.flows.items()]
                    return self._json(200, rows)
                if path.startswith("/api/v1/flows/") and path.rsplit("/", 1)[1] in owner.flows:
                    return self._json(200, owner.flows[path.rsplit("/", 1)[1]])
                return self._json(404, {"detail": "Not Found"})

            def do_POST(self) -> None:
                path, _ = self._record()
                if not self._authorised():
                    return None
                if path == "/api/v1/custom_component/update":
                    return self._json(*owner.update)
                if path.startswith("/api/v1/run/"):
                    return self._json(200, capture("echo_run_nonstream.json"))
                return self._json(404, {"detail": "Not Found"})

        self.serve(Handler)
        return self
