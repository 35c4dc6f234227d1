"""HAProxy: the pinned release unpacked from Debian's suites natively, configured by one haproxy.cfg.

What: HAPROXY, the Proxy (proxylab/proxies/base.py) for every `haproxy:<tag>` service: the
haproxy of Debian's package whose upstream version is the tag's (3.2.26 from sid for
haproxy:3.2.26-alpine; proxylab/native/debian_release.py), `haproxy -db -f <cfg>` in the
foreground, stopped with SIGUSR1 as the image's STOPSIGNAL says (a soft stop: it finishes the
connections it has), the native copy of haproxy.cfg, and `make check`'s reading of its
frontends against x-route.
When: resolved through proxylab/proxies/__init__.py's table.
Why here: everything proxylab knows about HAProxy in one module.

The check is a small reader of proxylab's haproxy.cfg, not of every one: sections start at the
left margin (`frontend NAME`, `backend NAME`), their lines are indented; a frontend has `bind
:PORT [ssl crt FILE]`, `default_backend NAME`, and strips the prefix with `http-request set-path
%[path,regsub(^PREFIX/?,/)]`; a backend lists `server NAME host:port`.
"""

from __future__ import annotations

import re
import signal
from dataclasses import dataclass, field
from pathlib import Path

from proxylab.check.common import (
    Finding,
    PortTls,
    config_file,
    route_apps,
    routed_ports,
    terminates_problems,
    upstream_problems,
    verdict,
)
from proxylab.compose import Port, Service, Stack
from proxylab.native.addresses import NativeAddresses
from proxylab.native.debian_release import DebianRelease
from proxylab.native.render import render_one_file
from proxylab.proxies import services_of
from proxylab.proxies.base import FromDebian

HAPROXY_CFG = "/usr/local/etc/haproxy/haproxy.cfg"
# The release compose.yaml's image tag pins, from the Debian suite that has it.
RELEASE = DebianRelease("haproxy", "haproxy", ("usr/sbin/haproxy",))


class Haproxy(FromDebian):
    """HAProxy as proxylab runs, stops, configures, checks and asks it (the Proxy Protocol)."""

    name = "haproxy"
    stop_signal = signal.SIGUSR1  # the image's STOPSIGNAL (images/debian/haproxy/Dockerfile too)
    version_command = ("haproxy", "-v")
    version_pattern = r"HAProxy version (\S+)"
    release = RELEASE

    def argv(self, binary: str, config: Path, run_dir: Path) -> list[str]:
        # -db: foreground, no daemon, no pid file, as compose.yaml's command says.
        return [binary, "-db", "-f", str(config)]

    def render(self, service: Service, addresses: NativeAddresses, out: Path) -> Path:
        return render_haproxy(service, addresses, out)

    def file_problems(self, service: Service) -> list[str]:
        return []  # its config is a mounted volume, which the files check already finds

    def check(self, stack: Stack) -> list[Finding]:
        return check_haproxy(stack, services_of(stack, self))

    def tls_problems(self, service: Service) -> list[str]:
        how = "write `bind :{port} ssl crt <chain-and-key file>`"
        return terminates_problems(service, haproxy_tls(service), how)


HAPROXY = Haproxy()


# --- the native copy ------------------------------------------------------------------------


_HAPROXY_BIND = re.compile(r"^(\s*bind\s+)(?:[\w.*\[\]:]*):(\d+)\b", re.MULTILINE)


def render_haproxy(service: Service, addresses: NativeAddresses, out: Path) -> Path:
    """A native copy of haproxy.cfg: each `bind :PORT` gets its native address, service names
    become addresses and mounted paths the host paths behind them. Return the copy's path."""

    def bind(match: re.Match[str]) -> str:
        host, port = addresses.bind(service.name, int(match[2]))
        return f"{match[1]}{host}:{port}"

    return render_one_file(
        service, addresses, out, "-f", HAPROXY_CFG, lambda text: _HAPROXY_BIND.sub(bind, text)
    )


# --- make check -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HaproxySection:
    kind: str  # frontend, backend, defaults, global, listen
    name: str
    lines: list[list[str]] = field(default_factory=list)  # each line's words

    def words(self, *start: str) -> list[list[str]]:
        """The lines that begin with `start`, e.g. ("http-request", "set-path")."""
        return [line for line in self.lines if tuple(line[: len(start)]) == start]

    @property
    def binds(self) -> list[tuple[int, list[str]]]:
        return [
            (int(line[1].rpartition(":")[2]), line[2:])
            for line in self.words("bind")
            if line[1].rpartition(":")[2].isdigit()
        ]


def read_haproxy(path: Path) -> list[HaproxySection]:
    sections: list[HaproxySection] = []
    for raw in path.read_text().splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if not line.strip():
            continue
        if not line[0].isspace():
            kind, _, name = line.partition(" ")
            sections.append(HaproxySection(kind, name.strip()))
        elif sections:
            sections[-1].lines.append(line.split())
    return sections


def check_haproxy(stack: Stack, services: list[Service]) -> list[Finding]:
    """Each HAProxy port has one frontend, to its app's backend, stripping iff x-route says so."""
    problems: list[str] = []
    for service in services:
        path = config_file(service, "-f", HAPROXY_CFG)
        if path is None:
            problems.append(
                f"cannot check {service.name}'s routes: haproxy.cfg is no file on the host; mount haproxy/ "
                "at /usr/local/etc/haproxy"
            )
            continue
        sections = read_haproxy(path)
        for port in routed_ports(service):
            problems += _haproxy_route_problems(stack, service, port, sections)
    return verdict("haproxy", problems, "every HAProxy port routes as its x-route says")


def frontend_for(sections: list[HaproxySection], port: int) -> list[HaproxySection]:
    return [
        section
        for section in sections
        if section.kind == "frontend" and any(bound == port for bound, _ in section.binds)
    ]


def _haproxy_route_problems(
    stack: Stack, service: Service, port: Port, sections: list[HaproxySection]
) -> list[str]:
    where = f"{service.name} port {port.published} ({port.name})"
    matching = frontend_for(sections, port.target)
    if len(matching) != 1:
        return [
            f"{where}: {len(matching)} frontends in haproxy.cfg bind :{port.target} (want exactly 1); write "
            f"one with `bind :{port.target}`"
        ]
    frontend = matching[0]
    what = f"{where}, frontend {frontend.name}"
    backend_names = [line[1] for line in frontend.words("default_backend")]
    backends = [
        section for section in sections if section.kind == "backend" and section.name in backend_names
    ]
    if len(backends) != 1 or frontend.words("use_backend"):
        return [
            f"{what}: routes to {len(backends)} backends (want exactly one `default_backend`, no "
            "use_backend); give it one"
        ]
    servers = [f"http://{line[2]}" for line in backends[0].words("server") if len(line) > 2]
    problems = upstream_problems(stack, what, servers, route_apps(port))
    strips = any(
        f"regsub(^{stack.prefix}/?,/)" in "".join(line[2:])
        for line in frontend.words("http-request", "set-path")
    )
    if strips != bool(port.route.strips):
        fix = (
            f"add `http-request set-path %[path,regsub(^{stack.prefix}/?,/)]`"
            if not strips
            else "remove its set-path"
        )
        problems.append(
            f"{what}: {'strips' if strips else 'keeps'} {stack.prefix} but x-route says strips: "
            f"{str(bool(port.route.strips)).lower()}; {fix}"
        )
    if not frontend.words("http-request", "return") or not any(
        f"{stack.prefix}/" in line for line in frontend.words("http-request", "return")
    ):
        problems.append(
            f"{what}: answers paths outside {stack.prefix}/ too; add `http-request return status 404 ... "
            f"unless {{ path_beg {stack.prefix}/ }}`"
        )
    sets_proto = bool(frontend.words("http-request", "set-header", "X-Forwarded-Proto"))
    if port.route.defaults and sets_proto:
        problems.append(
            f"{what}: is a `defaults: true` route but sets X-Forwarded-Proto; remove it so HAProxy's default "
            "shows"
        )
    if not port.route.defaults and not sets_proto:
        problems.append(
            f"{what}: does not `http-request set-header X-Forwarded-Proto`, "
            "so a client's forged one reaches the app; add it, or mark the route `defaults: true`"
        )
    return problems


def haproxy_tls(service: Service) -> dict[int, PortTls]:
    """For the tls check: port → (terminates TLS?, {what: certificate path}) of the frontends'
    binds on it."""
    path = config_file(service, "-f", HAPROXY_CFG)
    binds = [
        bind
        for section in (read_haproxy(path) if path else [])
        if section.kind == "frontend"
        for bind in section.binds
    ]
    found: dict[int, PortTls] = {}
    for port in {bound for bound, _ in binds}:
        options = [words for bound, words in binds if bound == port]
        crt = next((words[words.index("crt") + 1] for words in options if "crt" in words[:-1]), None)
        found[port] = (any("ssl" in words for words in options), {"crt": crt})
    return found
