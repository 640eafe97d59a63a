"""error_from_response against every recorded Langflow error, and the edge cases around it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers.data import CAPTURES

from lfdesk.core.api import (
    AuthError,
    FlowBuildError,
    FlowNotFoundError,
    HTTPStatusError,
    InputConflictError,
    LangflowError,
    StreamStalledError,
    TweaksRefusedError,
    ValidationError,
    error_from_response,
)
from lfdesk.core.redact import mask

KEY = "sk-" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v"

EXPECTED: dict[str, type[LangflowError]] = {
    "error_no_key.json": AuthError,
    "error_bad_key.json": AuthError,
    "error_unknown_flow.json": FlowNotFoundError,
    "error_tweak_refused.json": TweaksRefusedError,
    "error_input_conflict.json": InputConflictError,
    "error_build_error.json": FlowBuildError,
}


def capture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CAPTURES / name).read_text())
    return data


def test_every_capture_is_covered() -> None:
    assert {p.name for p in CAPTURES.glob("error_*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("form", ["bytes", "str", "json"])
def test_captures_map_to_typed_errors(name: str, form: str) -> None:
    cap = capture(name)
    raw_text = json.dumps(cap["body"])
    body: Any = {"bytes": raw_text.encode(), "str": raw_text, "json": cap["body"]}[form]
    err = error_from_response(cap["status"], body, "no-such-flow", secret=KEY, token_sent=True)
    assert type(err) is EXPECTED[name]
    assert err.message and "\n" not in err.message and len(err.message) <= 400
    assert err.hint
    assert KEY not in err.message and KEY not in err.hint
    assert str(err) == err.message
    assert err.status_code == cap["status"]


def test_no_key_and_bad_key_reasons() -> None:
    no_key = error_from_response(403, capture("error_no_key.json")["body"], None)
    bad_key = error_from_response(403, capture("error_bad_key.json")["body"], None)
    assert isinstance(no_key, AuthError) and no_key.reason == "missing"
    assert isinstance(bad_key, AuthError) and bad_key.reason == "invalid"
    assert "API key" in no_key.hint and "refused" in bad_key.hint


def test_auto_login_message_means_missing() -> None:
    body = {"detail": "Since v1.5, LANGFLOW_AUTO_LOGIN requires a valid API key. Set ..."}
    err = error_from_response(403, body, None)
    assert isinstance(err, AuthError) and err.reason == "missing"


@pytest.mark.parametrize(
    "body,token_sent,reason",
    [
        ("", True, "invalid"),
        ("", False, "missing"),
        ('{"detail": "Unauthorized"}', True, "invalid"),
        ("<html>401 Authorization Required</html>", None, "invalid"),
    ],
)
def test_datastax_401(body: str, token_sent: bool | None, reason: str) -> None:
    err = error_from_response(401, body, "flow", token_sent=token_sent)
    assert isinstance(err, AuthError) and err.reason == reason


def test_403_about_something_else_keeps_its_words() -> None:
    err = error_from_response(403, {"detail": "Integration 'gmail' is not allowed here"}, None)
    assert type(err) is HTTPStatusError and "gmail" in err.message


def test_unknown_flow_names_the_ref() -> None:
    err = error_from_response(404, capture("error_unknown_flow.json")["body"], "no-such-flow")
    assert isinstance(err, FlowNotFoundError)
    assert err.flow_ref == "no-such-flow" and "'no-such-flow'" in err.message


def test_flow_not_found_for_tweaks_on_someone_elses_flow() -> None:
    err = error_from_response(404, {"detail": "Flow not found"}, "shared-flow")
    assert isinstance(err, FlowNotFoundError) and "another user" in err.hint


def test_404_without_flow_is_a_missing_endpoint() -> None:
    err = error_from_response(404, {"detail": "Not Found"}, None)
    assert type(err) is HTTPStatusError and "endpoint" in err.message and err.status_code == 404


def test_tweaks_refused_fields() -> None:
    err = error_from_response(422, capture("error_tweak_refused.json")["body"], "echo")
    assert isinstance(err, TweaksRefusedError)
    assert err.fields == ("code",)
    assert "code" in err.message and "protected" in err.message


def test_fastapi_validation_lists_fields() -> None:
    body = {
        "detail": [
            {"type": "uuid_parsing", "loc": ["body", "flow_id"], "msg": "Input should be a valid UUID", "input": "x"},
            {"type": "extra_forbidden", "loc": ["body", "stream"], "msg": "Extra inputs are not permitted", "input": True},
        ]
    }
    err = error_from_response(422, body, None)
    assert isinstance(err, ValidationError)
    assert err.fields == (
        ("body.flow_id", "Input should be a valid UUID"),
        ("body.stream", "Extra inputs are not permitted"),
    )
    assert "body.flow_id: Input should be a valid UUID" in err.message
    assert "body.stream" in err.message


def test_input_conflict() -> None:
    err = error_from_response(400, capture("error_input_conflict.json")["body"], None)
    assert isinstance(err, InputConflictError) and "not both" in err.hint


def test_other_400_is_plain() -> None:
    err = error_from_response(400, {"detail": "Invalid custom component"}, None)
    assert type(err) is HTTPStatusError and "Invalid custom component" in err.message


def test_build_error_parses_the_inner_json() -> None:
    err = error_from_response(500, capture("error_build_error.json")["body"], "Basic Prompting")
    assert isinstance(err, FlowBuildError)
    assert "A model selection is required" in err.message
    assert err.message.startswith("Flow 'Basic Prompting' failed: Error running graph")
    assert "\n" not in err.message
    assert err.suggestion is not None and "outdated components" in err.suggestion
    assert err.hint == err.suggestion
    assert isinstance(err.detail, dict) and err.detail["code"] is None


def test_build_error_ssrf_hint() -> None:
    inner = {"message": "SSRF Protection: Hostname 127.0.0.1 resolves to blocked IP. Set LANGFLOW_SSRF_ALLOWED_HOSTS", "suggestion": None}
    err = error_from_response(500, {"detail": json.dumps(inner)}, None)
    assert isinstance(err, FlowBuildError) and "LANGFLOW_SSRF_ALLOWED_HOSTS" in err.hint


def test_500_with_plain_detail_and_non_json() -> None:
    plain = error_from_response(500, {"detail": "Error running graph: boom"}, "f")
    assert isinstance(plain, FlowBuildError) and "boom" in plain.message
    text = error_from_response(500, b"Internal Server Error", "f")
    assert type(text) is HTTPStatusError and text.status_code == 500
    assert "Internal Server Error" in text.message


def test_html_bodies_are_shortened() -> None:
    page = "<html><head><title>502 Bad Gateway</title></head><body>" + "<p>x</p>" * 500 + "</body></html>"
    err = error_from_response(502, page, None)
    assert type(err) is HTTPStatusError and "<" not in err.message and len(err.message) < 250
    assert "try again" in err.hint


def test_rate_limit_hint() -> None:
    err = error_from_response(429, {"detail": "Too many requests. Please try again later.", "retry_after": "60"}, None, retry_after="60")
    assert type(err) is HTTPStatusError and "60 s" in err.hint


def test_413() -> None:
    err = error_from_response(413, {"detail": "File size is larger than the maximum file size 1MB."}, None)
    assert "maximum file size" in err.message and "LANGFLOW_MAX_FILE_SIZE_UPLOAD" in err.hint


def test_secrets_are_masked() -> None:
    body = {"detail": f"Invalid key {KEY} and Bearer AstraCS:abcdefgh:1234567890abcdef and token hunter2secret"}
    err = error_from_response(400, body, None, secret="hunter2secret")
    for s in (KEY, "AstraCS:abcdefgh", "hunter2secret"):
        assert s not in err.message
    assert "***" in err.message
    assert KEY not in LangflowError(f"boom {KEY}", f"hint {KEY}").describe()


def test_mask() -> None:
    assert mask(f"x-api-key: {KEY}") == "x-api-key: ***"
    assert mask("Authorization: Bearer abc.def.ghi") == "Authorization: ***"
    assert mask("nothing here") == "nothing here"
    assert mask("my s3cret!", "s3cret!") == "my ***"


def test_describe_and_stall() -> None:
    err = StreamStalledError("No data for 2 s", seconds=2.0)
    assert err.seconds == 2.0 and "stall" in err.hint
    assert err.describe() == f"{err.message}\n{err.hint}"


# --- bodies seen on a real Langflow 1.13.0 beyond the captures (see tests/live) -------------


@pytest.mark.parametrize(
    "detail,reason",
    [
        ("No authentication credentials provided", "missing"),  # GET /api/v1/flows/ with no key
        ("Invalid API key", "invalid"),  # /api/v2/workflows and /api/v1/flows/ with a wrong key
    ],
)
def test_auth_wordings_of_other_endpoints(detail: str, reason: str) -> None:
    err = error_from_response(403, {"detail": detail}, None)
    assert isinstance(err, AuthError) and err.reason == reason


def test_v2_unknown_flow_detail_object() -> None:
    flow_id = "ef0be195-2567-4dd9-a2e9-a17e64fefe9b"
    body = {"detail": {"error": "Flow not found", "code": "FLOW_NOT_FOUND", "message": f"Flow '{flow_id}' does not exist. Verify the flow_id and try again.", "flow_id": flow_id}}
    err = error_from_response(404, body, flow_id)
    assert isinstance(err, FlowNotFoundError) and "does not exist" in err.message


def test_v2_flow_id_not_a_uuid() -> None:
    body = {"detail": [{"type": "value_error", "loc": ["body"], "msg": "Value error, Invalid flow_id, must be a UUID"}]}
    err = error_from_response(422, body, None)
    assert isinstance(err, ValidationError) and err.fields == (("body", "Value error, Invalid flow_id, must be a UUID"),)


def test_refused_tweaks_in_a_stream_get_the_tweak_hint() -> None:
    from lfdesk.core.api import StreamError

    err = StreamError("Refused tweak keys ['code']: The field is protected and keeps the value set by the flow author.")
    assert "tweaks" in err.hint
    assert "component" in StreamError("boom").hint
