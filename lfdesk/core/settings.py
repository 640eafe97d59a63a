"""User settings: a typed dataclass kept as JSON in ``config_dir()/settings.json``.

Loading never fails: a file lfdesk cannot read gives the defaults plus a warning sentence,
and the broken file is kept beside it as ``settings.json.bak`` so nothing the user had is
lost. Saving is atomic (temp file, fsync, replace). No secret ever goes in here.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lfdesk.core import paths
from lfdesk.core.request import API_FLAVOURS, ApiFlavour

log = logging.getLogger(__name__)

FILE_NAME = "settings.json"
FORMAT_VERSION = 1
MAX_RECENT = 10
MAX_HISTORY = 50



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

    A file that is not JSON (or not an object) is renamed to ``settings.json.bak`` and the
    defaults are used; single bad values fall back to their defaults and are named.
    """
    p = path or settings_path()
    try:
        raw = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings(), None
    except (OSError, UnicodeDecodeError) as exc:
        return Settings(), f"Could not read the settings file {p} ({exc}); using defaults."
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        return Settings(), _keep_broken(p, f"not valid JSON at {where}")
    if not isinstance(data, dict):
        return Settings(), _keep_broken(p, "not a JSON object")
    settings, problems = _from_dict(data)
    if problems:
        return settings, f"Some settings in {p} were reset to defaults: {'; '.join(problems)}."
    return settings, None


def _keep_broken(p: Path, why: str) -> str:
    backup = p.with_name(p.name + ".bak")
    try:
        os.replace(p, backup)
    except OSError as exc:
        return (
            f"The settings file {p} is {why} and could not be moved aside ({exc}); "
            "using defaults."
        )
    return f"The settings file {p} is {why}; using defaults. The old file is kept as {backup}."


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write the settings atomically. Raises OSError if the folder cannot be written."""
    p = path or settings_path()
    text = json.dumps(settings.to_dict(), indent=2, ensure_ascii=False) + "\n"
    paths.write_text_atomic(p, text)
