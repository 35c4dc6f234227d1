"""Every app trusts exactly the proxies' addresses (FORWARDED_ALLOW_IPS), or is built to trust all or none."""

from __future__ import annotations

import ipaddress

from proxylab.check.common import (
    TRUST_ALL_SERVICES,
    TRUST_CHAIN_SERVICES,
    TRUST_NOBODY_SERVICES,
    Finding,
    _app_services,
    forwarded_allow_ips,
    verdict,
)
from proxylab.compose import Service, Stack

# --- trust ----------------------------------------------------------------------------------


def check_trust(stack: Stack) -> list[Finding]:
    """Each app trusts X-Forwarded-* from exactly the proxies that forward to apps, except the apps
    built to trust all or none, and the app behind lab 12's chain, which also trusts the edge."""
    proxies = {name: stack.services[name].ipv4_address for name in stack.proxies if name in stack.services}
    problems = [
        f"proxy {name}: has no ipv4_address in the lab network; give it one, so the apps can trust exactly it"
        for name, address in proxies.items()
        if address is None
    ]
    expected = sorted(address for name, address in proxies.items() if address and name in stack.inner_proxies)
    for service in _app_services(stack):
        if service.name in TRUST_CHAIN_SERVICES:
            problems += _chain_trust_problems(stack, service)
        else:
            problems += _trust_problems(service, expected)
    return verdict(
        "trust",
        problems,
        f"every app trusts exactly the proxies ({','.join(expected)}), the chain's hops, "
        "or is built to trust all or none",
    )


def _chain_trust_problems(stack: Stack, service: Service) -> list[str]:
    """The app behind a chain trusts, by address, exactly the proxies that forward to it, and by
    CIDR network the outer proxies in front of those: a network holding no other service of the
    lab and not the gateway (through which, with Compose, every outside client arrives)."""
    routes = stack.routes
    inner = {
        stack.services[r.proxy].ipv4_address
        for r in routes
        if r.proxy and r.via is None and service.name in r.upstreams
    }
    outer = {
        stack.services[r.proxy].ipv4_address
        for r in routes
        if r.proxy and r.via is not None and r.app == service.name
    }
    items = [item.strip() for item in (forwarded_allow_ips(service) or "").split(",") if item.strip()]
    addresses = {item for item in items if "/" not in item}
    networks = [ipaddress.ip_network(item, strict=False) for item in items if "/" in item]
    problems = []
    if addresses != inner:
        problems.append(
            f"{service.name}: FORWARDED_ALLOW_IPS names {sorted(addresses)} by address; "
            f"name exactly the proxies that forward to it, {sorted(inner)}"
        )
    for address in sorted(
        outer - {a for a in outer if any(ipaddress.ip_address(a) in net for net in networks)}
    ):
        problems.append(
            f"{service.name}: no network in FORWARDED_ALLOW_IPS holds the outer proxy {address}; "
            "add the edge tier's CIDR"
        )
    others = {
        svc.ipv4_address
        for svc in stack.services.values()
        if svc.ipv4_address and svc.ipv4_address not in outer
    }
    others.add(str(stack.lab_subnet.network_address + 1))
    for network in networks:
        inside = sorted(a for a in others if ipaddress.ip_address(a) in network)
        if inside:
            problems.append(
                f"{service.name}: the network {network} in FORWARDED_ALLOW_IPS "
                f"also holds {', '.join(inside)}, not an outer proxy; narrow it"
            )
    return problems


def _trust_problems(service: Service, expected: list[str]) -> list[str]:
    trusted = forwarded_allow_ips(service)
    if trusted == "*" and service.name in TRUST_ALL_SERVICES:
        return []
    if trusted == "" and service.name in TRUST_NOBODY_SERVICES:
        return []
    if trusted == "*":
        return [
            f'{service.name}: FORWARDED_ALLOW_IPS is "*", so any client can fake X-Forwarded-*; '
            f"only {', '.join(sorted(TRUST_ALL_SERVICES))} may (to show why not); "
            f"set it to {','.join(expected)}"
        ]
    if trusted is None:
        return [
            f"{service.name}: FORWARDED_ALLOW_IPS is not set, "
            "so uvicorn trusts only loopback, not the proxies; "
            f"set it to the proxies' addresses {','.join(expected)}"
        ]
    listed = {item.strip() for item in trusted.split(",") if item.strip()}
    if listed == set(expected):
        return []
    missing, extra = sorted(set(expected) - listed), sorted(listed - set(expected))
    differences = ([f"misses {', '.join(missing)}"] if missing else []) + (
        [f"also trusts {', '.join(extra)}, not a proxy"] if extra else []
    )
    return [
        f"{service.name}: FORWARDED_ALLOW_IPS={trusted!r} {' and '.join(differences)}; "
        f"set it to exactly the proxies' addresses {','.join(expected)}"
    ]
