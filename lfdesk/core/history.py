"""Run history: every run the app made, kept in SQLite so it can be looked at, restored and
turned into code again.

One row per run: what was sent (flow, connection, input, tweaks, the request body), how it
ended (status, answer, error) and its timings. Never a token: nothing from the headers is
stored, every text goes through ``redact.mask`` and secret tweak values are replaced before
they are written. A damaged file is moved aside and a fresh one made, with a warning for the
user; nothing here raises an sqlite3 error at a caller.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from lfdesk.core import paths
from lfdesk.core.conversation import Outcome, RunStatus
from lfdesk.core.redact import REDACTED, mask, show_url
from lfdesk.core.request import Connection, ConnectionKind, RequestError, RunRequest

log = logging.getLogger(__name__)

FILE_NAME = "history.sqlite3"
SCHEMA_VERSION = 1
MAX_RUNS = 5000  # the newest runs kept
MAX_ANSWER_CHARS = 200_000  # an answer longer than this is cut (and says so)
MAX_TEXT_CHARS = 200_000  # the same cap for the input, the error and the request body
TRUNCATED = "\n[… cut: the history keeps the first {n:,} characters]"

Status = Literal["ok", "error", "stopped"]
STATUSES: tuple[Status, ...] = ("ok", "error", "stopped")
_RECORDED_STATUS: dict[RunStatus, Status] = {
    "ok": "ok",
    "error": "error",
    "stopped": "stopped",
    "running": "stopped",
}

_T = TypeVar("_T")

_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created REAL NOT NULL,
            flow_name TEXT NOT NULL DEFAULT '',
            flow_id TEXT,
            flow_ref TEXT NOT NULL DEFAULT '',
            flow_path TEXT,
            profile TEXT,
            base_url TEXT NOT NULL DEFAULT '',
            connection_kind TEXT NOT NULL DEFAULT 'self-hosted',
            datastax_id TEXT,
            api TEXT NOT NULL DEFAULT 'v1',
            stream INTEGER NOT NULL DEFAULT 0,
            input_value TEXT,
            input_type TEXT NOT NULL DEFAULT 'chat',
            output_type TEXT NOT NULL DEFAULT 'chat',
            output_component TEXT,
            session_id TEXT,
            tweaks_json TEXT NOT NULL DEFAULT '{}',
            body_json TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL,
            answer TEXT NOT NULL DEFAULT '',
            error TEXT NOT NULL DEFAULT '',
            ttft REAL,
            total REAL,
            tokens_in INTEGER,
            tokens_out INTEGER
        )
        """,
        "CREATE INDEX runs_flow ON runs (flow_id, id)",
    ),
}

_COLUMNS = (
    "id, created, flow_name, flow_id, flow_ref, flow_path, profile, base_url, connection_kind, "
    "datastax_id, api, stream, input_value, input_type, output_type, output_component, "
    "session_id, tweaks_json, body_json, status, answer, error, ttft, total, tokens_in, "
    "tokens_out"
)


class HistoryError(Exception):
    """The history could not be read or written (the message is for the user)."""


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One stored run. ``tweaks_json`` and ``body_json`` are JSON text, already masked."""

    id: int
    created: float  # Unix time
    flow_name: str
    flow_id: str | None
    flow_ref: str
    flow_path: str | None
    profile: str | None
    base_url: str
    connection_kind: str
    datastax_id: str | None
    api: str
    stream: bool
    input_value: str | None
    input_type: str
    output_type: str
    output_component: str | None
    session_id: str | None
    tweaks_json: str
    body_json: str
    status: Status
    answer: str
    error: str
    ttft: float | None
    total: float | None
    tokens_in: int | None
    tokens_out: int | None

    @property
    def when(self) -> datetime:
        """The start of the run, in local time."""
        return datetime.fromtimestamp(self.created)

    def tweaks(self) -> dict[str, dict[str, Any]]:
        """The stored tweaks object (secret values read ``***``)."""
        try:
            data = json.loads(self.tweaks_json)
        except json.JSONDecodeError:
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: dict(v) for k, v in data.items() if isinstance(v, dict)}

    def body_pretty(self) -> str:
        """The request body as indented JSON."""
        try:
            return json.dumps(json.loads(self.body_json), indent=2, ensure_ascii=False)
        except json.JSONDecodeError:
            return self.body_json

    def to_request(self) -> RunRequest:
        """The RunRequest this run sent, rebuilt from the stored fields (for code snippets).

        Raises RequestError when the stored connection no longer makes one (a DataStax
        connection with no id)."""
        kind: ConnectionKind = (
            "datastax" if self.connection_kind == "datastax" else "self-hosted"
        )
        return RunRequest(
            connection=Connection(self.base_url, kind, self.datastax_id),
            flow_ref=self.flow_ref,
            flow_id=self.flow_id,
            input_value=self.input_value,
            input_type=self.input_type,
            output_type=self.output_type,
            output_component=self.output_component,
            session_id=self.session_id,
            tweaks=self.tweaks(),
            stream=self.stream,
            api="v2" if self.api == "v2" else "v1",
            flow_path=self.flow_path,
            flow_name=self.flow_name,
        )

    def same_flow(self, flow_id: str | None, flow_ref: str, flow_name: str) -> bool:
        """Whether this run was of the flow named by these (its id when both know one)."""
        if self.flow_id and flow_id:
            return self.flow_id == flow_id
        if self.flow_ref and flow_ref:
            return self.flow_ref == flow_ref
        return bool(self.flow_name) and self.flow_name == flow_name


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A run to record: what was sent, how its conversation ended, with which connection
    profile, and which (component id, field) tweaks hold secrets (stored as ``***``)."""

    request: RunRequest
    outcome: Outcome
    profile: str | None = None
    secret_fields: tuple[tuple[str, str], ...] = ()


# --- masking -----------------------------------------------------------------------------------


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + TRUNCATED.format(n=limit)


def _clean(text: str | None, limit: int = MAX_TEXT_CHARS) -> str:
    # Mask before cutting, so a cut never leaves half a token unmasked.
    return _cap(mask(text or ""), limit)


def _clean_opt(text: str | None) -> str | None:
    return None if text is None else _clean(text)


def _mask_value(value: Any) -> Any:
    """Every string in a JSON value (keys too) masked."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, Mapping):
        return {mask(str(k)): _mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_value(v) for v in value]
    return value


def _without_secrets(
    tweaks: Mapping[str, Mapping[str, Any]], secret_fields: Collection[tuple[str, str]]
) -> dict[str, dict[str, Any]]:
    """The tweaks with each secret literal replaced by ``***`` (global-variable references,
    ``{"value": name, "load_from_db": true}``, name no secret and are kept)."""
    out: dict[str, dict[str, Any]] = {}
    for cid, fields in tweaks.items():
        kept: dict[str, Any] = {}
        for name, value in fields.items():
            is_reference = isinstance(value, Mapping) and value.get("load_from_db") is True
            kept[name] = REDACTED if (cid, name) in secret_fields and not is_reference else value
        out[cid] = kept
    return out


def _safe_url(url: str) -> str:
    """The URL without any ``user:password@``, masked."""
    return mask(show_url(url))


def _body_text(request: RunRequest) -> str:
    try:
        body: Any = request.body()
    except RequestError as exc:
        body = {"error": f"the request could not be built: {exc}"}
    text = json.dumps(_mask_value(body), ensure_ascii=False)
    return text if len(text) <= MAX_TEXT_CHARS else json.dumps({"note": "too large to keep"})


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _is_corruption(exc: sqlite3.Error) -> bool:
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        return "malformed" in text or "not a database" in text
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(
        exc, sqlite3.IntegrityError | sqlite3.ProgrammingError | sqlite3.InterfaceError
    )


# --- the store -------------------------------------------------------------------------------


class RunHistory:
    """The run history in one SQLite file (WAL).

    Safe to use from several threads (one connection behind a lock), so the GUI can call
    it through ``asyncio.to_thread``. The file is opened on first use; ``warning`` then says
    whether it had to be replaced (a damaged or newer file, moved aside).
    """

    def __init__(self, path: Path | None = None, *, max_runs: int = MAX_RUNS) -> None:
        self.path = path if path is not None else paths.data_dir() / FILE_NAME
        self.max_runs = max_runs
        self.warning: str | None = None
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()

    # --- opening ---------------------------------------------------------------------------

    def open(self) -> str | None:
        """Open (or make) the file now; returns the warning, if any (also in ``warning``)."""
        with self._lock:
            self._connection()
            return self.warning

    def take_warning(self) -> str | None:
        """The warning, once: it is cleared when read."""
        with self._lock:
            warning, self.warning = self.warning, None
            return warning

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.close()
                self._conn = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        try:
            self._conn = self._connect()
        except sqlite3.Error as exc:
            if not _is_corruption(exc) and not isinstance(exc, _NewerSchema):
                raise HistoryError(
                    f"The run history at {self.path} cannot be opened: {exc}"
                ) from exc
            reason = str(exc) if isinstance(exc, _NewerSchema) else "it is damaged"
            aside = self._move_aside("newer" if isinstance(exc, _NewerSchema) else "corrupt")
            self.warning = (
                f"The run history could not be read ({reason}), so a new one was started. "
                f"The old file was kept as {aside.name} in {aside.parent}."
            )
            log.warning("history %s moved aside to %s: %s", self.path, aside, exc)
            try:
                self._conn = self._connect()
            except sqlite3.Error as again:
                raise HistoryError(
                    f"The run history at {self.path} cannot be made: {again}"
                ) from again
        return self._conn

    def _connect(self) -> sqlite3.Connection:
        # The runs' inputs, answers and bodies are the user's only: the file is made 0600 in
        # a 0700 folder before SQLite opens it, and SQLite gives its -wal and -shm files the
        # database's mode. Files an older lfdesk left readable are tightened.
        try:
            paths.private_file(self.path)
            for suffix in ("-wal", "-shm"):
                paths.restrict(self.path.with_name(self.path.name + suffix))
        except OSError as exc:
            raise HistoryError(
                f"The run history at {self.path} cannot be made: {exc.strerror or exc}"
            ) from None
        conn = sqlite3.connect(self.path, check_same_thread=False, timeout=5.0)
        try:
            conn.row_factory = sqlite3.Row
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise _NewerSchema(
                    f"it was written by a newer lfdesk (schema {version}, this one knows "
                    f"{SCHEMA_VERSION})"
                )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable enough, much faster
            conn.execute("PRAGMA secure_delete=ON")  # a deleted run's text leaves the file
            for target in range(version + 1, SCHEMA_VERSION + 1):
                with conn:
                    for sql in _MIGRATIONS[target]:
                        conn.execute(sql)
                    conn.execute(f"PRAGMA user_version = {target}")
            conn.execute("SELECT count(*) FROM runs").fetchone()
        except BaseException:
            conn.close()
            raise
        return conn

    def _move_aside(self, label: str) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.{label}-{stamp}")
        n = 1
        while aside.exists():
            n += 1
            aside = self.path.with_name(f"{self.path.name}.{label}-{stamp}-{n}")
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None
        with contextlib.suppress(FileNotFoundError):
            self.path.rename(aside)
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            with contextlib.suppress(OSError):
                side.rename(aside.with_name(aside.name + suffix))
        return aside

    def _do(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``work`` under the lock; a damaged file found on the way is replaced (once)."""
        with self._lock:
            try:
                return work(self._connection())
            except sqlite3.Error as exc:
                if not _is_corruption(exc):
                    raise HistoryError(f"The run history could not be used: {exc}") from exc
                aside = self._move_aside("corrupt")
                self.warning = (
                    "The run history was damaged, so a new one was started. The old file was "
                    f"kept as {aside.name} in {aside.parent}."
                )
                log.warning("history %s damaged, moved aside to %s: %s", self.path, aside, exc)
            try:
                return work(self._connection())
            except sqlite3.Error as exc:
                raise HistoryError(f"The run history could not be used: {exc}") from exc

    # --- writing ---------------------------------------------------------------------------

    def record(
        self,
        request: RunRequest,
        *,
        status: Status,
        answer: str | None = None,
        error: str | None = None,
        ttft: float | None = None,
        total: float | None = None,
        tokens_in: int | None = None,
        tokens_out: int | None = None,
        profile: str | None = None,
        secret_fields: Collection[tuple[str, str]] = (),
        created: float | None = None,
    ) -> int:
        """Store one run; returns its id. ``secret_fields`` names the (component id, field)
        tweaks whose values are secrets: they are stored as ``***``."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
        tweaks = _without_secrets(request.tweaks, secret_fields)
        safe = request.with_(tweaks=tweaks)
        conn_ = request.connection
        row = (
            created if created is not None else time.time(),
            _clean(request.flow_name or ""),
            _clean_opt(request.flow_id),
            _clean(request.flow_ref),
            _clean_opt(request.flow_path),
            _clean_opt(profile),
            _safe_url(conn_.base_url),
            conn_.kind,
            _clean_opt(conn_.datastax_id),
            request.api,
            int(request.stream),
            _clean_opt(request.input_value),
            request.input_type,
            request.output_type,
            _clean_opt(request.output_component),
            _clean_opt(request.session_id),
            json.dumps(_mask_value(tweaks), ensure_ascii=False),
            _body_text(safe),
            status,
            _clean(answer, MAX_ANSWER_CHARS),
            _clean(error),
            ttft,
            total,
            tokens_in,
            tokens_out,
        )
        marks = ", ".join("?" * len(row))

        def work(conn: sqlite3.Connection) -> int:
            with conn:
                cur = conn.execute(
                    f"INSERT INTO runs ({_COLUMNS.removeprefix('id, ')}) VALUES ({marks})", row
                )
                new_id = int(cur.lastrowid or 0)
                conn.execute(
                    "DELETE FROM runs WHERE id <= "
                    "(SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?)",
                    (self.max_runs,),
                )
            return new_id

        return self._do(work)

    def record_run(self, record: RunRecord, *, created: float | None = None) -> int:
        """Store a run from its conversation's outcome; returns its id."""
        outcome = record.outcome
        usage = outcome.stats.usage
        status = _RECORDED_STATUS[outcome.status]  # a run still going is recorded stopped
        return self.record(
            record.request,
            status=status,
            answer=outcome.answer,
            error=outcome.error,
            ttft=outcome.stats.ttft,
            total=outcome.stats.total,
            tokens_in=usage.input_tokens if usage else None,
            tokens_out=usage.output_tokens if usage else None,
            profile=record.profile,
            secret_fields=record.secret_fields,
            created=created,
        )

    def delete(self, entry_id: int) -> bool:
        """Remove one run; True if it was there."""

        def work(conn: sqlite3.Connection) -> bool:
            with conn:
                return conn.execute("DELETE FROM runs WHERE id = ?", (entry_id,)).rowcount > 0

        return self._do(work)

    def clear(self) -> int:
        """Remove every run (and give the space back); returns how many there were."""

        def work(conn: sqlite3.Connection) -> int:
            with conn:
                count = conn.execute("DELETE FROM runs").rowcount
            conn.execute("VACUUM")
            return int(count)

        return self._do(work)

    # --- reading ---------------------------------------------------------------------------

    def list(
        self, flow_id: str | None = None, limit: int = 200, search: str | None = None
    ) -> builtins.list[HistoryEntry]:
        """The newest runs first; only those of ``flow_id`` when given, and only those whose
        input, answer or flow name contains ``search`` (case-insensitive for ASCII)."""
        where: list[str] = []
        args: list[Any] = []
        if flow_id is not None:
            where.append("flow_id = ?")
            args.append(flow_id)
        if search and search.strip():
            pattern = f"%{_escape_like(search.strip())}%"
            where.append(
                "(input_value LIKE ? ESCAPE '\\' OR answer LIKE ? ESCAPE '\\' "
                "OR flow_name LIKE ? ESCAPE '\\')"
            )
            args += [pattern, pattern, pattern]
        sql = f"SELECT {_COLUMNS} FROM runs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(max(0, limit))

        def work(conn: sqlite3.Connection) -> builtins.list[HistoryEntry]:
            return [_entry(r) for r in conn.execute(sql, args)]

        return self._do(work)

    def get(self, entry_id: int) -> HistoryEntry | None:
        def work(conn: sqlite3.Connection) -> HistoryEntry | None:
            row = conn.execute(f"SELECT {_COLUMNS} FROM runs WHERE id = ?", (entry_id,)).fetchone()
            return None if row is None else _entry(row)

        return self._do(work)

    def count(self) -> int:
        return self._do(lambda conn: int(conn.execute("SELECT count(*) FROM runs").fetchone()[0]))

    def __iter__(self) -> Iterator[HistoryEntry]:
        return iter(self.list(limit=self.max_runs))


class _NewerSchema(sqlite3.DatabaseError):
    """The file's schema is newer than this lfdesk knows."""


def _entry(row: sqlite3.Row) -> HistoryEntry:
    status = row["status"]
    return HistoryEntry(
        id=int(row["id"]),
        created=float(row["created"]),
        flow_name=row["flow_name"] or "",
        flow_id=row["flow_id"],
        flow_ref=row["flow_ref"] or "",
        flow_path=row["flow_path"],
        profile=row["profile"],
        base_url=row["base_url"] or "",
        connection_kind=row["connection_kind"] or "self-hosted",
        datastax_id=row["datastax_id"],
        api=row["api"] or "v1",
        stream=bool(row["stream"]),
        input_value=row["input_value"],
        input_type=row["input_type"] or "chat",
        output_type=row["output_type"] or "chat",
        output_component=row["output_component"],
        session_id=row["session_id"],
        tweaks_json=row["tweaks_json"] or "{}",
        body_json=row["body_json"] or "{}",
        status=status if status in STATUSES else "error",
        answer=row["answer"] or "",
        error=row["error"] or "",
        ttft=row["ttft"],
        total=row["total"],
        tokens_in=row["tokens_in"],
        tokens_out=row["tokens_out"],
    )
