"""Local state (issue 8): files lfdesk writes are private, read-modify-writes are locked
across processes and atomic, broken or hostile state files end in one line (never a
traceback), and a ``token`` key in profiles.json is reported, never written back."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers.data import ROOT

from lfdesk.core import jsontext, paths

POSIX = os.name == "posix"
posix_only = pytest.mark.skipif(not POSIX, reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def lfdesk(*args: str, home: Path, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m lfdesk ARGS`` with LFDESK_HOME=home (Qt offscreen), its output as text."""
    environ = {**os.environ, "LFDESK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen", **env}
    return subprocess.run([sys.executable, "-m", "lfdesk", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=environ)


def one_line(err: str) -> str:
    """The single line of a failure on stderr (asserts there is one and no traceback)."""
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


# --- paths: private folders and files ---------------------------------------------------------


@posix_only
def test_lfdesk_folders_are_0700_and_tightened(lfdesk_home: Path) -> None:
    for folder in (paths.config_dir(), paths.data_dir(), paths.cache_dir()):
        assert mode(folder) == 0o700
    assert mode(lfdesk_home) == 0o700  # made by lfdesk, so private too
    os.chmod(paths.data_dir(), 0o755)  # as an older lfdesk left it
    assert mode(paths.data_dir()) == 0o700


@posix_only
def test_atomic_writes_are_0600_in_new_0700_folders(tmp_path: Path) -> None:
    target = tmp_path / "made" / "deeper" / "file.json"
    old_umask = os.umask(0)  # the modes must not depend on the umask
    try:
        paths.write_text_atomic(target, "{}")
    finally:
        os.umask(old_umask)
    assert mode(target) == 0o600
    assert mode(target.parent) == 0o700 and mode(target.parent.parent) == 0o700
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o755)
    paths.write_text_atomic(shared / "pulled.json", "{}")
    assert mode(shared) == 0o755  # a folder the user had is left as it was
    assert mode(shared / "pulled.json") == 0o600


@posix_only
def test_private_file_creates_or_tightens(tmp_path: Path) -> None:
    fresh = paths.private_file(tmp_path / "new.db")
    assert fresh.exists() and mode(fresh) == 0o600
    old = tmp_path / "old.log"
    old.write_text("kept")
    os.chmod(old, 0o644)
    paths.private_file(old)
    assert mode(old) == 0o600 and old.read_text() == "kept"


def test_lfdesk_home_on_a_file_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("LFDESK_HOME", str(blocker))
    with pytest.raises(paths.StateDirError) as caught:
        paths.config_dir()
    message = str(caught.value)
    assert str(blocker) in message and "a file is in the way" in message and "\n" not in message
    with pytest.raises(paths.StateDirError):
        paths.check_dirs()


# --- paths: the lock ----------------------------------------------------------------------------


def test_lock_is_exclusive_between_threads(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    inside: list[int] = []
    overlap: list[bool] = []

    def work(n: int) -> None:
        with paths.locked(target):
            inside.append(n)
            overlap.append(len(inside) > 1)
            time.sleep(0.02)
            inside.remove(n)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlap == [False] * 6
    assert paths.lock_path(target).exists()


def test_lock_times_out_with_one_line(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from lfdesk.core import paths\n"
         "with paths.locked(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(30)",
         str(target)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with pytest.raises(paths.LockTimeout) as caught, paths.locked(target, timeout=0.3):
            pass
        assert time.monotonic() - started < 5
        assert "stayed locked" in str(caught.value) and isinstance(caught.value, OSError)
    finally:
        holder.kill()
        holder.wait()
    with paths.locked(target, timeout=2):  # a dead holder's lock is gone with it
        pass


# --- JSON text with limits ------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [201, 5_000, 100_000])
def test_deep_json_is_a_limit_error_not_recursion(depth: int) -> None:
    with pytest.raises(jsontext.JsonLimitError, match="nested more than 200 levels deep"):
        jsontext.loads("[" * depth + "]" * depth)
    with pytest.raises(jsontext.JsonLimitError):
        jsontext.loads('{"a":' * depth + "1" + "}" * depth)


def test_json_within_limits_decodes() -> None:
    assert jsontext.loads("[" * 200 + "]" * 200) is not None
    assert jsontext.loads('{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}
    assert jsontext.loads("3") == 3
    with pytest.raises(jsontext.JsonLimitError, match="larger than 10 bytes"):
        jsontext.loads('"0123456789"', max_size=10)
    with pytest.raises(json.JSONDecodeError) as caught:
        jsontext.loads('{"a": [1,}')
    assert jsontext.describe(caught.value) == "not valid JSON at line 1, column 10: Expecting value"
