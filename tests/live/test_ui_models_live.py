"""The model field against a real Langflow 1.13: the starter Basic Prompting opened from the
server in the window, its model chosen in the form from the server's own catalog, then Run.

With a provider that is not set up, the run gets past model selection and the chat says
what the server said (the provider's key is missing), with no traceback. With OpenAI
Compatible pointed at the fake model server (one global variable, made and removed here:
other tests on this shared server may make theirs, in any order), the catalog read again
by the field's refresh button lists the fake's models, and the run answers through it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from helpers.qtenv import use_offscreen

use_offscreen()

import httpx  # noqa: E402
import pytest  # noqa: E402
from helpers.shots import distinct_colours, region, shoot  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from lfdesk.app import Desk  # noqa: E402
from lfdesk.core.profiles import Profile, ProfileStore  # noqa: E402
from lfdesk.core.secrets import TokenStore  # noqa: E402
from lfdesk.ui.editors_model import ModelEditor  # noqa: E402

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

LM = "LanguageModelComponent-FLeYF"
COMPATIBLE_URL = "OPENAI_COMPATIBLE_BASE_URL"


def open_basic_prompting(
    make_window: Any, qtbot: Any, tokens: TokenStore, langflow: Any, flow: dict[str, Any]
) -> Desk:
    """The window connected to the live server, Basic Prompting opened from it, the
    Language Model selected, its catalog read."""
    tokens.set("live", langflow.api_key)
    profiles = ProfileStore()
    profile = Profile("live", base_url=langflow.base_url)
    profiles.add(profile)
    desk: Desk = make_window(profiles=profiles)
    desk.connection.select_profile("live")
    desk.documents.fetch_server_flow(profile, flow["id"])
    qtbot.waitUntil(
        lambda: desk.documents.document is not None
        and desk.documents.document.source == "server",
        timeout=20000,
    )
    assert desk.window.tree.select_component(LM)
    qtbot.waitUntil(lambda: model_editor(desk).choices is not None, timeout=30000)
    return desk


def model_editor(desk: Desk) -> ModelEditor:
    editor = desk.window.form.field_editor("model")
    assert isinstance(editor, ModelEditor)
    return editor


def note_text(desk: Desk, field: str) -> str:
    QApplication.processEvents()
    label = desk.window.form.rows[field].note_label
    assert label is not None
    return label.text() if label.isVisibleTo(desk.window.form) else ""


def pick(combo: Any, text: str) -> None:
    """Choose an entry as a user does (the combo's `activated` signals)."""
    index = combo.findText(text, Qt.MatchFlag.MatchExactly)
    assert index >= 0, (text, [combo.itemText(i) for i in range(combo.count())])
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    combo.textActivated.emit(combo.itemText(index))


def run_and_wait(desk: Desk, qtbot: Any, text: str) -> None:
    desk.window.chat.set_input_text(text)
    assert desk.runner.run() is True
    qtbot.waitUntil(lambda: desk.run_ctrl.state in ("done", "failed"), timeout=120000)


@contextlib.contextmanager
def compatible_provider(langflow: Any, fake_openai: Any) -> Iterator[None]:
    """OpenAI Compatible set up on the server, pointed at the fake model server (spelled
    127.1: a server in a container rewrites "127.0.0.1" in provider URLs); the variable
    is removed after, unless it was there before (another test's, left for it)."""
    base_url = fake_openai.base_url.replace("127.0.0.1", "127.1")
    with httpx.Client(base_url=langflow.base_url, timeout=60, trust_env=False) as client:
        rows = client.get("/api/v1/variables/", headers=langflow.headers).json()
        if any(r.get("name") == COMPATIBLE_URL for r in rows):
            yield
            return
        r = client.post(
            "/api/v1/variables/",
            headers=langflow.headers,
            json={"name": COMPATIBLE_URL, "value": base_url, "type": "Generic",
                  "default_fields": []},
        )
        assert r.status_code in (200, 201), r.text
        try:
            yield
        finally:
            client.delete(f"/api/v1/variables/{r.json()['id']}", headers=langflow.headers)


def test_model_from_the_real_catalog_gets_past_model_selection(
    qtbot: Any,
    make_window: Any,
    memory_tokens: TokenStore,
    langflow: Any,
    basic_prompting_flow: dict[str, Any],
    artifacts_dir: Any,
) -> None:
    desk = open_basic_prompting(make_window, qtbot, memory_tokens, langflow, basic_prompting_flow)
    editor = model_editor(desk)
    providers = [editor.provider_combo.itemText(i) for i in range(editor.provider_combo.count())]
    # a fresh server: Anthropic is not set up (no test here sets it up)
    assert "Anthropic (not set up)" in providers, providers
    pick(editor.provider_combo, "Anthropic (not set up)")
    value = desk.documents.document.tweaks.value(LM, "model")
    assert value[0]["provider"] == "Anthropic" and value[0]["name"], value
    assert "ANTHROPIC_API_KEY" in note_text(desk, "model")
    assert "ANTHROPIC_API_KEY" in note_text(desk, "api_key")
    qtbot.wait(100)
    image = shoot(desk.window.form, artifacts_dir, "models-live-anthropic.png")
    assert distinct_colours(image, region(desk.window.form, editor)) > 8

    run_and_wait(desk, qtbot, "hello from the form")
    assert desk.run_ctrl.state == "failed"
    transcript = desk.window.chat.transcript_text()
    assert "A model selection is required" not in transcript, transcript
    assert "Anthropic API key is required" in transcript, transcript
    assert "ANTHROPIC_API_KEY" in transcript, transcript
    assert "Traceback" not in transcript and 'File "' not in transcript, transcript
    qtbot.wait(100)
    chat = shoot(desk.window.chat, artifacts_dir, "models-live-anthropic-chat.png")
    assert distinct_colours(chat) > 8


def test_openai_compatible_through_the_fake_model(
    qtbot: Any,
    make_window: Any,
    memory_tokens: TokenStore,
    langflow: Any,
    basic_prompting_flow: dict[str, Any],
    fake_openai: Any,
    artifacts_dir: Any,
) -> None:
    desk = open_basic_prompting(make_window, qtbot, memory_tokens, langflow, basic_prompting_flow)
    with compatible_provider(langflow, fake_openai):
        # the catalog was read before the provider was set up: read it again
        button = desk.window.form.rows["model"].refresh_button
        assert button is not None and button.isEnabled()
        button.click()
        qtbot.waitUntil(
            lambda: model_editor(desk).provider_combo.findText("OpenAI Compatible") >= 0,
            timeout=30000,
        )
        editor = model_editor(desk)
        pick(editor.provider_combo, "OpenAI Compatible")
        pick(editor.combo, "gpt-4o-mini")
        sent = [{"name": "gpt-4o-mini", "provider": "OpenAI Compatible"}]
        assert desk.documents.document.tweaks.value(LM, "model") == sent
        assert f"{COMPATIBLE_URL} (set on the server)" in note_text(desk, "model")
        qtbot.waitUntil(lambda: not desk.window.preview.is_pending(), timeout=5000)
        assert '"provider": "OpenAI Compatible"' in desk.window.preview.text()
        qtbot.wait(100)
        shoot(desk.window.form, artifacts_dir, "models-live-compatible.png")

        run_and_wait(desk, qtbot, "hello through the fake")
        transcript = desk.window.chat.transcript_text()
        assert desk.run_ctrl.state == "done", transcript
        answers = [v.text() for v in desk.window.chat.messages() if v.role == "ai"]
        assert answers and answers[-1].startswith("ECHO[gpt-4o-mini"), answers
        assert "hello through the fake" in answers[-1]
