"""Fixtures for the live tests: a real Langflow 1.13.0 and a fake OpenAI model on loopback.

Every test under this directory gets the ``live`` marker. ``LFDESK_LIVE=0`` skips them;
otherwise they never skip: a server that cannot start fails the tests loudly.
"""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # works under any --import-mode
    sys.path.insert(0, str(HERE))

from fake_openai import FakeOpenAI  # noqa: E402
from helpers.data import load_flow  # noqa: E402
from langflow_server import LangflowServer, ensure_langflow_venv  # noqa: E402

ECHO_OPENAI_NODE = "OpenAIModelComponent-44DEX"
ECHO_ENDPOINT = "echo-chat"


def live_disabled() -> bool:
    """True when ``LFDESK_LIVE=0`` (or false/no/off) asks to skip the live tests."""
    return os.environ.get("LFDESK_LIVE", "").strip().lower() in ("0", "false", "no", "off")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests under tests/live as ``live`` (and skip them if LFDESK_LIVE=0)."""
    skip = pytest.mark.skip(reason="LFDESK_LIVE=0: live Langflow tests disabled")
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.live)
            if live_disabled():
                item.add_marker(skip)


@pytest.fixture(scope="session")
def fake_openai() -> Iterator[FakeOpenAI]:
    """The fake OpenAI server: ``.base_url`` (``http://127.0.0.1:PORT/v1``), ``.requests``,
    ``.chat_requests``, ``.last_chat()``, ``.clear()``, ``.delay`` (settable)."""
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(scope="session")
def langflow() -> Iterator[LangflowServer]:
    """A started Langflow 1.13.0: ``.base_url``, ``.api_key``, ``.access_token``,
    ``.headers``, ``.create_flow()``; stopped at the end of the session."""
    if live_disabled():
        pytest.skip("LFDESK_LIVE=0: live Langflow tests disabled")
    server = LangflowServer(ensure_langflow_venv())
    server.start()  # raises with the log tail if it cannot start: never a skip
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def echo_flow(langflow: LangflowServer, fake_openai: FakeOpenAI) -> dict[str, Any]:
    """The Echo Chat flow uploaded with its OpenAI node pointed at the fake:
    ``{"id", "endpoint_name": "echo-chat", "name"}``."""
    flow = copy.deepcopy(load_flow("echo_chat.flow.json"))
    nodes = [n for n in flow["data"]["nodes"] if n["id"] == ECHO_OPENAI_NODE]
    assert nodes, f"{ECHO_OPENAI_NODE} missing from echo_chat.flow.json"
    nodes[0]["data"]["node"]["template"]["openai_api_base"]["value"] = fake_openai.base_url
    created = langflow.create_flow(flow, endpoint_name=ECHO_ENDPOINT, name=flow["name"])
    return {"id": created["id"], "endpoint_name": created["endpoint_name"], "name": created["name"]}


@pytest.fixture(scope="session")
def basic_prompting_flow(langflow: LangflowServer) -> dict[str, Any]:
    """The Basic Prompting starter flow uploaded as is (running it fails with a 500 build
    error, "A model selection is required"): ``{"id", "endpoint_name": None, "name"}``."""
    flow = load_flow("basic_prompting.flow.json")
    created = langflow.create_flow(flow, endpoint_name=None, name=flow["name"])
    return {"id": created["id"], "endpoint_name": created["endpoint_name"], "name": created["name"]}


@pytest.fixture(scope="session")
def live_env(langflow: LangflowServer) -> dict[str, str]:
    """Environment for running generated snippets as child processes: the current one plus
    ``LANGFLOW_API_KEY``, ``LANGFLOW_URL`` and ``NO_PROXY`` covering loopback."""
    env = dict(os.environ)
    no_proxy = ",".join(filter(None, [env.get("NO_PROXY", ""), "127.0.0.1,localhost"]))
    env.update(
        {
            "LANGFLOW_API_KEY": langflow.api_key,
            "LANGFLOW_URL": langflow.base_url,
            "NO_PROXY": no_proxy,
            "no_proxy": no_proxy,
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env
