"""Profiles: validation, normalisation, and the profiles.json store."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from lfdesk.core import paths
from lfdesk.core.profiles import (
    DATASTAX_BASE_URL,
    Profile,
    ProfileError,
    ProfileStore,
    validate_profile,
)


def local(name: str = "local", **kwargs: object) -> Profile:
    return Profile(name, base_url="http://127.0.0.1:7860", **kwargs)  # type: ignore[arg-type]


# -- paths -----------------------------------------------------------------------------------


def test_paths_follow_lfdesk_home(lfdesk_home: Path) -> None:
    assert paths.config_dir() == lfdesk_home / "config"
    assert paths.data_dir() == lfdesk_home / "data"
    assert paths.cache_dir() == lfdesk_home / "cache"
    assert all((lfdesk_home / d).is_dir() for d in ("config", "data", "cache"))


def test_paths_create_on_demand_only(lfdesk_home: Path) -> None:
    assert paths.config_dir(create=False) == lfdesk_home / "config"
    assert not lfdesk_home.exists()


def test_paths_without_lfdesk_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LFDESK_HOME")
    assert paths.home_override() is None
    assert paths.config_dir(create=False).name == "lfdesk"
    assert paths.cache_dir(create=False).name in ("lfdesk", "Cache")


# -- Profile and validation ------------------------------------------------------------------


def test_base_url_is_normalised() -> None:
    assert Profile("x", base_url=" http://h:7860/// ").base_url == "http://h:7860"
    assert Profile("x", base_url="https://h/prefix/").base_url == "https://h/prefix"


def test_datastax_default_url() -> None:
    profile = Profile("astra", kind="datastax", datastax_id="abc-123")
    assert profile.base_url == DATASTAX_BASE_URL
    validate_profile(profile)
    assert Profile("x", base_url="").base_url == ""


def test_blank_optional_fields_become_none() -> None:
    profile = Profile("x", base_url="http://h", default_flow="  ", ca_bundle="")
    assert profile.default_flow is None
    assert profile.ca_bundle is None


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        (Profile("", base_url="http://h"), "needs a name"),
        (Profile("   ", base_url="http://h"), "needs a name"),
        (Profile(" x", base_url="http://h"), "spaces"),
        (Profile("a/b", base_url="http://h"), "'/'"),
        (Profile("a\nb", base_url="http://h"), "control characters"),
        (Profile("a\tb", base_url="http://h"), "control characters"),
        (Profile("x", base_url=""), "no server URL given"),
        (Profile("x", base_url="ftp://h"), "http:// or https://"),
        (Profile("x", base_url="127.0.0.1:7860"), "http:// or https://"),
        (Profile("x", base_url="http://"), "no host"),
        (Profile("x", base_url="http://h:99999"), "malformed"),
        (Profile("x", base_url="http://h/?a=1"), "query"),
        (Profile("x", base_url="http://u:pw@h"), "user name or password"),
        (Profile("x", kind="datastax"), "datastax_id"),
        (Profile("x", kind="cloud", base_url="http://h"), "kind must be"),  # type: ignore[arg-type]
        (Profile("x", base_url="http://h", verify_tls="no"), "verify_tls"),  # type: ignore[arg-type]
        (Profile("x", base_url="http://h", ca_bundle="/nonexistent/ca.pem"), "CA bundle"),
    ],
)
def test_validation_errors(profile: Profile, message: str) -> None:
    with pytest.raises(ProfileError, match=message) as info:
        validate_profile(profile)
    assert isinstance(info.value, ValueError)


def test_url_password_not_echoed() -> None:
    with pytest.raises(ProfileError) as info:
        validate_profile(Profile("x", base_url="http://user:hunter2@h"))
    assert "hunter2" not in str(info.value)


def test_valid_profiles(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    validate_profile(local())
    validate_profile(Profile("My server (prod) é", base_url="https://lf.example.com:8443/lf"))
    validate_profile(local(ca_bundle=str(bundle), verify_tls=False, default_flow="echo-chat"))
    # A missing CA file is only checked when asked to.
    validate_profile(local(ca_bundle="/nonexistent/ca.pem"), check_files=False)


# -- ProfileStore ----------------------------------------------------------------------------


def test_default_file_location(lfdesk_home: Path) -> None:
    store = ProfileStore()
    assert store.path == lfdesk_home / "config" / "profiles.json"
    assert store.list() == []
    assert not store.path.exists()


def test_add_list_get_remove_round_trip(lfdesk_home: Path) -> None:
    store = ProfileStore()
    store.add(local("zeta"))
    store.add(Profile("astra", kind="datastax", datastax_id="abc", default_flow="f1"))
    store.add(local("alpha", verify_tls=False))

    assert [p.name for p in store.list()] == ["alpha", "astra", "zeta"]
    assert store.names() == ["alpha", "astra", "zeta"]
    assert "astra" in store

    fresh = ProfileStore()
    assert fresh.list() == store.list()
    assert fresh.get("astra").base_url == DATASTAX_BASE_URL
    assert fresh.get("alpha").verify_tls is False

    data = json.loads(store.path.read_text())
    assert data["version"] == 1
    assert [p["name"] for p in data["profiles"]] == ["alpha", "astra", "zeta"]
    assert set(data["profiles"][0]) == {
        "name",
        "kind",
        "base_url",
        "datastax_id",
        "ca_bundle",
        "default_flow",
        "verify_tls",
    }

    store.remove("zeta")
    assert ProfileStore().names() == ["alpha", "astra"]


def test_get_unknown_lists_known_names() -> None:
    store = ProfileStore()
    with pytest.raises(ProfileError, match=r"^No profile named 'nope'\. Known: \(none\)$"):
        store.get("nope")
    store.add(local("b"))
    store.add(local("a"))
    with pytest.raises(ProfileError, match=r"^No profile named 'x'\. Known: a, b$"):
        store.get("x")
    with pytest.raises(ProfileError, match="No profile named 'x'"):
        store.remove("x")


def test_add_existing_needs_replace() -> None:
    store = ProfileStore()
    store.add(local())
    with pytest.raises(ProfileError, match="already exists"):
        store.add(local(default_flow="other"))
    store.add(local(default_flow="other"), replace=True)
    assert ProfileStore().get("local").default_flow == "other"


def test_add_validates() -> None:
    store = ProfileStore()
    with pytest.raises(ProfileError, match="http"):
        store.add(Profile("bad", base_url="localhost:7860"))
    assert not store.path.exists()


def test_explicit_path(tmp_path: Path, lfdesk_home: Path) -> None:
    path = tmp_path / "elsewhere" / "mine.json"
    store = ProfileStore(path)
    store.add(local())
    assert path.is_file()
    assert not (lfdesk_home / "config" / "profiles.json").exists()
    assert ProfileStore(str(path)).names() == ["local"]


def test_other_processes_edits_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "profiles.json"
    first, second = ProfileStore(path), ProfileStore(path)
    first.add(local("a"))
    second.add(local("b"))
    first.add(local("c"))
    assert ProfileStore(path).names() == ["a", "b", "c"]


def test_secrets_in_file_are_ignored_and_not_written_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "profiles.json"
    entry = {"name": "local", "base_url": "http://h", "token": "SECRET-1", "api_key": "SECRET-2"}
    path.write_text(json.dumps({"version": 1, "profiles": [entry]}))
    caplog.set_level(logging.DEBUG)

    store = ProfileStore(path)
    assert store.get("local") == Profile("local", base_url="http://h")
    store.add(local("other"))

    text = path.read_text()
    assert "SECRET" not in text
    assert "token" not in text
    assert "api_key" not in text
    assert "SECRET" not in caplog.text
    assert "api_key, token" in caplog.text


def test_unknown_keys_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "profiles.json"
    entry = {"name": "local", "base_url": "http://h", "colour": "blue"}
    path.write_text(json.dumps({"version": 1, "profiles": [entry]}))
    assert ProfileStore(path).get("local").base_url == "http://h"


BROKEN_FILES = {
    "not json": ('{"version": 1, "profiles": [', "invalid JSON at line 1"),
    "empty": ("", "invalid JSON"),
    "a list": ("[]", "not an lfdesk profiles file"),
    "foreign object": ('{"theme": "dark"}', "not an lfdesk profiles file"),
    "newer version": ('{"version": 2, "profiles": []}', "newer lfdesk"),
    "bad version": ('{"version": "1", "profiles": []}', "unsupported format version"),
    "profiles not a list": ('{"version": 1, "profiles": {}}', "must be a list"),
    "entry not an object": ('{"version": 1, "profiles": [1]}', "profile #1 is not an object"),
    "no name": ('{"version": 1, "profiles": [{"base_url": "http://h"}]}', "has no 'name'"),
    "bad url": (
        '{"version": 1, "profiles": [{"name": "a", "base_url": "h:1"}]}',
        "profile #1: Profile 'a': the server URL must start",
    ),
    "url not text": ('{"version": 1, "profiles": [{"name": "a", "base_url": 5}]}', "must be text"),
    "duplicate": (
        '{"version": 1, "profiles": [{"name": "a", "base_url": "http://h"},'
        ' {"name": "a", "base_url": "http://i"}]}',
        "appears twice",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN_FILES))
def test_broken_file_is_reported_and_never_overwritten(case: str, tmp_path: Path) -> None:
    content, message = BROKEN_FILES[case]
    path = tmp_path / "profiles.json"
    path.write_text(content)
    store = ProfileStore(path)

    with pytest.raises(ProfileError, match=message) as info:
        store.list()
    assert str(path) in str(info.value)
    with pytest.raises(ProfileError):
        store.add(local())
    with pytest.raises(ProfileError):
        store.remove("a")
    with pytest.raises(ProfileError):
        store.save()

    assert path.read_text() == content
    assert [p.name for p in tmp_path.iterdir()] == ["profiles.json"]


def test_save_refuses_to_replace_a_file_broken_since_load(tmp_path: Path) -> None:
    path = tmp_path / "profiles.json"
    store = ProfileStore(path)
    store.add(local())
    path.write_text("{oops")
    with pytest.raises(ProfileError, match="invalid JSON"):
        store.save()
    assert path.read_text() == "{oops"


def test_missing_ca_bundle_in_file_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "profiles.json"
    entry = {"name": "a", "base_url": "https://h", "ca_bundle": "/gone/ca.pem"}
    path.write_text(json.dumps({"version": 1, "profiles": [entry]}))
    assert ProfileStore(path).get("a").ca_bundle == "/gone/ca.pem"


def test_save_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "profiles.json"
    store = ProfileStore(path)
    store.add(local("a"))
    before = path.read_text()

    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def failing_replace(src: str, dst: str) -> None:
        replaced.append((src, dst))
        # The full new content is already on disk, next to the target, before the swap.
        assert Path(src).parent == path.parent
        assert '"b"' in Path(src).read_text()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(ProfileError, match=r"Cannot save profiles to .*No space left"):
        store.add(local("b"))
    assert replaced
    assert path.read_text() == before  # the old file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["profiles.json"]  # no temp file left
    assert store.names() == ["a"]  # and the store did not pretend it saved

    monkeypatch.setattr(os, "replace", real_replace)
    store.add(local("b"))
    assert ProfileStore(path).names() == ["a", "b"]


def test_saved_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "profiles.json"
    ProfileStore(path).add(local())
    if os.name == "posix":
        assert path.stat().st_mode & 0o077 == 0
