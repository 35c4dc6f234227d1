"""Where a load run is aimed: one app, reached directly and through each of the four proxies.

What: `targets(stack)` are the routes below, direct first (the baseline every ratio divides by).
When: `make bench` (bench/run.py, bench/load.py) and lab 10's `bench:` step.
Why: both must measure the same routes, so the choice is made once, here.

The five targets are compose.yaml routes to the same app, `app-server-root-path` (the FastAPI
docs' `uvicorn --root-path /api/v1`), so the only difference between them is the proxy in front:
  direct   the app's own published port               (8000 today)
  traefik  Traefik's route `strip-to-app-server-root-path`  (9002 today, stripping /api/v1)
  nginx    Nginx's route `strip-to-app-server-root-path`    (9102 today, stripping /api/v1)
  caddy    Caddy's route `strip-to-app-server-root-path`    (9202 today, stripping /api/v1)
  haproxy  HAProxy's route `strip-to-app-server-root-path`  (9302 today, stripping /api/v1)
Routes are found by what they are, never by a port: a compose.yaml where one is missing, or no
longer strips the prefix, is refused with the route to restore.
"""

from __future__ import annotations

from dataclasses import dataclass

from proxylab.compose import Route, Stack
from proxylab.errors import ProxylabError

APP = "app-server-root-path"
ROUTE_NAME = f"strip-to-{APP}"  # the name of each proxy's stripping route to APP
NAMES = (
    "direct",
    "traefik",
    "nginx",
    "caddy",
    "haproxy",
)  # direct first: the baseline every ratio divides by
# /app is the docs' page (the full echo report); /health/live is the cheapest answer the app
# has, so there the proxy's own cost is the largest share of each request.
PATHS = {"app": "/app", "live": "/health/live"}


@dataclass(frozen=True)
class Target:
    name: str  # direct, traefik, nginx, caddy, haproxy
    route: Route

    def url(self, path: str) -> str:
        """What the client requests: http://127.0.0.1:9002/api/v1/app for Traefik's /app."""
        return self.route.url(path)


def targets(stack: Stack) -> list[Target]:
    """direct first (the baseline every ratio divides by), then each proxy."""
    return [Target(name, _route(stack, name)) for name in NAMES]


def _route(stack: Stack, name: str) -> Route:
    proxy = None if name == "direct" else name
    for route in stack.routes:
        if route.app != APP or route.proxy != proxy:
            continue
        if proxy is None or (route.name == ROUTE_NAME and route.strips):
            return route
    wanted = (
        f"a route named {ROUTE_NAME} on {name} that strips the prefix"
        if proxy
        else f"a published port of {APP}"
    )
    raise ProxylabError(
        f"bench target {name}",
        f"compose.yaml has no {wanted}",
        "restore it in compose.yaml (`make routes` lists the routes)",
    )
