"""What `make bench` measures: one app, reached directly, through Traefik and through Nginx.

The three targets are compose.yaml routes to the same app, `app-server-root-path` (the FastAPI
docs' `uvicorn --root-path /api/v1`), so the only difference between them is the proxy in front:
  direct   http://127.0.0.1:8000/app          the app's own port
  traefik  http://127.0.0.1:9002/api/v1/app   Traefik, stripping /api/v1
  nginx    http://127.0.0.1:9102/api/v1/app   Nginx, stripping /api/v1
The ports are named here; everything else (address, proxy, app, prefix) is read from compose.yaml,
and `targets` refuses a compose.yaml where a port no longer routes to that app that way.
"""

from __future__ import annotations

from dataclasses import dataclass

from proxylab.compose import Stack
from proxylab.errors import ProxylabError

APP = "app-server-root-path"
PORTS = {"direct": 8000, "traefik": 9002, "nginx": 9102}
# /app is the docs' page (the full echo report); /health/live is the cheapest answer the app
# has, so there the proxy's own cost is the largest share of each request.
PATHS = {"app": "/app", "live": "/health/live"}


@dataclass(frozen=True)
class Target:
    name: str  # direct, traefik, nginx
    base_url: str  # what the client requests, up to the app path: http://127.0.0.1:9002/api/v1

    def url(self, path: str) -> str:
        return self.base_url + path


def targets(stack: Stack) -> list[Target]:
    """direct first (the baseline every ratio divides by), then each proxy."""
    found = []
    for name, port in PORTS.items():
        route = next((route for route in stack.routes if route.port == port), None)
        proxy = None if name == "direct" else name
        if route is None or route.app != APP or route.proxy != proxy or (proxy and not route.strips):
            raise ProxylabError(
                f"bench target {name} (port {port})",
                f"compose.yaml no longer routes it {'through ' + name + ', stripping the prefix, ' if proxy else 'directly '}to {APP}",
                "update PORTS in labs/bench/targets.py to the route that does",
            )
        found.append(Target(name, route.base_url + (stack.prefix if proxy else "")))
    return found
