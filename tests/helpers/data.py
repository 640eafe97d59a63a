"""Where the test data is, and the ids in it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
DATA = TESTS / "data"
CAPTURES = DATA / "captures"  # real replies of a Langflow 1.13 server

ECHO_FLOW = DATA / "echo_chat.flow.json"
OPENAI = "OpenAIModelComponent-44DEX"  # the OpenAI node of the Echo Chat flow (and the sample)
SAMPLE_ID = "1a775cc2-f37c-4f5a-890d-bead1a2842ce"  # the Echo Chat flow's id (and the sample's)


def data_path(name: str) -> Path:
    """A file under tests/data (``"echo_chat.flow.json"``, ``"starter/Basic Prompting.json"``)."""
    path = DATA / name
    assert path.is_file(), f"no test data file {path}"
    return path


def load_flow(name: str) -> dict[str, Any]:
    """A flow JSON file from tests/data, parsed."""
    data: dict[str, Any] = json.loads(data_path(name).read_text(encoding="utf-8"))
    return data


def artifacts_path() -> Path:
    """Where tests leave screenshots and other things to look at (``$LFDESK_TEST_ARTIFACTS``,
    else test-artifacts/ at the repository root); created if missing."""
    out = Path(os.environ.get("LFDESK_TEST_ARTIFACTS", ROOT / "test-artifacts"))
    out.mkdir(parents=True, exist_ok=True)
    return out
