"""TokenStore over an in-memory keyring backend, its fallback, and the redaction helpers."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringError, KeyringLocked
from testkeyring import CHILD_BACKEND, MemoryKeyring

from lfdesk.core import paths
from lfdesk.core.profiles import Profile, ProfileStore
from lfdesk.core.redact import mask, redact_headers
from lfdesk.core.secrets import (
    MEMORY_BACKEND_NAME,
    SERVICE,
    TokenStore,
    describe_backend,
)

TOKEN = "sk-lf-TEST-5f1c0b7e9d2a4c6b8e0f1a3c5e7d9b2f"


class BrokenKeyring(MemoryKeyring):
    """Fails like a locked or missing Secret Service; the error text echoes its inputs."""

    priority = -1  # never picked by keyring itself

    def __init__(self, error: type[Exception] = KeyringError) -> None:
        super().__init__()
        self.error = error
        self.calls = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.calls += 1
        raise self.error(f"cannot read {service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls += 1
        # A badly behaved backend that leaks the secret into its error message.
        raise self.error(f"cannot store {password!r} for {username}")

    def delete_password(self, service: str, username: str) -> None:
        self.calls += 1
        raise self.error("cannot delete")


def test_the_tests_never_reach_the_os_keyring(memory_keyring: MemoryKeyring) -> None:
    """tests/conftest.py: this process uses a fresh in-memory backend, child processes the
    null one (so `lfdesk` run as a child keeps tokens in its memory)."""
    TokenStore().set("local", TOKEN)
    assert memory_keyring.entries == {(SERVICE, "local"): TOKEN}
    assert os.environ["PYTHON_KEYRING_BACKEND"] == CHILD_BACKEND
    child = subprocess.run(
        [sys.executable, "-c", "import keyring; b = keyring.get_keyring(); "
         "print(type(b).__module__, type(b).__name__)"],
        capture_output=True, text=True, timeout=60, check=True,
    )
    assert child.stdout.split() == ["keyring.backends.null", "Keyring"]


def files_containing(root: Path, needle: str) -> list[Path]:
    return [
        path for path in root.rglob("*") if path.is_file() and needle.encode() in path.read_bytes()
    ]


def test_round_trip_uses_service_and_profile_name() -> None:
    backend = MemoryKeyring()
    store = TokenStore(backend)
    assert store.get("local") is None
    store.set("local", TOKEN)
    assert backend.entries == {(SERVICE, "local"): TOKEN}
    assert store.get("local") == TOKEN
    assert store.is_persistent()
    assert store.fallback_reason is None


def test_set_replaces_and_profiles_are_separate() -> None:
    store = TokenStore(MemoryKeyring())
    store.set("a", "one")
    store.set("b", "two")
    store.set("a", "three")
    assert (store.get("a"), store.get("b")) == ("three", "two")


def test_delete() -> None:
    backend = MemoryKeyring()
    store = TokenStore(backend)
    store.set("local", TOKEN)
    assert store.delete("local") is True
    assert store.get("local") is None
    assert backend.entries == {}
    assert store.delete("local") is False


def test_rejects_empty_profile_and_token() -> None:
    store = TokenStore(MemoryKeyring())
    with pytest.raises(ValueError, match="profile"):
        store.get("")
    with pytest.raises(ValueError, match="empty"):
        store.set("local", "")


@pytest.mark.parametrize("error", [KeyringError, KeyringLocked, OSError])
def test_fallback_when_backend_raises(error: type[Exception], lfdesk_home: Path) -> None:
    backend = BrokenKeyring(error)
    store = TokenStore(backend)
    assert store.is_persistent()  # nothing is known to be wrong before the first call

    store.set("local", TOKEN)

    assert store.get("local") == TOKEN
    assert not store.is_persistent()
    assert store.backend_name() == MEMORY_BACKEND_NAME
    reason = store.fallback_reason
    assert reason is not None
    assert reason.startswith("No OS keyring is available (")
    assert reason.endswith("the token is kept for this session only.")
    assert error.__name__ in reason
    assert TOKEN not in reason
    # The rest of the process stays in memory: the broken backend is not asked again.
    calls = backend.calls
    assert store.delete("local") is True
    assert store.get("local") is None
    assert backend.calls == calls
    assert files_containing(lfdesk_home.parent, TOKEN) == []


def test_fallback_on_read_failure() -> None:
    store = TokenStore(BrokenKeyring(KeyringLocked))
    assert store.get("local") is None
    assert store.fallback_reason is not None
    assert "KeyringLocked" in store.fallback_reason
    store.set("local", TOKEN)
    assert store.get("local") == TOKEN


def test_dbus_style_errors_fall_back() -> None:
    class DBusErrorResponse(Exception):
        pass

    DBusErrorResponse.__module__ = "jeepney.wrappers"
    store = TokenStore(BrokenKeyring(DBusErrorResponse))
    store.set("local", TOKEN)
    assert store.get("local") == TOKEN
    assert not store.is_persistent()


def test_programming_errors_are_not_swallowed() -> None:
    store = TokenStore(BrokenKeyring(TypeError))
    with pytest.raises(TypeError):
        store.get("local")
    assert store.is_persistent()


@pytest.mark.parametrize(
    ("backend", "words"),
    [(fail.Keyring(), "no usable backend"), (null.Keyring(), "disabled")],
)
def test_unusable_backends_fall_back(
    backend: KeyringBackend, words: str, lfdesk_home: Path
) -> None:
    store = TokenStore(backend)
    assert not store.is_persistent()
    assert store.backend_name() == MEMORY_BACKEND_NAME
    assert store.fallback_reason is not None
    assert words in store.fallback_reason
    store.set("local", TOKEN)
    assert store.get("local") == TOKEN
    assert files_containing(lfdesk_home.parent, TOKEN) == []


def test_default_backend_is_fail_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyring, "get_keyring", fail.Keyring)
    store = TokenStore()
    assert not store.is_persistent()
    assert store.fallback_reason is not None
    store.set("local", TOKEN)
    assert store.get("local") == TOKEN


def test_default_backend_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = MemoryKeyring()
    monkeypatch.setattr(keyring, "get_keyring", lambda: backend)
    store = TokenStore()
    store.set("local", TOKEN)
    assert backend.entries[(SERVICE, "local")] == TOKEN
    assert store.is_persistent()


def test_empty_chainer_falls_back() -> None:
    class EmptyChain(chainer.ChainerBackend):
        backends = []  # noqa: RUF012

    store = TokenStore(EmptyChain())
    assert not store.is_persistent()
    assert store.fallback_reason is not None
    assert "no usable backend" in store.fallback_reason


def test_chainer_skips_plaintext_backends() -> None:
    class PlaintextKeyring(MemoryKeyring):
        priority = -1

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    safe = MemoryKeyring()

    class Chain(chainer.ChainerBackend):
        backends = [PlaintextKeyring(), safe]  # noqa: RUF012

    store = TokenStore(Chain())
    store.set("local", TOKEN)
    assert safe.entries == {(SERVICE, "local"): TOKEN}

    only_plain = PlaintextKeyring()
    store = TokenStore(only_plain)
    store.set("local", TOKEN)
    assert only_plain.entries == {}
    assert store.fallback_reason is not None
    assert "plain-text" in store.fallback_reason


def test_token_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    TokenStore(MemoryKeyring()).set("local", TOKEN)
    store = TokenStore(BrokenKeyring())
    store.set("work", TOKEN)
    store.get("work")
    store.delete("work")
    assert TOKEN not in caplog.text
    assert "'work'" in caplog.text
    assert "'local'" in caplog.text


def test_no_file_contains_the_token(lfdesk_home: Path) -> None:
    profiles = ProfileStore()
    profiles.add(Profile("local", base_url="http://127.0.0.1:7860/"))
    TokenStore(MemoryKeyring()).set("local", TOKEN)
    TokenStore(fail.Keyring()).set("local", TOKEN)
    TokenStore(BrokenKeyring()).set("local", TOKEN)
    paths.data_dir()
    paths.cache_dir()
    assert (lfdesk_home / "config" / "profiles.json").is_file()
    assert files_containing(lfdesk_home, TOKEN) == []


def test_backend_names() -> None:
    assert TokenStore(MemoryKeyring()).backend_name() == "testkeyring MemoryKeyring"
    assert TokenStore(fail.Keyring()).backend_name() == MEMORY_BACKEND_NAME
    from keyring.backends import SecretService

    assert describe_backend(SecretService.Keyring()) == "Secret Service (SecretStorage)"


async def test_async_twins_run_in_a_worker_thread() -> None:
    backend = MemoryKeyring()
    store = TokenStore(backend)
    await store.aresolve()
    await store.aset("local", TOKEN)
    assert await store.aget("local") == TOKEN
    assert await store.adelete("local") is True
    assert await store.adelete("local") is False
    assert await store.aget("local") is None
    assert backend.threads
    assert threading.get_ident() not in backend.threads


async def test_async_fallback() -> None:
    store = TokenStore(BrokenKeyring())
    await store.aset("local", TOKEN)
    assert await store.aget("local") == TOKEN
    assert not store.is_persistent()


def test_mask() -> None:
    text = f"POST failed: key={TOKEN} (again {TOKEN}); other=abc"
    assert mask(text, TOKEN) == "POST failed: key=*** (again ***); other=abc"
    assert mask(text, TOKEN, "abc", "") == "POST failed: key=*** (again ***); other=***"
    assert mask("abcdef", "abc", "abcdef") == "***"
    assert mask("nothing here") == "nothing here"


def test_redact_headers() -> None:
    headers = {
        "X-API-Key": TOKEN,
        "authorization": f"Bearer {TOKEN}",
        "AUTHORIZATION": TOKEN,
        "Content-Type": "application/json",
    }
    masked = redact_headers(headers)
    assert masked == {
        "X-API-Key": "***",
        "authorization": "Bearer ***",
        "AUTHORIZATION": "***",
        "Content-Type": "application/json",
    }
    assert TOKEN not in repr(masked)
    assert headers["X-API-Key"] == TOKEN  # the input is not changed
