"""Odd paths and hostile inputs through every route (suites/oddpaths.py).

suites/expected/oddpaths.json was recorded with `python -m suites.oddpaths --update` and reviewed
route by route: Traefik cleans `//` and dot segments before routing (then 404s what no router
matches), and its PathPrefix(`/api/v1`) also matches /api/v10 (stripPrefix leaves /0/app); Nginx
merges slashes, resolves dot segments and decoded %2e%2e, redirects /api/v1 to /api/v1/, and
refuses a request line over its 8k buffer (414) and a header line over one 8k buffer (400);
Traefik refuses a header block over its 1 MiB maxHeaderBytes itself (431); that 1.2 MB case is
not sent straight to uvicorn, whose early 400 reaches the client or not depending on the
transport (native loopback resets, Docker's publishing delivers it). For an absolute-form target, Traefik
takes the host from the request line (Go's readRequest) while Nginx's routes send the Host
header as the client wrote it ($http_host), and uvicorn (h11) takes the absolute form as a
literal path. Caddy's path matchers compare the decoded, cleaned path (so %2F, `//` and dot
segments act like Nginx's), handle_path does not match /api/v10 or /api/v1, and its routes' own
fallback answers 404. HAProxy normalizes nothing: path_beg sees `//`, `..` and %2F as sent (so
dot segments reach the app), it refuses an absolute-form target whose host differs from Host
(400), and it forwards an absolute-form target as such after set-path. The ingress-nginx regex
also matches /api/v1 itself, which reaches the app as `/`. The 1.2 MB header is not sent through
HAProxy: it answers 400 and closes while the client is still writing, so whether the client reads
the 400 or a broken pipe is timing (suites/oddpaths.py, NOT_SENT_RACE); Caddy answers 431 like
Traefik.
"""

from __future__ import annotations

import json

import pytest

from proxylab import compose
from suites.oddpaths import CASES, EXPECTED_FILE, probe
from suites.table import compare, render_diff, running_rows

pytestmark = pytest.mark.stack
RECORDED = json.loads(EXPECTED_FILE.read_text())

# Rows a reviewer must not lose, each with its reason.
PINNED = {
    # PathPrefix is a string prefix: /api/v10/app reaches the app as /0/app.
    ("9002 traefik/strip-to-app-server-root-path", "api-v10"): "404 app",
    # `location /api/v1/` does not match /api/v10: Nginx's own 404.
    ("9102 nginx/strip-to-app-server-root-path", "api-v10"): "404 nginx",
    # Nginx answers /api/v1 with a 301 to /api/v1/ (a location ending in / with proxy_pass).
    ("9102 nginx/strip-to-app-server-root-path", "no-slash"): "301 nginx",
    # Traefik: the absolute form's host replaces Host; TrustedHostMiddleware refuses evil.example.
    ("9043 traefik/tls-strip-to-app-https-redirect", "absolute-form"): "400 app",
    # Nginx's $http_host is the Host header curl sent (127.0.0.1:9143), which TrustedHost allows.
    ("9143 nginx/tls-strip-to-app-https-redirect", "absolute-form"): "200 app",
    # 12 000 bytes: under what uvicorn's h11 can ever hold (16 KiB incomplete), over one of
    # Nginx's 8 KiB large_client_header_buffers.
    ("8001 app-plain/direct-app-plain", "header-over-nginx-line"): "404 app",
    ("9102 nginx/strip-to-app-server-root-path", "header-over-nginx-line"): "400 nginx",
    # 1.2 MB: Traefik's own 431 (maxHeaderBytes, 1 MiB), Nginx's 400 (large_client_header_buffers).
    ("9002 traefik/strip-to-app-server-root-path", "header-over-proxy-limits"): "431 traefik",
    ("9102 nginx/strip-to-app-server-root-path", "header-over-proxy-limits"): "400 nginx",
    ("8001 app-plain/direct-app-plain", "header-over-proxy-limits"): "not sent (direct)",
    # handle_path /api/v1/* and path_beg /api/v1/ do not match /api/v10: each route's own 404.
    ("9202 caddy/strip-to-app-server-root-path", "api-v10"): "404 caddy",
    ("9302 haproxy/strip-to-app-server-root-path", "api-v10"): "404 haproxy",
    # ingress-nginx's `^/api/v1(/|$)(.*)` matches /api/v1 too; rewrite /$2 sends `/`: the app's 404.
    ("9162 nginx/ingress-strip-to-app-server-root-path", "no-slash"): "404 app",
    # Caddy matches the decoded path, so /api/v1%2Fapp is /api/v1/app to it; HAProxy does not decode.
    ("9202 caddy/strip-to-app-server-root-path", "encoded-slash"): "200 app",
    ("9302 haproxy/strip-to-app-server-root-path", "encoded-slash"): "404 haproxy",
    # HAProxy resolves no dot segments: /api/v1/../app passes path_beg and reaches the app.
    ("9302 haproxy/strip-to-app-server-root-path", "dot-dot"): "404 app",
    # HAProxy refuses a request line whose authority differs from the Host header.
    ("9302 haproxy/strip-to-app-server-root-path", "absolute-form"): "400 haproxy",
}


def test_every_route_and_case_is_recorded() -> None:
    """A route of compose.yaml (or a case) has no reviewed row: run `python -m suites.oddpaths --update`."""
    assert list(RECORDED) == [route.key for route in compose.load(profiles=compose.ALL_PROFILES).routes]
    assert all(list(cells) == list(CASES) for cells in RECORDED.values())


@pytest.mark.parametrize(("row", "case"), PINNED, ids=[f"{r.split()[0]}-{c}" for r, c in PINNED])
def test_the_reviewed_rows_are_still_recorded(row: str, case: str) -> None:
    """Each of these cells was explained from the proxies' documentation; re-recording must not lose it."""
    assert RECORDED[row][case] == PINNED[(row, case)]


def test_odd_inputs_never_break_the_app_and_match_the_record(running_stack) -> None:
    """An app 5xx or a traceback means hostile input got past every layer and broke the app; a
    changed cell means a proxy or server now treats that input differently (review, then
    `python -m suites.oddpaths --update`)."""
    stack = compose.load()
    table, problems = probe(stack)
    assert not problems, "\n".join(problems)
    found = compare(running_rows(RECORDED, stack), table)
    assert not found, render_diff(found, "suites/expected/oddpaths.json and the live table")
