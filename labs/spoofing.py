"""The spoofing suite: forged forwarding headers against every route, and what the app believes.

What: `python -m labs.spoofing [--update]` sends, from 127.0.0.77 (an address no app trusts),
GET {P}/app through every route of compose.yaml with each forged header set in CASES: straight
to the apps (8000 trusts exactly the proxies, 8003 trusts `*`) and through every Traefik and
Nginx route (9051/9151 lead to the trust-all app). Each answer becomes one cell,
`<status> <client> <scheme> <host>` (what the app believes: request.client.host, the scheme and
the host of request.url), or `<status> (proxy)` when the proxy answered instead of the app (no
X-Proxylab-Instance header). The table is compared with labs/expected/spoofing.json; `--update`
records it instead (review every row before committing).
When: after `make up`; tests/labs/test_spoofing.py runs the comparison on the live stack.
Why: which forged header wins depends on three parties (the proxy's own policy, uvicorn's
--forwarded-allow-ips and the order it reads X-Forwarded-For in); a table over every route
shows all of them at once, and an upgrade that changes one cell fails CI.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlsplit

from labs.context import CLIENT_SOURCE, Context, detect
from labs.expectation_file import read_expectation, write_expectation
from labs.http import Request, Response, send
from proxylab import compose
from proxylab.compose import Route, Stack
from proxylab.paths import REPO

EXPECTED_FILE = REPO / "labs" / "expected" / "spoofing.json"
INSTANCE_HEADER = "x-proxylab-instance"
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
    "all": {"X-Forwarded-For": FORGED_CLIENT, "X-Forwarded-Proto": "https", "X-Forwarded-Host": FORGED_HOST,
            "Forwarded": f"for={FORGED_CLIENT};proto=https;host={FORGED_HOST}", "X-Real-IP": FORGED_CLIENT},
}
HOSTILE = [name for name in CASES if name != "none"]

Table = dict[str, dict[str, str]]  # route key → case → cell


def route_key(route: Route) -> str:
    return f"{route.port} {route.label}"


def probe(stack: Stack, context: Context) -> Table:
    """Every route × every case, in compose.yaml's order."""
    return {route_key(route): {case: _cell(route, stack, context, headers) for case, headers in CASES.items()} for route in stack.routes}


def _cell(route: Route, stack: Stack, context: Context, headers: dict[str, str]) -> str:
    base = route.base_url + ("" if route.is_direct else stack.prefix)
    response = send(Request(f"{base}/app", headers=headers, source=CLIENT_SOURCE))
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
    return context.normalize(f"{client} {body.get('scheme')} {host}", upstreams=[] if route.is_direct else [route.app])


def reached_app(table: Table) -> tuple[int, int]:
    """(hostile requests tried, how many the app answered itself) over the whole table."""
    cells = [cells[case] for cells in table.values() for case in HOSTILE]
    return len(cells), sum(1 for cell in cells if cell[:3].isdigit() and "(proxy)" not in cell)


def differences(expected: Table, actual: Table, cases=CASES) -> list[tuple[str, str, str, str]]:
    """(route, case, expected, actual) for every cell that differs, missing routes included."""
    found = []
    for route in [*actual, *(key for key in expected if key not in actual)]:
        for case in cases:
            was = expected.get(route, {}).get(case, "(not recorded)")
            now = actual.get(route, {}).get(case, "(no route)")
            if was != now:
                found.append((route, case, was, now))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m labs.spoofing", description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="record the live table as the expectation")
    parser.add_argument("--expected", type=Path, default=EXPECTED_FILE)
    args = parser.parse_args(argv)
    stack = compose.load()
    table = probe(stack, detect(stack))
    tried, reached = reached_app(table)
    print(f"{tried} hostile requests ({len(HOSTILE)} cases × {len(table)} routes); {reached} reached the app")
    if args.update:
        write_expectation(args.expected, table)
        print(f"recorded {args.expected}; review every row before committing it")
        return 0
    found = differences(read_expectation(args.expected, "python -m labs.spoofing --update"), table)
    for route, case, was, now in found:
        print(f"{route} | {case} | expected {was} | actual {now}")
    print("the live table matches" if not found else f"{len(found)} differences; if expected, review and run with --update")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
