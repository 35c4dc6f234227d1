"""Backend-dependent values in the matrix's cells: written as placeholders, and what they stood for.

What: `normalize(route, context, name, value)` turns a live cell into the committed form
({client}, {upstream:SVC}, {source:PROXY}, proxylab/context.py); `placeholders(routes, context)`
is the reverse table for one run ("{client}" → "127.0.0.77" natively), which reports/matrix.json
keeps so a reader sees the values the placeholders stand for.
When: probe.py normalizes every cell; suites/matrix/record.py writes the table.
Why: one committed expectation holds for native and Compose only if the backend's own addresses
are placeholders; a person reading one run's matrix wants the addresses, not the placeholders.
"""

from __future__ import annotations

from proxylab.compose import Route
from proxylab.context import Context


def normalize(route: Route, context: Context, name: str, value: str) -> str:
    """Backend-dependent values → placeholders. Direct routes: only the client address (their
    own URLs are published ports, the same on both backends). Proxy routes: also the upstream
    address (Nginx's defaults send Host $proxy_host), and a client that is the proxy itself
    (no X-Forwarded-For believed) becomes {source:PROXY}, for either proxy of a chain."""
    if route.is_direct:
        return context.normalize(value)
    hops = [route.proxy] + [inner.proxy for inner in stack_routes_via(route, context)]
    for hop in hops:
        if name == "app.client" and value == context.value("source", hop):
            return f"{{source:{hop}}}"
    return context.normalize(value, upstreams=[route.app])


def stack_routes_via(route: Route, context: Context) -> list[Route]:
    """The inner route an outer proxy's route forwards to (x-route `via`, lab 12's chain), if any."""
    return [inner for inner in context.stack.routes if route.via is not None and inner.port == route.via]


def placeholders(routes: list[Route], context: Context) -> dict[str, str]:
    """What each placeholder the cells may hold stood for in this run (see `normalize`), so a
    reader sees 127.0.0.77 where the expectation says {client}."""
    found = {"{client}": context.value("client")}
    for route in routes:
        if route.is_direct:
            continue
        found[f"{{upstream:{route.app}}}"] = context.value("upstream", route.app)
        for hop in [route.proxy] + [inner.proxy for inner in stack_routes_via(route, context)]:
            found[f"{{source:{hop}}}"] = context.value("source", hop)
    return found
