"""The run side of the window: RunController runs a flow, HistoryController records runs.

Both sit on the core's one run pipeline (``lfdesk.core.runner.execute`` feeding a
``Conversation``): the controller only forwards what the conversation says, so the chat pane,
the history and the CLI can never disagree about an answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal

from lfdesk.core.api import LangflowError, StreamEvent
from lfdesk.core.conversation import Change, Conversation, event_json
from lfdesk.core.history import HistoryEntry, HistoryError, RunHistory, RunRecord
from lfdesk.core.profiles import Profile
from lfdesk.core.redact import mask
from lfdesk.core.request import RunRequest
from lfdesk.core.runner import describe_error, execute
from lfdesk.core.secrets import TokenStore
from lfdesk.ui.clientpool import ClientPool, timeouts_of
from lfdesk.ui.tasks import TaskOwner

log = logging.getLogger(__name__)


def no_token_message(profile_name: str) -> str:
    return (
        f"No API token is saved for the connection “{profile_name}”.\n"
        "Open Connection > Connections…, select it, paste an API key from Langflow "
        "(Settings > Langflow API Keys) into Token and press Save; then run again."
    )


class _Run:
    """One run in flight: its request, its conversation and who it is recorded as."""

    def __init__(
        self,
        request: RunRequest,
        profile: Profile | None,
        secret_fields: tuple[tuple[str, str], ...],
    ) -> None:
        self.request = request
        self.profile = profile
        self.secret_fields = secret_fields
        self.conversation = Conversation(request.input_value)
        self.ended = False
        self.token: str | None = None  # the token it runs with, once read

    def record(self) -> RunRecord:
        return RunRecord(
            self.request,
            self.conversation.outcome(),
            self.profile.name if self.profile is not None else None,
            self.secret_fields,
        )


class RunController(TaskOwner):
    """Runs one RunRequest at a time (a new run stops the one going; ``stop`` cancels now).

    Signals: ``started()``; ``messageChanged(Change)`` (what the conversation changed, in
    order); ``rawEvent(str)`` (each stream event as one JSON line); ``finished(RunRecord)``,
    ``failed(RunRecord)`` (``record.outcome.error`` is the readable message) and
    ``stopped(RunRecord)``, exactly one of them per run; ``stateChanged(str)`` (``running``,
    ``done``, ``failed``, ``stopped``).
    """

    started = Signal()
    messageChanged = Signal(Change)
    rawEvent = Signal(str)
    finished = Signal(RunRecord)
    failed = Signal(RunRecord)
    stopped = Signal(RunRecord)
    stateChanged = Signal(str)

    def __init__(
        self,
        tokens: TokenStore | None = None,
        clients: ClientPool | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._tokens = tokens
        self.clients = clients or ClientPool()
        self._run: _Run | None = None
        self.state = "idle"

    @property
    def request(self) -> RunRequest | None:
        """The request of the run started last."""
        return self._run.request if self._run is not None else None

    @property
    def conversation(self) -> Conversation | None:
        """The conversation of the run started last."""
        return self._run.conversation if self._run is not None else None

    def is_running(self) -> bool:
        task = self.task("run")
        return task is not None and not task.done()

    def start(
        self,
        request: RunRequest,
        token: str | None = None,
        *,
        profile: Profile | None = None,
        secret_fields: tuple[tuple[str, str], ...] = (),
    ) -> asyncio.Task[Any]:
        """Run ``request``; a run still going is stopped first. Without ``token``, the
        profile's token is read from the TokenStore (in a worker thread)."""
        self.stop()
        run = _Run(request, profile, secret_fields)
        self._run = run
        self.started.emit()
        self._set_state("running")
        self._emit_changes(run, run.conversation.begin())
        return self.spawn("run", self._body(run, token))

    def stop(self) -> bool:
        """Cancel the run now; True if one was running."""
        run, task = self._run, self.task("run")
        if run is None or run.ended or task is None or task.done():
            return False
        run.conversation.stop()
        self._end(run, "stopped", self.stopped)
        task.cancel()
        return True

    async def wait(self) -> None:
        """Wait for the current run to end (tests, shutdown)."""
        task = self.task("run")
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.shield(task)

    async def shutdown(self) -> None:
        self.stop()
        await self.aclose()
        await self.clients.aclose()

    # --- the run ------------------------------------------------------------------------------

    def _live(self, run: _Run) -> bool:
        return self._run is run and not run.ended and shiboken6.isValid(self)

    def _emit_changes(self, run: _Run, changes: list[Change]) -> None:
        if self._live(run):
            for change in changes:
                self.messageChanged.emit(change)

    def _raw(self, run: _Run, event: StreamEvent) -> None:
        if self._live(run):
            # A server may echo a secret inside any event: the raw log masks what the app knows.
            self.rawEvent.emit(mask(event_json(event), run.token))

    async def _body(self, run: _Run, token: str | None) -> None:
        profile = run.profile
        try:
            if token is None and profile is not None and self._tokens is not None:
                token = await self._tokens.aget(profile.name)
            if not token and profile is not None:
                self._fail(run, no_token_message(profile.name))
                return
            verify = profile.tls_verify() if profile is not None else True
            timeouts = timeouts_of(profile)
            run.token = token
            client = self.clients.client(run.request.connection, token, verify, timeouts)
            await execute(
                client,
                run.request,
                run.conversation,
                lambda changes: self._emit_changes(run, changes),
                lambda event: self._raw(run, event),
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if not isinstance(exc, LangflowError | OSError):
                log.exception("run failed")
            self._fail(run, describe_error(exc, (token,)))
            return
        if self._live(run):
            self._end(run, "done", self.finished)

    def _fail(self, run: _Run, message: str) -> None:
        if self._live(run):
            self._emit_changes(run, run.conversation.fail(message))
            self._end(run, "failed", self.failed)

    def _end(self, run: _Run, state: str, signal: Any) -> None:
        run.ended = True
        self.state = state
        self.stateChanged.emit(state)
        signal.emit(run.record())

    def _set_state(self, state: str) -> None:
        self.state = state
        self.stateChanged.emit(state)


class HistoryController(TaskOwner):
    """Keeps the run history: records each run a RunController ends (finished, failed or
    stopped) and lists, deletes and clears runs, all in worker threads.

    Signals: ``recorded(HistoryEntry)``, ``listed(list)`` (list[HistoryEntry], the answer to
    ``refresh``), ``deleted(int)`` (an entry id), ``cleared()``, ``warning(str)`` (the file
    had to be replaced), ``failed(str)``.
    """

    recorded = Signal(HistoryEntry)
    listed = Signal(list)
    deleted = Signal(int)
    cleared = Signal()
    warning = Signal(str)
    failed = Signal(str)

    def __init__(self, history: RunHistory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self._write_lock: asyncio.Lock | None = None  # keeps records in the order they came
        self._records = 0
        self._unwritten: dict[int, RunRecord] = {}
        self._unwritten_lock = threading.Lock()

    def watch(self, runs: RunController) -> None:
        """Record every run ``runs`` ends."""
        runs.finished.connect(self.record)
        runs.failed.connect(self.record)
        runs.stopped.connect(self.record)

    def _emit(self, signal: Any, *args: Any) -> None:
        if shiboken6.isValid(self):  # a worker may finish after the window is gone
            signal.emit(*args)

    def _warn(self) -> None:
        warning = self.history.take_warning()
        if warning:
            self._emit(self.warning, warning)

    async def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if self._write_lock is None:
            self._write_lock = asyncio.Lock()
        async with self._write_lock:
            return await asyncio.to_thread(fn, *args, **kwargs)

    def record(self, record: RunRecord) -> asyncio.Task[Any]:
        """Store one run; ``recorded`` tells when it is."""
        self._records += 1
        key = self._records
        with self._unwritten_lock:
            self._unwritten[key] = record

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

        return self.spawn(f"record:{key}", body())

    def _write(self, key: int) -> int | None:
        """Write one queued record, once (from a worker thread, or from ``close``)."""
        with self._unwritten_lock:
            record = self._unwritten.pop(key, None)
        return None if record is None else self.history.record_run(record)

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

    def _op(self, slot: str, fn: Any, *args: Any, done: Any, **kwargs: Any) -> asyncio.Task[Any]:
        async def body() -> None:
            try:
                value = await self._call(fn, *args, **kwargs)
            except HistoryError as exc:
                self._emit(self.failed, str(exc))
                return
            self._warn()
            done(value)

        return self.spawn(slot, body())

    def refresh(
        self, search: str | None = None, flow_id: str | None = None, limit: int = 200
    ) -> asyncio.Task[Any]:
        """List the newest runs (matching ``search``); the answer comes as ``listed``."""
        return self._op(
            "list",
            self.history.list,
            flow_id=flow_id,
            limit=limit,
            search=search,
            done=lambda entries: self._emit(self.listed, entries),
        )

    def delete(self, entry_id: int) -> asyncio.Task[Any]:
        return self._op(
            f"delete:{entry_id}",
            self.history.delete,
            entry_id,
            done=lambda _ok: self._emit(self.deleted, entry_id),
        )

    def clear(self) -> asyncio.Task[Any]:
        return self._op("clear", self.history.clear, done=lambda _n: self._emit(self.cleared))
