"""Masking secrets in text: anything shaped like a Langflow key, an Astra token or a bearer
value, and every token the process has read from or saved to the keyring. Used for error
messages and for every log record. Stdlib only, so any module may use it."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

REDACTED = "***"

# Langflow keys (sk- + 43 url-safe chars), Astra tokens, bearer values.
TOKEN_PATTERN = re.compile(
    r"(sk-[A-Za-z0-9_\-]{16,}|AstraCS:[A-Za-z0-9:_\-]{8,}|(?i:bearer)\s+[A-Za-z0-9._~+/=\-]{8,})"
)

_known: set[str] = set()
_lock = threading.Lock()


def register_secret(secret: str | None) -> None:
    """Mask this exact string from now on (a token from the keyring or typed by the user)."""
    if secret and len(secret) >= 4:
        with _lock:
            _known.add(secret)


def mask(text: str, *secrets: str | None) -> str:
    """``text`` with ``secrets``, every registered token and anything token-shaped masked."""
    with _lock:
        known = sorted(_known | {s for s in secrets if s}, key=len, reverse=True)
    for s in known:
        text = text.replace(s, REDACTED)
    return TOKEN_PATTERN.sub(REDACTED, text)


SENSITIVE_HEADERS = frozenset(
    {"x-api-key", "authorization", "proxy-authorization", "cookie", "set-cookie"}
)


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Copy ``headers`` with credential values (``x-api-key``, ``Authorization``...) masked.

    The auth scheme is kept (``Bearer ***``) because it helps when reading logs.
    """
    masked: dict[str, str] = {}
    for key, value in headers.items():
        lower = key.lower()
        if lower not in SENSITIVE_HEADERS or not value:
            masked[key] = value
            continue
        scheme, sep, rest = value.strip().partition(" ")
        if lower.endswith("authorization") and sep and rest:
            masked[key] = f"{scheme} {REDACTED}"
        else:
            masked[key] = REDACTED
    return masked


def show_url(url: str) -> str:
    """The URL without any ``user:password@`` part, for messages and logs."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    if parts.username is None and parts.password is None:
        return url
    netloc = parts.hostname or ""
    if port is not None:
        netloc += f":{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
