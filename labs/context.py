"""What differs between the backends, named once, so a lab's expectation reads the same on both.

A few facts depend on where the stack runs, never on what the proxies or the app do:
- `{client}`: how this machine's client (connecting from 127.0.0.77) appears inside the stack.
  Natively that is 127.0.0.77 itself; with Compose, Docker's port publishing hands the
  connection over from the lab network's gateway (172.30.0.1).
- `{upstream:SERVICE}`: the host:port a proxy uses to reach SERVICE, which Nginx's defaults pass
  on as the Host header (`app-server-root-path:8000` with Compose, 127.0.0.1:8000 natively).
- `{source:SERVICE}`: the address SERVICE connects from, as the apps see it.
Expectations and matrix cells write these placeholders; `expand` fills them in for the backend
that runs, and `normalize` turns live values back into them.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from proxylab.compose import Stack
from proxylab.native.addresses import NativeAddresses

CLIENT_SOURCE = "127.0.0.77"  # a loopback address no app trusts: the labs' outside client
_PLACEHOLDER = re.compile(r"\{(client|upstream|source)(?::([\w-]+))?\}")


@dataclass(frozen=True)
class Context:
    backend: str  # "native" or "compose"
    stack: Stack

    def value(self, kind: str, service: str | None = None) -> str:
        if kind == "client":
            if self.backend == "native":
                return CLIENT_SOURCE
            return str(self.stack.lab_subnet.network_address + 1)
        if service not in self.stack.services:
            raise KeyError(f"{{{kind}:{service}}} names no service in compose.yaml")
        if kind == "upstream":
            if self.backend == "native":
                return NativeAddresses(self.stack).connect(service, 8000)
            return f"{service}:8000"
        # source
        if self.backend == "native":
            return self.stack.native_source_address
        return self.stack.services[service].ipv4_address or ""

    def expand(self, text: str) -> str:
        """`http://{upstream:app-plain}/x` → `http://127.0.0.1:8001/x` (native)."""
        return _PLACEHOLDER.sub(lambda m: self.value(m[1], m[2]), text)

    def expand_any(self, value):
        """expand() through strings inside lists and dicts (expected values can be either)."""
        if isinstance(value, str):
            return self.expand(value)
        if isinstance(value, list):
            return [self.expand_any(v) for v in value]
        if isinstance(value, dict):
            return {k: self.expand_any(v) for k, v in value.items()}
        return value

    def normalize(self, text: str, upstreams: list[str] = ()) -> str:
        """The reverse of expand for a live value: named upstream addresses and the client
        address become placeholders again (used by the matrix, whose cells are committed)."""
        for service in upstreams:
            text = text.replace(self.value("upstream", service), f"{{upstream:{service}}}")
        return _replace_address(text, self.value("client"), "{client}")


def _replace_address(text: str, address: str, placeholder: str) -> str:
    ipaddress.ip_address(address)
    return re.sub(rf"(?<![\d.]){re.escape(address)}(?![\d])", placeholder, text)


def detect(stack: Stack) -> Context:
    """The backend that runs the stack now: BACKEND if set, else a live native run, else Compose
    when a Docker engine answers, else native."""
    import os

    from proxylab.native.supervisor import NativeBackend

    wanted = os.environ.get("BACKEND", "").strip().lower()
    if wanted in ("native", "compose"):
        return Context(wanted, stack)
    if any(status.state == "running" for status in NativeBackend(stack, log=lambda _: None).status()):
        return Context("native", stack)
    from proxylab.compose_backend import docker_answers

    return Context("compose" if docker_answers() else "native", stack)
