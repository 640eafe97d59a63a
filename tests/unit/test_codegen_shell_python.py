"""The curl, PowerShell, HTTPie and Python generators, both forms, held to golden files and
real runs.

Every case of tests/codegen_cases.py (plus a few renderings with an inlined or renamed key,
and one that keeps its session id) is rendered in the full form (golden/<target>/) and the
short one (golden/<target>/short/) and compared with its golden file, then syntax-checked by
the real tool (`bash -n`; Python's `compile()` and ruff's pyflakes rules). PowerShell is not
installed here, so its scripts are held to golden files and a few structural checks only.
Every short form keeps its line budget (SHORT_BUDGETS in codegen_cases).

The curl, HTTPie, requests, httpx and stdlib-script snippets are also run for real, as
saved, against the replay server (real Langflow 1.13 captures), in both forms: stdout must be
exactly the answer, the server must receive exactly `request.body()` (a short form leaves the
session id out unless the user set one), a bad key must fail (the full form with
`HTTP 403: <detail>` on stderr), and streams must print before the reply has ended. A small
scripted server covers what the captures do not: a model that does not stream, an `end`
event alone, in-stream errors, 500/422 error bodies, failed v2 runs, a server older than
1.1.2 that answers a stream with a `stream_url`.

`LFDESK_UPDATE_GOLDEN=1` rewrites the golden files (and only then are they written).
python-local needs lfx and a model server: only its golden files, `compile()` and a run with
a stand-in for lfx here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from codegen_cases import NASTY, SHORT_BUDGETS, budget_request, cases, exact_json
from hypothesis import given
from hypothesis import strategies as st
from replay_server import API_KEY, NONSTREAM_ANSWER, STREAM_ANSWER, V2_SYNC_ANSWER, ReplayServer
from snippet_runs import (
    FULL_SKIPS,
    SCENARIOS,
    SHELL,
    SHORT_SKIPS,
    V2_STREAM_ANSWER,
    Outcome,
    ScriptedServer,
    answer_for,
    at,
    command,
    replay_job,
    run,
    run_all,
    save,
    snippet_env,
)

from lfdesk.core import codegen
from lfdesk.core.codegen import RenderOptions, get
from lfdesk.core.codegen.common import json_text
from lfdesk.core.codegen.common_py import py_literal, py_str
from lfdesk.core.codegen.common_sh import shell_quote
from lfdesk.core.codegen.powershell import ps_quote
from lfdesk.core.request import RunRequest

GENERATORS = ["curl", "powershell", "httpie", "python-requests", "python-httpx", "python-script", "python-local"]
EXECUTABLE = ["curl", "httpie", "python-requests", "python-httpx", "python-script"]
PYTHON = {"python-requests", "python-httpx", "python-script", "python-local"}
FORMS = ("full", "short")

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("LFDESK_UPDATE_GOLDEN") == "1"

SECRET = "sk-SECRET-123"
NASTY_TOKEN = "sk-\"q'$`\\x\n\u00fc😀"

CASES: dict[str, RunRequest] = cases()

# Extra renderings beyond the shared cases: inlined tokens (nasty ones too), another env var,
# a session id the user set (which a short form keeps).
VARIANTS: dict[str, tuple[str, RenderOptions]] = {
    **{name: (name, RenderOptions()) for name in CASES},
    "echo_v1__inline": ("echo_v1", RenderOptions(inline_token=SECRET)),
    "echo_v1_stream__inline_nasty_token": ("echo_v1_stream", RenderOptions(inline_token=NASTY_TOKEN)),
    "echo_v2_stream__key_env": ("echo_v2_stream", RenderOptions(key_env="MY_LF_KEY")),
    "datastax__inline": ("datastax", RenderOptions(inline_token=SECRET)),
    "nasty_v1__keep_session": ("nasty_v1", RenderOptions(keep_session=True)),
}


def forms(gens: list[str] | set[str]) -> list[Any]:
    """(target, form) for every target of `gens` and every form it has."""
    return [
        pytest.param(gen, form, id=f"{gen}-{form}")
        for gen in sorted(gens, key=GENERATORS.index)
        for form in FORMS
        if form == "full" or get(gen).has_short
    ]


def render(gen: str, request: RunRequest, options: RenderOptions | None = None, form: str = "full") -> str:
    """The snippet in the form asked for (full unless told)."""
    return codegen.render(gen, request, replace(options or RenderOptions(), full=form == "full"))


def _options(form: str, options: RenderOptions | None = None) -> RenderOptions:
    return replace(options or RenderOptions(), full=form == "full")


def _sent(request: RunRequest, form: str, options: RenderOptions | None = None) -> RunRequest:
    """The request as the snippet sends it: a short form leaves out a session id the user
    did not set."""
    if form == "short" and not (options and options.keep_session):
        return request.with_(session_id=None)
    return request


def _normalised(text: str) -> str:
    """Golden files must not depend on where the repository is checked out."""
    return text.replace(str(REPO), "<REPO>")


# --- golden files, syntax, secrets ------------------------------------------------------


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize(("gen", "form"), forms(GENERATORS))
def test_golden(gen: str, form: str, variant: str) -> None:
    case, options = VARIANTS[variant]
    code = _normalised(render(gen, CASES[case], options, form))
    path = GOLDEN / gen / ("short" if form == "short" else "") / f"{variant}.txt"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code, encoding="utf-8")
    assert path.exists(), f"no golden file {path}: run with LFDESK_UPDATE_GOLDEN=1"
    assert code == path.read_text(encoding="utf-8")


def test_short_is_the_default_and_python_script_is_full_by_nature() -> None:
    request = CASES["nasty_v1"]
    for gen in GENERATORS:
        short = codegen.render(gen, request)
        assert short == render(gen, request, form="short"), gen
        if gen == "python-script":
            assert not get(gen).has_short and short == render(gen, request), gen
        else:
            assert len(short.splitlines()) < len(render(gen, request).splitlines()), gen
            # the session id the app's chat used stays the app's, unless the user set it
            assert "session_id" not in short, gen
            assert "session_id" in render(gen, request, RenderOptions(keep_session=True), "short"), gen


@pytest.mark.parametrize("gen", [g for g in GENERATORS if get(g).has_short])
def test_short_forms_keep_their_line_budget(gen: str) -> None:
    """Every case, its data aside: the budget counts every line, comments included, of the
    short form of the case with the Echo Chat tweaks (two components) in place of its own."""
    answer_budget, stream_budget = SHORT_BUDGETS[gen]
    counts = {}
    for name, request in CASES.items():
        lines = render(gen, budget_request(request), form="short").count("\n")  # U+2028 is no line end
        counts[name] = lines
        budget = stream_budget if request.stream else answer_budget
        assert lines <= budget, (name, lines, budget)
    assert counts["echo_v1"] <= answer_budget


@pytest.mark.parametrize(("gen", "form"), forms(GENERATORS))
def test_rendering_is_deterministic(gen: str, form: str) -> None:
    # Speed (< 2 ms with 20 tweaks) is measured by tests/bench_core.py, not asserted here.
    request = _twenty_tweaks()
    assert render(gen, request, form=form) == render(gen, request, form=form)


def _twenty_tweaks() -> RunRequest:
    tweaks: dict[str, dict[str, Any]] = {}
    for i in range(20):
        tweaks[f"Component-{i // 4}"] = {
            **tweaks.get(f"Component-{i // 4}", {}),
            f"field_{i}": NASTY if i % 3 == 0 else {"value": i, "load_from_db": False},
        }
    return CASES["nasty_v1_stream"].with_(tweaks=tweaks)


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize(("gen", "form"), forms(SHELL))
def test_shell_syntax(gen: str, form: str, variant: str, tmp_path: Path) -> None:
    case, options = VARIANTS[variant]
    code = render(gen, CASES[case], options, form)
    path = save(gen, code, tmp_path)
    done = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    # A backslash that continues a line must end it (Langflow's own pane had "\ ", A.7).
    for line in code.splitlines():
        assert not line.rstrip("\n").endswith("\\ "), line


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize(("gen", "form"), forms(PYTHON))
def test_python_compiles(gen: str, form: str, variant: str) -> None:
    case, options = VARIANTS[variant]
    compile(render(gen, CASES[case], options, form), f"{gen}-{variant}.py", "exec")


def test_python_snippets_pass_pyflakes(tmp_path: Path) -> None:
    """No unused import or undefined name in any Python snippet (ruff's F rules)."""
    # ruff is a dev dependency: without it this check must fail, not pass by skipping.
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    assert Path(ruff).exists(), "ruff is not installed (pip install -e '.[dev]')"
    for param in forms(PYTHON):
        gen, form = param.values
        for variant, (case, options) in VARIANTS.items():
            name = f"{gen}_{form}_{variant}".replace("-", "_")
            save(gen, render(gen, CASES[case], options, form), tmp_path, name)
    done = subprocess.run(
        [ruff, "check", "--isolated", "--no-cache", "--select", "F,E9,B", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize(("gen", "form"), forms(GENERATORS))
def test_token_only_when_inlined(gen: str, form: str, case: str) -> None:
    request = CASES[case]
    plain = render(gen, request, form=form)
    assert SECRET not in plain
    assert "WARNING" not in plain
    if gen != "python-local":  # no key is used with no server
        assert "LANGFLOW_API_KEY" in plain
        custom = render(gen, request, RenderOptions(key_env="MY_LF_KEY"), form)
        assert "MY_LF_KEY" in custom and "LANGFLOW_API_KEY" not in custom
    inlined = render(gen, request, RenderOptions(inline_token=SECRET), form)
    if gen == "python-local":
        assert SECRET not in inlined
    else:
        assert SECRET in inlined
        assert "WARNING: this file contains a secret API key" in inlined


def test_bad_env_name_is_refused() -> None:
    for form in FORMS:
        with pytest.raises(ValueError, match="environment variable"):
            render("curl", CASES["echo_v1"], RenderOptions(key_env="MY-KEY; rm -rf /"), form)


@pytest.mark.parametrize("case", list(CASES))
def test_powershell_structure(case: str) -> None:
    """What can be checked without PowerShell: ASCII only (5.1 reads BOM-less files in the
    ANSI code page), the body string closes, and it holds exactly the body (the full form's
    here-string, the short form's single-quoted string with ' doubled)."""
    request = CASES[case]
    for form, opening, closing in (("full", "$Body = @'\n", "\n'@\n"), ("short", "$Body = '", "'\n")):
        code = render("powershell", request, form=form)
        assert code.isascii()
        start = code.index(opening) + len(opening)
        body = code[start : code.index("\n}" + closing, start) + 2 if form == "short" else code.index(closing, start)]
        if form == "short":
            assert "'" not in body.replace("''", "")
            body = body.replace("''", "'")
        sent = _sent(request, form)
        assert json.loads(body) == sent.body()
        assert exact_json(body) == exact_json(sent.body_json())
        assert code.count("{") == code.count("}")
        assert code.count("(") == code.count(")")
        assert ("HTTP " in code and "exit 1" in code) or ("'Stop'" in code), form


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


class _Result:
    """What lfx's run_flow_from_json returns, as far as the short form reads it."""

    def __init__(self, output: str, text: str) -> None:
        self.results = {output: type("Message", (), {"text": text})()}


@pytest.mark.parametrize("case", ["echo_v1", "no_tweaks", "no_input", "text_io", "nasty_v1"])
def test_python_local_short_calls_lfx_with_the_request(case: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The short form, run with a stand-in for lfx: the call gets the request (its defaults
    left to lfx, a session id only when the user set one) and the answer is printed."""
    for options in (RenderOptions(), RenderOptions(keep_session=True)):
        request = CASES[case]
        calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

        def run_flow_from_json(*args: Any, calls: list[Any] = calls, **kwargs: Any) -> list[Any]:
            calls.append((args, kwargs))
            output = "text" if kwargs.get("output_type") == "text" else "message"
            return [type("RunOutputs", (), {"outputs": [_Result(output, "the answer ✓")]})()]

        code = render("python-local", request, options, "short")
        code = code.replace("from lfx.load import run_flow_from_json", "")
        exec(compile(code, "local.py", "exec"), {"run_flow_from_json": run_flow_from_json})
        assert capsys.readouterr().out == "the answer ✓\n"
        [(args, kwargs)] = calls
        assert args == (request.flow_path,)
        assert kwargs.pop("fallback_to_env_vars") is True
        expected: dict[str, Any] = {"input_value": request.input_value or ""}
        if request.session_id and options.keep_session:
            expected["session_id"] = request.session_id
        if request.effective_tweaks():
            expected["tweaks"] = request.effective_tweaks()
        expected |= {k: v for k, v in (("input_type", request.input_type), ("output_type", request.output_type))
                     if v != "chat"}
        if request.output_component:
            expected["output_component"] = request.output_component
        assert kwargs == expected


# --- run for real against the replay server ---------------------------------------------


@pytest.mark.parametrize(("gen", "form"), forms(EXECUTABLE))
def test_runs_against_replay(gen: str, form: str, tmp_path: Path) -> None:
    """Every case, run as saved: exactly the answer on stdout, exactly the body sent."""
    jobs = {
        variant: (lambda case=case, options=options, variant=variant: replay_job(
            gen, tmp_path / variant, CASES[case], snippet_env(LANGFLOW_API_KEY=API_KEY), _options(form, options)
        ))
        for variant, (case, options) in VARIANTS.items()
        if not options.inline_token and options.key_env == RenderOptions().key_env
        # the captures hold a Chat Output's reply; a short form reads a Text Output's answer
        # where that component puts it (the scripted "text_output" scenario)
        and not (form == "short" and CASES[case].output_type == "text")
    }
    results: dict[str, Outcome] = run_all(jobs)
    for variant, out in results.items():
        request, done, sent = _sent(out.request, form, VARIANTS[variant][1]), out.done, out.sent
        assert done.returncode == 0, (variant, done.stderr)
        assert done.stdout == answer_for(request) + "\n", variant
        assert done.stderr == "", variant
        assert len(sent) == 1, variant
        assert sent[0].body == request.body(), variant
        # The same values with the same number text (-0.0 is not 0, 1.0 is not 1).
        assert exact_json(sent[0].raw) == exact_json(request.body_json()), variant
        assert sent[0].path == request.url.removeprefix(out.base_url), variant
        auth = request.connection.auth_header.lower()
        assert sent[0].headers[auth] == request.connection.auth_value(API_KEY), variant
        assert sent[0].headers["content-type"].startswith("application/json"), variant


@pytest.mark.parametrize(("gen", "form"), forms(EXECUTABLE))
def test_errors_and_keys(gen: str, form: str, tmp_path: Path) -> None:
    """A bad key, an unknown flow, no key at all, an inlined key, another variable name. The
    full form says `HTTP <status>: <detail>`; a short form fails in its tool's own words."""
    good = snippet_env(LANGFLOW_API_KEY=API_KEY)
    jobs: dict[str, tuple[RunRequest, dict[str, str], RenderOptions, str | None]] = {
        f"bad_key_{case}": (CASES[case], snippet_env(LANGFLOW_API_KEY="sk-wrong"), RenderOptions(), None)
        for case in ("echo_v1", "echo_v1_stream", "echo_v2", "echo_v2_stream", "datastax")
    }
    jobs["unknown_flow"] = (CASES["echo_v1_stream"], good, RenderOptions(), "no-such-flow")
    jobs["missing_key"] = (CASES["echo_v1"], snippet_env(), RenderOptions(), None)
    jobs["missing_key_stream"] = (CASES["echo_v2_stream"], snippet_env(), RenderOptions(), None)
    for case in ("echo_v1_stream", "datastax", "echo_v2"):
        jobs[f"inline_{case}"] = (CASES[case], snippet_env(), RenderOptions(inline_token=API_KEY), None)
    jobs["key_env"] = (CASES["echo_v2_stream"], snippet_env(MY_LF_KEY=API_KEY), RenderOptions(key_env="MY_LF_KEY"), None)
    results: dict[str, Outcome] = run_all(
        {
            name: (lambda name=name, job=job: replay_job(
                gen, tmp_path / name, job[0], job[1], _options(form, job[2]), job[3]
            ))
            for name, job in jobs.items()
        }
    )
    full = form == "full"
    for name, out in results.items():
        done = out.done
        if name.startswith(("bad_key", "unknown_flow")):
            status, detail = ("403", "Invalid or missing API key") if name.startswith("bad") else (
                "404", "Flow identifier no-such-flow not found")
            assert done.returncode != 0, name
            assert done.stdout == "", name
            assert (f"HTTP {status}: {detail}" if full else status) in done.stderr, (name, done.stderr)
            if gen in SHELL:  # jq shows the reply's detail
                assert detail in done.stderr, (name, done.stderr)
        elif name.startswith("missing_key"):
            assert done.returncode != 0, name
            assert done.stdout == "", name
            if full or gen in PYTHON:  # the Python short forms: a KeyError naming it
                assert "LANGFLOW_API_KEY" in done.stderr and out.sent == [], name
            else:  # the shell short forms send no key, and the server says so
                assert "An API key must be passed as query or header" in done.stderr, name
        else:
            assert done.returncode == 0, (name, done.stderr)
            assert done.stdout == answer_for(out.request) + "\n", name


def _timed(gen: str, form: str, directory: Path, case: str) -> tuple[str, float, float, int, str]:
    server = ReplayServer(pause=0.01).start()
    try:
        request = at(CASES[case], server.base_url)
        directory.mkdir()
        path = save(gen, render(gen, request, form=form), directory)
        proc = subprocess.Popen(
            command(gen, path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=snippet_env(LANGFLOW_API_KEY=API_KEY),
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


@pytest.mark.parametrize(("gen", "form"), forms(EXECUTABLE))
def test_stream_prints_before_the_reply_ends(gen: str, form: str, tmp_path: Path) -> None:
    """Paced replay: the first answer bytes must reach stdout well before the reply ends."""
    cases_ = {"echo_v1_stream": STREAM_ANSWER, "echo_v2_stream": V2_STREAM_ANSWER}
    results = run_all({case: (lambda case=case: _timed(gen, form, tmp_path / case, case)) for case in cases_})
    for case, (stdout, first_at, ended_at, code, errors) in results.items():
        assert code == 0, (case, errors)
        assert stdout == cases_[case] + "\n", case
        assert ended_at - first_at > 0.3, (case, first_at, ended_at)


def _without_jq(gen: str, form: str, directory: Path, case: str, key: str) -> subprocess.CompletedProcess[str]:
    server = ReplayServer().start()
    try:
        bin_dir = directory / "bin"
        bin_dir.mkdir(parents=True)
        for tool in ("curl", "http", "cat", "printf", "mktemp", "rm"):
            found = shutil.which(tool)
            assert found, tool
            (bin_dir / tool).symlink_to(found)
        bash = shutil.which("bash") or "/bin/bash"
        path = save(gen, render(gen, at(CASES[case], server.base_url), form=form), directory)
        env = snippet_env(LANGFLOW_API_KEY=key, PATH=str(bin_dir))
        return subprocess.run([bash, str(path)], capture_output=True, text=True, timeout=30, env=env)
    finally:
        server.stop()


@pytest.mark.parametrize(("gen", "form"), forms(SHELL))
def test_shell_without_jq(gen: str, form: str, tmp_path: Path) -> None:
    """The full form prints the raw reply (and still fails on an HTTP error); a short form,
    which needs jq, fails and prints nothing."""
    jobs = {
        f"{case}_{key}": (
            lambda case=case, key=key: _without_jq(gen, form, tmp_path / f"{case}_{key}", case, key)
        )
        for case in ("echo_v1", "echo_v1_stream", "echo_v2", "echo_v2_stream")
        for key in (API_KEY, "sk-wrong")
    }
    for name, done in run_all(jobs).items():
        if form == "short":
            assert done.returncode != 0 and done.stdout == "", name
            assert "jq" in done.stderr, name
        elif name.endswith(API_KEY):
            assert "jq not found" in done.stderr, name
            case = name.removesuffix(f"_{API_KEY}")
            assert done.returncode == 0, (name, done.stderr)
            assert answer_for(CASES[case]) in done.stdout.replace("\\", ""), name  # in the raw JSON
        else:
            assert "jq not found" in done.stderr, name
            assert done.returncode != 0, name
            assert "HTTP 403" in done.stderr and "Invalid or missing API key" in done.stderr, name


def test_script_options(replay_server: ReplayServer, tmp_path: Path) -> None:
    """python-script: --input, --tweaks (merged), --session, --stream/--no-stream, --api-key-env."""
    request = at(CASES["echo_v1"], replay_server.base_url)
    args = [
        "--input", NASTY,
        "--tweaks", json.dumps({"OpenAIModelComponent-44DEX": {"max_tokens": 9}, "Other-1": {"x": True}}),
        "--session", "sess-9",
        "--stream",
        "--api-key-env", "OTHER_KEY",
    ]
    done = run("python-script", render("python-script", request), tmp_path, snippet_env(OTHER_KEY=API_KEY), args)
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
    v2 = at(CASES["echo_v2_stream"], replay_server.base_url)
    env = snippet_env(LANGFLOW_API_KEY=API_KEY)
    done = run("python-script", render("python-script", v2), tmp_path, env, ["--no-stream"])
    assert done.returncode == 0, done.stderr
    assert done.stdout == V2_SYNC_ANSWER + "\n"
    assert replay_server.requests[1].body["mode"] == "sync"
    done = run("python-script", render("python-script", v2), tmp_path, env, ["--tweaks", "[1]"])
    assert done.returncode == 2 and "--tweaks must be a JSON object" in done.stderr


# --- what the captures do not show: a scripted server -----------------------------------


@pytest.fixture(scope="module")
def scripted() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    yield server
    server.stop()


@pytest.mark.parametrize(("gen", "form"), forms(EXECUTABLE))
def test_scripted_scenarios(gen: str, form: str, scripted: ScriptedServer, tmp_path: Path) -> None:
    full = form == "full"

    def job(name: str) -> subprocess.CompletedProcess[str]:
        scenario = SCENARIOS[name]
        request = at(CASES["echo_v1"], scripted.base_url).with_(
            api=scenario.api, stream=scenario.stream, input_value=name, output_type=scenario.output_type
        )
        directory = tmp_path / name
        directory.mkdir()
        return run(gen, render(gen, request, form=form), directory, snippet_env(LANGFLOW_API_KEY=API_KEY))

    skipped = {name for name, gens in FULL_SKIPS.items() if gen in gens} if full else SHORT_SKIPS
    names = [name for name in SCENARIOS if name not in skipped]
    results = run_all({name: (lambda name=name: job(name)) for name in names})
    for name, done in results.items():
        stdout, stderr = SCENARIOS[name].expected(full)
        assert done.stdout == stdout, (name, done.stderr)
        if stderr:
            assert done.returncode != 0, name
            assert stderr in done.stderr, (name, done.stderr)
            if name == "legacy_stream_url":  # a one-line reason, not a wait for events
                assert len(done.stderr.strip().splitlines()) == 1, (name, done.stderr)
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
