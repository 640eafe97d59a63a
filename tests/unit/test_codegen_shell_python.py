"""The curl, PowerShell, HTTPie and Python generators, held to golden files and real runs.

Every case of tests/codegen_cases.py (plus a few renderings with an inlined or renamed key)
is rendered and compared with its golden file, then syntax-checked by the real tool
(`bash -n`; Python's `compile()` and ruff's pyflakes rules). PowerShell is not installed
here, so its scripts are held to golden files and a few structural checks only.

The curl, HTTPie, requests, httpx and stdlib-script snippets are also run for real, as
saved, against the replay server (real Langflow 1.13 captures): stdout must be exactly the
answer, the server must receive exactly `request.body()`, a bad key must fail with
`HTTP 403: <detail>` on stderr, and streams must print before the reply has ended. A small
scripted server covers what the captures do not: a model that does not stream, an `end`
event alone, in-stream errors, 500/422 error bodies, failed v2 runs.

`LFDESK_UPDATE_GOLDEN=1` rewrites the golden files (and only then are they written).
python-local needs lfx and a model server: only its golden files and `compile()` here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from codegen_cases import NASTY, cases, exact_json
from hypothesis import given
from hypothesis import strategies as st
from replay_server import (
    API_KEY,
    NONSTREAM_ANSWER,
    STREAM_ANSWER,
    V2_SYNC_ANSWER,
    Recorded,
    ReplayServer,
)

from lfdesk.core.codegen import RenderOptions, get, render
from lfdesk.core.codegen.common import json_text
from lfdesk.core.codegen.common_py import py_literal, py_str
from lfdesk.core.codegen.common_sh import shell_quote
from lfdesk.core.codegen.powershell import ps_quote
from lfdesk.core.request import Connection, RunRequest

GENERATORS = ["curl", "powershell", "httpie", "python-requests", "python-httpx", "python-script", "python-local"]
EXECUTABLE = ["curl", "httpie", "python-requests", "python-httpx", "python-script"]
SHELL = {"curl", "httpie"}
PYTHON = {"python-requests", "python-httpx", "python-script", "python-local"}

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("LFDESK_UPDATE_GOLDEN") == "1"

# The answer in tests/data/captures/echo_v2_stream.sse (replay_server has no constant for it).
V2_STREAM_ANSWER = "ECHO[gpt-4o-mini|t=0.1]: You are terse. Question: v2 stream"

SECRET = "sk-SECRET-123"
NASTY_TOKEN = "sk-\"q'$`\\x\n\u00fc😀"

CASES: dict[str, RunRequest] = cases()

# Extra renderings beyond the shared cases: inlined tokens (nasty ones too), another env var.
VARIANTS: dict[str, tuple[str, RenderOptions]] = {
    **{name: (name, RenderOptions()) for name in CASES},
    "echo_v1__inline": ("echo_v1", RenderOptions(inline_token=SECRET)),
    "echo_v1_stream__inline_nasty_token": ("echo_v1_stream", RenderOptions(inline_token=NASTY_TOKEN)),
    "echo_v2_stream__key_env": ("echo_v2_stream", RenderOptions(key_env="MY_LF_KEY")),
    "datastax__inline": ("datastax", RenderOptions(inline_token=SECRET)),
}


def _normalised(text: str) -> str:
    """Golden files must not depend on where the repository is checked out."""
    return text.replace(str(REPO), "<REPO>")


def _answer(request: RunRequest) -> str:
    if request.api == "v1":
        return STREAM_ANSWER if request.stream else NONSTREAM_ANSWER
    return V2_STREAM_ANSWER if request.stream else V2_SYNC_ANSWER


def _at(request: RunRequest, base_url: str) -> RunRequest:
    """The request pointed at a loopback server (same kind of connection)."""
    conn = request.connection
    return request.with_(connection=Connection(base_url, kind=conn.kind, datastax_id=conn.datastax_id))


def _env(**extra: str) -> dict[str, str]:
    """The environment for a snippet: no proxies for loopback, no API key unless given."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "langflow_api_key")
    }
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra)
    return env


def _command(gen: str, path: Path) -> list[str]:
    if gen in SHELL:
        return ["bash", str(path)]
    return [sys.executable, str(path)]


def _save(gen: str, code: str, directory: Path, name: str = "snippet") -> Path:
    path = directory / f"{name}{get(gen).extension}"
    path.write_text(code, encoding="utf-8")
    return path


def _run(
    gen: str, code: str, directory: Path, env: dict[str, str], args: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    path = _save(gen, code, directory)
    return subprocess.run(
        [*_command(gen, path), *(args or [])],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=30,
        env=env,
        cwd=directory,
    )


# --- golden files, syntax, secrets ------------------------------------------------------


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("gen", GENERATORS)
def test_golden(gen: str, variant: str) -> None:
    case, options = VARIANTS[variant]
    code = _normalised(render(gen, CASES[case], options))
    path = GOLDEN / gen / f"{variant}.txt"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code, encoding="utf-8")
    assert path.exists(), f"no golden file {path}: run with LFDESK_UPDATE_GOLDEN=1"
    assert code == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("gen", GENERATORS)
def test_rendering_is_deterministic(gen: str) -> None:
    # Speed (< 2 ms with 20 tweaks) is measured by tests/bench_core.py, not asserted here.
    request = _twenty_tweaks()
    assert render(gen, request) == render(gen, request)


def _twenty_tweaks() -> RunRequest:
    tweaks: dict[str, dict[str, Any]] = {}
    for i in range(20):
        tweaks[f"Component-{i // 4}"] = {
            **tweaks.get(f"Component-{i // 4}", {}),
            f"field_{i}": NASTY if i % 3 == 0 else {"value": i, "load_from_db": False},
        }
    return CASES["nasty_v1_stream"].with_(tweaks=tweaks)


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("gen", sorted(SHELL))
def test_shell_syntax(gen: str, variant: str, tmp_path: Path) -> None:
    case, options = VARIANTS[variant]
    code = render(gen, CASES[case], options)
    path = _save(gen, code, tmp_path)
    done = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    # A backslash that continues a line must end it (Langflow's own pane had "\ ", A.7).
    for line in code.splitlines():
        assert not line.rstrip("\n").endswith("\\ "), line


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("gen", sorted(PYTHON))
def test_python_compiles(gen: str, variant: str) -> None:
    case, options = VARIANTS[variant]
    compile(render(gen, CASES[case], options), f"{gen}-{variant}.py", "exec")


def test_python_snippets_pass_pyflakes(tmp_path: Path) -> None:
    """No unused import or undefined name in any Python snippet (ruff's F rules)."""
    # ruff is a dev dependency: without it this check must fail, not pass by skipping.
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    assert Path(ruff).exists(), "ruff is not installed (pip install -e '.[dev]')"
    for gen in sorted(PYTHON):
        for variant, (case, options) in VARIANTS.items():
            _save(gen, render(gen, CASES[case], options), tmp_path, f"{gen}_{variant}".replace("-", "_"))
    done = subprocess.run(
        [ruff, "check", "--isolated", "--no-cache", "--select", "F,E9,B", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("gen", GENERATORS)
def test_token_only_when_inlined(gen: str, case: str) -> None:
    request = CASES[case]
    plain = render(gen, request)
    assert SECRET not in plain
    assert "WARNING" not in plain
    if gen != "python-local":  # no key is used with no server
        assert "LANGFLOW_API_KEY" in plain
        custom = render(gen, request, RenderOptions(key_env="MY_LF_KEY"))
        assert "MY_LF_KEY" in custom and "LANGFLOW_API_KEY" not in custom
    inlined = render(gen, request, RenderOptions(inline_token=SECRET))
    if gen == "python-local":
        assert SECRET not in inlined
    else:
        assert SECRET in inlined
        assert "WARNING: this file contains a secret API key" in inlined


def test_bad_env_name_is_refused() -> None:
    with pytest.raises(ValueError, match="environment variable"):
        render("curl", CASES["echo_v1"], RenderOptions(key_env="MY-KEY; rm -rf /"))


@pytest.mark.parametrize("case", list(CASES))
def test_powershell_structure(case: str) -> None:
    """What can be checked without PowerShell: ASCII only (5.1 reads BOM-less files in the
    ANSI code page), the body here-string closes, and it holds exactly the body."""
    request = CASES[case]
    code = render("powershell", request)
    assert code.isascii()
    start = code.index("$Body = @'\n") + len("$Body = @'\n")
    end = code.index("\n'@\n", start)
    assert json.loads(code[start:end]) == request.body()
    assert exact_json(code[start:end]) == exact_json(request.body_json())
    assert code.count("{") == code.count("}")
    assert code.count("(") == code.count(")")
    assert "HTTP " in code and "exit 1" in code


def test_python_local_calls_lfx_with_the_request() -> None:
    request = CASES["no_tweaks"]
    scope: dict[str, Any] = {}
    code = render("python-local", request).replace(
        "from lfx.load import run_flow_from_json", "run_flow_from_json = None"
    )
    exec(compile(code.replace('if __name__ == "__main__":', "if False:"), "local.py", "exec"), scope)
    assert scope["FLOW_PATH"] == request.flow_path
    assert scope["INPUT_VALUE"] == request.input_value
    assert scope["SESSION_ID"] == "my-session-1"
    assert scope["TWEAKS"] == {}
    reply = json.loads((REPO / "tests/data/captures/echo_run_nonstream.json").read_text())
    assert scope["answer_text"](reply) == NONSTREAM_ANSWER


# --- run for real against the replay server ---------------------------------------------


def _run_all(jobs: dict[str, Any]) -> dict[str, Any]:
    """Run several snippets at once (each with its own server): name -> job() result."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("gen", EXECUTABLE)
def test_runs_against_replay(gen: str, tmp_path: Path) -> None:
    """Every case, run as saved: exactly the answer on stdout, exactly the body sent."""

    def job(case: str) -> tuple[RunRequest, subprocess.CompletedProcess[str], list[Recorded], str]:
        server = ReplayServer().start()
        try:
            request = _at(CASES[case], server.base_url)
            directory = tmp_path / case
            directory.mkdir()
            done = _run(gen, render(gen, request), directory, _env(LANGFLOW_API_KEY=API_KEY))
            return request, done, list(server.requests), server.base_url
        finally:
            server.stop()

    results = _run_all({case: (lambda case=case: job(case)) for case in CASES})
    for case, (request, done, sent, base_url) in results.items():
        assert done.returncode == 0, (case, done.stderr)
        assert done.stdout == _answer(request) + "\n", case
        assert len(sent) == 1, case
        assert sent[0].body == request.body(), case
        # The same values with the same number text (-0.0 is not 0, 1.0 is not 1).
        assert exact_json(sent[0].raw) == exact_json(request.body_json()), case
        assert sent[0].path == request.url.removeprefix(base_url), case
        auth = request.connection.auth_header.lower()
        assert sent[0].headers[auth] == request.connection.auth_value(API_KEY), case
        assert sent[0].headers["content-type"].startswith("application/json"), case


@dataclass(frozen=True)
class Outcome:
    request: RunRequest
    done: subprocess.CompletedProcess[str]
    sent: list[Recorded]


def _replay_job(
    gen: str,
    directory: Path,
    request: RunRequest,
    env: dict[str, str],
    options: RenderOptions | None = None,
    flow_ref: str | None = None,
) -> Outcome:
    server = ReplayServer().start()
    try:
        request = _at(request, server.base_url)
        if flow_ref:
            request = request.with_(flow_ref=flow_ref)
        directory.mkdir()
        done = _run(gen, render(gen, request, options), directory, env)
        return Outcome(request, done, list(server.requests))
    finally:
        server.stop()


@pytest.mark.parametrize("gen", EXECUTABLE)
def test_errors_and_keys(gen: str, tmp_path: Path) -> None:
    """A bad key, an unknown flow, no key at all, an inlined key, another variable name."""
    good = _env(LANGFLOW_API_KEY=API_KEY)
    jobs: dict[str, tuple[RunRequest, dict[str, str], RenderOptions | None, str | None]] = {
        f"bad_key_{case}": (CASES[case], _env(LANGFLOW_API_KEY="sk-wrong"), None, None)
        for case in ("echo_v1", "echo_v1_stream", "echo_v2", "echo_v2_stream", "datastax")
    }
    jobs["unknown_flow"] = (CASES["echo_v1_stream"], good, None, "no-such-flow")
    jobs["missing_key"] = (CASES["echo_v1"], _env(), None, None)
    for case in ("echo_v1_stream", "datastax", "echo_v2"):
        jobs[f"inline_{case}"] = (CASES[case], _env(), RenderOptions(inline_token=API_KEY), None)
    jobs["key_env"] = (CASES["echo_v2_stream"], _env(MY_LF_KEY=API_KEY), RenderOptions(key_env="MY_LF_KEY"), None)
    results: dict[str, Outcome] = _run_all(
        {
            name: (lambda name=name, job=job: _replay_job(gen, tmp_path / name, *job))
            for name, job in jobs.items()
        }
    )
    for name, out in results.items():
        done = out.done
        if name.startswith("bad_key"):
            assert done.returncode != 0, name
            assert "HTTP 403: Invalid or missing API key" in done.stderr, (name, done.stderr)
            assert done.stdout.strip() == "", name
        elif name == "unknown_flow":
            assert done.returncode != 0
            assert "HTTP 404: Flow identifier no-such-flow not found" in done.stderr, done.stderr
        elif name == "missing_key":
            assert done.returncode != 0
            assert "LANGFLOW_API_KEY" in done.stderr
            assert out.sent == []
        else:
            assert done.returncode == 0, (name, done.stderr)
            assert done.stdout == _answer(out.request) + "\n", name


def _timed(gen: str, directory: Path, case: str) -> tuple[str, float, float, int, str]:
    server = ReplayServer(pause=0.01).start()
    try:
        request = _at(CASES[case], server.base_url)
        directory.mkdir()
        path = _save(gen, render(gen, request), directory)
        proc = subprocess.Popen(
            _command(gen, path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(LANGFLOW_API_KEY=API_KEY),
        )
        assert proc.stdout is not None and proc.stderr is not None
        start = time.monotonic()
        first = proc.stdout.read(1)
        first_at = time.monotonic() - start
        rest = proc.stdout.read()
        errors = proc.stderr.read().decode()
        proc.wait(timeout=30)
        ended_at = time.monotonic() - start
        return (first + rest).decode(), first_at, ended_at, proc.returncode, errors
    finally:
        server.stop()


@pytest.mark.parametrize("gen", EXECUTABLE)
def test_stream_prints_before_the_reply_ends(gen: str, tmp_path: Path) -> None:
    """Paced replay: the first answer bytes must reach stdout well before the reply ends."""
    cases_ = {"echo_v1_stream": STREAM_ANSWER, "echo_v2_stream": V2_STREAM_ANSWER}
    results = _run_all({case: (lambda case=case: _timed(gen, tmp_path / case, case)) for case in cases_})
    for case, (stdout, first_at, ended_at, code, errors) in results.items():
        assert code == 0, (case, errors)
        assert stdout == cases_[case] + "\n", case
        assert ended_at - first_at > 0.3, (case, first_at, ended_at)


def _without_jq(gen: str, directory: Path, case: str, key: str) -> subprocess.CompletedProcess[str]:
    server = ReplayServer().start()
    try:
        bin_dir = directory / "bin"
        bin_dir.mkdir(parents=True)
        for tool in ("curl", "http", "cat"):
            found = shutil.which(tool)
            assert found, tool
            (bin_dir / tool).symlink_to(found)
        bash = shutil.which("bash") or "/bin/bash"
        path = _save(gen, render(gen, _at(CASES[case], server.base_url)), directory)
        env = _env(LANGFLOW_API_KEY=key, PATH=str(bin_dir))
        return subprocess.run([bash, str(path)], capture_output=True, text=True, timeout=30, env=env)
    finally:
        server.stop()


@pytest.mark.parametrize("gen", sorted(SHELL))
def test_shell_without_jq_prints_the_raw_reply(gen: str, tmp_path: Path) -> None:
    jobs = {
        f"{case}_{key}": (lambda case=case, key=key: _without_jq(gen, tmp_path / f"{case}_{key}", case, key))
        for case in ("echo_v1", "echo_v1_stream", "echo_v2", "echo_v2_stream")
        for key in (API_KEY, "sk-wrong")
    }
    for name, done in _run_all(jobs).items():
        assert "jq not found" in done.stderr, name
        if name.endswith(API_KEY):
            case = name.removesuffix(f"_{API_KEY}")
            assert done.returncode == 0, (name, done.stderr)
            assert _answer(CASES[case]) in done.stdout.replace("\\", ""), name  # in the raw JSON
        else:
            assert done.returncode != 0, name
            assert "HTTP 403" in done.stderr and "Invalid or missing API key" in done.stderr, name


def test_script_options(replay_server: ReplayServer, tmp_path: Path) -> None:
    """python-script: --input, --tweaks (merged), --session, --stream/--no-stream, --api-key-env."""
    request = _at(CASES["echo_v1"], replay_server.base_url)
    args = [
        "--input", NASTY,
        "--tweaks", json.dumps({"OpenAIModelComponent-44DEX": {"max_tokens": 9}, "Other-1": {"x": True}}),
        "--session", "sess-9",
        "--stream",
        "--api-key-env", "OTHER_KEY",
    ]
    done = _run("python-script", render("python-script", request), tmp_path, _env(OTHER_KEY=API_KEY), args)
    assert done.returncode == 0, done.stderr
    assert done.stdout == STREAM_ANSWER + "\n"
    sent = replay_server.requests[0]
    assert sent.path.endswith("?stream=true")
    assert sent.body["input_value"] == NASTY
    assert sent.body["session_id"] == "sess-9"
    assert sent.body["tweaks"] == {
        "OpenAIModelComponent-44DEX": {"temperature": 0.7, "max_tokens": 9},
        "PromptComponent-0ko7V": {"template": "Be loud: {question}"},
        "Other-1": {"x": True},
    }
    v2 = _at(CASES["echo_v2_stream"], replay_server.base_url)
    done = _run("python-script", render("python-script", v2), tmp_path, _env(LANGFLOW_API_KEY=API_KEY), ["--no-stream"])
    assert done.returncode == 0, done.stderr
    assert done.stdout == V2_SYNC_ANSWER + "\n"
    assert replay_server.requests[1].body["mode"] == "sync"
    done = _run("python-script", render("python-script", v2), tmp_path, _env(LANGFLOW_API_KEY=API_KEY), ["--tweaks", "[1]"])
    assert done.returncode == 2 and "--tweaks must be a JSON object" in done.stderr


# --- what the captures do not show: a scripted server -----------------------------------


def _message(mid: str, text: str, *, sender: str = "Machine", state: str = "complete") -> dict[str, Any]:
    return {"id": mid, "text": text, "sender": sender, "sender_name": "AI", "properties": {"state": state}}


def _run_reply(*texts: str | None) -> dict[str, Any]:
    outputs: list[dict[str, Any] | None] = []
    for i, text in enumerate(texts):
        if text is None:
            outputs.append(None)
        elif i % 2:  # only the artifacts hold it
            outputs.append({"results": {}, "artifacts": {"message": text}})
        else:
            outputs.append({"results": {"message": {"text": text}}})
    return {"session_id": "s", "outputs": [{"inputs": {}, "outputs": outputs}]}


def _ndjson(*events: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(e).encode() + b"\n\n" for e in events)


def _sse(*events: dict[str, Any]) -> bytes:
    return b"".join(
        b"data: " + json.dumps(e, ensure_ascii=False).encode() + f"\nid: {i}\n\n".encode() for i, e in enumerate(events)
    )


@dataclass(frozen=True)
class Scenario:
    api: str
    stream: bool
    status: int
    body: bytes
    stdout: str
    stderr: str = ""


BUILD_ERROR = json.loads((REPO / "tests/data/captures/error_build_error.json").read_text())
REFUSED = json.loads((REPO / "tests/data/captures/error_tweak_refused.json").read_text())

SCENARIOS: dict[str, Scenario] = {
    "no_tokens": Scenario(
        "v1", True, 200,
        _ndjson(
            {"event": "add_message", "data": _message("u", "question", sender="User")},
            {"event": "add_message", "data": _message("a", "Whole answer, not streamed.")},
            {"event": "add_message", "data": _message("a", "Whole answer, not streamed.")},
            {"event": "end", "data": {"result": _run_reply("Whole answer, not streamed.")}},
        ),
        "Whole answer, not streamed.\n",
    ),
    "end_only": Scenario(
        "v1", True, 200, _ndjson({"event": "end", "data": {"result": _run_reply("First", "Second", None)}}),
        "First\nSecond\n",
    ),
    "unicode_suffix": Scenario(
        "v1", True, 200,
        _ndjson(
            {"event": "add_message", "data": _message("a", "Hé", state="partial")},
            {"event": "token", "data": {"chunk": "Hé", "id": "a"}},
            {"event": "token", "data": {"chunk": "llo 😀", "id": "a"}},
            {"event": "add_message", "data": _message("a", "Héllo 😀 wörld")},
            {"event": "end", "data": {"result": _run_reply("Héllo 😀 wörld")}},
        ),
        "Héllo 😀 wörld\n",
    ),
    "two_messages": Scenario(
        "v1", True, 200,
        _ndjson(
            {"event": "token", "data": {"chunk": "One", "id": "a"}},
            {"event": "add_message", "data": _message("a", "One")},
            {"event": "add_message", "data": _message("b", "Two")},
            {"event": "end", "data": {"result": _run_reply("One", "Two")}},
        ),
        "One\nTwo\n",
    ),
    "stream_error": Scenario(
        "v1", True, 200,
        _ndjson(
            {"event": "token", "data": {"chunk": "Partial", "id": "a"}},
            {"event": "error", "data": {"error": "Boom: the model failed"}},
            {"event": "end", "data": {"result": _run_reply("never")}},
        ),
        "Partial\n", "Boom: the model failed",
    ),
    "build_error": Scenario(
        "v1", False, 500, json.dumps(BUILD_ERROR["body"]).encode(), "",
        "HTTP 500: Error running graph: Error building Component Language Model",
    ),
    "refused": Scenario(
        "v1", True, 422, json.dumps(REFUSED["body"]).encode(), "",
        "HTTP 422: The field is protected and keeps the value set by the flow author.",
    ),
    "two_outputs": Scenario("v1", False, 200, json.dumps(_run_reply("First", "Second", None)).encode(), "First\nSecond\n"),
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
        _sse({"event": "output", "data": {"content": "Only output ✓", "component_id": "ChatOutput-1"}},
             {"event": "end", "data": {"build_duration": 0.1}}),
        "Only output ✓\n",
    ),
    "v2_stream_error": Scenario(
        "v2", True, 200,
        _sse({"event": "error", "data": {"error": "v2 boom"}}),
        "", "v2 boom",
    ),
}


class ScriptedServer:
    """Answers each POST with the scenario named by the body's input_value, streams in tiny
    chunks (so lines and UTF-8 characters are split across reads)."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                scenario = SCENARIOS[json.loads(raw)["input_value"]]
                self.send_response(scenario.status)
                if scenario.stream and scenario.status == 200:
                    self.send_header("Content-Type", "text/event-stream; charset=utf-8")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for i in range(0, len(scenario.body), 7):
                        piece = scenario.body[i : i + 7]
                        self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                else:
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(scenario.body)))
                    self.end_headers()
                    self.wfile.write(scenario.body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def scripted() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    yield server
    server.stop()


@pytest.mark.parametrize("gen", EXECUTABLE)
def test_scripted_scenarios(gen: str, scripted: ScriptedServer, tmp_path: Path) -> None:
    def job(name: str) -> subprocess.CompletedProcess[str]:
        scenario = SCENARIOS[name]
        request = _at(CASES["echo_v1"], scripted.base_url).with_(
            api=scenario.api, stream=scenario.stream, input_value=name
        )
        directory = tmp_path / name
        directory.mkdir()
        return _run(gen, render(gen, request), directory, _env(LANGFLOW_API_KEY=API_KEY))

    results = _run_all({name: (lambda name=name: job(name)) for name in SCENARIOS})
    for name, done in results.items():
        scenario = SCENARIOS[name]
        assert done.stdout == scenario.stdout, (name, done.stderr)
        if scenario.stderr:
            assert done.returncode != 0, name
            assert scenario.stderr in done.stderr, name
        else:
            assert done.returncode == 0, (name, done.stderr)
            assert done.stderr == "", name


# --- the quoting helpers, on any text ---------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(_JSON)
def test_python_literal_round_trips(value: Any) -> None:
    assert eval(py_literal(value)) == value


@given(_JSON)
def test_json_text_round_trips(value: Any) -> None:
    assert json.loads(json_text(value)) == value
    assert json.loads(json_text(value, ascii_only=True)) == value
    assert json_text(value, ascii_only=True).isascii()


@given(st.text())
def test_python_string_literal(text: str) -> None:
    literal = py_str(text)
    assert eval(literal) == text
    assert literal.isprintable()


def test_shell_quote_through_bash() -> None:
    texts = [NASTY, "", "'", "''", "\\'", "a\nb", "$(id)", "`id`", "😀", "-n", "--"]
    script = "".join(f"printf '%s\\0' {shell_quote(t)}\n" for t in texts)
    done = subprocess.run(["bash", "-c", script], capture_output=True, timeout=30)
    assert done.stdout.decode().split("\0")[:-1] == texts


def _ps_value(literal: str) -> str:
    """What PowerShell makes of the literals ps_quote writes (its rules, written down here
    since PowerShell cannot be installed): '' in single quotes; backtick escapes and
    $([char]0xNNNN) in double quotes."""
    if literal.startswith("'"):
        body = literal[1:-1]
        assert "'" not in body.replace("''", "")
        return body.replace("''", "'")
    assert literal.startswith('"') and literal.endswith('"')
    body, out, i = literal[1:-1], [], 0
    escapes = {"`": "`", "$": "$", '"': '"', "n": "\n", "r": "\r", "t": "\t", "0": "\0"}
    while i < len(body):
        if body[i] == "`":
            out.append(escapes[body[i + 1]])
            i += 2
        elif body.startswith("$([char]0x", i):
            end = body.index(")", i)
            out.append(chr(int(body[i + 10 : end], 16)))
            i = end + 1
        else:
            assert body[i] not in '"$', body
            out.append(body[i])
            i += 1
    return "".join(out).encode("utf-16", "surrogatepass").decode("utf-16")


@given(st.text())
def test_powershell_literal(text: str) -> None:
    literal = ps_quote(text)
    assert literal.isascii()
    assert _ps_value(literal) == text
