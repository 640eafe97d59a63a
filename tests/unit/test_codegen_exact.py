"""Every target sends exactly the JSON the user set: the same values, with the number text of
RunRequest.body_json(), or no snippet at all.

JavaScript is the language that could quietly change a body (its numbers are doubles, and a
`__proto__` key in an object literal sets the prototype), so its program is run by node on
any JSON hypothesis finds, with `fetch` replaced by one that prints what it was given. The
other targets send the text or a value Python's json writes the same; their literals are
round-tripped here, and every target is run for real against the replay server with the
`exact_*` and `proto_v1` cases of tests/codegen_cases.py (test_codegen_compiled.py and
test_codegen_shell_python.py compare the bytes the server received).
"""

from __future__ import annotations

import functools
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import toolchains
from codegen_cases import EXACT_TWEAKS, cases, exact_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lfdesk.core.codegen import RenderOptions, names, render
from lfdesk.core.codegen.common import json_text
from lfdesk.core.codegen.common_c import (
    go_raw_json,
    js_changes,
    js_compact,
    js_key,
    js_number,
    js_value,
)
from lfdesk.core.codegen.common_py import py_literal
from lfdesk.core.request import RequestError, RunRequest

CASES = cases()

_KEYS = st.text(max_size=8) | st.sampled_from(["__proto__", "constructor", "toString", "1", "0", "${x}", "`", "\\"])
_NUMBERS = (
    st.integers()  # any size: beyond 2^53 too
    | st.floats(allow_nan=False, allow_infinity=False)  # -0.0, 5e-324, 1e308, 1.0...
    | st.sampled_from([2**53 + 1, -(2**63), 10**30, -0.0, 1.0, 1e16, 1e-05, 1e21, 1e-7])
)
# Any JSON a tweak can hold (st.text() has no lone surrogates: those are refused, see below).
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | _NUMBERS | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=16,
)

_FETCH_STUB = (
    "globalThis.fetch = async (url, init) => {\n"
    "  process.stdout.write(init.body);\n"
    "  process.exit(0);\n"
    "};\n"
)


def _request(values: list[Any]) -> RunRequest:
    return CASES["echo_v1"].with_(tweaks={"Custom-1": {f"v{i}": v for i, v in enumerate(values)}})


def _node_sends(program: str, tmp: Path) -> bytes:
    """What the JavaScript program (either form) hands to fetch as its body, exactly."""
    node = toolchains.require("node")
    if '"use strict";\n' in program:  # the full form: the stub goes after the directive
        program = program.replace('"use strict";\n', '"use strict";\n' + _FETCH_STUB, 1)
    else:
        program = _FETCH_STUB + program
    path = tmp / "snippet.js"
    path.write_text(program, encoding="utf-8")
    done = subprocess.run([node, str(path)], capture_output=True, timeout=60,
                          env={"LANGFLOW_API_KEY": "sk-test", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


# --- JavaScript: numbers as JSON.stringify writes them -----------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.0, "0"), (-0.0, "0"), (1.0, "1"), (0.1, "0.1"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
     (1e-7, "1e-7"), (1e-6, "0.000001"), (5e-324, "5e-324"), (2**53 + 1, "9007199254740992"),
     (-1.5e300, "-1.5e+300"), (123.456, "123.456")],
)
def test_js_number(value: float, text: str) -> None:
    assert js_number(value) == text


@settings(max_examples=10, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(2**80), 2**80), min_size=50))
def test_js_number_is_what_node_writes(values: list[float]) -> None:
    node = toolchains.require("node")
    script = "const v = JSON.parse(require('fs').readFileSync(0, 'utf8')); console.log(JSON.stringify(v.map(String)));"
    done = subprocess.run([node, "-e", script], input=json.dumps(values), capture_output=True, text=True, timeout=60)
    assert json.loads(done.stdout) == [js_number(v) for v in values]


@pytest.mark.parametrize(
    ("value", "change"),
    [
        ({"a": [1, 0.5, -2, 2**53 - 1, -(2**53 - 1), True, None, "1.0"]}, None),
        ({"a": {"b": [2**53]}}, None),  # beyond MAX_SAFE_INTEGER, but a double holds it
        (10**400, "1000000000000000...00000000 (401 characters) would become null"),
        (2**53 + 1, "9007199254740993 would become 9007199254740992"),
        (-0.0, "-0.0 would become 0"),
        ([1.0], "1.0 would become 1"),
        ({"x": 1e-05}, "1e-05 would become 0.00001"),
        (10**40, "1000000000000000...00000000 (41 characters) would become 1e+40"),
    ],
)
def test_js_changes(value: Any, change: str | None) -> None:
    assert js_changes(value) == change


def test_proto_key_is_an_own_property() -> None:
    assert js_key("__proto__") == '["__proto__"]'
    assert js_key("constructor") == "constructor" and js_key("a-b") == '"a-b"'


def test_an_object_literal_would_have_changed_the_exact_case(tmp_path: Path) -> None:
    """What the JavaScript snippet guards against, shown with node: the same body written as
    a plain object loses digits, signs and the `__proto__` keys."""
    node = toolchains.require("node")
    body = CASES["exact_v1"].body()
    plain = js_value(body).replace('["__proto__"]', '"__proto__"')
    done = subprocess.run([node, "-e", f"process.stdout.write(JSON.stringify({plain}))"],
                          capture_output=True, timeout=60)
    sent = exact_json(done.stdout)
    assert sent != exact_json(CASES["exact_v1"].body_json())
    kwargs = sent["tweaks"]["OpenAIModelComponent-44DEX"]["model_kwargs"]
    assert kwargs["big"] == ("int", "12345678901234567000") and kwargs["neg_zero"] == ("int", "0")
    assert "__proto__" not in kwargs and "__proto__" not in sent["tweaks"]


# --- JavaScript: the program sends exactly body_json() ------------------------------------


@pytest.mark.parametrize("full", [True, False], ids=["full", "short"])
@pytest.mark.parametrize("case", ["exact_v1", "exact_v2_stream", "proto_v1", "nasty_v1", "echo_v2"])
def test_javascript_sends_exactly_the_body(case: str, full: bool, tmp_path: Path) -> None:
    request = CASES[case]
    options = RenderOptions(full=full, keep_session=True)  # nasty_v1 has a session id
    sent = _node_sends(render("javascript", request, options), tmp_path)
    assert exact_json(sent) == exact_json(request.body_json())
    if case == "proto_v1":  # no number changes: the body stays a readable object
        assert "JSON.stringify(body)" in render("javascript", request, options)
        assert "flow(" in render("typescript-client", request, options)
        assert "plain fetch" not in render("typescript-client", request, options)
    if case.startswith("exact"):
        assert "String.raw`" in render("javascript", request, options)
        assert "plain fetch" in render("typescript-client", request, options)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(JSON_VALUES, min_size=1, max_size=6), as_text=st.booleans(), full=st.booleans())
def test_javascript_sends_any_json_exactly(values: list[Any], as_text: bool, full: bool, tmp_path: Path) -> None:
    # `as_text` adds a -0.0, so both ways of writing the body are exercised on any value, in
    # either form (the short form lays the object out on fewer lines).
    request = _request([*values, -0.0] if as_text else values)
    sent = _node_sends(render("javascript", request, RenderOptions(full=full)), tmp_path)
    assert exact_json(sent) == exact_json(request.body_json())


# --- the other targets' literals -----------------------------------------------------------


@given(JSON_VALUES)
def test_python_literals_keep_every_number(value: Any) -> None:
    """Python snippets send json.dumps of their literal: it must be the very same value."""
    assert json.dumps(eval(py_literal(value))) == json.dumps(value)


@given(JSON_VALUES)
def test_json_text_keeps_every_number(value: Any) -> None:
    """curl, HTTPie and PowerShell send this text."""
    want = exact_json(json.dumps(value))
    assert exact_json(json_text(value)) == want
    assert exact_json(json_text(value, ascii_only=True)) == want


@given(JSON_VALUES, st.sampled_from([go_raw_json, functools.partial(go_raw_json, dump=json_text)]))
def test_go_raw_json_keeps_every_number(value: Any, literal_of: Any) -> None:
    literal = literal_of(value)  # the full form's layout, and the short form's
    assert literal.startswith("`") and literal.endswith("`")
    text = literal[1:-1].replace('` + "`" + `', "`")  # the one splice a raw string needs
    assert exact_json(text) == exact_json(json.dumps(value))


def _squeezed(js: str) -> str:
    return js.replace(" ", "").replace("\n", "").replace(",}", "}").replace(",]", "]")


@given(JSON_VALUES)
def test_short_javascript_layout_is_the_same_value(value: Any) -> None:
    """The short form's JavaScript object (js_compact: what fits on one line) differs from
    the full form's (js_value, which node runs on any JSON above) in spaces, line breaks and
    trailing commas only."""
    assert _squeezed(js_compact(value)) == _squeezed(js_value(value))


# --- what cannot be sent exactly makes no snippet ------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tweaks": {"A-1": {"x": {"y": [float("nan")]}}}}, "NaN, which JSON cannot carry"),
        ({"tweaks": {"A-1": {"x": float("-inf")}}}, "-Infinity, which JSON cannot carry"),
        ({"input_value": "bad \udcff"}, "the input is not valid Unicode text"),
        ({"tweaks": {"A-1": {"x": "\ud800"}}}, "the tweak A-1.x is not valid Unicode text"),
        ({"tweaks": {"A-1": {"x": {"\udfff": 1}}}}, "has a key that is not valid Unicode"),
    ],
)
@pytest.mark.parametrize("gen", names())
def test_no_snippet_for_what_cannot_be_sent_exactly(gen: str, changes: dict[str, Any], message: str) -> None:
    with pytest.raises(RequestError, match=message):
        render(gen, CASES["echo_v1"].with_(**changes))


def test_exact_tweaks_hold_what_they_claim() -> None:
    kwargs = EXACT_TWEAKS["OpenAIModelComponent-44DEX"]["model_kwargs"]
    assert js_changes(kwargs["big"]) and js_changes(kwargs["neg_zero"]) and "__proto__" in kwargs
