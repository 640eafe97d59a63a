"""A tiny OpenAI-compatible chat server on loopback, for live tests (stdlib only).

It echoes what it was sent, so a test can see exactly what reached the model:
the reply is ``ECHO[<model>|t=<temperature>]: <text of the system/user messages>``.

* ``POST /v1/chat/completions``: a ``chat.completion``, or with ``"stream": true`` SSE
  ``chat.completion.chunk`` events, one word each, ``delay`` seconds apart.
* ``GET /v1/models``: a short model list.
* A model name containing ``slow`` streams at least ``slow_chunks`` chunks ``slow_delay``
  seconds apart (for cancel tests); one containing ``fail`` gets an HTTP 500 error body.

Every request is recorded in ``FakeOpenAI.requests``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_DELAY = float(os.environ.get("LFDESK_FAKE_OPENAI_DELAY", "0.05"))
MODELS = ("gpt-4o-mini", "gpt-4o", "slow-model", "fail-model")


@dataclass
class RecordedRequest:
    """One request the fake received (``body`` is the parsed JSON, or None)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    received_at: float = field(default_factory=time.monotonic)
    reply_text: str | None = None
    outcome: str = "pending"  # "ok", "disconnected", "error"

    @property
    def model(self) -> str | None:
        """The ``model`` of a chat request."""
        return self.body.get("model") if isinstance(self.body, dict) else None

    @property
    def stream(self) -> bool:
        """Whether the chat request asked for a stream."""
        return bool(isinstance(self.body, dict) and self.body.get("stream"))

    @property
    def prompt_text(self) -> str:
        """The concatenated system/user text, as the echo uses it."""
        return prompt_text(self.body.get("messages", []) if isinstance(self.body, dict) else [])


def _content_text(content: Any) -> str:
    """Text of a message ``content`` (a string or a list of content parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and part.get("type") == "text":
                parts.append(str(part.get("text", "")))
        return "".join(parts)
    return ""


def prompt_text(messages: list[Any]) -> str:
    """Join the text of the system, developer and user messages with single spaces."""
    texts = [
        _content_text(m.get("content"))
        for m in messages
        if isinstance(m, dict) and m.get("role") in ("system", "developer", "user")
    ]
    return " ".join(t for t in texts if t)


def echo_reply(body: dict[str, Any]) -> str:
    """The reply text for a chat request: ``ECHO[model|t=temperature]: text``."""
    prefix = f"ECHO[{body.get('model')}|t={body.get('temperature')!r}]:"
    text = prompt_text(body.get("messages", []))
    return f"{prefix} {text}" if text else prefix


def split_chunks(reply: str) -> list[str]:
    """Split a reply into word chunks that join back to it (``["ECHO[..]:", " Be", ...]``)."""
    return re.findall(r"\s*\S+|\s+$", reply) or [reply]


def count_words(text: str) -> int:
    """The fake's token count: whitespace-separated words."""
    return len(text.split())


class FakeOpenAI:
    """The fake server; ``start()`` binds 127.0.0.1 on a free port and serves in a thread."""

    def __init__(
        self,
        delay: float = DEFAULT_DELAY,
        slow_delay: float = 0.5,
        slow_chunks: int = 40,
    ) -> None:
        self.delay = delay
        self.slow_delay = slow_delay
        self.slow_chunks = slow_chunks
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeOpenAI:
        """Start serving; returns self."""
        fake = self

        class Handler(_Handler):
            owner = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port."""
        if self._server is None:
            raise RuntimeError("FakeOpenAI is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """The OpenAI base URL, ``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    # -- the record ------------------------------------------------------------------------

    def record(self, req: RecordedRequest) -> None:
        """Append a request to the record (thread-safe)."""
        with self._lock:
            self.requests.append(req)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """The chat-completion requests received so far, oldest first."""
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def last_chat(self) -> RecordedRequest:
        """The most recent chat-completion request (AssertionError if none)."""
        chats = self.chat_requests
        assert chats, "the fake OpenAI server received no chat request"
        return chats[-1]

    def clear(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self.requests.clear()


class _Handler(BaseHTTPRequestHandler):
    """Request handler; ``owner`` is set on a per-server subclass."""

    owner: FakeOpenAI
    protocol_version = "HTTP/1.0"  # one response per connection; a stream ends at close
    server_version = "FakeOpenAI/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet (pytest captures stderr anyway)."""

    # -- helpers ---------------------------------------------------------------------------

    def _send_json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self, body: Any) -> RecordedRequest:
        req = RecordedRequest(
            method=self.command,
            path=self.path.split("?", 1)[0],
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        self.owner.record(req)
        return req

    # -- routes ----------------------------------------------------------------------------

    def do_GET(self) -> None:
        req = self._record(None)
        if req.path.rstrip("/") in ("/v1/models", "/models"):
            created = int(time.time())
            self._send_json(
                200,
                {
                    "object": "list",
                    "data": [
                        {"id": m, "object": "model", "created": created, "owned_by": "lfdesk"}
                        for m in MODELS
                    ],
                },
            )
            req.outcome = "ok"
        else:
            self._send_json(
                404, {"error": {"message": f"no route {req.path}", "type": "invalid_request_error"}}
            )
            req.outcome = "error"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else {}
        except ValueError:
            body = raw.decode("utf-8", "replace")
        req = self._record(body)
        if req.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
            self._send_json(
                404, {"error": {"message": f"no route {req.path}", "type": "invalid_request_error"}}
            )
            req.outcome = "error"
            return
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            self._send_json(
                400, {"error": {"message": "messages is required", "type": "invalid_request_error"}}
            )
            req.outcome = "error"
            return
        model = str(body.get("model"))
        if "fail" in model:
            self._send_json(
                500,
                {
                    "error": {
                        "message": "the fake model failed on purpose",
                        "type": "server_error",
                        "code": None,
                    }
                },
            )
            req.outcome = "error"
            return

        slow = "slow" in model
        reply = echo_reply(body)
        chunks = split_chunks(reply)
        if slow:
            chunks += [f" tick{i}" for i in range(max(0, self.owner.slow_chunks - len(chunks)))]
            reply = "".join(chunks)
        req.reply_text = reply
        delay = self.owner.slow_delay if slow else self.owner.delay
        usage = {
            "prompt_tokens": count_words(prompt_text(body["messages"])),
            "completion_tokens": count_words(reply),
        }
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        created = int(time.time())

        try:
            if body.get("stream"):
                self._stream(req, body, chunks, delay, usage, completion_id, created)
            else:
                if slow:
                    time.sleep(delay * len(chunks))
                self._send_json(
                    200,
                    {
                        "id": completion_id,
                        "object": "chat.completion",
                        "created": created,
                        "model": model,
                        "system_fingerprint": None,
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": reply, "refusal": None},
                                "logprobs": None,
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": usage,
                    },
                )
                req.outcome = "ok"
        except (BrokenPipeError, ConnectionResetError):
            req.outcome = "disconnected"

    def _stream(
        self,
        req: RecordedRequest,
        body: dict[str, Any],
        chunks: list[str],
        delay: float,
        usage: dict[str, int],
        completion_id: str,
        created: int,
    ) -> None:
        """Send the reply as SSE chunks, ``delay`` seconds apart, then usage and [DONE]."""
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()

        def event(choices: list[dict[str, Any]], extra: dict[str, Any] | None = None) -> None:
            payload: dict[str, Any] = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": body.get("model"),
                "system_fingerprint": None,
                "choices": choices,
            }
            if include_usage:
                payload["usage"] = None
            if extra:
                payload.update(extra)
            self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
            self.wfile.flush()

        for i, chunk in enumerate(chunks):
            if i:
                time.sleep(delay)
            delta: dict[str, Any] = {"content": chunk}
            if i == 0:
                delta["role"] = "assistant"
            event([{"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}])
        event([{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}])
        if include_usage:
            event([], {"usage": usage})
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        req.outcome = "ok"


if __name__ == "__main__":  # pragma: no cover - manual use: python tests/live/fake_openai.py
    with FakeOpenAI() as _fake:
        print(_fake.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
