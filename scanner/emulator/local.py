"""How every fake of every cloud listens: on 127.0.0.1, an ephemeral port, in a
background thread — a WSGI application (:class:`LocalServer`) or a REST handler
(:class:`JsonHandler` with :func:`serving`)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import SplitResult, urlsplit

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


class JsonHandler(BaseHTTPRequestHandler):
    """A quiet request handler for the REST fakes: every method goes to
    :meth:`answer`, which replies with :meth:`send_json`; the request body is read (and
    dropped) first, so a kept-alive connection stays in step."""

    def log_message(self, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.answer(method, urlsplit(self.path))

    def answer(self, method: str, url: SplitResult) -> None:
        """Reply to one request."""
        raise NotImplementedError

    def send_json(
        self, code: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        """A JSON answer with ``headers`` added."""
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler], state: Any) -> Iterator[str]:
    """Serve ``handler`` (given ``state``) on 127.0.0.1, a free port, for the block;
    yields the endpoint."""
    bound = type(handler.__name__, (handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), bound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
