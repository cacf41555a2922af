"""A REST fake of the Google Cloud APIs backup-audit reads, on 127.0.0.1.

Answers are shaped as the REST references give them: field names in camelCase, paging
with ``pageToken`` / ``nextPageToken``, and errors as ``{"error": {"code", "message",
"errors": [{"reason", "domain", "message"}]}}`` (Cloud Storage's JSON API). A project can
be made to refuse (403), to throttle a number of times before answering (429), or to
fail (503). Every request is recorded, so tests can prove what was (not) sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

FaultKind = Literal["denied", "throttled", "unavailable"]
_FAULTS: dict[str, tuple[int, str, str]] = {
    "denied": (403, "forbidden", "does not have storage.buckets.list access to the project"),
    "throttled": (429, "rateLimitExceeded", "The project exceeded the rate limit"),
    "unavailable": (503, "backendError", "Backend Error"),
}


@dataclass
class Fault:
    """How a project misbehaves: ``times`` answers of this kind, then normal ones."""

    kind: FaultKind
    times: int = 1_000_000


@dataclass
class GcpState:
    """What the fake holds: buckets per project (as ``buckets.list`` items), faults."""

    buckets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    faults: dict[str, Fault] = field(default_factory=dict)
    page_size: int = 50
    requests: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    state: GcpState

    def log_message(self, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:
        self._record()
        url = urlsplit(self.path)
        if url.path != "/storage/v1/b":
            return self._error(404, "notFound", f"No such route: GET {url.path}")
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        project = query.get("project", "")
        if self._faulted(project):
            return None
        items = sorted(self.state.buckets.get(project, []), key=lambda b: b["name"])
        start = int(query.get("pageToken") or 0)
        size = min(int(query.get("maxResults") or self.state.page_size), self.state.page_size)
        page: dict[str, Any] = {"kind": "storage#buckets", "items": items[start : start + size]}
        if start + size < len(items):
            page["nextPageToken"] = str(start + size)
        return self._json(200, page)

    def do_POST(self) -> None:
        self._record()
        self._error(405, "methodNotAllowed", "The fake answers reads only")

    do_PUT = do_PATCH = do_DELETE = do_POST

    def _record(self) -> None:
        with self.state.lock:
            self.state.requests.append((self.command, urlsplit(self.path).path))

    def _faulted(self, project: str) -> bool:
        with self.state.lock:
            fault = self.state.faults.get(project)
            if fault is None or fault.times <= 0:
                return False
            fault.times -= 1
        code, reason, message = _FAULTS[fault.kind]
        self._error(code, reason, f"{message} ({project})")
        return True

    def _error(self, code: int, reason: str, message: str) -> None:
        body = {
            "error": {
                "code": code,
                "message": message,
                "errors": [{"message": message, "domain": "global", "reason": reason}],
            }
        }
        self._json(code, body)

    def _json(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def gcp_fake(state: GcpState) -> Iterator[str]:
    """Serve ``state`` on 127.0.0.1 (a free port) for the block; yields the endpoint."""
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
