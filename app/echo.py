"""The echo report: what one request looked like when it reached the app.

What: `build_echo_report` turns a request into a flat dict with the keys in `ECHO_KEYS`; every
value is read from the ASGI scope or computed by Starlette from it (`url`, `base_url`,
`url_for`), nothing is inferred from headers. The forwarded headers are shown as received, not
interpreted: if uvicorn trusted them, their effect shows up in `scheme` and `client_host`.
When: every echo route (/app, /echo/..., /sub/echo) calls it, and /ws as its first message.
Why: the labs compare these fields across proxies and root_path modes, so the same key must
always mean the same thing (like traefik/whoami's output).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import cache
from importlib import metadata
from typing import Any

from starlette.requests import HTTPConnection

from app.settings import Settings

ECHO_KEYS: tuple[str, ...] = (
    "instance",
    "server",
    "root_path_mode",
    "trusted_proxies",
    "method",
    "path",
    "raw_path",
    "root_path",
    "url",
    "base_url",
    "url_for",
    "scheme",
    "client_host",
    "client_port",
    "server_host",
    "server_port",
    "host_header",
    "http_version",
    "connection_header",
    "forwarded_headers",
)

# Headers a proxy adds to say where the request came from; x-forwarded-* matches any suffix.
_FORWARDED_HEADER_PREFIX = "x-forwarded-"
_FORWARDED_HEADER_NAMES = frozenset({"forwarded", "x-real-ip"})


def build_echo_report(
    request: HTTPConnection, settings: Settings, route_name: str, **path_params: Any
) -> dict[str, Any]:
    """Describe `request` (an HTTP request or a WebSocket, both Starlette HTTPConnections);
    `route_name` and `path_params` are what `url_for` is asked to rebuild. A websocket scope has
    no method: `method` is then None, and `scheme` is ws or wss."""
    scope = request.scope
    client_host, client_port = _address(scope.get("client"))
    server_host, server_port = _address(scope.get("server"))
    raw_path: bytes | None = scope.get("raw_path")
    return {
        "instance": settings.instance,
        "server": server_software(),
        "root_path_mode": root_path_mode(scope, settings),
        "trusted_proxies": settings.trusted_proxies,
        "method": scope.get("method"),
        "path": scope["path"],
        "raw_path": None if raw_path is None else raw_path.decode("latin-1"),
        "root_path": scope.get("root_path", ""),
        "url": str(request.url),
        "base_url": str(request.base_url),
        "url_for": str(request.url_for(route_name, **path_params)),
        "scheme": scope["scheme"],
        "client_host": client_host,
        "client_port": client_port,
        "server_host": server_host,
        "server_port": server_port,
        "host_header": _joined_header_values(scope, lambda name: name == "host").get("host"),
        # How the hop in front spoke to the app: "1.0" with "close" is one connection per request
        # (Nginx's default up to 1.29.6), "1.1" with none a connection it may keep (lab 16).
        "http_version": scope.get("http_version"),
        "connection_header": _joined_header_values(scope, lambda name: name == "connection").get(
            "connection"
        ),
        "forwarded_headers": _joined_header_values(scope, is_forwarded_header),
    }


def root_path_mode(scope: dict[str, Any], settings: Settings) -> str:
    """'app' if FastAPI was given root_path, 'header' if X-Forwarded-Prefix set it, 'server' if
    the server sent one, else 'none'.

    Inside a mount the scope's root_path also holds the mount path, so the top-level value
    Starlette keeps in `app_root_path` is the one that says what the server (or header) sent.
    """
    if settings.app_root_path:
        return "app"
    if scope.get("app_root_path", scope.get("root_path", "")):
        return "header" if settings.forwarded_prefix else "server"
    return "none"


def server_software() -> str:
    """The ASGI server running this process, `hypercorn 0.18.0` or `uvicorn 0.55.0`.

    The scope does not name its server, so this asks which server's run loop is imported:
    `hypercorn.run` is imported only by Hypercorn's CLI, `uvicorn.server` by uvicorn's (and by
    `fastapi run` and app.serve, which run uvicorn). Hypercorn first: the app may import
    uvicorn's ProxyHeadersMiddleware under any server.
    """
    for module, name in (("hypercorn.run", "hypercorn"), ("uvicorn.server", "uvicorn")):
        if module in sys.modules:
            return f"{name} {_version(name)}"
    return "unknown"


@cache
def _version(distribution: str) -> str:
    return metadata.version(distribution)


def is_forwarded_header(name: str) -> bool:
    """True for the headers proxies use to describe the original request (lowercase `name`)."""
    return name.startswith(_FORWARDED_HEADER_PREFIX) or name in _FORWARDED_HEADER_NAMES


def _is_connection(name: str) -> bool:
    return name == "connection"


def _joined_header_values(scope: dict[str, Any], wanted: Callable[[str], bool]) -> dict[str, str]:
    """Received headers whose lowercased name is `wanted`, repeats joined with ', ' in order."""
    values: dict[str, list[str]] = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        if not wanted(name):
            continue
        values.setdefault(name, []).append(raw_value.decode("latin-1"))
    return {name: ", ".join(parts) for name, parts in values.items()}


def _address(pair: Any) -> tuple[Any, Any]:
    """(host, port) from an ASGI client/server entry, or (None, None) when the server sent none."""
    if pair is None:
        return None, None
    host, port = pair
    return host, port
