"""Building and driving the main window in GUI tests (the ``make_window`` fixture uses it)."""

from __future__ import annotations

from typing import Any

from helpers.data import OPENAI
from lfdesk.core.profiles import Profile, ProfileStore
from lfdesk.core.secrets import TokenStore
from lfdesk.core.settings import Settings
from lfdesk.ui.mainwindow import MainWindow

SIZE = (1400, 900)
_FRESH: Any = object()


def build_window(
    qtbot: Any,
    tokens: TokenStore,
    *,
    settings: Settings | None = _FRESH,
    profiles: ProfileStore | None = None,
    persist: bool = False,
    client_factory: Any = None,
    size: tuple[int, int] = SIZE,
    show: bool = True,
    restore: bool = False,
) -> MainWindow:
    """A MainWindow for a test: fresh ``Settings()`` unless given (``settings=None`` loads
    them from LFDESK_HOME, as the app does), an empty ProfileStore, not persisting; resized,
    shown and exposed unless ``show=False``; ``restore=True`` opens the last flow (the
    sample, on a first launch)."""
    extra = {"client_factory": client_factory} if client_factory is not None else {}
    w = MainWindow(
        settings=Settings() if settings is _FRESH else settings,
        profiles=profiles if profiles is not None else ProfileStore(),
        tokens=tokens,
        persist=persist,
        **extra,
    )
    qtbot.addWidget(w)
    w.resize(*size)
    if show:
        w.show()
        qtbot.waitExposed(w)
    if restore:
        w.restore_last()
    return w


def settle(qtbot: Any, w: MainWindow, pause_ms: int = 80) -> None:
    """Let the preview's debounce and the layouts finish (before a screenshot or a check)."""
    qtbot.waitUntil(lambda: not w.preview.is_pending() and not w._preview_timer.isActive())
    if pause_ms:
        qtbot.wait(pause_ms)


def add_profile(
    w: MainWindow, name: str, base_url: str, tokens: TokenStore | None = None, token: str = ""
) -> Profile:
    """Add a connection profile and make it the window's current one (with its token in
    ``tokens`` when both are given)."""
    profile = Profile(name, base_url=base_url)
    w.profiles.add(profile, replace=True)
    w.reload_profiles(select=name)
    if tokens is not None and token:
        tokens.set(name, token)
    return profile


def set_temperature(w: MainWindow, value: float) -> None:
    """Select the OpenAI component and set its temperature in the form's spin box."""
    w.tree.select_component(OPENAI)
    assert w.form.component_id == OPENAI
    spin = getattr(w.form.field_editor("temperature"), "spin", None)
    assert spin is not None, "the temperature editor has no spin box"
    spin.setValue(value)


def temperature_shown(w: MainWindow) -> float:
    """The OpenAI temperature the form shows."""
    w.tree.select_component(OPENAI)
    spin = getattr(w.form.field_editor("temperature"), "spin", None)
    assert spin is not None, "the temperature editor has no spin box"
    return float(spin.value())
