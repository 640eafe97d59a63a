"""Named tweak presets kept per flow: ``data_dir()/presets/<flow key>/<name>.json``.

Each file is exactly a tweaks object, written by ``tweaks.save_preset`` (so secret literals
never reach it) and read by ``tweaks.load_preset``; the File menu's preset actions read and
write the same format anywhere on disk. The flow key is the flow's id, or a slug of its name
when it has none. Files are private (0600, folders 0700); a rename, which checks then moves,
holds the folder's lock (``.presets.lock``) so two lfdesk processes cannot both take a name.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path
from typing import Any

from lfdesk.core import paths
from lfdesk.core.tweaks import PresetError, TweakSet, load_preset, save_preset

SUFFIX = ".json"
MAX_NAME = 80
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def slug(text: str) -> str:
    """A safe folder name for a flow name: ASCII letters, digits, ``-`` and ``_``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    out = re.sub(r"[^A-Za-z0-9_-]+", "-", plain).strip("-_").lower()
    return out[:60] or "flow"


def flow_key(flow_id: str | None, flow_name: str) -> str:
    """The folder a flow's presets live in: its id when it has one (ids are UUIDs), else a
    slug of its name and a short hash of it (so names that slug alike stay apart)."""
    if flow_id and re.fullmatch(r"[A-Za-z0-9_-]{1,100}", flow_id):
        return flow_id
    digest = hashlib.sha1(flow_name.encode("utf-8")).hexdigest()[:8]
    return f"name-{slug(flow_name)}-{digest}"


def check_name(name: str) -> str:
    """The preset name, trimmed; PresetError with the reason when it cannot be a file name."""
    cleaned = name.strip()
    if cleaned.lower().endswith(SUFFIX):
        cleaned = cleaned[: -len(SUFFIX)].rstrip()
    if not cleaned:
        raise PresetError("A preset needs a name.")
    if len(cleaned) > MAX_NAME:
        raise PresetError(f"A preset name has at most {MAX_NAME} characters.")
    if cleaned.startswith(".") or _UNSAFE.search(cleaned):
        raise PresetError(
            f"{cleaned!r} cannot be a preset name: no leading dot and none of \\ / : * ? \" < > |"
        )
    return cleaned


class PresetLibrary:
    """The presets saved for one flow."""

    def __init__(self, key: str, root: Path | None = None) -> None:
        self.key = key
        self.root = root if root is not None else paths.data_dir() / "presets"

    @classmethod
    def for_flow(
        cls, flow_id: str | None, flow_name: str, root: Path | None = None
    ) -> PresetLibrary:
        return cls(flow_key(flow_id, flow_name), root)

    @property
    def folder(self) -> Path:
        return self.root / self.key

    def path(self, name: str) -> Path:
        return self.folder / f"{check_name(name)}{SUFFIX}"

    def names(self) -> list[str]:
        """Saved preset names, sorted case-insensitively (none when the folder is missing)."""
        try:
            files = [p for p in self.folder.iterdir() if p.suffix == SUFFIX and p.is_file()]
        except OSError:
            return []
        return sorted((p.stem for p in files if not p.name.startswith(".")), key=str.casefold)

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def save(self, name: str, tweaks: TweakSet) -> list[str]:
        """Write the preset ``name`` (replacing one of that name); returns the secret fields
        left out."""
        return save_preset(self.path(name), tweaks)

    def load(self, name: str) -> dict[str, Any]:
        return load_preset(self.path(name))

    def delete(self, name: str) -> None:
        try:
            self.path(name).unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise PresetError(f"Cannot delete the preset {name!r}: {exc.strerror or exc}") from exc

    def rename(self, old: str, new: str) -> str:
        """Rename a preset; returns the new name. Refuses to replace another preset."""
        source, target = self.path(old), self.path(new)
        if source == target:
            return check_name(new)
        try:
            with paths.locked(self.folder / ".presets"):
                if target.exists() and target.name.casefold() != source.name.casefold():
                    raise PresetError(f"A preset named {check_name(new)!r} already exists.")
                source.rename(target)
        except OSError as exc:
            raise PresetError(f"Cannot rename the preset {old!r}: {exc.strerror or exc}") from exc
        return check_name(new)
