"""The JavaScript, TypeScript, Go, Java and C# generators, both forms, held to the real tools.

Every case of tests/codegen_cases.py is rendered in the full form (golden/<target>/) and the
short one (golden/<target>/short/) and compared with its golden file, then checked by the
language's own compiler (all cases of a language in one call), and the echo and nasty cases
are run for real against the replay server: the program must print exactly the answer, send
exactly the body, stream as it reads, and fail on a bad key. The full forms also meet the
made-up replies of SCRIPTS; the short forms those of snippet_runs.SCENARIOS (a model that
does not stream, in-stream errors, error bodies, failed v2 runs, a Langflow before 1.1.2),
with what every target's short form makes of them. Every short form keeps its line budget.

The short Java form needs Jackson (Debian: libjackson2-databind-java), the short C# form
System.Runtime.Serialization on Mono (libmono-system-runtime-serialization4.0-cil).

`LFDESK_UPDATE_GOLDEN=1` rewrites the golden files; `LFDESK_SKIP_TOOLCHAINS=1` skips what
needs a missing tool (by default a missing tool fails, with its install hint).
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import toolchains
from codegen_cases import NASTY, SHORT_BUDGETS, budget_request, cases, exact_json
from replay_server import (
    API_KEY,
    NONSTREAM_ANSWER,
    STREAM_ANSWER,
    V2_SYNC_ANSWER,
    Recorded,
    ReplayServer,
)
from snippet_runs import SCENARIOS, SHORT_SKIPS, ScriptedServer

from lfdesk.core import codegen
from lfdesk.core.codegen import RenderOptions, get
from lfdesk.core.codegen.csharp import NAMESPACE
from lfdesk.core.request import Connection, RunRequest

GENERATORS = ["javascript", "typescript-client", "go", "java", "csharp"]
FORMS = ("full", "short")
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("LFDESK_UPDATE_GOLDEN") == "1"
JACKSON = ("jackson-databind", "jackson-core", "jackson-annotations")
MCS_REFS = ("-r:System.Net.Http.dll", "-r:System.Runtime.Serialization.dll")

# The answer in tests/data/captures/echo_v2_stream.sse (replay_server has no constant for it).
V2_STREAM_ANSWER = "ECHO[gpt-4o-mini|t=0.1]: You are terse. Question: v2 stream"

SECRET = "sk-SECRET-123"
NASTY_TOKEN = 'sk-"q\'$`\\x\n\u00fc😀'

CASES: dict[str, RunRequest] = cases()

# Extra renderings beyond the shared cases: inlined tokens (nasty ones too), another env var,
# a flow name that would break out of a comment.
VARIANTS: dict[str, tuple[RunRequest, RenderOptions]] = {
    **{name: (request, RenderOptions()) for name, request in CASES.items()},
    "echo_v1__inline_nasty_token": (CASES["echo_v1"], RenderOptions(inline_token=NASTY_TOKEN)),
    "echo_v2_stream__key_env": (CASES["echo_v2_stream"], RenderOptions(key_env="MY_LF_KEY")),
    "datastax__inline": (CASES["datastax"], RenderOptions(inline_token=SECRET)),
    "echo_v1_stream__nasty_name": (
        CASES["echo_v1_stream"].with_(flow_name="Café */ \\u000a\n" + NASTY), RenderOptions()),
    "nasty_v1__keep_session": (CASES["nasty_v1"], RenderOptions(keep_session=True)),
}


def render(gen: str, request: RunRequest, options: RenderOptions | None = None, form: str = "full") -> str:
    """The snippet in the form asked for (full unless told)."""
    return codegen.render(gen, request, replace(options or RenderOptions(), full=form == "full"))


def _rendered(gen: str, form: str = "full") -> dict[str, str]:
    return {name: render(gen, request, opts, form) for name, (request, opts) in VARIANTS.items()}


def _sent(request: RunRequest, form: str, options: RenderOptions | None = None) -> RunRequest:
    """The request as the snippet sends it: a short form leaves out a session id the user
    did not set."""
    if form == "short" and not (options and options.keep_session):
        return request.with_(session_id=None)
    return request


def jackson_classpath() -> str:
    """The class path of the Jackson jars the short Java form reads JSON with."""
    if toolchains.skipping():
        pytest.skip("LFDESK_SKIP_TOOLCHAINS=1: not checking snippets with the real tools")
    jars = [Path("/usr/share/java") / f"{name}.jar" for name in JACKSON]
    if not all(jar.exists() for jar in jars):
        toolchains.missing("Jackson", "install it (Debian: apt-get install libjackson2-databind-java)")
    return os.pathsep.join(map(str, jars))


def _run(cmd: list[str], cwd: Path, timeout: float = 120, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def _tool_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    env.update(NO_PROXY="127.0.0.1,localhost", GOPROXY="off", GOFLAGS="", GOTOOLCHAIN="local", GO111MODULE="")
    env.pop("LANGFLOW_API_KEY", None)
    return env


# --- golden files and plain properties -------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("gen", GENERATORS)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_golden(gen: str, form: str, variant: str) -> None:
    request, opts = VARIANTS[variant]
    text = render(gen, request, opts, form)
    path = GOLDEN / gen / ("short" if form == "short" else "") / f"{variant}.txt"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}: run with LFDESK_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("gen", GENERATORS)
def test_token_never_appears_unless_inlined(gen: str, form: str) -> None:
    for name, request in CASES.items():
        plain = render(gen, request, form=form)
        assert SECRET not in plain, name
        assert "LANGFLOW_API_KEY" in plain, name
        assert "WARNING" not in plain, name
        inlined = render(gen, request, RenderOptions(inline_token=SECRET), form)
        assert SECRET in inlined, name
        assert "WARNING" in inlined and "API key" in inlined, name
        assert "LANGFLOW_API_KEY" not in inlined, name
        other = render(gen, request, RenderOptions(key_env="MY_LF_KEY"), form)
        assert "MY_LF_KEY" in other and "LANGFLOW_API_KEY" not in other, name


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("gen", GENERATORS)
def test_deterministic(gen: str, form: str) -> None:
    # Speed (< 2 ms with 20 tweaks) is measured by tests/bench_core.py, not asserted here.
    base = CASES["echo_v1_stream"]
    tweaks = {f"Component-{i:02d}": {"text": f"{NASTY} {i}", "n": i, "on": i % 2 == 0} for i in range(20)}
    for request in (base.with_(tweaks=tweaks), base.with_(tweaks=tweaks, api="v2", stream=False)):
        first = render(gen, request, form=form)
        assert render(gen, request, form=form) == first


@pytest.mark.parametrize("gen", GENERATORS)
def test_short_is_the_default_and_leaves_the_session_out(gen: str) -> None:
    request = CASES["nasty_v1"]
    short = codegen.render(gen, request)
    assert short == render(gen, request, form="short")
    assert len(short.splitlines()) * 2 < len(render(gen, request).splitlines())
    assert "session_id" not in short and "session_id" in render(gen, request)
    assert "session_id" in render(gen, request, RenderOptions(keep_session=True), "short")


@pytest.mark.parametrize("gen", GENERATORS)
def test_short_forms_keep_their_line_budget(gen: str) -> None:
    """Every case, its data aside: the budget counts every line, comments included, of the
    short form of the case with the Echo Chat tweaks (two components) in place of its own;
    the answer budget holds for v1 and v2, the stream budget for both streams."""
    answer_budget, stream_budget = SHORT_BUDGETS[gen]
    for name, request in CASES.items():
        lines = render(gen, budget_request(request), form="short").count("\n")
        budget = stream_budget if request.stream else answer_budget
        assert lines <= budget, (name, lines, budget)


def test_generators_are_registered() -> None:
    assert get("java").filename == "LangflowRun.java"
    assert get("csharp").filename == "LangflowRun.cs"
    for gen in GENERATORS:
        assert get(gen).streams


@pytest.mark.parametrize("form", FORMS)
def test_java_and_csharp_sources_are_ascii(form: str) -> None:
    for gen in ("java", "csharp"):
        for name, text in _rendered(gen, form).items():
            assert text.isascii(), f"{gen} {name}"


@pytest.mark.parametrize("form", FORMS)
def test_go_has_no_surrogate_escapes(form: str) -> None:
    for name, text in _rendered("go", form).items():
        assert "\\ud8" not in text.lower() and "\\ude" not in text.lower(), name


def test_typescript_client_falls_back_to_fetch_for_v2() -> None:
    v2 = render("typescript-client", CASES["echo_v2"])
    assert "@datastax/langflow-client" in v2 and "plain fetch" in v2
    assert "import " not in v2 and "fetch(url" in v2
    v1 = render("typescript-client", CASES["echo_v1"])
    assert 'from "@datastax/langflow-client"' in v1 and "flow.run(" in v1
    assert "flow.stream(" in render("typescript-client", CASES["echo_v1_stream"])
    datastax = render("typescript-client", CASES["datastax"])
    assert "langflowId:" in datastax and "baseUrl" not in datastax
    short = {name: render("typescript-client", CASES[name], form="short") for name in CASES}
    assert "plain fetch" in short["echo_v2"] and "fetch(url" in short["echo_v2"]
    assert "import { Readable }" in short["echo_v2_stream"]
    assert ".run(" in short["echo_v1"] and ".stream(" in short["echo_v1_stream"]
    assert "langflowId:" in short["datastax"] and "baseUrl" not in short["datastax"]


# --- syntax and type checks with the real tools ---------------------------------------------


def _write_all(gen: str, root: Path, layout: str, forms: tuple[str, ...] = FORMS) -> dict[str, Path]:
    """Every variant of `gen` in each of `forms`, saved; name (`<form>_<variant>`) -> path."""
    out: dict[str, Path] = {}
    for form in forms:
        for variant, text in _rendered(gen, form).items():
            name = f"{form}_{variant}"
            path = root / layout.format(name=name)
            path.parent.mkdir(parents=True, exist_ok=True)
            out[name] = path
            path.write_text(text, encoding="utf-8")
    return out


def test_javascript_syntax(tmp_path: Path) -> None:
    node = toolchains.require("node")
    files = _write_all("javascript", tmp_path, "{name}.js")
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda p: (p, _run([node, "--check", str(p)], tmp_path)), files.values()))
    bad = [f"{p.name}: {r.stderr}" for p, r in results if r.returncode != 0]
    assert not bad, "\n".join(bad)


_TSCONFIG = """{
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2022"],
    "module": "ESNext",
    "moduleResolution": "bundler",
    "moduleDetection": "force",
    "types": ["node"],
    "strict": true,
    "noEmit": true,
    "skipLibCheck": true
  },
  "include": ["*.ts"]
}
"""


def test_typescript_types(tmp_path: Path) -> None:
    tools = toolchains.ensure_node_tools()
    toolchains.link_node_modules(tmp_path)
    (tmp_path / "tsconfig.json").write_text(_TSCONFIG)
    _write_all("typescript-client", tmp_path, "{name}.ts")
    tsc = tools / "node_modules" / ".bin" / "tsc"
    proc = _run([str(tsc), "-p", str(tmp_path)], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_go_fmt_and_vet(tmp_path: Path) -> None:
    gofmt, go = toolchains.require("gofmt"), toolchains.require("go")
    (tmp_path / "go.mod").write_text("module lfcheck\n\ngo 1.18\n")
    _write_all("go", tmp_path, "{name}/main.go")
    fmt = _run([gofmt, "-l", "."], tmp_path)
    assert fmt.returncode == 0 and fmt.stdout == "", f"not gofmt-clean:\n{fmt.stdout}{fmt.stderr}"
    vet = _run([go, "vet", "./..."], tmp_path, timeout=300, env=_tool_env())
    assert vet.returncode == 0, vet.stdout + vet.stderr


def test_java_compiles(tmp_path: Path) -> None:
    javac = toolchains.require("javac")
    files = _write_all("java", tmp_path / "src", "{name}/LangflowRun.java")
    for name, path in files.items():  # one package per case: one javac call for all
        path.write_text(f"package {name};\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    proc = _run([javac, "-Xlint:all", "-Werror", "-encoding", "US-ASCII", "--release", "11",
                 "-cp", jackson_classpath(), "-d", str(tmp_path / "out"), *map(str, files.values())],
                tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_csharp_compiles(tmp_path: Path) -> None:
    mcs = toolchains.require("mcs")
    files = _write_all("csharp", tmp_path, "{name}.cs")
    for name, path in files.items():  # one namespace per case: one mcs call for all
        text = path.read_text(encoding="utf-8")
        if name.startswith("full_"):
            assert f"namespace {NAMESPACE}\n" in text
            text = text.replace(f"namespace {NAMESPACE}\n", f"namespace Case_{name}\n", 1)
        else:  # the short form is one class: a namespace goes around it
            text = text.replace("\npublic static class", f"\nnamespace Case_{name} {{\npublic static class", 1) + "}\n"
        path.write_text(text, encoding="utf-8")
    proc = _run([mcs, "-target:library", "-warnaserror+", *MCS_REFS,
                 f"-out:{tmp_path / 'all.dll'}", *map(str, files.values())], tmp_path)
    # Only a missing reference (CS0006) is a missing toolchain; any other error is the snippets'.
    if proc.returncode != 0 and "CS0006" in proc.stdout + proc.stderr:
        toolchains.missing("Mono's System.Net.Http or System.Runtime.Serialization",
                           toolchains.HINTS["mcs"] + " libmono-system-runtime-serialization4.0-cil")
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- running the snippets for real --------------------------------------------------------


@dataclass(frozen=True)
class Runner:
    """How to save and run one generator's program."""

    filename: str
    tools: tuple[str, ...]

    def command(self, workdir: Path, npx: bool = True) -> list[str]:
        path = workdir / self.filename
        if self.filename.endswith(".js"):
            return ["node", str(path)]
        if self.filename.endswith(".ts"):
            # npx as a user would; the tsx it finds directly where speed matters.
            tsx = ["npx", "--no", "tsx"] if npx else [str(workdir / "node_modules" / ".bin" / "tsx")]
            return [*tsx, str(path)]
        if self.filename.endswith(".go"):
            return ["go", "run", str(path)]
        if self.filename.endswith(".java"):
            # C1 only and the serial GC: the same run at about half the CPU (many JVMs here).
            return ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", jackson_classpath(), str(path)]
        return ["sh", "-c", f"mcs {' '.join(MCS_REFS)} LangflowRun.cs && mono LangflowRun.exe"]


RUNNERS = {
    "javascript": Runner("run_flow.js", ("node",)),
    "typescript-client": Runner("run_flow.ts", ("node", "npx")),
    "go": Runner("main.go", ("go",)),
    "java": Runner("LangflowRun.java", ("java",)),
    "csharp": Runner("LangflowRun.cs", ("mcs", "mono")),
}


@dataclass(frozen=True)
class Scenario:
    name: str
    request: RunRequest  # its base URL is replaced by the server's
    stdout: str  # exactly
    ok: bool = True  # exit 0, else non-zero
    stderr: str = ""  # must be in stderr
    key: str | None = API_KEY
    options: RenderOptions = field(default_factory=RenderOptions)
    check_body: bool = False
    short_stderr: str | None = None  # must be in stderr of the short form, if not `stderr`


# Against the replay server (real Langflow 1.13 captures).
REPLAYED = [
    Scenario("v1", CASES["echo_v1"], NONSTREAM_ANSWER + "\n"),
    Scenario("v1 stream", CASES["echo_v1_stream"], STREAM_ANSWER + "\n"),
    Scenario("v2", CASES["echo_v2"], V2_SYNC_ANSWER + "\n"),
    Scenario("v2 stream", CASES["echo_v2_stream"], V2_STREAM_ANSWER + "\n"),
    # Over 64 KB of nasty text: javac takes no string constant that long.
    Scenario("nasty v1, big body", CASES["nasty_v1"].with_(tweaks={
        **CASES["nasty_v1"].tweaks, "PromptComponent-0ko7V": {"template": (NASTY + " {question} ") * 700}}),
        NONSTREAM_ANSWER + "\n", check_body=True),
    Scenario("nasty v2 stream", CASES["nasty_v2_stream"], V2_STREAM_ANSWER + "\n", check_body=True),
    Scenario("datastax, inlined token", CASES["datastax"], NONSTREAM_ANSWER + "\n", key=None,
             options=RenderOptions(inline_token=API_KEY), check_body=True),
    Scenario("wrong key", CASES["echo_v1_stream"], "", ok=False, stderr="HTTP 403: Invalid or missing API key",
             key="sk-wrong", short_stderr="Invalid or missing API key"),
    # Integers beyond 2^53, -0.0, 1.0, `__proto__` keys, emoji, `${`: sent exactly as set.
    Scenario("exact values v1", CASES["exact_v1"], NONSTREAM_ANSWER + "\n", check_body=True),
    Scenario("exact values v2 stream", CASES["exact_v2_stream"], V2_STREAM_ANSWER + "\n", check_body=True),
    Scenario("__proto__ in an object", CASES["proto_v1"], NONSTREAM_ANSWER + "\n", check_body=True),
    # A ModelInput's value: a list of one {"name", "provider"} object, sent as it is.
    Scenario("model list v1", CASES["model_v1"], NONSTREAM_ANSWER + "\n", check_body=True),
]


def _event(event: str, **data: object) -> dict[str, object]:
    return {"event": event, "data": data}


def _message(mid: str, text: str, sender: str = "Machine", state: str = "complete") -> dict[str, object]:
    return _event("add_message", id=mid, sender=sender, sender_name=sender, text=text,
                  properties={"state": state, "source": {"id": None}})


def _result(*outputs: object) -> dict[str, object]:
    return {"session_id": "s-1", "outputs": [{"inputs": {"input_value": "q"}, "outputs": list(outputs)}]}


def _ndjson(*events: object) -> str:
    return "".join(json.dumps(e, ensure_ascii=False) + "\n\n" for e in events)


# Made-up replies for what the captures do not show: name -> (status, content type, body).
# v1 requests are routed by flow ref, v2 ones by flow_id.
SCRIPTS: dict[str, tuple[int, str, str]] = {
    "stream-mixed": (200, "text/event-stream", _ndjson(
        _message("u1", "q", sender="User"),
        _message("m1", "Fi", state="partial"),
        _event("token", chunk="Fi", id="m1"),
        _event("token", chunk="rst ✓", id="m1"),
        _event("token", chunk="", id="m1"),
        _message("m1", "First ✓"),
        _message("m2", "Second ünï 😀"),
        _message("m2", "Second ünï 😀"),
        _event("end", result=_result({"results": {"message": {"text": "ignored"}}})),
    )),
    "stream-end-only": (200, "text/event-stream", _ndjson(
        _event("end", result=_result(None, {"results": {"text": {"text": "From the end"}}})),
    )),
    "stream-error": (200, "text/event-stream", _ndjson(
        _message("m1", "Par", state="partial"),
        _event("token", chunk="Par", id="m1"),
        _event("token", chunk="tial", id="m1"),
        _event("error", error="Boom: the model failed"),
        _event("end", result=_result()),
    )),
    "stream-cut": (200, "text/event-stream", _ndjson(_event("token", chunk="Cut", id="m1"))),
    "fallbacks": (200, "application/json", json.dumps(_result(
        {"results": {"message": {"text": "One"}}, "artifacts": {"message": "not this"}},
        None,
        {"results": {"message": {"data": {}}}, "artifacts": {"message": "Two"}},
        {"results": {}, "outputs": {"message": {"message": "Three"}}},
        {"results": {"text": {"text": 'Four ✓ 😀 "q" \\ / \t'}}},
        {"results": {}},
    ))),
    "build-error": (500, "application/json", json.dumps({"detail": json.dumps(
        {"message": "Error running graph: no model chosen", "traceback": None, "suggestion": None})})),
    "refused": (422, "application/json", json.dumps({"detail": {
        "error": "Refused tweaks", "code": "TWEAKS_REFUSED", "message": "The field is protected.",
        "fields": ["code"]}})),
    "plain-error": (502, "text/html", "<html>Bad gateway</html>"),
    "v2-failed": (200, "application/json", json.dumps({
        "status": "failed", "output": None, "outputs": {},
        "errors": [{"error": "Component OpenAI failed", "code": "E1", "details": None}]})),
    "v2-outputs": (200, "application/json", json.dumps({
        "status": "completed", "output": {"reason": "multiple", "text": None},
        "outputs": {"A": {"content": "Alpha"}, "B": {"content": {"x": 1}}, "C": {"content": "Gamma"}}})),
    # SSE with CRLF line ends, a comment, an event whose JSON spans two data lines.
    "v2-output-only": (200, "text/event-stream", (
        ": keep-alive\r\n\r\n"
        'data: {"event": "build_start", "data": {}}\r\nid: 0\r\n\r\n'
        'data: {"event": "output",\r\ndata:  "data": {"content": "Out ✓", "component_id": "C"}}\r\nid: 1\r\n\r\n'
        'data: {"event": "end", "data": {"build_duration": 0.1}}\r\nid: 2\r\n\r\n'
    )),
}

_V1 = CASES["no_tweaks"]
_V2 = CASES["echo_v2"]
SCRIPTED = [
    Scenario("tokens, then messages", _V1.with_(flow_ref="stream-mixed", stream=True), "First ✓\nSecond ünï 😀\n"),
    Scenario("only the end event", _V1.with_(flow_ref="stream-end-only", stream=True), "From the end\n"),
    Scenario("error event", _V1.with_(flow_ref="stream-error", stream=True), "Partial\n", ok=False,
             stderr="Boom: the model failed"),
    Scenario("stream cut short", _V1.with_(flow_ref="stream-cut", stream=True), "Cut\n", ok=False,
             stderr="ended before"),
    Scenario("answer fallbacks", _V1.with_(flow_ref="fallbacks"), "One\nTwo\nThree\nFour ✓ 😀 \"q\" \\ / \t\n"),
    Scenario("500 with a JSON string detail", _V1.with_(flow_ref="build-error"), "", ok=False,
             stderr="HTTP 500: Error running graph: no model chosen"),
    Scenario("422 with an object detail", _V1.with_(flow_ref="refused"), "", ok=False,
             stderr="HTTP 422: The field is protected."),
    Scenario("502 with no JSON", _V1.with_(flow_ref="plain-error"), "", ok=False,
             stderr="HTTP 502: <html>Bad gateway</html>"),
    Scenario("v2 failed run", _V2.with_(flow_id="v2-failed"), "", ok=False, stderr="Run failed: Component OpenAI failed"),
    Scenario("v2 outputs, no output.text", _V2.with_(flow_id="v2-outputs"), "Alpha\nGamma\n"),
    Scenario("v2 stream, output event only", _V2.with_(flow_id="v2-output-only", stream=True), "Out ✓\n"),
]


class ScriptServer:
    """Loopback server answering SCRIPTS, streams in 5-byte chunks (splitting UTF-8)."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.loads(raw) if raw else {}
                path = self.path.split("?")[0]
                name = path.rsplit("/", 1)[-1] if "/api/v1/run/" in path else str(body.get("flow_id"))
                status, ctype, text = SCRIPTS[name]
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", f"{ctype}; charset=utf-8")
                if ctype != "text/event-stream":
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for i in range(0, len(data), 5):
                    piece = data[i : i + 5]
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def script_server() -> Iterator[ScriptServer]:
    server = ScriptServer()
    try:
        yield server
    finally:
        server.stop()


def _prepare(gen: str, workdir: Path) -> Runner:
    runner = RUNNERS[gen]
    for tool in runner.tools:
        toolchains.require(tool)
    if gen == "typescript-client":
        toolchains.link_node_modules(workdir)
    return runner


def _against(base_url: str, request: RunRequest) -> RunRequest:
    conn = request.connection
    return request.with_(connection=Connection(base_url, kind=conn.kind, datastax_id=conn.datastax_id))


def _execute(
    gen: str, base_url: str, scenario: Scenario, workdir: Path, npx: bool = True, form: str = "full"
) -> subprocess.CompletedProcess[str]:
    runner = _prepare(gen, workdir)
    request = _against(base_url, scenario.request)
    (workdir / runner.filename).write_text(render(gen, request, scenario.options, form), encoding="utf-8")
    env = _tool_env()
    if scenario.key is not None:
        env["LANGFLOW_API_KEY"] = scenario.key
    return _run(runner.command(workdir, npx), workdir, timeout=180, env=env)


def _failures(gen: str, scenarios: list[Scenario], results: list[subprocess.CompletedProcess[str]],
              form: str) -> list[str]:
    """What went other than each scenario says, described."""
    failures = []
    for s, proc in zip(scenarios, results, strict=True):
        stderr = s.stderr if form == "full" or s.short_stderr is None else s.short_stderr
        if (
            proc.stdout != s.stdout
            or (proc.returncode == 0) != s.ok
            or stderr not in proc.stderr
            or (s.ok and proc.stderr.strip() and gen != "typescript-client")
        ):
            failures.append(f"[{form}: {s.name}] rc={proc.returncode}, wanted {'0' if s.ok else 'non-zero'}\n"
                            f"stdout={proc.stdout!r}, wanted {s.stdout!r}\nstderr={proc.stderr[-1500:]!r}")
    return failures


def _run_all(gen: str, base_url: str, scenarios: list[Scenario], tmp_path: Path, pool: ThreadPoolExecutor,
             npx: bool = True, form: str = "full") -> list[str]:
    """Run every scenario in `pool`; the failures, described."""
    _prepare(gen, tmp_path)
    dirs = [tmp_path / f"{form}{i}" for i in range(len(scenarios))]
    for d in dirs:
        d.mkdir()
    results = list(pool.map(lambda s, d: _execute(gen, base_url, s, d, npx, form), scenarios, dirs))
    return _failures(gen, scenarios, results, form)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("gen", GENERATORS)
def test_snippets_run_against_replay_server(
    gen: str, form: str, replay_server: ReplayServer, slow_server: ReplayServer, tmp_path: Path
) -> None:
    """The echo and nasty cases against the captures; and, meanwhile, a stream read slowly
    enough to see that the program prints as it reads."""
    (tmp_path / "slow").mkdir()
    with ThreadPoolExecutor(4) as pool:
        streaming = pool.submit(_prints_as_it_reads, gen, slow_server, tmp_path / "slow", form)
        failures = _run_all(gen, replay_server.base_url, REPLAYED, tmp_path, pool, form=form)
        failures += streaming.result()
    recorded = list(replay_server.requests)
    for s in REPLAYED:
        if s.check_body:
            sent = _sent(_against(replay_server.base_url, s.request), form, s.options)
            failures += _check_sent(gen, sent, recorded, s.name)
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("gen", GENERATORS)
def test_snippets_handle_every_reply(gen: str, script_server: ScriptServer, tmp_path: Path) -> None:
    """Streams without tokens, several messages, errors in and out of the stream, fallbacks."""
    with ThreadPoolExecutor(4) as pool:
        failures = _run_all(gen, script_server.base_url, SCRIPTED, tmp_path, pool, npx=False)
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("gen", GENERATORS)
def test_short_forms_handle_every_reply(gen: str, tmp_path: Path) -> None:
    """The short form against snippet_runs.SCENARIOS, with what every target's short form
    makes of them: a model that does not stream, a stream error, error bodies, a failed v2
    run, a Langflow older than 1.1.2 that answers a stream with a stream_url (one line, and
    no wait for events that never come)."""
    scenarios = []
    for name, sc in SCENARIOS.items():
        if name in SHORT_SKIPS:
            continue
        stdout, stderr = sc.expected(full=False)
        request = CASES["no_tweaks"].with_(input_value=name, api=sc.api, stream=sc.stream, output_type=sc.output_type)
        scenarios.append(Scenario(name, request, stdout, ok=not stderr, stderr=stderr))
    server = ScriptedServer()
    try:
        with ThreadPoolExecutor(4) as pool:
            failures = _run_all(gen, server.base_url, scenarios, tmp_path, pool, npx=False, form="short")
    finally:
        server.stop()
    assert not failures, "\n\n".join(failures)


def _check_sent(gen: str, request: RunRequest, recorded: list[Recorded], name: str) -> list[str]:
    """The server got exactly the body (the escaping survived, every number has the text of
    body_json()) with the right headers."""
    want_path = request.url.removeprefix(request.connection.base_url).split("?")[0]
    auth = request.connection.auth_header.lower()
    want = exact_json(request.body_json())
    for rec in recorded:
        path, headers = rec.path, rec.headers
        if path.split("?")[0] != want_path or ("stream=true" in path) != (request.stream and request.api == "v1"):
            continue
        body = exact_json(rec.raw)
        if gen == "typescript-client" and request.api == "v1" and isinstance(body, dict):
            body = {k: v for k, v in body.items() if v != {} or k != "tweaks"}  # the client adds tweaks: {}
        if body == want:
            if headers.get(auth) != request.connection.auth_value(API_KEY):
                return [f"[{name}] sent {auth}={headers.get(auth)!r}"]
            if "application/json" not in headers.get("content-type", ""):
                return [f"[{name}] sent content-type={headers.get('content-type')!r}"]
            return []
    bodies = "\n".join(repr(r.raw)[:600] for r in recorded)
    return [f"[{name}] no request carried the expected body {request.body_json()[:600]!r}; got:\n{bodies}"]


@pytest.fixture
def slow_server() -> Iterator[ReplayServer]:
    server = ReplayServer(pause=0.01).start()  # about 1.3 s for the v1 stream
    try:
        yield server
    finally:
        server.stop()


def _prints_as_it_reads(gen: str, server: ReplayServer, workdir: Path, form: str = "full") -> list[str]:
    """The first text must reach stdout well before the stream ends (no whole-body buffering)."""
    runner = _prepare(gen, workdir)
    request = _against(server.base_url, CASES["echo_v1_stream"])
    (workdir / runner.filename).write_text(render(gen, request, form=form), encoding="utf-8")
    env = _tool_env()
    env["LANGFLOW_API_KEY"] = API_KEY
    proc = subprocess.Popen(runner.command(workdir, npx=False), cwd=workdir, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    stdout = proc.stdout
    arrivals: list[float] = []
    chunks: list[bytes] = []

    def read() -> None:
        while data := os.read(stdout.fileno(), 4096):
            arrivals.append(time.monotonic())
            chunks.append(data)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        proc.wait(timeout=180)
    finally:
        reader.join(timeout=10)
    stderr = proc.stderr.read().decode()
    out = b"".join(chunks).decode()
    if proc.returncode != 0 or out != STREAM_ANSWER + "\n":
        return [f"[{form}: slow stream] rc={proc.returncode} stdout={out!r} stderr={stderr[-1500:]!r}"]
    # The tokens come about 0.45 s into the stream and the end about 1.3 s in: a program that
    # prints as it reads spreads its output over that; one that buffers prints it at once.
    spread = arrivals[-1] - arrivals[0]
    if spread < 0.3:
        return [f"[{form}: slow stream] all output came within {spread:.2f} s: it buffers the stream"]
    return []


def test_missing_key_is_explained(tmp_path: Path, replay_server: ReplayServer) -> None:
    """With no key in the environment, each program says which variable to set."""
    for gen in ("javascript", "go", "csharp"):
        workdir = tmp_path / gen
        workdir.mkdir()
        scenario = Scenario("no key", CASES["echo_v1"], "", key=None)
        proc = _execute(gen, replay_server.base_url, scenario, workdir)
        assert proc.returncode != 0, (gen, proc.stdout, proc.stderr)  # `go run` exits 1, not 2
        assert "LANGFLOW_API_KEY" in proc.stderr, gen
    assert not replay_server.requests
