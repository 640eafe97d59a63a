"""Follow a run's stream events as a conversation: messages upserted by id, tokens appended.

Used by `lfdesk run --stream` to print each new piece of answer text exactly once, whether
the model streams tokens or only sends whole messages (Langflow sends a partial message
with the first chunk before the first token carrying the same chunk).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lfdesk.core.api.events import (
    EndEvent,
    ErrorEvent,
    MessageEvent,
    StreamEvent,
    TokenEvent,
)


@dataclass
class Turn:
    """One message as known so far."""

    id: str
    sender: str
    text: str = ""
    complete: bool = False
    is_error: bool = False


@dataclass
class Transcript:
    """Messages of one run, in arrival order."""

    turns: dict[str, Turn] = field(default_factory=dict)
    printed: dict[str, str] = field(default_factory=dict)
    printed_any: bool = False
    last_id: str | None = None

    def feed(self, event: StreamEvent) -> str:
        """Take one event; return the answer text it adds (to print), possibly empty."""
        if isinstance(event, TokenEvent):
            turn = self.turns.setdefault(event.message_id, Turn(event.message_id, "Machine"))
            turn.text += event.chunk
            so_far = self.printed.get(event.message_id, "")
            return self._emit(event.message_id, so_far + event.chunk)
        if isinstance(event, MessageEvent):
            turn = self.turns.setdefault(event.id, Turn(event.id, event.sender))
            turn.sender = event.sender
            turn.is_error = event.is_error
            turn.complete = event.state != "partial"
            if len(event.text) >= len(turn.text) or turn.complete:
                turn.text = event.text
            if event.sender == "User" or not turn.complete:
                return ""
            return self._emit(event.id, event.text)
        if isinstance(event, EndEvent) and not self.printed_any and event.result.text:
            self.printed_any = True
            return event.result.text
        if isinstance(event, ErrorEvent):
            return ""
        return ""

    def _emit(self, message_id: str, full: str) -> str:
        done = self.printed.get(message_id, "")
        if not full.startswith(done):
            # The server rewrote the message (rare): print nothing new rather than repeat.
            self.printed[message_id] = full if len(full) > len(done) else done
            return ""
        delta = full[len(done) :]
        self.printed[message_id] = full
        if not delta:
            return ""
        if self.printed_any and self.last_id != message_id:
            delta = "\n" + delta  # a new message starts on its own line
        self.printed_any = True
        self.last_id = message_id
        return delta
