"""Where lfdesk keeps its files: platformdirs locations, or all under ``$LFDESK_HOME``.

Setting ``LFDESK_HOME`` moves every path under ``$LFDESK_HOME/{config,data,cache}``, so tests
and portable installs never touch the user's real directories.

Everything lfdesk writes is private: folders it makes are 0700, files 0600 (its own three
folders are tightened if an older lfdesk left them open). A file changed by read, modify,
write is changed under ``locked(path)``, an advisory lock shared by every lfdesk process, and
written with ``write_text_atomic``, so two processes never undo each other's change and a
reader never sees half a file.

Windows: the modes are POSIX modes (Windows keeps a user's profile folders private by their
ACLs, so nothing is changed there); the lock is ``msvcrt.locking`` on the lock file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import platformdirs

log = logging.getLogger(__name__)

APP_NAME = "lfdesk"
HOME_ENV = "LFDESK_HOME"
DIR_MODE = 0o700
FILE_MODE = 0o600
LOCK_TIMEOUT = 10.0  # seconds; a lock is held for one read and one write of a small file
_POSIX = os.name == "posix"


class StateDirError(OSError):
    """One of lfdesk's folders cannot be made or written; the message says which, and why,
    in one line (it is an OSError, so code that handles OSError handles it)."""


class LockTimeout(OSError):
    """Another process held a state file's lock for longer than it should ever take."""


def home_override() -> Path | None:
    """Return ``$LFDESK_HOME`` as an absolute path, or None when it is unset or empty."""
    value = os.environ.get(HOME_ENV, "").strip()
    if not value:
        return None
    return Path(value).expanduser().absolute()


def _location(kind: str) -> Path:
    home = home_override()
    if home is not None:
        return home / kind
    if kind == "config":
        return platformdirs.user_config_path(APP_NAME, appauthor=False)
    if kind == "data":
        return platformdirs.user_data_path(APP_NAME, appauthor=False)
    return platformdirs.user_cache_path(APP_NAME, appauthor=False)


def _resolve(kind: str, create: bool) -> Path:
    path = _location(kind)
    if create:
        try:
            private_dir(path, tighten=True)
        except OSError as exc:
            raise StateDirError(_unusable(kind, path, exc)) from None
    return path


def _unusable(kind: str, path: Path, exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    if isinstance(exc, NotADirectoryError | FileExistsError):
        reason = "a file is in the way of the folder"
    elif isinstance(exc, PermissionError):
        reason = "permission denied"
    where = f" (LFDESK_HOME is {home_override()})" if home_override() is not None else ""
    return (
        f"cannot use the {kind} folder {path}{where}: {reason}; make it a folder lfdesk can "
        f"write, or set {HOME_ENV} to one"
    )


def config_dir(create: bool = True) -> Path:
    """Settings and profiles (small files the user may want to back up)."""
    return _resolve("config", create)


def data_dir(create: bool = True) -> Path:
    """Data lfdesk produces and keeps, such as run history."""
    return _resolve("data", create)


def cache_dir(create: bool = True) -> Path:
    """Data that can be thrown away and rebuilt, such as downloaded flows."""
    return _resolve("cache", create)


def check_dirs() -> None:
    """Make lfdesk's folders and check each can be written: ``StateDirError`` (one line)
    when one cannot. The app and ``lfdesk screenshot`` call this before anything else."""
    for kind in ("config", "data", "cache"):
        path = _resolve(kind, create=True)
        try:
            with tempfile.TemporaryFile(dir=path, prefix=".lfdesk-probe-"):
                pass
        except OSError as exc:
            raise StateDirError(_unusable(kind, path, exc)) from None


# --- private folders and files ---------------------------------------------------------------


def private_dir(path: Path, *, tighten: bool = False) -> Path:
    """Make the folder ``path`` and any missing parents, each 0700. ``tighten``: also take
    group and other access away from ``path`` itself when it exists and is ours (lfdesk's
    own folders; never a folder the user chose). Raises OSError."""
    missing: list[Path] = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it just now
            folder.mkdir(mode=DIR_MODE)
        if _POSIX:
            os.chmod(folder, DIR_MODE)  # mkdir's mode passes through the umask
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a folder")
    if tighten and not missing:
        _tighten(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Make sure ``path`` exists and is 0600 (created so, or tightened if it is ours), in a
    0700 folder made if missing; for files another library then opens (SQLite, logging).
    Raises OSError."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    os.close(fd)
    _tighten(path, FILE_MODE)
    return path


def restrict(path: Path) -> None:
    """Take group and other access away from an existing file of ours (an older lfdesk made
    it so); nothing when it is missing or another user's."""
    _tighten(path, FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    if not _POSIX:
        return
    with contextlib.suppress(OSError):
        info = path.stat()
        if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) & 0o077:
            os.chmod(path, stat.S_IMODE(info.st_mode) & mode)


def write_text_atomic(path: Path, text: str) -> None:
    """Write a text file so a reader never sees half of it: a temp file (0600) in the same
    folder (made 0700 if missing), fsync, then ``os.replace``. Raises OSError; the temp file
    never stays behind."""
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# --- one writer at a time, across processes --------------------------------------------------


def lock_path(path: Path) -> Path:
    """The lock file of ``path``: ``<name>.lock`` beside it, there while the lock is held
    (on Windows, where an open file cannot be removed, it stays)."""
    return path.with_name(path.name + ".lock")


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold ``path``'s advisory lock (every lfdesk process, and every thread, takes turns)
    for one read, modify, write. ``LockTimeout`` after ``timeout`` seconds of waiting;
    other OSErrors when the lock file cannot be made. Not re-entrant: never nest two
    ``locked`` of one path. A filesystem without locks (some network ones) is used
    unlocked, with a warning in the log, rather than refused."""
    lock = lock_path(path)
    private_dir(lock.parent)
    deadline = time.monotonic() + timeout
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            held = _acquire(fd, lock, deadline, timeout)
            if not held or not _POSIX or _is_file(fd, lock):
                break
            # The holder we waited for removed this lock file as it let go: a newcomer may
            # already hold a new one, so take that one instead.
            _unlock(fd)
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    try:
        yield
    finally:
        if held and _POSIX:
            with contextlib.suppress(OSError):
                os.unlink(lock)  # still held: whoever waits on it sees it went, and retries
        if held:
            with contextlib.suppress(OSError):
                _unlock(fd)
        os.close(fd)


def _is_file(fd: int, path: Path) -> bool:
    """Whether the open file ``fd`` is still the one named ``path``."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


def _acquire(fd: int, lock: Path, deadline: float, timeout: float) -> bool:
    pause = 0.005
    while True:
        try:
            if _try_lock(fd):
                return True
        except OSError as exc:
            log.warning("No lock on %s (%s); going on without one", lock, exc)
            return False
        if time.monotonic() >= deadline:
            raise LockTimeout(
                f"{lock} stayed locked for {timeout:g} s: another lfdesk is still changing "
                "the file, or hangs; try again"
            )
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except PermissionError:  # locked by another process (EACCES)
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
