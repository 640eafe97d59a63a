"""The headless command line: exact names, exit codes, one-line errors, no Qt."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.data import ECHO_FLOW, ROOT

from lfdesk.cli import main
from lfdesk.core import codegen

ECHO = str(ECHO_FLOW)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lfdesk", *args], capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_langs_lists_every_generator(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["langs"]) == 0
    assert capsys.readouterr().out.split() == codegen.names()


def test_components_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["components", ECHO, "--json", "--all"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["flow"] == {"id": "1a775cc2-f37c-4f5a-890d-bead1a2842ce", "name": "Echo Chat", "endpoint_name": "echo-chat"}
    comp = next(c for c in out["components"] if c["id"] == "OpenAIModelComponent-44DEX")
    assert set(comp) >= {"id", "type", "display_name", "fields"}
    fields = {f["name"]: f for f in comp["fields"]}
    assert set(fields["temperature"]) >= {"name", "display_name", "kind", "value", "tweakable", "reason"}
    assert fields["temperature"]["kind"] == "slider" and fields["temperature"]["tweakable"]
    assert fields["code"]["tweakable"] is False and "code" in fields["code"]["reason"]
    assert fields["api_key"]["value"] == "********"  # a secret in the flow file is not printed


def test_components_text_default_shows_tweakable_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["components", ECHO]) == 0
    text = capsys.readouterr().out
    assert "temperature" in text and "OpenAIModelComponent-44DEX" in text
    assert " code " not in text
    assert main(["components", ECHO, "--all"]) == 0
    assert "no: code" in capsys.readouterr().out


def test_snippet_coerces_tweaks(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["snippet", ECHO, "--lang", "python-requests", "--tweak", "OpenAI.temperature=0.7",
                 "--tweak", "PromptComponent-0ko7V.template=Be loud: {question}", "--input", "yo"])
    assert code == 0
    out = capsys.readouterr().out
    assert "0.7" in out and "'0.7'" not in out and '"0.7"' not in out
    assert "Be loud: {question}" in out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--tweak", "OpenAI.temperature=warm"], "expected a number"),
        (["--tweak", "Nope.temperature=1"], "no component 'Nope'"),
        (["--tweak", "OpenAI.code=x"], "cannot be tweaked"),
        (["--tweak", "temperature"], "expected COMPONENT.FIELD=VALUE"),
        (["--lang", "cobol"], "unknown language 'cobol'"),
        (["--api", "v2", "--flow-ref", "x"], ""),
    ],
)
def test_snippet_errors_are_one_line(args: list[str], fragment: str, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["snippet", ECHO] + ([] if "--lang" in args else ["--lang", "curl"])
    code = main([*base, *args])
    err = capsys.readouterr().err
    if fragment:
        assert code != 0
        assert fragment in err and err.count("\n") == 1 and "Traceback" not in err
    else:
        assert code == 0


def test_malformed_flow_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"data": ')
    assert main(["components", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "not valid JSON" in err and err.count("\n") == 1


def test_tweaks_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    preset = tmp_path / "t.json"
    preset.write_text(json.dumps({"OpenAIModelComponent-44DEX": {"temperature": 0.25}}))
    assert main(["snippet", ECHO, "--lang", "curl", "--tweaks-file", str(preset)]) == 0
    assert '"temperature": 0.25' in capsys.readouterr().out


def test_inline_secrets_only_when_asked(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LANGFLOW_API_KEY", "sk-inline-me")
    for lang in codegen.names():
        assert main(["snippet", ECHO, "--lang", lang]) == 0
        assert "sk-inline-me" not in capsys.readouterr().out, lang
    assert main(["snippet", ECHO, "--lang", "curl", "--inline-secrets"]) == 0
    assert "sk-inline-me" in capsys.readouterr().out
    monkeypatch.delenv("LANGFLOW_API_KEY")
    assert main(["snippet", ECHO, "--lang", "curl", "--inline-secrets"]) == 1
    assert "no token" in capsys.readouterr().err


def test_headless_commands_do_not_import_qt_or_httpx() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from lfdesk.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['components', {ECHO!r}])\n"
        f"    main(['langs'])\n"
        f"    for lang in {codegen.names()!r}: main(['snippet', {ECHO!r}, '--lang', lang])\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'qasync', 'httpx')]\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_entry_point_runs_as_a_process() -> None:
    out = run_cli("snippet", ECHO, "--lang", "curl", "--stream")
    assert out.returncode == 0 and "stream=true" in out.stdout
    out = run_cli("components", "/no/such/file.json")
    assert out.returncode == 1 and out.stderr.startswith("lfdesk: ")


def test_token_set_without_a_keyring_says_so_in_one_line(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "LFDESK_HOME": str(tmp_path), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    add = subprocess.run([sys.executable, "-m", "lfdesk", "profile", "add", "p", "--url", "http://127.0.0.1:9"],
                         env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert add.returncode == 0, add.stderr
    out = subprocess.run([sys.executable, "-m", "lfdesk", "token", "set", "p"], input="sk-secret-123\n",
                         env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1 and "LANGFLOW_API_KEY" in out.stderr
    assert "sk-secret-123" not in out.stderr + out.stdout
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert b"sk-secret-123" not in path.read_bytes(), path
