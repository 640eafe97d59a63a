"""LangflowClient's model catalog, global variable names and component update, against the
real Langflow 1.13.0 replies in tests/data/captures (served by httpx.MockTransport)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from helpers.data import CAPTURES, load_flow

from lfdesk.core.api import (
    AuthError,
    ComponentUpdateError,
    HTTPStatusError,
    LangflowClient,
    LangflowError,
    Limits,
    NoModelCatalogError,
    ReplyTooLargeError,
)
from lfdesk.core.api.models import MAX_CATALOG_REPLY, MAX_VARIABLES
from lfdesk.core.catalog import LANGUAGE, parse_model_options
from lfdesk.core.dynamic import UPDATE_PATH, build_update_request
from lfdesk.core.request import Connection

KEY = "sk-modelsTestKey0123456789abcdefghijklmnopqrstu"
LM_NODE = "LanguageModelComponent-FLeYF"


def capture(name: str) -> Any:
    return json.loads((CAPTURES / name).read_text(encoding="utf-8"))


class Server:
    """Answers by path from a table of (status, JSON body | bytes); records each request."""

    def __init__(self, routes: dict[str, tuple[int, Any]]) -> None:
        self.routes = routes
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        status, body = self.routes.get(request.url.path, (404, {"detail": "Not Found"}))
        if isinstance(body, bytes):
            return httpx.Response(status, content=body, headers={"content-type": "application/json"})
        return httpx.Response(status, json=body)

    def client(self, connection: Connection | None = None, **kw: Any) -> LangflowClient:
        conn = connection or Connection("http://lf.test")
        return LangflowClient(conn, KEY, transport=httpx.MockTransport(self), **kw)


def catalog_routes(models: str = "models_configured.json") -> dict[str, tuple[int, Any]]:
    return {
        "/api/v1/models": (200, capture(models)),
        "/api/v1/models/enabled_models": (200, capture("models_enabled_models.json")),
    }


# -- the model catalog -------------------------------------------------------------------


async def test_catalog_merges_the_enabled_models() -> None:
    server = Server(catalog_routes())
    async with server.client() as client:
        catalog = await client.model_catalog()
    assert [(r.method, r.url.path, r.url.query) for r in server.seen] == [
        ("GET", "/api/v1/models", b""),  # unfiltered: the server's own filter drops models
        ("GET", "/api/v1/models/enabled_models", b""),
    ]
    assert all(r.headers["x-api-key"] == KEY for r in server.seen)
    compatible = catalog.provider("OpenAI Compatible")
    assert compatible is not None and compatible.configured
    slow = next(m for m in compatible.models if m.name == "slow-model" and m.model_type == LANGUAGE)
    assert slow.enabled is False  # switched off in the capture's model settings
    # What the server's own dropdown lists, computed from the two replies:
    options = parse_model_options(capture("model_options_language.json"))
    assert {m.label for m in catalog.usable_models(LANGUAGE)} == {o.label for o in options}


async def test_catalog_without_the_enabled_models_route() -> None:
    server = Server({"/api/v1/models": (200, capture("models_compatible.json"))})
    async with server.client() as client:
        catalog = await client.model_catalog()
    assert catalog.models() and all(m.enabled is None for m in catalog.models())
    assert len(server.seen) == 2


@pytest.mark.parametrize("status", [404, 405])
async def test_a_server_without_a_catalog_says_so(status: int) -> None:
    server = Server({"/api/v1/models": (status, {"detail": "Not Found"})})
    async with server.client() as client:
        with pytest.raises(NoModelCatalogError) as info:
            await client.model_catalog()
    assert isinstance(info.value, LangflowError)
    assert "has no model catalog" in info.value.message and "older Langflow" in info.value.message
    assert "\n" not in info.value.message and info.value.hint
    assert len(server.seen) == 1


async def test_catalog_errors() -> None:
    server = Server({"/api/v1/models": (200, {"providers": []})})
    async with server.client() as client:
        with pytest.raises(HTTPStatusError, match="model catalog cannot be read"):
            await client.model_catalog()
    denied = Server({"/api/v1/models": (403, {"detail": "Invalid or missing API key"})})
    async with denied.client() as client:
        with pytest.raises(AuthError):
            await client.model_catalog()
    broken = Server({**catalog_routes(), "/api/v1/models/enabled_models": (500, {"detail": "boom"})})
    async with broken.client() as client:
        with pytest.raises(HTTPStatusError, match=r"failed to send the enabled model list \(500\): boom"):
            await client.model_catalog()


async def test_catalog_reply_is_bounded() -> None:
    huge = b"[" + b" " * MAX_CATALOG_REPLY + b"]"
    server = Server({"/api/v1/models": (200, huge)})
    async with server.client() as client:
        with pytest.raises(ReplyTooLargeError, match="larger than 4 MB"):
            await client.model_catalog()
    # A client with a smaller general limit keeps it.
    small = Server(catalog_routes())
    async with small.client(limits=Limits(reply=10_000)) as client:
        with pytest.raises(ReplyTooLargeError):
            await client.model_catalog()


# -- global variable names ---------------------------------------------------------------


async def test_variable_names_keep_no_value() -> None:
    rows = [
        {"id": "1", "name": "OPENAI_COMPATIBLE_BASE_URL", "type": "Generic", "value": "http://127.1:9/v1"},
        {"id": "2", "name": "OPENAI_API_KEY", "type": "Credential", "value": "sk-secretValue1234567890"},
        {"id": "3", "name": 7},
        "junk",
        {"id": "4", "name": ""},
        {"id": "5", "name": "N" * 400},
    ]
    server = Server({"/api/v1/variables/": (200, rows)})
    async with server.client() as client:
        names = await client.variable_names()
    assert names == {"OPENAI_COMPATIBLE_BASE_URL", "OPENAI_API_KEY"}
    assert server.seen[0].method == "GET" and server.seen[0].headers["x-api-key"] == KEY


async def test_variable_names_bounded_and_checked() -> None:
    many = [{"name": f"V{i}"} for i in range(MAX_VARIABLES + 50)]
    server = Server({"/api/v1/variables/": (200, many)})
    async with server.client() as client:
        assert len(await client.variable_names()) == MAX_VARIABLES
    odd = Server({"/api/v1/variables/": (200, {"detail": "x"})})
    async with odd.client() as client:
        with pytest.raises(HTTPStatusError, match="not a list"):
            await client.variable_names()


# -- component update --------------------------------------------------------------------


def model_update_request() -> Any:
    nodes = load_flow("starter/Basic Prompting.json")["data"]["nodes"]
    node = next(n for n in nodes if n["id"] == LM_NODE)["data"]["node"]
    return build_update_request(node, "model", flow_id="0e6e99c1-8a74-41ba-89bd-0901280dfc93")


async def test_update_component_sends_the_request_and_reads_the_fields() -> None:
    real = capture("component_update_model.json")
    server = Server({UPDATE_PATH: (200, real["body"])})
    request = model_update_request()
    async with server.client() as client:
        node = await client.update_component(request)
    sent = server.seen[0]
    assert sent.method == "POST" and sent.url.path == UPDATE_PATH
    assert dict(sent.url.params) == real["query"]
    assert sent.headers["content-type"] == "application/json" and sent.headers["x-api-key"] == KEY
    assert json.loads(sent.content) == request.body
    model = node.field("model")
    assert model is not None
    labels = [o.label for o in parse_model_options(list(model.options))]
    assert "OpenAI Compatible/gpt-4o-mini" in labels and len(labels) == 7


async def test_update_component_on_datastax_goes_under_its_api_root() -> None:
    conn = Connection(kind="datastax", datastax_id="a1b2c3d4-0000-1111-2222-333344445555",
                      base_url="https://api.langflow.astra.datastax.com")
    server = Server({})
    server.routes[httpx.URL(conn.api_root + UPDATE_PATH[len("/api"):]).path] = (
        200, capture("component_update_knowledge_base.json")["body"])
    async with server.client(conn) as client:
        node = await client.update_component(model_update_request())
    assert str(server.seen[0].url).startswith(conn.api_root + "/v1/custom_component/update")
    assert node.field("knowledge_base") is not None


async def test_update_component_errors_are_one_line() -> None:
    real = capture("component_update_error.json")
    server = Server({UPDATE_PATH: (real["status"], real["body"])})
    async with server.client() as client:
        with pytest.raises(ComponentUpdateError) as info:
            await client.update_component(model_update_request())
    err = info.value
    assert err.status_code == 400
    assert err.message == ("The server could not refresh the component (HTTP 400): Error building "
                           "Component: No Component subclass found in the code string. Code snippet: "
                           "this is not python")
    assert "traceback" not in err.message and err.hint

    invalid = Server({UPDATE_PATH: (422, {"detail": [{"loc": ["body", "code"], "msg": "Field required"}]})})
    async with invalid.client() as client:
        with pytest.raises(ComponentUpdateError, match=r"HTTP 422\): body.code: Field required"):
            await client.update_component(model_update_request())
    gone = Server({UPDATE_PATH: (404, {"detail": "Flow not found"})})
    async with gone.client() as client:
        with pytest.raises(ComponentUpdateError, match=r"HTTP 404\): Flow not found"):
            await client.update_component(model_update_request())
    denied = Server({UPDATE_PATH: (403, {"detail": "Not authenticated"})})
    async with denied.client() as client:
        with pytest.raises(AuthError):
            await client.update_component(model_update_request())


async def test_update_component_masks_an_echoed_key_and_bounds_the_reply() -> None:
    echo = {"detail": f"400: {{'error': 'bad key {KEY}', 'traceback': 'x'}}"}
    server = Server({UPDATE_PATH: (400, echo)})
    async with server.client() as client:
        with pytest.raises(ComponentUpdateError) as info:
            await client.update_component(model_update_request())
    assert KEY not in info.value.message and "bad key" in info.value.message
    huge = Server({UPDATE_PATH: (200, b"{" + b" " * (8 * 1024 * 1024) + b"}")})
    async with huge.client() as client:
        with pytest.raises(ReplyTooLargeError):
            await client.update_component(model_update_request())
    junk = Server({UPDATE_PATH: (200, [1, 2])})
    async with junk.client() as client:
        with pytest.raises(HTTPStatusError, match="not a component"):
            await client.update_component(model_update_request())


async def test_update_component_refuses_a_value_json_cannot_carry() -> None:
    request = model_update_request()
    request.body["field_value"] = float("nan")
    server = Server({})
    async with server.client() as client:
        with pytest.raises(ComponentUpdateError, match="not JSON"):
            await client.update_component(request)
    assert not server.seen
