"""The spoofing suite (suites/spoofing.py): forged forwarding headers through every route.

suites/expected/spoofing.json was recorded with `python -m suites.spoofing --update` and reviewed row
by row against uvicorn 0.55's middleware/proxy_headers.py (X-Forwarded-For read from the right,
stopping at the first untrusted hop; with `*` the leftmost entry; X-Forwarded-Proto only from a
trusted peer; X-Forwarded-Host, Forwarded and X-Real-IP never read) and the proxies' documented
behaviour (Traefik and Caddy replace X-Forwarded-* from untrusted clients; Nginx appends to
X-Forwarded-For with $proxy_add_x_forwarded_for and forwards unset headers unchanged; HAProxy's
`option forwardfor` adds one more X-Forwarded-For line and passes every other header unchanged,
so its normal routes set X-Forwarded-Proto themselves and 9350 shows the default).
"""

from __future__ import annotations

import json

import pytest

from proxylab import compose
from suites.spoofing import CASES, EXPECTED_FILE, FORGED_CLIENT, probe, reached_app
from suites.table import compare, render_diff, running_rows

RECORDED = json.loads(EXPECTED_FILE.read_text())

# The rows a reviewer must not lose: the only places a forgery wins, each with its reason.
SPOOFED = {
    # app-trust-all believes anyone: the leftmost X-Forwarded-For entry and any X-Forwarded-Proto.
    ("8003 app-trust-all/direct-app-trust-all", "all"): f"200 {FORGED_CLIENT} https 127.0.0.1:8003",
    # Nginx's defaults set no X-Forwarded-*: the client's own headers reach an app that trusts Nginx.
    (
        "9120 nginx/defaults-strip-to-app-server-root-path",
        "all",
    ): f"200 {FORGED_CLIENT} https {{upstream:app-server-root-path}}",
    # Lab 16's copies of 9120's defaults, through an upstream{} block (9125, and 9171 on Debian
    # bookworm's 1.22.1) and on 1.22.1 (9170): no proxy_set_header, so the same forgeries win on
    # every version; the Host they send is the upstream block's name ($proxy_host).
    (
        "9125 nginx/upstream-defaults-strip-to-app-server-root-path",
        "all",
    ): f"200 {FORGED_CLIENT} https app-server-root-path-pool",
    (
        "9170 nginx-bookworm/defaults-strip-to-app-server-root-path",
        "all",
    ): f"200 {FORGED_CLIENT} https {{upstream:app-server-root-path}}",
    (
        "9171 nginx-bookworm/upstream-defaults-strip-to-app-server-root-path",
        "all",
    ): f"200 {FORGED_CLIENT} https app-server-root-path-pool",
    # Nginx appends the real peer, but `*` reads the list from the left: the forged entry wins.
    ("9151 nginx/strip-to-app-trust-all", "x-forwarded-for"): f"200 {FORGED_CLIENT} http 127.0.0.1:9151",
    # Traefik replaces the forged headers before even the trust-all app sees them.
    ("9051 traefik/strip-to-app-trust-all", "all"): "200 {client} http 127.0.0.1:9051",
    # Lab 12: forwardedHeaders.insecure passes the client's X-Forwarded-Proto to an app that trusts
    # Traefik; the forged address still loses, because Traefik appends the real peer after it.
    ("9062 traefik/chain-insecure", "all"): "200 {client} https 127.0.0.1:9062",
    # Lab 15: the FastAPI docs' `fastapi run --forwarded-allow-ips="*"` is app-trust-all again:
    # straight to it anyone's headers win; through Nginx the forged leftmost entry wins (plain
    # and TLS); Traefik replaces them first (9009, 9046). Trusting only the proxies, 8019/9119/9147
    # believe nothing forged.
    ("8009 app-fastapi-run/direct-app-fastapi-run", "all"): f"200 {FORGED_CLIENT} https 127.0.0.1:8009",
    ("9109 nginx/strip-to-app-fastapi-run", "x-forwarded-for"): f"200 {FORGED_CLIENT} http 127.0.0.1:9109",
    ("9146 nginx/tls-strip-to-app-fastapi-run", "all"): f"200 {FORGED_CLIENT} https 127.0.0.1:9146",
    # HAProxy's default (option forwardfor only): the forged X-Forwarded-Proto reaches an app that
    # trusts HAProxy; the forged X-Forwarded-For loses to the line HAProxy adds after it.
    ("9350 haproxy/defaults-strip-to-app-server-root-path", "all"): "200 {client} https 127.0.0.1:9350",
    (
        "9350 haproxy/defaults-strip-to-app-server-root-path",
        "x-forwarded-for",
    ): "200 {client} http 127.0.0.1:9350",
}

# Rows where a proxy's own setting is what stops the forgery, so losing it must fail loudly.
FIXED = {
    # Caddy replaces X-Forwarded-For/-Proto/-Host from a client outside trusted_proxies, unasked.
    ("9202 caddy/strip-to-app-server-root-path", "all"): "200 {client} http 127.0.0.1:9202",
    # HAProxy's normal routes: `http-request set-header X-Forwarded-Proto http` replaces the forgery.
    ("9302 haproxy/strip-to-app-server-root-path", "all"): "200 {client} http 127.0.0.1:9302",
    # ingress-nginx's rewrite route includes the same forwarded-headers snippet as the others.
    ("9162 nginx/ingress-strip-to-app-server-root-path", "all"): "200 {client} http 127.0.0.1:9162",
}


def test_every_route_and_case_is_recorded() -> None:
    """A route of compose.yaml (or a case) has no reviewed row: run `python -m suites.spoofing --update`."""
    stack = compose.load(profiles=compose.ALL_PROFILES)
    assert list(RECORDED) == [route.key for route in stack.routes]
    assert all(list(cells) == list(CASES) for cells in RECORDED.values())


@pytest.mark.parametrize(
    ("where", "cell"), [*SPOOFED.items(), *FIXED.items()], ids=lambda value: str(value)[:40]
)
def test_the_reviewed_spoofing_rows(where: tuple[str, str], cell: str) -> None:
    """The recorded table lost a reviewed finding (see the comment above its row in SPOOFED)."""
    route, case = where
    assert RECORDED[route][case] == cell


def test_no_forged_header_is_believed_elsewhere() -> None:
    """A forged client or scheme wins on a route nobody reviewed as spoofable."""
    spoofable = {route for (route, _), cell in SPOOFED.items() if FORGED_CLIENT in cell or " https " in cell}
    for route, cells in RECORDED.items():
        if route in spoofable:
            continue
        assert not any(FORGED_CLIENT in cell for cell in cells.values()), route
        if "tls-" not in route:
            assert not any(" https " in cell for cell in cells.values()), route


@pytest.mark.stack
def test_the_live_table_matches_the_reviewed_one(running_stack, live_context) -> None:
    """uvicorn or a proxy (Traefik, Nginx, Caddy, HAProxy) now believes (or drops) a forged header
    differently."""
    live = probe(running_stack, live_context)
    found = compare(running_rows(RECORDED, running_stack), live)
    assert not found, render_diff(found, "suites/expected/spoofing.json and the live table")
    tried, reached = reached_app(live)
    assert tried == 6 * len(running_stack.routes) and reached == tried
