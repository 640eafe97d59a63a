"""Issue 9 on the real Langflow 1.13: the starter "Basic Prompting" (a Language Model whose
`model` is a ModelInput with no choices in the file) run with the model set by `--tweak`,
first with no provider set up, then through "OpenAI Compatible" pointed at the fake model
server; `lfdesk components --url` shows the server's choices, and the generated snippets
print the answer `lfdesk run` prints.

What this module creates on the shared server (a flow, the global variable
OPENAI_COMPATIBLE_BASE_URL) it deletes at its end, so the other modules see the server as
they expect (no provider set up)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import toolchains
from helpers.data import ROOT, load_flow

LM = "LanguageModelComponent-FLeYF"
MODEL = f"{LM}.model"
INPUT = 'models ✓ "q" $HOME `x`'
PROMPT = ("Answer the user as if you were a GenAI expert, enthusiastic about helping them get "
          "started building something fresh.")
ANSWER = f"ECHO[gpt-4o-mini|t=0.1]: {PROMPT} {INPUT}\n"
COMPATIBLE = "OPENAI_COMPATIBLE_BASE_URL"


def lfdesk(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lfdesk", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def ok(p: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert p.returncode == 0, f"exit {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}"
    return p


def one_line_error(p: subprocess.CompletedProcess[str]) -> str:
    assert p.returncode == 1, p.stdout + p.stderr
    assert "Traceback" not in p.stderr, p.stderr
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, p.stderr
    return lines[0]


def api(langflow: Any) -> httpx.Client:
    return httpx.Client(base_url=langflow.base_url, headers=langflow.headers, timeout=60, trust_env=False)


def catalog(langflow: Any) -> dict[str, dict[str, Any]]:
    with api(langflow) as client:
        r = client.get("/api/v1/models")
    r.raise_for_status()
    return {p["provider"]: p for p in r.json()}


@pytest.fixture(scope="module")
def env(live_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {**live_env, "LFDESK_HOME": str(tmp_path_factory.mktemp("models-home"))}


@pytest.fixture(scope="module")
def flow(langflow: Any) -> Iterator[dict[str, Any]]:
    """Basic Prompting as the starter file has it (no model chosen), uploaded for this module."""
    created = langflow.create_flow(load_flow("starter/Basic Prompting.json"), endpoint_name=None,
                                   name="Basic Prompting (issue 9)")
    try:
        yield created
    finally:
        langflow.delete_flow(created["id"])


@pytest.fixture(scope="module")
def compatible(langflow: Any, fake_openai: Any) -> Iterator[str]:
    """OPENAI_COMPATIBLE_BASE_URL = the fake's address, so "OpenAI Compatible" is set up.
    Loopback spelled 127.1: in a container Langflow rewrites "127.0.0.1" in provider URLs
    to the host's address (lfx transform_localhost_url), which its SSRF check then refuses."""
    url = fake_openai.base_url.replace("127.0.0.1", "127.1")
    with api(langflow) as client:
        r = client.post("/api/v1/variables/", json={"name": COMPATIBLE, "value": url, "type": "Generic",
                                                    "default_fields": []})
    assert r.status_code == 201, r.text
    variable_id = r.json()["id"]
    try:
        yield url
    finally:
        with api(langflow) as client:
            client.delete(f"/api/v1/variables/{variable_id}").raise_for_status()
            left = [v["name"] for v in client.get("/api/v1/variables/").json()]
        assert COMPATIBLE not in left


def test_with_no_provider_set_up(env: dict[str, str], langflow: Any, flow: dict[str, Any]) -> None:
    """The model gets past model selection; the run then fails, in one line, to reach the
    hosted provider (this machine has no network)."""
    providers = catalog(langflow)
    assert not providers["OpenAI"]["is_configured"] and not providers["OpenAI Compatible"]["is_configured"]
    base = ["run", flow["id"], "--url", langflow.base_url, "--input", INPUT]
    # Two providers offer the name, neither set up: lfdesk asks which, before sending anything.
    ambiguous = one_line_error(lfdesk(env, *base, "--tweak", f"{MODEL}=gpt-4o-mini"))
    assert "OpenAI/gpt-4o-mini (not set up on the server)" in ambiguous
    assert "Azure AI Foundry/gpt-4o-mini (not set up on the server)" in ambiguous
    # A provider not set up: lfdesk names the variable it needs...
    unset = one_line_error(lfdesk(env, *base, "--tweak", f"{MODEL}=OpenAI/gpt-4o-mini"))
    assert "OpenAI is not set up on the server" in unset and "OPENAI_API_KEY" in unset
    # ...and unchecked, the server says the same.
    server_says = one_line_error(lfdesk(env, *base, "--tweak", f"{MODEL}=OpenAI/gpt-4o-mini", "--no-model-check"))
    assert "OPENAI_API_KEY" in server_says and "model selection is required" not in server_says
    # With a key given to the component, the server tries the hosted provider and cannot reach it.
    unreachable = one_line_error(lfdesk(env, *base, "--tweak", f"{MODEL}=OpenAI/gpt-4o-mini",
                                        "--tweak", f"{LM}.api_key=sk-not-a-real-key", timeout=180))
    assert "Language Model" in unreachable and "connection error" in unreachable.lower(), unreachable
    assert "model selection is required" not in unreachable and "sk-not-a-real-key" not in unreachable


@pytest.fixture(scope="module")
def expected(env: dict[str, str], langflow: Any, flow: dict[str, Any], compatible: str, fake_openai: Any) -> str:
    """`lfdesk run` through OpenAI Compatible: the fake's echo."""
    fake_openai.clear()
    run = ok(lfdesk(env, "run", flow["id"], "--url", langflow.base_url, "--input", INPUT,
                    "--tweak", f"{MODEL}=OpenAI Compatible/gpt-4o-mini"))
    assert run.stdout == ANSWER
    assert fake_openai.last_chat().model == "gpt-4o-mini"
    return run.stdout


def test_run_end_to_end_through_openai_compatible(env: dict[str, str], langflow: Any, flow: dict[str, Any],
                                                  expected: str) -> None:
    # A bare name two providers offer: the one set up (the server alone would take OpenAI's).
    bare = ok(lfdesk(env, "run", flow["id"], "--url", langflow.base_url, "--input", INPUT, "--stream",
                     "--tweak", f"{MODEL}=gpt-4o-mini", "--api", "v2"))
    assert bare.stdout == expected and "warning" not in bare.stderr


def test_components_shows_the_provider_usable(env: dict[str, str], langflow: Any, flow: dict[str, Any],
                                              compatible: str) -> None:
    out = json.loads(ok(lfdesk(env, "components", flow["id"], "--url", langflow.base_url, "--json")).stdout)
    comp = next(c for c in out["components"] if c["id"] == LM)
    choices = next(f for f in comp["fields"] if f["name"] == "model")["server_choices"]
    providers = {p["provider"]: p for p in choices["providers"]}
    usable = providers["OpenAI Compatible"]
    assert usable["usable"] and usable["reason"] is None
    assert {m["name"] for m in usable["models"] if m["usable"]} >= {"gpt-4o-mini", "gpt-4o"}
    assert providers["OpenAI"]["usable"] is False and providers["OpenAI"]["missing_variables"] == ["OPENAI_API_KEY"]
    text = ok(lfdesk(env, "components", flow["id"], "--url", langflow.base_url)).stdout
    assert "      OpenAI Compatible: usable" in text.splitlines()


# generator -> (file name, command, extra snippet arguments)
SNIPPETS: dict[str, tuple[str, list[str], list[str]]] = {
    "curl": ("run.sh", ["bash", "run.sh"], []),
    "python-requests": ("run.py", [sys.executable, "run.py"], ["--stream"]),
    "javascript": ("run.js", ["node", "run.js"], ["--api", "v2"]),
    "python-httpx": ("run.py", [sys.executable, "run.py"], ["--api", "v2", "--stream"]),
}


def test_snippets_print_the_same_answer(env: dict[str, str], langflow: Any, flow: dict[str, Any], expected: str,
                                        tmp_path: Path) -> None:
    toolchains.require("node")
    pulled = tmp_path / "basic_prompting.json"  # the server's copy: its id, for v1 and v2
    ok(lfdesk(env, "pull", flow["id"], "--url", langflow.base_url, "-o", str(pulled)))

    def one(gen: str) -> tuple[str, str, subprocess.CompletedProcess[str]]:
        filename, cmd, extra = SNIPPETS[gen]
        made = ok(lfdesk(env, "snippet", str(pulled), "--lang", gen, "--url", langflow.base_url,
                         "--input", INPUT, *extra, "--tweak", f"{MODEL}=OpenAI Compatible/gpt-4o-mini"))
        workdir = tmp_path / gen
        workdir.mkdir()
        (workdir / filename).write_text(made.stdout, encoding="utf-8")
        return gen, made.stdout, subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True,
                                                timeout=120)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(one, SNIPPETS))
    for gen, code, _ in results:
        assert "OpenAI Compatible" in code and "gpt-4o-mini" in code, gen
        assert langflow.api_key not in code
    failures = [f"[{gen}] rc={p.returncode} stdout={p.stdout!r} stderr={p.stderr[-800:]!r}"
                for gen, _, p in results if p.returncode != 0 or p.stdout != expected]
    assert not failures, "\n".join(failures)
