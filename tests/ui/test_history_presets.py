"""The History dock and the toolbar's preset picker, in the real window against the replay
server: runs are recorded (finished, failed, stopped), restored, copied as curl, deleted;
presets are saved, switched and managed, and never hold a secret."""

from __future__ import annotations

import json

import pytest
from helpers.data import OPENAI, SAMPLE_ID
from helpers.shots import (
    distinct_colours,
    grab_with_popup,
    reddish_pixels,
    region,
    same_pixels,
    share_near,
    shoot,
)
from helpers.window import add_profile, set_temperature, settle, temperature_shown
from PySide6.QtCore import QModelIndex, QRect, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from replay_server import API_KEY, STREAM_ANSWER, ReplayServer

from lfdesk.app import Desk
from lfdesk.core import paths
from lfdesk.core.history import HistoryEntry, RunHistory
from lfdesk.core.request import Connection, RunRequest
from lfdesk.ui.historypane import HistoryModel
from lfdesk.ui.presets import DEFAULTS_LABEL, PRESET_MANAGE, PRESET_SAVE

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@pytest.fixture
def desk(window: Desk) -> Desk:
    """The shared ``window`` fixture: the window (``desk.window``) and its presenters."""
    return window


def history_row(top: QWidget, w: Desk, entry_id: int, column: int | None = None) -> QRect:
    """Where the history list's row of ``entry_id`` (or one cell of it) is in a picture of
    ``top``."""
    pane = w.window.history_pane
    row = pane.model.row_of(entry_id)
    assert row >= 0, entry_id
    index = pane.model.index(row, column or 0)
    proxy = getattr(pane.view.model(), "mapFromSource", None)
    shown: QModelIndex = proxy(index) if proxy else index
    rect = pane.view.visualRect(shown)
    if column is None:
        rect = QRect(0, rect.top(), pane.view.viewport().width(), rect.height())
    return rect.translated(pane.view.viewport().mapTo(top, pane.view.viewport().rect().topLeft()))


def assert_row_selected(top: QWidget, w: Desk, image: QImage, entry_id: int) -> None:
    highlight = w.window.history_pane.view.palette().color(QPalette.ColorRole.Highlight)
    assert share_near(image, history_row(top, w, entry_id), highlight) > 0.4


def run_and_wait(qtbot, w: Desk, text: str, entries: int) -> HistoryEntry:
    assert w.runner.run(text) is True
    qtbot.waitUntil(lambda: w.run_ctrl.state in ("done", "failed"), timeout=5000)
    qtbot.waitUntil(lambda: len(w.window.history_pane.entries()) == entries, timeout=5000)
    return w.window.history_pane.entries()[0]


# --- history ---------------------------------------------------------------------------------


def test_a_run_lands_in_the_history(desk, qtbot, replay_server, memory_tokens, artifacts_dir) -> None:
    # two older runs, so the list shows each kind of ending
    history = desk.history_ctrl.history
    older = RunRequest(flow_ref="echo-chat", flow_id=SAMPLE_ID, flow_name="Sample: Echo Chat")
    history.record(older.with_(input_value="is anyone there?"), status="error",
                   error="Cannot reach http://127.0.0.1:9", total=0.01, created=1_700_000_000)
    history.record(older.with_(input_value="write me a very long poem about the sea and the sky"),
                   status="stopped", answer="The sea", ttft=0.4, total=2.5)
    desk.history_ctrl.refresh()
    qtbot.waitUntil(lambda: len(desk.window.history_pane.entries()) == 2)
    add_profile(desk, "replay", replay_server.base_url, memory_tokens, API_KEY)
    set_temperature(desk, 0.7)
    entry = run_and_wait(qtbot, desk, "stream me", 3)
    assert desk.run_ctrl.state == "done"
    assert entry.status == "ok"
    assert entry.answer == STREAM_ANSWER
    assert entry.input_value == "stream me"
    assert entry.profile == "replay"
    assert entry.flow_id == SAMPLE_ID
    assert entry.tweaks() == {OPENAI: {"temperature": 0.7}}
    assert entry.total is not None and entry.ttft is not None
    assert json.loads(entry.body_json) == replay_server.requests[-1].body  # what was sent
    # View > History (Ctrl+H) shows it; selecting it shows the details
    assert not desk.window.history_pane.isVisible()
    desk.window.tree.setFocus()
    QTest.keyClick(desk.window, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(desk.window.history_pane.isVisible)
    assert desk.window.act_history.isChecked() and not desk.window.chat.isVisible()
    assert desk.window.act_history in desk.window.menuBar().actions()[3].menu().actions()
    pane = desk.window.history_pane
    assert pane.select_entry(entry.id)
    assert pane.answer_view.toPlainText() == STREAM_ANSWER
    assert '"temperature": 0.7' in pane.request_view.toPlainText()
    assert "/api/v1/run/echo-chat?stream=true" in pane.request_view.toPlainText()
    assert "finished" in pane.summary.text() and "first token" in pane.summary.text()
    model = pane.model
    assert model.index(0, 1).data() == "Sample: Echo Chat"
    assert model.index(0, 2).data() == "stream me"
    assert model.index(0, 3).data().endswith(" s")
    stored = b"".join(p.read_bytes() for p in paths.data_dir().glob("history.sqlite3*"))
    assert b"stream me" in stored and API_KEY.encode() not in stored  # never the token
    settle(qtbot, desk)
    image = shoot(desk.window, artifacts_dir, "history-pane.png")
    # the History tab in place of the chat: three runs, the new one selected, its answer shown,
    # the failed one marked with a red icon
    assert desk.window.bottom_tabs.tabText(desk.window.bottom_tabs.currentIndex()) == "History"
    assert [e.status for e in pane.entries()] == ["ok", "stopped", "error"]
    assert pane.current_entry() is not None and pane.current_entry().id == entry.id
    assert pane.tabs.tabText(pane.tabs.currentIndex()) == "Answer"
    assert_row_selected(desk.window, desk, image, entry.id)
    failed = next(e for e in pane.entries() if e.status == "error")
    assert reddish_pixels(image, history_row(desk.window, desk, failed.id, 0)) > 10
    # Ctrl+H again: back to the chat
    QTest.keyClick(desk.window, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert desk.window.chat.isVisible() and not desk.window.act_history.isChecked()


def test_failed_and_stopped_runs_are_recorded(desk, qtbot, memory_tokens, artifacts_dir) -> None:
    add_profile(desk, "dead", "http://127.0.0.1:9", memory_tokens, API_KEY)
    entry = run_and_wait(qtbot, desk, "anyone there?", 1)
    assert entry.status == "error"
    assert "127.0.0.1:9" in entry.error
    assert entry.input_value == "anyone there?"
    desk.window.show_history()
    desk.window.history_pane.select_entry(entry.id)
    assert desk.window.history_pane.tabs.currentIndex() == 2  # the error tab
    assert "127.0.0.1:9" in desk.window.history_pane.error_view.toPlainText()
    pane = desk.window.history_pane
    image = shoot(pane, artifacts_dir, "history-pane-error.png")
    # the failed run selected, its Error tab open; "failed" and its icon in red
    assert pane.tabs.tabText(pane.tabs.currentIndex()) == "Error"
    assert "failed" in pane.summary.text()
    assert_row_selected(pane, desk, image, entry.id)
    assert reddish_pixels(image, region(pane, pane.summary)) > 10
    assert distinct_colours(image, region(pane, pane.error_view.viewport())) > 4

    slow = ReplayServer(pause=0.05).start()
    try:
        add_profile(desk, "slow", slow.base_url, memory_tokens, API_KEY)
        assert desk.runner.run("stream me")
        qtbot.waitUntil(lambda: bool(desk.window.chat.raw_lines()), timeout=5000)
        desk.window.act_stop.trigger()
        qtbot.waitUntil(lambda: len(desk.window.history_pane.entries()) == 2, timeout=5000)
    finally:
        slow.stop()
    stopped = desk.window.history_pane.entries()[0]
    assert stopped.status == "stopped"
    assert stopped.total is not None and stopped.total > 0
    assert stopped.profile == "slow"
    desk.window.history_pane.select_entry(stopped.id)
    desk.window.history_pane.tabs.setCurrentIndex(1)
    pane = desk.window.history_pane
    image = shoot(pane, artifacts_dir, "history-pane-stopped-request.png")
    # the stopped run selected, over the failed one; its request (the JSON sent) shown
    assert [e.status for e in pane.entries()] == ["stopped", "error"]
    assert pane.tabs.tabText(pane.tabs.currentIndex()) == "Request"
    assert '"input_value": "stream me"' in pane.request_view.toPlainText()
    assert "stopped" in pane.summary.text()
    assert_row_selected(pane, desk, image, stopped.id)
    assert distinct_colours(image, region(pane, pane.request_view.viewport())) > 4


def test_a_run_cut_by_closing_the_window_is_kept(desk, qtbot, memory_tokens) -> None:
    slow = ReplayServer(pause=0.05).start()
    try:
        add_profile(desk, "slow", slow.base_url, memory_tokens, API_KEY)
        assert desk.runner.run("stream me")
        qtbot.waitUntil(lambda: bool(desk.window.chat.raw_lines()), timeout=5000)
        desk.window.close()
    finally:
        slow.stop()
    h = RunHistory()
    assert [(e.status, e.input_value) for e in h.list()] == [("stopped", "stream me")]
    h.close()


def test_restore_brings_back_input_and_tweaks(desk, qtbot, replay_server, memory_tokens) -> None:
    add_profile(desk, "replay", replay_server.base_url, memory_tokens, API_KEY)
    set_temperature(desk, 0.7)
    entry = run_and_wait(qtbot, desk, "stream me", 1)
    set_temperature(desk, 0.2)
    desk.window.chat.set_input_text("something else")
    assert desk.documents.document.tweaks.to_json() == {OPENAI: {"temperature": 0.2}}
    desk.window.show_history()
    desk.window.history_pane.select_entry(entry.id)
    desk.window.history_pane.restore_button.click()
    assert desk.documents.document.tweaks.to_json() == {OPENAI: {"temperature": 0.7}}
    assert desk.window.chat.input_text() == "stream me"
    assert desk.window.chat.isVisible()  # back on the chat tab, ready to send
    assert temperature_shown(desk) == pytest.approx(0.7)  # the form shows it
    settle(qtbot, desk)
    assert '"temperature": 0.7' in desk.window.preview.text()
    assert not desk.window.banner.isVisible()


def test_restore_of_another_flow_says_so(desk, qtbot) -> None:
    history = desk.history_ctrl.history
    other = RunRequest(
        connection=Connection(), flow_ref="rag", flow_id="0000-other", flow_name="Vector RAG",
        input_value="hi", tweaks={"X-1": {"a": 1}},
    )
    entry = history.get(history.record(other, status="ok"))
    assert desk.history.restore_run(entry) is False
    assert "Vector RAG" in desk.window.banner.text() and "Open that flow" in desk.window.banner.text()
    assert desk.documents.document.tweaks.to_json() == {}


def test_copy_as_curl(desk, qtbot, replay_server, memory_tokens) -> None:
    add_profile(desk, "replay", replay_server.base_url, memory_tokens, API_KEY)
    set_temperature(desk, 0.7)
    entry = run_and_wait(qtbot, desk, "stream me", 1)
    QGuiApplication.clipboard().clear()
    desk.window.show_history()
    desk.window.history_pane.select_entry(entry.id)
    desk.window.history_pane.curl_button.click()
    text = QGuiApplication.clipboard().text()
    assert text.startswith("#!") or text.lstrip().startswith("curl") or "curl " in text
    assert "curl" in text
    assert f"{replay_server.base_url}/api/v1/run/echo-chat?stream=true" in text
    assert '"temperature": 0.7' in text
    assert "stream me" in text
    assert API_KEY not in text and "LANGFLOW_API_KEY" in text


def test_search_delete_and_clear(desk, qtbot) -> None:
    history = desk.history_ctrl.history
    for text in ("apples", "bananas", "cherries"):
        history.record(RunRequest(flow_ref="echo-chat", flow_name="Echo", input_value=text), status="ok")
    desk.history_ctrl.refresh()
    pane = desk.window.history_pane
    qtbot.waitUntil(lambda: len(pane.entries()) == 3)
    pane.search.setText("an")
    qtbot.waitUntil(lambda: [e.input_value for e in pane.entries()] == ["bananas"], timeout=3000)
    pane.search.setText("zzz")
    qtbot.waitUntil(lambda: pane.entries() == [], timeout=3000)
    assert pane.empty_label.isVisibleTo(pane) and "zzz" in pane.empty_label.text()
    pane.search.clear()
    qtbot.waitUntil(lambda: len(pane.entries()) == 3, timeout=3000)
    pane.select_entry(pane.entries()[0].id)
    pane.delete_button.click()
    qtbot.waitUntil(lambda: [e.input_value for e in pane.entries()] == ["bananas", "apples"])
    assert history.count() == 2
    # Clear all asks inline first; Cancel keeps everything
    pane.clear_button.click()
    assert pane.confirm.isVisibleTo(pane)
    pane.confirm_no.click()
    assert not pane.confirm.isVisibleTo(pane) and history.count() == 2
    pane.clear_button.click()
    pane.confirm_yes.click()
    qtbot.waitUntil(lambda: pane.entries() == [])
    assert history.count() == 0
    assert not QApplication.activeModalWidget()


def test_history_survives_a_restart(make_window, qtbot) -> None:
    first = make_window(restore=True)
    first.history_ctrl.history.record(RunRequest(flow_ref="echo-chat", input_value="kept"), status="ok")
    first.shutdown()
    second = make_window(restore=True)
    qtbot.waitUntil(lambda: [e.input_value for e in second.window.history_pane.entries()] == ["kept"])


def test_a_damaged_history_is_replaced_with_a_note(make_window, qtbot) -> None:
    (paths.data_dir() / "history.sqlite3").write_bytes(b"garbage" * 500)
    w = make_window(restore=True)
    qtbot.waitUntil(lambda: "could not be read" in w.window.banner.text(), timeout=3000)
    assert list(paths.data_dir().glob("history.sqlite3.corrupt-*"))


def test_history_model_is_sound(qapp, qtmodeltester) -> None:
    model = HistoryModel()
    entries = []
    h = RunHistory(paths.data_dir() / "m.sqlite3")
    for i, status in enumerate(("ok", "error", "stopped")):
        entries.append(h.get(h.record(RunRequest(flow_ref="f", input_value=f"q{i}"), status=status, total=0.5)))
    model.set_entries([e for e in entries if e is not None])
    qtmodeltester.check(model)
    model.remove(entries[1].id)
    qtmodeltester.check(model)
    h.close()


# --- presets ---------------------------------------------------------------------------------


def preset_texts(w: Desk) -> list[str]:
    return [w.window.preset_combo.itemText(i) for i in range(w.window.preset_combo.count())]


def choose(w: Desk, data: str) -> None:
    index = w.window.preset_combo.findData(data)
    assert index >= 0, data
    w.window.preset_combo.setCurrentIndex(index)
    w.window.preset_combo.activated.emit(index)


def save_as(qtbot, w: Desk, name: str) -> None:
    choose(w, PRESET_SAVE)
    dialog = w.presets.name_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.windowModality() == Qt.WindowModality.WindowModal  # open(), not exec()
    dialog.setTextValue(name)
    dialog.accept()


@pytest.mark.qt_log_ignore(
    "does not support raise", "does not support grabbing the keyboard", "propagateSizeHints"
)
def test_save_switch_and_back(desk, qtbot, artifacts_dir) -> None:
    assert desk.window.preset_combo.currentText() == DEFAULTS_LABEL
    assert preset_texts(desk) == [DEFAULTS_LABEL, "", "Save current as…", "Manage…"]
    set_temperature(desk, 0.3)
    assert desk.window.preset_combo.currentText() == "(flow defaults, edited)"
    choose(desk, PRESET_SAVE)
    qtbot.waitUntil(lambda: desk.presets.name_dialog is not None and desk.presets.name_dialog.isVisible())
    assert desk.window.preset_combo.currentText() == "(flow defaults, edited)"  # not "Save current as…"
    dialog = desk.presets.name_dialog
    image = shoot(dialog, artifacts_dir, "preset-save-dialog.png")
    # it asks for a name, with an empty box to type it in
    assert dialog.textValue() == "" and "name" in dialog.labelText().lower()
    assert distinct_colours(image) > 8
    dialog.reject()
    save_as(qtbot, desk, "Low temp")
    path = paths.data_dir() / "presets" / SAMPLE_ID / "Low temp.json"
    assert json.loads(path.read_text()) == {OPENAI: {"temperature": 0.3}}
    assert desk.window.preset_combo.currentText() == "Low temp"
    assert "Low temp" in preset_texts(desk)
    # the defaults: no tweaks; the tree, form and preview follow
    choose(desk, "")
    assert desk.documents.document.tweaks.to_json() == {}
    assert desk.window.preset_combo.currentText() == DEFAULTS_LABEL
    assert temperature_shown(desk) == pytest.approx(0.1)  # the flow's own value
    settle(qtbot, desk)
    assert '"tweaks"' not in desk.window.preview.text()
    # and back
    choose(desk, "Low temp")
    assert desk.documents.document.tweaks.to_json() == {OPENAI: {"temperature": 0.3}}
    assert temperature_shown(desk) == pytest.approx(0.3)
    settle(qtbot, desk)
    assert '"temperature": 0.3' in desk.window.preview.text()
    assert desk.window.preset_combo.currentText() == "Low temp"
    # a second preset: the list is sorted and both stay
    set_temperature(desk, 0.9)
    assert desk.window.preset_combo.currentText() == "Low temp (edited)"
    save_as(qtbot, desk, "hot")
    assert preset_texts(desk)[:3] == [DEFAULTS_LABEL, "hot", "Low temp"]
    settle(qtbot, desk)
    desk.window.preset_combo.showPopup()
    qtbot.wait(100)
    popup = desk.window.preset_combo.view().window()
    top = QRect(0, 0, desk.window.width(), 330)
    image = shoot(grab_with_popup(desk.window, popup, top), artifacts_dir, "toolbar-presets.png")
    # the open list over the window, at the combo: the presets by name, "hot" current
    at = QRect(popup.mapToGlobal(popup.rect().topLeft()) - desk.window.mapToGlobal(top.topLeft()),
               popup.size())
    assert image.rect().contains(at), (at, image.rect())
    assert at.intersects(region(desk.window, desk.window.preset_combo))  # opened from the combo
    assert not same_pixels(image.copy(at), desk.window.grab(top).toImage().copy(at))  # painted in
    assert desk.window.preset_combo.currentText() == "hot"
    highlight = desk.window.preset_combo.view().palette().color(QPalette.ColorRole.Highlight)
    assert share_near(image, at, highlight) > 0.05  # the current entry highlighted
    desk.window.preset_combo.hidePopup()


def test_a_secret_literal_never_goes_into_a_preset(desk, qtbot) -> None:
    desk.documents.document.tweaks.set(OPENAI, "api_key", "sk-typed-openai-key-0123456789abcdef")
    set_temperature(desk, 0.4)
    save_as(qtbot, desk, "with secret")
    path = paths.data_dir() / "presets" / SAMPLE_ID / "with secret.json"
    text = path.read_text()
    assert "sk-typed-openai-key" not in text
    assert json.loads(text) == {OPENAI: {"temperature": 0.4}}
    assert "Secrets left out" in desk.window.statusBar().currentMessage()
    # switching presets keeps the key typed in (presets never carry one)
    choose(desk, "")
    assert desk.documents.document.tweaks.to_json() == {
        OPENAI: {"api_key": "sk-typed-openai-key-0123456789abcdef"}
    }


def test_a_bad_preset_name_is_refused(desk, qtbot) -> None:
    assert desk.presets.save_named_preset("a/b") is False
    assert "cannot be a preset name" in desk.window.banner.text()


def test_preset_with_unknown_fields_applies_the_rest(desk, qtbot) -> None:
    folder = paths.data_dir() / "presets" / SAMPLE_ID
    folder.mkdir(parents=True)
    (folder / "old.json").write_text(
        json.dumps({OPENAI: {"temperature": 0.6, "gone_field": 1}, "Missing-1": {"x": 1}})
    )
    desk.presets.reload_presets(keep=True)
    choose(desk, "old")
    assert desk.documents.document.tweaks.to_json() == {OPENAI: {"temperature": 0.6}}
    assert "gone_field" in desk.window.banner.text() and "Missing-1" in desk.window.banner.text()


def test_manage_rename_and_delete(desk, qtbot, artifacts_dir) -> None:
    set_temperature(desk, 0.3)
    save_as(qtbot, desk, "one")
    set_temperature(desk, 0.5)
    save_as(qtbot, desk, "two")
    choose(desk, PRESET_MANAGE)
    dialog = desk.presets.manager
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.names() == ["one", "two"]
    image = shoot(dialog, artifacts_dir, "preset-manager.png")
    assert dialog.windowTitle() and distinct_colours(image, region(dialog, dialog.list.viewport())) > 4
    dialog.list.item(dialog.names().index("two")).setText("deux")  # edited in place
    qtbot.waitUntil(lambda: dialog.names() == ["deux", "one"])
    assert desk.window.preset_combo.currentText() == "deux"  # the shown preset follows its name
    dialog.list.setCurrentRow(dialog.names().index("one"))
    dialog.delete_current()
    assert dialog.names() == ["deux"]
    assert preset_texts(desk)[:2] == [DEFAULTS_LABEL, "deux"]
    assert not (paths.data_dir() / "presets" / SAMPLE_ID / "one.json").exists()
    dialog.close()


def test_file_menu_presets_still_work(desk, qtbot, tmp_path) -> None:
    set_temperature(desk, 0.25)
    target = tmp_path / "anywhere.json"
    desk.presets.save_preset_to(str(target))
    assert json.loads(target.read_text()) == {OPENAI: {"temperature": 0.25}}
    choose(desk, "")
    desk.presets.load_preset_from(str(target))
    assert desk.documents.document.tweaks.to_json() == {OPENAI: {"temperature": 0.25}}
    assert temperature_shown(desk) == pytest.approx(0.25)
