"""Where each service listens natively, and how lab-network names and addresses translate.

Compose gives every service its own address in the lab network (172.30.0.N) and publishes some
ports on the host. Natively there is one network stack, so:
- a published port listens where Compose publishes it (host_ip:published, 127.0.0.1 by default);
- an unpublished port listens on the service's own loopback address (172.30.0.N → 127.30.0.N),
  keeping the container port;
- a service name in a config (`http://app-plain:8000`) becomes the address it listens on;
- a lab-network address in an environment value (FORWARDED_ALLOW_IPS) or in Traefik's trustedIPs
  becomes the address that service connects *from* natively: x-proxylab.native.source-address
  (127.0.0.1), or its own address for a service listed in x-proxylab.native.own-source (the edge
  proxy, which binds it with proxy_bind); a lab-network CIDR becomes the same network in the
  native subnet (172.30.0.4/31 → 127.30.0.4/31).
"""

from __future__ import annotations

import ipaddress
import re

from proxylab.compose import Stack


class NativeAddresses:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack

    def own_address(self, service: str) -> str:
        """The loopback address standing in for the service's lab-network address."""
        address = self.stack.services[service].ipv4_address
        if address is None:
            return "127.0.0.1"
        offset = int(ipaddress.ip_address(address)) - int(self.stack.lab_subnet.network_address)
        return str(self.stack.native_subnet.network_address + offset)

    def bind(self, service: str, target: int) -> tuple[str, int]:
        """Where the service's container port `target` listens natively."""
        port = self.stack.services[service].published(target)
        if port is not None:
            return port.host_ip or "0.0.0.0", port.published
        return self.own_address(service), target

    def connect(self, service: str, target: int) -> str:
        """host:port another process uses to reach the service's container port `target`."""
        host, port = self.bind(service, target)
        return f"{'127.0.0.1' if host == '0.0.0.0' else host}:{port}"

    def rewrite_service_refs(self, text: str) -> str:
        """`app-plain:8000` (after // or a word boundary) → the native host:port."""
        names = "|".join(re.escape(name) for name in sorted(self.stack.services, key=len, reverse=True))
        pattern = re.compile(rf"(?<![\w.-])({names}):(\d+)\b")
        return pattern.sub(lambda m: self.connect(m[1], int(m[2])), text)

    def rewrite_local_url(self, service: str, url: str) -> str:
        """A URL a service uses to reach itself (127.0.0.1:8000 inside its container)."""
        match = re.match(r"((?:https?|redis)://)(127\.0\.0\.1|localhost|0\.0\.0\.0):(\d+)(.*)", url)
        if not match:
            return url
        scheme, _, port, rest = match.groups()
        return f"{scheme}{self.connect(service, int(port))}{rest}"

    def source_of(self, service: str) -> str:
        """The address `service` connects from natively."""
        if service in self.stack.native_own_source:
            return self.own_address(service)
        return self.stack.native_source_address

    def native_trust_item(self, item: str) -> str:
        """One entry of a trust list (an address or a CIDR network) as it must read natively."""
        by_address = {svc.ipv4_address: name for name, svc in self.stack.services.items() if svc.ipv4_address}
        if item in by_address:
            return self.source_of(by_address[item])
        if "/" in item:
            try:
                network = ipaddress.ip_network(item)
            except ValueError:
                return item
            if network.version == 4 and network.subnet_of(self.stack.lab_subnet):
                offset = int(network.network_address) - int(self.stack.lab_subnet.network_address)
                return f"{self.stack.native_subnet.network_address + offset}/{network.prefixlen}"
        return item

    def rewrite_environment_value(self, value: str) -> str:
        """Lab-network addresses and networks in a comma-separated value, as they read natively."""
        items = [item.strip() for item in value.split(",")]
        native = [self.native_trust_item(item) for item in items]
        if native == items:
            return value
        return ",".join(dict.fromkeys(native))

    def rewrite_own_addresses(self, text: str) -> str:
        """A service's lab-network address in a config (Nginx's proxy_bind) → its own native address."""
        for name in self.stack.native_own_source:
            address = self.stack.services[name].ipv4_address
            if address:
                text = re.sub(rf"(?<![\d.]){re.escape(address)}(?![\d])", self.own_address(name), text)
        return text
