"""GUI test setup: Qt runs offscreen, set before anything imports Qt. The GUI fixtures
(qloop, wait_for, run_coro, memory_tokens, make_window, window) are in helpers/fixtures.py,
registered by tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.qtenv import use_offscreen

use_offscreen()

import PySide6.QtWidgets  # noqa: E402, F401  (before any test module imports qasync)

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The offscreen platform warns when a shown window's size hints change; not a bug of ours."""
    for item in items:
        if HERE in Path(str(getattr(item, "path", ""))).parents:
            item.add_marker(pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"))
