"""From the transport to words: TLS verification settings, timeouts, and how an httpx,
socket or TLS failure becomes one typed, readable LangflowError (never a traceback, never
a token)."""

from __future__ import annotations

import logging
import re
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from lfdesk.core.api.errors import (
    LangflowError,
    RequestTimeoutError,
    ServerUnreachableError,
    StreamCutError,
    StreamStalledError,
    TLSError,
)
from lfdesk.core.redact import mask, show_url

__all__ = ["Timeouts", "ssl_verify", "transport_error"]

log = logging.getLogger("lfdesk.core.api.client")


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds: ``connect``; ``read`` (waiting for a whole non-stream reply); ``stall``
    (no bytes at all for this long while a stream is open)."""

    connect: float = 10.0
    read: float = 300.0
    stall: float = 120.0


def ssl_verify(verify: bool | str) -> bool | ssl.SSLContext:
    """``True`` (system/certifi store, honouring SSL_CERT_FILE), ``False``, or a context
    trusting the CA bundle file (or directory) at ``verify``."""
    if isinstance(verify, bool):
        return verify
    path = Path(verify).expanduser()
    try:
        if path.is_dir():
            return ssl.create_default_context(capath=str(path))
        return ssl.create_default_context(cafile=str(path))
    except FileNotFoundError:
        raise TLSError(
            f"The CA bundle {path} does not exist",
            "Fix the CA bundle path in the profile, or clear it to use the system store.",
        ) from None
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise TLSError(
            f"The CA bundle {path} cannot be used ({exc})",
            "The CA bundle must be a PEM file of certificates.",
        ) from None


def _cause_chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen and len(seen) < 10:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def transport_error(
    exc: BaseException,
    url: str,
    base_url: str,
    token: str | None,
    timeouts: Timeouts,
    *,
    streaming: bool = False,
) -> LangflowError:
    """An httpx (or socket/TLS) exception as a typed, readable error; logs the original
    (masked). ``base_url`` names the server in the message."""
    where = show_url(base_url)
    text = mask(str(exc), token) or type(exc).__name__
    log.debug("request to %s failed: %s: %s", show_url(url), type(exc).__name__, text)
    t = timeouts
    if isinstance(exc, httpx.ConnectTimeout):
        return RequestTimeoutError(
            f"No connection to {where} within {t.connect:g} s", phase="connect"
        )
    if isinstance(exc, httpx.ReadTimeout):
        if streaming:
            return StreamStalledError(
                f"No data from {where} for {t.stall:g} s", seconds=t.stall
            )
        return RequestTimeoutError(
            f"{where} did not answer within {t.read:g} s (read timeout)", phase="read"
        )
    if isinstance(exc, httpx.WriteTimeout):
        return RequestTimeoutError(
            f"Sending the request to {where} took over {t.read:g} s", phase="write"
        )
    if isinstance(exc, httpx.PoolTimeout):
        return RequestTimeoutError(
            f"No free connection to {where} within {t.connect:g} s", phase="pool"
        )
    if isinstance(exc, httpx.ProxyError):
        return ServerUnreachableError(
            f"The proxy did not connect to {where}: {text}",
            "Check the HTTPS_PROXY / HTTP_PROXY / NO_PROXY environment variables.",
        )
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return LangflowError(
            f"{show_url(url)} is not a usable http:// or https:// address ({text})",
            "Fix the server address in the profile.",
        )
    chain = _cause_chain(exc)
    tls = next((e for e in chain if isinstance(e, ssl.SSLError)), None)
    if tls is not None or "CERTIFICATE_VERIFY_FAILED" in text or "[SSL" in text:
        reason = getattr(tls, "verify_message", None) or (str(tls) if tls is not None else text)
        if "WRONG_VERSION_NUMBER" in text + reason or "wrong version number" in text + reason:
            return TLSError(
                f"TLS failed with {where}: it does not speak https here ({reason})",
                "The server may serve plain http: try http:// in the profile's address.",
            )
        if isinstance(tls, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in text:
            return TLSError(f"The certificate of {where} is not trusted ({reason})")
        return TLSError(f"TLS failed with {where} ({reason})")
    if isinstance(exc, httpx.ConnectError | ConnectionError | socket.gaierror):
        if any(isinstance(e, socket.gaierror) for e in chain) or re.search(
            r"name or service not known|nodename nor servname|getaddrinfo|name resolution"
            r"|no address associated",
            text,
            re.I,
        ):
            host = urlsplit(base_url).hostname or where
            return ServerUnreachableError(
                f"The host name {host!r} is unknown ({text})",
                "Check the server address in the profile (and your network or VPN).",
            )
        if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
            return ServerUnreachableError(f"No server answers at {where} (connection refused)")
        return ServerUnreachableError(f"Cannot connect to {where} ({text})")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        if streaming:
            return StreamCutError(f"The connection to {where} broke during the run ({text})")
        return LangflowError(
            f"The connection to {where} broke ({text})",
            "The server or a proxy closed the connection; try again, and check the "
            "server's log.",
        )
    if isinstance(exc, httpx.DecodingError):
        return LangflowError(f"The reply from {where} could not be decoded ({text})")
    return LangflowError(f"Request to {where} failed ({type(exc).__name__}: {text})")

