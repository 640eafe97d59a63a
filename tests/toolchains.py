"""The real tools that generated snippets are checked and run with (node, tsc, tsx, go,
javac/java, mcs/mono), found or installed once, for the tests.

A missing tool FAILS the test that needs it, with the install hint: CI is expected to have
them. `LFDESK_SKIP_TOOLCHAINS=1` skips every test that needs one, explicitly.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest

# Pinned so a test run is reproducible; bump deliberately.
NODE_PACKAGES: dict[str, str] = {
    "typescript": "7.0.2",
    "tsx": "4.23.15",
    "@types/node": "26.6.7",
    "@datastax/langflow-client": "0.4.1",
}

HINTS: dict[str, str] = {
    "node": "install Node.js 18+ (Debian: apt-get install nodejs npm)",
    "npm": "install npm (Debian: apt-get install npm)",
    "go": "install Go (Debian: apt-get install golang-go)",
    "gofmt": "install Go (Debian: apt-get install golang-go)",
    "javac": "install a JDK 11+ and Jackson (Debian: apt-get install default-jdk-headless libjackson2-databind-java)",
    "java": "install a JDK 11+ (Debian: apt-get install default-jdk-headless)",
    "mcs": "install Mono (Debian: apt-get install mono-mcs mono-runtime libmono-system-net-http4.0-cil libmono-system-runtime-serialization4.0-cil)",
    "mono": "install Mono (Debian: apt-get install mono-runtime libmono-system-net-http4.0-cil)",
}


def skipping() -> bool:
    return os.environ.get("LFDESK_SKIP_TOOLCHAINS") == "1"


def missing(what: str, hint: str) -> NoReturn:
    """Fail (or skip, when asked to) because `what` is not there."""
    message = f"{what} is missing: {hint}. Set LFDESK_SKIP_TOOLCHAINS=1 to skip these tests."
    if skipping():
        pytest.skip(message)
    pytest.fail(message, pytrace=False)


def require(tool: str) -> str:
    """The path of `tool` on PATH, or fail with its install hint. With
    LFDESK_SKIP_TOOLCHAINS=1 the test is skipped, tool or not."""
    if skipping():
        pytest.skip("LFDESK_SKIP_TOOLCHAINS=1: not checking snippets with the real tools")
    path = shutil.which(tool)
    if path is None:
        missing(tool, HINTS.get(tool, f"install {tool}"))
    return path


def node_tools_dir() -> Path:
    """Where the npm packages for the snippet tests live (outside the repo, reused)."""
    override = os.environ.get("LFDESK_NODE_TOOLS")
    if override:
        return Path(override)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "lfdesk" / "node"


def ensure_node_tools() -> Path:
    """Install typescript, tsx, @types/node and @datastax/langflow-client (pinned) into the
    cache dir once; later calls only check a marker. Safe across processes (file lock).
    Returns the dir that holds `node_modules`."""
    require("node")
    target = node_tools_dir()
    target.mkdir(parents=True, exist_ok=True)
    marker = target / ".lfdesk-installed.json"
    wanted = json.dumps(NODE_PACKAGES, sort_keys=True)

    def ready() -> bool:
        bins = [target / "node_modules" / ".bin" / name for name in ("tsc", "tsx")]
        return (
            marker.exists()
            and marker.read_text() == wanted
            and all(b.exists() for b in bins)
            and (target / "node_modules" / "@datastax" / "langflow-client").is_dir()
        )

    if ready():
        return target
    npm = require("npm")
    with open(target / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if ready():
                return target
            specs = [f"{name}@{version}" for name, version in NODE_PACKAGES.items()]
            proc = subprocess.run(
                [npm, "install", "--prefix", str(target), "--no-audit", "--no-fund",
                 "--loglevel=error", *specs],
                capture_output=True, text=True, timeout=600,
            )
            if proc.returncode != 0:
                missing(
                    "the npm packages " + ", ".join(specs),
                    f"`npm install` failed ({proc.returncode}): {proc.stderr.strip()[-800:]}",
                )
            marker.write_text(wanted)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


def link_node_modules(directory: Path) -> None:
    """Make `directory` see the cached packages, as a project with them installed would."""
    link = directory / "node_modules"
    if not link.exists():
        link.symlink_to(ensure_node_tools() / "node_modules", target_is_directory=True)
