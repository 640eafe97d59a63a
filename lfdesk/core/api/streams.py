"""Incremental parsers for Langflow's two stream framings.

* ``NdjsonParser``: ``/api/v1/run?stream=true`` (Langflow >= 1.1.2). Despite the
  ``text/event-stream`` content type, each event is one JSON object on its own line,
  followed by a blank line; no ``data:`` prefix.
* ``SseParser``: real Server-Sent Events, from ``/api/v2/workflows`` (``data: {json}`` +
  ``id: N``) and the legacy ``/api/v1/build/{flow}/{vertex}/stream`` (``event: message`` +
  ``data: {"chunk": ...}``).

Both take bytes in chunks split anywhere (even inside a UTF-8 character): lines are found
with ``bytes.find`` and only complete lines are decoded, so parsing stays linear. A line
longer than ``max_line`` bytes is a ``ReplyTooLargeError`` (memory stays bounded whatever
the server sends), and an event nested deeper than ``jsontext.MAX_DEPTH`` a
``StreamProtocolError`` (never a ``RecursionError``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from lfdesk.core.api.body import Limits
from lfdesk.core.api.errors import (
    ReplyTooLargeError,
    StreamCutError,
    StreamProtocolError,
    excerpt_of,
    size_text,
)
from lfdesk.core.api.events import (
    EndEvent,
    ErrorEvent,
    MessageEvent,
    OtherEvent,
    RunResult,
    StreamEvent,
    TokenEvent,
    error_text,
)
from lfdesk.core.jsontext import MAX_DEPTH, JsonLimitError
from lfdesk.core.jsontext import loads as json_loads

__all__ = [
    "LegacyStreamParser",
    "NdjsonParser",
    "SseParser",
    "StreamParser",
    "find_stream_url",
    "to_event",
]

_BOM = b"\xef\xbb\xbf"
# The C scanner behind json.loads, called directly: json.loads spends most of its time on
# encoding detection and whitespace checks around it, which dominates for small events.
_decoder: Any = json.JSONDecoder()
_scan_once: Callable[[str, int], tuple[Any, int]] = _decoder.scan_once
_SCAN_FAILED = (StopIteration, ValueError, RecursionError)
MAX_LINE = Limits().stream_line
# A line shorter than this cannot nest MAX_DEPTH deep (each level takes two brackets).
_MAY_NEST = 2 * MAX_DEPTH


def _may_be_too_deep(text: str) -> bool:
    """Cheap (two ``str.count`` in C, only for long text): whether ``text`` has enough
    brackets to nest past ``MAX_DEPTH``; such text is decoded with the depth check."""
    return len(text) > _MAY_NEST and text.count("[") + text.count("{") > MAX_DEPTH


def to_event(obj: Any) -> StreamEvent:
    """One decoded ``{"event": name, "data": ...}`` object as a typed event.

    Legacy SSE payloads (``{"chunk": ...}`` under ``event: message``) come here wrapped as
    ``{"event": "message", "data": {...}}`` and become ``TokenEvent``s with no message id.
    A v2 ``end`` carries no answer: its ``EndEvent`` has an empty result, which the client
    fills in from the events before it.
    """
    if type(obj) is not dict:
        raise StreamProtocolError(
            "The stream held a JSON value that is not an event object",
            excerpt=excerpt_of(json.dumps(obj, default=str)),
        )
    name = obj.get("event")
    data = obj.get("data")
    if name == "token":
        if type(data) is dict:
            chunk = data.get("chunk")
            if type(chunk) is not str:
                chunk = "" if chunk is None else str(chunk)
            mid = data.get("id")
            if type(mid) is not str:
                mid = "" if mid is None else str(mid)
            return TokenEvent(mid, chunk)
    elif name == "add_message":
        if type(data) is dict:
            return MessageEvent.from_data(data)
    elif name == "end":
        result = data.get("result") if type(data) is dict else None
        if type(result) is dict:
            return EndEvent(RunResult.from_v1(result))
        return EndEvent(
            RunResult(
                text="",
                texts=[],
                session_id=None,
                usage=None,
                raw=data if type(data) is dict else {"data": data},
            )
        )
    elif name == "error":
        raw = data if type(data) is dict else {"error": data}
        return ErrorEvent(error_text(data), raw)
    elif name == "message" and type(data) is dict and "chunk" in data:
        chunk = data.get("chunk")
        return TokenEvent(str(data.get("id") or ""), chunk if type(chunk) is str else "")
    if not isinstance(name, str):
        name = "" if name is None else str(name)
    return OtherEvent(name, data)


class _LineBuffer:
    """Bytes in, complete decoded lines out.

    The complete part of the input (up to its last newline) is decoded in one go, so a UTF-8
    character split across chunks is never decoded half; the rest waits for the next chunk.
    Only the new bytes are searched for a newline, so feeding is linear in the input.
    """

    __slots__ = ("_buf", "_consumed", "_max", "_scan", "_started")

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self._max = max_line
        self._buf = bytearray()
        self._scan = 0  # bytes of _buf known to hold no newline
        self._consumed = 0  # bytes already returned as text (for error offsets)
        self._started = False

    def take(self, data: bytes) -> str:
        """Add ``data``; return the decoded complete lines (ending with a newline) or ""."""
        buf = self._buf
        if buf:
            buf += data
            chunk: bytes | bytearray = buf
            last = buf.rfind(b"\n", self._scan)
        else:
            chunk = data
            last = data.rfind(b"\n")
        if last < 0:
            if chunk is not buf:
                buf += chunk
            self._scan = len(buf)
            if len(buf) > self._max:
                self._buf = bytearray()
                limit = size_text(self._max)
                raise ReplyTooLargeError(
                    f"A line of the stream is longer than {limit}, lfdesk's limit for one "
                    "stream event; it stopped reading there",
                    limit="stream line",
                    size=self._max,
                )
            return ""
        cut = last + 1
        try:
            text = str(memoryview(chunk)[:cut], "utf-8")
        except UnicodeDecodeError as exc:
            bad = bytes(chunk[max(0, exc.start - 40) : exc.start + 40])
            offset = self._consumed + exc.start
            self._keep(chunk, cut)
            raise StreamProtocolError(
                f"The stream is not UTF-8 text near byte {offset}: {excerpt_of(bad)}",
                excerpt=excerpt_of(bad),
            ) from None
        self._keep(chunk, cut)
        if not self._started:
            self._started = True
            if text.startswith("\ufeff"):
                text = text[1:]
        return text

    def lines(self, data: bytes) -> tuple[str, list[str]]:
        """``take``, split: the decoded text and its complete lines (without newlines)."""
        text = self.take(data)
        if not text:
            return text, []
        parts = text.split("\n")
        parts.pop()  # the empty string after the final newline
        return text, parts

    def _keep(self, chunk: bytes | bytearray, cut: int) -> None:
        self._consumed += cut
        if chunk is self._buf:
            del self._buf[:cut]
        else:
            self._buf = bytearray(chunk[cut:])
        self._scan = len(self._buf)

    @property
    def consumed(self) -> int:
        return self._consumed

    def rest(self) -> str:
        """At end of input: the partial last line (decoded leniently), emptying the buffer."""
        raw = bytes(self._buf)
        self._buf = bytearray()
        self._scan = 0
        if not self._started and raw.startswith(_BOM):
            raw = raw[3:]
        return raw.decode("utf-8", "replace")


def _loads(text: str, what: str) -> Any:
    """``text`` as JSON. Nested too deep, it is a ``StreamProtocolError`` naming ``what``;
    any other ``ValueError`` is left to the caller to word."""
    try:
        return json_loads(text)
    except JsonLimitError as exc:
        raise StreamProtocolError(f"{what} is {exc}", excerpt=excerpt_of(text)) from None


class NdjsonParser:
    """v1 stream: one JSON event per line; blank lines, ``\\r\\n`` and a BOM are tolerated."""

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self._lines = _LineBuffer(max_line)

    def feed(self, data: bytes) -> list[StreamEvent]:
        """Add bytes; return the events whose lines are now complete."""
        text, parts = self._lines.lines(data)
        events: list[StreamEvent] = []
        scan = _scan_once
        append = events.append
        try:
            for line in parts:
                if not line:
                    continue
                try:
                    obj, stop = scan(line, 0)
                except _SCAN_FAILED:
                    obj, stop = None, -1
                if (stop != len(line) and (stop < 0 or not line[stop:].isspace())) or (
                    len(line) > _MAY_NEST and _may_be_too_deep(line)
                ):
                    obj = self._slow(line, text, events)
                    if obj is None:  # a blank line of spaces (or a lone \r)
                        continue
                append(to_event(obj))
        except StreamProtocolError as exc:
            exc.events_before = events
            raise
        return events

    def _slow(self, line: str, text: str, events: list[StreamEvent]) -> Any:
        """A line the fast scan refused (blank, indented, or broken: raises), or one with
        enough brackets to be nested too deep (decoded with the depth check)."""
        if not line.strip():
            return None
        try:
            return json_loads(line)
        except ValueError as exc:
            start = len(text[: text.find(line)].encode("utf-8"))
            where = self._lines.consumed - len(text.encode("utf-8")) + start
            message = (
                f"The stream event at byte {where} is {exc}"
                if isinstance(exc, JsonLimitError)
                else f"Not a Langflow stream event at byte {where}: {excerpt_of(line)}"
            )
            raise StreamProtocolError(
                message, excerpt=excerpt_of(line), events_before=events
            ) from None

    def close(self) -> list[StreamEvent]:
        """End of input: a last line without its newline is parsed; a partial object raises
        ``StreamCutError``."""
        rest = self._lines.rest().strip()
        if not rest:
            return []
        try:
            obj = _loads(rest, "The stream's last event")
        except ValueError:
            raise StreamCutError(f"The stream ended inside an event: {excerpt_of(rest)}") from None
        return [to_event(obj)]


class SseParser:
    """Server-Sent Events: ``data:`` (possibly several lines), ``event:``, ``id:``, comments.

    Each dispatched ``data`` must be JSON: a ``{"event", "data"}`` object (v2) or a legacy
    payload, which is wrapped with the SSE ``event`` name (default ``message``).
    ``last_event_id`` is the latest ``id:`` seen. Lines end with ``\\n`` or ``\\r\\n``.
    """

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self._lines = _LineBuffer(max_line)
        self._data: list[str] = []
        self._event = ""
        self.last_event_id: str | None = None

    def feed(self, data: bytes) -> list[StreamEvent]:
        """Add bytes; return the events whose blocks are now complete."""
        text, parts = self._lines.lines(data)
        events: list[StreamEvent] = []
        if "\r" in text:
            parts = [p[:-1] if p.endswith("\r") else p for p in parts]
        scan = _scan_once
        lines = self._data  # cleared in place, never replaced
        try:
            for line in parts:
                if not line:
                    if not lines:
                        self._event = ""
                    elif len(lines) == 1 and not self._event:
                        # Fast path for the usual v2 block: one data line holding an event.
                        payload = lines[0]
                        try:
                            obj, stop = scan(payload, 0)
                        except _SCAN_FAILED:
                            stop = -1
                        if (
                            stop == len(payload)
                            and type(obj) is dict
                            and "event" in obj
                            and not (len(payload) > _MAY_NEST and _may_be_too_deep(payload))
                        ):
                            lines.clear()
                            events.append(to_event(obj))
                        else:
                            events.append(self._dispatch())
                    else:
                        events.append(self._dispatch())
                elif line.startswith("data: "):
                    lines.append(line[6:])
                elif line.startswith("id: "):
                    if "\0" not in line:
                        self.last_event_id = line[4:]
                else:
                    self._line(line)
        except StreamProtocolError as exc:
            exc.events_before = events
            raise
        return events

    def _line(self, line: str) -> None:
        if line.startswith(":"):
            return  # a comment (keep-alive)
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self.last_event_id = value
        # "retry" and unknown fields are ignored, as the SSE spec says.

    def _dispatch(self) -> StreamEvent:
        lines = self._data
        payload = lines[0] if len(lines) == 1 else "\n".join(lines)
        event_name = self._event
        lines.clear()
        self._event = ""
        try:
            obj, stop = _scan_once(payload, 0)
        except _SCAN_FAILED:
            stop = -1
        if stop != len(payload) or _may_be_too_deep(payload):
            try:
                obj = _loads(payload, "An SSE event's data")
            except ValueError:
                raise StreamProtocolError(
                    f"An SSE event's data is not JSON: {excerpt_of(payload)}",
                    excerpt=excerpt_of(payload),
                ) from None
        if type(obj) is dict and "event" in obj:
            return to_event(obj)
        return to_event({"event": event_name or "message", "data": obj})

    def close(self) -> list[StreamEvent]:
        """End of input: a pending block without its blank line is still dispatched; one that
        is not complete JSON raises ``StreamCutError``."""
        rest = self._lines.rest()
        if rest.endswith("\r"):
            rest = rest[:-1]
        if rest:
            self._line(rest)
        if not self._data:
            return []
        try:
            return [self._dispatch()]
        except StreamProtocolError as exc:
            raise StreamCutError(f"The stream ended inside an event: {exc.excerpt}") from None


class LegacyStreamParser(SseParser):
    """A legacy build stream (``event: message`` + ``data: {"chunk": ...}``) as the tokens of
    one message, ``message_id``; ``text`` is what they spelled. A ``close`` event ends the
    stream: ``closed`` is then True, and nothing after it is handed out."""

    def __init__(self, message_id: str, max_line: int = MAX_LINE) -> None:
        super().__init__(max_line)
        self.message_id = message_id
        self.closed = False
        self._chunks: list[str] = []

    @property
    def text(self) -> str:
        return "".join(self._chunks)

    def feed(self, data: bytes) -> list[StreamEvent]:
        return self._relabel(super().feed(data))

    def close(self) -> list[StreamEvent]:
        return self._relabel(super().close())

    def _relabel(self, events: list[StreamEvent]) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        for ev in events:
            if self.closed:
                break
            if isinstance(ev, TokenEvent):
                self._chunks.append(ev.chunk)
                out.append(TokenEvent(self.message_id, ev.chunk))
            elif isinstance(ev, OtherEvent) and ev.name == "close":
                self.closed = True
            else:
                out.append(ev)
        return out


def find_stream_url(reply: dict[str, Any]) -> tuple[str, str | None, str | None] | None:
    """(stream path, component id, sender name) of the first output still streaming."""
    outputs = reply.get("outputs")
    for run_output in outputs if isinstance(outputs, list) else []:
        inner = run_output.get("outputs") if isinstance(run_output, dict) else None
        for rd in inner if isinstance(inner, list) else []:
            if not isinstance(rd, dict):
                continue
            component = rd.get("component_id")
            comp = component if isinstance(component, str) else None
            messages = rd.get("messages")
            for m in messages if isinstance(messages, list) else []:
                if isinstance(m, dict) and isinstance(m.get("stream_url"), str) and m["stream_url"]:
                    cid = m.get("component_id") if isinstance(m.get("component_id"), str) else comp
                    name = m.get("sender_name") if isinstance(m.get("sender_name"), str) else None
                    return m["stream_url"], cid, name
            artifacts = rd.get("artifacts")
            if isinstance(artifacts, dict) and isinstance(artifacts.get("stream_url"), str):
                name = artifacts.get("sender_name")
                return (
                    artifacts["stream_url"],
                    comp,
                    name if isinstance(name, str) else None,
                )
            loc = rd.get("outputs")
            if isinstance(loc, dict):
                msg = loc.get("message")
                inner_msg = msg.get("message") if isinstance(msg, dict) else None
                if isinstance(inner_msg, dict) and isinstance(inner_msg.get("location"), str):
                    return inner_msg["location"], comp, None
    return None


StreamParser = NdjsonParser | SseParser
