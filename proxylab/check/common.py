"""What every check shares: the Finding type, constants, and small readers of compose services.

The proxies' own checks (proxylab/proxies/<proxy>) use the public helpers here too: how a route's
upstreams, strip and TLS are compared with x-route, and how a verdict is reported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from proxylab.compose import Port, Service, Stack
from proxylab.errors import ProxylabError
from proxylab.native.go_build import GoTool, image_version
from proxylab.paths import REPO

README_BEGIN = "<!-- routes:begin -->"
README_END = "<!-- routes:end -->"
# Only these may trust X-Forwarded-* from anyone: the lab builds one such app to show why not, and
# lab 15 runs the FastAPI docs' own `fastapi run --forwarded-allow-ips="*"` to show what it risks.
TRUST_ALL_SERVICES = frozenset({"app-trust-all", "app-fastapi-run"})
# Only these may trust no proxy at all (FORWARDED_ALLOW_IPS=""): lab 08 builds them behind TLS
# routes to show the mixed-content bug and the HTTPS redirect loop.
TRUST_NOBODY_SERVICES = frozenset({"app-trusts-nobody", "app-https-redirect-untrusted"})
# Only these may trust, besides the proxies that forward to them, a CIDR network of outer proxies:
# lab 12's chain (client → edge → Traefik → app), where only trusting every hop finds the client.
TRUST_CHAIN_SERVICES = frozenset({"app-trusts-the-chain"})
# What a proxy's config says of one port for the tls check: does it terminate TLS there, and with
# which files ({what: container path}, e.g. {"crt": "/etc/proxylab/certs/server-with-key.pem"}).
PortTls = tuple[bool, dict[str, str | None]]


@dataclass(frozen=True)
class Finding:
    """One check's verdict: a pass, or one problem it found (a check reports all its problems)."""

    check: str
    ok: bool
    message: str


class Unchecked(Exception):
    """A file a check needs is missing or unreadable; the message says which one and what to do."""


# --- shared helpers -------------------------------------------------------------------------


def forwarded_allow_ips(service: Service) -> str | None:
    """What uvicorn trusts: --forwarded-allow-ips wins over the FORWARDED_ALLOW_IPS variable."""
    return command_option(service.command or [], "--forwarded-allow-ips") or service.environment.get(
        "FORWARDED_ALLOW_IPS"
    )


def command_option(argv: list[str], flag: str) -> str | None:
    """`--flag value` or `--flag=value` in a command; flags compare case-insensitively (Traefik's do)."""
    for index, arg in enumerate(argv):
        name, equals, value = arg.partition("=")
        if name.lower() != flag.lower():
            continue
        if equals:
            return value
        return argv[index + 1] if index + 1 < len(argv) else None
    return None


def config_file(service: Service, flag: str, default: str) -> Path | None:
    """The host file behind the config a proxy's command names with `flag` (else `default`, the
    image's own path); None where the volumes mount no file there."""
    path = service.host_path(command_option(service.command or [], flag) or default)
    return path if path is not None and path.is_file() else None


def upstream_problems(stack: Stack, where: str, urls: list[str], apps: tuple[str, ...]) -> list[str]:
    """Every upstream URL names one of `apps` at a port it listens on, and every app is named.

    `apps` is x-route.app, or x-route.replicas for a route that balances over replicas (lab 07).
    """
    app = apps[0]
    if not urls:
        return [f"{where}: has no upstream URL; point it at http://{app}:8000"]
    problems, seen = [], set()
    for url in urls:
        found = re.match(r"\w+://([^/:]+)(?::(\d+))?", url)
        host, port = (found[1], int(found[2] or 80)) if found else (url, None)
        allowed = _container_ports(stack.services[host]) if host in stack.services else set()
        if host not in apps or port not in allowed:
            wanted = " or ".join(apps)
            problems.append(
                f"{where}: forwards to {url or '(nothing)'} but x-route names {wanted}; "
                f"point it at http://{app}:{min(allowed, default=8000)}"
            )
        seen.add(host)
    missing = [name for name in apps if name not in seen]
    if missing and not problems:
        problems.append(
            f"{where}: x-route.replicas names {', '.join(missing)}, which the proxy never forwards to; "
            "add it as a server"
        )
    return problems


def _container_ports(service: Service) -> set[int]:
    ports = {port.target for port in service.ports}
    if command_option(service.command or [], "--port") or command_option(service.command or [], "--bind"):
        # uvicorn's --port, Hypercorn's --bind HOST:PORT: Service.server_port reads either.
        ports.add(service.server_port)
    return ports


def go_tool_version_problems(tool: GoTool, service: Service) -> list[str]:
    """The native backend builds `tool` from tools/<name>/go.mod: it must be the image's version."""
    try:
        required = tool.module_version()
    except (OSError, ProxylabError) as exc:
        return [
            f"tools/{tool.name}/go.mod cannot say which {tool.title} it builds ({exc}); restore it from git"
        ]
    if image_version((service.image or "").rpartition(":")[2]) == required:
        return []
    return [
        f"{service.name}: image {service.image} "
        f"but tools/{tool.name}/go.mod requires {tool.module} {required}; make both the same version"
    ]


def _app_services(stack: Stack) -> list[Service]:
    apps = {
        app
        for service in stack.services.values()
        for port in routed_ports(service)
        for app in route_apps(port)
    }
    return [service for name, service in stack.services.items() if name in apps]


def routed_ports(service: Service) -> list[Port]:
    return [port for port in service.ports if port.route is not None]


def listen_port(address: str) -> int | None:
    port = address.rpartition(":")[2]
    return int(port) if port.isdigit() else None


def verdict(check: str, problems: list[str], passed: str) -> list[Finding]:
    if not problems:
        return [Finding(check, True, passed)]
    return [Finding(check, False, problem) for problem in problems]


def _shown(path: Path) -> str:
    """A path as a person finds it: relative to the repo when it is inside."""
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def is_generated_certs(path: Path | None) -> bool:
    """`<project>/.run/certs` or `.run/k8s`: the folders `python -m proxylab up` fills before
    the services that mount them start (proxylab/certs.py; the k8s profile's CRDs and the
    k8s-credentials one-shot, proxylab/k8s/oneshot.py)."""
    return path is not None and path.parts[-2:] in ((".run", "certs"), (".run", "k8s"))


def route_apps(port: Port) -> tuple[str, ...]:
    """The services a route's proxy must forward to: x-route.replicas, else x-route.app."""
    return port.route.upstreams


# --- what each proxy's TLS check shares ------------------------------------------------------


def cert_problems(service: Service, where: str, paths: Mapping[str, str | None]) -> list[str]:
    problems = []
    for what, container_path in paths.items():
        if not container_path:
            problems.append(f"{where}: names no {what}; point it at a file in a volume of .run/certs")
            continue
        host = service.host_path(container_path)
        if host is None or not is_generated_certs(host.parent):
            problems.append(
                f"{where}: {what} {container_path} is not in .run/certs through the volumes "
                f"(maps to {host}); mount ./.run/certs and use a file in it"
            )
    return problems


def terminates_problems(service: Service, tls: Mapping[int, PortTls], how: str) -> list[str]:
    """Caddy and HAProxy: each route terminates TLS iff x-route says tls, with .run/certs' files.

    `tls` is what the proxy's config says of each port it listens on: (terminates?, {what: path})."""
    problems = []
    for port in routed_ports(service):
        where = f"{service.name} port {port.published} ({port.name})"
        terminates, paths = tls.get(port.target, (False, {}))
        wanted = port.route.tls
        if terminates != wanted:
            fix = how.format(port=port.target) if wanted else "serve plain http there"
            problems.append(
                f"{where}: {'terminates' if terminates else 'does not terminate'} TLS "
                f"but x-route says tls: {str(wanted).lower()}; {fix}"
            )
        elif terminates:
            problems += cert_problems(service, where, paths)
    return problems
