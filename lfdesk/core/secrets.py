"""API tokens in the OS keyring, with an honest in-memory fallback.

One keyring entry per profile: service ``lfdesk``, username = profile name. When no usable
keyring exists (or it fails at call time), tokens live in memory for the rest of the process
and ``fallback_reason`` says so in plain words. Nothing is ever written to a plain file, and a
token never reaches a log line or an exception message.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringError, PasswordDeleteError

from lfdesk.core.redact import mask, register_secret

log = logging.getLogger(__name__)

SERVICE = "lfdesk"
MEMORY_BACKEND_NAME = "in-memory (this session only)"
# Friendly names for keyring's own backends, keyed by (module, class name).
_BACKEND_NAMES = {
    ("keyring.backends.SecretService", "Keyring"): "Secret Service (SecretStorage)",
    ("keyring.backends.libsecret", "Keyring"): "Secret Service (libsecret)",
    ("keyring.backends.kwallet", "DBusKeyring"): "KDE Wallet",
    ("keyring.backends.kwallet", "DBusKeyringKWallet4"): "KDE Wallet 4",
    ("keyring.backends.macOS", "Keyring"): "macOS Keychain",
    ("keyring.backends.Windows", "WinVaultKeyring"): "Windows Credential Locker",
    ("keyring.backends.fail", "Keyring"): "none (keyring found no backend)",
    ("keyring.backends.null", "Keyring"): "none (null keyring)",
}
# Exceptions raised from these packages mean "the keyring service is broken", not "bug".
_BACKEND_ERROR_MODULES = ("secretstorage", "jeepney", "dbus", "gi")


def describe_backend(backend: KeyringBackend) -> str:
    """A human-readable name for a keyring backend, e.g. ``macOS Keychain``."""
    cls = type(backend)
    known = _BACKEND_NAMES.get((cls.__module__, cls.__name__))
    if known is not None:
        return known
    if isinstance(backend, chainer.ChainerBackend):
        names = [describe_backend(b) for b in _chained(backend)]
        return " + ".join(names) if names else "none (empty keyring chain)"
    return str(getattr(cls, "name", cls.__name__))


def _chained(backend: chainer.ChainerBackend) -> list[KeyringBackend]:
    return list(backend.backends)


def _is_plaintext(backend: KeyringBackend) -> bool:
    """True for backends that keep secrets readable in a file (keyrings.alt)."""
    cls = type(backend)
    return cls.__module__.startswith("keyrings.alt") and "Plaintext" in cls.__name__


def _is_backend_error(exc: BaseException) -> bool:
    """True when ``exc`` means the keyring service failed (locked, missing, no D-Bus...)."""
    if isinstance(exc, KeyringError | OSError):
        return True
    return any(
        klass.__module__.split(".")[0] in _BACKEND_ERROR_MODULES for klass in type(exc).__mro__
    )


def _check_profile(profile: str) -> None:
    if not isinstance(profile, str) or not profile:
        raise ValueError("The profile name must be a non-empty string.")


def _safe_detail(exc: BaseException, secrets: Iterable[str] = ()) -> str:
    """A short, token-free description of a keyring failure."""
    message = mask(str(exc), *secrets).strip().splitlines()
    first = message[0].rstrip(".") if message else ""
    if len(first) > 160:
        first = first[:157] + "..."
    name = type(exc).__name__
    return f"{name}: {first}" if first else name


def _choose_backend(backend: KeyringBackend) -> tuple[KeyringBackend | None, str | None]:
    """The backend to really use and, when there is none, why not."""
    if isinstance(backend, fail.Keyring):
        return None, "keyring found no usable backend"
    if isinstance(backend, null.Keyring):
        return None, "the keyring is disabled (null backend)"
    if _is_plaintext(backend):
        return None, f"the configured backend {describe_backend(backend)} keeps plain-text files"
    if isinstance(backend, chainer.ChainerBackend):
        try:
            members = _chained(backend)
        except Exception as exc:
            return None, f"keyring could not list its backends ({_safe_detail(exc)})"
        safe = [b for b in members if not _is_plaintext(b)]
        if not safe:
            return None, "keyring found no usable backend"
        if len(safe) != len(members):
            # The chain would write to the first member that accepts; never a plain file.
            return safe[0], None
    return backend, None


class TokenStore:
    """Per-profile API tokens in the OS keyring, or in memory when there is no usable keyring.

    The first call picks the backend (``keyring.get_keyring()`` unless one was injected); that
    may talk to D-Bus, so GUI code uses the ``a*`` twins, which run in a worker thread.
    Use one store per process: the in-memory fallback belongs to the instance.
    """

    def __init__(self, backend: KeyringBackend | None = None, *, service: str = SERVICE) -> None:
        self._service = service
        self._injected = backend
        self._backend: KeyringBackend | None = None
        self._resolved = False
        self._fallback_reason: str | None = None
        self._memory: dict[str, str] = {}
        self._lock = threading.RLock()

    @property
    def service(self) -> str:
        """The keyring service name entries are stored under."""
        return self._service

    @property
    def fallback_reason(self) -> str | None:
        """Why tokens are only kept in memory, as a sentence for the user; None if persistent."""
        self._active()
        return self._fallback_reason

    def backend_name(self) -> str:
        """Where tokens go, e.g. ``Secret Service (SecretStorage)``."""
        backend = self._active()
        return MEMORY_BACKEND_NAME if backend is None else describe_backend(backend)

    def is_persistent(self) -> bool:
        """True when tokens outlive this process (an OS keyring is in use)."""
        return self._active() is not None

    def get(self, profile: str) -> str | None:
        """The token saved for ``profile``, or None."""
        _check_profile(profile)
        backend = self._active()
        if backend is not None:
            try:
                value = backend.get_password(self._service, profile)
            except Exception as exc:
                if not _is_backend_error(exc):
                    raise
                self._fall_back(exc, "read", profile)
            else:
                register_secret(value)
                return value or None
        with self._lock:
            return self._memory.get(profile)

    def set(self, profile: str, token: str) -> None:
        """Save ``token`` for ``profile`` (in memory if the keyring is unusable)."""
        _check_profile(profile)
        if not isinstance(token, str) or not token:
            raise ValueError("The token is empty; use delete() to remove a saved token.")
        register_secret(token)
        backend = self._active()
        if backend is not None:
            try:
                backend.set_password(self._service, profile, token)
            except Exception as exc:
                if not _is_backend_error(exc):
                    raise
                self._fall_back(exc, "save", profile, token)
            else:
                log.info("Saved the token for profile %r in %s", profile, self.backend_name())
                return
        with self._lock:
            self._memory[profile] = token
        log.info("Kept the token for profile %r in memory (this session only)", profile)

    def delete(self, profile: str) -> bool:
        """Forget the token for ``profile``; False if there was none."""
        _check_profile(profile)
        backend = self._active()
        if backend is not None:
            try:
                backend.delete_password(self._service, profile)
            except PasswordDeleteError:
                return False
            except Exception as exc:
                if not _is_backend_error(exc):
                    raise
                self._fall_back(exc, "delete", profile)
            else:
                log.info("Deleted the token for profile %r from %s", profile, self.backend_name())
                return True
        with self._lock:
            return self._memory.pop(profile, None) is not None

    async def aget(self, profile: str) -> str | None:
        """``get`` in a worker thread."""
        return await asyncio.to_thread(self.get, profile)

    async def aset(self, profile: str, token: str) -> None:
        """``set`` in a worker thread."""
        await asyncio.to_thread(self.set, profile, token)

    async def adelete(self, profile: str) -> bool:
        """``delete`` in a worker thread."""
        return await asyncio.to_thread(self.delete, profile)

    async def aresolve(self) -> None:
        """Pick the backend in a worker thread, so ``backend_name()`` etc. return at once."""
        await asyncio.to_thread(self._active)

    def _active(self) -> KeyringBackend | None:
        """The backend in use, or None once we have fallen back to memory."""
        with self._lock:
            if not self._resolved:
                self._resolved = True
                self._backend, problem = self._pick()
                if problem is not None:
                    self._fallback_reason = _reason(problem)
                    log.warning("Keyring unusable (%s); tokens are kept in memory", problem)
            return None if self._fallback_reason is not None else self._backend

    def _pick(self) -> tuple[KeyringBackend | None, str | None]:
        backend = self._injected
        if backend is None:
            try:
                backend = keyring.get_keyring()
            except Exception as exc:
                return None, f"keyring could not start: {_safe_detail(exc)}"
        return _choose_backend(backend)

    def _fall_back(
        self, exc: BaseException, action: str, profile: str, token: str | None = None
    ) -> None:
        detail = _safe_detail(exc, [token] if token else [])
        with self._lock:
            name = MEMORY_BACKEND_NAME if self._backend is None else describe_backend(self._backend)
            if self._fallback_reason is None:
                self._fallback_reason = _reason(f"{name} failed: {detail}")
        log.warning(
            "Could not %s the token for profile %r in %s (%s); "
            "tokens are kept in memory for the rest of this session",
            action,
            profile,
            name,
            detail,
        )


def _reason(detail: str) -> str:
    return f"No OS keyring is available ({detail}); the token is kept for this session only."
