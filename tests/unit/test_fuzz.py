"""Whole classes of input, not only the cases we thought of: the flow parser, the tweak
coercion and both stream parsers are fed what hypothesis makes of arbitrary JSON, arbitrary
bytes and mutated real data. Only their typed errors may come out (FlowError, TweakError,
PresetError, StreamProtocolError while feeding, StreamCutError at the end), never another
exception; a real stream split anywhere gives the same events as whole.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers.data import CAPTURES, DATA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lfdesk.core.api.errors import StreamCutError, StreamProtocolError
from lfdesk.core.api.events import StreamEvent
from lfdesk.core.api.streams import LegacyStreamParser, NdjsonParser, SseParser
from lfdesk.core.conversation import Conversation, TerminalPrinter
from lfdesk.core.flow import (
    Field,
    FieldKind,
    FieldView,
    Flow,
    FlowError,
    RangeSpec,
    parse_flow,
    parse_flow_bytes,
)
from lfdesk.core.terminal import escape
from lfdesk.core.tweaks import (
    GlobalVariable,
    PresetError,
    TweakError,
    TweakSet,
    coerce,
    load_preset,
    to_json_value,
)

# Modest: each test a few seconds (LFDESK_FUZZ_EXAMPLES=5000 for a long hunt). No example
# database: other runs share this tree.
EXAMPLES = int(os.environ.get("LFDESK_FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- JSON-shaped values, with the words a flow, a template field and a stream use -----------------

FLOW_WORDS = (
    "data", "nodes", "edges", "id", "name", "type", "node", "template", "value", "display_name",
    "_input_type", "options", "list", "range_spec", "min", "max", "step", "step_type", "show",
    "advanced", "password", "multiline", "load_from_db", "tool_mode", "table_schema", "columns",
    "source", "target", "sourceHandle", "targetHandle", "fieldName", "flow", "endpoint_name",
    "description", "outputs", "api_editable", "combobox", "input_types", "fileTypes", "code",
    "flows", "note", "noteNode", "str", "int", "float", "bool", "dict", "NestedDict", "table",
    "file", "prompt", "slider", "tab", "model", "other", "StrInput", "IntInput", "FloatInput",
    "SliderInput", "DropdownInput", "MultiselectInput", "TableInput", "ModelInput", "DictInput",
    "FileInput", "TabInput", "BoolInput", "SecretStrInput", "McpInput", "HandleInput",
)
STREAM_WORDS = (
    "event", "data", "token", "add_message", "end", "error", "message", "output", "close",
    "chunk", "id", "text", "result", "outputs", "results", "session_id", "properties", "state",
    "partial", "complete", "usage", "input_tokens", "output_tokens", "sender", "sender_name",
    "category", "content_blocks", "contents", "reason", "detail", "status", "errors", "content",
)

# Numbers no real file holds but JSON can: beyond a float, beyond 2**53, -0.0.
ODD_NUMBERS = st.sampled_from([10**400, -(10**400), 2**53 + 1, -0.0, 1e308, 5e-324, 2**63])
ODD_TEXT = st.sampled_from(["\ud800", "a\udfffb", "\x00", "\x1b[2J", "\u202e", "NaN", "1e999",
                            "-0", "0x10", "1_000", " 12 ", "1,000", "[1, 2", '{"a": ', "[]", "{}"])


def json_values(words: tuple[str, ...], floats: bool = True) -> st.SearchStrategy[Any]:
    text = st.text(max_size=12) | st.sampled_from(words) | ODD_TEXT
    scalars = (
        st.none() | st.booleans() | st.integers() | ODD_NUMBERS | text
        | (st.floats(allow_nan=True, allow_infinity=True) if floats else st.nothing())
    )
    keys = st.sampled_from(words) | st.text(max_size=6)
    return st.recursive(
        scalars,
        lambda kids: st.lists(kids, max_size=4) | st.dictionaries(keys, kids, max_size=5),
        max_leaves=24,
    )


FLOW_JSON = json_values(FLOW_WORDS)
STREAM_JSON = json_values(STREAM_WORDS)


def mutate(
    value: Any, data: st.DataObject, replacement: st.SearchStrategy[Any], path: list[Any] | None = None
) -> Any:
    """``value`` with one spot changed, copying only the containers on the way to it: the spot
    replaced by a drawn value, wrapped in a list, or (in an object) dropped. Every spot of the
    tree is about as likely (a seeded walk weighted by subtree size: hypothesis's own draws
    favour the first levels, and most of a flow is deep in its templates); ``path`` gets the
    keys."""
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    out = _mutate_at(value, data, replacement, rng, [] if path is None else path)
    return None if out is _DROP else out


_DROP = object()
_SIZES: dict[int, int] = {}  # containers of the real flows (alive all along, so ids stay theirs)


def _size(value: Any, cache: bool = False) -> int:
    if not isinstance(value, (dict, list)):
        return 1
    known = _SIZES.get(id(value))
    if known is not None:
        return known
    children = value.values() if isinstance(value, dict) else value
    size = 1 + sum(_size(c, cache) for c in children)
    if cache:
        _SIZES[id(value)] = size
    return size


def _mutate_at(
    value: Any, data: st.DataObject, replacement: st.SearchStrategy[Any], rng: random.Random,
    path: list[Any],
) -> Any:
    size = _size(value)
    if size > 1 and rng.random() >= max(1 / size, 0.03):  # and now and then a shallow one
        keys = list(value) if isinstance(value, dict) else list(range(len(value)))
        key = rng.choices(keys, weights=[_size(value[k]) for k in keys])[0]
        path.append(key)
        copy: Any = dict(value) if isinstance(value, dict) else list(value)
        inner = _mutate_at(value[key], data, replacement, rng, path)
        if inner is not _DROP:
            copy[key] = inner
        elif isinstance(copy, dict):
            del copy[key]
        else:
            copy[key] = None
        return copy
    roll = rng.random()
    if roll < 0.1:
        return _DROP
    if roll < 0.25:
        return [value]
    return data.draw(replacement)


def mutate_bytes(raw: bytes, data: st.DataObject) -> bytes:
    """A few bytes of ``raw`` flipped, dropped or inserted."""
    buf = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, max(len(buf) - 1, 0)))
        how = data.draw(st.sampled_from(("flip", "drop", "insert")))
        byte = data.draw(st.integers(0, 255))
        if how == "insert" or not buf:
            buf[pos:pos] = bytes([byte])
        elif how == "drop":
            del buf[pos]
        else:
            buf[pos] = byte
    return bytes(buf)


# --- the flow parser -------------------------------------------------------------------------------

STARTER = sorted((DATA / "starter").glob("*.json"))
REAL_FLOWS = [json.loads(p.read_text(encoding="utf-8")) for p in STARTER]
REAL_FLOWS.append(json.loads((DATA / "echo_chat.flow.json").read_text(encoding="utf-8")))
for _flow in REAL_FLOWS:
    _size(_flow, cache=True)


def touch(flow: Flow) -> None:
    """Read what the CLI and the window read of a parsed flow; none of it may raise."""
    assert isinstance(flow.name, str)
    escape(flow.name)
    for comp in flow.components:
        assert flow.component(comp.id) is comp
        for view in FieldView:
            comp.fields_in(view)
        for f in comp.fields:
            assert isinstance(f.kind, FieldKind)
            assert f.tweakable == (f.reason is None) or not f.tweakable
            f.option_names  # noqa: B018  (a property that must not raise)
            json.dumps(to_json_value(f.value), default=str)
    TweakSet(flow).to_json()


def parsed(build: Callable[[], Flow]) -> Flow | None:
    try:
        flow = build()
    except FlowError as exc:
        assert str(exc)  # a message to show
        return None
    touch(flow)
    return flow


@FUZZ
@given(FLOW_JSON)
def test_parse_flow_any_json(value: Any) -> None:
    parsed(lambda: parse_flow(value))


NUMBERS = st.integers() | ODD_NUMBERS | st.floats(allow_nan=True, allow_infinity=True)
INPUT_TYPES = st.sampled_from([w for w in FLOW_WORDS if w.endswith("Input")])
FIELD_TYPES = st.sampled_from(["str", "int", "float", "bool", "dict", "NestedDict", "table", "file",
                               "prompt", "slider", "tab", "model", "code", "other", "query",
                               "sortableList", "mcp", "link", "tools"])


def either(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """What Langflow puts under a key, or now and then anything at all."""
    return strategy | FLOW_JSON


def templates() -> st.SearchStrategy[dict[str, Any]]:
    """A template field's spec: each key Langflow uses, with values of its shape or any."""
    texts = st.lists(st.text(max_size=6) | ODD_TEXT, max_size=4)
    column = st.fixed_dictionaries({}, optional={
        "name": st.text(max_size=6), "type": st.sampled_from(["str", "boolean", "int", "float", "dict"]),
        "formatter": st.text(max_size=4), "default": FLOW_JSON, "options": either(texts),
        "display_name": st.text(max_size=6), "description": st.text(max_size=6),
    })
    range_spec = st.fixed_dictionaries({}, optional={
        "min": either(NUMBERS), "max": either(NUMBERS), "step": either(NUMBERS),
        "step_type": either(st.sampled_from(["int", "float"])),
    })
    flag = either(st.booleans())
    return st.fixed_dictionaries({}, optional={
        "type": either(FIELD_TYPES), "_input_type": either(INPUT_TYPES), "value": FLOW_JSON,
        "options": either(st.lists(FLOW_JSON, max_size=4)), "list": flag, "range_spec": either(range_spec),
        "show": flag, "advanced": flag, "password": flag, "multiline": flag, "load_from_db": flag,
        "tool_mode": flag, "combobox": flag, "api_editable": flag, "required": flag,
        "display_name": either(st.text(max_size=8)), "info": FLOW_JSON, "input_types": either(texts),
        "fileTypes": either(texts), "table_schema": either(st.lists(either(column), max_size=4)),
    })


@st.composite
def flows(draw: st.DrawFn) -> dict[str, Any]:
    """Flows shaped like Langflow's, with any template fields: the parser's deeper paths."""
    nodes = []
    for i in range(draw(st.integers(0, 3))):
        template = draw(st.dictionaries(st.text(min_size=1, max_size=8) | st.sampled_from(FLOW_WORDS),
                                        templates(), max_size=4))
        node_id = f"Comp-{i}"
        nodes.append({"id": node_id, "data": {"id": node_id, "type": draw(st.sampled_from(FLOW_WORDS)),
                                              "node": {"template": template, "display_name": draw(st.text(max_size=8))}}})
    edges = draw(st.lists(st.fixed_dictionaries({
        "source": st.sampled_from([n["id"] for n in nodes] or ["x"]),
        "target": st.sampled_from([n["id"] for n in nodes] or ["x"]),
        "targetHandle": FLOW_JSON | st.builds(lambda f: json.dumps({"fieldName": f}), FLOW_JSON),
    }), max_size=3))
    return {"name": draw(st.text(max_size=8)), "data": {"nodes": nodes, "edges": edges}}


@settings(FUZZ, max_examples=max(EXAMPLES // 2, 1))  # each example is a whole flow and its fields
@given(flows(), st.lists(FLOW_JSON | st.text(), max_size=3))
def test_parse_flow_templates_then_coerce_each_field(data: dict[str, Any], raws: list[Any]) -> None:
    flow = parsed(lambda: parse_flow(data))
    if flow is None:
        return
    for comp in flow.components:
        for f in comp.fields:
            if f.tweakable:
                for raw in raws:
                    coerced_or_refused(f, raw)


@FUZZ
@given(st.binary(max_size=400))
def test_parse_flow_bytes_any_bytes(raw: bytes) -> None:
    parsed(lambda: parse_flow_bytes(raw))


@FUZZ
@given(st.sampled_from(STARTER), st.data())
def test_parse_flow_bytes_mutated_real_files(path: Path, data: st.DataObject) -> None:
    raw = mutate_bytes(path.read_bytes(), data)
    parsed(lambda: parse_flow_bytes(raw, source=path.name))


@settings(FUZZ, max_examples=max(EXAMPLES // 2, 1))  # real flows are large: each example parses one twice
@given(st.sampled_from(range(len(REAL_FLOWS))), st.data())
def test_parse_flow_mutated_real_flows(index: int, data: st.DataObject) -> None:
    value: Any = REAL_FLOWS[index]
    for _ in range(data.draw(st.integers(1, 3))):
        value = mutate(value, data, FLOW_JSON)
    parsed(lambda: parse_flow(value))
    parsed(lambda: parse_flow_bytes(json.dumps(value)))


def test_mutation_reaches_deep_into_a_flow() -> None:
    """The mutated-flow test is worth something only if mutations land inside templates too."""
    depths: list[int] = []

    @settings(max_examples=60, deadline=None, database=None)
    @given(st.data())
    def probe(data: st.DataObject) -> None:
        path: list[Any] = []
        mutate(REAL_FLOWS[0], data, st.just("MUTATED"), path)
        depths.append(len(path))

    probe()
    # data.nodes[i].data.node.template.<field>.<key>: 8 levels down
    assert sum(d >= 8 for d in depths) >= 10, depths


# --- the tweak coercion -----------------------------------------------------------------------------


def tweakable_fields() -> list[Field]:
    """One tweakable field of each kind (and list form) found in the real flows."""
    found: dict[tuple[FieldKind, bool], Field] = {}
    for raw in REAL_FLOWS:
        for comp in parse_flow(raw).components:
            for f in comp.fields:
                if f.tweakable:
                    found.setdefault((f.kind, f.is_list), f)
    return list(found.values())


REAL_FIELDS = tweakable_fields()
TWEAKABLE_KINDS = sorted({f.kind for f in REAL_FIELDS} | {FieldKind.MULTISELECT, FieldKind.MCP},
                         key=lambda k: k.value)


def raw_values() -> st.SearchStrategy[Any]:
    """What a user may type or a tweaks file may hold, for any field."""
    number_text = st.from_regex(r"\A[ +-]?[0-9_.,eE+-]{0,12} ?\Z") | st.floats().map(repr) | st.integers().map(str)
    return (
        st.text() | number_text | FLOW_JSON | FLOW_JSON.map(json.dumps) | ODD_TEXT
        | st.builds(GlobalVariable, st.text(max_size=8) | ODD_TEXT)
        | st.fixed_dictionaries({"load_from_db": st.just(True), "value": FLOW_JSON})
    )


def coerced_or_refused(field: Field, raw: Any) -> None:
    """``coerce`` gives a value that JSON carries exactly, or a TweakError; nothing else."""
    try:
        value = coerce(field, raw)
    except TweakError as exc:
        assert str(exc)
        return
    body = json.dumps(to_json_value(value), allow_nan=False, ensure_ascii=False)
    body.encode("utf-8")  # valid Unicode, nothing non-finite: sent as set


@FUZZ
@given(st.sampled_from(REAL_FIELDS), raw_values())
def test_coerce_each_real_field(field: Field, raw: Any) -> None:
    coerced_or_refused(field, raw)


@st.composite
def odd_fields(draw: st.DrawFn) -> Field:
    """A real field turned into any tweakable kind, with any options and range."""
    base = draw(st.sampled_from(REAL_FIELDS))
    bound = st.none() | st.floats(allow_nan=True, allow_infinity=True) | st.integers(-5, 5).map(float)
    rng = st.none() | st.builds(RangeSpec, bound, bound, bound, st.sampled_from(["int", "float", "?"]))
    return dataclasses.replace(
        base,
        kind=draw(st.sampled_from(TWEAKABLE_KINDS)),
        is_list=draw(st.booleans()),
        combobox=draw(st.booleans()),
        options=tuple(draw(st.lists(FLOW_JSON, max_size=4))),
        range=draw(rng),
        value=draw(FLOW_JSON),
        load_from_db=draw(st.booleans()),
    )


@FUZZ
@given(odd_fields(), raw_values())
def test_coerce_any_field_kind(field: Field, raw: Any) -> None:
    coerced_or_refused(field, raw)


ECHO_FLOW = parse_flow(REAL_FLOWS[-1])


@FUZZ
@given(FLOW_JSON)
def test_tweakset_load_any_json(tweaks: Any) -> None:
    ts = TweakSet(ECHO_FLOW)
    try:
        ts.load(tweaks)
    except TweakError as exc:
        assert str(exc)
    json.dumps(ts.to_json(), allow_nan=False, default=str).encode("utf-8")
    ts.load(tweaks if isinstance(tweaks, dict) else {}, strict=False)


@FUZZ
@given(st.binary(max_size=200) | FLOW_JSON.map(lambda v: json.dumps(v).encode()))
def test_load_preset_any_bytes(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "preset.json"
        path.write_bytes(raw)
        try:
            data = load_preset(path)
        except PresetError as exc:
            assert str(exc)
            return
        try:
            TweakSet(ECHO_FLOW).load(data)
        except TweakError as exc:
            assert str(exc)


# --- the stream parsers ---------------------------------------------------------------------------

NDJSON = (CAPTURES / "echo_run_stream.ndjson").read_bytes()
SSE = (CAPTURES / "echo_v2_stream.sse").read_bytes()
PARSERS: dict[str, Callable[[], NdjsonParser | SseParser]] = {
    "ndjson": NdjsonParser,
    "sse": SseParser,
    "legacy": lambda: LegacyStreamParser("m1"),
}


def feed_all(make: Callable[[], NdjsonParser | SseParser], pieces: list[bytes]) -> list[StreamEvent]:
    """Feed the pieces, then close: the events, or a typed error (raised as the client sees
    it: a protocol error while feeding, a cut stream at the end). Every event goes through a
    conversation and the terminal printer, as a run's would."""
    parser = make()
    conversation, printer = Conversation("hi"), TerminalPrinter()
    events: list[StreamEvent] = []
    try:
        for piece in pieces:
            events += parser.feed(piece)
        events += parser.close()
    except StreamProtocolError as exc:
        events += exc.events_before
        assert str(exc)
    except StreamCutError as exc:
        assert str(exc)
    for ev in events:
        escape(printer.text_of(conversation.feed(ev)), multiline=True)
    conversation.outcome()
    return events


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(data)) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


@FUZZ
@given(st.sampled_from(sorted(PARSERS)), st.binary(max_size=300), st.lists(st.integers(0, 300), max_size=6))
def test_streams_any_bytes_any_split(kind: str, data: bytes, cuts: list[int]) -> None:
    feed_all(PARSERS[kind], split(data, cuts))


@st.composite
def event_lines(draw: st.DrawFn, sse: bool) -> bytes:
    """Lines of well-formed JSON events with any names and payloads (the events' own readers
    then meet every shape), with SSE's fields around them for an SSE stream."""
    out = []
    for _ in range(draw(st.integers(1, 5))):
        obj: Any = {"event": draw(st.sampled_from(STREAM_WORDS) | st.text(max_size=5)), "data": draw(STREAM_JSON)}
        if draw(st.integers(0, 9)) == 0:
            obj = draw(STREAM_JSON)  # not an event object at all
        text = json.dumps(obj, ensure_ascii=draw(st.booleans()))
        if sse:
            extra = draw(st.sampled_from(["", "id: 7\n", "event: message\n", ": keep-alive\n", "retry: 5\n"]))
            out.append(f"{extra}data: {text}\n\n")
        else:
            out.append(f"{text}\n\n")
    return "".join(out).encode("utf-8", "surrogatepass")


@FUZZ
@given(st.data(), st.lists(st.integers(0, 2000), max_size=5))
def test_streams_any_event_objects(data: st.DataObject, cuts: list[int]) -> None:
    kind = data.draw(st.sampled_from(sorted(PARSERS)))
    raw = data.draw(event_lines(sse=kind != "ndjson"))
    feed_all(PARSERS[kind], split(raw, cuts))


@FUZZ
@given(st.sampled_from(["ndjson", "sse"]), st.data())
def test_streams_mutated_captures(kind: str, data: st.DataObject) -> None:
    raw = mutate_bytes(NDJSON if kind == "ndjson" else SSE, data)
    cuts = data.draw(st.lists(st.integers(0, len(raw)), max_size=6))
    feed_all(PARSERS[kind], split(raw, cuts))


@pytest.mark.parametrize(("kind", "capture"), [("ndjson", NDJSON), ("sse", SSE)])
def test_capture_whole_gives_the_real_events(kind: str, capture: bytes) -> None:
    events = feed_all(PARSERS[kind], [capture])
    assert len(events) >= 5 and type(events[-1]).__name__ == "EndEvent"


@FUZZ
@given(st.sampled_from(["ndjson", "sse"]), st.data())
def test_captures_split_anywhere_give_the_same_events(kind: str, data: st.DataObject) -> None:
    capture = NDJSON if kind == "ndjson" else SSE
    whole = feed_all(PARSERS[kind], [capture])
    cuts = data.draw(st.lists(st.integers(0, len(capture)), max_size=40))
    assert feed_all(PARSERS[kind], split(capture, cuts)) == whole


@FUZZ
@given(st.sampled_from(["ndjson", "sse"]), st.integers(1, 64))
def test_captures_in_small_equal_chunks_give_the_same_events(kind: str, size: int) -> None:
    capture = NDJSON if kind == "ndjson" else SSE
    pieces = [capture[i : i + size] for i in range(0, len(capture), size)]
    assert feed_all(PARSERS[kind], pieces) == feed_all(PARSERS[kind], [capture])
