"""Read a Langflow flow: its components, their fields, and which fields can be tweaked and why.

Accepts an exported flow file, a flow as `GET /api/v1/flows/{id}` returns it, and Langflow's
starter projects (nodes with or without `type: "genericNode"`, edges with or without handle
strings). Everything is parsed into small immutable values; nothing here touches the network.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from lfdesk.core.jsontext import JsonLimitError, error_position, loads
from lfdesk.core.tables import TableColumn, table_schema


class FlowError(ValueError):
    """A flow file that cannot be read, with what is wrong and where."""


class FieldKind(StrEnum):
    """What kind of value a field holds, which decides its editor and its coercion."""

    TEXT = "text"
    MULTILINE = "multiline"
    SECRET = "secret"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    DROPDOWN = "dropdown"
    MULTISELECT = "multiselect"
    SLIDER = "slider"
    TAB = "tab"
    DICT = "dict"
    NESTED_DICT = "nested_dict"
    TABLE = "table"
    SORTABLE_LIST = "sortable_list"
    FILE = "file"
    PROMPT = "prompt"
    QUERY = "query"
    MODEL = "model"
    CODE = "code"
    HANDLE = "handle"
    TOOLS = "tools"
    LINK = "link"
    MCP = "mcp"
    CONNECTION = "connection"
    OTHER = "other"


# `_input_type` -> kind. Classes not listed fall back to the template `type` (see _kind_of).
_INPUT_TYPE_KINDS: dict[str, FieldKind] = {
    "StrInput": FieldKind.TEXT,
    "MessageTextInput": FieldKind.TEXT,
    "MessageInput": FieldKind.TEXT,
    "QueryInput": FieldKind.QUERY,
    "MultilineInput": FieldKind.MULTILINE,
    "MultilineSecretInput": FieldKind.SECRET,
    "SecretStrInput": FieldKind.SECRET,
    "IntInput": FieldKind.INT,
    "FloatInput": FieldKind.FLOAT,
    "BoolInput": FieldKind.BOOL,
    "DropdownInput": FieldKind.DROPDOWN,
    "MultiselectInput": FieldKind.MULTISELECT,
    "SliderInput": FieldKind.SLIDER,
    "TabInput": FieldKind.TAB,
    "DictInput": FieldKind.DICT,
    "NestedDictInput": FieldKind.NESTED_DICT,
    "TableInput": FieldKind.TABLE,
    "SortableListInput": FieldKind.SORTABLE_LIST,
    "FileInput": FieldKind.FILE,
    "PromptInput": FieldKind.PROMPT,
    "MustachePromptInput": FieldKind.PROMPT,
    "ModelInput": FieldKind.MODEL,
    "CodeInput": FieldKind.CODE,
    "HandleInput": FieldKind.HANDLE,
    "DataInput": FieldKind.HANDLE,
    "JSONInput": FieldKind.HANDLE,
    "DataFrameInput": FieldKind.HANDLE,
    "ToolsInput": FieldKind.TOOLS,
    "LinkInput": FieldKind.LINK,
    "McpInput": FieldKind.MCP,
    "ConnectionInput": FieldKind.CONNECTION,
    "ConnectionRefInput": FieldKind.CONNECTION,
    "AuthInput": FieldKind.CONNECTION,
}

# Template `type` -> kind, for fields saved without `_input_type` and for unknown classes.
_TYPE_KINDS: dict[str, FieldKind] = {
    "str": FieldKind.TEXT,
    "int": FieldKind.INT,
    "float": FieldKind.FLOAT,
    "bool": FieldKind.BOOL,
    "dict": FieldKind.DICT,
    "NestedDict": FieldKind.NESTED_DICT,
    "table": FieldKind.TABLE,
    "sortableList": FieldKind.SORTABLE_LIST,
    "file": FieldKind.FILE,
    "prompt": FieldKind.PROMPT,
    "mustache": FieldKind.PROMPT,
    "query": FieldKind.QUERY,
    "model": FieldKind.MODEL,
    "code": FieldKind.CODE,
    "other": FieldKind.HANDLE,
    "tools": FieldKind.TOOLS,
    "link": FieldKind.LINK,
    "mcp": FieldKind.MCP,
    "slider": FieldKind.SLIDER,
    "tab": FieldKind.TAB,
    "connect": FieldKind.CONNECTION,
    "connection_ref": FieldKind.CONNECTION,
    "auth": FieldKind.CONNECTION,
}

# Kinds whose values a caller may send as tweaks (Langflow's LANGFLOW_SUPPORTED_TYPES plus
# `model`, minus the connection-only and display-only ones).
_TWEAKABLE_KINDS = frozenset(
    {
        FieldKind.TEXT,
        FieldKind.MULTILINE,
        FieldKind.SECRET,
        FieldKind.INT,
        FieldKind.FLOAT,
        FieldKind.BOOL,
        FieldKind.DROPDOWN,
        FieldKind.MULTISELECT,
        FieldKind.SLIDER,
        FieldKind.TAB,
        FieldKind.DICT,
        FieldKind.NESTED_DICT,
        FieldKind.TABLE,
        FieldKind.SORTABLE_LIST,
        FieldKind.FILE,
        FieldKind.PROMPT,
        FieldKind.QUERY,
        FieldKind.MODEL,
        FieldKind.MCP,
    }
)

# Mirrors lfx/utils/flow_validation.py (Langflow 1.13): the server refuses these with 422.
CODE_EXECUTION_COMPONENT_TYPES = frozenset(
    {
        "CSVAgent",
        "CodeAct Agent (Smolagents)",
        "CodeActAgentSmolagents",
        "Cuga",
        "LambdaFilterComponent",
        "OpenDsStar Agent",
        "OpenDsStarAgent",
        "Python Code Structured",
        "PythonCodeStructuredTool",
        "Python Function",
        "PythonFunction",
        "PythonFunctionComponent",
        "Python Interpreter",
        "PythonREPLComponent",
        "Python REPL",
        "PythonREPLToolComponent",
        "PythonREPLTool",
        "Smart Transform",
    }
)
CODE_EXECUTION_FIELD_NAMES = frozenset(
    {
        "allow_dangerous_code",
        "function_code",
        "python_code",
        "tool_code",
        "filter_instruction",
        "global_imports",
    }
)
PROTECTED_FIELDS_BY_COMPONENT: Mapping[str, frozenset[str]] = {
    "SQLComponent": frozenset({"database_url", "query"}),
    "BingSearchAPI": frozenset({"bing_search_url"}),
    "BingSearchAPIComponent": frozenset({"bing_search_url"}),
    "Bing Search API": frozenset({"bing_search_url"}),
}

# Component types whose `input_value` the top-level `input_value` of a run feeds
# (Langflow's validate_input_and_tweaks matches these substrings in the tweak key).
INPUT_COMPONENT_MARKERS = ("ChatInput", "Chat Input", "TextInput", "Text Input")

# A tuple, not a set: `in` compares, so a node "type" that is a list or object (a broken file)
# is simply not a note, where a set would raise TypeError (unhashable).
_NOTE_NODE_TYPES = ("noteNode", "note")

class FieldView(StrEnum):
    """Which fields of a component a list shows: the tree, the form and the CLI share these.

    EXPOSED: the fields the flow's author made editable through the API (`api_editable`,
    not advanced, tweakable). TWEAKABLE: every field a caller may send as a tweak. ALL:
    every field a user can see on the Langflow canvas, tweakable or not (hidden and
    internal fields are left out). EVERY: every template field, hidden and internal too.
    """

    EXPOSED = "exposed"
    TWEAKABLE = "tweakable"
    ALL = "all"
    EVERY = "every"

    def includes(self, f: Field) -> bool:
        """Whether this view shows the field."""
        if self is FieldView.EXPOSED:
            return f.exposed
        if self is FieldView.TWEAKABLE:
            return f.tweakable
        if self is FieldView.ALL:
            return f.show and not f.name.startswith("_")
        return True


@dataclass(frozen=True, slots=True)
class RangeSpec:
    """A numeric field's allowed range, from the template's `range_spec`."""

    min: float | None
    max: float | None
    step: float | None
    step_type: str  # "int" or "float"


@dataclass(frozen=True, slots=True)
class Field:
    """One template field of a component, and whether a caller may tweak it."""

    name: str
    display_name: str
    kind: FieldKind
    input_type: str | None
    type: str | None
    value: Any
    info: str = ""
    options: tuple[Any, ...] = ()
    combobox: bool = False
    range: RangeSpec | None = None
    required: bool = False
    advanced: bool = False
    show: bool = True
    api_editable: bool = False
    load_from_db: bool = False
    is_list: bool = False
    password: bool = False
    multiline: bool = False
    tool_mode: bool = False
    input_types: tuple[str, ...] = ()
    file_types: tuple[str, ...] = ()
    table_schema: tuple[TableColumn, ...] = ()  # TABLE fields: the columns of a row
    connected_from: str | None = None
    tweakable: bool = False
    reason: str | None = None
    exposed: bool = False

    @property
    def default(self) -> Any:
        """The flow's own value: what the server uses when no tweak is sent."""
        return self.value

    @property
    def option_names(self) -> tuple[str, ...]:
        """Options as plain strings (model options are objects with a `name`)."""
        names: list[str] = []
        for option in self.options:
            if isinstance(option, Mapping):
                names.append(str(option.get("name", "")))
            else:
                names.append(str(option))
        return tuple(names)


@dataclass(frozen=True, slots=True)
class Component:
    """A node of the flow that runs: a Langflow component."""

    id: str
    type: str
    display_name: str
    description: str
    icon: str
    fields: tuple[Field, ...]
    group: str | None = None  # id of the group node holding it, if any
    tool_mode: bool = False
    _by_name: dict[str, Field] = field(default_factory=dict, repr=False, compare=False)

    def field(self, name: str) -> Field:
        """The field called `name`; KeyError if there is none."""
        return self._by_name[name]

    def has_field(self, name: str) -> bool:
        return name in self._by_name

    def tweakable_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.tweakable)

    def fields_in(self, view: FieldView | str) -> tuple[Field, ...]:
        """The fields a view shows, in the flow's order. ValueError for an unknown view."""
        fv = FieldView(view)
        return tuple(f for f in self.fields if fv.includes(f))


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    field_name: str | None
    source_output: str | None


@dataclass(frozen=True, slots=True)
class Flow:
    """A parsed flow: its identity and its components in canvas order."""

    id: str | None
    name: str
    description: str
    endpoint_name: str | None
    components: tuple[Component, ...]
    edges: tuple[Edge, ...]
    _by_id: dict[str, Component] = field(default_factory=dict, repr=False, compare=False)

    def component(self, ref: str) -> Component:
        """A component by id, or by display name when that name is unique.

        Raises KeyError with a readable message otherwise.
        """
        found = self._by_id.get(ref)
        if found is not None:
            return found
        matches = [c for c in self.components if c.display_name == ref]
        if len(matches) == 1:
            return matches[0]
        if matches:
            ids = ", ".join(c.id for c in matches)
            raise KeyError(f"{ref!r} names {len(matches)} components ({ids}); use an id")
        known = ", ".join(c.id for c in self.components)
        raise KeyError(f"no component {ref!r} in flow {self.name!r} (components: {known})")

    def has_component(self, component_id: str) -> bool:
        return component_id in self._by_id

    def __iter__(self) -> Iterator[Component]:
        return iter(self.components)

    @property
    def has_chat_input(self) -> bool:
        return any("ChatInput" in c.type or "ChatInput" in c.id for c in self.components)

    @property
    def has_chat_output(self) -> bool:
        return any("ChatOutput" in c.type or "ChatOutput" in c.id for c in self.components)

    @property
    def has_text_input(self) -> bool:
        return any("TextInput" in c.type or "TextInput" in c.id for c in self.components)

    @property
    def default_input_type(self) -> str:
        """`chat` when there is a Chat Input, else `text` (as Langflow's own pane does)."""
        return "chat" if self.has_chat_input or not self.has_text_input else "text"

    @property
    def default_output_type(self) -> str:
        return "chat" if self.has_chat_output else "text"

    @property
    def run_ref(self) -> str:
        """What to put in `/api/v1/run/{ref}`: the endpoint name if set, else the id."""
        return self.endpoint_name or self.id or ""

    @property
    def has_exposed_fields(self) -> bool:
        """Whether the flow's author exposed any field through the API."""
        return any(f.exposed for c in self.components for f in c.fields)


def load_flow(path: str | Path) -> Flow:
    """Read and parse a flow file. Raises FlowError (never anything else) on bad input."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise FlowError(f"{p}: cannot read the file ({exc.strerror or exc})") from exc
    return parse_flow_bytes(raw, source=str(p))


def parse_flow_bytes(raw: bytes | str, source: str = "flow") -> Flow:
    """Parse flow JSON text. Raises FlowError with the line and column of a syntax error."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FlowError(f"{source}: not UTF-8 text (bad byte at offset {exc.start})") from exc
    try:
        data = loads(raw)
    except json.JSONDecodeError as exc:
        raise FlowError(f"{source}: not valid JSON at {error_position(exc)}: {exc.msg}") from exc
    except JsonLimitError as exc:  # nested past any real flow (json itself would recurse)
        raise FlowError(f"{source}: {exc}") from None
    return parse_flow(data, source=source)


def parse_flow(data: Any, source: str = "flow") -> Flow:
    """Parse a flow already decoded from JSON."""
    if not isinstance(data, dict):
        raise FlowError(f"{source}: a flow is a JSON object, found {_json_type(data)}")
    if "flows" in data and "data" not in data and isinstance(data["flows"], list):
        raise FlowError(
            f"{source}: this is a project export holding {len(data['flows'])} flows; "
            "open one flow file"
        )
    graph = data.get("data")
    if graph is None and "nodes" in data:
        graph = data  # a bare {"nodes", "edges"} graph
    if not isinstance(graph, dict):
        raise FlowError(
            f"{source}: no flow graph: expected a 'data' object with 'nodes' and 'edges'"
            + (f", found {_json_type(graph)}" if graph is not None else "")
        )
    nodes = graph.get("nodes")
    if not isinstance(nodes, list):
        raise FlowError(f"{source}: 'data.nodes' must be a list, found {_json_type(nodes)}")
    raw_edges = graph.get("edges", [])
    if not isinstance(raw_edges, list):
        raise FlowError(f"{source}: 'data.edges' must be a list, found {_json_type(raw_edges)}")

    edges: list[Edge] = []
    _collect_edges(raw_edges, edges, source, "data.edges")
    components: list[Component] = []
    _collect_components(nodes, components, edges, source, "data.nodes", group=None)

    connected: dict[tuple[str, str], str] = {}
    for e in edges:
        if e.field_name:
            connected[(e.target, e.field_name)] = e.source
    if connected:
        components = [_mark_connected(c, connected) for c in components]

    by_id: dict[str, Component] = {}
    for comp in components:
        if comp.id in by_id:
            raise FlowError(f"{source}: two components share the id {comp.id!r}")
        by_id[comp.id] = comp

    name = data.get("name")
    endpoint = data.get("endpoint_name")
    flow_id = data.get("id")
    description = data.get("description")
    return Flow(
        id=str(flow_id) if flow_id else None,
        name=name if isinstance(name, str) and name else Path(source).stem or "Untitled flow",
        description=description if isinstance(description, str) else "",
        endpoint_name=endpoint if isinstance(endpoint, str) and endpoint else None,
        components=tuple(components),
        edges=tuple(edges),
        _by_id=by_id,
    )


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _collect_edges(raw_edges: list[Any], out: list[Edge], source: str, where: str) -> None:
    for i, e in enumerate(raw_edges):
        if not isinstance(e, dict):
            raise FlowError(f"{source}: {where}[{i}] is {_json_type(e)}, expected an object")
        src, tgt = e.get("source"), e.get("target")
        if not isinstance(src, str) or not isinstance(tgt, str):
            raise FlowError(f"{source}: {where}[{i}] lacks 'source' or 'target'")
        raw_data = e.get("data")
        edata: dict[str, Any] = raw_data if isinstance(raw_data, dict) else {}
        th = edata.get("targetHandle") if isinstance(edata.get("targetHandle"), dict) else None
        sh = edata.get("sourceHandle") if isinstance(edata.get("sourceHandle"), dict) else None
        field_name = th.get("fieldName") if th else None
        if field_name is None and isinstance(e.get("targetHandle"), str):
            field_name = _field_from_handle_string(e["targetHandle"])
        out.append(
            Edge(
                source=src,
                target=tgt,
                field_name=field_name if isinstance(field_name, str) else None,
                source_output=sh.get("name") if sh and isinstance(sh.get("name"), str) else None,
            )
        )


def _field_from_handle_string(handle: str) -> str | None:
    """Handle strings are JSON with `œ` in place of quotes."""
    try:
        decoded = loads(handle.replace("œ", '"'))
    except ValueError:  # not JSON, or nested too deep
        return None
    name = decoded.get("fieldName") if isinstance(decoded, dict) else None
    return name if isinstance(name, str) else None


def _collect_components(
    nodes: list[Any],
    out: list[Component],
    edges: list[Edge],
    source: str,
    where: str,
    group: str | None,
) -> None:
    for i, n in enumerate(nodes):
        here = f"{where}[{i}]"
        if not isinstance(n, dict):
            raise FlowError(f"{source}: {here} is {_json_type(n)}, expected an object")
        if n.get("type") in _NOTE_NODE_TYPES:
            continue
        ndata = n.get("data")
        if not isinstance(ndata, dict):
            raise FlowError(f"{source}: {here} has no 'data' object")
        if ndata.get("type") in _NOTE_NODE_TYPES:
            continue
        node = ndata.get("node")
        if not isinstance(node, dict):
            raise FlowError(f"{source}: {here} ('{ndata.get('id', '?')}') has no 'data.node'")
        node_id = ndata.get("id") or n.get("id")
        if not isinstance(node_id, str) or not node_id:
            raise FlowError(f"{source}: {here} has no id")
        inner = node.get("flow")
        if isinstance(inner, dict):
            inner_data = inner.get("data")
            inner_graph: dict[str, Any] = inner_data if isinstance(inner_data, dict) else inner
            inner_nodes = inner_graph.get("nodes")
            if not isinstance(inner_nodes, list):
                raise FlowError(f"{source}: group {node_id!r} has no inner 'nodes' list")
            inner_edges = inner_graph.get("edges", [])
            if isinstance(inner_edges, list):
                _collect_edges(inner_edges, edges, source, f"{here}.data.node.flow.data.edges")
            _collect_components(
                inner_nodes, out, edges, source, f"{here}.data.node.flow.data.nodes", node_id
            )
            continue
        out.append(_parse_component(node_id, ndata, node, source, here, group))


def _parse_component(
    node_id: str,
    ndata: dict[str, Any],
    node: dict[str, Any],
    source: str,
    where: str,
    group: str | None,
) -> Component:
    template = node.get("template")
    if not isinstance(template, dict):
        raise FlowError(f"{source}: {where} ('{node_id}') has no 'template' object")
    ctype = ndata.get("type")
    if not isinstance(ctype, str) or not ctype:
        ctype = node_id.rsplit("-", 1)[0]
    display = node.get("display_name") or ndata.get("display_name") or ctype
    node_tool_mode = bool(node.get("tool_mode"))
    order = node.get("field_order")
    names: list[str] = []
    if isinstance(order, list):
        names = [k for k in order if isinstance(k, str) and k in template]
    seen = set(names)
    names.extend(k for k in template if k not in seen)
    fields: list[Field] = []
    for fname in names:
        spec = template[fname]
        if not isinstance(spec, dict) or fname == "_type":
            continue
        fields.append(_parse_field(fname, spec, ctype, node_tool_mode))
    by_name = {f.name: f for f in fields}
    icon = node.get("icon")
    desc = node.get("description") or ndata.get("description")
    return Component(
        id=node_id,
        type=ctype,
        display_name=str(display),
        description=desc if isinstance(desc, str) else "",
        icon=icon if isinstance(icon, str) else "",
        fields=tuple(fields),
        group=group,
        tool_mode=node_tool_mode,
        _by_name=by_name,
    )


def _kind_of(spec: dict[str, Any]) -> FieldKind:
    input_type = spec.get("_input_type")
    if isinstance(input_type, str):
        kind = _INPUT_TYPE_KINDS.get(input_type)
        if kind is not None:
            return kind
    ftype = spec.get("type")
    if ftype == "str":
        if spec.get("password"):
            return FieldKind.SECRET
        if spec.get("options"):
            return FieldKind.MULTISELECT if spec.get("list") else FieldKind.DROPDOWN
        if spec.get("multiline"):
            return FieldKind.MULTILINE
        return FieldKind.TEXT
    if isinstance(ftype, str):
        return _TYPE_KINDS.get(ftype, FieldKind.OTHER)
    return FieldKind.OTHER


def _range_of(spec: dict[str, Any]) -> RangeSpec | None:
    rs = spec.get("range_spec")
    if not isinstance(rs, dict):
        return None

    def num(key: str) -> float | None:
        v = rs.get(key)
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            return None
        try:
            return float(v)
        except OverflowError:  # an integer beyond any float (a broken file): no bound
            return None

    step_type = rs.get("step_type")
    return RangeSpec(
        min=num("min"),
        max=num("max"),
        step=num("step"),
        step_type=step_type if isinstance(step_type, str) else "float",
    )


def _strs(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _parse_field(name: str, spec: dict[str, Any], ctype: str, node_tool_mode: bool) -> Field:
    kind = _kind_of(spec)
    ftype = spec.get("type")
    show = spec.get("show", True) is not False
    advanced = bool(spec.get("advanced"))
    tool_mode = bool(spec.get("tool_mode"))
    options = spec.get("options")
    display = spec.get("display_name")
    info = spec.get("info")
    input_type = spec.get("_input_type")

    reason: str | None = None
    if name.startswith("_"):
        reason = "internal field"
    elif ftype == "code" or name == "code" or kind is FieldKind.CODE:
        reason = "code: the server refuses tweaks to component code"
    elif ctype in CODE_EXECUTION_COMPONENT_TYPES and name in CODE_EXECUTION_FIELD_NAMES:
        reason = "protected: this field runs code, so the server keeps the author's value"
    elif name in PROTECTED_FIELDS_BY_COMPONENT.get(ctype, ()):
        reason = "protected: the server keeps the flow author's value"
    elif not show:
        reason = "hidden field"
    elif kind is FieldKind.HANDLE:
        reason = "connection only: filled by another component through an edge"
    elif kind is FieldKind.TOOLS:
        reason = "connection only: takes tools from other components"
    elif kind is FieldKind.CONNECTION:
        reason = "connection settings are made in Langflow, not sent as tweaks"
    elif kind is FieldKind.LINK:
        reason = "a link, not a value"
    elif kind is FieldKind.OTHER:
        reason = f"unknown field type {ftype or input_type or '?'!r}: lfdesk cannot edit it"
    elif node_tool_mode and tool_mode:
        reason = "tool mode: the agent fills this field when it calls the component"
    tweakable = reason is None and kind in _TWEAKABLE_KINDS

    return Field(
        name=name,
        display_name=display if isinstance(display, str) and display else name,
        kind=kind,
        input_type=input_type if isinstance(input_type, str) else None,
        type=ftype if isinstance(ftype, str) else None,
        value=spec.get("value"),
        info=info if isinstance(info, str) else "",
        options=tuple(options) if isinstance(options, list) else (),
        combobox=bool(spec.get("combobox")),
        range=_range_of(spec),
        required=bool(spec.get("required")),
        advanced=advanced,
        show=show,
        api_editable=spec.get("api_editable") is True,
        load_from_db=bool(spec.get("load_from_db")),
        is_list=bool(spec.get("list")),
        password=bool(spec.get("password")),
        multiline=bool(spec.get("multiline")),
        tool_mode=tool_mode,
        input_types=_strs(spec.get("input_types")),
        file_types=_strs(spec.get("fileTypes") or spec.get("file_types")),
        table_schema=table_schema(spec.get("table_schema")) if kind is FieldKind.TABLE else (),
        tweakable=tweakable,
        reason=reason,
        exposed=tweakable and spec.get("api_editable") is True and not advanced,
    )


def _mark_connected(comp: Component, connected: Mapping[tuple[str, str], str]) -> Component:
    changed = False
    fields: list[Field] = []
    for f in comp.fields:
        src = connected.get((comp.id, f.name))
        if src is None:
            fields.append(f)
            continue
        changed = True
        reason = f.reason if f.reason and not f.tweakable else f"connected: fed by {src}"
        fields.append(
            _replace_field(f, connected_from=src, tweakable=False, exposed=False, reason=reason)
        )
    if not changed:
        return comp
    return Component(
        id=comp.id,
        type=comp.type,
        display_name=comp.display_name,
        description=comp.description,
        icon=comp.icon,
        fields=tuple(fields),
        group=comp.group,
        tool_mode=comp.tool_mode,
        _by_name={f.name: f for f in fields},
    )


def _replace_field(f: Field, **changes: Any) -> Field:
    values = {name: getattr(f, name) for name in f.__dataclass_fields__}
    values.update(changes)
    return Field(**values)


def iter_fields(
    flow: Flow, *, view: FieldView | str = FieldView.EVERY
) -> Iterator[tuple[Component, Field]]:
    """Every (component, field) pair a view shows (by default every field)."""
    fv = FieldView(view)
    for comp in flow.components:
        for f in comp.fields:
            if fv.includes(f):
                yield comp, f
