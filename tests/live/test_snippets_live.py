"""Generated snippets, saved and run with their plain tools against the real Langflow: each
prints exactly the answer that `lfdesk run` got for the same input and tweaks."""

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

# generator -> (file name, command builder)
RUN: dict[str, tuple[str, list[str]]] = {
    "curl": ("run.sh", ["bash", "run.sh"]),
    "httpie": ("run.sh", ["bash", "run.sh"]),
    "python-requests": ("run.py", [sys.executable, "run.py"]),
    "python-httpx": ("run.py", [sys.executable, "run.py"]),
    "python-script": ("run.py", [sys.executable, "run.py"]),
    "javascript": ("run.js", ["node", "run.js"]),
    "typescript-client": ("run.ts", ["npx", "--no", "tsx", "run.ts"]),
    "go": ("main.go", ["go", "run", "main.go"]),
    "java": ("LangflowRun.java", ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "LangflowRun.java"]),
    "csharp": ("LangflowRun.cs", ["sh", "-c", "mcs -r:System.Net.Http.dll LangflowRun.cs && mono LangflowRun.exe"]),
}
MODES = {"v1": ("v1", False), "v1-stream": ("v1", True), "v2": ("v2", False), "v2-stream": ("v2", True)}


def test_every_runnable_generator_is_covered() -> None:
    assert set(codegen.names()) == {*RUN, "powershell", "python-local"}  # powershell: golden files only


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


@pytest.mark.parametrize("gen", sorted(RUN))
def test_snippet_prints_the_same_answer(gen: str, langflow: Any, echo_flow: dict[str, Any], live_env: dict[str, str],
                                        expected: str, tmp_path: Path) -> None:
    filename, cmd = RUN[gen]
    for tool in {cmd[0], *(["mcs", "mono"] if gen == "csharp" else [])} - {"sh", sys.executable}:
        toolchains.require(tool)

    def one(mode: str) -> tuple[str, subprocess.CompletedProcess[str]]:
        api, stream = MODES[mode]
        workdir = tmp_path / mode
        workdir.mkdir()
        if gen == "typescript-client":
            toolchains.link_node_modules(workdir)
        code = codegen.render(gen, _request(langflow, echo_flow, api, stream))
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
    """python-local runs the flow through lfx in Langflow's own environment: no server."""
    flow = load_flow("echo_chat.flow.json")
    for node in flow["data"]["nodes"]:
        if node["id"] == OPENAI:
            node["data"]["node"]["template"]["openai_api_base"]["value"] = fake_openai.base_url
    flow_path = tmp_path / "echo_chat.flow.json"
    flow_path.write_text(json.dumps(flow))
    request = RunRequest(flow_ref="echo-chat", flow_id=flow["id"], input_value=INPUT, tweaks=TWEAKS,
                         flow_path=str(flow_path), flow_name="Echo Chat")
    (tmp_path / "run.py").write_text(codegen.render("python-local", request), encoding="utf-8")
    sys.path.insert(0, str(Path(__file__).parent))
    from langflow_server import ensure_langflow_venv

    python = ensure_langflow_venv() / "bin" / "python"
    env = {k: v for k, v in live_env.items() if not k.startswith("LANGFLOW_")}
    env.update({"LANGFLOW_SSRF_ALLOWED_HOSTS": "127.0.0.1,localhost", "DO_NOT_TRACK": "true",
                "LANGFLOW_DO_NOT_TRACK": "true", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
                "LANGFLOW_CONFIG_DIR": str(tmp_path / "lfx-config"), "HOME": os.environ.get("HOME", str(tmp_path))})
    out = subprocess.run([str(python), "run.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.splitlines()[-1] + "\n" == expected, out.stdout
