"""The shape of the code (DESIGN.md, "Rules that keep it easy to change"), checked on the
source text: no Qt imported here, no module imported at all.

- no file in lfdesk/ui over 600 lines, none elsewhere in lfdesk over 800;
- at most 2 ``Signal(object)`` in lfdesk/ui (signals are typed, one per outcome);
- lfdesk/core imports neither Qt nor qasync (it is plain Python, for the CLI and others);
- raw stream events (``TokenEvent``, ``MessageEvent``, ``EndEvent``) are interpreted only in
  the core's conversation model: nothing under lfdesk/ui, nor lfdesk/cli.py, imports them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LFDESK = ROOT / "lfdesk"
UI = LFDESK / "ui"
CORE = LFDESK / "core"

UI_MAX_LINES = 600
OTHER_MAX_LINES = 800
MAX_OBJECT_SIGNALS = 2
QT_MODULES = {"PySide6", "shiboken6", "qasync", "PyQt5", "PyQt6", "PySide2"}
RAW_EVENTS = {"TokenEvent", "MessageEvent", "EndEvent"}

def python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """Every import in ``path``, at any depth: (line, module, names imported from it)."""
    found: list[tuple[int, str, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, node.module or "", [a.name for a in node.names]))
    return found


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_tree_is_there() -> None:
    """The checks below look at real files (a wrong path would make them pass on nothing)."""
    assert len(python_files(UI)) >= 5 and len(python_files(CORE)) >= 5
    assert (LFDESK / "cli.py").is_file()


def test_no_ui_file_over_600_lines() -> None:
    big = {rel(p): n for p in python_files(UI) if (n := line_count(p)) > UI_MAX_LINES}
    assert not big, f"split by concern (at most {UI_MAX_LINES} lines in lfdesk/ui): {big}"


def test_no_other_file_over_800_lines() -> None:
    big = {
        rel(p): n
        for p in python_files(LFDESK)
        if UI not in p.parents and (n := line_count(p)) > OTHER_MAX_LINES
    }
    assert not big, f"split by concern (at most {OTHER_MAX_LINES} lines): {big}"


def test_ui_signals_are_typed() -> None:
    pattern = re.compile(r"\bSignal\(\s*object\s*\)")
    found = [
        f"{rel(p)}:{i}"
        for p in python_files(UI)
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert len(found) <= MAX_OBJECT_SIGNALS, f"{len(found)} Signal(object): {found}"


def test_core_never_imports_qt() -> None:
    bad = [
        f"{rel(p)}:{line} imports {module}"
        for p in python_files(CORE)
        for line, module, _names in imports(p)
        if module.split(".")[0] in QT_MODULES
    ]
    assert not bad, bad


def raw_event_uses(path: Path) -> list[str]:
    """Where ``path`` imports or names a raw stream event (``api.TokenEvent`` too)."""
    uses: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        names: set[str] = set()
        if isinstance(node, ast.ImportFrom):
            names = {a.name for a in node.names}
        elif isinstance(node, ast.Name):
            names = {node.id}
        elif isinstance(node, ast.Attribute):
            names = {node.attr}
        for name in sorted(names & RAW_EVENTS):
            uses.append(f"{rel(path)}:{node.lineno} {name}")
    return uses


def test_raw_stream_events_stay_in_the_core() -> None:
    bad = [use for p in [*python_files(UI), LFDESK / "cli.py"] for use in raw_event_uses(p)]
    assert not bad, f"raw stream events outside the core's conversation model: {bad}"
