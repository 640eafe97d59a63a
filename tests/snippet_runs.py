"""Running generated snippets for real, for the codegen tests: the environment, saving and
running a snippet as its tool would, many at once, and a scripted server for what the real
captures do not show (a model that does not stream, in-stream errors, error bodies, failed
v2 runs, a server older than Langflow 1.1.2 that answers a stream with a `stream_url`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

from helpers.data import CAPTURES
from replay_server import NONSTREAM_ANSWER, STREAM_ANSWER, V2_SYNC_ANSWER, Recorded, ReplayServer

from lfdesk.core.codegen import RenderOptions, get, render
from lfdesk.core.request import Connection, RunRequest

SHELL = {"curl", "httpie"}

# The answer in tests/data/captures/echo_v2_stream.sse (replay_server has no constant for it).
V2_STREAM_ANSWER = "ECHO[gpt-4o-mini|t=0.1]: You are terse. Question: v2 stream"

T = TypeVar("T")


def answer_for(request: RunRequest) -> str:
    """The answer the replay server's captures hold for this kind of request."""
    if request.api == "v1":
        return STREAM_ANSWER if request.stream else NONSTREAM_ANSWER
    return V2_STREAM_ANSWER if request.stream else V2_SYNC_ANSWER


def at(request: RunRequest, base_url: str) -> RunRequest:
    """The request pointed at a loopback server (same kind of connection)."""
    conn = request.connection
    return request.with_(connection=Connection(base_url, kind=conn.kind, datastax_id=conn.datastax_id))


def snippet_env(**extra: str) -> dict[str, str]:
    """The environment for a snippet: no proxies for loopback, no API key unless given."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "langflow_api_key")
    }
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra)
    return env


def command(gen: str, path: Path) -> list[str]:
    if gen in SHELL:
        return ["bash", str(path)]
    return [sys.executable, str(path)]


def save(gen: str, code: str, directory: Path, name: str = "snippet") -> Path:
    path = directory / f"{name}{get(gen).extension}"
    path.write_text(code, encoding="utf-8")
    return path


def run(
    gen: str, code: str, directory: Path, env: dict[str, str], args: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    path = save(gen, code, directory)
    return subprocess.run(
        [*command(gen, path), *(args or [])],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=30,
        env=env,
        cwd=directory,
    )


def run_all(jobs: dict[str, Callable[[], T]]) -> dict[str, T]:
    """Run several snippets at once (each with its own server): name -> job() result."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


@dataclass(frozen=True)
class Outcome:
    request: RunRequest
    done: subprocess.CompletedProcess[str]
    sent: list[Recorded]
    base_url: str


def replay_job(
    gen: str,
    directory: Path,
    request: RunRequest,
    env: dict[str, str],
    options: RenderOptions,
    flow_ref: str | None = None,
) -> Outcome:
    """`request` rendered with `options` and run against a replay server of its own."""
    server = ReplayServer().start()
    try:
        request = at(request, server.base_url)
        if flow_ref:
            request = request.with_(flow_ref=flow_ref)
        directory.mkdir()
        done = run(gen, render(gen, request, options), directory, env)
        return Outcome(request, done, list(server.requests), server.base_url)
    finally:
        server.stop()


# --- a scripted server ------------------------------------------------------------------


def message(mid: str, text: str, *, sender: str = "Machine", state: str = "complete") -> dict[str, Any]:
    return {"id": mid, "text": text, "sender": sender, "sender_name": "AI", "properties": {"state": state}}


def run_reply(*texts: str | None) -> dict[str, Any]:
    outputs: list[dict[str, Any] | None] = []
    for i, text in enumerate(texts):
        if text is None:
            outputs.append(None)
        elif i % 2:  # only the artifacts hold it
            outputs.append({"results": {}, "artifacts": {"message": text}})
        else:
            outputs.append({"results": {"message": {"text": text}}})
    return {"session_id": "s", "outputs": [{"inputs": {}, "outputs": outputs}]}


def ndjson(*events: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(e).encode() + b"\n\n" for e in events)


def sse(*events: dict[str, Any]) -> bytes:
    return b"".join(
        b"data: " + json.dumps(e, ensure_ascii=False).encode() + f"\nid: {i}\n\n".encode() for i, e in enumerate(events)
    )


@dataclass(frozen=True)
class Scenario:
    """A reply of the scripted server, and what a snippet must make of it: stdout exactly,
    and `stderr` (a failure) within stderr. The short forms read one answer and print the
    tokens as they come (no reconciliation): `short_stdout` and `short_stderr` say what they
    print where it differs. `plain`: a JSON reply even to a stream request."""

    api: str
    stream: bool
    status: int
    body: bytes
    stdout: str
    stderr: str = ""
    short_stdout: str | None = None
    short_stderr: str | None = None
    plain: bool = False
    output_type: str = "chat"

    def expected(self, full: bool) -> tuple[str, str]:
        """(stdout, a part of stderr or "" for a success) for the full or the short form."""
        if full:
            return self.stdout, self.stderr
        stdout = self.stdout if self.short_stdout is None else self.short_stdout
        return stdout, self.stderr if self.short_stderr is None else self.short_stderr


BUILD_ERROR = json.loads((CAPTURES / "error_build_error.json").read_text())
REFUSED = json.loads((CAPTURES / "error_tweak_refused.json").read_text())

# What a Langflow older than 1.1.2 answers a stream request with (API doc 2.2), and the SSE its
# stream_url gives.
LEGACY_STREAM_PATH = "/api/v1/build/f1/ChatOutput-1/stream"
LEGACY_REPLY = {
    "session_id": "s-legacy",
    "outputs": [{"inputs": {"input_value": "hi"}, "outputs": [{
        "results": {"message": {"text": ""}},
        "artifacts": {"stream_url": LEGACY_STREAM_PATH, "sender_name": "AI"},
        "messages": [{"message": "", "sender_name": "AI", "component_id": "ChatOutput-1",
                      "stream_url": LEGACY_STREAM_PATH}],
        "component_id": "ChatOutput-1",
    }]}],
}
LEGACY_SSE = (
    b'event: message\ndata: {"message": "Streaming vertex ChatOutput-1"}\n\n'
    b'event: message\ndata: {"chunk": "Legacy "}\n\n'
    b'event: message\ndata: {"chunk": "hello \\u2713"}\n\n'
    b'event: close\ndata: {"message": "Stream closed"}\n\n'
)

SCENARIOS: dict[str, Scenario] = {
    "no_tokens": Scenario(
        "v1", True, 200,
        ndjson(
            {"event": "add_message", "data": message("u", "question", sender="User")},
            {"event": "add_message", "data": message("a", "Whole answer, not streamed.")},
            {"event": "add_message", "data": message("a", "Whole answer, not streamed.")},
            {"event": "end", "data": {"result": run_reply("Whole answer, not streamed.")}},
        ),
        "Whole answer, not streamed.\n",
    ),
    "end_only": Scenario(
        "v1", True, 200, ndjson({"event": "end", "data": {"result": run_reply("First", "Second", None)}}),
        "First\nSecond\n", short_stdout="First\n",
    ),
    "unicode_suffix": Scenario(
        "v1", True, 200,
        ndjson(
            {"event": "add_message", "data": message("a", "Hé", state="partial")},
            {"event": "token", "data": {"chunk": "Hé", "id": "a"}},
            {"event": "token", "data": {"chunk": "llo 😀", "id": "a"}},
            {"event": "add_message", "data": message("a", "Héllo 😀 wörld")},
            {"event": "end", "data": {"result": run_reply("Héllo 😀 wörld")}},
        ),
        "Héllo 😀 wörld\n", short_stdout="Héllo 😀\n",
    ),
    "two_messages": Scenario(
        "v1", True, 200,
        ndjson(
            {"event": "token", "data": {"chunk": "One", "id": "a"}},
            {"event": "add_message", "data": message("a", "One")},
            {"event": "add_message", "data": message("b", "Two")},
            {"event": "end", "data": {"result": run_reply("One", "Two")}},
        ),
        "One\nTwo\n", short_stdout="One\n",
    ),
    "stream_error": Scenario(
        "v1", True, 200,
        ndjson(
            {"event": "token", "data": {"chunk": "Partial", "id": "a"}},
            {"event": "error", "data": {"error": "Boom: the model failed"}},
            {"event": "end", "data": {"result": run_reply("never")}},
        ),
        "Partial\n", "Boom: the model failed", short_stdout="Partial",
    ),
    "build_error": Scenario(
        "v1", False, 500, json.dumps(BUILD_ERROR["body"]).encode(), "",
        "HTTP 500: Error running graph: Error building Component Language Model", short_stderr="500",
    ),
    "refused": Scenario(
        "v1", True, 422, json.dumps(REFUSED["body"]).encode(), "",
        "HTTP 422: The field is protected and keeps the value set by the flow author.", short_stderr="422",
    ),
    "two_outputs": Scenario(
        "v1", False, 200, json.dumps(run_reply("First", "Second", None)).encode(), "First\nSecond\n",
        short_stdout="First\n",
    ),
    # A Text Output's answer is under results.text (its output's name), not results.message.
    "text_output": Scenario(
        "v1", False, 200,
        json.dumps({"outputs": [{"inputs": {}, "outputs": [{"results": {"text": {"text": "Plain text ✓"}}}]}]}).encode(),
        "Plain text ✓\n", output_type="text",
    ),
    "v2_failed": Scenario(
        "v2", False, 200,
        json.dumps({"status": "failed", "output": {"reason": "failed", "text": None},
                    "errors": [{"error": "Component X failed", "code": "E1", "details": None}]}).encode(),
        "", "Component X failed",
    ),
    "v2_multiple": Scenario(
        "v2", False, 200,
        json.dumps({"status": "completed", "output": {"reason": "multiple", "text": None},
                    "outputs": {"A": {"content": "Alpha"}, "B": {"content": "Beta"}, "C": {"content": {"x": 1}}}}).encode(),
        "Alpha\nBeta\n",
    ),
    "v2_output_only": Scenario(
        "v2", True, 200,
        sse({"event": "output", "data": {"content": "Only output ✓", "component_id": "ChatOutput-1"}},
            {"event": "end", "data": {"build_duration": 0.1}}),
        "Only output ✓\n",
    ),
    "v2_stream_error": Scenario(
        "v2", True, 200,
        sse({"event": "error", "data": {"error": "v2 boom"}}),
        "", "v2 boom",
    ),
    # Langflow before 1.1.2: JSON with a stream_url, no events. The full form follows it; the
    # short form fails in one line, and neither waits for events that never come.
    "legacy_stream_url": Scenario(
        "v1", True, 200, json.dumps(LEGACY_REPLY).encode(), "Legacy hello ✓\n",
        short_stdout="", short_stderr="No answer: the stream ended early", plain=True,
    ),
    # ... and when nothing is left to stream, the answer is in that reply.
    "legacy_whole_reply": Scenario(
        "v1", True, 200, json.dumps(run_reply("Whole legacy answer ✓")).encode(), "Whole legacy answer ✓\n",
        short_stdout="", short_stderr="No answer: the stream ended early", plain=True,
    ),
    # A stream cut before its end event (a proxy's timeout, a server restart).
    "cut_stream": Scenario(
        "v1", True, 200, ndjson({"event": "add_message", "data": message("u", "question", sender="User")}),
        "", "No answer: the stream ended", short_stderr="No answer: the stream ended early",
    ),
}

# Short forms read output.text alone: with several outputs (no single answer) they are not run.
SHORT_SKIPS = {"v2_multiple"}
# scenario -> the targets whose full form it is not run for.
FULL_SKIPS: dict[str, set[str]] = {}


class ScriptedServer:
    """Answers each POST with the scenario named by the body's input_value, streams in tiny
    chunks (so lines and UTF-8 characters are split across reads); GET of the legacy
    stream_url gives LEGACY_SSE."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == LEGACY_STREAM_PATH:
                    self._send(200, "text/event-stream; charset=utf-8", LEGACY_SSE, chunked=True)
                else:
                    self._send(404, "application/json", b'{"detail": "Not Found"}')

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                scenario = SCENARIOS[json.loads(raw)["input_value"]]
                chunked = scenario.stream and scenario.status == 200 and not scenario.plain
                kind = "text/event-stream; charset=utf-8" if chunked else "application/json"
                self._send(scenario.status, kind, scenario.body, chunked=chunked)

            def _send(self, status: int, kind: str, body: bytes, *, chunked: bool = False) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for i in range(0, len(body), 7):
                        piece = body[i : i + 7]
                        self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                else:
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
