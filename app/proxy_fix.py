"""Hypercorn's forwarded-header handling, believed only from the proxies' addresses.

What: Hypercorn reads no X-Forwarded-* header at all by itself. Its answer is an ASGI middleware the
app wraps itself in, `hypercorn.middleware.ProxyFixMiddleware(app, mode, trusted_hops)`: it takes
the `trusted_hops`-th entry from the right of X-Forwarded-For, -Proto and -Host ("legacy") or of
Forwarded ("modern") and sets the scope's client, scheme and Host header from them. It counts
hops and never looks at who connected, so a client that reaches the app directly can forge all
three. `TrustedProxyFix` runs it only for connections from an address in FORWARDED_ALLOW_IPS.
When: PROXYLAB_PROXY_FIX=legacy|modern, on the Hypercorn service (lab 11), with one trusted hop.
Why: the same rule every uvicorn app here follows (trust the proxies, nobody else), built from
Hypercorn's own parts. Reference: hypercorn/middleware/proxy_fix.py (Hypercorn 0.18).
"""

from __future__ import annotations

from typing import Literal

from hypercorn.middleware import ProxyFixMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from app.trusted_peers import TrustedPeers

TRUSTED_HOPS = 1  # one proxy in front: the last entry is the one that proxy added


class TrustedProxyFix:
    """Hypercorn's ProxyFixMiddleware for connections from `trusted` peers; others pass untouched."""

    def __init__(self, app: ASGIApp, trusted: TrustedPeers, mode: Literal["legacy", "modern"]) -> None:
        self.app = app
        self.trusted = trusted
        self.fix = ProxyFixMiddleware(app, mode=mode, trusted_hops=TRUSTED_HOPS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] in ("http", "websocket") and client is not None and self.trusted.includes(client[0]):
            await self.fix(scope, receive, send)
            return
        await self.app(scope, receive, send)
