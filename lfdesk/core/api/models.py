"""The client calls behind fields whose choices live on the server: the model catalog, the
caller's global variable names, and the component update that refreshes a field.

``ModelCalls`` is a base of ``LangflowClient`` (kept here so the client stays one concern a
file); its methods use the client's plumbing: the deadline, the auth header, the masking
of secrets, and a reply size bound far below the client's general one (a 1.13 catalog is
about 36 KB, a component update about 100 KB, most of it the component's code).
"""

from __future__ import annotations

import json
import logging
from typing import Any, Protocol

from lfdesk.core.api.body import Limits, Reply
from lfdesk.core.api.errors import (
    AuthError,
    FlowBuildError,
    HTTPStatusError,
    LangflowError,
    scrubbed,
)
from lfdesk.core.catalog import CatalogError, ModelCatalog, parse_catalog
from lfdesk.core.dynamic import (
    DynamicFieldError,
    RefreshedNode,
    UpdateRequest,
    parse_update_reply,
    update_error_message,
)

__all__ = [
    "MAX_CATALOG_REPLY",
    "MAX_UPDATE_REPLY",
    "MAX_VARIABLES",
    "ComponentUpdateError",
    "ModelCalls",
    "NoModelCatalogError",
]

log = logging.getLogger(__name__)

MB = 1024 * 1024
# Reply bounds (the smaller of these and the client's ``Limits.reply``).
MAX_CATALOG_REPLY = 4 * MB  # models, enabled models, the variable list
MAX_UPDATE_REPLY = 8 * MB  # a rebuilt component (its code, its template)
MAX_VARIABLES = 10_000  # global variable names kept from one reply
_MAX_VARIABLE_NAME = 300


class NoModelCatalogError(LangflowError):
    """The server has no model catalog (``GET /api/v1/models`` is not there): a Langflow
    older than the unified model providers, or not a Langflow."""

    default_hint = (
        "Type the model's name (or PROVIDER/MODEL); lfdesk cannot check it against this server."
    )


class ComponentUpdateError(LangflowError):
    """The server could not rebuild a component to refresh a field (its code failed, the
    flow is not the caller's, a field it refused): the form keeps the flow's own choices."""

    default_hint = "The choices shown are the flow's own; the server's log says more."


class _Client(Protocol):
    """The part of ``LangflowClient`` these calls use."""

    limits: Limits
    _secrets: tuple[str, ...]

    def _api(self, path: str) -> str: ...

    def _resolve(self, path: str) -> str: ...

    @property
    def _where(self) -> str: ...

    async def _send(
        self,
        method: str,
        url: str,
        *,
        what: str = ...,
        long: bool = ...,
        flow_ref: str | None = ...,
        auth: bool = ...,
        params: dict[str, str] | None = ...,
        content: bytes | None = ...,
        files: dict[str, tuple[str, bytes, str]] | None = ...,
        headers: dict[str, str] | None = ...,
        limit: int | None = ...,
    ) -> Reply: ...

    @staticmethod
    def _json(reply: Reply) -> Any: ...


def _bound(client: _Client, limit: int) -> int:
    return min(limit, client.limits.reply)


def _plain(exc: LangflowError, what: str) -> LangflowError:
    """A server failure on a call that runs no flow, without the words of a failed flow
    (the error mapping reads any 500 with a message as a flow that failed to build)."""
    if isinstance(exc, FlowBuildError):
        return HTTPStatusError(
            f"The server failed to send the {what} ({exc.status_code}): {exc.detail}",
            "The server failed; its log says why.",
            status_code=exc.status_code,
        )
    return exc


class ModelCalls:
    """``LangflowClient``'s calls for server-computed choices (see the module docstring)."""

    @scrubbed
    async def model_catalog(self: _Client) -> ModelCatalog:
        """The server's model catalog: ``GET /api/v1/models`` (every provider and model, of
        every type), each model's enabled flag from ``GET /api/v1/models/enabled_models``.

        ``NoModelCatalogError`` when the server has no catalog (older Langflow); a reply that
        is not a catalog is an ``HTTPStatusError``. A server with the catalog but without the
        enabled-models route gives models whose ``enabled`` is None (not known).
        """
        limit = _bound(self, MAX_CATALOG_REPLY)
        try:
            reply = await self._send(
                "GET", self._api("/v1/models"), what="model catalog", limit=limit
            )
        except LangflowError as exc:
            if exc.status_code in (404, 405):
                raise NoModelCatalogError(
                    f"The server at {self._where} has no model catalog (GET /api/v1/models: "
                    f"{exc.status_code}); it is an older Langflow",
                    status_code=exc.status_code,
                ) from None
            raise _plain(exc, "model catalog") from None
        try:
            catalog = parse_catalog(self._json(reply))
        except CatalogError as exc:
            raise HTTPStatusError(
                f"The server's model catalog cannot be read: {exc}",
                "Is this address a Langflow server?",
                status_code=reply.status_code,
            ) from None
        if catalog.skipped or catalog.truncated:
            log.info(
                "model catalog: %d malformed entries skipped%s",
                catalog.skipped,
                ", cut at the bounds" if catalog.truncated else "",
            )
        try:
            enabled = await self._send(
                "GET",
                self._api("/v1/models/enabled_models"),
                what="enabled model list",
                limit=limit,
            )
        except LangflowError as exc:
            if exc.status_code not in (404, 405):
                raise _plain(exc, "enabled model list") from None
            log.info("no enabled-models route (%s): enabled flags unknown", exc.status_code)
            return catalog
        return catalog.with_enabled_models(self._json(enabled))

    @scrubbed
    async def variable_names(self: _Client) -> set[str]:
        """The names of the caller's global variables (``GET /api/v1/variables/``), to say
        exactly which variables a provider still needs. Values are never kept (nor logged)."""
        try:
            reply = await self._send(
                "GET",
                self._api("/v1/variables/"),
                what="global variable list",
                limit=_bound(self, MAX_CATALOG_REPLY),
            )
        except LangflowError as exc:
            raise _plain(exc, "global variable list") from None
        rows = self._json(reply)
        del reply  # it holds the values of every variable the server shows
        if not isinstance(rows, list):
            raise HTTPStatusError(
                "The server's global variable list is not a list",
                "Is this address a Langflow server?",
            )
        names: set[str] = set()
        for row in rows:
            if len(names) >= MAX_VARIABLES:
                break
            name = row.get("name") if isinstance(row, dict) else None
            if isinstance(name, str) and 0 < len(name) <= _MAX_VARIABLE_NAME:
                names.add(name)
        return names

    @scrubbed
    async def update_component(self: _Client, request: UpdateRequest) -> RefreshedNode:
        """Rebuild a component on the server to refresh a field (``POST
        /api/v1/custom_component/update``, built by ``dynamic.build_update_request``): the
        refreshed fields. The server RUNS the component's code: only for trusted flows.

        ``ComponentUpdateError`` (one line, the server's traceback left out) when the server
        cannot rebuild it; an ``AuthError`` for a refused key; a reply that is not a
        component is an ``HTTPStatusError``.
        """
        try:
            # ASCII: a lone surrogate (JSON allows one, UTF-8 cannot hold it) stays an escape.
            body = json.dumps(request.body, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ComponentUpdateError(
                f"The component cannot be sent to the server: {exc}",
                "A field value is not JSON (NaN, an infinity, or an object).",
            ) from None
        try:
            reply = await self._send(
                "POST",
                self._resolve(request.path),
                what="component update",
                params=dict(request.params) or None,
                content=body.encode("ascii"),
                headers={"Content-Type": "application/json", "Accept": "application/json"},
                limit=_bound(self, MAX_UPDATE_REPLY),
            )
        except (AuthError, ComponentUpdateError):
            raise
        except LangflowError as exc:
            status = exc.status_code
            if status is None or status < 400:
                raise  # unreachable, timed out, too large, redirected: said as it is
            message = update_error_message(status, {"detail": exc.detail})
            raise ComponentUpdateError(
                message[:1].upper() + message[1:], status_code=status, detail=exc.detail
            ) from None
        try:
            return parse_update_reply(self._json(reply))
        except DynamicFieldError as exc:
            raise HTTPStatusError(
                f"The component update reply cannot be read: {exc}",
                status_code=reply.status_code,
            ) from None
