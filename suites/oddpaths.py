"""Odd paths and hostile inputs through every route: who answers, with what, and never a 5xx.

What: `python -m suites.oddpaths [--update]` sends each request of CASES from 127.0.0.77 through
every route of compose.yaml, verbatim (instruments/client.py puts the target on the wire as written).
Each answer becomes one cell, `<status> <who answered>`: `app` when the echo app answered (its
X-Proxylab-Instance header), else the proxy of the route, or the app's server on a direct route,
`uvicorn` or `hypercorn` (the server refused the request before the app saw it). The table is compared with
suites/expected/oddpaths.json; `--update` records it instead (review every row before committing).
When: after `make up`; tests/suites/test_oddpaths.py runs the comparison on the live stack and
asserts that the app never answers 5xx and no body carries a traceback.
Why: prefix matching, dot segments, encoded slashes and oversized input are where proxies and
the app disagree about what a path is; one table over every route shows which layer decides.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from instruments.client import Request, Response, send
from proxylab import proxies
from proxylab.compose import Route, Stack
from proxylab.context import CLIENT_SOURCE
from proxylab.paths import REPO
from suites.table import INSTANCE_HEADER, Table, compare_or_record

EXPECTED_FILE = REPO / "suites" / "expected" / "oddpaths.json"
LONG_PATH = "/api/v1/echo/" + "a" * 8300  # over the 8 KB many servers allow for a request line
# Two header sizes whose answers do not depend on how the bytes arrive. uvicorn (h11) refuses a
# header block only while it is still incomplete and over 16 KiB (h11's
# DEFAULT_MAX_INCOMPLETE_EVENT_SIZE), so a size near 16 KiB is accepted or refused by the timing
# of reads. 12 000 bytes: under what uvicorn can ever hold, over one of Nginx's 8 KiB
# large_client_header_buffers (Nginx 400). 1 200 000 bytes: over Traefik's and Nginx's limits (Traefik's
# 1 MiB maxHeaderBytes: its own 431; Nginx: 400). Sent through the proxies only: straight to
# uvicorn, its 400 arrives while the client is still sending, and whether the client can read it
# depends on the transport, not on uvicorn (natively the close resets the connection first;
# Docker's port publishing reads the whole request and delivers the 400).
HEADER_OVER_NGINX_LINE = "a" * 12_000
HEADER_OVER_PROXY_LIMITS = "a" * 1_200_000
NOT_SENT = "not sent (direct)"
# HAProxy refuses the 1.2 MB header block with a 400 and closes at once, often while the client is
# still writing: the client then sees a broken pipe (an SSL EOF over TLS) instead of the 400, by
# timing alone. Like the direct case, the answer would measure the transport, so it is not sent.
NOT_SENT_RACE = "not sent (the refusal races the upload)"


@dataclass(frozen=True)
class Case:
    target: str  # the request target, exactly as sent
    headers: dict[str, str] = field(default_factory=dict)
    proxies_only: bool = False  # not sent on direct routes (cell NOT_SENT), for the reason given at the case
    # Proxies (by kind: every haproxy:<tag> service) whose answer to it depends on timing (NOT_SENT_RACE).
    racy_through: frozenset[str] = frozenset()


CASES: dict[str, Case] = {
    # PathPrefix and `location /api/v1/` disagree about whether /api/v10 is under /api/v1.
    "api-v10": Case("/api/v10/app"),
    "no-slash": Case("/api/v1"),
    "double-slash": Case("//api/v1/app"),
    "dot-dot": Case("/api/v1/../app"),
    "encoded-dot-dot": Case("/api/v1/%2e%2e/app"),
    "encoded-slash": Case("/api/v1%2Fapp"),
    "long-path": Case(LONG_PATH),
    "header-over-nginx-line": Case("/api/v1/app", {"X-Filler": HEADER_OVER_NGINX_LINE}),
    "header-over-proxy-limits": Case(
        "/api/v1/app",
        {"X-Filler": HEADER_OVER_PROXY_LIMITS},
        proxies_only=True,
        racy_through=frozenset({"haproxy"}),
    ),
    "invalid-host": Case("/api/v1/app", {"Host": "bad host"}),
    # The request line names another host (RFC 9112 3.2.2: servers must accept the absolute form);
    # the Host header is curl's, the route's own address, so the two disagree.
    "absolute-form": Case("http://evil.example/api/v1/app"),
}


def probe(stack: Stack) -> tuple[Table, list[str]]:
    """Every route × every case, and the problems no route may show (app 5xx, tracebacks)."""
    table: Table = {}
    problems: list[str] = []
    for route in stack.routes:
        cells = {}
        for name, case in CASES.items():
            if case.proxies_only and route.is_direct:
                cells[name] = NOT_SENT
                continue
            if _kind(stack, route) in case.racy_through:
                cells[name] = NOT_SENT_RACE
                continue
            response = send(
                Request(route.base_url + "/", headers=case.headers, source=CLIENT_SOURCE, target=case.target)
            )
            cells[name] = _cell(route, response, _server(stack, route))
            problems += _problems(route.key, name, response)
        table[route.key] = cells
    return table, problems


def _kind(stack: Stack, route: Route) -> str | None:
    """The route's proxy as the table in proxylab/proxies names it: haproxy-bookworm is a haproxy."""
    proxy = proxies.of_service(stack.services[route.proxy]) if route.proxy else None
    return proxy.name if proxy else None


def _cell(route: Route, response: Response, server: str) -> str:
    if response.status is None:
        return f"no answer ({(response.error or '').split(':')[0]})"
    if INSTANCE_HEADER in response.headers:
        return f"{response.status} app"
    return f"{response.status} {route.proxy or server}"


def _server(stack: Stack, route: Route) -> str:
    """The ASGI server behind a route's app: Hypercorn, or uvicorn (also under app.serve and
    `fastapi run`)."""
    command = stack.services[route.app].command or []
    return "hypercorn" if command[:1] == ["hypercorn"] else "uvicorn"


def _problems(key: str, case: str, response: Response) -> list[str]:
    found = []
    if INSTANCE_HEADER in response.headers and (response.status or 0) >= 500:
        found.append(f"{key} | {case}: the app answered {response.status}")
    if "Traceback (most recent call last)" in response.text:
        found.append(f"{key} | {case}: a traceback in the response body")
    return found


def reached_app(table: Table) -> tuple[int, int]:
    """(requests tried, how many the app itself answered)."""
    cells = [
        cell for cells in table.values() for cell in cells.values() if cell not in (NOT_SENT, NOT_SENT_RACE)
    ]
    return len(cells), sum(1 for cell in cells if cell.endswith(" app"))


def _suite(stack: Stack) -> tuple[Table, list[str], str]:
    table, problems = probe(stack)
    tried, reached = reached_app(table)
    return (
        table,
        problems,
        f"{tried} odd requests ({len(CASES)} cases × {len(table)} routes); {reached} reached the app",
    )


def main(argv: list[str] | None = None) -> int:
    return compare_or_record("python -m suites.oddpaths", __doc__, EXPECTED_FILE, _suite, argv)


if __name__ == "__main__":
    sys.exit(main())
