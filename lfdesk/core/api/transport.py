"""From the transport to words: TLS verification settings, timeouts, server addresses, and
how an httpx, socket or TLS failure becomes one typed, readable LangflowError (never a
traceback, never a token)."""

from __future__ import annotations

import asyncio
import logging
import math
import re
import socket
import ssl
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import httpx

from lfdesk.core.api.errors import (
    LangflowError,
    RequestTimeoutError,
    ServerUnreachableError,
    StreamCutError,
    StreamStalledError,
    TLSError,
    scrub,
    scrub_error,
)
from lfdesk.core.redact import show_url

__all__ = [
    "CALL_DEADLINE",
    "RUN_DEADLINE",
    "Deadline",
    "Timeouts",
    "check_address",
    "deadline_error",
    "ssl_verify",
    "transport_error",
]

log = logging.getLogger("lfdesk.core.api.client")
T = TypeVar("T")

# The default deadlines: a run (streamed or not) or an upload may take minutes; listing or
# fetching flows, a probe or stored messages take a real Langflow a second or two.
RUN_DEADLINE = 600.0
CALL_DEADLINE = 60.0


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds. ``total``: the most one request may take from start to end, however its
    bytes trickle in (None: ``RUN_DEADLINE`` for a run or an upload, ``CALL_DEADLINE`` for
    anything else). ``connect``. ``stall``: no byte at all for this long while a stream is
    open. ``read``: no byte for this long while waiting for a whole reply (None: the deadline
    alone, since a run without streaming says nothing until its answer)."""

    connect: float = 10.0
    read: float | None = None
    stall: float = 120.0
    total: float | None = None

    def __post_init__(self) -> None:
        for name in ("connect", "read", "stall", "total"):
            value = getattr(self, name)
            if value is not None and not (
                isinstance(value, int | float) and math.isfinite(value) and value > 0
            ):
                raise ValueError(f"timeout {name} must be a positive number of seconds")

    @classmethod
    def of_connection(cls, seconds: float | None) -> Timeouts:
        """A connection's one Timeout setting (a profile's, the app's): each request's
        deadline and a stream's longest silence alike, so a flow with long silent steps
        runs once it is raised; None keeps the defaults."""
        return cls() if seconds is None else cls(total=seconds, stall=seconds)

    def deadline(self, long: bool) -> float:
        """The deadline of one request: ``total``, else the default for a ``long`` request
        (a run or an upload) or another."""
        if self.total is not None:
            return self.total
        return RUN_DEADLINE if long else CALL_DEADLINE


@dataclass(frozen=True, slots=True)
class Deadline:
    """When one request must be done (event-loop time), and its length in seconds."""

    when: float
    seconds: float

    @classmethod
    def start(cls, seconds: float) -> Deadline:
        return cls(asyncio.get_running_loop().time() + seconds, seconds)

    async def within(self, step: Awaitable[T], where: str, *, streaming: bool) -> T:
        """``step``, unless this deadline passes first (``RequestTimeoutError``, naming
        ``where``); an ``asyncio.timeout`` of its own around each step, never around a
        ``yield``, so a consumer's own code is never cancelled by it."""
        try:
            async with asyncio.timeout_at(self.when):
                return await step
        except TimeoutError:
            raise deadline_error(where, self.seconds, streaming=streaming) from None


def check_address(base_url: str) -> None:
    """Raise a one-line ``LangflowError`` if ``base_url`` cannot be a server address (httpx
    refuses it, or its port is out of range), before any request is tried."""
    fix = "Fix the server address (e.g. http://127.0.0.1:7860)."
    shown = show_url(base_url)
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise LangflowError(f"{shown!r} is not a usable server address ({exc})", fix) from None
    if url.scheme not in ("http", "https"):
        raise LangflowError(
            f"{shown!r} is not a usable server address: it must start with http:// or https://",
            fix,
        )
    if not url.host:
        raise LangflowError(f"{shown!r} is not a usable server address: it has no host", fix)
    if url.port is not None and not 0 < url.port <= 65535:
        raise LangflowError(
            f"{shown!r} is not a usable server address: port {url.port} is not between 1 "
            "and 65535",
            fix,
        )


def deadline_error(where: str, seconds: float, *, streaming: bool) -> RequestTimeoutError:
    """The request passed its deadline (``Timeouts.total``)."""
    what = f"The run on {where}" if streaming else f"The reply from {where}"
    return RequestTimeoutError(
        f"{what} did not finish within {seconds:g} s (lfdesk's time limit for one request)",
        phase="total",
    )


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
    secrets: Sequence[str],
    timeouts: Timeouts,
    *,
    streaming: bool = False,
    deadline: float | None = None,
) -> LangflowError:
    """An httpx (or socket/TLS) exception as a typed, readable error; logs the original
    (masked). ``base_url`` names the server in the message; ``secrets`` are masked (the
    token and any URL credentials); ``deadline`` is the request's, for a read timeout's
    message when ``timeouts.read`` is None."""
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]  # anyio's connect attempts come wrapped in a group
    error = _transport_error(exc, url, base_url, secrets, timeouts, streaming, deadline)
    return scrub_error(error, secrets)


def _transport_error(
    exc: BaseException,
    url: str,
    base_url: str,
    secrets: Sequence[str],
    timeouts: Timeouts,
    streaming: bool,
    deadline: float | None,
) -> LangflowError:
    where = show_url(base_url)
    text = scrub(str(exc), secrets) or type(exc).__name__
    log.debug("request to %s failed: %s: %s", show_url(url), type(exc).__name__, text)
    t = timeouts
    read = t.read if t.read is not None else (deadline or t.deadline(True))
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
            f"{where} did not answer within {read:g} s (read timeout)", phase="read"
        )
    if isinstance(exc, httpx.WriteTimeout):
        return RequestTimeoutError(
            f"Sending the request to {where} took over {read:g} s", phase="write"
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
    if isinstance(exc, UnicodeEncodeError):  # a header value outside ASCII
        return LangflowError(
            "The API key holds characters an HTTP header cannot carry",
            "An API key is plain ASCII text: copy it again from where it was made.",
        )
    if isinstance(exc, ValueError | OverflowError):
        return LangflowError(
            f"{show_url(url)} is not a usable address ({text})",
            "Fix the server address in the profile.",
        )
    return LangflowError(f"Request to {where} failed ({type(exc).__name__}: {text})")

