"""Building and driving the main window in GUI tests (the ``make_window`` fixture uses it).

A test gets a ``Desk`` (lfdesk.app): the window (``desk.window``) with its stores,
controllers and presenters wired as the app wires them; the widgets are the window's
(``desk.window.tree``), the work is the presenters' (``desk.documents.open_path(...)``).
"""

from __future__ import annotations

from typing import Any

from helpers.data import OPENAI
from lfdesk.app import Desk
from lfdesk.core.history import RunHistory
from lfdesk.core.profiles import Profile, ProfileStore
from lfdesk.core.secrets import TokenStore
from lfdesk.core.settings import Settings, load_settings
from lfdesk.ui.clientpool import ClientPool

SIZE = (1400, 900)
_FRESH: Any = object()


def build_window(
    qtbot: Any,
    tokens: TokenStore,
    *,
    settings: Settings | None = _FRESH,
    profiles: ProfileStore | None = None,
    history: RunHistory | None = None,
    persist: bool = False,
    client_factory: Any = None,
    size: tuple[int, int] = SIZE,
    show: bool = True,
    restore: bool = False,
) -> Desk:
    """A Desk for a test: fresh ``Settings()`` unless given (``settings=None`` loads them
    from LFDESK_HOME, as the app does), an empty ProfileStore, the run history under
    LFDESK_HOME, clients made by ``client_factory`` (a stand-in for LangflowClient) when
    given, not persisting; resized, shown and exposed unless ``show=False``;
    ``restore=True`` opens the last flow (the sample, on a first launch)."""
    if settings is _FRESH:
        settings = Settings()
    elif settings is None:
        settings, _warning = load_settings()
    desk = Desk(
        settings=settings,
        profiles=profiles if profiles is not None else ProfileStore(),
        tokens=tokens,
        history=history if history is not None else RunHistory(),
        clients=ClientPool(client_factory) if client_factory is not None else None,
        persist=persist,
    )
    w = desk.window
    qtbot.addWidget(w)
    w.resize(*size)
    if show:
        w.show()
        qtbot.waitExposed(w)
    if restore:
        desk.documents.restore_last()
    return desk


def settle(qtbot: Any, desk: Desk, pause_ms: int = 80) -> None:
    """Let the preview's debounce and the layouts finish (before a screenshot or a check)."""
    preview, timer = desk.window.preview, desk.panes.preview_timer
    qtbot.waitUntil(lambda: not preview.is_pending() and not timer.isActive())
    if pause_ms:
        qtbot.wait(pause_ms)


def add_profile(
    desk: Desk, name: str, base_url: str, tokens: TokenStore | None = None, token: str = ""
) -> Profile:
    """Add a connection profile and make it the window's current one (with its token in
    ``tokens`` when both are given)."""
    profile = Profile(name, base_url=base_url)
    desk.profiles.add(profile, replace=True)
    desk.connection.reload_profiles(select=name)
    if tokens is not None and token:
        tokens.set(name, token)
    return profile


def set_temperature(desk: Desk, value: float) -> None:
    """Select the OpenAI component and set its temperature in the form's spin box."""
    w = desk.window
    w.tree.select_component(OPENAI)
    assert w.form.component_id == OPENAI
    spin = getattr(w.form.field_editor("temperature"), "spin", None)
    assert spin is not None, "the temperature editor has no spin box"
    spin.setValue(value)


def temperature_shown(desk: Desk) -> float:
    """The OpenAI temperature the form shows."""
    w = desk.window
    w.tree.select_component(OPENAI)
    spin = getattr(w.form.field_editor("temperature"), "spin", None)
    assert spin is not None, "the temperature editor has no spin box"
    return float(spin.value())
