"""The native health probe asks what compose.yaml's healthcheck asks: one URL, or each URL of a
CMD-SHELL check in turn (traefik-k8s: a route per provider), healthy only when every one is.

A failure means `make up` would call traefik-k8s healthy while a provider still routes nothing,
or never call it healthy.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from proxylab.native.probe import probe


class _Answers(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(200 if self.path == "/ready" else 404)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_one_url(server: str) -> None:
    assert probe(f"{server}/ready", timeout=2) == (True, "200")
    assert probe(f"{server}/missing", timeout=2) == (False, "HTTP 404")


def test_several_urls_are_healthy_only_together(server: str) -> None:
    assert probe(f"{server}/ready {server}/ready", timeout=2)[0]
    ok, said = probe(f"{server}/ready {server}/missing", timeout=2)
    assert not ok
    assert said == f"{server}/missing: HTTP 404"
