"""The component form: the right editor per field kind, edits into the TweakSet, errors,
reset, secrets and uploads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers.data import DATA, OPENAI
from helpers.data import ECHO_FLOW as ECHO
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QSlider,
    QSpinBox,
    QTableWidget,
    QToolButton,
)

from lfdesk.core.flow import Component, FieldKind, FieldView, Flow, load_flow
from lfdesk.core.tweaks import GlobalVariable, TweakSet
from lfdesk.ui import editors
from lfdesk.ui.flowtree import FlowTree
from lfdesk.ui.flowtree_model import SearchTextRole
from lfdesk.ui.forms import ComponentForm

STARTERS = sorted((DATA / "starter").glob("*.json")) + sorted(DATA.glob("*.flow.json"))
PROMPT = "PromptComponent-0ko7V"
CHAT_INPUT = "ChatInput-wEKUV"

# Kind -> (editor class, the Qt widget a user types into or clicks).
EXPECTED: dict[FieldKind, tuple[type, type]] = {
    FieldKind.TEXT: (editors.LineEditor, QLineEdit),
    FieldKind.QUERY: (editors.LineEditor, QLineEdit),
    FieldKind.MULTILINE: (editors.TextAreaEditor, QPlainTextEdit),
    FieldKind.PROMPT: (editors.TextAreaEditor, QPlainTextEdit),
    FieldKind.SECRET: (editors.SecretEditor, QLineEdit),
    FieldKind.INT: (editors.IntEditor, QSpinBox),
    FieldKind.FLOAT: (editors.FloatEditor, QDoubleSpinBox),
    FieldKind.SLIDER: (editors.SliderEditor, QSlider),
    FieldKind.BOOL: (editors.BoolEditor, QCheckBox),
    FieldKind.DROPDOWN: (editors.DropdownEditor, QComboBox),
    FieldKind.MODEL: (editors.DropdownEditor, QComboBox),
    FieldKind.TAB: (editors.TabEditor, QToolButton),
    FieldKind.MULTISELECT: (editors.MultiSelectEditor, QListWidget),
    FieldKind.DICT: (editors.JsonEditor, QPlainTextEdit),
    FieldKind.NESTED_DICT: (editors.JsonEditor, QPlainTextEdit),
    FieldKind.MCP: (editors.JsonEditor, QPlainTextEdit),
    FieldKind.SORTABLE_LIST: (editors.JsonEditor, QPlainTextEdit),
    FieldKind.TABLE: (editors.FieldEditor, QTableWidget),  # TableEditor, or JSON without columns
    FieldKind.FILE: (editors.FileEditor, QLineEdit),
}


def _examples() -> dict[FieldKind, tuple[Path, str, str]]:
    """One tweakable field of every kind found in the starter flows (and our test flows)."""
    found: dict[FieldKind, tuple[Path, str, str]] = {}
    for path in STARTERS:
        flow = load_flow(path)
        for comp in flow.components:
            for fld in comp.fields:
                if fld.tweakable and fld.kind not in found:
                    found[fld.kind] = (path, comp.id, fld.name)
    return found


EXAMPLES = _examples()


@pytest.fixture
def echo() -> tuple[Flow, TweakSet]:
    flow = load_flow(ECHO)
    return flow, TweakSet(flow)


def _form(
    qtbot: Any, flow: Flow, comp: Component | str, tweaks: TweakSet, view: str = "all"
) -> ComponentForm:
    form = ComponentForm()
    qtbot.addWidget(form)
    form.resize(560, 760)
    form.set_component(flow, comp, tweaks, view)
    return form


def test_starter_flows_have_the_common_kinds() -> None:
    assert {
        FieldKind.TEXT,
        FieldKind.MULTILINE,
        FieldKind.PROMPT,
        FieldKind.SECRET,
        FieldKind.INT,
        FieldKind.FLOAT,
        FieldKind.SLIDER,
        FieldKind.BOOL,
        FieldKind.DROPDOWN,
        FieldKind.MODEL,
        FieldKind.TAB,
        FieldKind.DICT,
        FieldKind.NESTED_DICT,
        FieldKind.TABLE,
        FieldKind.FILE,
    } <= set(EXAMPLES)


@pytest.mark.parametrize("kind", sorted(EXAMPLES, key=str), ids=str)
def test_right_editor_for_each_kind(qtbot: Any, kind: FieldKind) -> None:
    path, cid, name = EXAMPLES[kind]
    flow = load_flow(path)
    tweaks = TweakSet(flow)
    form = _form(qtbot, flow, cid, tweaks)
    editor = form.field_editor(name)
    editor_cls, widget_cls = EXPECTED[kind]
    assert isinstance(editor, editor_cls), (kind, type(editor))
    if kind is FieldKind.TABLE and isinstance(editor, editors.JsonEditor):
        widget_cls = QPlainTextEdit  # no columns known: the JSON editor
    if kind is FieldKind.FILE and flow.component(cid).field(name).is_list:
        widget_cls = QPlainTextEdit  # one server path a line
    assert editor.findChildren(widget_cls), (kind, widget_cls)
    if kind is FieldKind.PROMPT:
        assert editor.text_edit.font().family() == editors.monospace_font().family()
    if kind is FieldKind.DROPDOWN:
        fld = flow.component(cid).field(name)
        assert editor.combo.isEditable() == fld.combobox
    if kind is FieldKind.MODEL:
        assert editor.combo.isEditable()
    if kind is FieldKind.TAB:
        fld = flow.component(cid).field(name)
        assert [b.text() for b in editor.buttons] == list(fld.option_names)
        assert sum(b.isChecked() for b in editor.buttons) == 1
    # Each row has its label, reset button and help.
    row = form.rows[name]
    assert row.label.text().startswith(flow.component(cid).field(name).display_name)
    assert row.reset_button is not None and not row.reset_button.isEnabled()
    assert not row.error_label.isVisibleTo(form)


def test_table_with_columns_edits_rows(qtbot: Any) -> None:
    path, cid, name = EXAMPLES[FieldKind.TABLE]
    flow = load_flow(path)
    fld = flow.component(cid).field(name)
    tweaks = TweakSet(flow)
    form = _form(qtbot, flow, cid, tweaks)
    editor = form.field_editor(name)
    if not isinstance(editor, editors.TableEditor):
        pytest.skip(f"{name} has no known columns (value {fld.value!r})")
    with qtbot.waitSignal(form.tweakChanged):
        editor.add_row()
    rows = tweaks.value(cid, name)
    assert isinstance(rows, list) and len(rows) == len(fld.value or []) + 1
    editor.table.item(0, 0).setText("X-Test")
    assert tweaks.value(cid, name)[0][editor.columns[0].name] == "X-Test"


def test_table_editor_shows_the_columns_of_the_table_schema(qtbot: Any) -> None:
    # Content Aggregator's Agent has an empty output schema: the columns come from the flow's
    # table_schema only (there are no rows to guess them from).
    flow = load_flow(DATA / "starter" / "Content Aggregator.json")
    tweaks = TweakSet(flow)
    form = _form(qtbot, flow, "Agent-ZH2Rd", tweaks)
    editor = form.field_editor("output_schema")
    assert isinstance(editor, editors.TableEditor)
    table = editor.table
    headers = [table.horizontalHeaderItem(i).text() for i in range(table.columnCount())]
    assert headers == ["Name", "Description", "Type", "As List"]
    assert table.horizontalHeaderItem(0).toolTip() == "Specify the name of the output field."
    assert table.rowCount() == 0
    with qtbot.waitSignal(form.tweakChanged):
        editor.add_row()  # a new row starts from the columns' defaults, typed
    assert tweaks.value("Agent-ZH2Rd", "output_schema") == [
        {"name": "field", "description": "description of field", "type": "str", "multiple": False}
    ]
    editor.table.item(0, 3).setText("true")
    assert tweaks.value("Agent-ZH2Rd", "output_schema")[0]["multiple"] is True


def test_not_tweakable_fields_are_read_only_with_reason(
    qtbot: Any, echo: tuple[Flow, TweakSet]
) -> None:
    flow, tweaks = echo
    form = _form(qtbot, flow, OPENAI, tweaks)
    code = form.rows["code"]
    assert isinstance(code.editor, editors.ReadOnlyEditor)
    assert code.reset_button is None
    assert code.help_label is not None and "code" in code.help_label.text()
    assert code.editor.viewer is not None and code.editor.viewer.isReadOnly()
    assert code.editor.viewer.isHidden()  # collapsed
    code.editor.toggle.setChecked(True)
    assert not code.editor.viewer.isHidden()
    assert "langchain_openai" in code.editor.viewer.toPlainText()
    connected = form.rows["input_value"]
    assert "PromptComponent-0ko7V" in connected.help_label.text()


def test_edits_emit_and_store_coerced_values(qtbot: Any, echo: tuple[Flow, TweakSet]) -> None:
    flow, tweaks = echo
    form = _form(qtbot, flow, OPENAI, tweaks)
    form.show()
    seen: list[tuple[str, str]] = []
    form.tweakChanged.connect(lambda c, n: seen.append((c, n)))

    # INT: typed text becomes an int.
    spin = form.field_editor("max_tokens").spin
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "256")
    assert tweaks.value(OPENAI, "max_tokens") == 256
    assert type(tweaks.value(OPENAI, "max_tokens")) is int
    assert (OPENAI, "max_tokens") in seen
    # Arrows on the spin box too.
    spin.stepUp()
    assert tweaks.value(OPENAI, "max_tokens") == 257

    # SLIDER: the slider gives a float, linked to its spin box.
    slider_ed = form.field_editor("temperature")
    slider_ed.slider.setValue(70)
    assert tweaks.value(OPENAI, "temperature") == pytest.approx(0.7)
    assert slider_ed.spin.lineEdit().text() == "0.7"
    slider_ed.spin.lineEdit().selectAll()
    qtbot.keyClicks(slider_ed.spin.lineEdit(), "0.25")
    assert tweaks.value(OPENAI, "temperature") == pytest.approx(0.25)
    assert slider_ed.slider.value() == 25

    # BOOL.
    check = form.field_editor("json_mode").check
    check.click()
    assert tweaks.value(OPENAI, "json_mode") is True

    # DROPDOWN: what the user picks.
    combo = form.field_editor("model_name").combo
    combo.setCurrentIndex(combo.findText("gpt-4o"))
    combo.textActivated.emit("gpt-4o")
    assert tweaks.value(OPENAI, "model_name") == "gpt-4o"

    # TEXT.
    line = form.field_editor("openai_api_base").line
    line.clear()
    qtbot.keyClicks(line, "http://example.test/v1")
    assert tweaks.value(OPENAI, "openai_api_base") == "http://example.test/v1"

    # MULTILINE.
    form.field_editor("system_message").text_edit.setPlainText("Be brief.\nVery.")
    assert tweaks.value(OPENAI, "system_message") == "Be brief.\nVery."

    # DICT as JSON text, and through the key/value table.
    dict_ed = form.field_editor("model_kwargs")
    dict_ed.text_edit.setPlainText('{"top_p": 0.5}')
    assert tweaks.value(OPENAI, "model_kwargs") == {"top_p": 0.5}
    dict_ed.table_button.setChecked(True)
    assert dict_ed.table_mode and dict_ed.table.rowCount() == 1
    dict_ed.table.item(0, 1).setText("0.9")
    assert tweaks.value(OPENAI, "model_kwargs") == {"top_p": 0.9}

    payload = tweaks.to_json()[OPENAI]
    assert payload["max_tokens"] == 257
    assert payload["temperature"] == pytest.approx(0.25)
    assert payload["json_mode"] is True
    assert payload["model_name"] == "gpt-4o"
    assert payload["model_kwargs"] == {"top_p": 0.9}
    assert form.rows["temperature"].label.text() == "Temperature *"
    assert form.rows["temperature"].reset_button.isEnabled()
    assert form.reset_component_button.isEnabled()


def test_prompt_tab_and_model_edits(qtbot: Any) -> None:
    path, cid, name = EXAMPLES[FieldKind.TAB]
    flow = load_flow(path)
    tweaks = TweakSet(flow)
    form = _form(qtbot, flow, cid, tweaks)
    tab = form.field_editor(name)
    target = next(b for b in tab.buttons if not b.isChecked())
    with qtbot.waitSignal(form.tweakChanged) as sig:
        target.click()
    assert sig.args == [cid, name]
    assert tweaks.value(cid, name) == target.text()

    path, cid, name = EXAMPLES[FieldKind.MODEL]
    flow = load_flow(path)
    tweaks = TweakSet(flow)
    form = _form(qtbot, flow, cid, tweaks)
    combo = form.field_editor(name).combo
    combo.lineEdit().clear()
    qtbot.keyClicks(combo.lineEdit(), "gpt-4o-mini")
    value = tweaks.value(cid, name)
    assert value == "gpt-4o-mini" or value[0]["name"] == "gpt-4o-mini"


def test_invalid_int_shows_error_and_is_not_sent(
    qtbot: Any, echo: tuple[Flow, TweakSet], artifacts_dir: Path
) -> None:
    flow, tweaks = echo
    form = _form(qtbot, flow, OPENAI, tweaks)
    form.show()
    tweaks.set(OPENAI, "temperature", 0.5)
    form.refresh()
    spin = form.field_editor("max_tokens").spin
    spin.lineEdit().selectAll()
    with qtbot.waitSignal(form.tweakChanged):
        qtbot.keyClicks(spin.lineEdit(), "12x")
    row = form.rows["max_tokens"]
    assert row.error_label.isVisible()
    assert "whole number" in row.error_label.text()
    assert spin.lineEdit().text() == "12x"  # shown as typed
    assert row.editor.invalid
    assert "max_tokens" not in tweaks.to_json().get(OPENAI, {})
    assert tweaks.to_json()[OPENAI]["temperature"] == 0.5
    # Leaving the box keeps the text (Qt would put the old number back).
    form.field_editor("openai_api_base").line.setFocus()
    spin.clearFocus()
    assert spin.lineEdit().text() == "12x"
    # Out of range is an error too, not silently clamped.
    temp = form.field_editor("temperature").spin
    temp.lineEdit().selectAll()
    qtbot.keyClicks(temp.lineEdit(), "1.5")
    assert "above the maximum" in form.rows["temperature"].error_label.text()
    assert "temperature" not in tweaks.to_json().get(OPENAI, {})
    form.focus_field("max_tokens")
    qtbot.wait(20)
    assert form.grab().save(str(artifacts_dir / "form-invalid.png"))
    # A form opened on a TweakSet holding a bad value shows it as typed.
    again = _form(qtbot, flow, OPENAI, tweaks)
    assert again.field_editor("max_tokens").spin.lineEdit().text() == "12x"
    assert again.rows["max_tokens"].error_label.text() == row.error_label.text()
    # Fixing it clears the error.
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "64")
    assert not row.error_label.isVisible()
    assert tweaks.to_json()[OPENAI]["max_tokens"] == 64


def test_json_error_has_line_and_column(qtbot: Any, echo: tuple[Flow, TweakSet]) -> None:
    flow, tweaks = echo
    form = _form(qtbot, flow, OPENAI, tweaks)
    ed = form.field_editor("model_kwargs")
    ed.text_edit.setPlainText('{\n  "a": 1,\n  "b": \n}')
    msg = form.rows["model_kwargs"].error_label.text()
    assert "line 4, column 1" in msg
    assert ed.text_edit.error is not None and ed.text_edit.error[0] == 4
    assert ed.text_edit.extraSelections()
    assert "model_kwargs" not in tweaks.to_json().get(OPENAI, {})


def test_reset_field_and_component(qtbot: Any, echo: tuple[Flow, TweakSet]) -> None:
    flow, tweaks = echo
    form = _form(qtbot, flow, OPENAI, tweaks)
    form.field_editor("temperature").slider.setValue(90)
    form.field_editor("json_mode").check.click()
    assert tweaks.is_changed(OPENAI, "temperature")
    row = form.rows["temperature"]
    with qtbot.waitSignal(form.tweakChanged) as sig:
        row.reset_button.click()
    assert sig.args == [OPENAI, "temperature"]
    assert not tweaks.is_changed(OPENAI, "temperature")
    assert row.editor.slider.value() == 10  # the flow's 0.1
    assert row.label.text() == "Temperature"
    assert not row.reset_button.isEnabled()
    seen: list[str] = []
    form.tweakChanged.connect(lambda _c, n: seen.append(n))
    form.reset_component_button.click()
    assert seen == ["json_mode"]
    assert tweaks.to_json() == {}
    assert form.field_editor("json_mode").check.isChecked() is False
    assert not form.reset_component_button.isEnabled()


def test_secret_is_masked_and_global_variable_mode(qtbot: Any, echo: tuple[Flow, TweakSet]) -> None:
    flow, tweaks = echo
    form = _form(qtbot, flow, OPENAI, tweaks)
    form.show()
    ed = form.field_editor("api_key")
    assert isinstance(ed, editors.SecretEditor)
    assert ed.line.echoMode() == QLineEdit.EchoMode.Password
    ed.line.clear()
    qtbot.keyClicks(ed.line, "sk-live-SECRET")
    assert tweaks.to_json()[OPENAI]["api_key"] == "sk-live-SECRET"
    ed.show_button.click()
    assert ed.line.echoMode() == QLineEdit.EchoMode.Normal
    ed.show_button.click()
    assert ed.masked
    # Global variable mode: the text is a variable name, sent as a reference.
    ed.variable_check.click()
    ed.line.clear()
    qtbot.keyClicks(ed.line, "OPENAI_API_KEY")
    assert tweaks.value(OPENAI, "api_key") == GlobalVariable("OPENAI_API_KEY")
    assert tweaks.to_json()[OPENAI]["api_key"] == {"value": "OPENAI_API_KEY", "load_from_db": True}
    assert json.dumps(tweaks.to_json()).count("sk-live-SECRET") == 0
    assert not ed.masked  # a name is not a secret
    # The tree never shows the literal (nor the variable's value, which it does not know).
    ed.variable_check.click()
    assert tweaks.to_json()[OPENAI]["api_key"] == "OPENAI_API_KEY"
    ed.line.clear()
    qtbot.keyClicks(ed.line, "sk-live-SECRET")
    tree = FlowTree()
    qtbot.addWidget(tree)
    tree.set_flow(flow, tweaks)
    tree.view.expandAll()
    model = tree.model
    texts = []
    stack = [model.index(0, 0)]
    while stack:
        idx = stack.pop()
        for col in range(model.columnCount()):
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, SearchTextRole):
                texts.append(str(idx.siblingAtColumn(col).data(role)))
        stack.extend(model.index(r, 0, idx) for r in range(model.rowCount(idx)))
    assert "sk-live-SECRET" not in "\n".join(texts)


def test_load_from_db_secret_opens_in_variable_mode(qtbot: Any) -> None:
    path, cid, name = EXAMPLES[FieldKind.SECRET]
    flow = load_flow(path)
    fld = flow.component(cid).field(name)
    tweaks = TweakSet(flow)
    form = _form(qtbot, flow, cid, tweaks)
    ed = form.field_editor(name)
    assert ed.variable_mode == (fld.load_from_db and bool(fld.value))
    assert tweaks.to_json() == {}  # opening a form changes nothing


def test_upload_requested_and_path_set(qtbot: Any) -> None:
    path, cid, name = EXAMPLES[FieldKind.FILE]
    flow = load_flow(path)
    tweaks = TweakSet(flow)
    form = _form(qtbot, flow, cid, tweaks)
    ed = form.field_editor(name)
    assert isinstance(ed, editors.FileEditor)
    with qtbot.waitSignal(form.uploadRequested) as sig:
        ed.uploadRequested.emit("/home/me/report.pdf")
    assert sig.args == [cid, name, "/home/me/report.pdf"]
    with qtbot.waitSignal(form.tweakChanged):
        form.set_uploaded_path(cid, name, "flow-id/2026-report.pdf")
    value = tweaks.value(cid, name)
    assert value in ("flow-id/2026-report.pdf", ["flow-id/2026-report.pdf"])
    assert "flow-id/2026-report.pdf" in ed.path_text()
    # For a component not shown (the user moved on), the path still lands in the TweakSet.
    other = next(c.id for c in flow.components if c.id != cid)
    form.set_component(flow, other, tweaks)
    form.set_uploaded_path(cid, name, "flow-id/second.pdf")
    value = tweaks.value(cid, name)
    assert "flow-id/second.pdf" in (value if isinstance(value, list) else [value])


def test_exposed_view_shows_only_exposed(qtbot: Any) -> None:
    data = json.loads(ECHO.read_text(encoding="utf-8"))
    for node in data["data"]["nodes"]:
        if node["data"]["id"] == OPENAI:
            node["data"]["node"]["template"]["temperature"]["api_editable"] = True
    from lfdesk.core.flow import parse_flow

    flow = parse_flow(data)
    tweaks = TweakSet(flow)
    form = _form(qtbot, flow, OPENAI, tweaks, view="exposed")
    assert list(form.rows) == ["temperature"]
    form.set_view("all")
    assert "api_key" in form.rows and "code" in form.rows
    form.set_component(flow, PROMPT, tweaks, "exposed")
    assert form.rows == {}


def test_form_shows_the_core_field_views(qtbot: Any, echo: tuple[Flow, TweakSet]) -> None:
    flow, tweaks = echo
    comp = flow.component(OPENAI)
    form = _form(qtbot, flow, OPENAI, tweaks)
    assert form.view is FieldView.ALL
    assert set(form.rows) == {f.name for f in comp.fields_in(FieldView.ALL)}
    form.set_view(FieldView.TWEAKABLE)
    assert set(form.rows) == {f.name for f in comp.tweakable_fields()}
    assert "code" not in form.rows
    with pytest.raises(ValueError):
        form.set_view("some")
    assert form.view is FieldView.TWEAKABLE


def test_form_screenshot(qtbot: Any, echo: tuple[Flow, TweakSet], artifacts_dir: Path) -> None:
    """Slider, dropdown, secret and JSON editors together, as a user sees them."""
    flow, tweaks = echo
    form = _form(qtbot, flow, OPENAI, tweaks)
    form.resize(600, 980)
    form.show()
    form.field_editor("temperature").slider.setValue(70)
    form.field_editor("model_kwargs").text_edit.setPlainText(
        '{\n  "top_p": 0.9,\n  "presence_penalty": 0.2\n}'
    )
    qtbot.wait(20)
    assert form.grab().save(str(artifacts_dir / "form-openai.png"))
    prompt = _form(qtbot, flow, PROMPT, tweaks)
    prompt.resize(600, 500)
    prompt.show()
    qtbot.wait(20)
    assert prompt.grab().save(str(artifacts_dir / "form-prompt.png"))
    empty = ComponentForm()
    qtbot.addWidget(empty)
    empty.resize(600, 300)
    assert empty.grab().save(str(artifacts_dir / "form-empty.png"))


def test_a_number_with_a_comma_is_not_read_as_another_number(qtbot: Any, echo: tuple[Flow, TweakSet]) -> None:
    """"1,000" is ambiguous (a thousand, or one): refused in the form as on the command line."""
    flow, tweaks = echo
    form = _form(qtbot, flow, OPENAI, tweaks)
    form.show()
    for name, typed in (("max_tokens", "1,000"), ("temperature", "0,7")):
        spin = form.field_editor(name).spin
        spin.lineEdit().selectAll()
        qtbot.keyClicks(spin.lineEdit(), typed)
        assert form.rows[name].editor.invalid, name
        assert spin.lineEdit().text() == typed  # shown as typed, not turned into 1 or 0.7
        assert name not in tweaks.to_json().get(OPENAI, {})
