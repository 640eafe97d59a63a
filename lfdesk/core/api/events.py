"""What a run gives back: stream events, the final result, token usage and timings.

Consumers upsert ``MessageEvent`` by ``id`` (Langflow re-sends a message as it grows) and
append ``TokenEvent.chunk`` to the message named by ``message_id``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from lfdesk.core.api.errors import FlowBuildError, LangflowError, TweaksRefusedError
from lfdesk.core.redact import mask

__all__ = [
    "EndEvent",
    "ErrorEvent",
    "MessageEvent",
    "OtherEvent",
    "RunResult",
    "RunStats",
    "StreamEvent",
    "TokenEvent",
    "Usage",
    "error_text",
]


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts as the model reported them (any may be unknown)."""

    input_tokens: int | None
    output_tokens: int | None
    total_tokens: int | None

    @classmethod
    def from_dict(cls, data: Any) -> Usage | None:
        """From Langflow's ``usage`` / ``token_usage`` (OpenAI's names are accepted too)."""
        if not isinstance(data, dict):
            return None
        inp = _int(data.get("input_tokens", data.get("prompt_tokens")))
        out = _int(data.get("output_tokens", data.get("completion_tokens")))
        total = _int(data.get("total_tokens"))
        if total is None and inp is not None and out is not None:
            total = inp + out
        if inp is None and out is None and total is None:
            return None
        return cls(inp, out, total)

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            _add(self.input_tokens, other.input_tokens),
            _add(self.output_tokens, other.output_tokens),
            _add(self.total_tokens, other.total_tokens),
        )


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _add(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


@dataclass(frozen=True, slots=True)
class MessageEvent:
    """A chat message as stored by Langflow (``add_message``, or the monitor API)."""

    id: str
    sender: str
    sender_name: str
    text: str
    state: str
    session_id: str | None
    usage: Usage | None
    is_error: bool
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> MessageEvent:
        """From a Message dump (the ``data`` of an ``add_message`` event)."""
        props = data.get("properties")
        if not isinstance(props, dict):
            props = {}
        text = data.get("text")
        session = data.get("session_id")
        state = props.get("state")
        return cls(
            id=str(data.get("id") or ""),
            sender=str(data.get("sender") or ""),
            sender_name=str(data.get("sender_name") or ""),
            text=text if isinstance(text, str) else ("" if text is None else str(text)),
            state=state if isinstance(state, str) and state else "complete",
            session_id=session if isinstance(session, str) and session else None,
            usage=Usage.from_dict(props.get("usage")),
            is_error=data.get("error") is True or data.get("category") == "error",
            raw=data,
        )

    @property
    def is_user(self) -> bool:
        return self.sender == "User"


@dataclass(frozen=True, slots=True)
class TokenEvent:
    """A piece of streamed text for the message ``message_id`` (may be empty)."""

    message_id: str
    chunk: str


@dataclass(frozen=True, slots=True)
class RunResult:
    """The outcome of a run: the answer ``text`` (all answers joined by a blank line when
    the flow has several outputs, each in ``texts``), session, usage and the raw reply."""

    text: str
    texts: list[str]
    session_id: str | None
    usage: Usage | None
    raw: dict[str, Any] = field(repr=False)
    status_code: int = 200

    @classmethod
    def from_v1(cls, reply: dict[str, Any], status_code: int = 200) -> RunResult:
        """From a ``/api/v1/run`` reply (or the ``result`` of a stream's ``end`` event)."""
        texts: list[str] = []
        usages: list[Usage] = []
        outputs = reply.get("outputs")
        for run_output in outputs if isinstance(outputs, list) else []:
            if not isinstance(run_output, dict):
                continue
            inner = run_output.get("outputs")
            for result_data in inner if isinstance(inner, list) else []:
                if not isinstance(result_data, dict):
                    continue  # vertices never built come back as null
                text = _v1_text(result_data)
                if text is not None:
                    texts.append(text)
                usage = _v1_usage(result_data)
                if usage is not None:
                    usages.append(usage)
        total: Usage | None = None
        for u in usages:
            total = u if total is None else total + u
        session = reply.get("session_id")
        return cls(
            text=_join(texts),
            texts=texts,
            session_id=session if isinstance(session, str) and session else None,
            usage=total,
            raw=reply,
            status_code=status_code,
        )

    @classmethod
    def from_v2(
        cls, reply: dict[str, Any], status_code: int = 200, flow_ref: str | None = None
    ) -> RunResult:
        """From a ``/api/v2/workflows`` sync reply; a failed run raises its typed error."""
        if reply.get("status") == "failed" or (reply.get("has_errors") and reply.get("errors")):
            raise v2_error(reply, flow_ref)
        texts: list[str] = []
        outs = reply.get("outputs")
        if isinstance(outs, dict):
            for out in outs.values():
                if isinstance(out, dict) and isinstance(out.get("content"), str):
                    texts.append(out["content"])
        output = reply.get("output")
        text: str | None = None
        if isinstance(output, dict) and isinstance(output.get("text"), str):
            text = output["text"]
        if text is None:
            text = _join(texts)
        elif not texts:
            texts = [text]
        session = reply.get("session_id")
        return cls(
            text=text,
            texts=texts,
            session_id=session if isinstance(session, str) and session else None,
            usage=_v2_usage(reply),
            raw=reply,
            status_code=status_code,
        )


def v2_error(reply: dict[str, Any], flow_ref: str | None = None) -> LangflowError:
    """The typed error for a v2 reply with ``status: failed``."""
    errors = reply.get("errors")
    first: dict[str, Any] = {}
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
    message = first.get("error") or first.get("message") or "the run failed"
    if not isinstance(message, str):
        message = json.dumps(message, default=str)
    code = str(first.get("code") or "")
    details = first.get("details")
    where = f"flow {flow_ref!r}" if flow_ref else "The flow"
    if "TWEAK" in code.upper():
        fields: list[str] = []
        if isinstance(details, dict) and isinstance(details.get("fields"), list):
            fields = [str(f) for f in details["fields"]]
        return TweaksRefusedError(
            f"The server refused tweaks on {', '.join(fields) or 'some fields'}: {message}",
            fields=fields,
            status_code=200,
            detail=errors,
        )
    suggestion = details.get("suggestion") if isinstance(details, dict) else None
    return FlowBuildError(
        f"{where[0].upper()}{where[1:]} failed: {message}",
        suggestion=suggestion if isinstance(suggestion, str) and suggestion else None,
        status_code=200,
        detail=errors,
    )


def _join(texts: list[str]) -> str:
    return texts[0] if len(texts) == 1 else "\n\n".join(texts)


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _v1_text(rd: dict[str, Any]) -> str | None:
    """The answer text of one ResultData, in the order of langflow-api.md §1.4."""
    results = rd.get("results")
    candidates: list[Any] = []
    if isinstance(results, dict):
        message = results.get("message")
        if isinstance(message, str):
            candidates.append(message)
        candidates += [
            _get(message, "text"),
            _get(message, "data", "text"),
            _get(results, "text", "text"),
            _get(results, "text", "data", "text"),
        ]
    candidates.append(_get(rd, "outputs", "message", "message"))
    candidates.append(_get(rd, "outputs", "text", "message"))
    messages = rd.get("messages")
    if isinstance(messages, list) and messages:
        candidates.append(_get(messages[0], "message"))
    candidates.append(_get(rd, "artifacts", "message"))
    for c in candidates:
        if isinstance(c, str):
            return c
    return None


def _v1_usage(rd: dict[str, Any]) -> Usage | None:
    results = rd.get("results")
    for path in (("message", "data", "properties", "usage"), ("message", "properties", "usage")):
        u = Usage.from_dict(_get(results, *path))
        if u is not None:
            return u
    return Usage.from_dict(rd.get("token_usage"))


def _v2_usage(reply: dict[str, Any]) -> Usage | None:
    outs = reply.get("outputs")
    if isinstance(outs, dict):
        for out in outs.values():
            u = Usage.from_dict(_get(out, "metadata", "usage")) or Usage.from_dict(
                _get(out, "metadata", "token_usage")
            )
            if u is not None:
                return u
    return None


@dataclass(frozen=True, slots=True)
class EndEvent:
    """The run finished; ``result`` holds the answer (v2 streams: filled in by the client)."""

    result: RunResult


@dataclass(frozen=True, slots=True)
class ErrorEvent:
    """The server reported an error inside the stream."""

    message: str
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True, slots=True)
class OtherEvent:
    """Any other event (build_start, vertices_sorted, output, end_vertex, log, ...)."""

    name: str
    data: Any = field(repr=False)


StreamEvent = MessageEvent | TokenEvent | EndEvent | ErrorEvent | OtherEvent


@dataclass(frozen=True, slots=True)
class RunStats:
    """Timings of one run in seconds: ``ttft`` (to first token; None if no text came before
    the end, or the run did not stream), ``total``; ``tokens`` counts non-empty TokenEvents."""

    ttft: float | None
    total: float
    usage: Usage | None
    tokens: int


def error_text(data: Any) -> str:
    """The human message of an ``error`` event: ``{"error": "..."}``, or an error Message
    (Langflow 1.13 sends a whole Message dump, ``category: "error"``), named by component.
    Data shown as JSON is masked before it is cut, so a cut never shows a token's head."""
    if isinstance(data, str):
        return data.strip()
    if not isinstance(data, dict):
        return mask(json.dumps(data, default=str))[:300]
    err = data.get("error")
    if isinstance(err, str) and err.strip():
        return err.strip()
    component: str | None = None
    reason: str | None = None
    blocks = data.get("content_blocks")
    for block in blocks if isinstance(blocks, list) else []:
        contents = block.get("contents") if isinstance(block, dict) else None
        for content in contents if isinstance(contents, list) else []:
            if isinstance(content, dict):
                if component is None and isinstance(content.get("component"), str):
                    component = content["component"]
                if reason is None and isinstance(content.get("reason"), str):
                    reason = content["reason"]
    if component is None:
        source = _get(data, "properties", "source", "display_name")
        component = source if isinstance(source, str) and source else None
    text = data.get("text")
    message = text.strip() if isinstance(text, str) and text.strip() else None
    if message is None and reason:
        message = reason.replace("*", "").strip()
    if message is None:
        plain = data.get("message")
        message = plain.strip() if isinstance(plain, str) and plain.strip() else None
    if message is None:
        return mask(json.dumps(data, default=str))[:300]
    if component and not message.startswith(component):
        return f"{component}: {message}"
    return message
