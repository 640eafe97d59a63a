"""LangflowClient: one ``httpx.AsyncClient`` that runs, streams and lists flows.

Every failure reaches the caller as a ``LangflowError`` subclass (never an httpx exception)
in one line; the token goes only into the auth header, and it and any credentials in the
server's URL are masked in every message, event and log line, whatever the server echoes.
Each request has a deadline and each body a size limit (``Timeouts``, ``body.Limits``), so a
hostile server can neither hold lfdesk nor fill its memory. Self-hosted Langflow and DataStax
differ only in ``Connection`` (API root and auth header).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import mimetypes
import os
from collections.abc import AsyncGenerator, Awaitable
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from lfdesk import __version__
from lfdesk.core.api.body import ACCEPT_ENCODING, Limits, Reply, decoded, read_reply
from lfdesk.core.api.errors import (
    TRANSPORT_ERRORS,
    FlowNotFoundError,
    HTTPStatusError,
    LangflowError,
    ReplyTooLargeError,
    StreamCutError,
    StreamError,
    StreamProtocolError,
    error_from_response,
    excerpt_of,
    scrub,
    scrub_data,
    scrub_error,
    scrubbed,
    secret_forms,
    size_text,
)
from lfdesk.core.api.events import (
    EndEvent,
    ErrorEvent,
    MessageEvent,
    RunResult,
    StreamEvent,
)
from lfdesk.core.api.models import ModelCalls
from lfdesk.core.api.server import FlowSummary, ServerInfo, is_uuid, parse_version
from lfdesk.core.api.streams import (
    LegacyStreamParser,
    NdjsonParser,
    SseParser,
    find_stream_url,
)
from lfdesk.core.api.transport import (
    Deadline,
    Timeouts,
    check_address,
    ssl_verify,
    transport_error,
)
from lfdesk.core.flow import Flow, parse_flow
from lfdesk.core.jsontext import JsonLimitError
from lfdesk.core.jsontext import loads as json_loads
from lfdesk.core.redact import register_secret, show_url
from lfdesk.core.request import Connection, RunRequest

__all__ = [
    "LEGACY_STREAM_BEFORE",
    "FlowSummary",
    "LangflowClient",
    "Limits",
    "ServerInfo",
    "Timeouts",
    "parse_version",
    "secret_forms",
]

log = logging.getLogger(__name__)

# Servers older than this answer ?stream=true with JSON holding a stream_url (API doc §2.2).
LEGACY_STREAM_BEFORE = (1, 1, 2)
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
# What sending a request may raise besides httpx's own errors: a socket or TLS failure, and
# anyio's connect attempts (an ExceptionGroup, e.g. of an OverflowError for a bad port).
_SEND_ERRORS = (
    httpx.HTTPError, httpx.InvalidURL, OSError, ValueError, OverflowError, ExceptionGroup
)
_READ_ERRORS = (httpx.HTTPError, OSError)

R = TypeVar("R")


class LangflowClient(ModelCalls):
    """Talks to one Langflow server. Use ``async with``, or call ``aclose()``.

    ``verify``: True (default), False, or a CA bundle path. ``timeout``: the deadlines and
    the stall limit (``Timeouts``); ``limits``: the most it reads (``body.Limits``). Proxies
    come from the environment (loopback addresses never go through a proxy). A server
    address httpx cannot use is a ``LangflowError`` here, before any request.
    """

    def __init__(
        self,
        connection: Connection,
        token: str | None = None,
        *,
        verify: bool | str = True,
        timeout: Timeouts | None = None,
        limits: Limits | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        check_address(connection.base_url)
        self.connection = connection
        self._token = token or None
        # Every shape of the token and URL credentials is masked in what this client says;
        # registered, they are masked in logs and the history too (redact's floor of 4
        # characters keeps a tiny token from starring every line; this client's own
        # messages still mask one where it stands alone, see errors.scrub).
        self._secrets = secret_forms(self._token, connection.base_url)
        for secret in self._secrets:
            register_secret(secret)
        self.timeouts = timeout or Timeouts()
        self.limits = limits or Limits()
        self.server_version: str | None = None
        self.server_package: str | None = None
        self._http = httpx.AsyncClient(
            verify=ssl_verify(verify),
            timeout=self._http_timeout(self.timeouts.deadline(True)),
            trust_env=transport is None,
            transport=transport,
            mounts={f"all://{host}": None for host in _LOOPBACK_HOSTS},
            follow_redirects=False,
            headers={"User-Agent": f"lfdesk/{__version__}", "Accept-Encoding": ACCEPT_ENCODING},
        )

    def __repr__(self) -> str:
        auth = "with token" if self._token else "no token"
        return f"<LangflowClient {show_url(self.connection.base_url)} ({auth})>"

    async def __aenter__(self) -> LangflowClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def version_tuple(self) -> tuple[int, int, int] | None:
        return parse_version(self.server_version)

    @property
    def uses_legacy_streaming(self) -> bool:
        """True for a probed server older than 1.1.2 (``stream_url`` + SSE)."""
        v = self.version_tuple
        return v is not None and v < LEGACY_STREAM_BEFORE

    # --- plumbing -----------------------------------------------------------------------

    def _auth(self) -> dict[str, str]:
        if not self._token:
            return {}
        return {self.connection.auth_header: self.connection.auth_value(self._token)}

    def _http_timeout(self, deadline: float, *, stream: bool = False) -> httpx.Timeout:
        """httpx's timeouts: in a stream, a read waiting ``stall`` s is a stall; otherwise no
        idle limit unless ``read`` is set (the deadline, a moment later, so its message wins)."""
        t = self.timeouts
        idle = t.read if t.read is not None else deadline + 1
        read = t.stall if stream else idle
        return httpx.Timeout(connect=t.connect, read=read, write=idle, pool=t.connect)

    @property
    def _where(self) -> str:
        return show_url(self.connection.base_url)

    def _transport_error(
        self,
        exc: BaseException,
        url: str,
        deadline: Deadline,
        *,
        streaming: bool = False,
    ) -> LangflowError:
        """An httpx (or socket/TLS) exception as a typed error; logs the original."""
        return transport_error(
            exc,
            url,
            self.connection.base_url,
            self._secrets,
            self.timeouts,
            streaming=streaming,
            deadline=deadline.seconds,
        )

    async def _by(self, deadline: Deadline, step: Awaitable[R], *, streaming: bool) -> R:
        """``step``, unless the request's deadline passes first (``RequestTimeoutError``)."""
        return await deadline.within(step, self._where, streaming=streaming)

    def _status_error(self, reply: Reply, flow_ref: str | None) -> LangflowError:
        status = reply.status_code
        log.info("%s %s -> %d", reply.method, show_url(reply.url), status)
        if 300 <= status < 400:
            location = reply.headers.get("location", "")
            return HTTPStatusError(
                f"The server redirects ({status}) to {show_url(location) or 'another address'}",
                "Put the final address (after the redirect) in the profile; lfdesk does not "
                "follow redirects so the API key is never sent elsewhere.",
                status_code=status,
            )
        return error_from_response(
            status,
            reply.content,
            flow_ref,
            secret=self._secrets,
            token_sent=self._token is not None,
            retry_after=reply.headers.get("retry-after"),
            cut_at=self.limits.error_body if reply.cut else None,
        )

    async def _send(
        self,
        method: str,
        url: str,
        *,
        what: str = "reply",
        long: bool = False,
        flow_ref: str | None = None,
        auth: bool = True,
        params: dict[str, str] | None = None,
        content: bytes | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        headers: dict[str, str] | None = None,
        limit: int | None = None,
    ) -> Reply:
        """One whole request, read within ``limits`` (or ``limit`` bytes) and by its deadline
        (``long``: a run's or an upload's); a status >= 300 raises its typed error. ``what``
        names the reply in a message ("flow list")."""
        h = dict(headers or {})
        if auth:
            h.update(self._auth())
        deadline = Deadline.start(self.timeouts.deadline(long))
        try:
            http_req = self._http.build_request(
                method,
                url,
                params=params,
                content=content,
                files=files,
                headers=h,
                timeout=self._http_timeout(deadline.seconds),
            )
        except _SEND_ERRORS as exc:
            raise self._transport_error(exc, url, deadline) from None
        exchange = self._exchange(http_req, what, deadline, limit)
        reply = await self._by(deadline, exchange, streaming=False)
        log.debug("%s %s -> %d", method, show_url(url), reply.status_code)
        if reply.status_code >= 300:
            raise self._status_error(reply, flow_ref)
        return reply

    async def _exchange(
        self, http_req: httpx.Request, what: str, deadline: Deadline, limit: int | None = None
    ) -> Reply:
        resp = await self._open(http_req, deadline)
        try:
            return await self._read(resp, what, deadline, limit)
        finally:
            await resp.aclose()

    async def _read(
        self, resp: httpx.Response, what: str, deadline: Deadline, limit: int | None = None
    ) -> Reply:
        """The body of ``resp``: whole (up to ``limit``, by default ``limits.reply``), or for
        an error status its first ``limits.error_body`` bytes."""
        error = resp.status_code >= 300
        limit = self.limits.error_body if error else (limit or self.limits.reply)
        try:
            return await read_reply(resp, limit, f"The {what} from {self._where}", cut=error)
        except _READ_ERRORS as exc:
            raise self._transport_error(exc, str(resp.request.url), deadline) from None

    @staticmethod
    def _json(reply: Reply) -> Any:
        try:
            return json_loads(reply.content)
        except JsonLimitError as exc:
            raise HTTPStatusError(
                f"The server's reply is {exc}: lfdesk does not read it",
                "No real Langflow reply looks like this: is this address a Langflow server?",
                status_code=reply.status_code,
            ) from None
        except ValueError:
            raise HTTPStatusError(
                f"The server answered {reply.status_code} but not with JSON: "
                f"{excerpt_of(reply.content)}",
                "Is this address a Langflow server (and not a proxy or login page)?",
                status_code=reply.status_code,
            ) from None

    def _api(self, path: str) -> str:
        return f"{self.connection.api_root}{path}"

    # --- server and flows ---------------------------------------------------------------

    @scrubbed
    async def probe(self) -> ServerInfo:
        """``GET /health`` and ``GET /api/v1/version`` (no auth); remembers the version.

        Raises for transport failures (unreachable, TLS, timeout); a server that answers
        but is not Langflow gives ``ok=False``.
        """
        body = await self._probe_json(f"{self.connection.base_url}/health", "health")
        health_ok = isinstance(body, dict) and body.get("status") == "ok"
        version: str | None = None
        package: str | None = None
        body = await self._probe_json(self._api("/v1/version"), "version")
        if isinstance(body, dict):
            v, p = body.get("version"), body.get("package")
            version = str(v) if v else None
            package = str(p) if p else None
        self.server_version = version
        self.server_package = package
        return ServerInfo(version=version, package=package, ok=health_ok or version is not None)

    async def _probe_json(self, url: str, what: str) -> Any:
        """The JSON at ``url`` (asked without auth), or None when the server answers with an
        error or not with JSON; raises when no server answers (``TRANSPORT_ERRORS``)."""
        try:
            reply = await self._send("GET", url, what=f"{what} check", auth=False)
            return json_loads(reply.content)
        except TRANSPORT_ERRORS:
            raise
        except (LangflowError, ValueError) as exc:
            log.debug("%s check failed: %s", what, exc)
            return None

    @scrubbed
    async def list_flows(self) -> list[FlowSummary]:
        """The caller's flows (``GET /api/v1/flows/?get_all=true&header_flows=true``)."""
        resp = await self._send(
            "GET",
            self._api("/v1/flows/"),
            what="flow list",
            params={"get_all": "true", "header_flows": "true"},
        )
        body = self._json(resp)
        rows = body.get("items") if isinstance(body, dict) else body
        if not isinstance(rows, list):
            raise HTTPStatusError(
                "The server's flow list is not a list",
                "Is this a Langflow server?",
                status_code=resp.status_code,
            )
        return [FlowSummary.from_dict(r) for r in rows if isinstance(r, dict) and r.get("id")]

    @scrubbed
    async def get_flow_json(self, flow_id: str) -> dict[str, Any]:
        """A flow's full JSON. ``flow_id`` may also be an endpoint name or a flow name (it is
        then looked up in the flow list, since ``GET /flows/{id}`` takes UUIDs only)."""
        ref = flow_id
        if not is_uuid(ref):
            matches = [f for f in await self.list_flows() if ref in (f.endpoint_name, f.name)]
            if not matches:
                raise FlowNotFoundError(
                    f"Langflow has no flow {ref!r} (no flow id, endpoint name or name matches)",
                    flow_ref=ref,
                )
            flow_id = next((f.id for f in matches if f.endpoint_name == ref), matches[0].id)
        resp = await self._send(
            "GET", self._api(f"/v1/flows/{quote(flow_id, safe='')}"), what="flow", flow_ref=ref
        )
        body = self._json(resp)
        if not isinstance(body, dict):
            raise HTTPStatusError(
                "The server's flow is not a JSON object", status_code=resp.status_code
            )
        return body

    async def fetch_flow(self, flow_id: str) -> Flow:
        """A flow from the server, parsed (``FlowError`` if its JSON is not a usable flow)."""
        data = await self.get_flow_json(flow_id)
        return parse_flow(data, source=f"server flow {flow_id}")

    # --- running ------------------------------------------------------------------------

    @staticmethod
    def _ref(request: RunRequest) -> str | None:
        """How the request names its flow (v2 sends the id, v1 the ref)."""
        if request.api == "v2":
            return request.flow_id or request.flow_ref or None
        return request.flow_ref or request.flow_id or None

    @scrubbed
    async def run(self, request: RunRequest) -> RunResult:
        """Run and wait for the answer (a stream request is streamed to its end)."""
        if request.stream:
            result: RunResult | None = None
            async with contextlib.aclosing(self.stream(request)) as events:
                async for ev in events:
                    if isinstance(ev, EndEvent):
                        result = ev.result
            if result is None:  # stream() raises before this; kept for the type checker
                raise StreamCutError("The stream ended before the run finished")
            return result
        flow_ref = self._ref(request)
        log.info("run %s (%s)", flow_ref, request.api)
        resp = await self._post_run(request, flow_ref, request.headers(None))
        reply = self._json(resp)
        if not isinstance(reply, dict):
            raise HTTPStatusError(
                f"The run reply is not a JSON object: {excerpt_of(resp.content)}",
                status_code=resp.status_code,
            )
        if request.api == "v2":
            return RunResult.from_v2(reply, resp.status_code, flow_ref)
        return RunResult.from_v1(reply, resp.status_code)

    async def _post_run(
        self, request: RunRequest, flow_ref: str | None, headers: dict[str, str]
    ) -> Reply:
        """Send a run and read its whole reply (a run, or a legacy stream's start)."""
        return await self._send(
            "POST",
            request.url,
            what="run reply",
            long=True,
            flow_ref=flow_ref,
            content=request.body_json(indent=None).encode("utf-8"),
            headers=headers,
        )

    async def stream(self, request: RunRequest) -> AsyncGenerator[StreamEvent, None]:
        """Run with streaming and yield events as they arrive.

        Raises ``StreamError`` right after yielding an ``ErrorEvent``, ``StreamCutError`` if
        the stream ends before ``end``, ``StreamStalledError`` after ``timeouts.stall`` s of
        silence, ``RequestTimeoutError`` when the run passes its deadline, and
        ``ReplyTooLargeError`` past ``limits``. Closing the generator (or cancelling its
        consumer) closes the connection, so Langflow stops the run. Wrap it in
        ``contextlib.aclosing`` when you may stop early.
        """
        try:
            async with contextlib.aclosing(self._stream(request)) as events:
                async for ev in events:
                    yield ev
        except LangflowError as exc:
            scrub_error(exc, self._secrets)
            raise

    async def _stream(self, request: RunRequest) -> AsyncGenerator[StreamEvent, None]:
        req = request if request.stream else request.with_(stream=True)
        flow_ref = self._ref(req)
        if req.api == "v1" and self.uses_legacy_streaming:
            async with contextlib.aclosing(self._stream_legacy(req, flow_ref)) as legacy:
                async for ev in legacy:
                    yield ev
            return
        log.info("stream %s (%s)", flow_ref, req.api)
        deadline = Deadline.start(self.timeouts.deadline(True))
        headers = req.headers(None)
        headers.update(self._auth())
        resp = await self._open_stream("POST", req.url, headers, deadline, req.body_json(None))
        try:
            if resp.status_code >= 300:
                raise self._status_error(await self._read_now(resp, deadline), flow_ref)
            ctype = resp.headers.get("content-type", "")
            if req.api == "v1" and ctype.startswith("application/json"):
                # A server older than 1.1.2 that was not probed: the whole reply, maybe with a
                # stream_url to follow.
                reply = self._json(await self._read_now(resp, deadline, what="run reply"))
                await resp.aclose()
                async with contextlib.aclosing(self._legacy_from_reply(reply, flow_ref)) as old:
                    async for ev in old:
                        yield ev
                return
            limit = self.limits.stream_line
            parser: NdjsonParser | SseParser = (
                NdjsonParser(max_line=limit) if req.api == "v1" else SseParser(max_line=limit)
            )
            async with contextlib.aclosing(self._events(resp, parser, deadline)) as evs:
                async for ev in evs:
                    yield ev
        finally:
            await resp.aclose()

    async def _open_stream(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        deadline: Deadline,
        body: str | None = None,
    ) -> httpx.Response:
        """Send a request whose reply is read as a stream (its status and headers are in)."""
        try:
            http_req = self._http.build_request(
                method,
                url,
                content=body.encode("utf-8") if body is not None else None,
                headers=headers,
                timeout=self._http_timeout(deadline.seconds, stream=True),
            )
        except _SEND_ERRORS as exc:
            raise self._transport_error(exc, url, deadline, streaming=True) from None
        return await self._by(deadline, self._open(http_req, deadline, True), streaming=True)

    async def _open(
        self, http_req: httpx.Request, deadline: Deadline, streaming: bool = False
    ) -> httpx.Response:
        try:
            return await self._http.send(http_req, stream=True)
        except _SEND_ERRORS as exc:
            url = str(http_req.url)
            raise self._transport_error(exc, url, deadline, streaming=streaming) from None

    async def _read_now(
        self, resp: httpx.Response, deadline: Deadline, what: str = "reply"
    ) -> Reply:
        """A streamed response's whole body (an error's first bytes), by the deadline."""
        return await self._by(deadline, self._read(resp, what, deadline), streaming=True)

    async def _pieces(
        self, resp: httpx.Response, deadline: Deadline
    ) -> AsyncGenerator[bytes, None]:
        """A stream's body, decompressed, each piece read by the deadline, the whole counted
        against ``limits.stream``."""
        url = str(resp.request.url)
        total = 0
        async with contextlib.aclosing(decoded(resp)) as pieces:
            while True:
                try:
                    piece = await self._by(deadline, anext(pieces), streaming=True)
                except StopAsyncIteration:
                    return
                except _READ_ERRORS as exc:
                    raise self._transport_error(exc, url, deadline, streaming=True) from None
                total += len(piece)
                if total > self.limits.stream:
                    limit = size_text(self.limits.stream)
                    raise ReplyTooLargeError(
                        f"The stream from {self._where} passed {limit}, lfdesk's limit for "
                        "one run's stream; it stopped reading there",
                        limit="stream",
                        size=self.limits.stream,
                    )
                yield piece

    def _clean(self, ev: StreamEvent) -> StreamEvent:
        """An event that may echo what was sent (an error) with the secrets masked."""
        secrets = self._secrets
        if isinstance(ev, ErrorEvent):
            return ErrorEvent(scrub(ev.message, secrets), scrub_data(ev.raw, secrets))
        if isinstance(ev, MessageEvent) and ev.is_error:
            text, raw = scrub(ev.text, secrets), scrub_data(ev.raw, secrets)
            return dataclasses.replace(ev, text=text, raw=raw)
        return ev

    async def _parsed(
        self, resp: httpx.Response, parser: NdjsonParser | SseParser, deadline: Deadline
    ) -> AsyncGenerator[StreamEvent, None]:
        """Every event ``parser`` finds in the body, to its end (a ``close`` of the parser)."""
        async with contextlib.aclosing(self._pieces(resp, deadline)) as chunks:
            async for chunk in chunks:
                try:
                    events = parser.feed(chunk)
                except StreamProtocolError as exc:
                    # Hand out what came before the bad line, then fail.
                    for ev in exc.events_before:
                        yield ev
                    raise
                for ev in events:
                    yield ev
        for ev in parser.close():
            yield ev

    async def _events(
        self, resp: httpx.Response, parser: NdjsonParser | SseParser, deadline: Deadline
    ) -> AsyncGenerator[StreamEvent, None]:
        """Parse a response body into events until ``end``; raise the stream errors."""
        async with contextlib.aclosing(self._parsed(resp, parser, deadline)) as parsed:
            async for ev in parsed:
                ev = self._clean(ev)
                yield ev
                if isinstance(ev, ErrorEvent):
                    raise StreamError(ev.message, raw=ev.raw)
                if isinstance(ev, EndEvent):
                    return
        raise StreamCutError(
            f"The stream from {self._where} ended before the run finished (no end event)"
        )

    # --- legacy streaming (Langflow < 1.1.2) --------------------------------------------

    async def _stream_legacy(
        self, req: RunRequest, flow_ref: str | None
    ) -> AsyncGenerator[StreamEvent, None]:
        log.info("stream %s (legacy stream_url)", flow_ref)
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        reply = self._json(await self._post_run(req, flow_ref, headers))
        async with contextlib.aclosing(self._legacy_from_reply(reply, flow_ref)) as events:
            async for ev in events:
                yield ev

    async def _legacy_from_reply(
        self, reply: Any, flow_ref: str | None
    ) -> AsyncGenerator[StreamEvent, None]:
        """Follow a legacy reply's ``stream_url``: its chunks are the tokens of one message."""
        if not isinstance(reply, dict):
            raise HTTPStatusError("The run reply is not a JSON object", status_code=200)
        result = RunResult.from_v1(reply)
        target = find_stream_url(reply)
        if target is None:
            yield EndEvent(result)
            return
        path, component_id, sender_name = target
        msg_id = f"legacy-stream:{component_id or path}"
        start = MessageEvent(
            id=msg_id,
            sender="Machine",
            sender_name=sender_name or "AI",
            text="",
            state="partial",
            session_id=result.session_id,
            usage=None,
            is_error=False,
            raw={},
        )
        yield start
        url = self._resolve(path)
        headers = {"Accept": "text/event-stream", **self._auth()}
        deadline = Deadline.start(self.timeouts.deadline(True))
        resp = await self._open_stream("GET", url, headers, deadline)
        parser = LegacyStreamParser(msg_id, max_line=self.limits.stream_line)
        try:
            if resp.status_code >= 300:
                raise self._status_error(await self._read_now(resp, deadline), flow_ref)
            async with contextlib.aclosing(self._pieces(resp, deadline)) as chunks:
                eof = False
                while not parser.closed and not eof:
                    try:
                        events = parser.feed(await anext(chunks))
                    except StopAsyncIteration:
                        events, eof = parser.close(), True
                    for ev in events:
                        ev = self._clean(ev)
                        yield ev
                        if isinstance(ev, ErrorEvent):
                            raise StreamError(ev.message, raw=ev.raw)
        finally:
            await resp.aclose()
        if not parser.closed:
            raise StreamCutError("The legacy stream ended before its close event")
        text = parser.text
        yield MessageEvent(
            id=msg_id,
            sender=start.sender,
            sender_name=start.sender_name,
            text=text,
            state="complete",
            session_id=result.session_id,
            usage=None,
            is_error=False,
            raw={},
        )
        yield EndEvent(
            RunResult(
                text=text,
                texts=[text],
                session_id=result.session_id,
                usage=result.usage,
                raw=reply,
                status_code=200,
            )
        )

    def _resolve(self, path: str) -> str:
        """A server path (``/api/v1/build/...``) as a URL on this connection; an absolute URL
        must be on the same server (the API key is sent to it)."""
        if path.startswith(("http://", "https://")):
            ours = urlsplit(self.connection.base_url)
            theirs = urlsplit(path)
            if (theirs.scheme, theirs.netloc) != (ours.scheme, ours.netloc):
                raise HTTPStatusError(
                    f"The server's stream_url points to another server ({show_url(path)})",
                    "lfdesk will not send the API key there.",
                )
            return path
        if not path.startswith("/"):
            path = "/" + path
        if path.startswith("/api/"):
            return self.connection.api_root + path[len("/api") :]
        return self.connection.base_url + path

    # --- files and history --------------------------------------------------------------

    @scrubbed
    async def upload_file(self, flow_id: str, path: Path, api: Literal["v1", "v2"] = "v1") -> str:
        """Upload a file; returns the server path to put in a tweak.

        v1 (``POST /api/v1/files/upload/{flow_id}``) gives ``<flow_id>/<stamp>_<name>`` for
        a Chat Input's ``files``; v2 (``POST /api/v2/files``) gives ``<user_id>/<name>`` for
        a File component's ``path``.
        """
        path = Path(path)
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            raise LangflowError(
                f"Cannot read {path}: {exc.strerror or exc}", "Check the file's path."
            ) from None
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        files = {"file": (path.name, data, mime)}
        if api == "v1":
            url, key = self._api(f"/v1/files/upload/{quote(flow_id, safe='')}"), "file_path"
        else:
            url, key = self._api("/v2/files"), "path"
        log.info("upload %s (%d bytes, %s)", os.path.basename(path), len(data), api)
        resp = await self._send(
            "POST", url, what="upload reply", long=True, flow_ref=flow_id, files=files
        )
        body = self._json(resp)
        value = body.get(key) if isinstance(body, dict) else None
        if not isinstance(value, str) or not value:
            raise HTTPStatusError(
                f"The upload reply has no {key!r}: {excerpt_of(resp.content)}",
                status_code=resp.status_code,
            )
        return value

    @scrubbed
    async def messages(self, flow_id: str, session_id: str | None = None) -> list[MessageEvent]:
        """Stored chat messages of a flow (one session, or all), oldest first."""
        params = {"flow_id": flow_id, "order_by": "timestamp"}
        if session_id:
            params["session_id"] = session_id
        resp = await self._send(
            "GET",
            self._api("/v1/monitor/messages"),
            what="message list",
            flow_ref=flow_id,
            params=params,
        )
        body = self._json(resp)
        rows = body if isinstance(body, list) else []
        return [MessageEvent.from_data(m) for m in rows if isinstance(m, dict)]

    @scrubbed
    async def sessions(self, flow_id: str) -> list[str]:
        """The session ids with stored messages for a flow."""
        resp = await self._send(
            "GET",
            self._api("/v1/monitor/messages/sessions"),
            what="session list",
            flow_ref=flow_id,
            params={"flow_id": flow_id},
        )
        body = self._json(resp)
        return [str(s) for s in body if s] if isinstance(body, list) else []

