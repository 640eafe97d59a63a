"""RunRequest: URL, headers and body for v1 and v2, self-hosted and DataStax."""

from __future__ import annotations

import pytest

from lfdesk.core.request import Connection, RequestError, RunRequest


def test_v1_url_body_and_headers() -> None:
    r = RunRequest(flow_ref="echo-chat", input_value="hi", tweaks={"A-1": {"x": 1}}, session_id="s1")
    assert r.url == "http://127.0.0.1:7860/api/v1/run/echo-chat?stream=false"
    assert r.with_(stream=True).url.endswith("?stream=true")
    assert r.body() == {"input_value": "hi", "input_type": "chat", "output_type": "chat",
                        "session_id": "s1", "tweaks": {"A-1": {"x": 1}}}
    assert r.headers() == {"Content-Type": "application/json", "Accept": "application/json"}
    assert r.headers("sk-1")["x-api-key"] == "sk-1"


def test_datastax_uses_bearer_and_lf_prefix() -> None:
    c = Connection(base_url="https://api.langflow.astra.datastax.com/", kind="datastax", datastax_id="abc")
    r = RunRequest(connection=c, flow_ref="f1")
    assert r.url == "https://api.langflow.astra.datastax.com/lf/abc/api/v1/run/f1?stream=false"
    assert r.headers("AstraCS:x")["Authorization"] == "Bearer AstraCS:x"
    with pytest.raises(RequestError):
        Connection(kind="datastax")


def test_v2_needs_the_flow_id() -> None:
    r = RunRequest(flow_ref="echo-chat", api="v2", stream=True)
    with pytest.raises(RequestError, match="UUID"):
        r.body()
    r = r.with_(flow_id="1a77")
    assert r.url == "http://127.0.0.1:7860/api/v2/workflows"
    assert r.body() == {"flow_id": "1a77", "input_value": "hello world!", "mode": "stream"}


def test_never_both_input_value_and_chat_input_tweak() -> None:
    tweaks = {"ChatInput-abc": {"input_value": "from tweak", "sender": "User"}, "Other-1": {"input_value": "ok"}}
    r = RunRequest(flow_ref="f", input_value="typed", tweaks=tweaks)
    assert r.body()["tweaks"] == {"ChatInput-abc": {"sender": "User"}, "Other-1": {"input_value": "ok"}}
    assert r.warnings() and "ChatInput-abc" in r.warnings()[0]
    r2 = r.with_(input_value=None)
    assert "input_value" not in r2.body()
    assert r2.body()["tweaks"]["ChatInput-abc"]["input_value"] == "from tweak"
    assert r2.warnings() == []


def test_flow_ref_is_quoted() -> None:
    assert RunRequest(flow_ref="a b/c").path == "/v1/run/a%20b%2Fc"
    with pytest.raises(RequestError):
        _ = RunRequest(flow_ref="").path
