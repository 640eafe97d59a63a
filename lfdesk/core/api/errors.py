"""Typed errors for everything that can go wrong talking to Langflow.

Each error has a one-line ``message`` a person can act on and a ``hint`` saying what to do.
``error_from_response`` turns a Langflow error reply (status + body) into the right type; the
client maps transport failures (refused, TLS, timeouts) itself. No message ever holds a token:
anything shaped like a Langflow or Astra key is masked before it is stored.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, Concatenate, Generic, Literal, ParamSpec, Protocol, TypeVar
from urllib.parse import quote, unquote, urlsplit

from lfdesk.core.jsontext import loads as json_loads
from lfdesk.core.redact import REDACTED, mask

__all__ = [
    "TRANSPORT_ERRORS",
    "AuthError",
    "FlowBuildError",
    "FlowNotFoundError",
    "HTTPStatusError",
    "InputConflictError",
    "LangflowError",
    "ReplyTooLargeError",
    "RequestTimeoutError",
    "ServerUnreachableError",
    "StreamCutError",
    "StreamError",
    "StreamProtocolError",
    "StreamStalledError",
    "TLSError",
    "TweaksRefusedError",
    "ValidationError",
    "error_from_response",
]

MAX_MESSAGE = 400


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """Collapse whitespace (server messages carry blank lines) and cap the length."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat


class LangflowError(Exception):
    """Base of every lfdesk API error: ``message`` (what happened), ``hint`` (what to do)."""

    default_hint = ""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        status_code: int | None = None,
        detail: Any = None,
    ) -> None:
        # Masked before the cut too, so a cut never leaves the head of a token showing.
        self.message = mask(one_line(mask(message)))
        self.hint = mask(hint if hint is not None else self.default_hint)
        self.status_code = status_code
        self.detail = detail
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def describe(self) -> str:
        """Message and hint together, for a CLI or a dialog."""
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class ServerUnreachableError(LangflowError):
    """Nothing answers at that address: connection refused, unknown host, no route."""

    default_hint = "Check the server address in the profile and that Langflow is running."


class TLSError(LangflowError):
    """The TLS handshake failed, usually an untrusted or mismatched certificate."""

    default_hint = (
        "If the server uses a private or self-signed certificate, set the profile's CA bundle "
        "to the file holding its CA certificate."
    )


TimeoutPhase = Literal["connect", "read", "write", "pool", "total"]


class RequestTimeoutError(LangflowError):
    """A timeout; ``phase`` says which: ``connect``, ``read`` (no byte of a whole reply for
    too long), ``write``, ``pool``, or ``total`` (the request's deadline passed)."""

    def __init__(self, message: str, hint: str | None = None, *, phase: TimeoutPhase) -> None:
        self.phase: TimeoutPhase = phase
        if hint is None:
            if phase == "connect":
                hint = (
                    "The server did not accept the connection in time: check the address "
                    "and any firewall or proxy."
                )
            elif phase == "total":
                hint = (
                    "If the flow really runs this long, raise the time limit (lfdesk "
                    "--timeout SECONDS, or the connection's Timeout in the app)."
                )
            else:
                hint = (
                    "The server took too long to answer: a slow flow may need a longer "
                    "time limit, or run it with streaming."
                )
        super().__init__(message, hint)


# What the transport raises when no server answered in time (as opposed to one that answered
# with an error): there is no reply to learn anything from.
TRANSPORT_ERRORS: tuple[type[LangflowError], ...] = (
    ServerUnreachableError,
    TLSError,
    RequestTimeoutError,
)


AuthReason = Literal["missing", "invalid"]


class AuthError(LangflowError):
    """The server refused the credentials; ``reason`` is "missing" or "invalid"."""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        reason: AuthReason,
        status_code: int | None = None,
        detail: Any = None,
    ) -> None:
        self.reason: AuthReason = reason
        if hint is None:
            hint = (
                "Save an API key for this profile (Langflow: Settings > Langflow API Keys)."
                if reason == "missing"
                else "The API key was refused: it may be mistyped, expired or deleted; "
                "create a new one and save it in the profile."
            )
        super().__init__(message, hint, status_code=status_code, detail=detail)


class FlowNotFoundError(LangflowError):
    """No flow with that id or endpoint name among the caller's flows."""

    default_hint = (
        "Check the flow id or endpoint name; Langflow only finds flows owned by the "
        "API key's user (list them with the server flows view)."
    )

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        flow_ref: str | None = None,
        status_code: int | None = 404,
        detail: Any = None,
    ) -> None:
        self.flow_ref = flow_ref
        super().__init__(message, hint, status_code=status_code, detail=detail)


F = TypeVar("F")  # how a 422 names a field


class _FieldsError(LangflowError, Generic[F]):
    """A 422 naming fields of the request (``fields``)."""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        fields: Sequence[F] = (),
        status_code: int | None = 422,
        detail: Any = None,
    ) -> None:
        self.fields: tuple[F, ...] = tuple(fields)
        super().__init__(message, hint, status_code=status_code, detail=detail)


class TweaksRefusedError(_FieldsError[str]):
    """422 TWEAKS_REFUSED: the server protects these fields from tweaks (``fields``)."""

    default_hint = "Remove the tweaks on these fields; code fields always keep the flow's value."


class ValidationError(_FieldsError[tuple[str, str]]):
    """Another 422: the request body did not validate; ``fields`` are (location, message)."""

    default_hint = "Fix the named fields of the request; the server did not run the flow."


class InputConflictError(LangflowError):
    """400: an input_value both in the body and as a tweak of the chat/text input."""

    default_hint = (
        "Send the message either as the input value or as the input component's "
        "input_value tweak, not both."
    )


class FlowBuildError(LangflowError):
    """500: the flow failed to build or run; ``suggestion`` is Langflow's own advice."""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        suggestion: str | None = None,
        status_code: int | None = 500,
        detail: Any = None,
    ) -> None:
        self.suggestion = suggestion
        if hint is None:
            hint = suggestion or (
                "Open the flow in Langflow and check the named component's settings."
            )
            if "LANGFLOW_SSRF_ALLOWED_HOSTS" in message:
                hint = (
                    "Start Langflow with LANGFLOW_SSRF_ALLOWED_HOSTS listing the host the "
                    "component calls."
                )
        super().__init__(message, hint, status_code=status_code, detail=detail)


class StreamError(LangflowError):
    """The server sent an ``error`` event in the stream; ``raw`` is its data."""

    default_hint = "The flow failed while running; the message names the component."

    def __init__(self, message: str, hint: str | None = None, *, raw: Any = None) -> None:
        self.raw = raw
        if hint is None and message.startswith("Refused tweak"):
            # With ?stream=true Langflow 1.13 reports refused tweaks in the stream (HTTP 200),
            # not as the 422 a non-stream run gets.
            hint = TweaksRefusedError.default_hint
        super().__init__(message, hint, detail=raw)


class StreamCutError(LangflowError):
    """The stream ended before its ``end`` event (connection lost or server stopped)."""

    default_hint = "The connection dropped or the server stopped: run the flow again."


class StreamStalledError(LangflowError):
    """No bytes arrived for ``seconds`` while a stream was open."""

    def __init__(self, message: str, hint: str | None = None, *, seconds: float) -> None:
        self.seconds = seconds
        if hint is None:
            hint = (
                "The server went quiet: the model may be stuck. If the flow has long silent "
                "steps, raise the stall timeout (lfdesk run --stall-timeout SECONDS, or the "
                "connection's Timeout in the app)."
            )
        super().__init__(message, hint)


class StreamProtocolError(LangflowError):
    """The stream held something that is not a Langflow event; ``excerpt`` shows it."""

    default_hint = "Is this address a Langflow server (and not a proxy error page)?"

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        excerpt: str = "",
        events_before: Sequence[Any] = (),
    ) -> None:
        self.excerpt = mask(excerpt)
        # Events parsed from the same chunk before the bad line, so none is lost.
        self.events_before: list[Any] = list(events_before)
        super().__init__(message, hint)


class HTTPStatusError(LangflowError):
    """Any other HTTP error: ``status_code`` and the server's ``detail``."""


class ReplyTooLargeError(LangflowError):
    """A reply, a stream or one line of a stream passed the size lfdesk reads (a real
    Langflow never comes near it); ``limit`` names which limit, ``size`` is its bytes."""

    default_hint = "The server sent far more than any Langflow reply: is it really Langflow?"

    def __init__(
        self, message: str, hint: str | None = None, *, limit: str, size: int
    ) -> None:
        self.limit = limit
        self.size = size
        super().__init__(message, hint)


def size_text(n: int) -> str:
    """``32 MB``, ``256 kB``, ``12 bytes``: a limit in a message."""
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} kB"
    return f"{n} bytes"


def excerpt_of(data: bytes | bytearray | str, limit: int = 80) -> str:
    """A short printable excerpt of raw bytes for an error message (masked before it is cut,
    so a cut never shows the head of a token)."""
    if isinstance(data, bytes | bytearray):
        data = bytes(data[: limit * 8]).decode("utf-8", "replace")
    text = mask(data[: limit * 8].strip())
    if len(text) > limit:
        text = text[:limit] + "…"
    return text.encode("unicode_escape").decode("ascii")


def secret_forms(token: str | None, base_url: str) -> tuple[str, ...]:
    """The token and any credentials in ``base_url``, in every shape a server may echo them:
    as sent, JSON-escaped, percent-encoded, unicode-escaped (as error excerpts show text),
    and the credentials as the Basic auth value httpx sends for them."""
    found: list[str] = [token] if token else []
    try:
        parts = urlsplit(base_url)
        user, password = parts.username, parts.password
    except ValueError:
        user = password = None
    if password:
        pair = f"{unquote(user or '')}:{unquote(password)}"
        found += [password, unquote(password), pair, f"{user}:{password}"]
        found.append(base64.b64encode(pair.encode("utf-8", "surrogatepass")).decode("ascii"))
    elif user:  # a token given as the URL's user name (https://TOKEN@host)
        found += [user, unquote(user)]
    forms: set[str] = set()
    for text in found:
        forms.update(
            (
                text,
                json.dumps(text)[1:-1],
                json.dumps(text, ensure_ascii=False)[1:-1],
                quote(text, safe=""),
                text.encode("unicode_escape").decode("ascii"),
            )
        )
    return tuple(sorted(f for f in forms if f))


def scrub(text: str, secrets: Sequence[str]) -> str:
    """``text`` with each of ``secrets`` masked (then everything ``mask`` masks).

    A secret shorter than 8 characters is masked only where it stands alone (not inside a
    longer word), so a short token cannot turn every message into stars."""
    for s in sorted({s for s in secrets if s}, key=len, reverse=True):
        if len(s) >= 8:
            text = text.replace(s, REDACTED)
        elif s in text:
            text = re.sub(rf"(?<![\w\-]){re.escape(s)}(?![\w\-])", REDACTED, text)
    return mask(text)


def scrub_data(value: Any, secrets: Sequence[str]) -> Any:
    """A JSON value with every string in it (keys too) scrubbed; nesting is bounded by the
    reader (``jsontext.MAX_DEPTH``), so the recursion is too."""
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, dict):
        return {scrub(str(k), secrets): scrub_data(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_data(v, secrets) for v in value]
    return value


def scrub_error(err: LangflowError, secrets: Sequence[str]) -> LangflowError:
    """``err`` with ``secrets`` masked in its message and hint (in place; returned)."""
    if secrets:
        err.message = scrub(err.message, secrets)
        err.hint = scrub(err.hint, secrets)
        err.args = (err.message,)
    return err


class _HoldsSecrets(Protocol):
    @property
    def _secrets(self) -> Sequence[str]: ...


S = TypeVar("S", bound=_HoldsSecrets)
P = ParamSpec("P")
R = TypeVar("R")


def scrubbed(
    method: Callable[Concatenate[S, P], Awaitable[R]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
    """A client's call whose errors leave with the client's secrets (``_secrets``) masked."""

    async def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await method(self, *args, **kwargs)
        except LangflowError as exc:
            scrub_error(exc, self._secrets)
            raise

    functools.update_wrapper(wrapper, method)
    return wrapper


def _parse_body(body: bytes | bytearray | str | Any) -> Any:
    if isinstance(body, bytes | bytearray):
        body = bytes(body).decode("utf-8", "replace")
    if isinstance(body, str):
        try:
            return json_loads(body)
        except ValueError:  # not JSON, or nested too deep (jsontext.JsonLimitError)
            return body
    return body


def _detail_text(detail: Any) -> str:
    if detail is None:
        return ""
    if isinstance(detail, str):
        return detail
    if isinstance(detail, dict):
        for key in ("message", "error", "detail", "msg"):
            value = detail.get(key)
            if isinstance(value, str) and value:
                return value
    return json.dumps(detail, ensure_ascii=False, default=str)


def _ref(flow_ref: str | None) -> str:
    return f"flow {flow_ref!r}" if flow_ref else "the flow"


def _no_flow(flow_ref: str | None) -> str:
    return f"Langflow has no flow {flow_ref!r}" if flow_ref else "Langflow has no such flow"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


_STATUS_WORDS = {
    400: "bad request",
    401: "unauthorized",
    403: "forbidden",
    404: "not found",
    405: "method not allowed",
    408: "request timeout",
    409: "conflict",
    413: "payload too large",
    429: "too many requests",
    500: "internal server error",
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timeout",
}


def error_from_response(
    status: int,
    body: bytes | bytearray | str | Any,
    flow_ref: str | None,
    *,
    secret: str | Sequence[str] | None = None,
    token_sent: bool | None = None,
    retry_after: str | None = None,
    cut_at: int | None = None,
) -> LangflowError:
    """The typed error for a Langflow error reply.

    ``body`` is the raw reply (bytes or text) or its decoded JSON. ``flow_ref`` names the flow
    in messages. ``secret`` (the token sent, or every form of it) is masked wherever it
    appears, before anything is cut. ``token_sent`` (when known) tells a 401 with no key
    apart from a refused key. ``cut_at``: the body was longer and only its first ``cut_at``
    bytes were read; the message says so.
    """
    secrets = [secret] if isinstance(secret, str) else list(secret or ())
    parsed = _parse_body(body)
    if secrets:
        parsed = scrub_data(parsed, secrets)
    err = _error_from_response(status, parsed, flow_ref, token_sent, retry_after)
    scrub_error(err, secrets)
    if cut_at is not None:
        note = f"(only the first {size_text(cut_at)} of the reply were read)"
        err.message = one_line(err.message, MAX_MESSAGE - len(note) - 1) + " " + note
        err.args = (err.message,)
    return err


def _error_from_response(
    status: int,
    parsed: Any,
    flow_ref: str | None,
    token_sent: bool | None,
    retry_after: str | None,
) -> LangflowError:
    detail = parsed.get("detail", parsed) if isinstance(parsed, dict) else parsed
    text = _detail_text(detail)
    low = text.lower()

    if status in (401, 403):
        if any(
            w in low
            for w in (
                "api key must be passed",
                "requires a valid api key",
                "no authentication credentials",
                "not authenticated",
            )
        ):
            reason: AuthReason = "missing"
        elif token_sent is False and (status == 401 or not text):
            reason = "missing"
        elif (
            status == 403
            and not any(w in low for w in ("api key", "credentials", "token", "authenticated"))
            and text
        ):
            # A 403 about something else (e.g. an integration not allowed): keep the words.
            return HTTPStatusError(
                f"The server refused the request ({status}): {text}",
                "The account behind this API key may not be allowed to do this.",
                status_code=status,
                detail=detail,
            )
        else:
            reason = "invalid"
        if reason == "missing":
            msg = f"The server needs an API key ({status}: {text or 'no credentials'})"
        else:
            msg = f"The server refused the API key ({status}: {text or 'invalid credentials'})"
        return AuthError(msg, reason=reason, status_code=status, detail=detail)

    if status == 404:
        if "flow" in low or (flow_ref and flow_ref in text):
            msg = f"{_no_flow(flow_ref)} ({text or 'not found'})"
            hint = None
            if low.strip() == "flow not found" and flow_ref:
                hint = (
                    "Check the flow id: Langflow only finds the API key's user's own flows "
                    "(it also answers this to tweaks sent to a flow shared by another user)."
                )
            return FlowNotFoundError(msg, hint, flow_ref=flow_ref, status_code=404, detail=detail)
        return HTTPStatusError(
            f"The server has no such endpoint (404: {text or 'Not Found'})",
            "Check the server address (it should be the Langflow root, without /api); an "
            "older Langflow may not have this API.",
            status_code=404,
            detail=detail,
        )

    if status == 422:
        if isinstance(detail, dict) and (
            detail.get("code") == "TWEAKS_REFUSED" or detail.get("error") == "Refused tweaks"
        ):
            raw_fields = detail.get("fields") or []
            fields = [str(f) for f in raw_fields] if isinstance(raw_fields, list) else []
            why = detail.get("message") or "the field is protected"
            named = ", ".join(fields) or "some fields"
            return TweaksRefusedError(
                f"The server refused tweaks on {named}: {why}",
                fields=fields,
                detail=detail,
            )
        if isinstance(detail, list):
            pairs = _validation_pairs(detail)
            listed = "; ".join(f"{loc}: {msg}" for loc, msg in pairs) or text
            return ValidationError(
                f"The server rejected the request (422): {listed}", fields=pairs, detail=detail
            )
        return ValidationError(
            f"The server rejected the request (422): {text or 'unprocessable'}", detail=detail
        )

    if status == 400 and "input_value" in low and "tweak" in low:
        return InputConflictError(f"Input sent twice: {text}", status_code=400, detail=detail)

    if status == 500 or (status > 500 and isinstance(detail, str) and detail.startswith("{")):
        inner: Any = detail
        if isinstance(detail, str):
            try:
                inner = json_loads(detail)
            except ValueError:
                inner = detail
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            suggestion = inner.get("suggestion")
            return FlowBuildError(
                f"{_cap(_ref(flow_ref))} failed: {inner['message']}",
                suggestion=suggestion if isinstance(suggestion, str) and suggestion else None,
                status_code=status,
                detail=inner,
            )
        if isinstance(inner, str) and inner and isinstance(parsed, dict):
            return FlowBuildError(
                f"{_cap(_ref(flow_ref))} failed: {inner}", status_code=status, detail=inner
            )

    words = _STATUS_WORDS.get(status, "error")
    shown = text if isinstance(parsed, dict | list) else _strip_html(text)
    msg = f"The server answered {status} ({words})" + (f": {shown}" if shown else "")
    hint = ""
    if status == 429:
        hint = "Wait a little and try again" + (
            f" (the server asks for {retry_after} s)." if retry_after else "."
        )
    elif status == 413:
        hint = "The file is larger than the server allows (LANGFLOW_MAX_FILE_SIZE_UPLOAD)."
    elif status in (502, 503, 504):
        hint = "The server or a proxy in front of it is not ready; try again shortly."
    elif 300 <= status < 400:
        hint = "The server redirects elsewhere; put the final address in the profile."
    elif status >= 500:
        hint = "The server failed; its log says why."
    return HTTPStatusError(msg, hint, status_code=status, detail=detail)


def _validation_pairs(items: list[Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for item in items:
        if not isinstance(item, dict):
            pairs.append(("", str(item)))
            continue
        loc = item.get("loc") or []
        loc_text = ".".join(str(p) for p in loc) if isinstance(loc, list | tuple) else str(loc)
        pairs.append((loc_text, str(item.get("msg", ""))))
    return pairs


def _strip_html(text: str) -> str:
    if "<" in text and ">" in text:
        text = re.sub(r"<[^>]*>", " ", text)
    return one_line(text, 160)
