"""Each Caddy port has a site that routes as its x-route says, at the version tools/caddy builds.

A small reader of proxylab's Caddyfile, not of every Caddyfile: top-level `ADDRESS {` sites, in
them `handle_path PREFIX/*` (strips the prefix) or `handle PREFIX/*` (keeps it) around one
`reverse_proxy host:port`, and `tls CERT KEY` on a TLS site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from proxylab.check.common import (
    Finding,
    PortTls,
    _config_file,
    _go_tool_version_problems,
    _route_apps,
    _routed_ports,
    _services_of_image,
    _upstream_problems,
    _verdict,
)
from proxylab.compose import Port, Service, Stack
from proxylab.native.go_build import CADDY

CADDYFILE = "/etc/caddy/Caddyfile"


@dataclass(frozen=True)
class CaddySite:
    """One site block: its address (`:9201`, `https://:9241`), its port and its directive lines."""

    address: str
    port: int | None
    lines: list[str]

    @property
    def https(self) -> bool:
        return self.address.startswith("https://")

    def handlers(self) -> dict[str, tuple[str, list[str]]]:
        """`handle_path /api/v1/*` or `handle /api/v1/*` → (directive, the lines inside it)."""
        found: dict[str, tuple[str, list[str]]] = {}
        for index, line in enumerate(self.lines):
            match = re.match(r"(handle_path|handle)\s+(\S+)\s*\{$", line)
            if match:
                found[match[2]] = (match[1], _block(self.lines, index))
        return found

    def directive(self, name: str) -> list[str] | None:
        return next((line.split()[1:] for line in self.lines if line.split()[:1] == [name]), None)


def read_caddy_sites(path: Path) -> list[CaddySite]:
    lines = [line.strip() for line in re.sub(r"(^|\s)#[^\n]*", r"\1", path.read_text()).splitlines()]
    lines = [line for line in lines if line]
    sites = []
    for index, line in enumerate(lines):
        if _depth(lines, index) == 0 and line.endswith("{") and line != "{":
            address = line[:-1].strip()
            port = address.rpartition(":")[2]
            sites.append(CaddySite(address, int(port) if port.isdigit() else None, _block(lines, index)))
    return sites


def check_caddy(stack: Stack) -> list[Finding]:
    """Each Caddy port has one site: handle_path (strips) or handle (keeps) the prefix, to its app."""
    problems: list[str] = []
    for service in _services_of_image(stack, "caddy"):
        problems += _go_tool_version_problems(CADDY, service)
        path = _config_file(service, "--config", CADDYFILE)
        if path is None:
            problems.append(f"cannot check {service.name}'s routes: its Caddyfile is no file on the host; mount caddy/ at /etc/caddy")
            continue
        sites = read_caddy_sites(path)
        for port in _routed_ports(service):
            problems += _caddy_route_problems(stack, service, port, sites)
    return _verdict("caddy", problems, "every Caddy port routes as its x-route says, at the version tools/caddy/go.mod builds")


def _caddy_route_problems(stack: Stack, service: Service, port: Port, sites: list[CaddySite]) -> list[str]:
    where = f"{service.name} port {port.published} ({port.name})"
    matching = [site for site in sites if site.port == port.target]
    if len(matching) != 1:
        return [f"{where}: {len(matching)} sites in the Caddyfile listen on :{port.target} (want exactly 1); write one `:{port.target} {{ ... }}`"]
    site = matching[0]
    handler = site.handlers().get(f"{stack.prefix}/*")
    if handler is None:
        return [f"{where}: its site has no `handle_path {stack.prefix}/*` or `handle {stack.prefix}/*`; add one around reverse_proxy"]
    kind, inner = handler
    upstreams = [word for line in inner if line.split()[:1] == ["reverse_proxy"] for word in line.split()[1:] if word != "{"]
    problems = _upstream_problems(stack, where, [f"http://{upstream}" for upstream in upstreams], _route_apps(port))
    strips = kind == "handle_path"
    if strips != bool(port.route.strips):
        fix = f"use `handle_path {stack.prefix}/*`" if not strips else f"use `handle {stack.prefix}/*`"
        problems.append(f"{where}: `{kind}` {'strips' if strips else 'keeps'} {stack.prefix} but x-route says strips: {str(bool(port.route.strips)).lower()}; {fix}")
    return problems


def caddy_tls(service: Service) -> dict[int, PortTls]:
    """For the tls check: port → (terminates TLS?, {what: certificate path}) of the first site on it."""
    path = _config_file(service, "--config", CADDYFILE)
    found: dict[int, PortTls] = {}
    for site in read_caddy_sites(path) if path else []:
        tls = site.directive("tls") or []
        if site.port is not None and site.port not in found:
            found[site.port] = (site.https or bool(tls), {"tls certificate": tls[0] if tls else None, "tls key": tls[1] if len(tls) > 1 else None})
    return found


def _depth(lines: list[str], index: int) -> int:
    return sum(line.count("{") - line.count("}") for line in lines[:index])


def _block(lines: list[str], start: int) -> list[str]:
    """The lines inside the block that `lines[start]` opens."""
    depth, inside = 0, []
    for line in lines[start:]:
        depth += line.count("{") - line.count("}")
        if depth <= 0:
            break
        inside.append(line)
    return inside[1:]
