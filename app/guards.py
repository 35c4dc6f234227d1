"""Starlette's HTTPSRedirectMiddleware and TrustedHostMiddleware, switched on by settings (lab 08).

What: `GuardsMiddleware` sends every request except the health probes through Starlette's own
TrustedHostMiddleware (PROXYLAB_TRUSTED_HOSTS: a Host not listed gets 400 "Invalid host header")
and then HTTPSRedirectMiddleware (PROXYLAB_HTTPS_REDIRECT: a request the app believes is http
gets a 307 to the same URL with https). Both read what uvicorn's proxy-headers middleware left in
the scope, so they only see https when the app trusts the proxy that terminated TLS.
When: only on services that set those variables; with neither set the app is unchanged.
Why the probes are exempt: a healthcheck (Compose's, a kubelet's) calls the app's own address over
plain http with its own Host, so a redirect or a 400 there would mark a healthy app unhealthy. That
is the usual production arrangement too: probes bypass host and scheme policy.
References: starlette/middleware/httpsredirect.py and trustedhost.py (Starlette 1.10).
"""

from __future__ import annotations

from starlette.middleware.httpsredirect import HTTPSRedirectMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from app.settings import Settings

PROBE_PREFIX = "/health/"


class GuardsMiddleware:
    """Host and scheme policy for everything but /health/*; a no-op when nothing is enabled."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        guarded = app
        if settings.https_redirect:
            guarded = HTTPSRedirectMiddleware(guarded)
        if settings.trusted_hosts:
            # Outermost: a forged Host is refused before any redirect is built from it.
            guarded = TrustedHostMiddleware(
                guarded, allowed_hosts=list(settings.trusted_hosts), www_redirect=False
            )
        self.guarded = guarded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan" or _is_probe(scope):
            await self.app(scope, receive, send)
            return
        await self.guarded(scope, receive, send)


def _is_probe(scope: Scope) -> bool:
    """The path below the root_path starts with /health/ (uvicorn --root-path prepends it)."""
    path: str = scope.get("path", "")
    root_path: str = scope.get("root_path", "")
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    return path.startswith(PROBE_PREFIX)
