"""Reading a reply within limits: how much lfdesk reads and decompresses.

A broken or hostile server must not make lfdesk hold gigabytes: a small gzip body that
expands to gigabytes, a stream line that never ends, a huge error page. So a body is read
raw and decompressed here, at most ``PIECE`` bytes per step whatever the compression ratio
(httpx would hand out all a chunk expands to at once), and counted against ``Limits``, which
are far above anything a real Langflow sends. (How long a request may take is the client's
deadline, ``Timeouts.total``.)
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import AsyncGenerator, Iterable, Iterator
from dataclasses import dataclass
from typing import cast

import httpx

from lfdesk.core.api.errors import LangflowError, ReplyTooLargeError, size_text

__all__ = [
    "ACCEPT_ENCODING",
    "PIECE",
    "Decoder",
    "Limits",
    "Reply",
    "UnsupportedEncodingError",
    "compressed",
    "decoded",
    "read_reply",
]

MB = 1024 * 1024
PIECE = 64 * 1024
# What lfdesk can undo itself (so it can cap it); a server sending anything else is refused.
ACCEPT_ENCODING = "gzip, deflate"


@dataclass(frozen=True, slots=True)
class Limits:
    """Bytes lfdesk reads, counted after decompression: a whole ``reply`` (flow list, flow,
    run reply, upload answer, stored messages); the first ``error_body`` bytes of an error
    reply (the rest is never read: a message shows a few dozen characters of it); one
    ``stream_line`` (one event of a stream); a whole ``stream`` (one run's events)."""

    reply: int = 32 * MB
    error_body: int = 256 * 1024
    stream_line: int = 4 * MB
    stream: int = 256 * MB


@dataclass(frozen=True, slots=True)
class Reply:
    """A whole reply, read within the limits. ``cut``: the body was longer than ``content``
    (an error reply, read only up to ``Limits.error_body``)."""

    status_code: int
    headers: httpx.Headers
    content: bytes
    method: str
    url: str
    cut: bool = False


class _Inflater:
    """One gzip or deflate layer, undone ``PIECE`` bytes at a time."""

    def __init__(self, name: str) -> None:
        self.gzip = name in ("gzip", "x-gzip")
        self._raw = False  # deflate sent without its zlib header (some servers do)
        self._started = False
        self._d = self._new()

    def _new(self) -> zlib._Decompress:
        if self.gzip:
            return zlib.decompressobj(zlib.MAX_WBITS | 16)
        return zlib.decompressobj(-zlib.MAX_WBITS if self._raw else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        while True:
            d = self._d
            if d.eof and data:
                if not self.gzip:
                    return  # bytes after the end of a deflate stream are ignored
                d = self._d = self._new()  # the next member of a multi-member gzip
            try:
                out = d.decompress(data, PIECE)
            except zlib.error:
                if self.gzip or self._started or self._raw:
                    raise
                self._raw = True
                self._d = self._new()
                continue
            if out:
                self._started = True
                yield out
            if d.eof:
                data = d.unused_data
                if not data:
                    return
                continue
            data = d.unconsumed_tail
            if not data and len(out) < PIECE:
                return  # all input used and nothing left inside zlib

    def end(self) -> Iterator[bytes]:
        out = self._d.flush()  # small: feed drained everything zlib could give
        if out:
            yield out


class UnsupportedEncodingError(LangflowError):
    """The reply uses a Content-Encoding lfdesk does not undo (it asks for gzip/deflate)."""


class Decoder:
    """Undoes a reply's ``Content-Encoding`` (gzip, deflate, identity, stacked too): ``feed``
    and ``close`` yield pieces of at most ``PIECE`` bytes (identity passes chunks through)."""

    def __init__(self, content_encoding: str) -> None:
        names = [n.strip().lower() for n in content_encoding.split(",")]
        names = [n for n in names if n and n != "identity"]
        for name in names:
            if name not in ("gzip", "x-gzip", "deflate"):
                raise UnsupportedEncodingError(
                    f"The reply uses the {name!r} content encoding, which lfdesk did not ask "
                    "for and does not read"
                )
        self._stages = [_Inflater(n) for n in reversed(names)]  # the last applied comes off first
        self.compressed = bool(names)

    def feed(self, data: bytes) -> Iterator[bytes]:
        return self._through((data,) if data else (), final=False)

    def close(self) -> Iterator[bytes]:
        return self._through((), final=True)

    def _through(self, pieces: Iterable[bytes], *, final: bool) -> Iterator[bytes]:
        for stage in self._stages:
            pieces = _run(stage, pieces, final)
        return iter(pieces)


def _run(stage: _Inflater, pieces: Iterable[bytes], final: bool) -> Iterator[bytes]:
    for piece in pieces:
        yield from stage.feed(piece)
    if final:
        yield from stage.end()


def compressed(headers: httpx.Headers) -> bool:
    """Whether the reply says it is compressed (any Content-Encoding but identity)."""
    names = (n.strip().lower() for n in headers.get("content-encoding", "").split(","))
    return any(n and n != "identity" for n in names)


async def decoded(resp: httpx.Response) -> AsyncGenerator[bytes, None]:
    """The body of a streamed response, decompressed ``PIECE`` bytes at a time (raises
    ``LangflowError`` for broken compressed data). Close it (``contextlib.aclosing``)."""
    if resp.is_stream_consumed:
        # A response made from bytes (httpx.MockTransport, in tests) comes read and decoded.
        content = resp.content
        for start in range(0, len(content), PIECE):
            yield content[start : start + PIECE]
        return
    decoder = Decoder(resp.headers.get("content-encoding", ""))
    raw = cast(AsyncGenerator[bytes, None], resp.aiter_raw())
    try:
        async for chunk in raw:
            for piece in _checked(decoder.feed(chunk)):
                yield piece
        for piece in _checked(decoder.close()):
            yield piece
    finally:
        # Closed here: left to the garbage collector, httpx's iterator would be finalised
        # outside the event loop (a GUI loop may run no asyncgen hooks).
        await raw.aclose()


def _checked(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """``pieces``, one at a time, with a zlib failure as one readable error."""
    try:
        yield from pieces
    except zlib.error as exc:
        raise LangflowError(
            f"The reply's compressed data is broken ({exc})",
            "The server or a proxy sent a damaged reply; try again.",
        ) from None


async def read_reply(resp: httpx.Response, limit: int, what: str, *, cut: bool) -> Reply:
    """Read ``resp``'s whole body, decompressed, up to ``limit`` bytes. Past the limit:
    ``cut`` keeps the first ``limit`` bytes (``Reply.cut``); otherwise ``ReplyTooLargeError``
    names the limit (``what`` says whose reply it is: "The flow list from http://...")."""
    declared = resp.headers.get("content-length", "")
    packed = compressed(resp.headers)
    if not cut and declared.isdigit() and not packed and int(declared) > limit:
        raise _too_large(what, limit, packed)
    buf = bytearray()
    was_cut = False
    async with contextlib.aclosing(decoded(resp)) as pieces:
        async for piece in pieces:
            room = limit - len(buf)
            if len(piece) > room:
                if not cut:
                    raise _too_large(what, limit, packed)
                buf += piece[:room]
                was_cut = True
                break
            buf += piece
    content = bytes(buf)
    del buf
    return Reply(
        status_code=resp.status_code,
        headers=resp.headers,
        content=content,
        method=resp.request.method,
        url=str(resp.request.url),
        cut=was_cut,
    )


def _too_large(what: str, limit: int, compressed: bool) -> ReplyTooLargeError:
    how = " once decompressed" if compressed else ""
    return ReplyTooLargeError(
        f"{what} is larger than {size_text(limit)}{how}, lfdesk's limit for a reply; it "
        "stopped reading there",
        limit="reply",
        size=limit,
    )
