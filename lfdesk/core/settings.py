"""User settings: a typed dataclass kept as JSON in ``config_dir()/settings.json``.

Loading never fails: a file lfdesk cannot read gives the defaults plus a warning sentence
(the app's banner), and the file is kept beside it as ``settings.json.corrupt-<stamp>`` (moved
when nothing in it could be used, copied when only some values were reset), so nothing the
user had is lost, even when it breaks twice. Saving is atomic (temp file, fsync, replace) and
private (0600). No secret ever goes in here.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lfdesk.core import paths
from lfdesk.core.jsontext import JsonLimitError, error_position, loads
from lfdesk.core.request import API_FLAVOURS, ApiFlavour

log = logging.getLogger(__name__)

FILE_NAME = "settings.json"
FORMAT_VERSION = 1
MAX_RECENT = 10
MAX_HISTORY = 50
MAX_FILE_SIZE = 4 * 1024 * 1024  # ten recent files and fifty inputs never come near it

@dataclass
class Settings:
    """Everything lfdesk remembers between launches, except window geometry (QSettings)."""

    last_profile: str | None = None
    last_flow_path: str | None = None  # a flow file, or None when the flow came from a server
    last_server_flow: str | None = None  # a server flow id (with last_profile)
    recent_files: list[str] = field(default_factory=list)
    language: str = "curl"
    stream: bool = True
    api: ApiFlavour = "v1"
    snippet_full: bool = False  # the preview shows the full program, not the short form
    view_mode: str = "exposed"
    input_history: list[str] = field(default_factory=list)
    show_raw_events: bool = False

    def add_recent(self, path: str | Path) -> None:
        """Put ``path`` first in the recent files (absolute, no duplicates, at most 10)."""
        text = str(Path(path).expanduser().absolute())
        self.recent_files = [text, *(p for p in self.recent_files if p != text)][:MAX_RECENT]

    def remove_recent(self, path: str | Path) -> None:
        text = str(Path(path).expanduser().absolute())
        self.recent_files = [p for p in self.recent_files if p != text]

    def add_input(self, text: str) -> None:
        """Remember a chat message for input history (newest last, no repeats in a row)."""
        if not text.strip():
            return
        history = [h for h in self.input_history if h != text]
        history.append(text)
        self.input_history = history[-MAX_HISTORY:]

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["version"] = FORMAT_VERSION
        return data


def settings_path() -> Path:
    """Where the settings live (honours ``LFDESK_HOME``)."""
    return paths.config_dir() / FILE_NAME


def _from_dict(data: dict[str, Any]) -> tuple[Settings, list[str]]:
    """Build Settings from JSON, keeping every good value and naming the bad ones."""
    problems: list[str] = []
    defaults = Settings()
    kwargs: dict[str, Any] = {}

    def text_or_none(key: str) -> None:
        if key not in data:
            return
        value = data[key]
        if value is None or (isinstance(value, str) and value):
            kwargs[key] = value
        else:
            problems.append(f"{key} must be text")

    def text(key: str, allowed: tuple[str, ...] | None = None) -> None:
        if key not in data:
            return
        value = data[key]
        if isinstance(value, str) and value and (allowed is None or value in allowed):
            kwargs[key] = value
        else:
            problems.append(f"{key} has an unusable value {value!r}")

    def flag(key: str) -> None:
        if key not in data:
            return
        if isinstance(data[key], bool):
            kwargs[key] = data[key]
        else:
            problems.append(f"{key} must be true or false")

    def text_list(key: str, limit: int, keep_last: bool = False) -> None:
        if key not in data:
            return
        value = data[key]
        if isinstance(value, list):
            items = [v for v in value if isinstance(v, str) and v]
            if len(items) != len(value):
                problems.append(f"{key} had entries that are not text")
            kwargs[key] = items[-limit:] if keep_last else items[:limit]
        else:
            problems.append(f"{key} must be a list")

    for key in ("last_profile", "last_flow_path", "last_server_flow"):
        text_or_none(key)
    text("language")
    text("api", API_FLAVOURS)
    text("view_mode")
    flag("stream")
    flag("snippet_full")
    flag("show_raw_events")
    text_list("recent_files", MAX_RECENT)
    text_list("input_history", MAX_HISTORY, keep_last=True)
    known = {f.name for f in dataclasses.fields(Settings)} | {"version"}
    unknown = sorted(set(data) - known)
    if unknown:
        log.info("Ignoring unknown settings keys: %s", ", ".join(unknown))
    return dataclasses.replace(defaults, **kwargs), problems


def load_settings(path: Path | None = None) -> tuple[Settings, str | None]:
    """Read the settings. Returns ``(settings, warning)``; warning is None when all was fine.

    A file that cannot be decoded (not UTF-8, not JSON, not an object, nested too deep, too
    large) is moved to ``settings.json.corrupt-<stamp>`` and the defaults are used; single
    bad values fall back to their defaults, are named, and the file is copied there first.
    Never raises.
    """
    try:
        p = path or settings_path()
    except OSError as exc:  # the config folder cannot be made: the app says so elsewhere
        return Settings(), f"Could not read the settings ({exc}); using defaults."
    try:
        raw = _read_limited(p)
    except FileNotFoundError:
        return Settings(), None
    except OSError as exc:
        return Settings(), f"Could not read the settings file {p} ({exc}); using defaults."
    if len(raw) > MAX_FILE_SIZE:
        return Settings(), _keep_broken(p, raw, f"larger than {MAX_FILE_SIZE // 2**20} MB")
    try:
        data = loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return Settings(), _keep_broken(p, raw, f"not UTF-8 text (bad byte at {exc.start})")
    except json.JSONDecodeError as exc:
        return Settings(), _keep_broken(p, raw, f"not valid JSON at {error_position(exc)}")
    except JsonLimitError as exc:
        return Settings(), _keep_broken(p, raw, str(exc))
    if not isinstance(data, dict):
        return Settings(), _keep_broken(p, raw, "not a JSON object")
    settings, problems = _from_dict(data)
    if problems:
        kept = _keep_copy(p, raw)
        where = f" The file as it was is kept as {kept}." if kept else ""
        return settings, (
            f"Some settings in {p} were reset to defaults: {'; '.join(problems)}.{where}"
        )
    return settings, None


def _read_limited(p: Path) -> bytes:
    """The file's first MAX_FILE_SIZE + 1 bytes (so a huge file is never read whole)."""
    with p.open("rb") as handle:
        return handle.read(MAX_FILE_SIZE + 1)


def _aside_name(p: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = p.with_name(f"{p.name}.corrupt-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = p.with_name(f"{p.name}.corrupt-{stamp}-{n}")
    return aside


def _keep_broken(p: Path, raw: bytes, why: str) -> str:
    """Move the unusable file aside (under its lock: two lfdesk starting at once keep one
    copy, not two); the warning says where it went."""
    try:
        with paths.locked(p):
            try:
                current = _read_limited(p)
            except FileNotFoundError:
                current = None
            if current != raw:  # replaced or moved by another lfdesk meanwhile: leave it
                return f"The settings file {p} was {why}; using defaults."
            aside = _aside_name(p)
            os.replace(p, aside)
    except OSError as exc:
        return (
            f"The settings file {p} is {why} and could not be moved aside ({exc}); "
            "using defaults."
        )
    return f"The settings file {p} is {why}; using defaults. The old file is kept as {aside}."


def _keep_copy(p: Path, raw: bytes) -> Path | None:
    """A private copy of the file as read, beside it (None if it cannot be written)."""
    aside = _aside_name(p)
    try:
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, paths.FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
    except OSError as exc:
        log.warning("Could not keep a copy of %s: %s", p, exc)
        return None
    return aside


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write the settings atomically. Raises OSError if the folder cannot be written."""
    p = path or settings_path()
    text = json.dumps(settings.to_dict(), indent=2, ensure_ascii=False) + "\n"
    paths.write_text_atomic(p, text)
