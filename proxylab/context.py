"""The running stack as the labs' client sees it: compose.yaml, the backend, and the placeholders.

A few facts depend on where the stack runs, never on what the proxies or the app do; the backend
answers them (proxylab/backend.py), and lab files and expectation files write them as placeholders:
- `{client}`: how this machine's client (connecting from CLIENT_SOURCE, 127.0.0.77) appears
  inside the stack. Natively that is 127.0.0.77 itself; with Compose, Docker's port publishing
  hands the connection over from the lab network's gateway (172.30.0.1).
- `{upstream:SERVICE}`: the host:port a proxy uses to reach SERVICE, which Nginx's defaults pass
  on as the Host header (`app-server-root-path:8000` with Compose, 127.0.0.1:8000 natively).
- `{source:SERVICE}`: the address SERVICE connects from, as the apps see it.
`expand` fills them in for the backend that runs, and `normalize` turns live values back into them.
With PROXYLAB_TARGET set (proxylab/target.py), `expand` also puts the origin that serves each mapped
route elsewhere in place of its published one: the labs then run against a deployed stack by URL.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from proxylab import compose
from proxylab.backend import Backend, choose
from proxylab.compose import Stack
from proxylab.target import Target, from_environment

CLIENT_SOURCE = "127.0.0.77"  # a loopback address no app trusts: the labs' outside client
_PLACEHOLDER = re.compile(r"\{(client|upstream|source)(?::([\w-]+))?\}")


@dataclass(frozen=True)
class Context:
    stack: Stack
    backend: Backend
    # Where the routes are served when not here (PROXYLAB_TARGET); None: the published addresses.
    target: Target | None = None

    def value(self, kind: str, service: str | None = None) -> str:
        if kind == "client":
            return self.backend.seen_as(CLIENT_SOURCE)
        if service not in self.stack.services:
            raise KeyError(f"{{{kind}:{service}}} names no service in compose.yaml")
        if kind == "upstream":
            return self.backend.upstream(service)
        return self.backend.source_of(service)

    def expand(self, text: str) -> str:
        """`http://{upstream:app-plain}/x` → `http://127.0.0.1:8001/x` (native); a mapped route's
        published origin → the target's (`http://127.0.0.1:9411/x` → `http://lb.example:9411/x`)."""
        expanded = _PLACEHOLDER.sub(lambda m: self.value(m[1], m[2]), text)
        return expanded if self.target is None else self.target.retarget(expanded)

    def expand_any(self, value: Any) -> Any:
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
        address become placeholders again (used by the suites, whose cells are committed)."""
        for service in upstreams:
            text = text.replace(self.value("upstream", service), f"{{upstream:{service}}}")
        return _replace_address(text, self.value("client"), "{client}")


def _replace_address(text: str, address: str, placeholder: str) -> str:
    ipaddress.ip_address(address)
    return re.sub(rf"(?<![\d.]){re.escape(address)}(?![\d])", placeholder, text)


def connect(stack: Stack | None = None) -> Context:
    """compose.yaml (or `stack`) and the backend that runs it now, as proxylab.backend.choose says,
    and the target PROXYLAB_TARGET names, if any."""
    stack = stack or compose.load()
    return Context(stack, choose(stack, log=lambda _: None), from_environment())
