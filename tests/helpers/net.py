"""Loopback networking for tests: free ports, and the base of the test servers."""

from __future__ import annotations

import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (free when this returns)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    quiet = False  # every handler error is expected (a hostile server's clients hang up)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-reply (the cancel and limit tests do) is expected.
        if self.quiet or isinstance(sys.exc_info()[1], ConnectionError | BrokenPipeError):
            return
        super().handle_error(request, client_address)


class LoopbackServer:
    """Base of the test servers: HTTP on 127.0.0.1 (a free port), served from a daemon
    thread until ``stop``."""

    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def serve(self, handler: type[BaseHTTPRequestHandler], *, quiet: bool = False) -> None:
        server = _Server(("127.0.0.1", 0), handler)
        server.quiet = quiet
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
