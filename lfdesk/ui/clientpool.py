"""ClientPool: one LangflowClient per connection, reused, so runs, probes and listings to
the same server share its pooled HTTP connections (and its probed version)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from lfdesk.core.api import LangflowClient, Timeouts
from lfdesk.core.profiles import Profile
from lfdesk.core.request import Connection

ClientFactory = Callable[..., LangflowClient]
_Key = tuple[Connection, str | None, bool | str, Timeouts]


def timeouts_of(profile: Profile | None) -> Timeouts:
    """The client timeouts a profile asks for (its one Timeout setting, else the defaults)."""
    return Timeouts.of_connection(profile.timeout if profile is not None else None)


class ClientPool:
    """Hands out the client of a (connection, token, TLS verification, timeouts) key. A
    profile whose address, token, TLS or timeout settings change gets another client; the
    ones no longer asked for are closed at ``aclose`` (a run may still be using one)."""

    def __init__(self, factory: ClientFactory | None = None) -> None:
        self._factory: ClientFactory = factory or LangflowClient
        self._clients: dict[_Key, LangflowClient] = {}

    def client(
        self,
        connection: Connection,
        token: str | None,
        verify: bool | str = True,
        timeout: Timeouts | None = None,
    ) -> LangflowClient:
        """The client for this key (TLSError for a CA bundle that cannot be read,
        LangflowError for an address no request can go to)."""
        timeouts = timeout or Timeouts()
        key = (connection, token or None, verify, timeouts)
        found = self._clients.get(key)
        if found is None:
            found = self._factory(connection, token or None, verify=verify, timeout=timeouts)
            self._clients[key] = found
        return found

    def get(self, profile: Profile, token: str | None) -> LangflowClient:
        """The client for ``profile`` with ``token`` (RequestError for a bad address)."""
        return self.client(profile.connection(), token, profile.tls_verify(), timeouts_of(profile))

    async def aclose(self) -> None:
        """Close every client (at shutdown)."""
        clients = list(self._clients.values())
        self._clients.clear()
        for client in clients:
            with contextlib.suppress(Exception):
                await client.aclose()
