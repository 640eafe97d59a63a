"""RunRequest: URL, headers and body for v1 and v2, self-hosted and DataStax."""

from __future__ import annotations

import pytest

from lfdesk.core.profiles import connection_for
from lfdesk.core.request import DEFAULT_BASE_URL, Connection, RequestError, RunRequest


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


# --- what would be sent is exactly what was set, or nothing is (issue 8) -------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tweaks": {"A-1": {"k": {"a": [1, float("nan")]}}}}, "the tweak A-1.k at a[1] is NaN"),
        ({"tweaks": {"A-1": {"t": float("inf")}}}, "the tweak A-1.t is Infinity"),
        ({"tweaks": {"A-1": {"t": -float("inf")}}}, "-Infinity, which JSON cannot carry"),
        ({"input_value": "argv \udcff"}, "the input is not valid Unicode text (a lone surrogate, \\udcff, at character 6)"),
        ({"tweaks": {"A-1": {"t": "\ud800"}}}, "the tweak A-1.t is not valid Unicode"),
        ({"tweaks": {"A-1": {"t": {"\udfff": 1}}}}, "the tweak A-1.t has a key that is not valid Unicode"),
        ({"session_id": "s\udcff"}, "the session id is not valid Unicode"),
        ({"flow_ref": "flow\udcff"}, "the flow reference is not valid Unicode"),
        ({"api": "v2", "flow_id": "1a77", "input_value": "\ud83d"}, "the input is not valid Unicode"),
    ],
)
def test_what_json_cannot_carry_is_refused_before_anything_is_sent(changes: dict[str, object], message: str) -> None:
    request = RunRequest(flow_ref="f", input_value="hi").with_(**changes)
    for build in (request.body, request.body_json):
        with pytest.raises(RequestError) as caught:
            build()
        text = str(caught.value)
        assert message in text
        assert text.isprintable()  # one line, and printable on any terminal


def test_body_json_is_the_last_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even with body()'s own check gone, no NaN or non-JSON value reaches the wire."""
    import lfdesk.core.request as request_module

    monkeypatch.setattr(request_module, "json_problem", lambda value: None)
    for value in (float("nan"), float("inf"), {1, 2}):
        request = RunRequest(flow_ref="f", tweaks={"A-1": {"x": value}})
        with pytest.raises(RequestError, match="cannot be written as JSON"):
            request.body_json()


def test_body_json_keeps_every_number_and_character() -> None:
    tweaks = {"A-1": {"big": 2**64 + 1, "neg_zero": -0.0, "tiny": 5e-324, "one": 1.0,
                      "__proto__": {"x": "ünï 😀\u2028"}}}
    text = RunRequest(flow_ref="f", tweaks=tweaks).body_json(indent=None)
    assert '"big": 18446744073709551617' in text and '"neg_zero": -0.0' in text
    assert '"tiny": 5e-324' in text and '"one": 1.0' in text
    assert '"__proto__": {"x": "ünï 😀\u2028"}' in text


def test_deeply_nested_values_are_checked_without_recursion() -> None:
    deep: object = "\ud800"
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(RequestError, match="not valid Unicode"):
        RunRequest(flow_ref="f", tweaks={"A-1": {"x": deep}}).body()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "no server URL given"),
        ("   ", "no server URL given"),
        ("file:///etc/passwd", "must start with http:// or https://"),
        ("javascript:alert(1)", "must start with http:// or https://"),
        ("ftp://example.com", "must start with http:// or https://"),
        ("127.0.0.1:7860", "must start with http:// or https://"),
        ("http://", "no host name"),
        ("http://host:99999", "malformed (Port out of range"),
        ("http://user:s3cret@host:x", "malformed"),
        ("http://host/?a=1", "query"),
        ("http://host/#top", "fragment"),
        ("http://ho\nst", "characters a URL cannot hold"),
        ("http://host\udcff", "characters a URL cannot hold"),
    ],
)
def test_a_connection_is_made_only_to_an_http_url(url: str, message: str) -> None:
    with pytest.raises(RequestError) as caught:
        Connection(url)
    text = str(caught.value)
    assert message in text and text.isprintable()
    assert "s3cret" not in text  # never repeats the URL, which may hold a password
    with pytest.raises(RequestError):
        connection_for(None, url)


def test_only_no_url_at_all_means_the_local_default() -> None:
    assert connection_for(None, None).base_url == DEFAULT_BASE_URL
    assert Connection().base_url == DEFAULT_BASE_URL
    assert Connection(" https://LF.example.com/base/ ").base_url == "https://LF.example.com/base"
    assert Connection("HTTP://u:p@127.0.0.1:1").api_root == "HTTP://u:p@127.0.0.1:1/api"
