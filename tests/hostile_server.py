"""A misbehaving HTTP server of our own, on loopback, for the reliability tests.

One server answers every case; the case is the first segment of the path, so a client (or
``lfdesk --url``) pointed at ``http://127.0.0.1:PORT/<case>`` finds every Langflow endpoint
under it misbehaving that way (``GET /<case>/api/v1/flows/``, ``POST /<case>/api/v1/run/x``):

- ``bomb``: every reply is a small gzip body that expands to ``BOMB_SIZE`` (gigabytes) of
  JSON whitespace; a run asked with ``stream=true`` gets it as an event stream (one line
  that never ends). ``bomb-error``: the same, as a 500's body.
- ``big-error``: a 500 whose body is ``BIG_ERROR`` (100 MB) of text.
- ``endless-line``: a 200 event stream (and any other reply) with one line that grows
  without end (no newline, ever).
- ``blank-flood``: a 200 event stream of blank-ish lines (no event at all), without end.
- ``drip``: one byte every ``DRIP_EVERY`` s (2 s) of a reply that would be valid.
- ``stall``: a stream run gets its headers and a first token, then nothing; any other
  request gets nothing at all.
- ``echo``, ``echo-message``, ``echo-garbage``: a stream run ends in an error event (or an
  error message, or a line that is not JSON) that echoes the credentials the request
  carried (``x-api-key``, ``Authorization`` whole, a Basic pair decoded), each also
  JSON-escaped; any other request gets a 401 (flow list) or 500 echoing them.
- ``deep``: every reply (and a stream's first event) is JSON nested ``DEEP`` (100,000)
  levels; ``deep-error``: the same as a 500's body.
- ``names``: the flow list and a flow whose names hold control characters and escape
  sequences (``HOSTILE_NAMES``).
- ``version``: ``GET /health`` and ``/api/v1/version`` answer like Langflow 1.13 (for probes).

Every case ends by itself: a reply has a bounded size (``BOMB_SIZE``, ``ENDLESS_LIMIT``...)
and every wait a bounded time (``MAX_WAIT``); a handler also stops as soon as the client
hangs up or the server stops. It listens on 127.0.0.1 only. ``requests`` records what each
request carried (method, path, headers), the last ``MAX_RECORDED``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import select
import socket
import threading
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler
from typing import Any

from helpers.data import SAMPLE_ID, load_flow
from helpers.net import LoopbackServer

GB = 1024 * 1024 * 1024
MB = 1024 * 1024
BOMB_SIZE = 4 * GB  # what the gzip bombs expand to (about 4 MB sent)
BIG_ERROR = 100 * MB
ENDLESS_LIMIT = 2 * GB  # the "endless" line stops here (no client should read that far)
DRIP_EVERY = 2.0
DRIP_LIMIT = 300  # bytes: a drip lasts at most 10 minutes
MAX_WAIT = 120.0  # a stall waits at most this long for the client to hang up
DEEP = 100_000
MAX_RECORDED = 200
FLOW_ID = SAMPLE_ID
_SEGMENT = 16 * MB  # spaces per repeated gzip segment (about 16 kB compressed)

HOSTILE_NAMES = [
    "\x1b[2J\x1b[Hcleared the screen",
    "fake\rOVERWRITTEN LINE",
    "bell\x07 and NUL\x00 and DEL\x7f",
    "right-to-left \u202eevil.exe",
    "two\nlines",
    "\x1b]0;a new window title\x07title",
    "\x9bC1 CSI",
]


@dataclass
class Seen:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]


@cache
def _bomb_parts() -> tuple[bytes, bytes]:
    """(gzip header + a JSON opening, one segment): the segment, repeated, is a valid gzip
    continuation (each ends in a full flush, so the compressor starts afresh each time)."""
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = co.compress(b'{"items": [') + co.flush(zlib.Z_FULL_FLUSH)
    segment = co.compress(b" " * _SEGMENT) + co.flush(zlib.Z_FULL_FLUSH)
    return head, segment


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _credentials(headers: dict[str, str]) -> list[str]:
    """What the request carried that a careless server might echo."""
    found = [v for k in ("x-api-key", "authorization") if (v := headers.get(k))]
    auth = headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        with contextlib.suppress(ValueError):
            found.append(base64.b64decode(auth[6:]).decode("utf-8", "replace"))
    return found


@dataclass
class HostileServer(LoopbackServer):
    """Start with ``start()``; ``url(case)`` is then ``http://127.0.0.1:PORT/<case>``."""

    requests: deque[Seen] = field(default_factory=lambda: deque(maxlen=MAX_RECORDED))
    stopping: threading.Event = field(default_factory=threading.Event)

    def url(self, case: str, credentials: str = "") -> str:
        """The base URL of ``case`` (``credentials``: ``user:password`` to put in it)."""
        base = self.base_url
        if credentials:
            base = base.replace("http://", f"http://{credentials}@")
        return f"{base}/{case}"

    def start(self) -> HostileServer:
        _bomb_parts()  # made once, before any client waits on it
        owner = self

        class Handler(_Handler):
            server_owner = owner

        self.serve(Handler, quiet=True)  # clients hanging up mid-reply is the point here
        return self

    def stop(self) -> None:
        self.stopping.set()
        super().stop()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_owner: HostileServer

    def log_message(self, *args: Any) -> None:
        pass

    # --- plumbing -----------------------------------------------------------------------

    def _gone(self, wait: float = 0.0) -> bool:
        """True when the client hung up (or the server stops), waiting up to ``wait`` s."""
        if self.server_owner.stopping.is_set():
            return True
        sock = self.connection
        try:
            readable, _, _ = select.select([sock], [], [], wait)
            if readable:
                return sock.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True
        return False

    def _sleep(self, seconds: float) -> bool:
        """Wait ``seconds``; False if the client hung up meanwhile."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if self._gone(min(left, 0.2)):
                return False
        return True

    def _head(self, status: int, ctype: str, *, gzip: bool = False, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Connection", "close")  # one request per connection keeps cases apart
        if gzip:
            self.send_header("Content-Encoding", "gzip")
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def _chunk(self, data: bytes) -> bool:
        """Send one chunk of a chunked body; False once the client is gone."""
        try:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
        except OSError:
            return False
        return True

    def _end(self) -> None:
        with contextlib.suppress(OSError):
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    def _whole(self, status: int, data: bytes, ctype: str = "application/json") -> None:
        self._head(status, ctype, length=len(data))
        with contextlib.suppress(OSError):
            self.wfile.write(data)

    def _json(self, status: int, obj: Any) -> None:
        self._whole(status, json.dumps(obj).encode())

    # --- dispatch -----------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 10 * MB))
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server_owner.requests.append(Seen(method, self.path, headers))
        _, _, rest = self.path.partition("/")
        case, _, tail = rest.partition("/")
        path = "/" + tail
        stream = "stream=true" in path
        handler = getattr(self, "case_" + case.replace("-", "_"), None)
        if handler is None:
            self._json(404, {"detail": f"no case {case!r}"})
            return
        handler(path.split("?")[0], stream, headers)
        self.close_connection = True

    # --- the cases ----------------------------------------------------------------------

    def case_version(self, path: str, stream: bool, headers: dict[str, str]) -> None:
        if path == "/health":
            self._json(200, {"status": "ok"})
        elif path == "/api/v1/version":
            self._json(200, {"version": "1.13.0", "package": "Langflow"})
        else:
            self._json(404, {"detail": "Not Found"})

    def _bomb(self, status: int, stream: bool) -> None:
        head, segment = _bomb_parts()
        ctype = "text/event-stream" if stream and status == 200 else "application/json"
        self._head(status, ctype, gzip=True)
        if not self._chunk(head):
            return
        for _ in range(BOMB_SIZE // _SEGMENT):
            if self._gone() or not self._chunk(segment):
                return
        self._end()

    def case_bomb(self, path: str, stream: bool, headers: dict[str, str]) -> None:
        self._bomb(200, stream)

    def case_bomb_error(self, path: str, stream: bool, headers: dict[str, str]) -> None:
        self._bomb(500, stream)

    def case_big_error(self, path: str, stream: bool, headers: dict[str, str]) -> None:
        self._head(500, "text/plain", length=BIG_ERROR)
        piece = b"x" * (64 * 1024)
        try:
            for _ in range(BIG_ERROR // len(piece)):
                if self._gone():
                    return
                self.wfile.write(piece)
        except OSError:
            return

    def _flood(self, first: bytes, piece: bytes) -> None:
        self._head(200, "text/event-stream")
        sent = len(first)
        if not self._chunk(first):
            return
        while sent < ENDLESS_LIMIT and not self._gone():
            if not self._chunk(piece):
                return
            sent += len(piece)
        self._end()

    def case_endless_line(self, path: str, stream: bool, headers: dict[str, str]) -> None:
        self._flood(b'{"event": "token", "data": {"id": "m", "chunk": "', b"a" * (64 * 1024))

    def case_blank_flood(self, path: str, stream: bool, headers: dict[str, str]) -> None:
        self._flood(b"\n", (b" " * 1023 + b"\n") * 64)

    def case_drip(self, path: str, stream: bool, headers: dict[str, str]) -> None:
        if stream:
            body = b'{"event": "token", "data": {"id": "m", "chunk": "drip"}}\n\n' * 10
            self._head(200, "text/event-stream", length=len(body))
        else:
            body = json.dumps([{"id": FLOW_ID, "name": "drip"}] * 20).encode()
            self._head(200, "application/json", length=len(body))
        for byte in body[:DRIP_LIMIT]:
            try:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            except OSError:
                return
            if not self._sleep(DRIP_EVERY):
                return

    def case_stall(self, path: str, stream: bool, headers: dict[str, str]) -> None:
        if stream:
            self._head(200, "text/event-stream")
            self._chunk(b'{"event": "token", "data": {"id": "m", "chunk": "Hel"}}\n\n')
        self._sleep(MAX_WAIT)

    def _echoed(self, headers: dict[str, str]) -> str:
        found = _credentials(headers)
        return " | ".join(found + [json.dumps(f) for f in found]) or "(no credentials)"

    def _echo_reply(self, path: str, headers: dict[str, str]) -> None:
        said = self._echoed(headers)
        if "/v1/flows" in path:
            self._json(401, {"detail": f"Invalid API key: {said}"})
        else:
            self._json(500, {"detail": f"Error running graph: the key {said} was refused"})

    def _echo_stream(self, path: str, stream: bool, headers: dict[str, str], last: bytes) -> None:
        if not stream:
            self._echo_reply(path, headers)
            return
        self._head(200, "text/event-stream")
        self._chunk(b'{"event": "token", "data": {"id": "m", "chunk": "Hel"}}\n\n')
        self._chunk(last)
        self._end()

    def case_echo(self, path: str, stream: bool, headers: dict[str, str]) -> None:
        said = self._echoed(headers)
        line = json.dumps({"event": "error", "data": {"error": f"Bad credentials: {said}"}})
        self._echo_stream(path, stream, headers, line.encode() + b"\n\n")

    def case_echo_message(self, path: str, stream: bool, headers: dict[str, str]) -> None:
        said = self._echoed(headers)
        message = {
            "id": "err-1",
            "sender": "Machine",
            "sender_name": "AI",
            "text": f"The model said: bad key {said}",
            "category": "error",
            "error": True,
            "properties": {"source": {"display_name": "OpenAI"}},
        }
        events = [
            {"event": "add_message", "data": message},
            {"event": "error", "data": message},
        ]
        body = b"".join(json.dumps(e).encode() + b"\n\n" for e in events)
        self._echo_stream(path, stream, headers, body)

    def case_echo_garbage(self, path: str, stream: bool, headers: dict[str, str]) -> None:
        said = self._echoed(headers)
        self._echo_stream(path, stream, headers, f"upstream said {said}\n\n".encode())

    def _deep(self, status: int, stream: bool) -> None:
        deep = _nested(DEEP)
        if stream and status == 200:
            line = b'{"event": "add_message", "data": ' + deep + b"}\n\n"
            self._whole(200, line, "text/event-stream")
        else:
            self._whole(status, b'{"detail": ' + deep + b"}" if status >= 300 else deep)

    def case_deep(self, path: str, stream: bool, headers: dict[str, str]) -> None:
        self._deep(200, stream)

    def case_deep_error(self, path: str, stream: bool, headers: dict[str, str]) -> None:
        self._deep(500, stream)

    def case_names(self, path: str, stream: bool, headers: dict[str, str]) -> None:
        if path.rstrip("/") == "/api/v1/flows":
            rows = [
                {
                    "id": f"{FLOW_ID[:-2]}{i:02d}",
                    "name": name,
                    "endpoint_name": f"e{i}\x1b[31m",
                    "description": name,
                }
                for i, name in enumerate(HOSTILE_NAMES)
            ]
            self._json(200, rows)
        elif path.startswith("/api/v1/flows/"):
            flow = load_flow("echo_chat.flow.json")
            flow["name"] = HOSTILE_NAMES[0]
            flow["id"] = path.rsplit("/", 1)[-1]
            for node in flow["data"]["nodes"]:
                node["data"]["node"]["display_name"] = HOSTILE_NAMES[1]
            self._json(200, flow)
        else:
            self._json(404, {"detail": "Not Found"})
