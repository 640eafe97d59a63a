"""LangflowClient: one ``httpx.AsyncClient`` that runs, streams and lists flows.

Every failure reaches the caller as a ``LangflowError`` subclass (never an httpx exception);
the token goes only into the auth header and is never logged or put in a message. Self-hosted
Langflow and DataStax differ only in ``Connection`` (API root and auth header).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import mimetypes
import os
import re
import ssl
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, cast
from urllib.parse import quote, urlsplit

import httpx

from lfdesk import __version__
from lfdesk.core.api.errors import (
    TRANSPORT_ERRORS,
    FlowNotFoundError,
    HTTPStatusError,
    LangflowError,
    StreamCutError,
    StreamError,
    StreamProtocolError,
    error_from_response,
    excerpt_of,
)
from lfdesk.core.api.events import (
    EndEvent,
    ErrorEvent,
    MessageEvent,
    RunResult,
    StreamEvent,
)
from lfdesk.core.api.streams import LegacyStreamParser, NdjsonParser, SseParser
from lfdesk.core.api.transport import Timeouts, ssl_verify, transport_error
from lfdesk.core.flow import Flow, parse_flow
from lfdesk.core.redact import show_url
from lfdesk.core.request import Connection, RunRequest

__all__ = [
    "LEGACY_STREAM_BEFORE",
    "FlowSummary",
    "LangflowClient",
    "ServerInfo",
    "Timeouts",
    "parse_version",
]

log = logging.getLogger(__name__)

# Servers older than this answer ?stream=true with JSON holding a stream_url (API doc §2.2).
LEGACY_STREAM_BEFORE = (1, 1, 2)
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What ``probe`` learned: ``ok`` means a Langflow answered (health or version)."""

    version: str | None
    package: str | None
    ok: bool


@dataclass(frozen=True, slots=True)
class FlowSummary:
    """One row of the server's flow list."""

    id: str
    name: str
    endpoint_name: str | None
    description: str
    folder_id: str | None
    updated_at: str | None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FlowSummary:
        def opt(key: str) -> str | None:
            value = data.get(key)
            return str(value) if value not in (None, "") else None

        return cls(
            id=str(data.get("id") or ""),
            name=str(data.get("name") or ""),
            endpoint_name=opt("endpoint_name"),
            description=str(data.get("description") or ""),
            folder_id=opt("folder_id"),
            updated_at=opt("updated_at"),
        )


def parse_version(text: str | None) -> tuple[int, int, int] | None:
    """``"1.13.0"`` -> ``(1, 13, 0)``; also ``1.0.19.post2``, ``1.2.0.dev3``, ``v1.5``."""
    if not text:
        return None
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


class LangflowClient:
    """Talks to one Langflow server. Use ``async with``, or call ``aclose()``.

    ``verify``: True (default), False, or a CA bundle path. Proxies come from the
    environment (loopback addresses never go through a proxy).
    """

    def __init__(
        self,
        connection: Connection,
        token: str | None = None,
        *,
        verify: bool | str = True,
        timeout: Timeouts | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.connection = connection
        self._token = token or None
        self.timeouts = timeout or Timeouts()
        self.server_version: str | None = None
        self.server_package: str | None = None
        t = self.timeouts
        self._http = httpx.AsyncClient(
            verify=ssl_verify(verify),
            timeout=httpx.Timeout(connect=t.connect, read=t.read, write=t.read, pool=t.connect),
            trust_env=transport is None,
            transport=transport,
            mounts={f"all://{host}": None for host in _LOOPBACK_HOSTS},
            follow_redirects=False,
            headers={"User-Agent": f"lfdesk/{__version__}"},
        )

    def __repr__(self) -> str:
        auth = "with token" if self._token else "no token"
        return f"<LangflowClient {self.connection.base_url} ({auth})>"

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

    def _stream_timeout(self) -> httpx.Timeout:
        t = self.timeouts
        return httpx.Timeout(connect=t.connect, read=t.stall, write=t.read, pool=t.connect)

    def _transport_error(
        self, exc: BaseException, url: str, *, streaming: bool = False
    ) -> LangflowError:
        """An httpx (or socket/TLS) exception as a typed error; logs the original."""
        return transport_error(
            exc, url, self.connection.base_url, self._token, self.timeouts, streaming=streaming
        )

    def _status_error(self, resp: httpx.Response, flow_ref: str | None) -> LangflowError:
        status = resp.status_code
        log.info("%s %s -> %d", resp.request.method, show_url(str(resp.request.url)), status)
        if 300 <= status < 400:
            location = resp.headers.get("location", "")
            return HTTPStatusError(
                f"The server redirects ({status}) to {show_url(location) or 'another address'}",
                "Put the final address (after the redirect) in the profile; lfdesk does not "
                "follow redirects so the API key is never sent elsewhere.",
                status_code=status,
            )
        return error_from_response(
            status,
            resp.content,
            flow_ref,
            secret=self._token,
            token_sent=self._token is not None,
            retry_after=resp.headers.get("retry-after"),
        )

    async def _send(
        self,
        method: str,
        url: str,
        *,
        flow_ref: str | None = None,
        auth: bool = True,
        params: dict[str, str] | None = None,
        content: bytes | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One whole request; a status >= 300 raises its typed error."""
        h = dict(headers or {})
        if auth:
            h.update(self._auth())
        try:
            resp = await self._http.request(
                method, url, params=params, content=content, files=files, headers=h
            )
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ssl.SSLError) as exc:
            raise self._transport_error(exc, url) from None
        log.debug("%s %s -> %d", method, show_url(url), resp.status_code)
        if resp.status_code >= 300:
            raise self._status_error(resp, flow_ref)
        return resp

    @staticmethod
    def _json(resp: httpx.Response) -> Any:
        try:
            return resp.json()
        except ValueError:
            raise HTTPStatusError(
                f"The server answered {resp.status_code} but not with JSON: "
                f"{excerpt_of(resp.content)}",
                "Is this address a Langflow server (and not a proxy or login page)?",
                status_code=resp.status_code,
            ) from None

    def _api(self, path: str) -> str:
        return f"{self.connection.api_root}{path}"

    # --- server and flows ---------------------------------------------------------------

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
            return (await self._send("GET", url, auth=False)).json()
        except TRANSPORT_ERRORS:
            raise
        except (LangflowError, ValueError) as exc:
            log.debug("%s check failed: %s", what, exc)
            return None

    async def list_flows(self) -> list[FlowSummary]:
        """The caller's flows (``GET /api/v1/flows/?get_all=true&header_flows=true``)."""
        resp = await self._send(
            "GET", self._api("/v1/flows/"), params={"get_all": "true", "header_flows": "true"}
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

    async def get_flow_json(self, flow_id: str) -> dict[str, Any]:
        """A flow's full JSON. ``flow_id`` may also be an endpoint name or a flow name (it is
        then looked up in the flow list, since ``GET /flows/{id}`` takes UUIDs only)."""
        ref = flow_id
        if not _is_uuid(ref):
            matches = [f for f in await self.list_flows() if ref in (f.endpoint_name, f.name)]
            if not matches:
                raise FlowNotFoundError(
                    f"Langflow has no flow {ref!r} (no flow id, endpoint name or name matches)",
                    flow_ref=ref,
                )
            flow_id = next((f.id for f in matches if f.endpoint_name == ref), matches[0].id)
        resp = await self._send(
            "GET", self._api(f"/v1/flows/{quote(flow_id, safe='')}"), flow_ref=ref
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
        resp = await self._send(
            "POST",
            request.url,
            flow_ref=flow_ref,
            content=request.body_json(indent=None).encode("utf-8"),
            headers=request.headers(None),
        )
        reply = self._json(resp)
        if not isinstance(reply, dict):
            raise HTTPStatusError(
                f"The run reply is not a JSON object: {excerpt_of(resp.content)}",
                status_code=resp.status_code,
            )
        if request.api == "v2":
            return RunResult.from_v2(reply, resp.status_code, flow_ref)
        return RunResult.from_v1(reply, resp.status_code)

    async def stream(self, request: RunRequest) -> AsyncGenerator[StreamEvent, None]:
        """Run with streaming and yield events as they arrive.

        Raises ``StreamError`` right after yielding an ``ErrorEvent``, ``StreamCutError`` if
        the stream ends before ``end``, ``StreamStalledError`` after ``timeouts.stall`` s of
        silence. Closing the generator (or cancelling its consumer) closes the connection, so
        Langflow stops the run. Wrap it in ``contextlib.aclosing`` when you may stop early.
        """
        req = request if request.stream else request.with_(stream=True)
        flow_ref = self._ref(req)
        if req.api == "v1" and self.uses_legacy_streaming:
            async with contextlib.aclosing(self._stream_legacy(req, flow_ref)) as legacy:
                async for ev in legacy:
                    yield ev
            return
        log.info("stream %s (%s)", flow_ref, req.api)
        headers = req.headers(None)
        headers.update(self._auth())
        http_req = self._http.build_request(
            "POST",
            req.url,
            content=req.body_json(indent=None).encode("utf-8"),
            headers=headers,
            timeout=self._stream_timeout(),
        )
        resp = await self._open(http_req)
        try:
            if resp.status_code >= 300:
                await self._read_all(resp)
                raise self._status_error(resp, flow_ref)
            ctype = resp.headers.get("content-type", "")
            if req.api == "v1" and ctype.startswith("application/json"):
                # A server older than 1.1.2 that was not probed: the whole reply, maybe with a
                # stream_url to follow.
                reply = self._json(await self._read_all(resp))
                await resp.aclose()
                async with contextlib.aclosing(self._legacy_from_reply(reply, flow_ref)) as old:
                    async for ev in old:
                        yield ev
                return
            parser: NdjsonParser | SseParser = NdjsonParser() if req.api == "v1" else SseParser()
            async with contextlib.aclosing(self._events(resp, parser)) as evs:
                async for ev in evs:
                    yield ev
        finally:
            await resp.aclose()

    async def _open(self, http_req: httpx.Request) -> httpx.Response:
        try:
            return await self._http.send(http_req, stream=True)
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ssl.SSLError) as exc:
            raise self._transport_error(exc, str(http_req.url), streaming=True) from None

    async def _read_all(self, resp: httpx.Response) -> httpx.Response:
        try:
            await resp.aread()
        except (httpx.HTTPError, OSError, ssl.SSLError) as exc:
            raise self._transport_error(exc, str(resp.request.url), streaming=True) from None
        return resp

    async def _events(
        self, resp: httpx.Response, parser: NdjsonParser | SseParser
    ) -> AsyncGenerator[StreamEvent, None]:
        """Parse a response body into events until ``end``; raise the stream errors."""
        url = str(resp.request.url)
        # Closed explicitly: left to the garbage collector, httpx's byte iterator would be
        # finalised outside the event loop (a GUI loop may run no asyncgen hooks).
        async with contextlib.aclosing(_byte_chunks(resp)) as chunks:
            while True:
                try:
                    chunk = await anext(chunks)
                except StopAsyncIteration:
                    break
                except (httpx.HTTPError, OSError, ssl.SSLError) as exc:
                    raise self._transport_error(exc, url, streaming=True) from None
                try:
                    events = parser.feed(chunk)
                    failure: StreamProtocolError | None = None
                except StreamProtocolError as exc:
                    # Hand out what came before the bad line, then fail.
                    events, failure = exc.events_before, exc
                for ev in events:
                    yield ev
                    if isinstance(ev, ErrorEvent):
                        raise StreamError(ev.message, raw=ev.raw)
                    if isinstance(ev, EndEvent):
                        return
                if failure is not None:
                    raise failure
        for ev in parser.close():
            yield ev
            if isinstance(ev, ErrorEvent):
                raise StreamError(ev.message, raw=ev.raw)
            if isinstance(ev, EndEvent):
                return
        raise StreamCutError(
            f"The stream from {show_url(self.connection.base_url)} ended before the run "
            "finished (no end event)"
        )

    # --- legacy streaming (Langflow < 1.1.2) --------------------------------------------

    async def _stream_legacy(
        self, req: RunRequest, flow_ref: str | None
    ) -> AsyncGenerator[StreamEvent, None]:
        log.info("stream %s (legacy stream_url)", flow_ref)
        resp = await self._send(
            "POST",
            req.url,
            flow_ref=flow_ref,
            content=req.body_json(indent=None).encode("utf-8"),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        reply = self._json(resp)
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
        target = _find_stream_url(reply)
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
        http_req = self._http.build_request(
            "GET", url, headers=headers, timeout=self._stream_timeout()
        )
        resp = await self._open(http_req)
        parser = LegacyStreamParser(msg_id)
        chunks: AsyncGenerator[bytes, None] | None = None
        try:
            if resp.status_code >= 300:
                await self._read_all(resp)
                raise self._status_error(resp, flow_ref)
            chunks = _byte_chunks(resp)
            eof = False
            while not parser.closed and not eof:
                try:
                    events = parser.feed(await anext(chunks))
                except StopAsyncIteration:
                    events, eof = parser.close(), True
                except (httpx.HTTPError, OSError, ssl.SSLError) as exc:
                    raise self._transport_error(exc, url, streaming=True) from None
                for ev in events:
                    yield ev
                    if isinstance(ev, ErrorEvent):
                        raise StreamError(ev.message, raw=ev.raw)
        finally:
            if chunks is not None:
                await chunks.aclose()
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
        resp = await self._send("POST", url, flow_ref=flow_id, files=files)
        body = self._json(resp)
        value = body.get(key) if isinstance(body, dict) else None
        if not isinstance(value, str) or not value:
            raise HTTPStatusError(
                f"The upload reply has no {key!r}: {excerpt_of(resp.content)}",
                status_code=resp.status_code,
            )
        return value

    async def messages(self, flow_id: str, session_id: str | None = None) -> list[MessageEvent]:
        """Stored chat messages of a flow (one session, or all), oldest first."""
        params = {"flow_id": flow_id, "order_by": "timestamp"}
        if session_id:
            params["session_id"] = session_id
        resp = await self._send(
            "GET", self._api("/v1/monitor/messages"), flow_ref=flow_id, params=params
        )
        body = self._json(resp)
        rows = body if isinstance(body, list) else []
        return [MessageEvent.from_data(m) for m in rows if isinstance(m, dict)]

    async def sessions(self, flow_id: str) -> list[str]:
        """The session ids with stored messages for a flow."""
        resp = await self._send(
            "GET",
            self._api("/v1/monitor/messages/sessions"),
            flow_ref=flow_id,
            params={"flow_id": flow_id},
        )
        body = self._json(resp)
        return [str(s) for s in body if s] if isinstance(body, list) else []


def _find_stream_url(reply: dict[str, Any]) -> tuple[str, str | None, str | None] | None:
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


def _byte_chunks(resp: httpx.Response) -> AsyncGenerator[bytes, None]:
    """The body's byte iterator (an async generator at run time), typed so it can be closed."""
    return cast(AsyncGenerator[bytes, None], resp.aiter_bytes())
