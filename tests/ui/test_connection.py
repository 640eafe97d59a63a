"""ConnectionController against the replay server, on a qasync loop."""

from __future__ import annotations

import pytest
from helpers.data import ECHO_FLOW as ECHO
from helpers.net import free_port

from lfdesk.core.document import Document
from lfdesk.core.profiles import Profile
from lfdesk.ui.connection import (
    ConnectionController,
    ConnectionReport,
)

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def session_for(base_url: str, *, stream: bool = True) -> Document:
    s = Document.open_file(ECHO, profile=Profile("replay", base_url=base_url))
    s.stream = stream
    return s


def test_connection_probe_and_failure(qtbot, qloop, wait_for, replay_server, memory_tokens) -> None:
    conn = ConnectionController(memory_tokens)
    reports: list[object] = []
    failures: list[tuple[str, str]] = []
    conn.probed.connect(reports.append)
    conn.testFailed.connect(lambda m: failures.append(("test", m)))
    conn.test_connection(Profile("replay", base_url=replay_server.base_url))
    wait_for(lambda: reports or failures)
    assert failures == []
    report = reports[0]
    assert isinstance(report, ConnectionReport)
    assert report.info.version == "1.13.0"
    assert "Langflow 1.13.0" in report.summary() and "not checked" in report.summary()

    port = free_port()
    conn.test_connection(Profile("dead", base_url=f"http://127.0.0.1:{port}"))
    wait_for(lambda: failures)
    op, message = failures[0]
    assert op == "test" and f"127.0.0.1:{port}" in message and "Traceback" not in message


def test_token_chores_run_off_the_loop(qtbot, qloop, wait_for, memory_tokens) -> None:
    conn = ConnectionController(memory_tokens)
    states: list[tuple[str, bool]] = []
    saved: list[tuple[str, str]] = []
    conn.tokenState.connect(lambda p, h: states.append((p, h)))
    conn.tokenSaved.connect(lambda p, w: saved.append((p, w)))
    conn.save_token("local", "sk-secret-value-0123456789")
    wait_for(lambda: saved)
    assert memory_tokens.get("local") == "sk-secret-value-0123456789"
    conn.move_token("local", "renamed")
    wait_for(lambda: ("renamed", True) in states)
    assert memory_tokens.get("local") is None
    assert memory_tokens.get("renamed") == "sk-secret-value-0123456789"
    conn.delete_token("renamed")
    wait_for(lambda: ("renamed", False) in states)
    assert memory_tokens.get("renamed") is None
