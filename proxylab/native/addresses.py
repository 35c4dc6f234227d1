"""Where each service listens natively, and how lab-network names and addresses translate.

Compose gives every service its own address in the lab network (172.30.0.N) and publishes some
ports on the host. Natively there is one network stack, so:
- a published port listens where Compose publishes it (host_ip:published, 127.0.0.1 by default);
- an unpublished port listens on the service's own loopback address (172.30.0.N → 127.30.0.N),
  keeping the container port;
- a service name in a config (`http://app-plain:8000`) becomes the address it listens on;
- a lab-network address in an environment value (FORWARDED_ALLOW_IPS) becomes the address that
  service connects *from* natively, which is x-proxylab.native.source-address (127.0.0.1).
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

    def rewrite_environment_value(self, value: str) -> str:
        """Lab-network addresses in a value become the address their service connects from."""
        lab = {svc.ipv4_address for svc in self.stack.services.values() if svc.ipv4_address}
        items = [item.strip() for item in value.split(",")]
        if not any(item in lab for item in items):
            return value
        native = [self.stack.native_source_address if item in lab else item for item in items]
        return ",".join(dict.fromkeys(native))
