"""The app's safety net: an exception that escapes a slot or a task is logged with secrets
masked and named in the window's banner, never shown as a traceback."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

import pytest

from lfdesk.app import install_error_handlers
from lfdesk.core.logsetup import RedactingFilter, mask, register_secret


class _Window:
    def __init__(self) -> None:
        self.banners: list[str] = []

    def show_banner(self, text: str, *, error: bool = True) -> None:
        self.banners.append(text)


def test_uncaught_errors_go_to_the_banner_and_the_log(monkeypatch: pytest.MonkeyPatch, caplog: Any, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    window = _Window()
    loop = asyncio.new_event_loop()
    try:
        install_error_handlers(window, loop, tmp_path / "lfdesk.log")
        register_secret("sk-very-secret-token")
        try:
            raise ValueError("boom with sk-very-secret-token inside")
        except ValueError as exc:
            with caplog.at_level(logging.ERROR):
                sys.excepthook(type(exc), exc, exc.__traceback__)
        loop.call_exception_handler({"message": "task failed", "exception": RuntimeError("task boom")})
    finally:
        loop.close()
    assert len(window.banners) == 2
    assert "boom with *** inside" in window.banners[0] and "sk-very-secret-token" not in window.banners[0]
    assert "task boom" in window.banners[1] and str(tmp_path / "lfdesk.log") in window.banners[1]


def test_log_records_are_masked() -> None:
    register_secret("tok-abcdef-123")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "sent %s and %s", ("tok-abcdef-123", "Bearer AstraCS:abcdefgh12345678"), None)
    assert RedactingFilter().filter(record)
    assert "tok-abcdef-123" not in record.getMessage() and "AstraCS:abcdefgh12345678" not in record.getMessage()
    assert mask("x-api-key: sk-" + "a" * 43) == "x-api-key: ***"
