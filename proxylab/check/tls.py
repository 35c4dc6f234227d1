"""TLS routes terminate TLS with the lab's generated certificate, and only they do (lab 08).

What: for every port whose x-route says `tls: true`, the proxy behind it must terminate TLS there
(a Traefik router with `tls`, an Nginx `listen N ssl`, a Caddy `https://` site with `tls`, an
HAProxy `bind :N ssl crt`), serve a certificate and key whose container
paths map through the proxy's volumes into .run/certs (what `python -m proxylab up` generates),
and, for Nginx, send `X-Forwarded-Proto $scheme` unless the route keeps Nginx's defaults on
purpose. A port without `tls: true` must not terminate TLS. Each proxy's home says how its config
says so (`Proxy.tls_problems`); this check asks every proxy of the table about its services.
When: `make check`, with the other checks; no certificate needs to exist yet.
Why: a TLS route that silently served plain http (or another certificate) would make lab 08 show
the wrong thing; without X-Forwarded-Proto the app could never learn the client used https.
"""

from __future__ import annotations

from proxylab import proxies
from proxylab.check.common import Finding, verdict
from proxylab.compose import Stack


def check_tls(stack: Stack) -> list[Finding]:
    """Each `tls: true` port terminates TLS with a certificate from .run/certs; no other port does."""
    problems: list[str] = []
    for proxy in proxies.every():
        for service in proxies.services_of(stack, proxy):
            problems += proxy.tls_problems(service)
    tls_ports = sum(1 for route in stack.routes if route.tls)
    passed = f"{tls_ports} TLS ports terminate TLS with .run/certs' certificate; no other port does"
    return verdict("tls", problems, passed)
