"""The proxies proxylab runs, one home each, chosen from one table.

What: PROXIES maps a proxy's name (its image's repository: `nginx` for nginx:1.30.0-alpine and
proxylab/nginx:bookworm) to the import string of its Proxy (proxylab/proxies/base.py);
`by_name`, `of_image` and `of_service` resolve a name, an image or a compose service to it once,
importing the home on first use.
When: every caller that would otherwise say "if the image is nginx": the native runner and
supervisor, `make check`, the version reports, the doctor.
Why a table of import strings: uvicorn's config.py chooses its HTTP implementation this way, so
no home registers itself by being imported and the homes may import the checks and the native
backend's helpers without an import circle. A new proxy is one home and one row here.
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from typing import TYPE_CHECKING

from proxylab.errors import ProxylabError

if TYPE_CHECKING:
    from proxylab.compose import Service, Stack
    from proxylab.proxies.base import Proxy

# In the order `make check` reports them and the version reports list them.
PROXIES = {
    "traefik": "proxylab.proxies.traefik:TRAEFIK",
    "nginx": "proxylab.proxies.nginx:NGINX",
    "caddy": "proxylab.proxies.caddy:CADDY",
    "haproxy": "proxylab.proxies.haproxy:HAPROXY",
}


@cache
def by_name(name: str) -> Proxy:
    """The Proxy called `name`; an error naming the known ones for any other name."""
    if name not in PROXIES:
        raise ProxylabError(
            f"proxy {name!r}",
            f"is not one proxylab knows ({', '.join(PROXIES)})",
            "pick one of those, or add a home in proxylab/proxies/ and a row to PROXIES",
        )
    module, _, attribute = PROXIES[name].partition(":")
    return getattr(importlib.import_module(module), attribute)


def every() -> list[Proxy]:
    """Every proxy, in the table's order."""
    return [by_name(name) for name in PROXIES]


def repository(image: str) -> str:
    """An image's repository name without registry, tag or digest: proxylab/nginx:bookworm → nginx."""
    return re.sub(r"[:@].*$", "", image.rsplit("/", 1)[-1])


def of_image(image: str | None) -> Proxy | None:
    """The Proxy an image runs, or None for an image that is no proxy (the apps, Redis)."""
    name = repository(image or "")
    return by_name(name) if name in PROXIES else None


def of_service(service: Service) -> Proxy | None:
    """The Proxy a compose service runs, by its image; None for every other service."""
    return of_image(service.image)


def services_of(stack: Stack, proxy: Proxy) -> list[Service]:
    """The services of compose.yaml that run `proxy` (nginx: `nginx` and the `edge`)."""
    return [service for service in stack.services.values() if of_service(service) is proxy]


def pinned_service(stack: Stack, proxy: Proxy) -> Service | None:
    """The service whose image pins the proxy's version: the one named after it, else the first."""
    services = services_of(stack, proxy)
    named = [service for service in services if service.name == proxy.name]
    return (named or services or [None])[0]
