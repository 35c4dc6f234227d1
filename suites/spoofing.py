"""The spoofing suite: forged forwarding headers against every route, and what the app believes.

What: `python -m suites.spoofing [--update]` sends, from 127.0.0.77 (an address no app trusts),
GET {P}/app through every route of compose.yaml with each forged header set in CASES: straight
to the apps (8000 trusts exactly the proxies, 8003 trusts `*`) and through every proxy's
routes (9051/9151 lead to the trust-all app). Each answer becomes one cell,
`<status> <client> <scheme> <host>` (what the app believes: request.client.host, the scheme and
the host of request.url), or `<status> (proxy)` when the proxy answered instead of the app (no
X-Proxylab-Instance header). The table is compared with suites/expected/spoofing.json; `--update`
records it instead (review every row before committing).
When: after `make up`; tests/suites/test_spoofing.py runs the comparison on the live stack.
Why: which forged header wins depends on three parties (the proxy's own policy, uvicorn's
--forwarded-allow-ips and the order it reads X-Forwarded-For in); a table over every route
shows all of them at once, and an upgrade that changes one cell fails CI.
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

from instruments.client import Request, Response, send
from proxylab.compose import Route, Stack
from proxylab.context import CLIENT_SOURCE, Context, connect
from proxylab.paths import REPO
from suites.table import INSTANCE_HEADER, Table, compare_or_record

EXPECTED_FILE = REPO / "suites" / "expected" / "spoofing.json"
FORGED_CLIENT = "203.0.113.9"  # TEST-NET-3: an address the client claims to be
FORGED_HOST = "evil.example"

# The baseline (nothing forged), then one forgery per case; each is a header set a client sends.
CASES: dict[str, dict[str, str]] = {
    "none": {},
    "x-forwarded-for": {"X-Forwarded-For": FORGED_CLIENT},
    "x-forwarded-proto": {"X-Forwarded-Proto": "https"},
    "x-forwarded-host": {"X-Forwarded-Host": FORGED_HOST},
    "forwarded": {"Forwarded": f"for={FORGED_CLIENT};proto=https;host={FORGED_HOST}"},
    "x-real-ip": {"X-Real-IP": FORGED_CLIENT},
    "all": {
        "X-Forwarded-For": FORGED_CLIENT,
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": FORGED_HOST,
        "Forwarded": f"for={FORGED_CLIENT};proto=https;host={FORGED_HOST}",
        "X-Real-IP": FORGED_CLIENT,
    },
}
HOSTILE = [name for name in CASES if name != "none"]


def probe(stack: Stack, context: Context, routes: list[Route] | None = None) -> Table:
    """Every route (or those of `routes`: make drift's proxy axis) × every case, in compose.yaml's order."""
    return {
        route.key: {case: _cell(route, stack, context, headers) for case, headers in CASES.items()}
        for route in (stack.routes if routes is None else routes)
    }


def _cell(route: Route, stack: Stack, context: Context, headers: dict[str, str]) -> str:
    response = send(Request(route.url("/app"), headers=headers, source=CLIENT_SOURCE))
    if response.status is None:
        return f"no answer ({response.error})"
    if INSTANCE_HEADER not in response.headers:
        return f"{response.status} (proxy)"
    return f"{response.status} {_believed(route, context, response)}"


def _believed(route: Route, context: Context, response: Response) -> str:
    body = response.json if isinstance(response.json, dict) else {}
    client, url = body.get("client_host"), body.get("url")
    if client is None:
        return "(app, no echo)"
    if not route.is_direct and client == context.value("source", route.proxy):
        client = f"{{source:{route.proxy}}}"
    host = urlsplit(url).netloc if url else "—"
    # Like the matrix: a direct route's host is its published port, the same on both backends;
    # through a proxy it may be the upstream's address (Nginx's default Host $proxy_host).
    return context.normalize(
        f"{client} {body.get('scheme')} {host}", upstreams=[] if route.is_direct else [route.app]
    )


def reached_app(table: Table) -> tuple[int, int]:
    """(hostile requests tried, how many the app answered itself) over the whole table."""
    cells = [cells[case] for cells in table.values() for case in HOSTILE]
    return len(cells), sum(1 for cell in cells if cell[:3].isdigit() and "(proxy)" not in cell)


def _suite(stack: Stack) -> tuple[Table, list[str], str]:
    table = probe(stack, connect(stack))
    tried, reached = reached_app(table)
    return (
        table,
        [],
        f"{tried} hostile requests ({len(HOSTILE)} cases × {len(table)} routes); {reached} reached the app",
    )


def main(argv: list[str] | None = None) -> int:
    return compare_or_record("python -m suites.spoofing", __doc__, EXPECTED_FILE, _suite, argv)


if __name__ == "__main__":
    sys.exit(main())
