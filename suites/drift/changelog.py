"""The changelog entries the drift grid is built around, each checked against its release.

What: `CHANGES` lists, per component and the release that first shipped it, the pull request (or,
for a proxy, its upstream changelog) and what it changed that the lab can show;
`references(component, before, after)` returns the entries a step from one version to another
crosses. The drift report names them next to every cell that changed in that step, and says so
when a cell changed with no entry listed here. A proxy's entry quotes its changelog's own words
(`quote`): the release unpacked from Debian ships that changelog, and
tests/suites/test_drift.py finds the quote in it, under that version's heading.
When: written once per entry, after reading the pull request and the released code, or the
proxy's changelog (the sentence after each entry says where); `make drift` reads it.
Why: "it changed" is only useful with "because of this", and a list kept by hand can be wrong,
so the grid measures and this list only explains: a listed entry whose step changes no cell is
reported too, as "not visible in the grid's cells".
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.version import Version


@dataclass(frozen=True)
class Change:
    component: str
    version: str  # the first release that has it
    reference: str  # the pull request, or the proxy's upstream changelog
    summary: str
    quote: str = ""  # a proxy's entry: the words of its changelog, checked against the release's copy

    def __str__(self) -> str:
        return f"{self.component} {self.version}: {self.summary} ({self.reference})"


CHANGES: tuple[Change, ...] = (
    # PR merged 2024-01, released in 0.26.0: h11_impl/httptools_impl build scope["path"] as
    # root_path + the request's path (0.25.0's protocols put the bare path there).
    Change(
        "uvicorn",
        "0.26.0",
        "https://github.com/Kludex/uvicorn/pull/2213",
        '--root-path is prepended to scope["path"], as the ASGI spec says',
    ),
    # 0.28.0's changelog: "Use X-Forwarded-Proto for WebSockets scheme when the proxy provides it":
    # before it, a websocket's scheme was wss only for X-Forwarded-Proto https, so Traefik's wss became ws.
    Change(
        "uvicorn",
        "0.28.0",
        "https://github.com/Kludex/uvicorn/pull/2258",
        "a websocket's X-Forwarded-Proto wss is believed (Traefik's wss was read as ws)",
    ),
    # 0.31.0's changelog: "Improve ProxyHeadersMiddleware (#2468)": IP networks as trusted hosts,
    # the client on the proxy's own host, an empty X-Forwarded-For keeps the peer.
    Change(
        "uvicorn",
        "0.31.0",
        "https://github.com/Kludex/uvicorn/pull/2468",
        "ProxyHeadersMiddleware rewritten: CIDR networks in forwarded_allow_ips",
    ),
    # Issue #2477: 0.31.0 compared trusted_hosts == "*", so `*` given as a list (gunicorn's
    # --forwarded-allow-ips) stopped trusting everyone; the string form (FORWARDED_ALLOW_IPS=*,
    # what compose.yaml uses) kept working.
    Change(
        "uvicorn",
        "0.31.1",
        "https://github.com/Kludex/uvicorn/pull/2480",
        "`*` in a list of trusted hosts trusts everyone again",
    ),
    # The X-Forwarded-For entry's own port (1.2.3.4:1024) becomes the client port instead of 0
    # (issue #2789). Checked in the released code: 0.45.0's proxy_headers.py adds _parse_host_port
    # and get_trusted_client_address where 0.44.0 set port = 0; the PR number is the one the
    # changelog gives, not found among the threads searched.
    Change(
        "uvicorn",
        "0.45.0",
        "https://github.com/Kludex/uvicorn/pull/2903",
        "the client port written in X-Forwarded-For is kept",
    ),
    # PR merged 2026-05: X-Forwarded-For / -Proto sent more than once are ignored altogether.
    Change(
        "uvicorn",
        "0.48.0",
        "https://github.com/Kludex/uvicorn/pull/2944",
        "duplicate X-Forwarded-For/-Proto headers are ignored",
    ),
    # PR merged 2026-06: repeated X-Forwarded-For fields are joined (RFC 9110 5.3); -Proto keeps the last.
    Change(
        "uvicorn",
        "0.49.0",
        "https://github.com/Kludex/uvicorn/pull/2971",
        "duplicate X-Forwarded-For fields are joined, -Proto keeps the last",
    ),
    # Starlette 0.33.0: routing and mounts no longer rewrite scope["path"]/["root_path"]; a
    # Mount adds to root_path and keeps the full path (route_root_path was its first spelling).
    Change(
        "starlette",
        "0.33.0",
        "https://github.com/Kludex/starlette/pull/2352",
        "routing stops overwriting path and root_path",
    ),
    # Starlette 0.35.0: get_route_path strips root_path from path, so path must include root_path.
    Change(
        "starlette",
        "0.35.0",
        "https://github.com/Kludex/starlette/pull/2400",
        "path includes root_path; routes match path minus root_path",
    ),
    # Issue #2599: root_path /product also stripped from /products; 0.38.4 strips it only on a
    # segment boundary.
    Change(
        "starlette",
        "0.38.4",
        "https://github.com/Kludex/starlette/pull/2600",
        "root_path is stripped only on a segment boundary",
    ),
    # nginx's CHANGES, "Changes with nginx 1.29.7" (root/usr/share/doc/nginx/changelog.gz of the
    # unpacked 1.30.6): HTTP/1.1 with keepalive to upstreams, no "Connection: close". Only 9120
    # (Nginx's defaults) leaves proxy_http_version unset; it held SSE back on 1.22 and 1.26.
    Change(
        "nginx",
        "1.29.7",
        "https://nginx.org/en/CHANGES",
        "proxy_http_version defaults to 1.1, keepalive on: Nginx's defaults stream SSE",
        quote='the default value for "proxy_http_version" is "1.1"',
    ),
    # HAProxy's CHANGELOG, 3.2-dev17 (root/usr/share/doc/haproxy/changelog.gz of the unpacked
    # 3.2.26; not in 3.0.11's): a Host header with characters RFC 9110 forbids gets HAProxy's own
    # 400. The odd-paths suite shows it (its invalid-host case, suites/oddpaths.py); no probe of the matrix or
    # the spoofing table sends such a Host.
    Change(
        "haproxy",
        "3.2-dev17",
        "https://www.haproxy.org/download/3.2/src/CHANGELOG",
        "a Host header with forbidden characters is refused with HAProxy's own 400",
        quote="BUG/MEDIUM: h1/h2/h3: reject forbidden chars in the Host header field",
    ),
    # Traefik's CHANGELOG.md, "v3.6.0" (in the module of the pinned 3.6.12): passive health checks.
    # traefik/dynamic/replicas.yml uses them (lab 07); before 3.6 the file provider refuses the
    # file ("field not found, node: passiveHealthCheck", seen in 3.0.4's and 3.3.5's logs) and
    # loads no router at all, so every Traefik route answers Traefik's own 404 there: the grid's
    # Traefik 3.0 and 3.3 columns measure a refused config, not a routing behaviour.
    Change(
        "traefik",
        "3.6.0",
        "https://github.com/traefik/traefik/pull/11351",
        "passive health checks; older releases refuse traefik/dynamic/replicas.yml and route nothing",
    ),
    # FastAPI 0.109.0's pyproject: starlette>=0.35.0,<0.36.0 (0.108.0: >=0.29.0,<0.33.0).
    Change(
        "fastapi",
        "0.109.0",
        "https://github.com/fastapi/fastapi/releases/tag/0.109.0",
        "requires Starlette 0.35 (root_path in path)",
    ),
    # fastapi/applications.py, setup()'s openapi route, read in the 0.132.0 and 0.132.1 wheels:
    # 0.132.0 inserts the request's root_path into self.servers and returns self.openapi(), which
    # the first call caches, so every later caller gets the first caller's servers; 0.132.1 copies
    # the cached schema per request (`schema = dict(schema)`) and puts this request's root_path
    # first. Only an app whose root_path differs between requests (X-Forwarded-Prefix) can tell.
    Change(
        "fastapi",
        "0.132.1",
        "https://github.com/fastapi/fastapi/releases/tag/0.132.1",
        "/openapi.json's servers follow each request's root_path (before: the first request's, cached)",
    ),
)


def references(component: str, before: str, after: str) -> list[Change]:
    """Entries of `component` released after `before`, up to and including `after` (either way)."""
    low, high = sorted((Version(before), Version(after)))
    return [c for c in CHANGES if c.component == component and low < Version(c.version) <= high]
