"""root_path from the X-Forwarded-Prefix header: the FastAPI docs' tutorial005, and a safer variant.

What: `ForwardedPrefixMiddleware` is the middleware of FastAPI's docs_src/behind_a_proxy/tutorial005.py
(the "Using X-Forwarded-Prefix header" section of "Behind a Proxy"), reproduced as the docs write
it: whoever sends `X-Forwarded-Prefix` sets the request's root_path, and with it the docs URL, the
OpenAPI servers, redirects and url_for. `TrustedForwardedPrefixMiddleware` does the same only when
the connection comes from an address in FORWARDED_ALLOW_IPS (the proxies), and removes the header
otherwise, so nothing further in takes it for the truth.
When: PROXYLAB_FORWARDED_PREFIX=docs or =trusted (lab 11). The variant must see the connection's
own address, which uvicorn's proxy-headers middleware replaces with the X-Forwarded-For client
before any app middleware runs: its service runs `uvicorn --no-proxy-headers`, and
`app.main` puts uvicorn's own ProxyHeadersMiddleware (same trusted list) inside this one.
Why: Traefik's stripPrefix sends the header by itself, so tutorial005 needs no --root-path; but a
client that reaches the app some other way can send it too.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from app.trusted_peers import TrustedPeers

_HEADER = b"x-forwarded-prefix"


class ForwardedPrefixMiddleware:
    """FastAPI's docs_src/behind_a_proxy/tutorial005.py, as the docs write it (every client believed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope_headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope_headers}
            prefix = headers.get("x-forwarded-prefix", "").rstrip("/")
            if prefix:
                scope["root_path"] = prefix
        await self.app(scope, receive, send)


class TrustedForwardedPrefixMiddleware:
    """tutorial005's middleware, believed only from `trusted` peers; from anyone else the header is
    dropped."""

    def __init__(self, app: ASGIApp, trusted: TrustedPeers) -> None:
        self.app = app
        self.trusted = trusted
        self.believe = ForwardedPrefixMiddleware(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        if client is not None and self.trusted.includes(client[0]):
            await self.believe(scope, receive, send)
            return
        scope["headers"] = [
            (name, value) for name, value in scope.get("headers", []) if name.lower() != _HEADER
        ]
        await self.app(scope, receive, send)
