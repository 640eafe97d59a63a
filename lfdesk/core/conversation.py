"""One run's stream, understood once: the conversation model.

Every consumer of a run (the CLI printer, the chat pane, the history, compare and sweep
cells) feeds the run's events into a ``Conversation`` and reads the outcome from it, so no
two places can disagree about an answer. Nothing else interprets raw stream events.

The rules, from what Langflow 1.13 sends (``../shared/langflow-api.md``):
- ``add_message`` re-sends a message as it grows: messages are upserted by id, in arrival
  order. A partial message carries the first chunk *before* the token that carries the same
  chunk, so a message's text is whichever of the server's last snapshot and the streamed
  tokens extends the other; a complete message's own text always wins.
- The user's message is shown as soon as the run starts and the server's echo of it is
  adopted (same conversation key), never shown twice.
- A run whose stream carried no answer (a non-stream run, a v2 end event) takes its answer
  from the end result; v2's ``output`` events and the answer messages complete an end result
  that lacks text, usage or session.
- The same error told twice (the stream's error event, then the failure with its hint) is
  one error message, with the longer wording.

Each ``feed`` returns the ``Change``s it made, as appends wherever possible, so a renderer's
cost stays linear in the answer's length however many tokens it comes in.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from lfdesk.core.api.events import (
    EndEvent,
    ErrorEvent,
    MessageEvent,
    OtherEvent,
    RunResult,
    RunStats,
    StreamEvent,
    TokenEvent,
    Usage,
)

__all__ = [
    "Change",
    "Conversation",
    "Message",
    "Outcome",
    "RunStatus",
    "event_json",
    "format_stats",
]

Role = Literal["user", "ai", "error", "info"]
RunStatus = Literal["running", "ok", "error", "stopped"]

USER_KEY = "user"  # the conversation key of the run's own input message
END_KEY = "end"  # the key of an answer taken from the end result


@dataclass(frozen=True, slots=True)
class Change:
    """What one event did to one message, for a renderer.

    ``append`` is text to add after what was shown; when ``replace`` is not None the whole
    text is now ``replace`` (a rewrite, rare). ``new`` is set the first time a key appears.
    """

    key: str
    role: Role
    who: str
    append: str = ""
    replace: str | None = None
    complete: bool = False
    new: bool = False


class Message:
    """One message of the conversation as known so far."""

    __slots__ = (
        "_chunks",
        "_snapshot",
        "_source",
        "_streamed_len",
        "complete",
        "key",
        "role",
        "server_id",
        "session_id",
        "usage",
        "who",
    )

    def __init__(self, key: str, role: Role, who: str) -> None:
        self.key = key
        self.role: Role = role
        self.who = who
        self.server_id: str | None = None
        self.session_id: str | None = None
        self.usage: Usage | None = None
        self.complete = False
        self._snapshot = ""
        self._chunks: list[str] = []
        self._streamed_len = 0
        # Which of the two the shown text is: "snap" or "streamed" (always the whole of it).
        self._source: Literal["snap", "streamed"] = "snap"

    def __repr__(self) -> str:
        return f"<Message {self.key} {self.role} {len(self.text)} chars>"

    @property
    def streamed(self) -> str:
        if len(self._chunks) > 1:
            self._chunks = ["".join(self._chunks)]
        return self._chunks[0] if self._chunks else ""

    @property
    def text(self) -> str:
        """The text shown for this message now."""
        return self._snapshot if self._source == "snap" else self.streamed

    def _shown_len(self) -> int:
        return len(self._snapshot) if self._source == "snap" else self._streamed_len

    def _to(self, source: Literal["snap", "streamed"], before: str) -> tuple[str, str | None]:
        """Switch the shown text to ``source``; (append, replace) from ``before``."""
        self._source = source
        now = self.text
        if now.startswith(before):
            return now[len(before) :], None
        return "", now

    def add_tokens(self, chunk: str) -> tuple[str, str | None]:
        """Streamed text arrived; returns (append, replace) for what is shown."""
        if self.complete:
            self._chunks.append(chunk)
            self._streamed_len += len(chunk)
            return "", None
        if self._source == "streamed":
            # The common case, O(1): what is shown is exactly the streamed text.
            self._chunks.append(chunk)
            self._streamed_len += len(chunk)
            return chunk, None
        before = self._snapshot
        self._chunks.append(chunk)
        self._streamed_len += len(chunk)
        if self._streamed_len <= len(before):
            return "", None
        streamed = self.streamed
        if streamed.startswith(before) or not before.startswith(streamed):
            return self._to("streamed", before)
        return "", None

    def set_snapshot(self, text: str, complete: bool) -> tuple[str, str | None]:
        """The server's whole text of the message; returns (append, replace)."""
        if self.complete and not complete:
            return "", None  # a late partial: the complete text stands
        before = self.text if self._shown_len() else ""
        self._snapshot = text
        if complete:
            self.complete = True
            return self._to("snap", before)
        streamed = self.streamed
        if streamed.startswith(text):
            return self._to("streamed", before)
        if text.startswith(streamed) or len(text) >= len(streamed):
            return self._to("snap", before)
        return self._to("streamed", before)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a run ended, from its conversation: what the history records, what the CLI and
    the chat pane report. ``answer`` is the end result's text when the run finished, else
    what had arrived when it stopped or failed."""

    status: RunStatus
    answer: str
    error: str
    stats: RunStats
    result: RunResult | None
    session_id: str | None


@dataclass
class Conversation:
    """The messages of one run, fed its stream events in order.

    ``clock`` gives seconds (monotonic); the run starts when the conversation is made.
    """

    input_text: str | None = None
    clock: Callable[[], float] = time.perf_counter
    started: float = field(default=0.0)

    def __post_init__(self) -> None:
        if not self.started:
            self.started = self.clock()
        self._messages: dict[str, Message] = {}
        self._by_server_id: dict[str, str] = {}
        self._outputs: list[str] = []
        self._tokens = 0
        self._ttft: float | None = None
        self._ended: float | None = None
        self._errors: list[Message] = []
        self._local = 0
        self.result: RunResult | None = None
        self.status: RunStatus = "running"
        self.error = ""

    # --- reading ------------------------------------------------------------------------------

    @property
    def messages(self) -> list[Message]:
        """Every message, in arrival order."""
        return list(self._messages.values())

    def message(self, key: str) -> Message | None:
        return self._messages.get(key)

    def answers(self) -> list[Message]:
        return [m for m in self._messages.values() if m.role == "ai"]

    @property
    def answer(self) -> str:
        """The end result's text when the run finished, else the answer so far (each
        answer message's text, joined by a blank line)."""
        if self.result is not None:
            return self.result.text
        return "\n\n".join(t for t in (m.text for m in self.answers()) if t)

    @property
    def ttft(self) -> float | None:
        """Seconds to the first answer text (None before any, or for a run with no stream)."""
        return self._ttft

    @property
    def usage(self) -> Usage | None:
        if self.result is not None and self.result.usage is not None:
            return self.result.usage
        total: Usage | None = None
        for m in self.answers():
            if m.usage is not None:
                total = m.usage if total is None else total + m.usage
        return total

    @property
    def session_id(self) -> str | None:
        if self.result is not None and self.result.session_id:
            return self.result.session_id
        return next((m.session_id for m in self._messages.values() if m.session_id), None)

    def elapsed(self) -> float:
        end = self._ended if self._ended is not None else self.clock()
        return end - self.started

    def stats(self) -> RunStats:
        return RunStats(
            ttft=self._ttft, total=self.elapsed(), usage=self.usage, tokens=self._tokens
        )

    def outcome(self) -> Outcome:
        return Outcome(
            status=self.status,
            answer=self.answer,
            error=self.error,
            stats=self.stats(),
            result=self.result,
            session_id=self.session_id,
        )

    @classmethod
    def replay(cls, messages: list[MessageEvent]) -> list[Change]:
        """The changes that show stored messages (a past chat session read from the
        server), oldest first."""
        conv = cls()
        changes: list[Change] = []
        for message in messages:
            changes += conv.feed(message)
        return changes

    # --- feeding ------------------------------------------------------------------------------

    def begin(self) -> list[Change]:
        """The run starts: the user's own message is shown now (its echo is adopted)."""
        if self.input_text is None or USER_KEY in self._messages:
            return []
        msg = Message(USER_KEY, "user", "You")
        self._messages[USER_KEY] = msg
        msg.set_snapshot(self.input_text, True)
        return [Change(USER_KEY, "user", "You", replace=self.input_text, complete=True, new=True)]

    def feed(self, event: StreamEvent) -> list[Change]:
        """Take one event; return what it changed."""
        if isinstance(event, TokenEvent):
            return self._token(event)
        if isinstance(event, MessageEvent):
            return self._message(event)
        if isinstance(event, EndEvent):
            return self._end(event.result)
        if isinstance(event, ErrorEvent):
            return self.add_error(event.message)
        if (
            isinstance(event, OtherEvent)
            and event.name == "output"
            and isinstance(event.data, dict)
        ):
            content = event.data.get("content")
            if isinstance(content, str):
                self._outputs.append(content)
        return []

    def finish(self, result: RunResult) -> list[Change]:
        """A run that did not stream ended with ``result`` (the same as its end event)."""
        return self._end(result)

    def fail(self, message: str) -> list[Change]:
        """The run failed with this (readable, already masked) message."""
        self._close("error")
        self.error = message
        return self.add_error(message)

    def stop(self) -> list[Change]:
        """The user stopped the run: what came so far is kept."""
        if self.status == "running":
            self._close("stopped")
        return []

    def add_error(self, text: str) -> list[Change]:
        """An error in the conversation; told twice (one wording extends the other), once."""
        for msg in self._errors:
            shown = msg.text
            if text.startswith(shown) or shown.startswith(text):
                if len(text) <= len(shown):
                    return []
                msg.set_snapshot(text, True)
                return [Change(msg.key, "error", msg.who, replace=text, complete=True)]
        msg = self._add(self._new_key("error"), "error", "Error")
        msg.set_snapshot(text, True)
        self._errors.append(msg)
        return [Change(msg.key, "error", "Error", replace=text, complete=True, new=True)]

    # --- internals ----------------------------------------------------------------------------

    def _new_key(self, prefix: str) -> str:
        self._local += 1
        return f"{prefix}-{self._local}"

    def _add(self, key: str, role: Role, who: str) -> Message:
        msg = Message(key, role, who)
        self._messages[key] = msg
        return msg

    def _first_text(self) -> None:
        if self._ttft is None:
            self._ttft = self.clock() - self.started

    def _token(self, event: TokenEvent) -> list[Change]:
        if not event.chunk:
            return []
        self._tokens += 1
        self._first_text()
        key = self._by_server_id.get(event.message_id)
        new = key is None
        if key is None:
            key = event.message_id or self._new_key("ai")
            self._by_server_id[event.message_id] = key
            msg = self._add(key, "ai", "AI")
            msg.server_id = event.message_id
        else:
            msg = self._messages[key]
        append, replace = msg.add_tokens(event.chunk)
        if not new and not append and replace is None:
            return []
        return [Change(key, msg.role, msg.who, append, replace, msg.complete, new)]

    def _message(self, event: MessageEvent) -> list[Change]:
        complete = event.state != "partial"
        key = self._by_server_id.get(event.id) if event.id else None
        new = False
        if key is None:
            if (
                event.is_user
                and USER_KEY in self._messages
                and not any(k == USER_KEY for k in self._by_server_id.values())
            ):
                key = USER_KEY  # the server's echo of the input shown at begin()
            else:
                new = True
                key = event.id or self._new_key("msg")
                if key in self._messages:
                    key = self._new_key("msg")
                if event.is_error:
                    role: Role = "error"
                    who = f"Error · {event.sender_name}" if event.sender_name else "Error"
                elif event.is_user:
                    role, who = "user", event.sender_name or "You"
                else:
                    role, who = "ai", event.sender_name or event.sender or "AI"
                msg = self._add(key, role, who)
                if role == "error":
                    self._errors.append(msg)
            if event.id:
                self._by_server_id[event.id] = key
        msg = self._messages[key]
        msg.server_id = event.id or msg.server_id
        msg.session_id = event.session_id or msg.session_id
        if event.usage is not None:
            msg.usage = event.usage
        if msg.role == "ai" and event.text:
            self._first_text()
        append, replace = msg.set_snapshot(event.text, complete)
        if new and replace is None:
            replace, append = msg.text, ""
        if not new and not append and replace is None and not complete:
            return []
        return [Change(key, msg.role, msg.who, append, replace, msg.complete, new)]

    def _end(self, result: RunResult) -> list[Change]:
        result = self._complete(result)
        self.result = result
        self._close("ok")
        changes: list[Change] = []
        answers = self.answers()
        if not answers and result.text:
            msg = self._add(END_KEY, "ai", "AI")
            msg.set_snapshot(result.text, True)
            changes.append(
                Change(END_KEY, "ai", "AI", replace=result.text, complete=True, new=True)
            )
        for msg in answers:
            if not msg.complete:
                msg.complete = True
                changes.append(Change(msg.key, msg.role, msg.who, complete=True))
        return changes

    def _complete(self, r: RunResult) -> RunResult:
        """Fill what an end result lacks (v2 ends carry no answer) from what streamed."""
        text, texts, usage, session = r.text, r.texts, r.usage, r.session_id
        answers = [m for m in self.answers() if m.key != END_KEY]
        if not texts:
            if self._outputs:
                texts = list(self._outputs)
            elif answers:
                texts = [answers[-1].text]
            text = texts[0] if len(texts) == 1 else "\n\n".join(texts)
        if usage is None:
            for m in answers:
                if m.usage is not None:
                    usage = m.usage if usage is None else usage + m.usage
        if session is None:
            session = next((m.session_id for m in self._messages.values() if m.session_id), None)
        if (text, texts, usage, session) == (r.text, r.texts, r.usage, r.session_id):
            return r
        return RunResult(text, texts, session, usage, r.raw, r.status_code)

    def _close(self, status: RunStatus) -> None:
        self.status = status
        if self._ended is None:
            self._ended = self.clock()


class TerminalPrinter:
    """Turns a conversation's changes into the text a terminal prints: the answer messages'
    new text, each message on its own line; a rewrite that does not extend what was printed
    prints nothing more (a terminal cannot take text back)."""

    def __init__(self) -> None:
        self._printed: dict[str, int] = {}
        self._texts: dict[str, list[str]] = {}
        self._last: str | None = None
        self.printed_any = False

    def text_of(self, changes: list[Change]) -> str:
        out: list[str] = []
        for ch in changes:
            if ch.role != "ai":
                continue
            piece = self._piece(ch)
            if not piece:
                continue
            if self.printed_any and self._last != ch.key:
                piece = "\n" + piece
            self.printed_any = True
            self._last = ch.key
            out.append(piece)
        return "".join(out)

    def _piece(self, ch: Change) -> str:
        done = self._printed.get(ch.key, 0)
        if ch.replace is None:
            self._printed[ch.key] = done + len(ch.append)
            self._texts.setdefault(ch.key, []).append(ch.append)
            return ch.append
        parts = self._texts.get(ch.key, [])
        printed = "".join(parts)
        if not ch.replace.startswith(printed):
            return ""
        self._texts[ch.key] = [ch.replace]
        self._printed[ch.key] = len(ch.replace)
        return ch.replace[done:]


def format_stats(stats: RunStats, *, sep: str = " · ") -> str:
    """``first token 0.25 s · total 0.94 s · 5 in / 12 out tokens`` (the parts known): the one
    wording of a run's figures, for the chat pane, the CLI's last line and the history."""
    parts: list[str] = []
    if stats.ttft is not None:
        parts.append(f"first token {stats.ttft:.2f} s")
    parts.append(f"total {stats.total:.2f} s")
    usage = stats.usage
    if usage is not None and (usage.input_tokens is not None or usage.output_tokens is not None):
        inp = "?" if usage.input_tokens is None else str(usage.input_tokens)
        out = "?" if usage.output_tokens is None else str(usage.output_tokens)
        parts.append(f"{inp} in / {out} out tokens")
    elif stats.tokens:
        parts.append(f"{stats.tokens} chunks streamed")
    return sep.join(parts)


def event_json(event: StreamEvent) -> str:
    """One line of JSON for a raw event log (the wire form when the event kept it)."""
    payload: Any
    if isinstance(event, TokenEvent):
        payload = {"event": "token", "data": {"id": event.message_id, "chunk": event.chunk}}
    elif isinstance(event, MessageEvent):
        payload = {"event": "add_message", "data": event.raw}
    elif isinstance(event, EndEvent):
        payload = {"event": "end", "data": {"result": event.result.raw}}
    elif isinstance(event, ErrorEvent):
        payload = {"event": "error", "data": event.raw}
    else:
        payload = {"event": event.name, "data": event.data}
    try:
        return json.dumps(payload, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return json.dumps({"event": type(event).__name__, "data": repr(event)})
