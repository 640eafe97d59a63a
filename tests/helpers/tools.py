"""System tools that tests/run.sh installs: a missing one fails the test that needs it."""

from __future__ import annotations

import shutil

import pytest


def require_tools(*tools: str, debian: str) -> None:
    """Fail (never skip) unless every tool is on PATH; ``debian`` names the packages."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.fail(
            f"missing {', '.join(missing)} (Debian: apt-get install {debian}; "
            "tests/run.sh installs them)",
            pytrace=False,
        )
