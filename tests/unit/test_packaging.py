"""The wheel carries what the app needs at run time: every package, the sample flow and the
icons."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_wheel_ships_the_packages_the_sample_flow_and_the_icons(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    (wheel,) = tmp_path.glob("lfdesk-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("lfdesk/cli.py", "lfdesk/core/flow.py", "lfdesk/core/api/client.py",
                     "lfdesk/core/codegen/curl.py", "lfdesk/ui/mainwindow.py",
                     "lfdesk/resources/sample.flow.json"):
        assert required in names, required
    icons = sorted(p.name for p in (ROOT / "resources" / "icons").glob("*.svg"))
    assert "invalid.svg" in icons
    for icon in icons:
        assert f"lfdesk/resources/icons/{icon}" in names, icon
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "lfdesk = lfdesk.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    assert not any(n.startswith("tests/") for n in names)
