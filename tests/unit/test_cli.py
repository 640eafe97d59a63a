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


# --- what is sent is what the user set, or nothing is (issue 8) ------------------------------


def _one_line_failure(code: int, want: int, err: str, out: str, fragment: str) -> None:
    assert code == want, err
    assert fragment in err, err
    assert err.count("\n") == 1 and err.startswith("lfdesk: ") and "Traceback" not in err
    assert out == ""  # no snippet, no answer


@pytest.mark.parametrize("name", ["MY-KEY", "1KEY", "MY KEY", "KEY;rm -rf /", "KEY\n", "", "K\u00c9Y"])
def test_key_env_that_is_not_a_variable_name_is_a_usage_error(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    for lang in ("curl", "javascript", "go"):
        code = main(["snippet", ECHO, "--lang", lang, "--key-env", name])
        captured = capsys.readouterr()
        _one_line_failure(code, 2, captured.err, captured.out, "--key-env: ")
        assert "not a usable environment variable name" in captured.err


def test_key_env_that_is_a_variable_name_is_used(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snippet", ECHO, "--lang", "curl", "--key-env", "_My_Key2"]) == 0
    assert "$_My_Key2" in capsys.readouterr().out


class _NoClient:
    """Stands in for LangflowClient where nothing may be sent."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError(f"a client was made for {args!r}: the key would have been sent")


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("", "--url: no server URL given"),
        ("file:///etc/passwd", "--url: the server URL must start with http:// or https://"),
        ("javascript:alert(1)", "--url: the server URL must start with http:// or https://"),
        ("ftp://example.com", "must start with http:// or https://"),
        ("http://host:99999", "--url: the server URL is malformed"),
    ],
)
def test_a_url_that_is_not_http_makes_no_snippet_and_no_run(
    url: str, fragment: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import lfdesk.core.api

    monkeypatch.setenv("LANGFLOW_API_KEY", "sk-must-stay-home")
    monkeypatch.setattr(lfdesk.core.api, "LangflowClient", _NoClient)
    for lang in codegen.names():
        code = main(["snippet", ECHO, "--lang", lang, "--url", url])
        captured = capsys.readouterr()
        _one_line_failure(code, 2, captured.err, captured.out, fragment)
    for args in (["run", "echo-chat"], ["run", ECHO], ["flows"], ["pull", "echo-chat", "-o", "x.json"]):
        code = main([*args, "--url", url])
        captured = capsys.readouterr()
        _one_line_failure(code, 2, captured.err, captured.out, fragment)


def test_profile_and_an_empty_url_are_both_given(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LFDESK_HOME", str(tmp_path))
    assert main(["profile", "add", "p", "--url", "http://127.0.0.1:9"]) == 0
    capsys.readouterr()
    code = main(["snippet", ECHO, "--lang", "curl", "--profile", "p", "--url", ""])
    captured = capsys.readouterr()
    _one_line_failure(code, 2, captured.err, captured.out, "give --profile or --url, not both")


@pytest.mark.parametrize(
    ("tweak", "fragment"),
    [
        ("OpenAI.temperature=1,000", "no commas or other separators"),
        ("OpenAI.temperature=0,7", "got '0,7'"),
        ("OpenAI.max_tokens=0x100", "got '0x100'"),
        ("OpenAI.temperature=nan", "expected a finite number"),
        ('OpenAI.model_kwargs={"a": NaN}', "NaN is not a JSON number"),
        ('OpenAI.model_kwargs={"a": [Infinity]}', "Infinity is not a JSON number"),
        ('OpenAI.model_kwargs={"a": "\\udcff"}', "not valid Unicode text"),
        ("PromptComponent-0ko7V.template=bad \udcff bytes", "not valid Unicode text"),
    ],
)
def test_tweaks_that_would_not_be_sent_as_set_are_refused(
    tweak: str, fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for lang in ("curl", "javascript", "java"):
        code = main(["snippet", ECHO, "--lang", lang, "--tweak", tweak])
        captured = capsys.readouterr()
        _one_line_failure(code, 1, captured.err, captured.out, fragment)
    assert main(["snippet", ECHO, "--lang", "curl", "--tweak", "OpenAI.max_tokens= 1_000 "]) == 0
    assert '"max_tokens": 1000' in capsys.readouterr().out


def test_input_that_is_not_unicode_is_refused_before_any_snippet_or_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for lang in codegen.names():
        code = main(["snippet", ECHO, "--lang", lang, "--input", "caf\udce9"])
        captured = capsys.readouterr()
        _one_line_failure(code, 1, captured.err, captured.out, "the input is not valid Unicode text")
    # A run with a local flow fails before the request: nothing listens on port 9, so a
    # request that went out would fail differently.
    code = main(["run", ECHO, "--url", "http://127.0.0.1:9", "--input", "caf\udce9"])
    captured = capsys.readouterr()
    _one_line_failure(code, 1, captured.err, captured.out, "the input is not valid Unicode text")
    # As a process: what Python makes of an argument that is not UTF-8.
    proc = run_cli("snippet", ECHO, "--lang", "java", "--input", "caf\udce9")
    _one_line_failure(proc.returncode, 1, proc.stderr, proc.stdout, "(a lone surrogate, \\udce9, at character 4)")


def test_tweaks_file_with_nan_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    preset = tmp_path / "t.json"  # Python's json (and so a file written by it) allows NaN
    preset.write_text('{"OpenAIModelComponent-44DEX": {"model_kwargs": {"a": [1, NaN]}}}')
    for lang in ("curl", "javascript"):
        code = main(["snippet", ECHO, "--lang", lang, "--tweaks-file", str(preset)])
        captured = capsys.readouterr()
        _one_line_failure(code, 1, captured.err, captured.out, "model_kwargs at a[1]: the value is NaN")
