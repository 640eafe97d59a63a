"""`lfdesk` commands as a user runs them, against the real Langflow of the live suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers.data import ROOT, TESTS


@pytest.fixture
def cli_env(tmp_path: Path, live_env: dict[str, str]) -> dict[str, str]:
    env = dict(live_env)
    env.pop("LANGFLOW_API_KEY", None)  # each test says where the key comes from
    env.update({
        "LFDESK_HOME": str(tmp_path / "home"),
        "PYTHON_KEYRING_BACKEND": "testkeyring.FileKeyring",
        "LFDESK_TEST_KEYRING": str(tmp_path / "keyring.json"),
        "PYTHONPATH": os.pathsep.join([str(TESTS), env.get("PYTHONPATH", "")]),
    })
    return env


def lfdesk(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lfdesk", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def ok(p: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert p.returncode == 0, f"exit {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}"
    return p


def one_line_error(p: subprocess.CompletedProcess[str]) -> str:
    assert p.returncode != 0, p.stdout
    assert "Traceback" not in p.stderr, p.stderr
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, p.stderr
    return lines[0]


def test_profile_token_flows_pull_run(cli_env: dict[str, str], langflow: Any, echo_flow: dict[str, Any], tmp_path: Path) -> None:
    ok(lfdesk(cli_env, "profile", "add", "live", "--url", langflow.base_url + "/"))
    assert "live\t" + langflow.base_url in ok(lfdesk(cli_env, "profile", "list")).stdout
    out = ok(lfdesk(cli_env, "token", "set", "live", stdin=langflow.api_key + "\n"))
    assert "stored" in out.stdout
    assert langflow.api_key not in (tmp_path / "home").joinpath("config", "profiles.json").read_text()

    flows = json.loads(ok(lfdesk(cli_env, "flows", "--profile", "live", "--json")).stdout)
    assert echo_flow["id"] in [f["id"] for f in flows]

    target = tmp_path / "pulled.json"
    ok(lfdesk(cli_env, "pull", echo_flow["endpoint_name"], "--profile", "live", "-o", str(target)))
    comps = json.loads(ok(lfdesk(cli_env, "components", str(target), "--json")).stdout)
    assert "OpenAIModelComponent-44DEX" in [c["id"] for c in comps["components"]]

    run = ok(lfdesk(cli_env, "run", echo_flow["endpoint_name"], "--profile", "live", "--input", "hi there",
                    "--tweak", "OpenAI.temperature=0.7"))
    assert run.stdout == "ECHO[gpt-4o-mini|t=0.7]: You are terse. Question: hi there\n"
    assert "total" in run.stderr and "tokens" in run.stderr

    ok(lfdesk(cli_env, "token", "delete", "live"))
    denied = lfdesk(cli_env, "run", echo_flow["endpoint_name"], "--profile", "live", "--input", "x")
    assert "api key" in one_line_error(denied).lower()


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_run_stream_prints_tokens_and_stats(cli_env: dict[str, str], langflow: Any, echo_flow: dict[str, Any], api: str) -> None:
    env = {**cli_env, "LANGFLOW_API_KEY": langflow.api_key}
    args = ["run", echo_flow["endpoint_name"], "--url", langflow.base_url, "--input", "stream it",
            "--tweak", "PromptComponent-0ko7V.template=Be loud: {question}", "--api", api]
    plain = ok(lfdesk(env, *args))
    streamed = ok(lfdesk(env, *args, "--stream"))
    assert plain.stdout == "ECHO[gpt-4o-mini|t=0.1]: Be loud: stream it\n"
    assert streamed.stdout == plain.stdout
    assert "first token" in streamed.stderr and "total" in streamed.stderr


def test_stream_arrives_over_time(cli_env: dict[str, str], langflow: Any, echo_flow: dict[str, Any]) -> None:
    env = {**cli_env, "LANGFLOW_API_KEY": langflow.api_key, "PYTHONUNBUFFERED": "1"}
    import time

    proc = subprocess.Popen([sys.executable, "-m", "lfdesk", "run", echo_flow["endpoint_name"], "--url", langflow.base_url,
                             "--input", "one two three four five six seven eight", "--stream"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None
    arrivals: list[float] = []
    text = b""
    while True:
        b = proc.stdout.read1(4096)  # type: ignore[attr-defined]
        if not b:
            break
        arrivals.append(time.monotonic())
        text += b
    proc.wait(timeout=60)
    assert proc.returncode == 0
    assert b"eight" in text
    assert len(arrivals) >= 3 and arrivals[-1] - arrivals[0] > 0.2, "tokens should arrive over time"


def test_errors_from_the_real_server_are_one_line(cli_env: dict[str, str], langflow: Any, echo_flow: dict[str, Any],
                                                  basic_prompting_flow: dict[str, Any]) -> None:
    base = ["--url", langflow.base_url]
    no_key = one_line_error(lfdesk(cli_env, "run", echo_flow["endpoint_name"], *base, "--input", "x"))
    assert "api key" in no_key.lower()
    bad = {**cli_env, "LANGFLOW_API_KEY": "sk-wrong"}
    wrong = one_line_error(lfdesk(bad, "run", echo_flow["endpoint_name"], *base, "--input", "x"))
    assert "invalid" in wrong.lower() or "wrong" in wrong.lower()
    good = {**cli_env, "LANGFLOW_API_KEY": langflow.api_key}
    missing = one_line_error(lfdesk(good, "run", "no-such-flow", *base, "--input", "x"))
    assert "no-such-flow" in missing
    build = one_line_error(lfdesk(good, "run", basic_prompting_flow["id"], *base, "--input", "x"))
    assert "model selection is required" in build
    dead = one_line_error(lfdesk(good, "flows", "--url", "http://127.0.0.1:9"))
    assert "127.0.0.1:9" in dead
    locked = one_line_error(lfdesk(good, "run", echo_flow["endpoint_name"], *base, "--tweak", "OpenAI.code=x"))
    assert "cannot be tweaked" in locked
