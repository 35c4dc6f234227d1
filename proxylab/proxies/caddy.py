"""Caddy: built from its Go module at the image's tag, configured by one Caddyfile.

What: CADDY, the Proxy (proxylab/proxies/base.py) for every `caddy:<tag>` service: the binary
tools/caddy builds (TOOL), `caddy run --config ... --adapter caddyfile` with its data and config
folders (XDG_DATA_HOME, XDG_CONFIG_HOME: the image's /data and /config) in the run folder rather
than ~/.local/share/caddy, SIGTERM as the image's default, the native copy of the Caddyfile, and
`make check`'s reading of its sites against x-route.
When: resolved through proxylab/proxies/__init__.py's table.
Why here: everything proxylab knows about Caddy in one module.

The check is a small reader of proxylab's Caddyfile, not of every Caddyfile: top-level `ADDRESS {`
sites, in them `handle_path PREFIX/*` (strips the prefix) or `handle PREFIX/*` (keeps it) around
one `reverse_proxy host:port`, and `tls CERT KEY` on a TLS site.
"""

from __future__ import annotations

import re
import signal
from dataclasses import dataclass
from pathlib import Path

from proxylab.check.common import (
    Finding,
    PortTls,
    config_file,
    go_tool_version_problems,
    route_apps,
    routed_ports,
    terminates_problems,
    upstream_problems,
    verdict,
)
from proxylab.compose import Port, Service, Stack
from proxylab.native.addresses import NativeAddresses
from proxylab.native.go_build import GoTool
from proxylab.native.render import render_one_file
from proxylab.proxies import services_of
from proxylab.proxies.base import BuiltFromGo

CADDYFILE = "/etc/caddy/Caddyfile"

TOOL = GoTool(
    name="caddy",
    title="Caddy",
    module="github.com/caddyserver/caddy/v2",
    package="github.com/caddyserver/caddy/v2/cmd/caddy",
    # Caddy's release builds may set CustomVersion for exactly this.
    version_variable="github.com/caddyserver/caddy/v2.CustomVersion",
)


class Caddy(BuiltFromGo):
    """Caddy as proxylab runs, stops, configures, checks and asks it (the Proxy Protocol)."""

    name = "caddy"
    stop_signal = signal.SIGTERM  # the image declares no STOPSIGNAL
    version_command = ("caddy", "version")
    version_pattern = r"^(v\S+)"
    tool = TOOL

    def argv(self, binary: str, config: Path, run_dir: Path) -> list[str]:
        return [binary, "run", "--config", str(config), "--adapter", "caddyfile"]

    def env(self, run_dir: Path) -> dict[str, str]:
        # Where the image keeps Caddy's data and config (/data, /config): the run folder natively.
        return {"XDG_DATA_HOME": str(run_dir / "data"), "XDG_CONFIG_HOME": str(run_dir / "config")}

    def render(self, service: Service, addresses: NativeAddresses, out: Path) -> Path:
        return render_caddy(service, addresses, out)

    def file_problems(self, service: Service) -> list[str]:
        return []  # its config is a mounted volume, which the files check already finds

    def check(self, stack: Stack) -> list[Finding]:
        return check_caddy(stack, services_of(stack, self))

    def tls_problems(self, service: Service) -> list[str]:
        how = "write the site as `https://:{port}` with `tls <cert> <key>`"
        return terminates_problems(service, caddy_tls(service), how)


CADDY = Caddy()


# --- the native copy ------------------------------------------------------------------------


_CADDY_SITE = re.compile(r"^((?:https?://)?):(\d+)(\s*\{)$", re.MULTILINE)


def render_caddy(service: Service, addresses: NativeAddresses, out: Path) -> Path:
    """A native copy of the Caddyfile: each site `:PORT {` gets `bind <address>` (where Compose
    publishes it, or the service's own loopback address), service names become addresses and
    mounted paths the host paths behind them. Return the copy's path."""

    def site(match: re.Match[str]) -> str:
        host, port = addresses.bind(service.name, int(match[2]))
        return f"{match[1]}:{port}{match[3]}\n\tbind {host}"

    return render_one_file(
        service, addresses, out, "--config", CADDYFILE, lambda text: _CADDY_SITE.sub(site, text)
    )


# --- make check -----------------------------------------------------------------------------


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


def check_caddy(stack: Stack, services: list[Service]) -> list[Finding]:
    """Each Caddy port has one site: handle_path (strips) or handle (keeps) the prefix, to its app."""
    problems: list[str] = []
    for service in services:
        problems += go_tool_version_problems(TOOL, service)
        path = config_file(service, "--config", CADDYFILE)
        if path is None:
            problems.append(
                f"cannot check {service.name}'s routes: its Caddyfile is no file on the host; mount caddy/ "
                "at /etc/caddy"
            )
            continue
        sites = read_caddy_sites(path)
        for port in routed_ports(service):
            problems += _caddy_route_problems(stack, service, port, sites)
    return verdict(
        "caddy",
        problems,
        "every Caddy port routes as its x-route says, at the version tools/caddy/go.mod builds",
    )


def _caddy_route_problems(stack: Stack, service: Service, port: Port, sites: list[CaddySite]) -> list[str]:
    where = f"{service.name} port {port.published} ({port.name})"
    matching = [site for site in sites if site.port == port.target]
    if len(matching) != 1:
        return [
            f"{where}: {len(matching)} sites in the Caddyfile listen on :{port.target} (want exactly 1); "
            f"write one `:{port.target} {{ ... }}`"
        ]
    site = matching[0]
    handler = site.handlers().get(f"{stack.prefix}/*")
    if handler is None:
        return [
            f"{where}: its site has no `handle_path {stack.prefix}/*` or `handle {stack.prefix}/*`; add one "
            "around reverse_proxy"
        ]
    kind, inner = handler
    upstreams = [
        word
        for line in inner
        if line.split()[:1] == ["reverse_proxy"]
        for word in line.split()[1:]
        if word != "{"
    ]
    problems = upstream_problems(
        stack, where, [f"http://{upstream}" for upstream in upstreams], route_apps(port)
    )
    strips = kind == "handle_path"
    if strips != bool(port.route.strips):
        fix = f"use `handle_path {stack.prefix}/*`" if not strips else f"use `handle {stack.prefix}/*`"
        problems.append(
            f"{where}: `{kind}` {'strips' if strips else 'keeps'} {stack.prefix} but x-route says strips: "
            f"{str(bool(port.route.strips)).lower()}; {fix}"
        )
    return problems


def caddy_tls(service: Service) -> dict[int, PortTls]:
    """For the tls check: port → (terminates TLS?, {what: certificate path}) of the first site on it."""
    path = config_file(service, "--config", CADDYFILE)
    found: dict[int, PortTls] = {}
    for site in read_caddy_sites(path) if path else []:
        tls = site.directive("tls") or []
        if site.port is not None and site.port not in found:
            found[site.port] = (
                site.https or bool(tls),
                {"tls certificate": tls[0] if tls else None, "tls key": tls[1] if len(tls) > 1 else None},
            )
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
