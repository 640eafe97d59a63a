"""What a server says about itself and its flows: ``ServerInfo`` (a probe's answer),
``FlowSummary`` (one row of the flow list), and Langflow version numbers."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

__all__ = ["FlowSummary", "ServerInfo", "is_uuid", "parse_version"]


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What ``probe`` learned: ``ok`` means a Langflow answered (health or version)."""

    version: str | None
    package: str | None
    ok: bool


@dataclass(frozen=True, slots=True)
class FlowSummary:
    """One row of the server's flow list."""

    id: str
    name: str
    endpoint_name: str | None
    description: str
    folder_id: str | None
    updated_at: str | None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FlowSummary:
        def opt(key: str) -> str | None:
            value = data.get(key)
            return str(value) if value not in (None, "") else None

        return cls(
            id=str(data.get("id") or ""),
            name=str(data.get("name") or ""),
            endpoint_name=opt("endpoint_name"),
            description=str(data.get("description") or ""),
            folder_id=opt("folder_id"),
            updated_at=opt("updated_at"),
        )


def parse_version(text: str | None) -> tuple[int, int, int] | None:
    """``"1.13.0"`` -> ``(1, 13, 0)``; also ``1.0.19.post2``, ``1.2.0.dev3``, ``v1.5``."""
    if not text:
        return None
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
