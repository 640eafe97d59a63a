"""`lfdesk flows`, `run` and `pull` against the hostile server (tests/hostile_server.py), as
processes: each case ends with exit 1 and one line on stderr, no traceback, no token, in
bounded time and memory (the process's peak RSS is measured); `--timeout` and
`--stall-timeout`, and a profile's timeout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers.data import ROOT
from hostile_server import FLOW_ID, HOSTILE_NAMES, HostileServer

from lfdesk.core.api.client import secret_forms
from lfdesk.core.profiles import Profile, ProfileError, ProfileStore, validate_profile

MB = 1024 * 1024
KEY = "sk-CliHostile0123456789abcdefghijklmnopqrstuvwxy"
ASTRA = "AstraCS:CliHostileAbCdEfGh:" + "fedcba9876543210" * 4
ODD = 'cli "odd" token/with+plus'
COMMANDS = {
    "flows": ["flows"],
    "run": ["run", "x"],
    "stream": ["run", "x", "--stream"],
    "pull": ["pull", FLOW_ID, "-o", "{tmp}/pulled.json"],
}


@dataclass
class Done:
    code: int
    out: str
    err: str
    seconds: float
    peak_rss: int  # bytes

    def one_line_failure(self) -> str:
        """The stderr line of a failure (checked: exit 1, one line, no traceback)."""
        assert self.code == 1, (self.code, self.err)
        assert "Traceback" not in self.err and self.err.startswith("lfdesk: "), self.err
        assert self.err.count("\n") == 1 and self.err.endswith("\n"), self.err
        return self.err


# Runs lfdesk as `python -m lfdesk` does, and at exit writes the process's own peak RSS
# (VmHWM, in kB) to $LFDESK_TEST_HWM. rusage's ru_maxrss would also count the pages the
# child shared with this (large) pytest process before it exec'd.
LAUNCH = """
import atexit, os, runpy, sys
def _peak():
    with open("/proc/self/status") as f:
        kb = next(line.split()[1] for line in f if line.startswith("VmHWM:"))
    with open(os.environ["LFDESK_TEST_HWM"], "w") as out:
        out.write(kb)
atexit.register(_peak)
sys.argv = ["lfdesk", *sys.argv[1:]]
runpy.run_module("lfdesk", run_name="__main__", alter_sys=True)
"""


def lfdesk(tmp_path: Path, command: str, *args: str, token: str = KEY) -> Done:
    """Run ``lfdesk`` COMMANDS[command] + args; its exit, output, time and peak memory
    (its own VmHWM). Killed after 120 s, should a case not end."""
    argv = [a.replace("{tmp}", str(tmp_path)) for a in (*COMMANDS.get(command, [command]), *args)]
    hwm_path = tmp_path / "vmhwm"
    env = dict(os.environ, LANGFLOW_API_KEY=token, LFDESK_TEST_HWM=str(hwm_path))
    out_path, err_path = tmp_path / "stdout", tmp_path / "stderr"
    t0 = time.monotonic()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-c", LAUNCH, *argv], cwd=ROOT, env=env, stdout=out, stderr=err)
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        watchdog.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Done(
        proc.returncode,
        out_path.read_text(encoding="utf-8"),
        err_path.read_text(encoding="utf-8"),
        time.monotonic() - t0,
        int(hwm_path.read_text()) * 1024 if hwm_path.exists() else usage.ru_maxrss * 1024,
    )


def shows_secret(done: Done, token: str, url: str = "") -> list[str]:
    text = done.out + done.err
    return [form for form in secret_forms(token, url) if form in text]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_gzip_bomb(hostile: HostileServer, tmp_path: Path, command: str) -> None:
    done = lfdesk(tmp_path, command, "--url", hostile.url("bomb"))
    line = done.one_line_failure()
    if command == "stream":
        assert "longer than 4 MB, lfdesk's limit for one stream event" in line
    else:
        assert "larger than 32 MB once decompressed, lfdesk's limit for a reply" in line
    # 4.7 GB before; now the interpreter, httpx and at most the 32 MB limit.
    assert done.peak_rss < 200 * MB, f"peak RSS {done.peak_rss / MB:.0f} MB"


@pytest.mark.parametrize(("case", "fragment"), [
    ("big-error", "(only the first 256 kB of the reply were read)"),
    ("bomb-error", "(only the first 256 kB of the reply were read)"),
    ("endless-line", "longer than 4 MB"),
    ("deep", "nested more than 200 levels deep"),
    ("deep-error", "The server answered 500 (internal server error)"),
])
@pytest.mark.parametrize("command", ["stream", "pull"])
def test_sizes_and_nesting(hostile: HostileServer, tmp_path: Path, case: str, fragment: str, command: str) -> None:
    if case == "endless-line" and command == "pull":
        fragment = "larger than 32 MB, lfdesk's limit for a reply"
    done = lfdesk(tmp_path, command, "--url", hostile.url(case))
    assert fragment in done.one_line_failure()


@pytest.mark.parametrize("command", ["flows", "stream", "pull"])
def test_drip_ends_at_timeout(hostile: HostileServer, tmp_path: Path, command: str) -> None:
    done = lfdesk(tmp_path, command, "--url", hostile.url("drip"), "--timeout", "2")
    assert "did not finish within 2 s (lfdesk's time limit for one request)" in done.one_line_failure()
    assert done.seconds < 20  # a byte every 2 s would go on for 10 minutes


def test_stall_timeout(hostile: HostileServer, tmp_path: Path) -> None:
    done = lfdesk(tmp_path, "stream", "--url", hostile.url("stall"), "--stall-timeout", "1")
    line = done.one_line_failure()
    assert f"No data from {hostile.url('stall')} for 1 s" in line and "--stall-timeout" in line
    assert done.out == "Hel\n"  # what came before the silence was shown


@pytest.mark.parametrize("value", ["0", "-3", "abc", "nan", "inf", "86401"])
def test_timeout_values_refused(tmp_path: Path, value: str) -> None:
    for option in ("--timeout", "--stall-timeout"):
        done = lfdesk(tmp_path, "flows", "--url", "http://127.0.0.1:9", option, value)
        assert done.code == 2 and "Traceback" not in done.err
        assert f"{option}: invalid _seconds value" not in done.err
        assert "is not a number of seconds above 0 and at most 86400" in done.err


@pytest.mark.parametrize("shape", ["langflow", "odd", "url"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_echoed_secrets_never_printed(hostile: HostileServer, tmp_path: Path, shape: str, command: str) -> None:
    token = {"langflow": KEY, "odd": ODD, "url": KEY}[shape]
    url = hostile.url("echo", "alice:pa55-w0rd" if shape == "url" else "")
    done = lfdesk(tmp_path, command, "--url", url, token=token)
    line = done.one_line_failure()
    assert "***" in line  # the server did echo something, and it was masked
    assert not shows_secret(done, token, url), line
    assert "pa55-w0rd" not in done.out + done.err


def test_echoed_astra_token_never_printed(hostile: HostileServer, tmp_path: Path) -> None:
    ProfileStore().add(Profile("astra", kind="datastax", base_url=hostile.url("echo"), datastax_id="lf-1"))
    for command in COMMANDS:
        done = lfdesk(tmp_path, command, "--profile", "astra", token=ASTRA)
        line = done.one_line_failure()
        assert "***" in line and not shows_secret(done, ASTRA), line
    assert hostile.requests[-1].headers["authorization"] == f"Bearer {ASTRA}"


@pytest.mark.parametrize("command", list(COMMANDS))
def test_bad_port_is_one_line(tmp_path: Path, command: str) -> None:
    done = lfdesk(tmp_path, command, "--url", "http://host:99999")
    assert done.code != 0 and "Traceback" not in done.err
    assert done.err.count("\n") == 1 and "99999" not in done.out


def test_hostile_names_escaped_and_json_exact(hostile: HostileServer, tmp_path: Path) -> None:
    listing = lfdesk(tmp_path, "flows", "--url", hostile.url("names"))
    assert listing.code == 0 and "\x1b" not in listing.out and "\\x1b[2J" in listing.out
    assert len(listing.out.splitlines()) == len(HOSTILE_NAMES)
    exact = lfdesk(tmp_path, "flows", "--url", hostile.url("names"), "--json")
    assert [f["name"] for f in json.loads(exact.out)] == HOSTILE_NAMES


def test_profile_timeout_and_its_override(hostile: HostileServer, tmp_path: Path) -> None:
    ProfileStore().add(Profile("slow", base_url=hostile.url("drip"), timeout=1.5))
    by_profile = lfdesk(tmp_path, "flows", "--profile", "slow")
    assert "within 1.5 s" in by_profile.one_line_failure()
    overridden = lfdesk(tmp_path, "flows", "--profile", "slow", "--timeout", "1")
    assert "within 1 s" in overridden.one_line_failure()


def test_profile_timeout_is_checked_saved_and_read(tmp_path: Path) -> None:
    for bad in (0, -1, float("nan"), float("inf"), 86401, "30", True):
        with pytest.raises(ProfileError, match="timeout must be a number of seconds above 0"):
            validate_profile(Profile("p", base_url="http://h", timeout=bad))  # type: ignore[arg-type]
    store = ProfileStore(tmp_path / "profiles.json")
    store.add(Profile("quick", base_url="http://h", timeout=2.5))
    store.add(Profile("plain", base_url="http://h"))
    saved = json.loads((tmp_path / "profiles.json").read_text())
    entries = {p["name"]: p for p in saved["profiles"]}
    assert entries["quick"]["timeout"] == 2.5 and "timeout" not in entries["plain"]
    assert ProfileStore(tmp_path / "profiles.json").get("quick").timeout == 2.5
    saved["profiles"][0]["timeout"] = "soon"
    (tmp_path / "profiles.json").write_text(json.dumps(saved))
    with pytest.raises(ProfileError, match="timeout must be a number of seconds"):
        ProfileStore(tmp_path / "profiles.json").list()
