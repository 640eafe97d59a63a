"""The connection's Timeout: set in the Connections dialog, saved with the profile, and used
by the run and connection controllers' clients (against the hostile server's drip and
stall, which only a deadline or the stall limit end), on a qasync loop."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.data import ECHO_FLOW
from hostile_server import HostileServer

from lfdesk.core.api import Timeouts
from lfdesk.core.document import Document
from lfdesk.core.profiles import Profile, ProfileStore
from lfdesk.ui.clientpool import ClientPool
from lfdesk.ui.connection import ConnectionController
from lfdesk.ui.connections import ConnectionsDialog
from lfdesk.ui.runs import RunController

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")
KEY = "sk-UiTimeout0123456789abcdefghijklmnopqrstuvwxyz"


def test_the_dialog_edits_the_timeout(qtbot, qloop, memory_tokens, tmp_path: Path, artifacts_dir: Path) -> None:
    store = ProfileStore(tmp_path / "profiles.json")
    store.add(Profile("plain", base_url="http://127.0.0.1:7860"))
    dialog = ConnectionsDialog(store, ConnectionController(memory_tokens), current="plain")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.timeout.value() == 0 and dialog.timeout.text().startswith("default (600 s")
    assert dialog.form_profile().timeout is None
    dialog.timeout.setValue(900)
    dialog.save_profile()
    assert store.get("plain").timeout == 900
    dialog.grab().save(str(artifacts_dir / "connections-timeout.png"))
    dialog.new_profile()
    assert dialog.timeout.value() == 0  # a new connection starts at the default
    dialog.fill(store.get("plain"))
    assert dialog.timeout.value() == 900 and dialog.timeout.text() == "900.0 s"


def test_the_pool_makes_a_client_per_timeout() -> None:
    made: list[Timeouts] = []

    class Stand:
        def __init__(self, connection, token=None, *, verify=True, timeout=None) -> None:
            made.append(timeout)

    pool = ClientPool(Stand)  # type: ignore[arg-type]
    quick = Profile("p", base_url="http://127.0.0.1:7860", timeout=5)
    first = pool.get(quick, KEY)
    assert pool.get(quick, KEY) is first
    assert pool.get(Profile("p", base_url="http://127.0.0.1:7860", timeout=9), KEY) is not first
    assert pool.get(Profile("p", base_url="http://127.0.0.1:7860"), KEY) is not first
    assert made == [Timeouts(total=5, stall=5), Timeouts(total=9, stall=9), Timeouts()]


def test_a_run_ends_at_the_profiles_timeout(qtbot, qloop, wait_for, hostile: HostileServer) -> None:
    """A drip (a byte every 2 s) ends at the profile's 1.5 s, as one line in the chat."""
    runs = RunController()
    failures: list[str] = []
    runs.failed.connect(lambda r: failures.append(r.outcome.error))
    profile = Profile("drip", base_url=hostile.url("drip"), timeout=1.5)
    doc = Document.open_file(ECHO_FLOW, profile=profile)
    doc.stream = True
    runs.start(doc.build_request("hi"), KEY, profile=profile)
    wait_for(lambda: failures, timeout=15)
    assert "did not finish within 1.5 s (lfdesk's time limit for one request)" in failures[0]
    assert "Traceback" not in failures[0] and KEY not in failures[0]


def test_a_stalled_run_ends_at_the_profiles_timeout(qtbot, qloop, wait_for, hostile: HostileServer) -> None:
    runs = RunController()
    failures: list[str] = []
    runs.failed.connect(lambda r: failures.append(r.outcome.error))
    profile = Profile("stall", base_url=hostile.url("stall"), timeout=1)
    doc = Document.open_file(ECHO_FLOW, profile=profile)
    doc.stream = True
    runs.start(doc.build_request("hi"), KEY, profile=profile)
    wait_for(lambda: failures, timeout=15)
    assert "1 s" in failures[0] and "Traceback" not in failures[0]


def test_listing_flows_ends_at_the_profiles_timeout(qtbot, qloop, wait_for, memory_tokens, hostile: HostileServer) -> None:
    memory_tokens.set("drip", KEY)
    conn = ConnectionController(memory_tokens)
    failures: list[str] = []
    conn.flowsListFailed.connect(failures.append)
    conn.list_flows(Profile("drip", base_url=hostile.url("drip"), timeout=1.5))
    wait_for(lambda: failures, timeout=15)
    assert "did not finish within 1.5 s" in failures[0]
