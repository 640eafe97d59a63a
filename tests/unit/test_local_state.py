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
    assert paths.lock_path(target).exists() == (not POSIX)  # POSIX: removed when let go


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


# --- profiles: concurrent writers, secrets in the file, hostile files ---------------------------


def test_eight_concurrent_profile_adds_keep_every_profile(lfdesk_home: Path) -> None:
    """Eight real ``lfdesk profile add`` processes at once: all say saved, all are kept."""
    environ = {**os.environ, "LFDESK_HOME": str(lfdesk_home)}
    procs = [
        subprocess.Popen([sys.executable, "-m", "lfdesk", "profile", "add", f"p{n}", "--url", f"http://h{n}:7860"],
                         cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(8)
    ]
    results = [(p.wait(timeout=60), *p.communicate()) for p in procs]
    assert [code for code, _out, _err in results] == [0] * 8, results
    assert all(out.startswith("saved profile") for _code, out, _err in results)
    from lfdesk.core.profiles import ProfileStore

    assert ProfileStore().names() == [f"p{n}" for n in range(8)]
    assert not paths.lock_path(paths.config_dir() / "profiles.json").exists()


def test_concurrent_store_writers_lose_nothing(tmp_path: Path) -> None:
    """Many processes adding and removing through ProfileStore at once: exactly the adds stay."""
    path = tmp_path / "profiles.json"
    script = (
        "import sys; from lfdesk.core.profiles import Profile, ProfileStore\n"
        "store = ProfileStore(sys.argv[1]); n = sys.argv[2]\n"
        "for i in range(15):\n"
        "    store.add(Profile(f'keep-{n}-{i}', base_url='http://h:1'))\n"
        "    store.add(Profile(f'drop-{n}-{i}', base_url='http://h:1'))\n"
        "    store.remove(f'drop-{n}-{i}')\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path), str(n)], cwd=ROOT) for n in range(6)]
    assert [p.wait(timeout=120) for p in procs] == [0] * 6
    from lfdesk.core.profiles import ProfileStore

    assert sorted(ProfileStore(path).names()) == sorted(f"keep-{n}-{i}" for n in range(6) for i in range(15))


@posix_only
def test_profiles_file_is_0600(lfdesk_home: Path) -> None:
    from lfdesk.core.profiles import Profile, ProfileStore

    store = ProfileStore()
    store.add(Profile("local", base_url="http://127.0.0.1:7860"))
    assert mode(store.path) == 0o600 and mode(store.path.parent) == 0o700


def test_token_key_in_profiles_is_a_warning_and_never_written_back(tmp_path: Path) -> None:
    from lfdesk.core.profiles import Profile, ProfileStore

    path = tmp_path / "profiles.json"
    entry = {"name": "work", "base_url": "http://h:1", "token": "SECRET-TOKEN-1"}
    path.write_text(json.dumps({"version": 1, "profiles": [entry]}))
    store = ProfileStore(path)
    assert store.names() == ["work"]
    [warning] = store.warnings
    assert "'token' key" in warning and "work" in warning and "keyring" in warning
    assert "SECRET" not in warning and "\n" not in warning
    store.add(Profile("other", base_url="http://h:2"))
    assert "SECRET" not in path.read_text() and '"token"' not in path.read_text()
    store.load()
    assert store.warnings == []  # said once: the file no longer has it


def test_token_key_warning_on_the_cli(lfdesk_home: Path) -> None:
    config = paths.config_dir()
    entry = {"name": "work", "base_url": "http://h:1", "token": "SECRET-TOKEN-1"}
    (config / "profiles.json").write_text(json.dumps({"version": 1, "profiles": [entry]}))
    listed = lfdesk("profile", "list", home=lfdesk_home)
    assert listed.returncode == 0 and listed.stdout.startswith("work\t")
    line = one_line(listed.stderr)
    assert line.startswith("lfdesk: warning:") and "'token' key" in line and "SECRET" not in line
    added = lfdesk("profile", "add", "two", "--url", "http://h:2", home=lfdesk_home)
    assert added.returncode == 0 and "'token' key" in one_line(added.stderr)
    assert "SECRET" not in (config / "profiles.json").read_text()
    again = lfdesk("profile", "list", home=lfdesk_home)
    assert again.returncode == 0 and again.stderr == ""


@pytest.mark.parametrize("depth", [300, 100_000])
def test_deeply_nested_profiles_file_is_one_line(lfdesk_home: Path, depth: int) -> None:
    from lfdesk.core.profiles import ProfileError, ProfileStore

    path = paths.config_dir() / "profiles.json"
    text = '{"version": 1, "profiles": [' + "[" * depth + "]" * depth + "]}"
    path.write_text(text)
    with pytest.raises(ProfileError, match="nested more than 200 levels deep"):
        ProfileStore().names()
    result = lfdesk("profile", "list", home=lfdesk_home)
    assert result.returncode == 1
    assert "nested more than 200 levels deep" in one_line(result.stderr)
    assert path.read_text() == text  # a file lfdesk cannot read is left for the user


# --- tweaks files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "a preset is a JSON object"),
        ('{"Nope": {"x": 1}}', "Nope"),
        ('{"OpenAI": {"x": ' + "[" * 100_000 + "]" * 100_000 + "}}", "nested more than 200 levels deep"),
        ('{"OpenAI": ' + "[" * 300 + "]" * 300 + "}", "nested more than 200 levels deep"),
        ('{"OpenAI": {"x": "' + "x" * (17 * 1024 * 1024) + '"}}', "larger than 16 MB"),
    ],
    ids=["syntax", "not-an-object", "unknown-component", "deep", "deep-300", "huge"],
)
def test_tweaks_file_errors_name_the_file_once(tmp_path: Path, content: str, fragment: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from helpers.data import ECHO_FLOW

    from lfdesk.cli import main

    bad = tmp_path / "my-tweaks.json"
    bad.write_text(content)
    assert main(["snippet", str(ECHO_FLOW), "--lang", "curl", "--tweaks-file", str(bad)]) == 1
    line = one_line(capsys.readouterr().err)
    assert line.count(str(bad)) == 1 and fragment in line


# --- settings that cannot be decoded ------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"{ not json", "not valid JSON at line 1"),
        (b'{"language": "\xff\xfe"}', "not UTF-8 text"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"recent_files": ' + b"[" * 5000 + b"]" * 5000 + b"}", "nested more than 200 levels deep"),
        (b'{"language": "' + b"x" * (5 * 1024 * 1024) + b'"}', "larger than 4 MB"),
    ],
)
def test_undecodable_settings_are_kept_aside_and_named(content: bytes, why: str) -> None:
    from lfdesk.core.settings import Settings, load_settings, save_settings, settings_path

    path = settings_path()
    path.write_bytes(content)
    loaded, warning = load_settings()
    assert loaded == Settings()
    [kept] = path.parent.glob("settings.json.corrupt-*")
    assert kept.read_bytes() == content
    assert warning is not None and why in warning and str(kept) in warning and "\n" not in warning
    save_settings(loaded)  # the app saves its defaults later: the copy stays
    assert kept.read_bytes() == content
    path.write_bytes(content)  # broken a second time: a second copy, the first one kept
    load_settings()
    assert len(list(path.parent.glob("settings.json.corrupt-*"))) == 2


def test_settings_with_bad_values_keep_a_copy() -> None:
    from lfdesk.core.settings import load_settings, settings_path

    path = settings_path()
    content = json.dumps({"language": "go", "stream": "yes"})
    path.write_text(content)
    loaded, warning = load_settings()
    assert loaded.language == "go" and loaded.stream is True
    [kept] = path.parent.glob("settings.json.corrupt-*")
    assert kept.read_text() == content and path.read_text() == content
    assert warning is not None and "stream" in warning and str(kept) in warning


@posix_only
def test_settings_and_presets_files_are_0600() -> None:
    from helpers.data import ECHO_FLOW

    from lfdesk.core.document import Document
    from lfdesk.core.presets import PresetLibrary
    from lfdesk.core.settings import Settings, save_settings, settings_path

    save_settings(Settings())
    assert mode(settings_path()) == 0o600 and mode(settings_path().parent) == 0o700
    doc = Document.open_file(ECHO_FLOW)
    library = PresetLibrary.for_flow(doc.flow_id, doc.flow.name)
    library.save("low", doc.tweaks)
    assert mode(library.path("low")) == 0o600
    assert mode(library.folder) == 0o700 and mode(library.root) == 0o700


def test_preset_rename_checks_and_moves_under_the_folder_lock(tmp_path: Path) -> None:
    """A rename waits for the folder's lock, then checks: a preset that took the name while it
    waited is not overwritten (without the lock both renames would land, one preset lost)."""
    from helpers.data import ECHO_FLOW

    from lfdesk.core.document import Document
    from lfdesk.core.presets import PresetLibrary
    from lfdesk.core.tweaks import PresetError

    doc = Document.open_file(ECHO_FLOW)
    library = PresetLibrary("flow", root=tmp_path)
    library.save("mine", doc.tweaks)
    outcome: list[BaseException | str] = []

    def rename() -> None:
        try:
            outcome.append(library.rename("mine", "shared"))
        except PresetError as exc:
            outcome.append(exc)

    with paths.locked(library.folder / ".presets"):  # another lfdesk, mid-rename
        worker = threading.Thread(target=rename)
        worker.start()
        time.sleep(0.3)
        assert outcome == []  # waiting for the lock
        library.path("shared").write_text('{"theirs": {}}')
    worker.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], PresetError) and "already exists" in str(outcome[0])
    assert library.path("shared").read_text() == '{"theirs": {}}'
    assert sorted(library.names()) == ["mine", "shared"]


# --- the history database and the log are private --------------------------------------------------


@posix_only
def test_history_database_and_its_wal_files_are_0600(lfdesk_home: Path) -> None:
    from lfdesk.core.history import RunHistory
    from lfdesk.core.request import Connection, RunRequest

    old_umask = os.umask(0o022)  # the usual umask: SQLite alone would make these 0644
    history = RunHistory()
    try:
        history.record(RunRequest(connection=Connection("http://127.0.0.1:7860"), flow_ref="f",
                                  input_value="private words"), status="ok", answer="private answer")
        db = history.path
        files = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
        assert all(f.exists() for f in files)  # WAL mode, open: all three are there
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
        assert mode(db.parent) == 0o700
    finally:
        history.close()
        os.umask(old_umask)


@posix_only
def test_history_files_left_readable_are_tightened(tmp_path: Path) -> None:
    from lfdesk.core.history import RunHistory

    db = tmp_path / "history.sqlite3"
    old = RunHistory(db)
    old.open()
    old.close()
    os.chmod(db, 0o644)
    RunHistory(db).open()
    assert mode(db) == 0o600


@posix_only
def test_log_and_its_rotated_copies_are_0600(tmp_path: Path) -> None:
    import logging

    from lfdesk.core.logsetup import PrivateRotatingFileHandler

    old_umask = os.umask(0o022)
    path = tmp_path / "logs" / "lfdesk.log"
    try:
        handler = PrivateRotatingFileHandler(path, maxBytes=200, backupCount=2, encoding="utf-8")
        logger = logging.getLogger("lfdesk.test_local_state")
        logger.addHandler(handler)
        logger.propagate = False
        try:
            for n in range(20):
                logger.warning("line %d of a log that rotates", n)
        finally:
            logger.removeHandler(handler)
            handler.close()
    finally:
        os.umask(old_umask)
    logs = sorted(path.parent.iterdir())
    assert [p.name for p in logs] == ["lfdesk.log", "lfdesk.log.1", "lfdesk.log.2"]
    assert {p.name: mode(p) for p in logs} == {p.name: 0o600 for p in logs}
    assert mode(path.parent) == 0o700


@posix_only
def test_setup_logging_makes_a_private_log(monkeypatch: pytest.MonkeyPatch) -> None:
    import logging

    from lfdesk.core import logsetup

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [h for h in root.handlers if not getattr(h, "_lfdesk", False)])
    level = root.level
    path = logsetup.setup_logging()
    try:
        logging.getLogger("lfdesk.test").warning("hello")
        assert path.read_text().endswith("hello\n") and mode(path) == 0o600
    finally:
        for handler in [h for h in root.handlers if getattr(h, "_lfdesk", False)]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)


# --- the app: quits cleanly on signals, one line when its folders are unusable ---------------------


def _start_app(home: Path, *args: str) -> subprocess.Popen[str]:
    """``python -m lfdesk ARGS`` (offscreen), returned once its window is open and its signal
    handlers are in place (it says so in its log)."""
    environ = {**os.environ, "LFDESK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen([sys.executable, "-m", "lfdesk", *args], cwd=ROOT, env=environ,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log = home / "data" / "lfdesk.log"
    deadline = time.monotonic() + 60
    while not (log.exists() and "Window open" in log.read_text()):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the app did not start: {proc.communicate()}")
        time.sleep(0.1)
    return proc


@posix_only
@pytest.mark.parametrize(("signum", "status"), [(15, 0), (2, 130)])
def test_app_quits_cleanly_on_sigterm_and_sigint(lfdesk_home: Path, signum: int, status: int) -> None:
    from helpers.data import ECHO_FLOW

    proc = _start_app(lfdesk_home, str(ECHO_FLOW))
    proc.send_signal(signum)
    try:
        _out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == status, err
    assert "Traceback" not in err
    settings = json.loads((lfdesk_home / "config" / "settings.json").read_text())
    assert settings["last_flow_path"] == str(ECHO_FLOW.absolute())  # settings saved
    window = (lfdesk_home / "config" / "window.ini").read_text()
    assert "geometry=" in window and "splitters" in window  # layout saved
    data = lfdesk_home / "data"
    assert (data / "history.sqlite3").exists() and not (data / "history.sqlite3-wal").exists()  # closed
    assert f"Quitting on signal {signum}" in (data / "lfdesk.log").read_text()
    written = [p for p in lfdesk_home.rglob("*") if p.is_file()]
    assert {str(p.relative_to(lfdesk_home)): mode(p) for p in written} == {
        str(p.relative_to(lfdesk_home)): 0o600 for p in written}
    folders = [lfdesk_home, *(p for p in lfdesk_home.rglob("*") if p.is_dir())]
    assert {p.name: mode(p) for p in folders} == {p.name: 0o700 for p in folders}


@pytest.mark.parametrize("command", [[], ["screenshot", "out.png"]], ids=["app", "screenshot"])
def test_lfdesk_home_on_a_file_ends_in_one_line(tmp_path: Path, command: list[str]) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    result = lfdesk(*command, home=blocker)
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line.startswith("lfdesk: cannot use the config folder") and "a file is in the way" in line


def _read_only(folder: Path, command: list[str]) -> list[str]:
    """``command`` run with ``folder`` read-only: its mode for a normal user; root writes
    anywhere, so for root a read-only bind mount in a mount namespace of its own."""
    if os.geteuid() != 0:
        os.chmod(folder, 0o555)
        return command
    if subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode != 0:
        pytest.skip("running as root without unshare -m: no way to make a folder read-only")
    mount = 'mount --bind -o ro "$1" "$1" && shift && exec "$@"'
    return ["unshare", "-m", "sh", "-c", mount, "sh", str(folder), *command]


@posix_only
@pytest.mark.parametrize("command", [[], ["screenshot"]], ids=["app", "screenshot"])
def test_read_only_data_folder_ends_in_one_line(tmp_path: Path, command: list[str]) -> None:
    home = tmp_path / "home"
    data = home / "data"
    data.mkdir(parents=True)
    args = [*command, str(tmp_path / "out.png")] if command else []
    environ = {**os.environ, "LFDESK_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    try:
        result = subprocess.run(_read_only(data, [sys.executable, "-m", "lfdesk", *args]),
                                capture_output=True, text=True, timeout=60, cwd=ROOT, env=environ)
    finally:
        os.chmod(data, 0o700)
    assert result.returncode == 1, result.stderr
    line = one_line(result.stderr)
    assert line.startswith(f"lfdesk: cannot use the data folder {data}") and "LFDESK_HOME" in line


def test_screenshot_size_is_capped_with_a_message(tmp_path: Path) -> None:
    result = lfdesk("screenshot", str(tmp_path / "huge.png"), "--size", "100000x100000", home=tmp_path / "home")
    assert result.returncode == 2
    assert one_line(result.stderr) == "lfdesk screenshot: window size 100000x100000 is too large (at most 7680x4320)"
    assert not (tmp_path / "huge.png").exists()


# --- deeply nested flow files ------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [300, 100_000])
def test_deeply_nested_flow_file_is_one_line(tmp_path: Path, depth: int) -> None:
    from lfdesk.core.flow import FlowError, load_flow

    flow = tmp_path / "deep.json"
    flow.write_text('{"data": {"nodes": [], "edges": [], "x": ' + "[" * depth + "]" * depth + "}}")
    with pytest.raises(FlowError, match="nested more than 200 levels deep"):
        load_flow(flow)
    result = lfdesk("components", str(flow), home=tmp_path / "home")
    assert result.returncode == 1
    assert one_line(result.stderr) == f"lfdesk: {flow}: nested more than 200 levels deep"


def test_deeply_nested_edge_handle_is_ignored_not_a_crash() -> None:
    """Edge handles are JSON inside a string (quotes as œ): decoded with the same limits."""
    from helpers.data import ECHO_FLOW

    from lfdesk.core.flow import parse_flow

    data = json.loads(ECHO_FLOW.read_text())
    edge = data["data"]["edges"][0]
    edge.pop("data", None)
    edge["targetHandle"] = "[" * 50_000 + "]" * 50_000
    assert parse_flow(data).components  # the edge's field is unknown, the flow still opens


@posix_only
def test_pulled_flow_is_0600_in_new_0700_folders(tmp_path: Path) -> None:
    """``lfdesk pull`` against a small server on loopback: the file it writes is private."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from helpers.data import ECHO_FLOW

    body = ECHO_FLOW.read_bytes()
    flow_id = json.loads(body)["id"]

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            ok = self.path == f"/api/v1/flows/{flow_id}"
            data = body if ok else b'{"detail": "Not Found"}'
            self.send_response(200 if ok else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    out = tmp_path / "pulled" / "here" / "flow.json"
    old_umask = os.umask(0o022)
    try:
        result = lfdesk("pull", flow_id, "--url", f"http://127.0.0.1:{server.server_address[1]}",
                        "-o", str(out), home=tmp_path / "home")
    finally:
        os.umask(old_umask)
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text())["id"] == flow_id
    assert mode(out) == 0o600 and mode(out.parent) == 0o700 and mode(out.parent.parent) == 0o700
