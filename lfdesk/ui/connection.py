"""ConnectionController: the server chores of the window (probe, test, list and fetch flows,
upload files, past chat sessions, the model catalog, a field's choices) and the token
chores (save, delete, move, check, read).

Every chore is one asyncio task, through the ``ClientPool``'s client for the profile, so
chores and runs against one server share its HTTP connections. Each chore answers with one
signal on success and one on failure; a failure carries one readable message (never a
traceback, never a token; the traceback of an unexpected error goes to the log).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import shiboken6
from PySide6.QtCore import QObject, Signal, SignalInstance

from lfdesk.core import jsontext
from lfdesk.core.api import (
    FlowNotFoundError,
    FlowSummary,
    LangflowClient,
    LangflowError,
    ServerInfo,
)
from lfdesk.core.conversation import Conversation
from lfdesk.core.dynamic import RefreshedNode, UpdateRequest
from lfdesk.core.flow import Flow
from lfdesk.core.profiles import Profile
from lfdesk.core.redact import mask
from lfdesk.core.runner import describe_error
from lfdesk.core.secrets import TokenStore
from lfdesk.ui.clientpool import ClientPool
from lfdesk.ui.runs import no_token_message
from lfdesk.ui.serverfields import FlowSource, ServerModels, connection_key
from lfdesk.ui.tasks import TaskOwner

log = logging.getLogger(__name__)

FetchPurpose = Literal["open", "reload"]
MAX_FLOW_FILE = 64 * 1024 * 1024  # a flow file read again for its nodes (they are ~1 MB)


class _Readable(Exception):
    """A failure whose message is already written for the user."""


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
    """A flow read from a server: which profile, which id, the parsed Flow, and what it was
    fetched for (``open`` it as a new document, or ``reload`` the open one keeping tweaks)."""

    profile: Profile
    flow_id: str
    flow: Flow
    purpose: FetchPurpose = "open"


class ConnectionController(TaskOwner):
    """Server and token chores off the event loop's critical path, one task per kind.

    Signals, one per outcome:

    - ``probed(ConnectionReport)`` / ``testFailed(str)``: "Test connection";
    - ``serverInfo(str, ServerInfo)`` / ``probeFailed(str, str)``: the quiet version probe
      for the title bar (profile name, then the info or the message);
    - ``flowsListed(list)`` (list[FlowSummary]) / ``flowsListFailed(str)``;
    - ``flowFetched(FetchedFlow)`` / ``flowFetchFailed(str)``;
    - ``uploaded(str, str, str)`` (component id, field, server path) / ``uploadFailed(str)``;
    - ``sessionsListed(str, list)`` (flow id, list[str] of chat session ids, newest first;
      empty when the server has none or does not know the flow) / ``sessionsListFailed(str)``;
    - ``messagesLoaded(str, str, list)`` (flow id, session id, the list[Change] that shows
      the stored messages, oldest first) / ``messagesLoadFailed(str)``;
    - ``tokenSaved(str, str)`` (profile, where), ``tokenState(str, bool)`` (profile, has a
      token), ``backendInfo(str, bool, str)`` (keyring name, persistent, fallback reason or
      "") / ``tokenFailed(str)`` (saving, deleting, moving or checking a token);
    - ``tokenFetched(str, str)`` (profile, token or "": only read when the user wants it
      inlined in a snippet) / ``tokenFetchFailed(str)``;
    - ``modelsLoaded(ServerModels)`` (the profile's model catalog, and its global variable
      names when the server gave them) / ``modelsFailed(str, str)`` (the profile's
      ``serverfields.connection_key``, message);
    - ``flowSourceRead(FlowSource)`` (the flow's JSON, a file read again or the server's,
      with the asker's key) / ``flowSourceFailed(str, str)`` (key, message);
    - ``fieldRefreshed(str, str, RefreshedNode)`` (component id, field, the component as
      the server rebuilt it) / ``fieldRefreshFailed(str, str, str)`` (component id, field,
      message);
    - ``busyChanged(bool)``: some chore is running.
    """

    probed = Signal(ConnectionReport)
    testFailed = Signal(str)
    serverInfo = Signal(str, ServerInfo)
    probeFailed = Signal(str, str)
    flowsListed = Signal(list)
    flowsListFailed = Signal(str)
    flowFetched = Signal(FetchedFlow)
    flowFetchFailed = Signal(str)
    uploaded = Signal(str, str, str)
    uploadFailed = Signal(str)
    sessionsListed = Signal(str, list)
    sessionsListFailed = Signal(str)
    messagesLoaded = Signal(str, str, list)
    messagesLoadFailed = Signal(str)
    tokenSaved = Signal(str, str)
    tokenState = Signal(str, bool)
    backendInfo = Signal(str, bool, str)
    tokenFailed = Signal(str)
    tokenFetched = Signal(str, str)
    tokenFetchFailed = Signal(str)
    modelsLoaded = Signal(ServerModels)
    modelsFailed = Signal(str, str)
    flowSourceRead = Signal(FlowSource)
    flowSourceFailed = Signal(str, str)
    fieldRefreshed = Signal(str, str, RefreshedNode)
    fieldRefreshFailed = Signal(str, str, str)
    busyChanged = Signal(bool)

    def __init__(
        self,
        tokens: TokenStore,
        clients: ClientPool | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.tokens = tokens
        self.clients = clients if clients is not None else ClientPool()
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

    def _emit(self, signal: SignalInstance, *args: Any) -> None:
        if shiboken6.isValid(self):
            signal.emit(*args)

    def _client(self, profile: Profile, token: str | None) -> LangflowClient:
        return self.clients.get(profile, token)

    async def _token(self, profile: Profile, token: str | None = None) -> str | None:
        if token:
            return token
        return await self.tokens.aget(profile.name)

    async def _required_token(self, profile: Profile) -> str:
        token = await self._token(profile)
        if not token:
            raise _Readable(no_token_message(profile.name))
        return token

    def _run(
        self,
        slot: str,
        body: Callable[[], Coroutine[Any, Any, None]],
        failed: Callable[[str], None],
        *secrets: str | None,
    ) -> asyncio.Task[Any]:
        # Takes the coroutine *function*: a task cancelled before it starts then leaves no
        # never-awaited coroutine behind.
        async def guarded() -> None:
            try:
                await body()
            except asyncio.CancelledError:
                raise
            except _Readable as exc:
                failed(mask(str(exc), *secrets))
            except Exception as exc:
                if not isinstance(exc, LangflowError | OSError):
                    log.exception("%s failed", slot)
                failed(describe_error(exc, secrets))

        return self.spawn(slot, guarded())

    def _failing(self, signal: SignalInstance) -> Callable[[str], None]:
        return lambda message: self._emit(signal, message)

    # --- server chores ------------------------------------------------------------------------

    def test_connection(self, profile: Profile, token: str | None = None) -> asyncio.Task[Any]:
        """Probe the server and, with a token (given, or saved), check it by listing flows."""

        async def body() -> None:
            tok = await self._token(profile, token)
            client = self._client(profile, tok)
            info = await client.probe()
            count: int | None = None
            if tok:
                count = len(await client.list_flows())
            report = ConnectionReport(profile.name, profile.base_url, info, bool(tok), count)
            self._emit(self.probed, report)

        return self._run("test", body, self._failing(self.testFailed), token)

    def probe(self, profile: Profile) -> asyncio.Task[Any]:
        """A quiet version check (no token needed), for the title and status bar."""

        async def body() -> None:
            info = await self._client(profile, None).probe()
            self._emit(self.serverInfo, profile.name, info)

        def failed(message: str) -> None:
            self._emit(self.probeFailed, profile.name, message)

        return self._run("probe", body, failed)

    def list_flows(self, profile: Profile) -> asyncio.Task[Any]:
        async def body() -> None:
            client = self._client(profile, await self._required_token(profile))
            flows: list[FlowSummary] = await client.list_flows()
            self._emit(self.flowsListed, flows)

        return self._run("list", body, self._failing(self.flowsListFailed))

    def fetch_flow(
        self, profile: Profile, flow_id: str, purpose: FetchPurpose = "open"
    ) -> asyncio.Task[Any]:
        """Read a flow from the server; ``purpose`` travels with the answer."""

        async def body() -> None:
            client = self._client(profile, await self._required_token(profile))
            flow = await client.fetch_flow(flow_id)
            self._emit(self.flowFetched, FetchedFlow(profile, flow_id, flow, purpose))

        return self._run("fetch", body, self._failing(self.flowFetchFailed))

    def upload(
        self, profile: Profile, flow_id: str, component_id: str, field: str, path: str
    ) -> asyncio.Task[Any]:
        async def body() -> None:
            client = self._client(profile, await self._required_token(profile))
            # A File component's `path` takes a v2 file; a Chat Input's `files` a v1 one.
            api: Literal["v1", "v2"] = "v2" if field == "path" else "v1"
            server_path = await client.upload_file(flow_id, Path(path), api=api)
            self._emit(self.uploaded, component_id, field, server_path)

        slot = f"upload:{component_id}:{field}"
        return self._run(slot, body, self._failing(self.uploadFailed))

    def list_sessions(self, profile: Profile, flow_id: str) -> asyncio.Task[Any]:
        """The chat sessions the server stored for a flow (newest activity first, as
        Langflow orders them). A flow the server does not know has none."""

        async def body() -> None:
            client = self._client(profile, await self._required_token(profile))
            try:
                ids: list[str] = await client.sessions(flow_id)
            except FlowNotFoundError:
                ids = []
            self._emit(self.sessionsListed, flow_id, ids)

        return self._run("sessions", body, self._failing(self.sessionsListFailed))

    def load_messages(self, profile: Profile, flow_id: str, session_id: str) -> asyncio.Task[Any]:
        """The stored messages of one chat session, oldest first. A newer request
        replaces one still going (the user picked another session)."""

        async def body() -> None:
            client = self._client(profile, await self._required_token(profile))
            try:
                messages = await client.messages(flow_id, session_id)
            except FlowNotFoundError:
                messages = []
            self._emit(self.messagesLoaded, flow_id, session_id, Conversation.replay(messages))

        return self._run("messages", body, self._failing(self.messagesLoadFailed))

    # --- fields whose choices live on the server -------------------------------------------

    def load_models(self, profile: Profile) -> asyncio.Task[Any]:
        """The server's model catalog, and the caller's global variable names (left out,
        None, when the server does not give them: the catalog alone still says which
        providers are set up)."""

        async def body() -> None:
            client = self._client(profile, await self._required_token(profile))
            catalog = await client.model_catalog()
            try:
                names: frozenset[str] | None = frozenset(await client.variable_names())
            except LangflowError as exc:
                log.info("no global variable names from %s: %s", profile.name, exc)
                names = None
            self._emit(self.modelsLoaded, ServerModels(connection_key(profile), catalog, names))

        def failed(message: str) -> None:
            self._emit(self.modelsFailed, connection_key(profile), message)

        return self._run(f"models:{connection_key(profile)}", body, failed)

    def read_flow_file(self, key: str, path: str) -> asyncio.Task[Any]:
        """A flow file's JSON, read again (off the event loop) for what the parsed flow
        does not keep: its nodes as they are."""

        async def body() -> None:
            raw = await asyncio.to_thread(_read_limited, Path(path), MAX_FLOW_FILE)
            try:
                data = jsontext.loads(raw.decode("utf-8-sig"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise _Readable(f"{path}: not a flow file now ({exc})") from None
            self._emit(self.flowSourceRead, FlowSource(key, data if isinstance(data, dict) else {}))

        return self._run("source", body, lambda m: self._emit(self.flowSourceFailed, key, m))

    def fetch_flow_source(self, key: str, profile: Profile, flow_id: str) -> asyncio.Task[Any]:
        """A server flow's JSON as the server stores it (its nodes as they are)."""

        async def body() -> None:
            client = self._client(profile, await self._required_token(profile))
            data = await client.get_flow_json(flow_id)
            self._emit(self.flowSourceRead, FlowSource(key, data))

        return self._run("source", body, lambda m: self._emit(self.flowSourceFailed, key, m))

    def refresh_field(
        self, profile: Profile, component_id: str, field: str, request: UpdateRequest
    ) -> asyncio.Task[Any]:
        """Ask the server for a field's choices: the component update Langflow's canvas
        makes (the server builds the component with the values in ``request``)."""

        async def body() -> None:
            client = self._client(profile, await self._required_token(profile))
            node = await client.update_component(request)
            self._emit(self.fieldRefreshed, component_id, field, node)

        def failed(message: str) -> None:
            self._emit(self.fieldRefreshFailed, component_id, field, message)

        return self._run(f"refresh:{component_id}:{field}", body, failed)

    # --- token chores -------------------------------------------------------------------------

    def save_token(self, profile_name: str, token: str) -> asyncio.Task[Any]:
        async def body() -> None:
            await self.tokens.aset(profile_name, token)
            self._emit(self.tokenSaved, profile_name, self.tokens.backend_name())
            self._emit(self.tokenState, profile_name, True)

        return self._run(f"token:{profile_name}", body, self._failing(self.tokenFailed), token)

    def delete_token(self, profile_name: str) -> asyncio.Task[Any]:
        async def body() -> None:
            await self.tokens.adelete(profile_name)
            self._emit(self.tokenState, profile_name, False)

        return self._run(f"token:{profile_name}", body, self._failing(self.tokenFailed))

    def move_token(self, old_name: str, new_name: str) -> asyncio.Task[Any]:
        """After a rename: the token follows the profile to its new name."""

        async def body() -> None:
            token = await self.tokens.aget(old_name)
            if token:
                await self.tokens.aset(new_name, token)
                await self.tokens.adelete(old_name)
            self._emit(self.tokenState, new_name, bool(token))

        return self._run(f"token:{new_name}", body, self._failing(self.tokenFailed))

    def check_token(self, profile_name: str) -> asyncio.Task[Any]:
        async def body() -> None:
            has = bool(await self.tokens.aget(profile_name))
            self._emit(self.tokenState, profile_name, has)

        return self._run(f"check:{profile_name}", body, self._failing(self.tokenFailed))

    def fetch_token(self, profile_name: str) -> asyncio.Task[Any]:
        """Read a token for inlining into a snippet (the user asked for it)."""

        async def body() -> None:
            token = await self.tokens.aget(profile_name)
            self._emit(self.tokenFetched, profile_name, token or "")

        return self._run("inline", body, self._failing(self.tokenFetchFailed))

    def describe_backend(self) -> asyncio.Task[Any]:
        async def body() -> None:
            await self.tokens.aresolve()
            self._emit(
                self.backendInfo,
                self.tokens.backend_name(),
                self.tokens.is_persistent(),
                self.tokens.fallback_reason or "",
            )

        return self._run("backend", body, self._failing(self.tokenFailed))


def _read_limited(path: Path, limit: int) -> bytes:
    with path.open("rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise _Readable(f"{path}: larger than {limit // (1024 * 1024)} MB")
    return data
