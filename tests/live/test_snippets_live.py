"""Generated snippets, both forms (the short one to paste, the full program), saved and run
with their plain tools against the real Langflow: each prints exactly the answer that
`lfdesk run` got for the same input and tweaks, for v1 and v2, streamed and not.

Every target with a toolchain here is run (PowerShell is not installable: golden files only);
python-local runs the flow file with lfx and no server. Each program is compiled once, by
the run that uses it (go run, java's source launcher, mcs).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import toolchains
from helpers.data import OPENAI, load_flow

from lfdesk.core import codegen
from lfdesk.core.request import Connection, RunRequest

INPUT = 'snippet check ✓ "q" $HOME `x` it\'s'
TWEAK_ARGS = ["--tweak", "OpenAI.temperature=0.7", "--tweak", "PromptComponent-0ko7V.template=Be loud: {question}"]
TWEAKS = {OPENAI: {"temperature": 0.7}, "PromptComponent-0ko7V": {"template": "Be loud: {question}"}}

# Not run here: PowerShell (no toolchain; golden files only), python-local (no server: below).
NOT_RUN = {"powershell", "python-local"}
MODES = {"v1": ("v1", False), "v1-stream": ("v1", True), "v2": ("v2", False), "v2-stream": ("v2", True)}


def _forms(names: list[str]) -> list[Any]:
    return [
        pytest.param(name, full, id=f"{name}-{'full' if full else 'short'}")
        for name in names
        for full in ((True, False) if codegen.get(name).has_short else (True,))
    ]


def _program(gen: codegen.Generator) -> tuple[str, list[str], list[str]]:
    """(file name, command, tools it needs) for a saved snippet of `gen`."""
    if gen.extension == ".sh":
        return "run.sh", ["bash", "run.sh"], ["bash", "jq", "curl" if gen.name == "curl" else "http"]
    if gen.extension == ".py":
        return "run.py", [sys.executable, "run.py"], []
    if gen.extension == ".js":
        return "run.js", ["node", "run.js"], ["node"]
    if gen.extension == ".ts":
        return "run.ts", ["npx", "--no", "tsx", "run.ts"], ["node", "npx"]
    if gen.extension == ".go":
        return gen.filename or "main.go", ["go", "run", gen.filename or "main.go"], ["go"]
    if gen.extension == ".java":  # the short form reads JSON with Jackson
        name = gen.filename or "LangflowRun.java"
        java = ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", _jackson_classpath(), name]
        return name, java, ["java"]
    if gen.extension == ".cs":  # the short form reads JSON with System.Runtime.Serialization
        name = gen.filename or "LangflowRun.cs"
        exe = name.removesuffix(".cs") + ".exe"
        mcs = f"mcs -r:System.Net.Http.dll -r:System.Runtime.Serialization.dll {name} && mono {exe}"
        return name, ["sh", "-c", mcs], ["mcs", "mono"]
    raise AssertionError(f"no way to run {gen.name} ({gen.extension}) here")


def _jackson_classpath() -> str:
    jars = [Path("/usr/share/java") / f"{name}.jar" for name in ("jackson-databind", "jackson-core", "jackson-annotations")]
    if not all(jar.exists() for jar in jars):
        toolchains.missing("Jackson", "install it (Debian: apt-get install libjackson2-databind-java)")
    return os.pathsep.join(map(str, jars))


def test_every_target_with_a_toolchain_is_covered() -> None:
    covered = {name for name in codegen.names() if name not in NOT_RUN}
    for name in covered:
        _program(codegen.get(name))  # raises for a target this file cannot run
    assert covered | NOT_RUN == set(codegen.names())


@pytest.fixture(scope="module")
def expected(langflow: Any, echo_flow: dict[str, Any], live_env: dict[str, str]) -> str:
    """The answer `lfdesk run` prints for INPUT and TWEAKS."""
    out = subprocess.run([sys.executable, "-m", "lfdesk", "run", echo_flow["endpoint_name"], "--url", langflow.base_url,
                          "--input", INPUT, *TWEAK_ARGS], env=live_env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"ECHO[gpt-4o-mini|t=0.7]: Be loud: {INPUT}\n"
    return out.stdout


def _request(langflow: Any, echo_flow: dict[str, Any], api: str, stream: bool) -> RunRequest:
    return RunRequest(connection=Connection(langflow.base_url), flow_ref=echo_flow["endpoint_name"],
                      flow_id=echo_flow["id"], input_value=INPUT, tweaks=TWEAKS, stream=stream, api=api,  # type: ignore[arg-type]
                      flow_name=echo_flow["name"])


@pytest.mark.parametrize(("name", "full"), _forms([n for n in codegen.names() if n not in NOT_RUN]))
def test_snippet_prints_the_same_answer(name: str, full: bool, langflow: Any, echo_flow: dict[str, Any],
                                        live_env: dict[str, str], expected: str, tmp_path: Path) -> None:
    gen = codegen.get(name)
    filename, cmd, tools = _program(gen)
    for tool in tools:
        toolchains.require(tool)

    def one(mode: str) -> tuple[str, subprocess.CompletedProcess[str]]:
        api, stream = MODES[mode]
        workdir = tmp_path / mode
        workdir.mkdir()
        if gen.extension == ".ts":
            toolchains.link_node_modules(workdir)
        code = gen.render(_request(langflow, echo_flow, api, stream), codegen.RenderOptions(full=full))
        assert langflow.api_key not in code
        (workdir / filename).write_text(code, encoding="utf-8")
        env = {**live_env, "GOCACHE": str(Path.home() / ".cache" / "go-build"), "GOFLAGS": "-mod=mod"}
        return mode, subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=300)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(one, MODES))
    failures = [f"[{mode}] rc={p.returncode} stdout={p.stdout!r} stderr={p.stderr[-800:]!r}"
                for mode, p in results if p.returncode != 0 or p.stdout != expected]
    assert not failures, "\n".join(failures)


def test_python_local_runs_the_flow_file_with_no_server(expected: str, fake_openai: Any, live_env: dict[str, str],
                                                         tmp_path: Path) -> None:
    """python-local, both forms, runs the flow through lfx in Langflow's own environment: no
    server."""
    flow = load_flow("echo_chat.flow.json")
    for node in flow["data"]["nodes"]:
        if node["id"] == OPENAI:
            node["data"]["node"]["template"]["openai_api_base"]["value"] = fake_openai.base_url
    flow_path = tmp_path / "echo_chat.flow.json"
    flow_path.write_text(json.dumps(flow))
    request = RunRequest(flow_ref="echo-chat", flow_id=flow["id"], input_value=INPUT, tweaks=TWEAKS,
                         flow_path=str(flow_path), flow_name="Echo Chat")
    sys.path.insert(0, str(Path(__file__).parent))
    from langflow_server import ensure_langflow_venv

    python = ensure_langflow_venv() / "bin" / "python"
    env = {k: v for k, v in live_env.items() if not k.startswith("LANGFLOW_")}
    env.update({"LANGFLOW_SSRF_ALLOWED_HOSTS": "127.0.0.1,localhost", "DO_NOT_TRACK": "true",
                "LANGFLOW_DO_NOT_TRACK": "true", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
                "HOME": os.environ.get("HOME", str(tmp_path))})

    def one(full: bool) -> tuple[bool, subprocess.CompletedProcess[str]]:
        workdir = tmp_path / ("full" if full else "short")
        workdir.mkdir()
        code = codegen.render("python-local", request, codegen.RenderOptions(full=full))
        (workdir / "run.py").write_text(code, encoding="utf-8")
        own = {**env, "LANGFLOW_CONFIG_DIR": str(workdir / "lfx-config")}
        return full, subprocess.run([str(python), "run.py"], cwd=workdir, env=own, capture_output=True, text=True,
                                    timeout=300)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for full, out in pool.map(one, (True, False)):
            assert out.returncode == 0, (full, out.stderr[-2000:])
            assert out.stdout.splitlines()[-1] + "\n" == expected, (full, out.stdout)
