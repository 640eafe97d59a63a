"""Benchmark: streaming through lfdesk's client vs curl, against the same real Langflow.

    python tests/bench_live.py [--runs N]

Starts a Langflow 1.13 and the fake model server (as the live tests do), uploads the echo
flow, then alternates curl and lfdesk's LangflowClient on the same streamed request and
prints the median time to first token and total time of each. Target: lfdesk within 5%
(or 10 ms) of curl on both.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent
sys.path[:0] = [str(TESTS), str(TESTS.parent), str(TESTS / "live")]

from fake_openai import FakeOpenAI  # noqa: E402
from helpers.data import OPENAI, load_flow  # noqa: E402
from langflow_server import LangflowServer, ensure_langflow_venv  # noqa: E402

from lfdesk.core.api import LangflowClient, TokenEvent  # noqa: E402
from lfdesk.core.request import Connection, RunRequest  # noqa: E402


def curl_once(url: str, key: str, body: str) -> tuple[float, float]:
    """(time to first token event, total) for one streamed run through curl -N."""
    cmd = ["curl", "-sS", "-N", "-X", "POST", url, "-H", "Content-Type: application/json",
           "-H", f"x-api-key: {key}", "--data-binary", body]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    ttft = None
    for line in proc.stdout:  # curl -N writes each chunk as it arrives
        if ttft is None and b'"event": "token"' in line and b'"chunk": ""' not in line:
            ttft = time.perf_counter() - t0
    proc.wait()
    total = time.perf_counter() - t0
    return (ttft if ttft is not None else total), total


async def lfdesk_once(client: LangflowClient, request: RunRequest) -> tuple[float, float]:
    t0 = time.perf_counter()
    ttft = None
    async for event in client.stream(request):
        if ttft is None and isinstance(event, TokenEvent) and event.chunk:
            ttft = time.perf_counter() - t0
    total = time.perf_counter() - t0
    return (ttft if ttft is not None else total), total


def within(ours: float, theirs: float) -> bool:
    return ours <= theirs * 1.05 or ours - theirs <= 0.010


async def bench(server: LangflowServer, flow_id: str, runs: int) -> bool:
    request = RunRequest(
        connection=Connection(server.base_url), flow_ref=flow_id, flow_id=flow_id,
        input_value="benchmark the stream", stream=True,
        tweaks={"OpenAIModelComponent-44DEX": {"temperature": 0.5}},
    )
    body = json.dumps(request.body())
    curl_t, ours_t = [], []
    async with LangflowClient(request.connection, server.api_key) as client:
        await lfdesk_once(client, request)  # warm both paths (flow cache, connections)
        curl_once(request.url, server.api_key, body)
        for _ in range(runs):
            curl_t.append(await asyncio.to_thread(curl_once, request.url, server.api_key, body))
            ours_t.append(await lfdesk_once(client, request))
    ok = True
    for i, label in enumerate(("time to first token", "total time")):
        c = statistics.median(t[i] for t in curl_t)
        o = statistics.median(t[i] for t in ours_t)
        good = within(o, c)
        ok &= good
        print(f"{label:<20} curl {c * 1e3:8.1f} ms   lfdesk {o * 1e3:8.1f} ms   "
              f"diff {(o - c) * 1e3:+7.1f} ms ({(o / c - 1) * 100:+.1f}%)  "
              f"{'OK' if good else 'MISSED'} (target: within 5% or 10 ms)")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    with FakeOpenAI() as fake, LangflowServer(ensure_langflow_venv()) as server:
        flow = load_flow("echo_chat.flow.json")
        for node in flow["data"]["nodes"]:
            if node["id"] == OPENAI:
                node["data"]["node"]["template"]["openai_api_base"]["value"] = fake.base_url
        created = server.create_flow(flow, endpoint_name="echo-chat", name="Echo Chat")
        print(f"Langflow {server.version} at {server.base_url}; {args.runs} runs each, "
              f"interleaved; fake model delay {fake.delay * 1e3:.0f} ms per chunk")
        ok = asyncio.run(bench(server, created["id"], args.runs))
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
