"""Proxy releases: one proxy of the running native stack restarted at another upstream version.

What: `ProxyVersion` names one release of one proxy (`nginx==1.22.1`) and reads like a
`ReleaseSet` of one component (`version`, `as_dict`, `label`, `components`);
`parse_proxy_versions` reads several (PROXIES=); `pinned_version(stack, proxy)` is the one
compose.yaml's image tag pins. `run_proxy(backend, release)` has the release first (unpacked from
Debian's suites or built from its Go module by the proxy's home, once, cached), then stops every
service that runs that proxy's pin (`pinned_services`; nginx: `nginx` and the `edge`, not lab
16's `nginx-bookworm`) and starts each again at that release
(`Service.at_version`, `NativeBackend.start_service_as`), waits until each is healthy and checks
that the binary says it is that release.
When: `make drift`'s proxy axis (suites/drift/grid.py), each version in turn, then compose.yaml's
own to restore the stack.
Why: the proxy's turn of "what would an upgrade change": only the proxy's process changes; its
config, the apps and the other proxies stay as they are. Native only: with Compose another
release is another image.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from instruments.releases.apps import require_native
from proxylab.backend import Backend
from proxylab.compose import Service, Stack
from proxylab.errors import ProxylabError
from proxylab.proxies import PROXIES, by_name, pinned_service, services_of

_PIN = re.compile(r"^\s*([a-z]+)\s*==\s*v?([0-9][0-9A-Za-z.+-]*)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ProxyVersion:
    """One upstream release of one proxy: `nginx 1.22.1`, `traefik 3.0.4` (no leading v)."""

    proxy: str
    release: str

    @property
    def components(self) -> tuple[str, ...]:
        return (self.proxy,)

    def version(self, component: str) -> str:
        return self.release if component == self.proxy else ""

    def as_dict(self) -> dict[str, str]:
        return {self.proxy: self.release}

    @property
    def label(self) -> str:
        return f"{self.proxy} {self.release}"

    def __str__(self) -> str:
        return f"{self.proxy}=={self.release}"


def parse_proxy_version(text: str) -> ProxyVersion:
    """`nginx==1.22.1`, `traefik==v3.0.4` (the v is dropped): a proxy of PROXIES and a version."""
    match = _PIN.match(text)
    if match is None or match[1].lower() not in PROXIES:
        raise ValueError(f"{text!r} is not PROXY==VERSION with PROXY one of {', '.join(PROXIES)}")
    return ProxyVersion(match[1].lower(), match[2])


def parse_proxy_versions(text: str) -> list[ProxyVersion]:
    """PROXIES: proxy versions separated by spaces (or new lines), each as parse_proxy_version reads it."""
    found = [parse_proxy_version(word) for word in text.split()]
    if not found:
        raise ValueError('PROXIES names no proxy version; e.g. PROXIES="nginx==1.22.1 haproxy==2.6.12"')
    return found


def pinned_version(stack: Stack, proxy: str) -> ProxyVersion:
    """The release compose.yaml's image tag pins for `proxy` (its service named after it)."""
    service = pinned_service(stack, by_name(proxy))
    if service is None:
        raise ProxylabError(f"proxy {proxy}", "runs in no service of compose.yaml", "name another proxy")
    return ProxyVersion(proxy, stack.image_tag(service.name).split("-", 1)[0].removeprefix("v"))


def pinned_services(stack: Stack, proxy: str) -> list[Service]:
    """The services of `proxy` that run compose.yaml's pin (nginx: `nginx` and the `edge`); not
    one pinned to another release on purpose (lab 16's `nginx-bookworm`), which stays as it is."""
    pinned = pinned_service(stack, by_name(proxy))
    return [
        service for service in services_of(stack, by_name(proxy)) if pinned and service.image == pinned.image
    ]


def services_at(stack: Stack, release: ProxyVersion) -> list[Service]:
    """The services that run the proxy's pin, each with its image at `release`."""
    return [service.at_version(release.release) for service in pinned_services(stack, release.proxy)]


def running_release(stack: Stack, release: ProxyVersion) -> str:
    """What the binary for `release` says it is (the proxy's own `-v` or `version`), e.g.
    "1.22.1 (Debian nginx 1.22.1-9+deb12u9 (bookworm, 29 packages))"."""
    return by_name(release.proxy).native_version(_tag(stack, release))


def ensure_release(stack: Stack, release: ProxyVersion, log: Callable[[str], object] = print) -> None:
    """Unpack or build the release now (once; cached), so that a restart waits for none of it."""
    by_name(release.proxy).binary(_tag(stack, release), log)


def _tag(stack: Stack, release: ProxyVersion) -> str:
    """The image tag that names `release` in compose.yaml's flavour: 1.22.1-alpine, v3.0.4."""
    service = services_at(stack, release)[0]
    return stack.with_service(service).image_tag(service.name)


def run_proxy(backend: Backend, release: ProxyVersion, log: Callable[[str], object] = print) -> float:
    """Stop every service of the proxy, start each again at `release`; the seconds it took.

    Each is stopped with its own stop signal (a graceful stop: nothing is in flight between two
    versions, so it is quick) and started when its listeners are free, then waited for until its
    healthcheck passes, as `up` would."""
    require_native(backend)
    stack = backend.stack
    services = services_at(stack, release)
    ensure_release(stack, release, log)
    began = time.monotonic()
    for service in services:
        backend.stop_service(service.name)
    for service in services:
        backend.start_service_as(service, wait=True)  # NativeBackend only: require_native above
    said = running_release(stack, release)
    # "1.22.1 (Debian ...)", "3.2.26-1 (Debian ...)" (haproxy -v names the Debian revision), "v3.0.4 (...)"
    if re.split(r"[-+ ]", said.removeprefix("v"), maxsplit=1)[0] != release.release:
        raise ProxylabError(
            f"{release.proxy} {release.release}",
            f"was started but its binary says it is {said}",
            f"delete its cache folder (~/.cache/proxylab/{'debian/' if 'Debian' in said else ''}"
            f"{release.proxy}/) and run again",
        )
    return time.monotonic() - began
