"""instruments/client.py against a local server: redirect hops, the MAX_REDIRECTS cap, https with the
lab's CA, and the curl command a person would paste. No stack needed."""

from __future__ import annotations

import http.server
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from instruments import client as lab_http
from instruments.client import MAX_REDIRECTS, Request, send
from proxylab.certs import ensure_certs


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        target = "/loop" if self.path == "/loop" else "/done"
        status = 307 if self.path in ("/loop", "/once") else 200
        self.send_response(status)
        if status == 307:
            self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _serve(context: ssl.SSLContext | None = None) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"{'https' if context else 'http'}://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def plain() -> Iterator[str]:
    yield from _serve()


@pytest.fixture
def tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    ca, cert, key, _ = ensure_certs(tmp_path)
    monkeypatch.setattr(lab_http, "CA_PATH", ca)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    yield from _serve(context)


def test_every_hop_is_kept(plain: str) -> None:
    """A lab would see only the last answer of a redirect chain, not where it went."""
    response = send(Request(f"{plain}/once", follow_redirects=True))
    assert (response.status, response.hops) == (200, ["/done"])


def test_a_redirect_loop_stops_after_max_redirects(plain: str) -> None:
    """Lab 08's HTTPS redirect loop would hang the runner, or stop after one hop and hide the loop."""
    response = send(Request(f"{plain}/loop", follow_redirects=True))
    assert response.status == 307 and response.hops == ["/loop"] * MAX_REDIRECTS


def test_https_is_verified_against_the_lab_ca(tls: str) -> None:
    """Lab 08's https steps would fail verification, or pass without checking anything."""
    assert send(Request(f"{tls}/done")).status == 200


def test_https_without_the_ca_is_an_error_not_a_crash(
    tls: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A missing .run/certs/ca.pem would crash the runner instead of reporting it in the step."""
    monkeypatch.setattr(lab_http, "CA_PATH", tmp_path / "missing.pem")
    response = send(Request(f"{tls}/done"))
    assert response.status is None and "missing.pem" in (response.error or "")


def test_the_curl_command_trusts_the_lab_ca() -> None:
    """The command a person pastes would fail with curl's certificate error (or use -k)."""
    command = Request("https://127.0.0.1:9041/api/v1/app", follow_redirects=True).as_curl()
    assert "--cacert .run/certs/ca.pem" in command and "--max-redirs 10" in command and " -k" not in command
