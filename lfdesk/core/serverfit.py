"""Will a snippet's choices work on the server it is for? The preview's warnings, in words.

A pure function of what the probe learned (the server's version), the connection's kind, the
target and the choices (API, stream, short or full form), so the GUI shows the same verdict
the tests check. Only what ../shared/langflow-api.md documents counts: streaming events came
in Langflow 1.1.2 (before it a stream request gets JSON with a ``stream_url``), the v2
workflows API is documented in 1.13, and DataStax's hosted Langflow is documented for
``/api/v1/run`` only. An unknown version (not probed, not reachable) gives no warning.
"""

from __future__ import annotations

from lfdesk.core.api import LEGACY_STREAM_BEFORE, parse_version
from lfdesk.core.request import ApiFlavour, ConnectionKind

__all__ = ["SERVERLESS_TARGETS", "V2_WORKFLOWS_FROM", "fit_warnings"]

V2_WORKFLOWS_FROM = (1, 13, 0)  # the first version langflow-api.md documents /api/v2/workflows in
SERVERLESS_TARGETS = frozenset({"python-local"})  # runs the flow file itself, with no server


def fit_warnings(
    version: str | None,
    api: ApiFlavour,
    stream: bool,
    *,
    full: bool,
    kind: ConnectionKind = "self-hosted",
    target: str | None = None,
) -> list[str]:
    """What will not work (or may not) on a server of ``version`` with these choices.

    ``full`` is the form shown (a target with no short form is full); ``target`` is the
    generator's name (a target that runs with no server is never warned about).
    """
    if target in SERVERLESS_TARGETS:
        return []
    notes: list[str] = []
    v = parse_version(version)
    shown = f"Langflow {version}" if version else "This server"
    if api == "v2":
        if kind == "datastax":
            notes.append(
                "v2 workflows are not documented for DataStax-hosted Langflow (its own "
                "clients run flows with /api/v1/run): choose v1 if this snippet gets a 404."
            )
        elif v is not None and v < V2_WORKFLOWS_FROM:
            notes.append(
                f"{shown} may not have the v2 workflows API (/api/v2/workflows is documented "
                "from Langflow 1.13): this snippet may get a 404 there; v1 works."
            )
    elif stream and v is not None and v < LEGACY_STREAM_BEFORE and not full:
        notes.append(
            f"{shown} answers a stream request with JSON holding a stream_url, not with "
            "events (streaming events came in 1.1.2): this short snippet stops there with a "
            "one-line reason. The Full form follows the stream_url; or turn Stream off."
        )
    return notes
