"""Logging for the app: a small rotating file under the data dir, with secrets masked.

Every record passes through a filter that masks anything shaped like an API key or a bearer
token (and any token registered at run time), so a token never reaches the log even when a
library logs a request or an exception carries one. The log and its rotated copies are 0600.
"""

from __future__ import annotations

import logging
import logging.handlers
from io import TextIOWrapper
from pathlib import Path

from lfdesk.core import paths
from lfdesk.core.redact import mask, register_secret

__all__ = [
    "PrivateRotatingFileHandler",
    "RedactingFilter",
    "log_path",
    "mask",
    "register_secret",
    "setup_logging",
]


class RedactingFilter(logging.Filter):
    """Formats the record's message once, masked; drops args so nothing re-expands them."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose every file is created 0600 (the first one, and each new one after
    a rollover; a rotated copy keeps its mode when it is renamed)."""

    def _open(self) -> TextIOWrapper:
        paths.private_file(Path(self.baseFilename))
        return super()._open()


def log_path() -> Path:
    return paths.data_dir() / "lfdesk.log"


def setup_logging(level: int = logging.INFO) -> Path:
    """Log to the rotating file (1 MB x 3); returns its path. Safe to call twice."""
    path = log_path()
    root = logging.getLogger()
    if any(getattr(h, "_lfdesk", False) for h in root.handlers):
        return path
    handler = PrivateRotatingFileHandler(
        path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler._lfdesk = True  # type: ignore[attr-defined]
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    return path
