"""A WSGI application served on 127.0.0.1 in a background thread: how every fake of
every cloud listens (loopback only, an ephemeral port)."""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server


class LocalServer:
    """Serves ``app`` on 127.0.0.1 until stopped."""

    def __init__(self, app: Any, port: int = 0) -> None:
        self._server: BaseWSGIServer = make_server("127.0.0.1", port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The endpoint URL to give a client."""
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> LocalServer:
        """Start serving."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._thread.join(timeout=5)
