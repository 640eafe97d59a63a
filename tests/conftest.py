"""Shared test setup: test helpers importable, every lfdesk path in a temp dir."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
sys.path.insert(0, str(TESTS))

from replay_server import ReplayServer  # noqa: E402


@pytest.fixture(autouse=True)
def _lfdesk_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("lfdesk-home")
    monkeypatch.setenv("LFDESK_HOME", str(home))
    return home


@pytest.fixture
def replay_server() -> Iterator[ReplayServer]:
    server = ReplayServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests leave screenshots and other things to look at."""
    out = Path(os.environ.get("LFDESK_TEST_ARTIFACTS", TESTS.parent / "test-artifacts"))
    out.mkdir(parents=True, exist_ok=True)
    return out
