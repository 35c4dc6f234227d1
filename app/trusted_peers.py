"""Which connecting addresses are the proxies: FORWARDED_ALLOW_IPS read as uvicorn reads it.

What: `TrustedPeers.parse("172.30.0.2,172.30.0.3")` and `.includes(host)`: an exact address, a
CIDR network (uvicorn accepts them since 0.31), or `*` for everyone. Unset means uvicorn's own
fallback, 127.0.0.1 and ::1.
When: where the app itself must decide whom to believe, because the server does not: the
X-Forwarded-Prefix variant (app.forwarded_prefix) and Hypercorn's ProxyFixMiddleware, which
counts hops and never looks at who connected (app.main wraps it with this check).
Why not uvicorn's own: its `_TrustedHosts` is private API; this is the documented behaviour of
--forwarded-allow-ips, in a dozen lines proxylab owns.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from app.settings import UVICORN_DEFAULT_FORWARDED_ALLOW_IPS


@dataclass(frozen=True)
class TrustedPeers:
    everyone: bool
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    names: frozenset[str]  # entries that are no address (a unix socket path, say): compared as text

    @classmethod
    def parse(cls, value: str | None) -> TrustedPeers:
        raw = UVICORN_DEFAULT_FORWARDED_ALLOW_IPS if value is None else value
        items = [item.strip() for item in raw.split(",") if item.strip()]
        networks, names = [], set()
        for item in items:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                names.add(item)
        return cls(everyone="*" in items, networks=tuple(networks), names=frozenset(names - {"*"}))

    def includes(self, host: str) -> bool:
        if self.everyone or host in self.names:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)
