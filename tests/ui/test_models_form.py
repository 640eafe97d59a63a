"""Fields whose choices live on the server, in the window: the model field picks a provider
then a model from the server's catalog (real Langflow 1.13 replies, tests/data/captures)
through a stand-in client, says why an entry cannot be used, takes a typed model offline;
the API key field says which global variable the server reads; a knowledge base refreshes
through the component update call, and a failed refresh leaves the form usable."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers.data import CAPTURES, DATA
from helpers.shots import distinct_colours, grab_with_popup, region, shoot
from helpers.window import add_profile, settle
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from lfdesk.core.api import ServerInfo
from lfdesk.core.api.models import ComponentUpdateError, NoModelCatalogError
from lfdesk.core.catalog import ModelCatalog, parse_catalog
from lfdesk.core.dynamic import RefreshedNode, UpdateRequest, parse_update_reply
from lfdesk.core.flow import parse_flow
from lfdesk.ui.editors_model import ANY_PROVIDER, ModelEditor
from lfdesk.ui.serverfields import OFFLINE_NOTE, node_facts

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

BASIC = DATA / "starter" / "Basic Prompting.json"
KNOWLEDGE = DATA / "starter" / "Knowledge Retrieval.json"
LM = "LanguageModelComponent-FLeYF"
PROMPT = "Prompt-t2oaK"
KB = "Knowledge-Y8gm2"
TOKEN = "sk-test-token-0123456789"


def capture(name: str) -> Any:
    return json.loads((CAPTURES / name).read_text(encoding="utf-8"))


def compatible() -> ModelCatalog:
    """OpenAI Compatible set up (one global variable); every other provider not."""
    return parse_catalog(capture("models_compatible.json"))


def configured() -> ModelCatalog:
    """OpenAI and OpenAI Compatible set up (its slow-model switched off), vLLM set up with
    every model switched off."""
    catalog = parse_catalog(capture("models_configured.json"))
    return catalog.with_enabled_models(capture("models_enabled_models.json"))


class Server:
    """What the stand-in clients answer, and what they were asked."""

    def __init__(self, catalog: ModelCatalog, variables: set[str] | None) -> None:
        self.catalog = catalog
        self.variables = variables
        self.catalog_calls = 0
        self.updates: list[UpdateRequest] = []
        self.catalog_error: Exception | None = None
        self.update_error: Exception | None = None

    def factory(self, connection: Any, token: str | None = None, **_kw: Any) -> Any:
        return Client(self, token)


class Client:
    """Just enough of LangflowClient for the form's server-computed choices."""

    def __init__(self, server: Server, token: str | None) -> None:
        self.server = server
        self.token = token

    async def aclose(self) -> None:
        return None

    async def probe(self) -> ServerInfo:
        return ServerInfo("1.13.0", "Langflow", True)

    async def model_catalog(self) -> ModelCatalog:
        assert self.token == TOKEN
        self.server.catalog_calls += 1
        if self.server.catalog_error is not None:
            raise self.server.catalog_error
        return self.server.catalog

    async def variable_names(self) -> set[str]:
        if self.server.variables is None:
            raise ComponentUpdateError("no variables here")  # any LangflowError
        return set(self.server.variables)

    async def update_component(self, request: UpdateRequest) -> RefreshedNode:
        self.server.updates.append(request)
        if self.server.update_error is not None:
            raise self.server.update_error
        return parse_update_reply(capture("component_update_knowledge_base.json")["body"])

    async def get_flow_json(self, flow_id: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(BASIC.read_text(encoding="utf-8"))
        data["id"] = flow_id
        return data

    async def fetch_flow(self, flow_id: str) -> Any:
        return parse_flow(await self.get_flow_json(flow_id), source=f"server flow {flow_id}")


def open_flow(make_window: Any, qtbot: Any, path: Any, server: Server | None, tokens: Any) -> Any:
    desk = make_window(client_factory=server.factory if server else None)
    assert desk.documents.open_path(path)
    if server is not None:
        add_profile(desk, "server", "http://127.0.0.1:7860", tokens, TOKEN)
    return desk


def model_editor(desk: Any, component: str = LM) -> ModelEditor:
    assert desk.window.tree.select_component(component)
    editor = desk.window.form.field_editor("model")
    assert isinstance(editor, ModelEditor)
    return editor


def pick(combo: Any, text: str) -> None:
    """Choose an entry as a user does (the combo's `activated` signals)."""
    index = combo.findText(text, Qt.MatchFlag.MatchExactly)
    if index < 0:
        index = next(i for i in range(combo.count()) if combo.itemText(i).startswith(text))
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    combo.textActivated.emit(combo.itemText(index))


def note_text(desk: Any, field: str) -> str:
    QApplication.processEvents()  # rows made now are shown by a queued call
    label = desk.window.form.rows[field].note_label
    return label.text() if label.isVisibleTo(desk.window.form) else ""


def test_offline_the_model_is_typed_and_the_note_says_where_choices_come_from(
    make_window: Any, qtbot: Any, memory_tokens: Any, artifacts_dir: Any
) -> None:
    desk = open_flow(make_window, qtbot, BASIC, None, memory_tokens)
    editor = model_editor(desk)
    form = desk.window.form
    assert not editor.provider_combo.isVisibleTo(form)
    assert editor.combo.isEditable()
    assert note_text(desk, "model") == OFFLINE_NOTE.text
    refresh = form.rows["model"].refresh_button
    assert refresh is not None and not refresh.isEnabled()
    assert "Connect" in refresh.toolTip()

    line = editor.combo.lineEdit()
    assert "OpenAI/gpt-4o-mini" in line.placeholderText()
    qtbot.keyClicks(line, "OpenAI Compatible/gpt-4o-mini")
    tweaks = desk.documents.document.tweaks
    sent = [{"name": "gpt-4o-mini", "provider": "OpenAI Compatible"}]
    assert tweaks.value(LM, "model") == sent
    settle(qtbot, desk)
    assert '"provider": "OpenAI Compatible"' in desk.window.preview.text()
    # Run sends what the preview shows
    assert desk.documents.document.build_request("hi").tweaks[LM]["model"] == sent

    image = shoot(form, artifacts_dir, "models-01-offline-typed.png")
    note = form.rows["model"].note_label
    assert distinct_colours(image, region(form, note)) > 4  # the note is drawn
    assert distinct_colours(image, region(form, editor.combo)) > 4

    line.clear()
    qtbot.keyClicks(line, "gpt-4o-mini")
    assert tweaks.value(LM, "model") == "gpt-4o-mini"  # no provider known: the bare name


@pytest.mark.qt_log_ignore(  # an open popup on the offscreen platform
    "does not support raise", "does not support grabbing the keyboard", "propagateSizeHints"
)
def test_connected_provider_then_model_sets_the_list_value(
    make_window: Any, qtbot: Any, memory_tokens: Any, artifacts_dir: Any
) -> None:
    server = Server(compatible(), {"OPENAI_COMPATIBLE_BASE_URL"})
    desk = open_flow(make_window, qtbot, BASIC, server, memory_tokens)
    editor = model_editor(desk)
    form = desk.window.form
    qtbot.waitUntil(lambda: editor.provider_combo.isVisibleTo(form), timeout=3000)
    providers = editor.provider_combo
    labels = [providers.itemText(i) for i in range(providers.count())]
    assert labels[0] == "Choose a provider…"  # the starter has no model yet
    assert "OpenAI Compatible" in labels and "Anthropic (not set up)" in labels
    anthropic = labels.index("Anthropic (not set up)")
    tip = providers.itemData(anthropic, Qt.ItemDataRole.ToolTipRole)
    assert "ANTHROPIC_API_KEY" in tip and "not set up" in tip
    assert "No model chosen" in note_text(desk, "model")

    # no provider yet: the model list is every usable model, Provider/model
    models = [editor.combo.itemText(i) for i in range(editor.combo.count())]
    assert sorted(models) == [
        f"OpenAI Compatible/{n}" for n in ("fail-model", "gpt-4o", "gpt-4o-mini", "slow-model")
    ]

    pick(providers, "OpenAI Compatible")  # its first model is taken at once
    tweaks = desk.documents.document.tweaks
    first = editor.combo.itemText(0)
    assert tweaks.value(LM, "model") == [{"name": first, "provider": "OpenAI Compatible"}]
    assert editor.combo.currentText() == first
    assert providers.itemText(0) == ANY_PROVIDER  # a model is named now
    pick(editor.combo, "gpt-4o-mini")
    sent = [{"name": "gpt-4o-mini", "provider": "OpenAI Compatible"}]
    assert tweaks.value(LM, "model") == sent
    # back to any provider: the bare name; then Provider/model from every usable model
    pick(providers, ANY_PROVIDER)
    assert tweaks.value(LM, "model") == "gpt-4o-mini"
    assert "picks the provider itself" in note_text(desk, "model")
    pick(editor.combo, "OpenAI Compatible/gpt-4o-mini")
    assert tweaks.value(LM, "model") == sent
    assert providers.currentText() == "OpenAI Compatible"  # the provider box follows
    assert editor.combo.currentText() == "gpt-4o-mini"
    settle(qtbot, desk)
    assert '"name": "gpt-4o-mini"' in desk.window.preview.text()
    assert '"provider": "OpenAI Compatible"' in desk.window.preview.text()
    assert desk.documents.document.build_request("hi").tweaks[LM]["model"] == sent
    note = note_text(desk, "model")
    assert "OPENAI_COMPATIBLE_BASE_URL (set on the server)" in note
    assert "OPENAI_COMPATIBLE_API_KEY (optional, not set on the server)" in note
    assert note_text(desk, "api_key") == (
        "Empty: the server reads the global variable OPENAI_COMPATIBLE_API_KEY "
        "(not set on the server)."
    )

    # the provider list open, with the form: a screenshot of what a user sees
    providers.showPopup()
    popup = providers.view().window()
    qtbot.waitUntil(popup.isVisible, timeout=2000)
    image = shoot(grab_with_popup(desk.window, popup), artifacts_dir,
                  "models-02-connected-providers.png")
    at = region(desk.window, form)
    assert distinct_colours(image, at) > 8
    providers.hidePopup()

    # OpenAI is not set up: the value still names it, and the note says what it needs
    pick(providers, "OpenAI (not set up)")
    value = tweaks.value(LM, "model")
    assert value[0]["provider"] == "OpenAI" and value[0]["name"]
    assert "needs the global variable OPENAI_API_KEY" in note_text(desk, "model")
    assert form.rows["model"].note_label.styleSheet() != form.rows["model"].help_label.styleSheet()
    assert note_text(desk, "api_key") == (
        "Empty: the server reads the global variable OPENAI_API_KEY (not set on the server)."
    )
    # the models of a provider not set up are grey, with the reason
    grey = editor.palette().color(QPalette.ColorRole.PlaceholderText)
    assert editor.combo.itemData(0, Qt.ItemDataRole.ForegroundRole) == grey
    assert "OPENAI_API_KEY" in editor.combo.itemData(0, Qt.ItemDataRole.ToolTipRole)
    qtbot.wait(100)  # the layout follows the longer note
    image = shoot(form, artifacts_dir, "models-03-connected-not-set-up.png")
    assert distinct_colours(image, region(form, form.rows["model"].note_label)) > 4
    assert editor.provider_combo.currentText() == "OpenAI (not set up)"

    # the catalog is read once per connection: another component and back reads no more
    assert server.catalog_calls == 1
    desk.window.tree.select_component(PROMPT)
    model_editor(desk)
    assert server.catalog_calls == 1
    # ... and again on demand
    refresh = form.rows["model"].refresh_button
    assert refresh is not None and refresh.isEnabled()
    refresh.click()
    qtbot.waitUntil(lambda: server.catalog_calls == 2, timeout=3000)


@pytest.mark.qt_log_ignore(  # the completer's popup on the offscreen platform
    "does not support raise", "does not support grabbing the keyboard", "propagateSizeHints"
)
def test_disabled_entries_show_their_reason(
    make_window: Any, qtbot: Any, memory_tokens: Any
) -> None:
    server = Server(configured(), None)  # no variable names: nothing said of them
    desk = open_flow(make_window, qtbot, BASIC, server, memory_tokens)
    editor = model_editor(desk)
    qtbot.waitUntil(lambda: editor.choices is not None, timeout=3000)
    providers = editor.provider_combo
    labels = [providers.itemText(i) for i in range(providers.count())]
    assert "vLLM (no model enabled)" in labels
    assert "OpenAI" in labels and "OpenAI Compatible" in labels
    pick(providers, "OpenAI Compatible")
    index = editor.combo.findText("slow-model")
    assert index >= 0
    assert editor.combo.itemData(index, Qt.ItemDataRole.ToolTipRole) == (
        "OpenAI Compatible/slow-model is disabled in the server's model settings"
    )
    assert not editor.combo.itemIcon(index).isNull()
    usable = editor.combo.findText("gpt-4o-mini")
    assert editor.combo.itemData(usable, Qt.ItemDataRole.ForegroundRole) is None
    pick(editor.combo, "slow-model")  # still allowed: a disabled model runs
    tweaks = desk.documents.document.tweaks
    assert tweaks.value(LM, "model") == [{"name": "slow-model", "provider": "OpenAI Compatible"}]
    assert "disabled in the server's model settings" in note_text(desk, "model")
    # without variable names, the API key note names the variable and no more
    pick(providers, "OpenAI")
    assert note_text(desk, "api_key") == "Empty: the server reads the global variable OPENAI_API_KEY."
    # a model the list does not have, typed: sent under the chosen provider
    line = editor.combo.lineEdit()
    line.clear()
    qtbot.keyClicks(line, "my-own-model")
    assert tweaks.value(LM, "model") == [{"name": "my-own-model", "provider": "OpenAI"}]
    assert "not in OpenAI's list" in note_text(desk, "model")
    # a value in the API key field: the note says it is sent instead
    qtbot.keyClicks(desk.window.form.field_editor("api_key").line, "sk-typed")
    assert note_text(desk, "api_key") == (
        "Filled in: sent instead of the global variable OPENAI_API_KEY."
    )


def test_node_facts_read_what_the_parsed_flow_does_not_keep() -> None:
    basic = node_facts(json.loads(BASIC.read_text(encoding="utf-8")))
    assert basic[LM].model_types == {"model": "language"}
    assert "model" in basic[LM].refreshable and "api_key" not in basic[LM].refreshable
    assert basic[LM].node["template"]["model"]["_input_type"] == "ModelInput"
    knowledge = node_facts(json.loads(KNOWLEDGE.read_text(encoding="utf-8")))
    assert knowledge[KB].refreshable == frozenset({"knowledge_base"})
    assert node_facts({"data": {"nodes": [None, {"data": "x"}, {"data": {"node": {}}}]}}) == {}
    assert node_facts("not a flow") == {}


def test_existing_values_show_as_they_are(
    make_window: Any, qtbot: Any, memory_tokens: Any
) -> None:
    server = Server(compatible(), {"OPENAI_COMPATIBLE_BASE_URL"})
    desk = open_flow(make_window, qtbot, BASIC, server, memory_tokens)
    tweaks = desk.documents.document.tweaks
    editor = model_editor(desk)
    qtbot.waitUntil(lambda: editor.choices is not None, timeout=3000)
    # a bare name: any provider, and the note says the server picks one
    tweaks.set(LM, "model", "gpt-4o-mini")
    desk.panes.tweaks_replaced()
    desk.catalog.update_notes()
    editor = model_editor(desk)
    assert editor.provider_combo.currentText() == ANY_PROVIDER
    assert editor.combo.currentText() == "gpt-4o-mini"
    assert "picks the provider itself" in note_text(desk, "model")
    # a list naming the provider by its id
    tweaks.set(LM, "model", [{"name": "fail-model", "provider": "openai-compatible"}])
    desk.panes.tweaks_replaced()
    editor = model_editor(desk)
    assert editor.provider_combo.currentText() == "OpenAI Compatible"
    assert editor.combo.currentText() == "fail-model"
    # a provider the catalog does not have
    tweaks.set(LM, "model", [{"name": "x", "provider": "Nope"}])
    desk.panes.tweaks_replaced()
    desk.catalog.update_notes()
    editor = model_editor(desk)
    assert editor.provider_combo.currentText() == "Nope (not in the server's catalog)"
    assert "no provider" in note_text(desk, "model")


def test_a_catalog_that_cannot_be_read_leaves_the_typed_model(
    make_window: Any, qtbot: Any, memory_tokens: Any
) -> None:
    server = Server(compatible(), None)
    server.catalog_error = NoModelCatalogError("The server has no model catalog", status_code=404)
    desk = open_flow(make_window, qtbot, BASIC, server, memory_tokens)
    editor = model_editor(desk)
    qtbot.waitUntil(lambda: "Could not read" in note_text(desk, "model"), timeout=3000)
    assert "The server has no model catalog" in note_text(desk, "model")
    assert not editor.provider_combo.isVisibleTo(desk.window.form)
    qtbot.keyClicks(editor.combo.lineEdit(), "OpenAI/gpt-4o")
    assert desk.documents.document.tweaks.value(LM, "model") == [
        {"name": "gpt-4o", "provider": "OpenAI"}
    ]


def test_refresh_a_knowledge_base_and_survive_a_failure(
    make_window: Any, qtbot: Any, memory_tokens: Any, artifacts_dir: Any
) -> None:
    server = Server(compatible(), set())
    desk = open_flow(make_window, qtbot, KNOWLEDGE, server, memory_tokens)
    form = desk.window.form
    assert desk.window.tree.select_component(KB)
    qtbot.waitUntil(lambda: "knowledge_base" in form.rows
                    and form.rows["knowledge_base"].refresh_button is not None, timeout=3000)
    row = form.rows["knowledge_base"]
    assert row.refresh_button.isEnabled()
    assert row.editor.combo.count() == 0  # the flow file lists none
    row.refresh_button.click()
    qtbot.waitUntil(lambda: "from the server." in note_text(desk, "knowledge_base"), timeout=3000)
    row = form.rows["knowledge_base"]
    assert note_text(desk, "knowledge_base") == "1 choice from the server."
    assert [row.editor.combo.itemText(i) for i in range(row.editor.combo.count())] == ["demo_kb"]
    sent = server.updates[-1]
    assert sent.path == "/api/v1/custom_component/update" and sent.params == {}
    assert sent.body["field"] == "knowledge_base"
    assert sent.body["template"]["mode"]["value"] == "Retrieve"
    pick(row.editor.combo, "demo_kb")
    tweaks = desk.documents.document.tweaks
    assert tweaks.value(KB, "knowledge_base") == "demo_kb"
    settle(qtbot, desk)
    assert '"knowledge_base": "demo_kb"' in desk.window.preview.text()
    # the user's values go with the next refresh
    server.update_error = ComponentUpdateError(
        "The server could not refresh the component (HTTP 400): Error building Component: "
        "No Component subclass found",
        status_code=400,
    )
    row.refresh_button.click()
    qtbot.waitUntil(lambda: "Could not refresh" in note_text(desk, "knowledge_base"),
                    timeout=3000)
    assert server.updates[-1].body["template"]["knowledge_base"]["value"] == "demo_kb"
    row = form.rows["knowledge_base"]
    text = note_text(desk, "knowledge_base")
    assert "\n" not in text and "Traceback" not in text and "No Component subclass" in text
    # the form stays usable: the choices stay, and other fields still edit
    assert [row.editor.combo.itemText(i) for i in range(row.editor.combo.count())] == ["demo_kb"]
    assert row.editor.isEnabled() and row.refresh_button.isEnabled()
    tweaks_before = tweaks.to_json()
    top_k = form.field_editor("top_k")
    top_k.spin.setValue(7)
    assert tweaks.to_json()[KB]["top_k"] == 7 and tweaks_before[KB]["knowledge_base"] == "demo_kb"
    image = shoot(form, artifacts_dir, "models-04-refresh-failed.png")
    assert distinct_colours(image, region(form, row.note_label)) > 4
