"""The connection presenter: which server the window talks to, and how that server is.

It fills the toolbar's profile picker from the ProfileStore, probes the chosen server for the
title bar, opens the Connections dialog, runs "Test connection", and holds the token a code
snippet may inline (read only when the user asks for it, dropped when the profile changes).
"""

from __future__ import annotations

from PySide6.QtCore import Signal

from lfdesk.core.api import ServerInfo
from lfdesk.core.profiles import Profile, ProfileError, ProfileStore
from lfdesk.ui.connection import ConnectionReport
from lfdesk.ui.connections import ConnectionsDialog
from lfdesk.ui.parts import Parts, Presenter

MANAGE = "__add__"  # the picker's "Manage connections…" entry (never a profile name)


class ConnectionPresenter(Presenter):
    """The current connection profile and what is known of its server.

    Signals: ``profileChanged(str)`` (the current profile's name, "" for none: documents,
    runs and the preview follow it), ``locationChanged(str, str)`` (where the window points,
    for the title; and the server's state, for the status bar), ``inlineTokenChanged()``
    (the token a snippet may inline came or went: render the preview again).
    """

    profileChanged = Signal(str)
    locationChanged = Signal(str, str)
    inlineTokenChanged = Signal()

    def __init__(self, parts: Parts, profiles: ProfileStore) -> None:
        super().__init__(parts)
        self.profiles = profiles
        self.combo = combo = parts.window.profile_combo
        conn = self.conn
        self.dialog: ConnectionsDialog | None = None
        self.server_info: dict[str, ServerInfo] = {}
        self._server_errors: dict[str, str] = {}
        self._inline_wanted = False
        self._inline_token: str | None = None

        combo.activated.connect(self._activated)
        conn.serverInfo.connect(self._server_info)
        conn.probeFailed.connect(self._probe_failed)
        conn.probed.connect(self._probed)
        conn.testFailed.connect(self._test_failed)
        conn.tokenFetched.connect(self._token_fetched)
        conn.tokenFetchFailed.connect(lambda message: self.notices.say(message, 8000))
        conn.tokenState.connect(self._token_state_changed)

    # --- the picker ---------------------------------------------------------------------------

    def reload_profiles(self, select: str | None = None) -> None:
        """Fill the picker; select ``select`` (or keep the current profile)."""
        current = select if select is not None else self.current_profile_name()
        try:
            names = self.profiles.names()
        except ProfileError as exc:
            names = []
            self.notices.error(str(exc))
        combo = self.combo
        combo.blockSignals(True)
        combo.clear()
        for name in names:
            combo.addItem(name, name)
        if not names:
            combo.addItem("No connection", None)
        combo.insertSeparator(combo.count())
        combo.addItem("Manage connections…", MANAGE)
        combo.setCurrentIndex(names.index(current) if current in names else 0)
        combo.blockSignals(False)
        self._changed()

    def current_profile_name(self) -> str | None:
        data = self.combo.currentData()
        return data if isinstance(data, str) and data != MANAGE else None

    def current_profile(self) -> Profile | None:
        name = self.current_profile_name()
        if name is None:
            return None
        try:
            return self.profiles.get(name)
        except ProfileError:
            return None

    def select_profile(self, name: str) -> None:
        index = self.combo.findData(name)
        if index < 0:
            self.reload_profiles(select=name)
            return
        self.combo.setCurrentIndex(index)
        self._changed()

    def _activated(self, index: int) -> None:
        if self.combo.itemData(index) == MANAGE:
            previous = self.settings.last_profile
            back = self.combo.findData(previous) if previous else 0
            self.combo.setCurrentIndex(max(back, 0))
            self.open_connections()
            return
        self._changed()

    def _changed(self) -> None:
        profile = self.current_profile()
        self.settings.last_profile = profile.name if profile else None
        self._inline_token = None
        if profile is not None and self._inline_wanted:
            self.conn.fetch_token(profile.name)  # the snippet inlines this profile's token now
        if profile is not None and profile.name not in self.server_info:
            self.conn.probe(profile)
        self.profileChanged.emit(profile.name if profile else "")
        self._update_location()

    # --- the server ---------------------------------------------------------------------------

    def _update_location(self) -> None:
        profile = self.current_profile()
        if profile is None:
            where = "no connection"
            status = "No connection: add one in Connection > Connections…"
        else:
            info = self.server_info.get(profile.name)
            version = f", Langflow {info.version}" if info and info.version else ""
            where = f"{profile.name} ({profile.base_url}{version})"
            if info is not None:
                status = f"{profile.base_url} · Langflow {info.version} · {profile.name}"
            elif profile.name in self._server_errors:
                status = f"{profile.base_url} · not reachable · {profile.name}"
            else:
                status = f"{profile.base_url} · {profile.name}"
        self.locationChanged.emit(where, status)

    def _server_info(self, profile: str, info: ServerInfo) -> None:
        self.server_info[profile] = info
        self._server_errors.pop(profile, None)
        self._update_location()

    def _probe_failed(self, profile: str, message: str) -> None:
        self._server_errors[profile] = message
        self._update_location()

    def _probed(self, report: ConnectionReport) -> None:
        self._server_info(report.profile, report.info)
        self.notices.say(report.summary(), 10000)

    def _test_failed(self, message: str) -> None:
        if self.dialog is None or not self.dialog.isVisible():  # the dialog says it itself
            self.notices.error(f"Connection test failed: {message}")

    def test_connection(self) -> None:
        profile = self.current_profile()
        if profile is None:
            self.open_connections()
            return
        self.notices.say(f"Testing {profile.base_url} …")
        self.conn.test_connection(profile)

    # --- the Connections dialog ---------------------------------------------------------------

    def open_connections(self) -> None:
        if self.dialog is None:
            dialog = ConnectionsDialog(
                self.profiles, self.conn, self.window, current=self.current_profile_name()
            )
            dialog.profilesChanged.connect(self._profiles_edited)
            dialog.profileChosen.connect(self.select_profile)
            self.dialog = dialog
        else:
            self.dialog.reload(self.current_profile_name())
        self.dialog.open()

    def _profiles_edited(self) -> None:
        self.server_info.clear()
        self.reload_profiles()

    # --- the token a snippet may inline -------------------------------------------------------

    def set_inline_token(self, on: bool) -> None:
        """The user wants the token inlined in the snippet (or no longer does)."""
        self._inline_wanted = on
        if not on:
            self._inline_token = None
            return
        profile = self.current_profile()
        if profile is None:
            self.notices.say("No connection, so there is no token to inline.", 6000)
            return
        self.conn.fetch_token(profile.name)

    def token_for_preview(self) -> str | None:
        return self._inline_token

    def _token_fetched(self, profile: str, token: str) -> None:
        if profile != self.current_profile_name():
            return
        if not token:
            self.notices.say(f"No token is saved for “{profile}”.", 6000)
        self._inline_token = token or None
        self.inlineTokenChanged.emit()

    def _token_state_changed(self, profile: str, _has: bool) -> None:
        if profile == self.current_profile_name():
            self._inline_token = None
