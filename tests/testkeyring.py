"""Keyring backends for tests, never the user's own keyring.

- ``MemoryKeyring``: entries in a dict, gone with the process. tests/conftest.py installs a
  fresh one for every test (and ``memory_tokens`` wraps one in a TokenStore).
- ``FileKeyring``: entries in a JSON file named by ``$LFDESK_TEST_KEYRING``, for tests that
  run lfdesk as child processes, so `lfdesk token set` in one process is seen by
  `lfdesk run` in the next. Selected with ``PYTHON_KEYRING_BACKEND=testkeyring.FileKeyring``
  (and this directory on the child's PYTHONPATH).
- ``CHILD_BACKEND``: what child processes get in ``PYTHON_KEYRING_BACKEND`` unless a test
  says otherwise: keyring's null backend, importable anywhere, which lfdesk treats as "no
  keyring" (tokens stay in the child's memory).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

CHILD_BACKEND = "keyring.backends.null.Keyring"


class MemoryKeyring(KeyringBackend):
    """A keyring backend in a dict. ``threads`` records the thread of every call (to check
    that keyring calls stay off the GUI thread)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.threads: list[int] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.threads.append(threading.get_ident())
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.threads.append(threading.get_ident())
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.threads.append(threading.get_ident())
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


def use_memory_keyring() -> MemoryKeyring:
    """Make a fresh MemoryKeyring keyring's backend in this process, and the null backend
    the one of every child process started from now on; returns the backend."""
    os.environ["PYTHON_KEYRING_BACKEND"] = CHILD_BACKEND
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def _path(self) -> Path:
        return Path(os.environ["LFDESK_TEST_KEYRING"])

    def _load(self) -> dict[str, str]:
        p = self._path()
        return json.loads(p.read_text()) if p.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\0{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\0{username}"] = password
        self._path().write_text(json.dumps(data))

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}\0{username}", None) is None:
            raise PasswordDeleteError(username)
        self._path().write_text(json.dumps(data))
