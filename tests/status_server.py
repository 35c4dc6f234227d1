"""A little HTTP server on 127.0.0.1 that answers each path with a status of a table: what the
health-probe tests (the app's `app.probe`, the native backend's `probe()`) ask."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def serving(statuses: Mapping[str, int]) -> Iterator[str]:
    """Its base URL while it runs: GET path answers statuses[path] (a 307 points at /ok)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            status = statuses[self.path]
            self.send_response(status)
            if status == 307:
                self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep test output quiet
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
