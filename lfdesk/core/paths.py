"""Where lfdesk keeps its files: platformdirs locations, or all under ``$LFDESK_HOME``.

Setting ``LFDESK_HOME`` moves every path under ``$LFDESK_HOME/{config,data,cache}``, so tests
and portable installs never touch the user's real directories.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "lfdesk"
HOME_ENV = "LFDESK_HOME"


def home_override() -> Path | None:
    """Return ``$LFDESK_HOME`` as an absolute path, or None when it is unset or empty."""
    value = os.environ.get(HOME_ENV, "").strip()
    if not value:
        return None
    return Path(value).expanduser().absolute()


def _resolve(kind: str, create: bool) -> Path:
    home = home_override()
    if home is not None:
        path = home / kind
    elif kind == "config":
        path = platformdirs.user_config_path(APP_NAME, appauthor=False)
    elif kind == "data":
        path = platformdirs.user_data_path(APP_NAME, appauthor=False)
    else:
        path = platformdirs.user_cache_path(APP_NAME, appauthor=False)
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir(create: bool = True) -> Path:
    """Settings and profiles (small files the user may want to back up)."""
    return _resolve("config", create)


def data_dir(create: bool = True) -> Path:
    """Data lfdesk produces and keeps, such as run history."""
    return _resolve("data", create)


def cache_dir(create: bool = True) -> Path:
    """Data that can be thrown away and rebuilt, such as downloaded flows."""
    return _resolve("cache", create)


def write_text_atomic(path: Path, text: str) -> None:
    """Write a text file so a reader never sees half of it: a temp file in the same folder,
    fsync, then ``os.replace``. Raises OSError; the temp file never stays behind."""
    import contextlib
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
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
