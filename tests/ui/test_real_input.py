"""Real input: the real program on a virtual X screen (Xvfb), driven with xdotool.

The other UI tests call widgets in-process on the offscreen platform. This one starts
``python -m lfdesk FLOW`` on Xvfb with Qt's xcb platform and uses it the way a person does:
real mouse clicks and key presses, then the Copy button, and checks what lands on the X
clipboard. Where to click is never decided from pixels:

- Where to click comes from a twin: the same MainWindow built in this process (offscreen, the
  same code, flow and window size), given the same input. So the test follows layout changes
  instead of hard-coding coordinates, and the twin's snippet is the expected answer.
- The X selections (read with xclip) are the checks and the sync points: selecting a line
  edit's text makes the app own PRIMARY, and the app answers a selection request from its
  event loop only after the input sent before it, so reading PRIMARY both says which field
  took the typing and waits for the app to catch up.

Screenshots of the real screen go to the test artifacts as ``real-input-*.png``, and are
checked for what they must show (the window drawn, the row clicked painted selected, the
snippet in the preview). Needs Debian's xvfb, xdotool, xclip and imagemagick, which
tests/run.sh installs: without them the test fails, it never skips.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers.data import ECHO_FLOW as FLOW
from helpers.data import OPENAI, ROOT
from helpers.shots import distinct_colours, identical_share, region, share_near
from helpers.tools import require_tools
from PySide6.QtCore import QModelIndex, QPoint, QRect, Qt
from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from lfdesk.ui.mainwindow import MainWindow

SCREEN = (1400, 900)
DOUBLE_CLICK_GAP = 0.6  # s; Qt's double click interval is 400 ms

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


# --- the virtual screen and the tools that talk to it ------------------------------------------


class XScreen:
    """A running Xvfb display plus the xdotool / xclip / import commands aimed at it."""

    def __init__(self, display: str, artifacts: Path) -> None:
        self.display = display
        self.artifacts = artifacts
        self.env = {**os.environ, "DISPLAY": display}
        self._last_click = (-1, -1, 0.0)

    def run(self, *args: str, timeout: float = 10.0, check: bool = True) -> str:
        done = subprocess.run(
            args, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr}")
        return done.stdout

    def click(self, x: int, y: int, *, times: int = 1) -> None:
        # A click soon after another one at the same spot would make a double click of them
        # (Qt's interval is 400 ms): pause as a person would.
        lx, ly, when = self._last_click
        if abs(x - lx) <= 10 and abs(y - ly) <= 10:
            time.sleep(max(0.0, when + DOUBLE_CLICK_GAP - time.monotonic()))
        self.run(
            # No --sync: it waits for the pointer to move, forever when it is there already;
            # the X server runs the move and the click in order anyway.
            "xdotool",
            "mousemove",
            str(x),
            str(y),
            "click",
            "--repeat",
            str(times),
            "--delay",
            "60",
            "1",
        )
        self._last_click = (x, y, time.monotonic())

    def type(self, text: str) -> None:
        self.run("xdotool", "type", "--delay", "30", text)

    def key(self, *keys: str) -> None:
        self.run("xdotool", "key", "--delay", "30", *keys)

    def selection(self, which: str) -> str | None:
        """The text of an X selection ("primary" or "clipboard"); None when nobody owns it."""
        done = subprocess.run(
            ["xclip", "-o", "-selection", which],
            env=self.env,
            capture_output=True,
            timeout=5,
            check=False,
        )
        return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else None

    def wait_selection(
        self, which: str, ok: Callable[[str], bool], what: str, timeout: float = 5.0
    ) -> str:
        deadline = time.monotonic() + timeout
        seen: str | None = None
        while time.monotonic() < deadline:
            seen = self.selection(which)
            if seen is not None and ok(seen):
                return seen
            time.sleep(0.05)
        raise AssertionError(f"{what}: the {which} selection is {seen!r} after {timeout} s")

    def settle(self) -> None:
        """Wait until the app has handled the input sent so far and the events it posted
        (layouts, repaints). Two selection round trips: the first is answered after the
        earlier input, the second in a later pass of the app's loop, after what that posted.
        Needs the app to own PRIMARY."""
        for _ in range(2):
            self.wait_selection("primary", lambda _t: True, "waiting for the app")

    def screenshot(self, name: str) -> QImage:
        """The whole screen to ``real-input-NAME.png`` (ImageMagick's import), read back:
        the screen's size, and more than a blank screen's colours."""
        out = self.artifacts / f"real-input-{name}.png"
        self.run("import", "-window", "root", str(out))
        image = QImage(str(out))
        assert (image.width(), image.height()) == SCREEN, (out, image.size())
        assert distinct_colours(image) > 50, f"{out} looks blank"
        return image


def _start_xvfb(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Xvfb on a free display: -displayfd makes it pick the number and say it once ready."""
    read_fd, write_fd = os.pipe()
    try:
        with log.open("wb") as err:
            proc = subprocess.Popen(
                [
                    "Xvfb",
                    "-displayfd",
                    str(write_fd),
                    "-screen",
                    "0",
                    f"{SCREEN[0]}x{SCREEN[1]}x24",
                    "-nolisten",
                    "tcp",
                    "-noreset",
                ],
                pass_fds=(write_fd,),
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
    finally:
        os.close(write_fd)
    try:
        data = b""
        deadline = time.monotonic() + 15
        while not data.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([read_fd], [], [], left)[0]:
                break
            chunk = os.read(read_fd, 64)
            if not chunk:
                break
            data += chunk
    finally:
        os.close(read_fd)
    if not data.strip().isdigit():
        _stop(proc)
        raise AssertionError(f"Xvfb did not start: {log.read_text(errors='replace')[-2000:]}")
    return proc, f":{data.decode().strip()}"


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture
def xscreen(artifacts_dir: Path, tmp_path: Path) -> Iterator[XScreen]:
    require_tools("Xvfb", "xdotool", "xclip", "import", debian="xvfb xdotool xclip imagemagick")
    proc, display = _start_xvfb(tmp_path / "xvfb.log")
    try:
        yield XScreen(display, artifacts_dir)
    finally:
        _stop(proc)


@pytest.fixture
def real_app(xscreen: XScreen, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """``python -m lfdesk FLOW`` on the virtual screen; stderr goes to a file."""
    env = {
        **xscreen.env,
        "QT_QPA_PLATFORM": "xcb",
        "LFDESK_HOME": str(tmp_path / "app-home"),
        # PYTHON_KEYRING_BACKEND comes from tests/conftest.py: never the developer's keyring.
    }
    # No desktop's theme plugin (it would change fonts and sizes): the offscreen twin uses none.
    for name in (
        "QT_QPA_PLATFORMTHEME",
        "XDG_CURRENT_DESKTOP",
        "DESKTOP_SESSION",
        "KDE_FULL_SESSION",
        "GNOME_DESKTOP_SESSION_ID",
        "WAYLAND_DISPLAY",
    ):
        env.pop(name, None)
    log = tmp_path / "app-stderr.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lfdesk", str(FLOW)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        yield proc, log
    finally:
        _stop(proc)


@pytest.fixture
def twin(make_window) -> MainWindow:
    """The same window in this process (offscreen): where things are, and what to expect."""
    desk = make_window(size=SCREEN)
    assert desk.documents.open_path(FLOW)
    return desk.window


def _twin_settle() -> None:
    """Let the twin run its posted events (layouts), as the real app's loop does by itself."""
    for _ in range(3):
        QApplication.sendPostedEvents()
        QApplication.processEvents()


def _aim(window: QWidget, widget: QWidget, local: QPoint | None = None) -> QPoint:
    """Where to click ``widget`` (at ``local``, else its middle) in window coordinates,
    checked in the twin: a click there lands on that widget."""
    _twin_settle()
    point = widget.mapTo(window, widget.rect().center() if local is None else local)
    hit = window.childAt(point)
    assert hit is not None and (hit is widget or widget.isAncestorOf(hit)), (
        f"in the twin, {point} is on {hit!r}, not on {widget!r}"
    )
    return point


def _session_free(snippet: str) -> str:
    """The snippet with its random chat session id blanked (it differs between processes)."""
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<sid>", snippet)


# --- the test ----------------------------------------------------------------------------------


def test_filter_edit_temperature_and_copy_with_real_input(
    xscreen: XScreen, real_app, twin: MainWindow, qtbot
) -> None:
    proc, log = real_app

    def app_log() -> str:
        return log.read_text(errors="replace")[-4000:]

    try:
        wid = ""
        deadline = time.monotonic() + 20
        while not wid:
            assert proc.poll() is None, f"the app exited with {proc.returncode}\n{app_log()}"
            assert time.monotonic() < deadline, f"no lfdesk window after 20 s\n{app_log()}"
            found = xscreen.run(
                "xdotool", "search", "--onlyvisible", "--name", "Echo Chat", check=False
            )
            wid = found.split()[0] if found.split() else ""
            if not wid:
                time.sleep(0.1)
        geometry = dict(
            line.split("=", 1)
            for line in xscreen.run("xdotool", "getwindowgeometry", "--shell", wid).split()
        )
        ox, oy = int(geometry["X"]), int(geometry["Y"])
        size = (int(geometry["WIDTH"]), int(geometry["HEIGHT"]))
        if size != (twin.width(), twin.height()):
            twin.resize(*size)
            qtbot.waitUntil(lambda: (twin.width(), twin.height()) == size)

        def click(point: QPoint, times: int = 1) -> None:
            xscreen.click(ox + point.x(), oy + point.y(), times=times)

        def like_twin(shot: QImage, widget: QWidget) -> float:
            """How much of ``widget``'s area on the real screen is the same as in the twin."""
            _twin_settle()
            area = region(twin, widget)
            ours = twin.grab().toImage().copy(area)
            return identical_share(shot.copy(area.translated(ox, oy)), ours)

        def selected(shot: QImage, index: QModelIndex) -> float:
            """The share of the tree row of ``index`` painted in the selection colour."""
            view = tree.view
            rect = view.visualRect(index)
            rect = QRect(0, rect.top(), view.viewport().width(), rect.height())
            rect.translate(view.viewport().mapTo(twin, QPoint(0, 0)) + QPoint(ox, oy))
            colour = view.palette().color(QPalette.ColorGroup.Inactive, QPalette.ColorRole.Highlight)
            return share_near(shot, rect, colour)

        # 1. Click into the filter box and type "temp"; selecting it makes the app own PRIMARY.
        tree = twin.tree
        click(_aim(twin, tree.filter_edit))
        xscreen.type("temp")
        xscreen.key("ctrl+a")
        xscreen.wait_selection("primary", lambda t: t == "temp", "typing into the filter box")
        # Down applies the filter at once and moves into the tree, as in the twin.
        xscreen.key("Down")
        qtbot.keyClicks(tree.filter_edit, "temp")
        qtbot.keyClick(tree.filter_edit, Qt.Key.Key_Down)
        assert tree.proxy.filter_text() == "temp"
        xscreen.settle()
        shot = xscreen.screenshot("1-filtered")
        # the real tree shows what the twin's does: the rows the filter left, the first current
        assert like_twin(shot, tree.view.viewport()) > 0.97

        # 2. Click the temperature row the filter left (OpenAI's field).
        row = tree.proxy.mapFromSource(tree.model.field_index(OPENAI, "temperature"))
        assert row.isValid(), "the filter hid OpenAI's temperature field"
        tree.view.scrollTo(row)
        _twin_settle()
        rect = tree.view.visualRect(row)
        viewport = tree.view.viewport()
        local = QPoint(rect.left() + min(40, rect.width() // 2), rect.center().y())
        click(_aim(twin, viewport, local))
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=local)
        assert tree.view.currentIndex() == row
        assert twin.form.component_id == OPENAI
        xscreen.settle()

        # 3. Click into the temperature box, check it is the one holding 0.1, type 0.7.
        spin = twin.form.field_editor("temperature").spin
        box = spin.lineEdit()
        old = box.text()
        # A triple click selects it all. Not Ctrl+A or Shift+Home: the spin box handles those
        # keys itself and leaves PRIMARY alone; a mouse selection sets it.
        click(_aim(twin, box), times=3)
        xscreen.wait_selection("primary", lambda t: t == old, f"selecting the temperature ({old})")
        xscreen.type("0.7")
        click(_aim(twin, box), times=3)
        xscreen.wait_selection("primary", lambda t: t == "0.7", "typing the new temperature")
        xscreen.key("Tab")
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=box.rect().center())
        box.selectAll()
        qtbot.keyClicks(box, "0.7")
        qtbot.keyClick(box, Qt.Key.Key_Tab)
        qtbot.waitUntil(lambda: "temperature" in twin.preview.text())
        xscreen.settle()
        shot = xscreen.screenshot("2-temperature")
        # the temperature row painted selected; the box and the tree as in the twin
        assert selected(shot, row) > 0.5
        assert like_twin(shot, tree.view.viewport()) > 0.97
        assert like_twin(shot, twin.form) > 0.95  # the OpenAI form, 0.7 in its box
        assert like_twin(shot, spin) > 0.7  # (the text cursor may blink differently)

        # 4. Copy: the snippet on the X clipboard is the twin's, with the new temperature.
        copy = twin.preview.copy_button
        assert copy.isEnabled()
        click(_aim(twin, copy))
        copied = xscreen.wait_selection(
            "clipboard", lambda t: "temperature" in t, "copying the snippet"
        )
        (xscreen.artifacts / "real-input-copied.txt").write_text(copied)
        assert '"temperature": 0.7' in copied, copied
        assert "/api/v1/run/" in copied, copied
        assert _session_free(copied) == _session_free(twin.preview.text())
        xscreen.settle()
        shot = xscreen.screenshot("3-copied")
        # the snippet shown is the twin's (but for the session id line)
        assert like_twin(shot, twin.preview.editor.viewport()) > 0.9

        # 5. Ctrl+Q quits cleanly.
        xscreen.key("ctrl+q")
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the app did not quit on Ctrl+Q within 10 s\n{app_log()}")
        assert code == 0, f"the app exited with {code}\n{app_log()}"
        assert "Traceback" not in app_log(), app_log()
    except BaseException:
        if proc.poll() is None:
            with contextlib.suppress(Exception):  # the failure itself matters more
                xscreen.screenshot("failure")
        print(f"--- app stderr ---\n{app_log()}")
        raise
