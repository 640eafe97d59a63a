"""The app at start says in its banner what it could not use of the local state (issue 8): a
settings file it could not decode (and where the copy is), a token key in profiles.json."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from helpers.data import DATA
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from lfdesk.core import paths
from lfdesk.ui.mainwindow import MainWindow


def _banner_at_start(flow: Path) -> str:
    """Run the app on ``flow``; the banner's text once the window is up (then close it)."""
    from lfdesk.app import run_app

    seen: list[str] = []

    def read_and_close() -> None:
        for top in QApplication.topLevelWidgets():
            if isinstance(top, MainWindow) and top.isVisible():
                seen.append(top.banner.text())
                top.close()

    QTimer.singleShot(500, read_and_close)
    assert run_app(["lfdesk"], str(flow)) == 0
    asyncio.set_event_loop(None)
    assert len(seen) == 1
    return seen[0]


def test_banner_names_the_kept_copy_of_broken_settings_and_a_token_in_profiles(qapp: object) -> None:
    config = paths.config_dir()
    (config / "settings.json").write_text('{"language": "curl", ')
    entry = {"name": "work", "base_url": "http://127.0.0.1:9", "token": "SECRET-IN-FILE"}
    (config / "profiles.json").write_text(json.dumps({"version": 1, "profiles": [entry]}))

    text = _banner_at_start(DATA / "echo_chat.flow.json")

    [kept] = config.glob("settings.json.corrupt-*")
    assert kept.read_text() == '{"language": "curl", '
    assert "not valid JSON" in text and str(kept) in text
    assert "'token' key" in text and "work" in text and "SECRET" not in text
    assert "SECRET" not in (config / "profiles.json").read_text() or '"token"' in (config / "profiles.json").read_text()


def test_no_banner_when_the_state_is_fine(qapp: object) -> None:
    assert _banner_at_start(DATA / "echo_chat.flow.json") == ""
