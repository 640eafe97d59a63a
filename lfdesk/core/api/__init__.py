"""The Langflow HTTP client: ``LangflowClient``, stream parsers, events and error types
(``NoModelCatalogError`` and ``ComponentUpdateError`` of the model/field calls too).

Every error type (``errors``) and every event type (``events``) is exported as it is."""

from lfdesk.core.api import errors, events
from lfdesk.core.api.client import (
    LEGACY_STREAM_BEFORE,
    FlowSummary,
    LangflowClient,
    Limits,
    ServerInfo,
    Timeouts,
    parse_version,
)
from lfdesk.core.api.errors import *  # noqa: F403
from lfdesk.core.api.events import *  # noqa: F403
from lfdesk.core.api.models import ComponentUpdateError, NoModelCatalogError
from lfdesk.core.api.streams import NdjsonParser, SseParser, to_event

__all__ = [
    "LEGACY_STREAM_BEFORE",
    "ComponentUpdateError",
    "FlowSummary",
    "LangflowClient",
    "Limits",
    "NdjsonParser",
    "NoModelCatalogError",
    "ServerInfo",
    "SseParser",
    "Timeouts",
    "parse_version",
    "to_event",
]
__all__ += errors.__all__
__all__ += events.__all__
