"""A loopback HTTP server that answers like Langflow 1.13 by replaying recorded captures.

For unit tests of generated snippets and of the stream parsers: it sends the real bytes the
real server sent (tests/data/captures), in small chunks with a short pause, and records each
request so a test can check what a snippet sent. The live suite runs against a real server.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from helpers.data import CAPTURES
from helpers.net import LoopbackServer

API_KEY = "sk-replay-test-key"
NONSTREAM_ANSWER = "ECHO[gpt-4o-mini|t=0.1]: You are terse. Question: what is up"
STREAM_ANSWER = "ECHO[gpt-4o-mini|t=0.7]: Be loud: stream me"
V2_SYNC_ANSWER = "ECHO[gpt-4o-mini|t=0.3]: You are terse. Question: v2 sync"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    raw: bytes = b""  # the body's bytes as sent, for checks of exact number text


@dataclass
class ReplayServer(LoopbackServer):
    """Start with `start()`; `base_url` is then `http://127.0.0.1:PORT`."""

    chunk_size: int = 97
    pause: float = 0.002
    requests: list[Recorded] = field(default_factory=list)

    def start(self) -> ReplayServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/health":
                    self._json(200, {"status": "ok"})
                elif self.path == "/api/v1/version":
                    self._json(200, {"version": "1.13.0", "main_version": "1.13.0", "package": "Langflow"})
                else:
                    self._json(404, {"detail": "Not Found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except json.JSONDecodeError:
                    body = raw.decode("utf-8", "replace")
                owner.requests.append(
                    Recorded("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body, raw)
                )
                key = self.headers.get("x-api-key")
                auth = self.headers.get("Authorization")
                if auth and auth.startswith("Bearer "):
                    key = auth[len("Bearer "):]
                if not key:
                    return self._capture_error("error_no_key.json")
                if key != API_KEY:
                    return self._capture_error("error_bad_key.json")
                path = self.path.split("?")[0]
                if "/api/v1/run/" in path:
                    if "no-such-flow" in path:
                        return self._capture_error("error_unknown_flow.json")
                    if "stream=true" in self.path:
                        return self._stream("echo_run_stream.ndjson")
                    return self._raw(200, (CAPTURES / "echo_run_nonstream.json").read_bytes())
                if path.endswith("/api/v2/workflows"):
                    if isinstance(body, dict) and body.get("mode") == "stream":
                        return self._stream("echo_v2_stream.sse")
                    return self._raw(200, (CAPTURES / "echo_v2_sync.json").read_bytes())
                self._json(404, {"detail": "Not Found"})

            def _capture_error(self, name: str) -> None:
                cap = json.loads((CAPTURES / name).read_text())
                self._json(cap["status"], cap["body"])

            def _json(self, status: int, obj: Any) -> None:
                self._raw(status, json.dumps(obj).encode())

            def _raw(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, name: str) -> None:
                data = (CAPTURES / name).read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream; charset=utf-8")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for i in range(0, len(data), owner.chunk_size):
                    piece = data[i : i + owner.chunk_size]
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    self.wfile.flush()
                    time.sleep(owner.pause)
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

        self.serve(Handler)
        return self
