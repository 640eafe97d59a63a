"""Document: the document the window shows, and the one place a RunRequest is built.

A Document holds the open flow, its tweaks, the chat session id, the run options and the
connection (from a Profile). The code preview and the Run button both call
``build_request``, so the snippet a user copies is exactly the request Run sends.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from lfdesk.core.flow import FieldKind, Flow, load_flow
from lfdesk.core.profiles import Profile, connection_for, tls_verify_for
from lfdesk.core.redact import REDACTED
from lfdesk.core.request import ApiFlavour, Connection, RunRequest
from lfdesk.core.tweaks import TweakSet

DEFAULT_INPUT = "hello world!"

FlowSource = Literal["file", "server", "sample"]


def new_session_id() -> str:
    """A fresh chat session id (uuid4), so runs never share the flow's default session."""
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How to call a flow, besides its tweaks: the input, the chat session, the API."""

    input_value: str | None = DEFAULT_INPUT
    session_id: str | None = None
    stream: bool = False
    api: ApiFlavour = "v1"
    input_type: str | None = None  # None: the flow's default (chat or text)
    output_type: str | None = None
    output_component: str | None = None


def build_request(
    flow: Flow | None,
    connection: Connection,
    options: RunOptions,
    *,
    tweaks: Mapping[str, Any] | None = None,
    flow_ref: str | None = None,
    flow_id: str | None = None,
    flow_path: str | None = None,
) -> RunRequest:
    """The one place a RunRequest is made, for the app (``Document.build_request``) and the
    command line alike. ``flow`` may be None for a run named only by its reference."""
    if flow_id is None and flow is not None:
        flow_id = flow.id
    if flow_ref is None:
        flow_ref = (flow.endpoint_name if flow is not None else None) or flow_id or ""
    return RunRequest(
        connection=connection,
        flow_ref=flow_ref,
        flow_id=flow_id,
        input_value=options.input_value,
        input_type=options.input_type or (flow.default_input_type if flow else "chat"),
        output_type=options.output_type or (flow.default_output_type if flow else "chat"),
        output_component=options.output_component,
        session_id=options.session_id,
        tweaks=dict(tweaks or {}),
        stream=options.stream,
        api=options.api,
        flow_path=flow_path,
        flow_name=flow.name if flow is not None else None,
    )


@dataclass
class Document:
    """One open flow and everything needed to run it."""

    flow: Flow
    tweaks: TweakSet
    source: FlowSource = "file"
    flow_path: str | None = None  # the file it was read from, if any
    server_flow_id: str | None = None  # the server's id when it was fetched from a server
    profile: Profile | None = None
    session_id: str = field(default_factory=new_session_id)
    input_value: str = DEFAULT_INPUT  # used when the chat input is empty (the last message)
    input_type: str | None = None  # None: the flow's default (chat or text)
    output_type: str | None = None
    output_component: str | None = None
    stream: bool = True
    api: ApiFlavour = "v1"

    @classmethod
    def from_flow(
        cls,
        flow: Flow,
        *,
        source: FlowSource = "file",
        flow_path: str | Path | None = None,
        server_flow_id: str | None = None,
        profile: Profile | None = None,
    ) -> Document:
        return cls(
            flow=flow,
            tweaks=TweakSet(flow),
            source=source,
            flow_path=str(flow_path) if flow_path is not None else None,
            server_flow_id=server_flow_id,
            profile=profile,
        )

    @classmethod
    def open_file(cls, path: str | Path, *, profile: Profile | None = None) -> Document:
        """Read a flow file; raises FlowError with a readable message on bad input."""
        return cls.from_flow(load_flow(path), flow_path=Path(path), profile=profile)

    # --- state changes -----------------------------------------------------------------------

    def new_session(self) -> str:
        """Start another chat session (a new uuid4); returns it."""
        self.session_id = new_session_id()
        return self.session_id

    def set_profile(self, profile: Profile | None) -> None:
        self.profile = profile

    def replace_flow(self, other: Document) -> None:
        """Take another session's flow (after a reload), keeping tweaks that still apply."""
        old = self.tweaks.to_json()
        self.flow = other.flow
        self.source = other.source
        self.flow_path = other.flow_path
        self.server_flow_id = other.server_flow_id
        self.tweaks = TweakSet(other.flow)
        self.tweaks.load(old, strict=False)

    def apply_tweaks(
        self, tweaks: Mapping[str, Any] | None, *, keep_secrets: bool = False
    ) -> list[str]:
        """Back to the flow's values, then ``tweaks`` applied (a preset, or a past run's):
        what does not fit is left out and returned as problems, in words for the user.

        A secret stored masked (``***``, as the run history keeps them) is not applied: the
        value the session has now for that field is kept instead. With ``keep_secrets``
        every secret typed in now stays unless ``tweaks`` sets that field (presets never
        hold secret values, so picking one does not wipe an API key typed in).
        """
        secret = set(self.tweaks.secret_literals())
        current = {(c, n): v for c, n, v in self.tweaks.items() if (c, n) in secret}
        wanted: dict[str, Any] = {}
        masked: list[tuple[str, str]] = []
        for cid, fields in (tweaks or {}).items():
            if not isinstance(fields, Mapping):
                wanted[cid] = fields  # TweakSet.load reports it
                continue
            out: dict[str, Any] = {}
            for name, value in fields.items():
                if value == REDACTED and self._is_secret(cid, name):
                    masked.append((cid, name))
                    continue
                out[name] = value
            wanted[cid] = out
        self.tweaks.clear()
        problems = self.tweaks.load(wanted, strict=False)
        for (cid, name), value in current.items():
            given = isinstance(wanted.get(cid), Mapping) and name in wanted[cid]
            if (cid, name) in masked or (keep_secrets and not given):
                self.tweaks.set(cid, name, value)
        if masked:
            problems.append(
                "secret values are not kept in the history, so these keep their current "
                "value: " + ", ".join(f"{c}.{n}" for c, n in masked)
            )
        return problems

    def _is_secret(self, component: str, name: str) -> bool:
        if not self.flow.has_component(component):
            return False
        comp = self.flow.component(component)
        return comp.has_field(name) and comp.field(name).kind is FieldKind.SECRET

    # --- what a run sends ---------------------------------------------------------------------

    @property
    def connection(self) -> Connection:
        return connection_for(self.profile)

    @property
    def verify(self) -> bool | str:
        return tls_verify_for(self.profile)

    @property
    def flow_id(self) -> str | None:
        """The flow's UUID on the server: the fetched id, else the id saved in the file."""
        return self.server_flow_id or self.flow.id

    @property
    def flow_ref(self) -> str:
        """What `/api/v1/run/{ref}` names: the endpoint name if set, else the id."""
        return self.flow.endpoint_name or self.flow_id or ""

    @property
    def title(self) -> str:
        return self.flow.name

    def effective_input(self, input_value: str | None) -> str:
        """The message a run sends: the chat input, or the remembered one when it is empty."""
        if input_value is not None and input_value.strip():
            return input_value
        return self.input_value

    def build_request(self, input_value: str | None = None) -> RunRequest:
        """The RunRequest for the current state: what the preview shows and Run sends.

        ``input_value`` is the chat input; when it is None or blank the last message sent
        (or ``hello world!`` at first) is used, so the preview always shows a complete call.
        """
        options = RunOptions(
            input_value=self.effective_input(input_value),
            session_id=self.session_id,
            stream=self.stream,
            api=self.api,
            input_type=self.input_type,
            output_type=self.output_type,
            output_component=self.output_component,
        )
        return build_request(
            self.flow,
            self.connection,
            options,
            tweaks=self.tweaks.to_json(),
            flow_ref=self.flow_ref,
            flow_id=self.flow_id,
            flow_path=self.flow_path,
        )

    def problems(self) -> list[str]:
        """Why a run should not go out yet, in words for the user (empty when it may)."""
        out: list[str] = []
        if not self.flow_ref:
            out.append(
                "This flow has no id or endpoint name, so the server cannot be told which "
                "flow to run. Open it from the server (File > Open from server...)."
            )
        if self.api == "v2" and not self.flow_id:
            out.append("The v2 workflows API needs the flow's id; switch to v1 or open it from "
                       "the server.")
        for (cid, name), message in sorted(self.tweaks.errors().items()):
            out.append(f"{cid}.{name}: {message}")
        return out
