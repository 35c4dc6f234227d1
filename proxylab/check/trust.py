"""Every app trusts exactly the proxies' addresses (FORWARDED_ALLOW_IPS), or is built to trust all or none."""

from __future__ import annotations

from proxylab.check.common import (
    TRUST_ALL_SERVICES,
    TRUST_NOBODY_SERVICES,
    Finding,
    _app_services,
    _verdict,
    forwarded_allow_ips,
)
from proxylab.compose import Service, Stack

# --- trust ----------------------------------------------------------------------------------


def check_trust(stack: Stack) -> list[Finding]:
    """Each app trusts X-Forwarded-* from exactly the proxies, except the app built to trust all."""
    proxies = {name: stack.services[name].ipv4_address for name in stack.proxies if name in stack.services}
    problems = [f"proxy {name}: has no ipv4_address in the lab network; give it one, so the apps can trust exactly it" for name, address in proxies.items() if address is None]
    expected = sorted(address for address in proxies.values() if address)
    for service in _app_services(stack):
        problems += _trust_problems(service, expected)
    return _verdict("trust", problems, f"every app trusts exactly the proxies ({','.join(expected)}) or is built to trust all or none")


def _trust_problems(service: Service, expected: list[str]) -> list[str]:
    trusted = forwarded_allow_ips(service)
    if trusted == "*" and service.name in TRUST_ALL_SERVICES:
        return []
    if trusted == "" and service.name in TRUST_NOBODY_SERVICES:
        return []
    if trusted == "*":
        return [f"{service.name}: FORWARDED_ALLOW_IPS is \"*\", so any client can fake X-Forwarded-*; only {', '.join(sorted(TRUST_ALL_SERVICES))} may (to show why not); set it to {','.join(expected)}"]
    if trusted is None:
        return [f"{service.name}: FORWARDED_ALLOW_IPS is not set, so uvicorn trusts only loopback, not the proxies; set it to the proxies' addresses {','.join(expected)}"]
    listed = {item.strip() for item in trusted.split(",") if item.strip()}
    if listed == set(expected):
        return []
    missing, extra = sorted(set(expected) - listed), sorted(listed - set(expected))
    differences = ([f"misses {', '.join(missing)}"] if missing else []) + ([f"also trusts {', '.join(extra)}, not a proxy"] if extra else [])
    return [f"{service.name}: FORWARDED_ALLOW_IPS={trusted!r} {' and '.join(differences)}; set it to exactly the proxies' addresses {','.join(expected)}"]


