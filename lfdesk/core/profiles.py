"""Saved connections: name, server URL and TLS options, kept in ``profiles.json``.

The file never holds a secret: tokens live in the keyring (``lfdesk.core.secrets``), keyed by
profile name. A file lfdesk cannot parse is reported and left alone, never overwritten.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

from lfdesk.core import paths
from lfdesk.core.jsontext import JsonLimitError, error_position, loads
from lfdesk.core.request import Connection, RequestError, check_base_url

log = logging.getLogger(__name__)

ProfileKind = Literal["self-hosted", "datastax"]
KINDS: tuple[ProfileKind, ...] = get_args(ProfileKind)
DATASTAX_BASE_URL = "https://api.langflow.astra.datastax.com"
FILE_NAME = "profiles.json"
FORMAT_VERSION = 1
MAX_FILE_SIZE = 4 * 1024 * 1024  # far beyond any real list of connections
# Keys that would hold a secret; dropped on load (with a warning) so never written back.
SECRET_KEYS = frozenset({"token", "api_key", "apikey", "api-key", "x-api-key", "password"})

_OPTIONAL_TEXT = ("datastax_id", "ca_bundle", "default_flow")
MAX_TIMEOUT = 24 * 3600.0  # a day: longer is a typo, not a flow


class ProfileError(ValueError):
    """A profile, or the profiles file, is not usable; the message says why."""


@dataclass(frozen=True)
class Profile:
    """A saved connection to a Langflow server. Check it with ``validate_profile``."""

    name: str
    kind: ProfileKind = "self-hosted"
    base_url: str = ""
    datastax_id: str | None = None
    ca_bundle: str | None = None
    default_flow: str | None = None
    verify_tls: bool = True
    # Seconds: the most one request may take, and a stream's longest silence (None: the
    # client's defaults, api.Timeouts.of_connection); not written to the file while None.
    timeout: float | None = None

    def __post_init__(self) -> None:
        # Normalise only; validation is separate so a bad file can still be reported.
        url = self.base_url
        if isinstance(url, str):
            url = url.strip().rstrip("/")
            if not url and self.kind == "datastax":
                url = DATASTAX_BASE_URL
            object.__setattr__(self, "base_url", url)
        for field in _OPTIONAL_TEXT:
            value = getattr(self, field)
            if isinstance(value, str):
                object.__setattr__(self, field, value.strip() or None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form written to ``profiles.json``."""
        data = dataclasses.asdict(self)
        if data["timeout"] is None:
            del data["timeout"]
        return data

    def connection(self) -> Connection:
        """The Connection this profile describes (RequestError when it makes none)."""
        return Connection(base_url=self.base_url, kind=self.kind, datastax_id=self.datastax_id)

    def tls_verify(self) -> bool | str:
        """What the HTTP client verifies against: False when verification is off (a CA
        bundle is then ignored), else the CA bundle's path (``~`` expanded), else True."""
        if not self.verify_tls:
            return False
        if self.ca_bundle:
            return str(Path(self.ca_bundle).expanduser())
        return True


def connection_for(profile: Profile | None, url: str | None = None) -> Connection:
    """The one connection policy: a profile's server, else ``url``, else (no URL given at
    all) the local default, http://127.0.0.1:7860. RequestError when the address makes no
    connection: an empty or non-http(s) ``url`` never falls back to the default, where the
    token would go instead."""
    if profile is not None:
        return profile.connection()
    return Connection() if url is None else Connection(base_url=url)


def tls_verify_for(profile: Profile | None) -> bool | str:
    """TLS verification for a profile (on, with the system store, when there is none)."""
    return True if profile is None else profile.tls_verify()


def validate_profile(profile: Profile, *, check_files: bool = True) -> None:
    """Raise ``ProfileError`` if ``profile`` is unusable (``check_files``: the CA file too)."""
    name = profile.name
    if not isinstance(name, str) or not name.strip():
        raise ProfileError("A profile needs a name.")
    where = f"Profile {name!r}"
    if name != name.strip():
        raise ProfileError(f"{where}: the name must not start or end with spaces.")
    if not name.isprintable():
        raise ProfileError(f"{where}: the name must not contain control characters.")
    if "/" in name:
        raise ProfileError(f"{where}: the name must not contain '/'.")
    if profile.kind not in KINDS:
        raise ProfileError(
            f"{where}: kind must be one of {', '.join(KINDS)}, not {profile.kind!r}."
        )
    _check_url(where, profile.base_url)
    if profile.kind == "datastax" and not profile.datastax_id:
        raise ProfileError(
            f"{where}: a DataStax profile needs datastax_id (the Langflow ID shown in Astra)."
        )
    for field in _OPTIONAL_TEXT:
        value = getattr(profile, field)
        if value is not None and not isinstance(value, str):
            raise ProfileError(f"{where}: {field} must be text, not {type(value).__name__}.")
    if not isinstance(profile.verify_tls, bool):
        raise ProfileError(f"{where}: verify_tls must be true or false.")
    if not valid_timeout(profile.timeout):
        raise ProfileError(
            f"{where}: timeout must be a number of seconds above 0 and at most "
            f"{MAX_TIMEOUT:g}, or left out, not {profile.timeout!r}."
        )
    if check_files and profile.ca_bundle is not None:
        bundle = Path(profile.ca_bundle).expanduser()
        if not bundle.is_file():
            raise ProfileError(f"{where}: CA bundle file not found: {bundle}")


def valid_timeout(value: object) -> bool:
    """Whether ``value`` may be a profile's (or ``--timeout``'s) time limit: None, or a
    finite number of seconds in (0, ``MAX_TIMEOUT``]."""
    if value is None:
        return True
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return 0 < value <= MAX_TIMEOUT  # NaN compares False, infinity is over the top


def _check_url(where: str, url: object) -> None:
    try:
        checked = check_base_url(url)
    except RequestError as exc:
        raise ProfileError(f"{where}: {exc}.") from None
    parts = urlsplit(checked)
    if parts.username is not None or parts.password is not None:
        # Credentials in the URL would land in profiles.json: refuse without echoing them.
        raise ProfileError(
            f"{where}: the server URL must not contain a user name or password; "
            "save the API token in the keyring instead."
        )


class ProfileStore:
    """The saved profiles, in ``profiles.json`` under ``paths.config_dir()`` by default.

    ``add``/``remove`` re-read the file, apply the change and save at once, under the file's
    lock (``paths.locked``) and atomically, so two lfdesk processes never undo each other's
    edits. ``warnings``: what the last read found and left out (a ``token`` key), one
    sentence each, for the CLI's stderr or the app's banner.
    """

    def __init__(self, path: Path | str | None = None) -> None:
        self._path = Path(path) if path is not None else paths.config_dir(create=False) / FILE_NAME
        self._profiles: dict[str, Profile] | None = None
        self.warnings: builtins.list[str] = []

    @property
    def path(self) -> Path:
        """The profiles file."""
        return self._path

    def load(self) -> None:
        """(Re)read the file; a missing file means no profiles. Raises ``ProfileError``."""
        self._profiles = self._read()

    def save(self) -> None:
        """Write the profiles atomically; refuses to replace a file it cannot parse."""
        current = self._loaded()
        with self._locked():
            self._read()  # raises if the file on disk became unreadable: keep it for the user
            _write(self._path, current)

    def list(self) -> builtins.list[Profile]:
        """All profiles, sorted by name."""
        return [self._loaded()[name] for name in sorted(self._loaded())]

    def names(self) -> builtins.list[str]:
        """All profile names, sorted."""
        return sorted(self._loaded())

    def get(self, name: str) -> Profile:
        """The profile called ``name``; ``ProfileError`` lists the known names if none."""
        profiles = self._loaded()
        if name not in profiles:
            raise ProfileError(_unknown(name, profiles))
        return profiles[name]

    def __contains__(self, name: object) -> bool:
        return name in self._loaded()

    def add(self, profile: Profile, replace: bool = False) -> None:
        """Validate and save ``profile``; an existing name needs ``replace=True``."""
        validate_profile(profile)
        with self._locked():
            profiles = self._read()
            if profile.name in profiles and not replace:
                raise ProfileError(
                    f"A profile named {profile.name!r} already exists; "
                    "choose another name or replace it."
                )
            profiles[profile.name] = profile
            _write(self._path, profiles)
        self._profiles = profiles

    def remove(self, name: str) -> None:
        """Delete the profile ``name`` and save (its keyring token is the caller's to delete)."""
        with self._locked():
            profiles = self._read()
            if name not in profiles:
                raise ProfileError(_unknown(name, profiles))
            del profiles[name]
            _write(self._path, profiles)
        self._profiles = profiles

    def _read(self) -> dict[str, Profile]:
        warnings: builtins.list[str] = []
        profiles = _read(self._path, warnings)
        self.warnings = warnings
        return profiles

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """The file's lock, for one read-modify-write; ``ProfileError`` if it cannot be had."""
        try:
            with paths.locked(self._path):
                yield
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ProfileError(f"Cannot save profiles to {self._path}: {reason}.") from None

    def _loaded(self) -> dict[str, Profile]:
        if self._profiles is None:
            self.load()
        assert self._profiles is not None
        return self._profiles


def _unknown(name: str, profiles: dict[str, Profile]) -> str:
    known = ", ".join(sorted(profiles)) or "(none)"
    return f"No profile named {name!r}. Known: {known}"


def _read(path: Path, warnings: builtins.list[str] | None = None) -> dict[str, Profile]:
    """Parse the profiles file; ``ProfileError`` names the path and the problem. What is
    left out (secret keys) is added to ``warnings``."""
    keep = "Fix or move the file; lfdesk will not overwrite it."
    try:
        if path.stat().st_size > MAX_FILE_SIZE:
            raise ProfileError(
                f"Cannot read profiles from {path}: larger than "
                f"{MAX_FILE_SIZE // (1024 * 1024)} MB. {keep}"
            )
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError:
        raise ProfileError(f"Cannot read profiles from {path}: not UTF-8 text. {keep}") from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ProfileError(f"Cannot read profiles from {path}: {reason}.") from None
    try:
        data = loads(raw)
    except json.JSONDecodeError as exc:
        raise ProfileError(
            f"Cannot read profiles from {path}: invalid JSON at {error_position(exc)} "
            f"({exc.msg}). {keep}"
        ) from None
    except JsonLimitError as exc:
        raise ProfileError(f"Cannot read profiles from {path}: {exc}. {keep}") from None
    if not isinstance(data, dict) or "version" not in data or "profiles" not in data:
        raise ProfileError(
            f"{path} is not an lfdesk profiles file (expected an object with 'version' and "
            f"'profiles'). {keep}"
        )
    version = data["version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProfileError(f"{path}: unsupported format version {version!r}. {keep}")
    if version > FORMAT_VERSION:
        raise ProfileError(
            f"{path} was written by a newer lfdesk (format version {version}; this one reads "
            f"version {FORMAT_VERSION}). {keep}"
        )
    entries = data["profiles"]
    if not isinstance(entries, builtins.list):
        raise ProfileError(f"{path}: 'profiles' must be a list. {keep}")
    profiles: dict[str, Profile] = {}
    for index, entry in enumerate(entries, start=1):
        profile = _parse_entry(path, index, entry, keep, warnings)
        if profile.name in profiles:
            raise ProfileError(f"{path}: profile {profile.name!r} appears twice. {keep}")
        profiles[profile.name] = profile
    return profiles


def _parse_entry(
    path: Path, index: int, entry: object, keep: str, warnings: builtins.list[str] | None
) -> Profile:
    where = f"{path}: profile #{index}"
    if not isinstance(entry, dict):
        raise ProfileError(f"{where} is not an object. {keep}")
    name = entry.get("name")
    if isinstance(name, str):
        where = f"{where} ({name!r})"
    secret_keys = sorted(SECRET_KEYS & entry.keys())
    if secret_keys:
        # Key names only, never values.
        log.warning(
            "Ignoring %s in %s: tokens belong in the keyring", ", ".join(secret_keys), where
        )
        if warnings is not None:
            printable = isinstance(name, str) and name.isprintable() and " " not in name
            store = f" (lfdesk token set {name})" if printable else ""
            warnings.append(
                f"{where} has {_keys(secret_keys)}: lfdesk does not use secrets from this "
                f"file and leaves {'them' if len(secret_keys) > 1 else 'it'} out when it next "
                f"saves it; keep the token in the keyring{store}."
            )
    known = {f.name for f in dataclasses.fields(Profile)}
    unknown = sorted(set(entry) - known - SECRET_KEYS)
    if unknown:
        log.warning("Ignoring unknown keys %s in %s", ", ".join(map(str, unknown)), where)
    if not isinstance(name, str):
        raise ProfileError(f"{where} has no 'name'. {keep}")
    kwargs: dict[str, Any] = {key: entry[key] for key in known if key in entry}
    for key in ("kind", "base_url"):
        if key in kwargs and not isinstance(kwargs[key], str):
            raise ProfileError(f"{where}: '{key}' must be text. {keep}")
    try:
        profile = Profile(**kwargs)
        # Files are checked when the profile is used: a CA bundle may be on a removed disk.
        validate_profile(profile, check_files=False)
    except ProfileError as exc:
        raise ProfileError(f"{path}: profile #{index}: {exc} {keep}") from None
    return profile


def _keys(names: builtins.list[str]) -> str:
    quoted = [f"a '{n}' key" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _write(path: Path, profiles: dict[str, Profile]) -> None:
    """Write atomically: a temp file in the same folder, fsync, then ``os.replace``."""
    payload = {
        "version": FORMAT_VERSION,
        "profiles": [profiles[name].to_dict() for name in sorted(profiles)],
    }
    text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    try:
        paths.write_text_atomic(path, text)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ProfileError(f"Cannot save profiles to {path}: {reason}.") from None
