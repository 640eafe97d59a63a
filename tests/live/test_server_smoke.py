"""Smoke tests of the live infrastructure with plain httpx: the server, the flows, the fake."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fake_openai import FakeOpenAI
from langflow_server import LANGFLOW_VERSION, LangflowServer

TWEAKS = {"OpenAIModelComponent-44DEX": {"temperature": 0.7}}


@pytest.fixture
def client(langflow: LangflowServer) -> Iterator[httpx.Client]:
    """An httpx client on the live server, sending the API key."""
    with httpx.Client(
        base_url=langflow.base_url, headers=langflow.headers, timeout=120, trust_env=False
    ) as c:
        yield c


def _answer_text(reply: dict[str, Any]) -> str:
    text: str = reply["outputs"][0]["outputs"][0]["results"]["message"]["text"]
    return text


def test_health_and_version(client: httpx.Client, langflow: LangflowServer) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    version = client.get("/api/v1/version").json()
    assert version["version"] == LANGFLOW_VERSION
    assert langflow.version == LANGFLOW_VERSION
    assert langflow.api_key.startswith("sk-")
    assert langflow.access_token


def test_flows_uploaded(
    client: httpx.Client, echo_flow: dict[str, Any], basic_prompting_flow: dict[str, Any]
) -> None:
    assert echo_flow["endpoint_name"] == "echo-chat"
    assert basic_prompting_flow["endpoint_name"] is None
    got = client.get(f"/api/v1/flows/{echo_flow['id']}")
    assert got.status_code == 200, got.text
    node = next(n for n in got.json()["data"]["nodes"] if n["id"] == "OpenAIModelComponent-44DEX")
    assert node["data"]["node"]["template"]["openai_api_base"]["value"].startswith(
        "http://127.0.0.1:"
    )
    ids = {f["id"] for f in client.get("/api/v1/flows/", params={"get_all": "true"}).json()}
    assert {echo_flow["id"], basic_prompting_flow["id"]} <= ids


def test_run_echo_nonstream(
    client: httpx.Client, echo_flow: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    fake_openai.clear()
    r = client.post(
        f"/api/v1/run/{echo_flow['endpoint_name']}",
        params={"stream": "false"},
        json={
            "input_value": "hello",
            "input_type": "chat",
            "output_type": "chat",
            "tweaks": TWEAKS,
        },
    )
    assert r.status_code == 200, r.text
    text = _answer_text(r.json())
    assert text.startswith("ECHO[gpt-4o-mini|t=0.7]:"), text
    assert "hello" in text
    assert text == "ECHO[gpt-4o-mini|t=0.7]: You are terse. Question: hello"

    seen = fake_openai.last_chat()
    assert seen.model == "gpt-4o-mini"
    assert seen.body["temperature"] == 0.7
    assert seen.prompt_text == "You are terse. Question: hello"
    assert seen.headers.get("authorization") == "Bearer sk-fake"
    assert seen.outcome == "ok"


def test_run_echo_stream_tokens_arrive_over_time(
    client: httpx.Client, echo_flow: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    fake_openai.clear()
    body = {"input_value": "hello there streaming world", "tweaks": TWEAKS}
    events: list[tuple[float, dict[str, Any]]] = []
    start = time.monotonic()
    with client.stream(
        "POST", f"/api/v1/run/{echo_flow['id']}", params={"stream": "true"}, json=body
    ) as r:
        assert r.status_code == 200, r.read().decode()
        assert r.headers["content-type"].startswith("text/event-stream")
        buffer = ""
        for piece in r.iter_text():
            now = time.monotonic() - start
            buffer += piece
            while "\n\n" in buffer:
                block, buffer = buffer.split("\n\n", 1)
                if block.strip():
                    events.append((now, json.loads(block)))
    kinds = [e["event"] for _, e in events]
    assert kinds[-1] == "end", kinds
    tokens = [(t, e["data"]["chunk"]) for t, e in events if e["event"] == "token"]
    words = [(t, c) for t, c in tokens if c]
    assert len(words) >= 5, tokens
    text = "".join(c for _, c in words)
    assert text == "ECHO[gpt-4o-mini|t=0.7]: You are terse. Question: hello there streaming world"
    # The fake waits 0.05 s between chunks: 8 words take >= 0.35 s to stream.
    spread = words[-1][0] - words[0][0]
    assert spread >= 0.2, f"tokens arrived together ({spread:.3f} s apart): {words}"

    final = [e["data"] for _, e in events if e["event"] == "add_message"][-1]
    assert final["text"] == text

    seen = fake_openai.last_chat()
    assert seen.stream is True
    assert seen.body["temperature"] == 0.7
    assert seen.prompt_text == "You are terse. Question: hello there streaming world"
    assert seen.outcome == "ok"


def test_build_error_of_basic_prompting(
    client: httpx.Client, basic_prompting_flow: dict[str, Any]
) -> None:
    r = client.post(
        f"/api/v1/run/{basic_prompting_flow['id']}",
        params={"stream": "false"},
        json={"input_value": "hi"},
    )
    assert r.status_code == 500, r.text
    detail = r.json()["detail"]
    assert isinstance(detail, str)
    assert "A model selection is required" in json.loads(detail)["message"]


def test_fake_openai_direct(fake_openai: FakeOpenAI) -> None:
    """The fake alone: model list, a non-stream reply with usage, a stream with usage."""
    body = {
        "model": "gpt-4o-mini",
        "temperature": 0.1,
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "what is up"}]},
        ],
    }
    with httpx.Client(base_url=fake_openai.base_url, timeout=30, trust_env=False) as c:
        models = c.get("/models").json()
        assert "gpt-4o-mini" in {m["id"] for m in models["data"]}
        reply = c.post("/chat/completions", json=body).json()
        assert reply["choices"][0]["message"]["content"] == (
            "ECHO[gpt-4o-mini|t=0.1]: Be brief. what is up"
        )
        assert reply["usage"] == {"prompt_tokens": 5, "completion_tokens": 6, "total_tokens": 11}

        stream_body = {**body, "stream": True, "stream_options": {"include_usage": True}}
        with c.stream("POST", "/chat/completions", json=stream_body) as r:
            lines = [line for line in r.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    chunks: list[dict[str, Any]] = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    text = "".join(ch["choices"][0]["delta"].get("content", "") for ch in chunks if ch["choices"])
    assert text == "ECHO[gpt-4o-mini|t=0.1]: Be brief. what is up"
    assert chunks[0]["choices"][0]["delta"]["content"] == "ECHO[gpt-4o-mini|t=0.1]:"
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["total_tokens"] == 11
