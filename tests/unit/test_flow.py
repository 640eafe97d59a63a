"""The flow model against real flows: Langflow's starter projects and captured flows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.data import DATA

from lfdesk.core.flow import (
    FieldKind,
    FieldView,
    FlowError,
    iter_fields,
    load_flow,
    parse_flow,
    parse_flow_bytes,
)
from lfdesk.core.tables import MAX_COLUMN_OPTIONS, MAX_TABLE_COLUMNS, TableColumn

STARTERS = sorted((DATA / "starter").glob("*.json"))
ALL_FLOWS = [*STARTERS, *sorted(DATA.glob("*.flow.json"))]


def test_starter_projects_are_present() -> None:
    assert len(STARTERS) >= 20


@pytest.mark.parametrize("path", ALL_FLOWS, ids=lambda p: p.stem)
def test_every_real_flow_parses(path: Path) -> None:
    flow = load_flow(path)
    raw = json.loads(path.read_text())
    notes = [n for n in raw["data"]["nodes"] if n.get("type") == "noteNode"]
    assert flow.components, "a flow with components"
    assert len(flow.components) == len(raw["data"]["nodes"]) - len(notes)
    for comp in flow.components:
        assert comp.id and comp.type and comp.display_name
        names = [f.name for f in comp.fields]
        assert len(names) == len(set(names))
        for f in comp.fields:
            assert f.tweakable == (f.reason is None) or f.kind is FieldKind.OTHER
            if f.exposed:
                assert f.tweakable and f.api_editable and not f.advanced
            if f.kind is FieldKind.CODE or f.name == "code":
                assert not f.tweakable and f.reason and "code" in f.reason


def test_echo_flow_fields_and_reasons() -> None:
    flow = load_flow(DATA / "echo_chat.flow.json")
    assert flow.name == "Echo Chat"
    assert flow.endpoint_name == "echo-chat"
    assert flow.run_ref == "echo-chat"
    openai = flow.component("OpenAIModelComponent-44DEX")
    assert flow.component("OpenAI") is openai  # unique display name
    temp = openai.field("temperature")
    assert temp.kind is FieldKind.SLIDER and temp.tweakable and temp.value == 0.1
    assert temp.range is not None and temp.range.max == 1.0
    assert openai.field("api_key").kind is FieldKind.SECRET
    assert openai.field("model_name").kind is FieldKind.DROPDOWN and openai.field("model_name").combobox
    assert openai.field("model_kwargs").kind is FieldKind.DICT
    # fed by an edge -> not tweakable, with the source named
    inp = openai.field("input_value")
    assert not inp.tweakable and inp.connected_from == "PromptComponent-0ko7V"
    assert "PromptComponent-0ko7V" in (inp.reason or "")
    out = flow.component("ChatOutput-EZE6q").field("input_value")
    assert out.kind is FieldKind.HANDLE and not out.tweakable
    prompt = flow.component("PromptComponent-0ko7V")
    assert prompt.field("template").kind is FieldKind.PROMPT
    assert prompt.field("tool_placeholder").reason == "hidden field"
    # no _input_type: falls back to the template type
    assert prompt.field("question").kind is FieldKind.MULTILINE  # multiline: true
    assert flow.has_chat_input and flow.has_chat_output
    assert flow.default_input_type == "chat"


def test_field_order_follows_the_flow() -> None:
    flow = load_flow(DATA / "starter" / "Basic Prompting.json")
    chat = flow.component("ChatInput-b6UCc")
    assert [f.name for f in chat.fields][:3] == ["input_value", "should_store_message", "sender"]


def test_notes_are_skipped_and_internal_fields_locked() -> None:
    flow = load_flow(DATA / "starter" / "Basic Prompting.json")
    assert all(not c.id.startswith("note") and not c.id.startswith("undefined") for c in flow)
    lm = flow.component("LanguageModelComponent-FLeYF")
    assert lm.field("_frontend_node_flow_id").reason == "internal field"
    assert lm.field("model").kind is FieldKind.MODEL and lm.field("model").tweakable


def test_exposed_view_follows_api_editable() -> None:
    raw = json.loads((DATA / "echo_chat.flow.json").read_text())
    for node in raw["data"]["nodes"]:
        if node["data"]["id"] == "OpenAIModelComponent-44DEX":
            node["data"]["node"]["template"]["temperature"]["api_editable"] = True
            node["data"]["node"]["template"]["seed"]["api_editable"] = True  # advanced
    flow = parse_flow(raw)
    exposed = [(c.id, f.name) for c, f in iter_fields(flow, view="exposed")]
    assert exposed == [("OpenAIModelComponent-44DEX", "temperature")]
    assert len(list(iter_fields(flow, view="tweakable"))) > 20
    assert flow.has_exposed_fields
    assert not load_flow(DATA / "echo_chat.flow.json").has_exposed_fields


def test_field_views() -> None:
    flow = load_flow(DATA / "echo_chat.flow.json")
    prompt = flow.component("PromptComponent-0ko7V")
    names = {v: [f.name for f in prompt.fields_in(v)] for v in FieldView}
    assert names[FieldView.EVERY] == [f.name for f in prompt.fields]
    assert "tool_placeholder" in names[FieldView.EVERY]  # hidden
    assert "tool_placeholder" not in names[FieldView.ALL]
    assert "code" in names[FieldView.ALL] and "code" not in names[FieldView.TWEAKABLE]
    assert names[FieldView.TWEAKABLE] == [f.name for f in prompt.tweakable_fields()]
    assert names[FieldView.EXPOSED] == []
    assert prompt.fields_in("all") == prompt.fields_in(FieldView.ALL)  # plain strings work
    for comp in flow:
        shown = {f.name for f in comp.fields_in(FieldView.ALL)}
        tweakable = {f.name for f in comp.fields_in(FieldView.TWEAKABLE)}
        assert all(not n.startswith("_") and comp.field(n).show for n in shown)
        assert {f.name for f in comp.fields_in(FieldView.EXPOSED)} <= tweakable <= shown
    assert len(list(iter_fields(flow))) == sum(len(c.fields) for c in flow)
    with pytest.raises(ValueError, match="some"):
        prompt.fields_in("some")
    with pytest.raises(ValueError, match="some"):
        list(iter_fields(flow, view="some"))


def test_table_schema_of_a_starter_flow() -> None:
    flow = load_flow(DATA / "starter" / "Content Aggregator.json")
    schema = flow.component("Agent-ZH2Rd").field("output_schema")
    assert schema.kind is FieldKind.TABLE and schema.tweakable
    assert schema.table_schema == (
        TableColumn("name", "Name", "str", "Specify the name of the output field.", "field"),
        TableColumn(
            "description",
            "Description",
            "str",
            "Describe the purpose of the output field.",
            "description of field",
        ),
        TableColumn(
            "type",
            "Type",
            "str",
            "Indicate the data type of the output field (e.g., str, int, float, bool, dict).",
            "str",
            ("str", "int", "float", "bool", "dict"),
        ),
        TableColumn(
            "multiple",
            "As List",
            "boolean",
            "Set to True if this output field should be a list of the specified type.",
            "False",
        ),
    )
    # Immutable, like the rest of the flow.
    with pytest.raises(AttributeError):
        schema.table_schema[0].name = "x"  # type: ignore[misc]
    # Only TABLE fields carry columns.
    assert all(
        not f.table_schema for c in flow for f in c.fields if f.kind is not FieldKind.TABLE
    )


def test_every_table_field_of_the_starter_flows_has_its_columns() -> None:
    for path in ALL_FLOWS:
        raw = path.read_text()
        if '"table_schema"' not in raw:
            continue
        flow = load_flow(path)
        tables = [f for c in flow for f in c.fields if f.kind is FieldKind.TABLE]
        assert tables, path.name
        for f in tables:
            assert f.table_schema, (path.name, f.name)
            assert all(col.name and col.display_name for col in f.table_schema)


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (None, ()),
        ("name", ()),
        ({"name": "a"}, ()),
        ([1, "a", None, [], {}, {"name": ""}, {"name": 3}, {"display_name": "No name"}], ()),
        ([{"name": "a"}, {"name": "a", "type": "int"}], (TableColumn("a", "a"),)),
        (
            [{"name": " b ", "display_name": 7, "type": ["x"], "formatter": "number"}],
            (TableColumn("b", "b", "number"),),
        ),
        (
            [{"name": "c", "default": {"x": 1}, "options": ["p", 2, None, "q"]}],
            (TableColumn("c", "c", options=("p", "q")),),
        ),
        ([{"name": "d", "default": float("nan")}], (TableColumn("d", "d"),)),
        ([{"name": "e", "default": False, "type": "boolean"}], (TableColumn("e", "e", "boolean", default=False),)),
    ],
)
def test_table_schema_is_read_defensively(schema: object, expected: tuple[TableColumn, ...]) -> None:
    spec: dict[str, object] = {"type": "table", "_input_type": "TableInput", "value": []}
    if schema is not None:
        spec["table_schema"] = schema
    flow = parse_flow({"data": {"nodes": [_node("T-1", "T", {"rows": spec})], "edges": []}})
    assert flow.component("T-1").field("rows").table_schema == expected


def test_table_schema_is_bounded() -> None:
    long = "x" * 100_000
    schema = [
        {"name": f"c{i}", "display_name": long, "description": long, "default": long,
         "options": [long] * (MAX_COLUMN_OPTIONS * 4)}
        for i in range(MAX_TABLE_COLUMNS * 4)
    ]
    spec = {"type": "table", "_input_type": "TableInput", "value": [], "table_schema": schema}
    flow = parse_flow({"data": {"nodes": [_node("T-1", "T", {"rows": spec})], "edges": []}})
    columns = flow.component("T-1").field("rows").table_schema
    assert len(columns) == MAX_TABLE_COLUMNS
    col = columns[0]
    assert len(col.display_name) <= 200 and len(col.description) <= 2000
    assert isinstance(col.default, str) and len(col.default) <= 2000
    assert len(col.options) == MAX_COLUMN_OPTIONS and all(len(o) <= 200 for o in col.options)
    # A template that is not a table keeps no columns, whatever it carries.
    text = {"type": "str", "_input_type": "StrInput", "value": "", "table_schema": schema}
    flow = parse_flow({"data": {"nodes": [_node("T-1", "T", {"t": text})], "edges": []}})
    assert flow.component("T-1").field("t").table_schema == ()


def test_protected_fields_on_code_execution_components() -> None:
    flow = parse_flow(
        {
            "data": {
                "nodes": [
                    _node("PythonREPLComponent-1", "PythonREPLComponent", {
                        "python_code": {"type": "str", "_input_type": "MultilineInput", "value": "1"},
                        "global_imports": {"type": "str", "_input_type": "StrInput", "value": "math"},
                        "timeout": {"type": "int", "_input_type": "IntInput", "value": 5},
                    }),
                    _node("SQLComponent-2", "SQLComponent", {
                        "database_url": {"type": "str", "_input_type": "StrInput", "value": "x"},
                        "limit": {"type": "int", "value": 5},
                    }),
                ],
                "edges": [],
            }
        }
    )
    repl = flow.component("PythonREPLComponent-1")
    assert not repl.field("python_code").tweakable and "protected" in (repl.field("python_code").reason or "")
    assert not repl.field("global_imports").tweakable
    assert repl.field("timeout").tweakable
    sql = flow.component("SQLComponent-2")
    assert not sql.field("database_url").tweakable
    assert sql.field("limit").tweakable


def test_tool_mode_and_unknown_types() -> None:
    node = _node("Tool-1", "Tool", {
        "query": {"type": "str", "_input_type": "MessageTextInput", "tool_mode": True, "value": ""},
        "weird": {"type": "hologram", "value": 1},
        "legacy_secret": {"type": "str", "password": True, "value": ""},
        "legacy_choice": {"type": "str", "options": ["a", "b"], "value": "a"},
        "legacy_multi": {"type": "str", "options": ["a", "b"], "list": True, "value": []},
    })
    node["data"]["node"]["tool_mode"] = True
    flow = parse_flow({"data": {"nodes": [node], "edges": []}})
    comp = flow.component("Tool-1")
    assert "tool mode" in (comp.field("query").reason or "")
    assert comp.field("weird").kind is FieldKind.OTHER and "unknown field type" in (comp.field("weird").reason or "")
    assert comp.field("legacy_secret").kind is FieldKind.SECRET
    assert comp.field("legacy_choice").kind is FieldKind.DROPDOWN
    assert comp.field("legacy_multi").kind is FieldKind.MULTISELECT


def test_group_nodes_show_inner_components() -> None:
    inner = _node("Inner-1", "Inner", {"x": {"type": "int", "value": 1}})
    group = {"id": "Group-9", "data": {"id": "Group-9", "type": "GroupNode", "node": {
        "display_name": "Group", "template": {}, "flow": {"data": {"nodes": [inner], "edges": []}}}}}
    flow = parse_flow({"data": {"nodes": [group], "edges": []}})
    assert [c.id for c in flow.components] == ["Inner-1"]
    assert flow.components[0].group == "Group-9"


def test_edges_without_data_use_handle_strings() -> None:
    a = _node("A-1", "A", {})
    b = _node("B-1", "B", {"text": {"type": "str", "_input_type": "MessageTextInput", "value": ""}})
    handle = '{œfieldNameœ:œtextœ,œidœ:œB-1œ,œinputTypesœ:[œMessageœ],œtypeœ:œstrœ}'
    flow = parse_flow({"data": {"nodes": [a, b], "edges": [{"source": "A-1", "target": "B-1", "targetHandle": handle}]}})
    assert flow.component("B-1").field("text").connected_from == "A-1"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"{not json", "not valid JSON at line 1, column 2"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[]", "a flow is a JSON object, found a list"),
        (b'{"name": "x"}', "no flow graph"),
        (b'{"data": {"nodes": {}}}', "'data.nodes' must be a list, found an object"),
        (b'{"data": {"nodes": [], "edges": 3}}', "'data.edges' must be a list"),
        (b'{"data": {"nodes": [5], "edges": []}}', "data.nodes[0] is a number"),
        (b'{"data": {"nodes": [{"data": {"id": "X-1"}}], "edges": []}}', "has no 'data.node'"),
        (b'{"data": {"nodes": [{"data": {"id": "X-1", "node": {}}}], "edges": []}}', "no 'template'"),
        (b'{"data": {"nodes": [], "edges": [{"source": 1}]}}', "lacks 'source' or 'target'"),
        (b'{"flows": [{}, {}]}', "project export holding 2 flows"),
    ],
)
def test_malformed_input_gives_a_clear_flow_error(raw: bytes, fragment: str) -> None:
    with pytest.raises(FlowError) as info:
        parse_flow_bytes(raw, source="bad.json")
    assert fragment in str(info.value)
    assert str(info.value).startswith("bad.json")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FlowError, match="cannot read"):
        load_flow(tmp_path / "nope.json")


def test_duplicate_display_names_need_an_id() -> None:
    flow = parse_flow({"data": {"nodes": [_node("A-1", "A", {}), _node("A-2", "A", {})], "edges": []}})
    with pytest.raises(KeyError, match="names 2 components"):
        flow.component("A")


def _node(node_id: str, ctype: str, template: dict[str, dict[str, object]]) -> dict[str, object]:
    return {"id": node_id, "data": {"id": node_id, "type": ctype, "node": {
        "display_name": ctype, "template": {"_type": "Component", **template}}}}
