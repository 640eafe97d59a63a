"""Controllers: the QObjects that own asyncio tasks and talk to widgets only through signals.

``RunController`` runs one flow request at a time (a new run cancels the previous one;
``stop()`` cancels at once). ``ConnectionController`` probes servers, lists and fetches
flows, uploads files and reads or writes tokens. ``HistoryController`` records every run in
the run history and reads it back, in worker threads. Every failure becomes one readable message
(the LangflowError's message and hint); a traceback only ever goes to the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
import time
from collections.abc import Callable, Collection, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import shiboken6
from PySide6.QtCore import QObject, Signal

from lfdesk.core.api import (
    FlowNotFoundError,
    FlowSummary,
    LangflowClient,
    LangflowError,
    MessageEvent,
    RunResult,
    RunStats,
    ServerInfo,
    StreamEvent,
)
from lfdesk.core.flow import Flow
from lfdesk.core.history import HistoryEntry, HistoryError, PartialAnswer, RunHistory, Status
from lfdesk.core.profiles import Profile
from lfdesk.core.request import Connection, RunRequest
from lfdesk.core.secrets import TokenStore, redact
from lfdesk.core.session import connection_for, tls_verify_for

log = logging.getLogger(__name__)

ClientFactory = Callable[..., LangflowClient]


class _Readable(Exception):
    """A failure whose message is already written for the user."""


def describe_error(exc: BaseException, secrets: tuple[str | None, ...] = ()) -> str:
    """A readable sentence or two for any failure; never a traceback, never a token."""
    if isinstance(exc, _Readable):
        text = str(exc)
    elif isinstance(exc, LangflowError):
        text = f"{exc.message}\n{exc.hint}" if exc.hint else exc.message
    elif isinstance(exc, OSError):
        text = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    else:
        detail = str(exc).strip() or type(exc).__name__
        text = f"Unexpected error ({type(exc).__name__}): {detail}"
    return redact(text, [s for s in secrets if s])


def no_token_message(profile_name: str) -> str:
    return (
        f"No API token is saved for the connection “{profile_name}”.\n"
        "Open Connection > Connections…, select it, paste an API key from Langflow "
        "(Settings > Langflow API Keys) into Token and press Save; then run again."
    )


NO_PROFILE_MESSAGE = (
    "To run this flow, lfdesk needs a Langflow server:\n"
    "1. Open Connection > Connections… and add one (for a local server: "
    "http://127.0.0.1:7860).\n"
    "2. Paste an API key from Langflow (Settings > Langflow API Keys) into Token and Save.\n"
    "3. Make sure the flow exists on that server (File > Open from server…), then Run."
)


@dataclass(frozen=True)
class RunOutcome:
    """What ``RunController.finished`` carries: the request, its result and timings."""

    request: RunRequest
    result: RunResult | None
    stats: RunStats


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


class _TaskOwner(QObject):
    """Keeps a reference to each running task (named slots), so none is garbage-collected
    and a new task in a slot cancels the old one."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: dict[str, asyncio.Task[Any]] = {}

    def _spawn(self, slot: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        old = self._tasks.get(slot)
        if old is not None and not old.done():
            old.cancel()
        task = asyncio.get_event_loop().create_task(coro)
        self._tasks[slot] = task
        task.add_done_callback(functools.partial(self._forget, slot))
        return task

    def _forget(self, slot: str, task: asyncio.Task[Any]) -> None:
        if self._tasks.get(slot) is task:
            del self._tasks[slot]
        if not task.cancelled() and task.exception() is not None:
            # Bodies catch everything; this is a bug in lfdesk, so log it in full.
            log.error("task %s failed", slot, exc_info=task.exception())

    def task(self, slot: str) -> asyncio.Task[Any] | None:
        return self._tasks.get(slot)

    def busy(self) -> bool:
        return any(not t.done() for t in self._tasks.values())

    def cancel_all(self) -> list[asyncio.Task[Any]]:
        tasks = [t for t in self._tasks.values() if not t.done()]
        for t in tasks:
            t.cancel()
        return tasks

    async def aclose(self) -> None:
        """Cancel every task and wait for them to finish (for a clean shutdown)."""
        tasks = self.cancel_all()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


class RunController(_TaskOwner):
    """Runs a RunRequest (streamed or not) in one asyncio task.

    Signals: ``started()``, ``event(object)`` (each StreamEvent), ``finished(object)``
    (a RunOutcome), ``failed(str)`` (a readable message), ``stateChanged(str)`` (one of
    ``running``, ``done``, ``failed``, ``stopped``).
    """

    started = Signal()
    # Shadows QObject.event() for Python callers only; Qt still delivers events through the
    # C++ virtual (PySide does not take a Signal for an override). Named as the design asks.
    event = Signal(object)  # type: ignore[assignment]
    finished = Signal(object)
    failed = Signal(str)
    stateChanged = Signal(str)

    def __init__(
        self,
        tokens: TokenStore | None = None,
        client_factory: ClientFactory | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._tokens = tokens
        self._client_factory: ClientFactory = client_factory or LangflowClient
        self._generation = 0
        self.state = "idle"
        self.request: RunRequest | None = None  # the run started last (for the history)
        self.profile: Profile | None = None

    def _set_state(self, state: str) -> None:
        self.state = state
        self.stateChanged.emit(state)

    def is_running(self) -> bool:
        task = self.task("run")
        return task is not None and not task.done()

    def start(
        self,
        request: RunRequest,
        token: str | None = None,
        *,
        profile: Profile | None = None,
        verify: bool | str | None = None,
    ) -> asyncio.Task[Any]:
        """Run ``request``; cancels a run still going. Without ``token``, the profile's token
        is read from the TokenStore (in a worker thread)."""
        self._generation += 1
        gen = self._generation
        if verify is None:
            verify = tls_verify_for(profile)
        self.request, self.profile = request, profile
        self.started.emit()
        self._set_state("running")
        return self._spawn("run", self._run(gen, request, token, profile, verify))

    def stop(self) -> bool:
        """Cancel the run now; True if one was running."""
        task = self.task("run")
        if task is None or task.done():
            return False
        self._generation += 1  # the cancelled task stays silent from here on
        task.cancel()
        self._set_state("stopped")
        return True

    async def wait(self) -> None:
        """Wait for the current run to end (tests, shutdown)."""
        task = self.task("run")
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.shield(task)

    async def _run(
        self,
        gen: int,
        request: RunRequest,
        token: str | None,
        profile: Profile | None,
        verify: bool | str,
    ) -> None:
        def live() -> bool:
            return gen == self._generation

        def forward(ev: StreamEvent) -> None:
            if live():
                self.event.emit(ev)

        try:
            if token is None and profile is not None and self._tokens is not None:
                token = await self._tokens.aget(profile.name)
            if not token and profile is not None:
                if live():
                    self._fail(no_token_message(profile.name))
                return
            async with self._client_factory(request.connection, token, verify=verify) as client:
                result, stats = await client.run_with_stats(request, on_event=forward)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if not isinstance(exc, LangflowError):
                log.exception("run failed")
            if live():
                self._fail(describe_error(exc, (token,)))
            return
        if not live():
            return
        self._set_state("done")
        self.finished.emit(RunOutcome(request, result, stats))

    def _fail(self, message: str) -> None:
        self._set_state("failed")
        self.failed.emit(message)


@dataclass(frozen=True)
class FetchedFlow:
    """A flow read from a server: which profile, which id, and the parsed Flow."""

    profile: Profile
    flow_id: str
    flow: Flow


class ConnectionController(_TaskOwner):
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

    def _spawn(self, slot: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = super()._spawn(slot, coro)
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

        return self._spawn("test", self._guard("test", body, token))

    def probe(self, profile: Profile) -> asyncio.Task[Any]:
        """A quiet version check (no token needed), for the title and status bar."""

        async def body() -> None:
            async with self._client(profile, None) as client:
                info = await client.probe()
            self.serverInfo.emit(profile.name, info)

        return self._spawn("probe", self._guard("probe", body))

    def list_flows(self, profile: Profile) -> asyncio.Task[Any]:
        async def body() -> None:
            tok = await self._token(profile, None)
            if not tok:
                raise _Readable(no_token_message(profile.name))
            async with self._client(profile, tok) as client:
                flows: list[FlowSummary] = await client.list_flows()
            self.flowsListed.emit(flows)

        return self._spawn("list", self._guard("list", body))

    def fetch_flow(self, profile: Profile, flow_id: str) -> asyncio.Task[Any]:
        async def body() -> None:
            tok = await self._token(profile, None)
            if not tok:
                raise _Readable(no_token_message(profile.name))
            async with self._client(profile, tok) as client:
                flow = await client.fetch_flow(flow_id)
            self.flowFetched.emit(FetchedFlow(profile, flow_id, flow))

        return self._spawn("fetch", self._guard("fetch", body))

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

        return self._spawn(f"upload:{component_id}:{field}", self._guard("upload", body))

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

        return self._spawn("sessions", self._guard("sessions", body))

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

        return self._spawn("messages", self._guard("messages", body))

    def save_token(self, profile_name: str, token: str) -> asyncio.Task[Any]:
        async def body() -> None:
            await self.tokens.aset(profile_name, token)
            self.tokenSaved.emit(profile_name, self.tokens.backend_name())
            self.tokenState.emit(profile_name, True)

        return self._spawn(f"token:{profile_name}", self._guard("token", body, token))

    def delete_token(self, profile_name: str) -> asyncio.Task[Any]:
        async def body() -> None:
            await self.tokens.adelete(profile_name)
            self.tokenState.emit(profile_name, False)

        return self._spawn(f"token:{profile_name}", self._guard("token", body))

    def move_token(self, old_name: str, new_name: str) -> asyncio.Task[Any]:
        """After a rename: the token follows the profile to its new name."""

        async def body() -> None:
            token = await self.tokens.aget(old_name)
            if token:
                await self.tokens.aset(new_name, token)
                await self.tokens.adelete(old_name)
            self.tokenState.emit(new_name, bool(token))

        return self._spawn(f"token:{new_name}", self._guard("token", body))

    def check_token(self, profile_name: str) -> asyncio.Task[Any]:
        async def body() -> None:
            has = bool(await self.tokens.aget(profile_name))
            self.tokenState.emit(profile_name, has)

        return self._spawn(f"check:{profile_name}", self._guard("token", body))

    def fetch_token(self, profile_name: str) -> asyncio.Task[Any]:
        """Read a token for inlining into a snippet (the user asked for it)."""

        async def body() -> None:
            self.tokenFetched.emit(profile_name, await self.tokens.aget(profile_name) or "")

        return self._spawn("inline", self._guard("inline", body))

    def describe_backend(self) -> asyncio.Task[Any]:
        async def body() -> None:
            await self.tokens.aresolve()
            self.backendInfo.emit(
                self.tokens.backend_name(),
                self.tokens.is_persistent(),
                self.tokens.fallback_reason or "",
            )

        return self._spawn("backend", self._guard("token", body))


SecretFields = Callable[[], Collection[tuple[str, str]]]


@dataclass
class _RunInFlight:
    """A run the history has not recorded yet."""

    request: RunRequest
    profile: str | None
    secret_fields: tuple[tuple[str, str], ...]
    partial: PartialAnswer = field(default_factory=lambda: PartialAnswer(time.monotonic()))


class HistoryController(_TaskOwner):
    """Keeps the run history: records each run a RunController makes (finished, failed or
    stopped) and lists, deletes and clears runs, all in worker threads.

    Signals: ``recorded(object)`` (the new HistoryEntry), ``listed(object)``
    (list[HistoryEntry], the answer to ``refresh``), ``deleted(int)`` (an entry id),
    ``cleared()``, ``warning(str)`` (the file had to be replaced), ``failed(str)``.
    """

    recorded = Signal(object)
    listed = Signal(object)
    deleted = Signal(int)
    cleared = Signal()
    warning = Signal(str)
    failed = Signal(str)

    def __init__(self, history: RunHistory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self._write_lock: asyncio.Lock | None = None  # keeps records in the order they came
        self._records = 0
        self._unwritten: dict[int, tuple[RunRequest, dict[str, Any]]] = {}
        self._unwritten_lock = threading.Lock()
        self._run: _RunInFlight | None = None
        self._secret_fields: SecretFields = tuple

    def watch(self, runs: RunController, secret_fields: SecretFields | None = None) -> None:
        """Record every run ``runs`` makes. ``secret_fields`` names, when a run starts, the
        (component, field) tweaks whose values are secrets (stored as ``***``)."""
        if secret_fields is not None:
            self._secret_fields = secret_fields
        runs.started.connect(lambda: self._run_started(runs))
        runs.event.connect(self._run_event)
        runs.finished.connect(self._run_finished)
        runs.failed.connect(self._run_failed)
        runs.stateChanged.connect(self._run_state)

    # --- following a run ---------------------------------------------------------------------

    def _run_started(self, runs: RunController) -> None:
        if self._run is not None:  # replaced by a new run before it ended
            self._record_partial("stopped", "")
        if runs.request is None:
            return
        self._run = _RunInFlight(
            runs.request,
            runs.profile.name if runs.profile is not None else None,
            tuple(self._secret_fields()),
        )

    def _run_event(self, event: object) -> None:
        if self._run is not None:
            self._run.partial.add(event)  # type: ignore[arg-type]

    def _run_finished(self, outcome: object) -> None:
        run, self._run = self._run, None
        if not isinstance(outcome, RunOutcome):
            return
        usage = outcome.stats.usage
        self.record(
            outcome.request,
            status="ok",
            answer=outcome.result.text if outcome.result is not None else "",
            ttft=outcome.stats.ttft,
            total=outcome.stats.total,
            tokens_in=usage.input_tokens if usage else None,
            tokens_out=usage.output_tokens if usage else None,
            profile=run.profile if run else None,
            secret_fields=run.secret_fields if run else (),
        )

    def _run_failed(self, message: str) -> None:
        self._record_partial("error", message)

    def _run_state(self, state: str) -> None:
        if state == "stopped":
            self._record_partial("stopped", "")

    def _record_partial(self, status: Status, error: str) -> None:
        run, self._run = self._run, None
        if run is None:
            return
        self.record(
            run.request,
            status=status,
            answer=run.partial.text,
            error=error,
            ttft=run.partial.ttft,
            total=run.partial.elapsed(),
            profile=run.profile,
            secret_fields=run.secret_fields,
        )

    # --- operations --------------------------------------------------------------------------

    def _emit(self, signal: Any, *args: Any) -> None:
        if shiboken6.isValid(self):  # a worker may finish after the window is gone
            signal.emit(*args)

    def _warn(self) -> None:
        warning = self.history.take_warning()
        if warning:
            self._emit(self.warning, warning)

    async def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._write_lock is None:
            self._write_lock = asyncio.Lock()
        async with self._write_lock:
            return await asyncio.to_thread(fn, *args, **kwargs)

    def record(self, request: RunRequest, **fields: Any) -> asyncio.Task[Any]:
        """Store one run (``RunHistory.record``'s keywords); ``recorded`` tells when it is."""
        self._records += 1
        key = self._records
        with self._unwritten_lock:
            self._unwritten[key] = (request, fields)

        async def body() -> None:
            try:
                entry_id = await self._call(self._write, key)
                entry = None if entry_id is None else await self._call(self.history.get, entry_id)
            except HistoryError as exc:
                self._emit(self.failed, str(exc))
                return
            self._warn()
            if entry is not None:
                self._emit(self.recorded, entry)

        return self._spawn(f"record:{key}", body())

    def _write(self, key: int) -> int | None:
        """Write one queued record, once (from a worker thread, or from ``close``)."""
        with self._unwritten_lock:
            queued = self._unwritten.pop(key, None)
        if queued is None:
            return None
        request, fields = queued
        return self.history.record(request, **fields)

    def close(self) -> None:
        """At shutdown: stop the tasks, but write the runs still queued (a run stopped by
        closing the window among them) right here; each takes a millisecond or so."""
        self.cancel_all()
        with self._unwritten_lock:
            keys = sorted(self._unwritten)
        for key in keys:
            try:
                self._write(key)
            except HistoryError as exc:
                log.warning("a run was not recorded: %s", exc)
        self.history.close()

    def refresh(
        self, search: str | None = None, flow_id: str | None = None, limit: int = 200
    ) -> asyncio.Task[Any]:
        """List the newest runs (matching ``search``); the answer comes as ``listed``."""

        async def body() -> None:
            try:
                entries: list[HistoryEntry] = await self._call(
                    self.history.list, flow_id=flow_id, limit=limit, search=search
                )
            except HistoryError as exc:
                self._emit(self.failed, str(exc))
                return
            self._warn()
            self._emit(self.listed, entries)

        return self._spawn("list", body())

    def delete(self, entry_id: int) -> asyncio.Task[Any]:
        async def body() -> None:
            try:
                await self._call(self.history.delete, entry_id)
            except HistoryError as exc:
                self._emit(self.failed, str(exc))
                return
            self._emit(self.deleted, entry_id)

        return self._spawn(f"delete:{entry_id}", body())

    def clear(self) -> asyncio.Task[Any]:
        async def body() -> None:
            try:
                await self._call(self.history.clear)
            except HistoryError as exc:
                self._emit(self.failed, str(exc))
                return
            self._emit(self.cleared)

        return self._spawn("clear", body())

    async def drain(self) -> None:
        """Wait until every record, list, delete and clear started so far is done."""
        tasks = [t for t in self._tasks.values() if not t.done()]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
