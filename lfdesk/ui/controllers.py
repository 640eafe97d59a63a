"""ConnectionController: server chores (probe, list and fetch flows, upload, chat sessions)
and token reads and writes, off the event loop's critical path. Every failure becomes one
readable message (the LangflowError's message and hint); a traceback only goes to the log.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import shiboken6
from PySide6.QtCore import QObject, Signal

from lfdesk.core import runner
from lfdesk.core.api import (
    FlowNotFoundError,
    FlowSummary,
    LangflowClient,
    LangflowError,
    MessageEvent,
    ServerInfo,
)
from lfdesk.core.flow import Flow
from lfdesk.core.profiles import Profile, connection_for, tls_verify_for
from lfdesk.core.redact import mask
from lfdesk.core.request import Connection
from lfdesk.core.secrets import TokenStore
from lfdesk.ui.runs import no_token_message
from lfdesk.ui.tasks import TaskOwner

log = logging.getLogger(__name__)

ClientFactory = Callable[..., LangflowClient]


class _Readable(Exception):
    """A failure whose message is already written for the user."""


def describe_error(exc: BaseException, secrets: tuple[str | None, ...] = ()) -> str:
    """A readable sentence or two for any failure; never a traceback, never a token."""
    if isinstance(exc, _Readable):
        return mask(str(exc), *secrets)
    return runner.describe_error(exc, secrets)


NO_PROFILE_MESSAGE = (
    "To run this flow, lfdesk needs a Langflow server:\n"
    "1. Open Connection > Connections… and add one (for a local server: "
    "http://127.0.0.1:7860).\n"
    "2. Paste an API key from Langflow (Settings > Langflow API Keys) into Token and Save.\n"
    "3. Make sure the flow exists on that server (File > Open from server…), then Run."
)


@dataclass(frozen=True)
class ConnectionReport:
    """The answer to "Test connection": the server, and whether the token was accepted."""

    profile: str
    base_url: str
    info: ServerInfo
    token_checked: bool
    flow_count: int | None = None

    def summary(self) -> str:
        version = f"{self.info.package or 'Langflow'} {self.info.version}".strip()
        text = f"Connected to {version} at {self.base_url}."
        if self.token_checked:
            text += f" The token works ({self.flow_count} flows visible)."
        else:
            text += " No token given, so it was not checked."
        return text


@dataclass(frozen=True)
class FetchedFlow:
    """A flow read from a server: which profile, which id, and the parsed Flow."""

    profile: Profile
    flow_id: str
    flow: Flow


class ConnectionController(TaskOwner):
    """Server chores off the event loop's critical path, one task per kind of chore.

    Signals: ``probed(object)`` (ConnectionReport), ``serverInfo(str, object)`` (profile
    name, ServerInfo: a quiet probe for the title bar), ``flowsListed(object)``
    (list[FlowSummary]), ``flowFetched(object)`` (FetchedFlow), ``uploaded(str, str, str)``
    (component id, field, server path), ``tokenSaved(str, str)`` (profile, where),
    ``tokenState(str, bool)`` (profile, has a token), ``tokenFetched(str, str)`` (profile,
    token or "": only asked for when the user wants it inlined in a snippet),
    ``backendInfo(str, bool, str)`` (backend name, persistent, fallback reason or ""),
    ``sessionsListed(str, object)`` (flow id, list[str] of chat session ids, newest first;
    empty when the server has none or does not know the flow),
    ``messagesLoaded(str, str, object)`` (flow id, session id, list[MessageEvent], oldest
    first), ``failed(str, str)`` (operation, message),
    ``busyChanged(bool)``.
    """

    probed = Signal(object)
    serverInfo = Signal(str, object)
    flowsListed = Signal(object)
    flowFetched = Signal(object)
    uploaded = Signal(str, str, str)
    tokenSaved = Signal(str, str)
    tokenState = Signal(str, bool)
    tokenFetched = Signal(str, str)
    backendInfo = Signal(str, bool, str)
    sessionsListed = Signal(str, object)
    messagesLoaded = Signal(str, str, object)
    failed = Signal(str, str)
    busyChanged = Signal(bool)

    def __init__(
        self,
        tokens: TokenStore,
        client_factory: ClientFactory | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.tokens = tokens
        self._client_factory: ClientFactory = client_factory or LangflowClient
        self._busy = False

    def spawn(self, slot: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = super().spawn(slot, coro)
        task.add_done_callback(lambda _t: self._update_busy())
        self._update_busy()
        return task

    def _update_busy(self) -> None:
        busy = self.busy()
        if busy != self._busy and shiboken6.isValid(self):  # a task may outlive the window
            self._busy = busy
            self.busyChanged.emit(busy)

    def _client(self, profile: Profile, token: str | None) -> LangflowClient:
        connection: Connection = connection_for(profile)
        return self._client_factory(connection, token, verify=tls_verify_for(profile))

    async def _token(self, profile: Profile, token: str | None) -> str | None:
        if token:
            return token
        return await self.tokens.aget(profile.name)

    async def _guard(
        self, op: str, body: Callable[[], Coroutine[Any, Any, None]], *secrets: str | None
    ) -> None:
        # Takes the coroutine *function*: a task cancelled before it starts then leaves no
        # never-awaited coroutine behind.
        try:
            await body()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if not isinstance(exc, LangflowError | OSError | _Readable):
                log.exception("%s failed", op)
            self.failed.emit(op, describe_error(exc, secrets))

    # --- operations ----------------------------------------------------------------------------

    def test_connection(self, profile: Profile, token: str | None = None) -> asyncio.Task[Any]:
        """Probe the server and, with a token (given, or saved), check it by listing flows."""

        async def body() -> None:
            tok = await self._token(profile, token)
            async with self._client(profile, tok) as client:
                info = await client.probe()
                count: int | None = None
                if tok:
                    count = len(await client.list_flows())
            self.probed.emit(
                ConnectionReport(profile.name, profile.base_url, info, bool(tok), count)
            )

        return self.spawn("test", self._guard("test", body, token))

    def probe(self, profile: Profile) -> asyncio.Task[Any]:
        """A quiet version check (no token needed), for the title and status bar."""

        async def body() -> None:
            async with self._client(profile, None) as client:
                info = await client.probe()
            self.serverInfo.emit(profile.name, info)

        return self.spawn("probe", self._guard("probe", body))

    def list_flows(self, profile: Profile) -> asyncio.Task[Any]:
        async def body() -> None:
            tok = await self._token(profile, None)
            if not tok:
                raise _Readable(no_token_message(profile.name))
            async with self._client(profile, tok) as client:
                flows: list[FlowSummary] = await client.list_flows()
            self.flowsListed.emit(flows)

        return self.spawn("list", self._guard("list", body))

    def fetch_flow(self, profile: Profile, flow_id: str) -> asyncio.Task[Any]:
        async def body() -> None:
            tok = await self._token(profile, None)
            if not tok:
                raise _Readable(no_token_message(profile.name))
            async with self._client(profile, tok) as client:
                flow = await client.fetch_flow(flow_id)
            self.flowFetched.emit(FetchedFlow(profile, flow_id, flow))

        return self.spawn("fetch", self._guard("fetch", body))

    def upload(
        self, profile: Profile, flow_id: str, component_id: str, field: str, path: str
    ) -> asyncio.Task[Any]:
        async def body() -> None:
            tok = await self._token(profile, None)
            if not tok:
                raise _Readable(no_token_message(profile.name))
            # A File component's `path` takes a v2 file; a Chat Input's `files` a v1 one.
            api: Literal["v1", "v2"] = "v2" if field == "path" else "v1"
            async with self._client(profile, tok) as client:
                server_path = await client.upload_file(flow_id, Path(path), api=api)
            self.uploaded.emit(component_id, field, server_path)

        return self.spawn(f"upload:{component_id}:{field}", self._guard("upload", body))

    def list_sessions(self, profile: Profile, flow_id: str) -> asyncio.Task[Any]:
        """The chat sessions the server stored for a flow (newest activity first, as
        Langflow orders them). A flow the server does not know has none."""

        async def body() -> None:
            tok = await self._token(profile, None)
            if not tok:
                raise _Readable(no_token_message(profile.name))
            async with self._client(profile, tok) as client:
                try:
                    ids: list[str] = await client.sessions(flow_id)
                except FlowNotFoundError:
                    ids = []
            self.sessionsListed.emit(flow_id, ids)

        return self.spawn("sessions", self._guard("sessions", body))

    def load_messages(self, profile: Profile, flow_id: str, session_id: str) -> asyncio.Task[Any]:
        """The stored messages of one chat session, oldest first. A newer request
        replaces one still going (the user picked another session)."""

        async def body() -> None:
            tok = await self._token(profile, None)
            if not tok:
                raise _Readable(no_token_message(profile.name))
            async with self._client(profile, tok) as client:
                try:
                    messages: list[MessageEvent] = await client.messages(flow_id, session_id)
                except FlowNotFoundError:
                    messages = []
            self.messagesLoaded.emit(flow_id, session_id, messages)

        return self.spawn("messages", self._guard("messages", body))

    def save_token(self, profile_name: str, token: str) -> asyncio.Task[Any]:
        async def body() -> None:
            await self.tokens.aset(profile_name, token)
            self.tokenSaved.emit(profile_name, self.tokens.backend_name())
            self.tokenState.emit(profile_name, True)

        return self.spawn(f"token:{profile_name}", self._guard("token", body, token))

    def delete_token(self, profile_name: str) -> asyncio.Task[Any]:
        async def body() -> None:
            await self.tokens.adelete(profile_name)
            self.tokenState.emit(profile_name, False)

        return self.spawn(f"token:{profile_name}", self._guard("token", body))

    def move_token(self, old_name: str, new_name: str) -> asyncio.Task[Any]:
        """After a rename: the token follows the profile to its new name."""

        async def body() -> None:
            token = await self.tokens.aget(old_name)
            if token:
                await self.tokens.aset(new_name, token)
                await self.tokens.adelete(old_name)
            self.tokenState.emit(new_name, bool(token))

        return self.spawn(f"token:{new_name}", self._guard("token", body))

    def check_token(self, profile_name: str) -> asyncio.Task[Any]:
        async def body() -> None:
            has = bool(await self.tokens.aget(profile_name))
            self.tokenState.emit(profile_name, has)

        return self.spawn(f"check:{profile_name}", self._guard("token", body))

    def fetch_token(self, profile_name: str) -> asyncio.Task[Any]:
        """Read a token for inlining into a snippet (the user asked for it)."""

        async def body() -> None:
            self.tokenFetched.emit(profile_name, await self.tokens.aget(profile_name) or "")

        return self.spawn("inline", self._guard("inline", body))

    def describe_backend(self) -> asyncio.Task[Any]:
        async def body() -> None:
            await self.tokens.aresolve()
            self.backendInfo.emit(
                self.tokens.backend_name(),
                self.tokens.is_persistent(),
                self.tokens.fallback_reason or "",
            )

        return self.spawn("backend", self._guard("token", body))
