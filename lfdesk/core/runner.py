"""The run pipeline: one RunRequest through a client into a Conversation.

The CLI, the app's run controller and (later) compare and sweep cells all run a flow with
``execute``: many runs at once are many of this same pipeline, not new code paths.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from lfdesk.core.api.client import LangflowClient
from lfdesk.core.api.errors import LangflowError, StreamCutError
from lfdesk.core.api.events import StreamEvent
from lfdesk.core.conversation import Change, Conversation, Outcome
from lfdesk.core.redact import mask
from lfdesk.core.request import RunRequest

__all__ = ["describe_error", "execute"]

ChangeSink = Callable[[list[Change]], None]
EventSink = Callable[[StreamEvent], None]


async def execute(
    client: LangflowClient,
    request: RunRequest,
    conversation: Conversation,
    on_changes: ChangeSink | None = None,
    on_event: EventSink | None = None,
) -> Outcome:
    """Run ``request`` (streaming if it says so), feeding ``conversation``.

    ``on_changes`` sees what each event changed (for a renderer or a printer), ``on_event``
    every raw event (for a raw log). A failure propagates (a ``LangflowError``); the caller
    records it with ``conversation.fail``, having worded it for its reader.
    """

    def emit(changes: list[Change]) -> None:
        if changes and on_changes is not None:
            on_changes(changes)

    emit(conversation.begin())
    if not request.stream:
        result = await client.run(request)
        emit(conversation.finish(result))
        return conversation.outcome()
    async with contextlib.aclosing(client.stream(request)) as events:
        async for event in events:
            if on_event is not None:
                on_event(event)
            emit(conversation.feed(event))
    if conversation.status == "running":
        raise StreamCutError("The stream ended before the run finished")
    return conversation.outcome()


def describe_error(exc: BaseException, secrets: tuple[str | None, ...] = ()) -> str:
    """A readable sentence or two for any failure of a run; never a traceback, never a
    token: a LangflowError's message and hint, an OSError's reason, else the type."""
    if isinstance(exc, LangflowError):
        text = f"{exc.message}\n{exc.hint}" if exc.hint else exc.message
    elif isinstance(exc, OSError):
        text = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    else:
        detail = str(exc).strip() or type(exc).__name__
        text = f"Unexpected error ({type(exc).__name__}): {detail}"
    return mask(text, *secrets)
