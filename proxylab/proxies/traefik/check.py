"""Each Traefik port routes as its x-route says, at the version tools/traefik builds, and
terminates TLS exactly where x-route says `tls: true` (`make check`'s traefik and tls checks)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from proxylab import yamlload
from proxylab.check.common import (
    Finding,
    Unchecked,
    cert_problems,
    command_option,
    go_tool_version_problems,
    listen_port,
    route_apps,
    routed_ports,
    upstream_problems,
    verdict,
)
from proxylab.compose import Port, Service, Stack
from proxylab.native.go_build import GoTool
from proxylab.proxies.traefik.k8s_check import k8s_route_problems, uses_kubernetes


def check_traefik(stack: Stack, services: list[Service], tool: GoTool) -> list[Finding]:
    """Each Traefik port has an entryPoint, one router to its app, and strips iff x-route says so;
    `tool` (tools/traefik) builds the image's version."""
    problems: list[str] = []
    for service in services:
        problems += go_tool_version_problems(tool, service)
        try:
            static = _traefik_static(service)
            if uses_kubernetes(static):
                # traefik-k8s: its routers come from the objects in k8s/ (k8s_check.py).
                for port in routed_ports(service):
                    where = f"{service.name} port {port.published} ({port.name})"
                    problems += k8s_route_problems(stack, where, port, static)
                continue
            http = _traefik_http(_traefik_dynamic_dir(service, static))
        except Unchecked as exc:
            problems.append(f"cannot check {service.name}'s routes: {exc}")
            continue
        entrypoints = {
            name: listen_port(str((spec or {}).get("address", "")))
            for name, spec in (static.get("entryPoints") or {}).items()
        }
        for port in routed_ports(service):
            problems += _traefik_route_problems(stack, service, port, entrypoints, http)
    return verdict(
        "traefik",
        problems,
        "every Traefik port routes as its x-route says, at the version tools/traefik/go.mod builds",
    )


def _traefik_route_problems(
    stack: Stack, service: Service, port: Port, entrypoints: Mapping[str, int | None], http: Mapping[str, Any]
) -> list[str]:
    where = f"{service.name} port {port.published} ({port.name})"
    names = {name for name, listens in entrypoints.items() if listens == port.target}
    if not names:
        return [
            f"{where}: no entryPoint in traefik.yml listens on :{port.target}; add `{port.name}: {{address: "
            f'":{port.target}"}}` under entryPoints'
        ]
    # One router per entrypoint, so the port alone says what happens to a request.
    routers = {
        name: spec for name, spec in http["routers"].items() if names & set(spec.get("entryPoints") or [])
    }
    if len(routers) != 1:
        return [
            f"{where}: {len(routers)} routers in dynamic/ take entryPoint {', '.join(sorted(names))} (want "
            "exactly 1); list it in one router's entryPoints"
        ]
    router_name, router = next(iter(routers.items()))
    what = f"{where}, router {router_name}"
    problems: list[str] = []
    if not re.search(rf"PathPrefix\([`\"]{re.escape(stack.prefix)}[`\"]\)", str(router.get("rule", ""))):
        problems.append(
            f"{what}: rule {router.get('rule')!r} does not match PathPrefix(`{stack.prefix}`); every route "
            f"is about {stack.prefix}"
        )
    servers = ((http["services"].get(router.get("service")) or {}).get("loadBalancer") or {}).get(
        "servers"
    ) or []
    problems += upstream_problems(
        stack, what, [str(server.get("url", "")) for server in servers], route_apps(port)
    )
    strips = any(
        stack.prefix in _strip_prefixes(http, middleware) for middleware in router.get("middlewares") or []
    )
    if strips != bool(port.route.strips):
        fix = (
            f"add a stripPrefix middleware with prefixes [{stack.prefix}]"
            if not strips
            else "remove its stripPrefix middleware"
        )
        problems.append(
            f"{what}: {'strips' if strips else 'keeps'} {stack.prefix} but x-route says strips: "
            f"{str(bool(port.route.strips)).lower()}; {fix}"
        )
    return problems


def traefik_file_problems(service: Service) -> list[str]:
    """The static config its --configFile names and the file provider's folder exist on the host."""
    try:
        static = _traefik_static(service)
        if not uses_kubernetes(static):
            _traefik_dynamic_dir(service, static)
    except Unchecked as exc:
        return [str(exc)]
    return []


def _traefik_static(service: Service) -> Mapping[str, Any]:
    container_path = command_option(service.command or [], "--configfile")
    if container_path is None:
        raise Unchecked(
            f"{service.name}: its command has no --configFile; add `--configFile=/etc/traefik/traefik.yml`"
        )
    host = service.host_path(container_path)
    if host is None or not host.is_file():
        raise Unchecked(
            f"{service.name}: --configFile={container_path} is no file on the host "
            f"({host or 'not inside a volume'}); mount the folder that holds traefik.yml"
        )
    return yamlload.safe_load(host.read_text()) or {}


def _traefik_dynamic_dir(service: Service, static: Mapping[str, Any]) -> Path:
    directory = ((static.get("providers") or {}).get("file") or {}).get("directory")
    if directory is None:
        raise Unchecked(
            f"{service.name}: traefik.yml has no providers.file.directory; name the folder that holds the "
            "routers"
        )
    host = service.host_path(directory)
    if host is None or not host.is_dir():
        raise Unchecked(
            f"{service.name}: providers.file.directory {directory} is no folder on the host "
            f"({host or 'not inside a volume'}); create it or mount it"
        )
    return host


def _traefik_http(directory: Path) -> dict[str, dict[str, Any]]:
    """The routers, middlewares and services of every YAML file in the provider's folder, merged."""
    http: dict[str, dict[str, Any]] = {"routers": {}, "middlewares": {}, "services": {}}
    for path in sorted([*directory.glob("*.yml"), *directory.glob("*.yaml")]):
        section = (yamlload.safe_load(path.read_text()) or {}).get("http") or {}
        for kind, items in http.items():
            items.update(section.get(kind) or {})
    return http


def _strip_prefixes(http: Mapping[str, Any], middleware: str) -> list[str]:
    spec = http["middlewares"].get(middleware.split("@")[0]) or {}
    return list((spec.get("stripPrefix") or {}).get("prefixes") or [])


# --- tls ------------------------------------------------------------------------------------


def traefik_tls_problems(service: Service) -> list[str]:
    """Each `tls: true` port's router has `tls`, no other one does, and the default certificate
    store serves .run/certs' files."""
    try:
        static = _traefik_static(service)
        if uses_kubernetes(static):
            # traefik-k8s terminates no TLS: every port of it says so, or this names it.
            tls = [str(port.published) for port in routed_ports(service) if port.route.tls]
            return (
                [f"{service.name}: ports {', '.join(tls)} say tls: true; k8s/ terminates no TLS"]
                if tls
                else []
            )
        directory = _traefik_dynamic_dir(service, static)
    except Unchecked as exc:
        return [f"cannot check {service.name}'s TLS: {exc}"]
    http = _traefik_http(directory)
    problems: list[str] = []
    tls_ports = [port for port in routed_ports(service) if port.route.tls]
    if tls_ports:
        default = _traefik_default_certificate(directory)
        problems += cert_problems(
            service,
            f"{service.name} tls.stores.default.defaultCertificate",
            {"certFile": default.get("certFile"), "keyFile": default.get("keyFile")},
        )
    entrypoints = {
        name: str((spec or {}).get("address", "")).rpartition(":")[2]
        for name, spec in (static.get("entryPoints") or {}).items()
    }
    for port in routed_ports(service):
        names = {name for name, listens in entrypoints.items() if listens == str(port.target)}
        routers = [
            router for router in http["routers"].values() if names & set(router.get("entryPoints") or [])
        ]
        terminates = any("tls" in router for router in routers)
        if terminates != port.route.tls:
            fix = "add `tls: {}` to its router" if not terminates else "remove `tls` from its router"
            problems.append(
                f"{service.name} port {port.published} ({port.name}): "
                f"{'terminates' if terminates else 'does not terminate'} TLS but x-route says tls: "
                f"{str(port.route.tls).lower()}; {fix}"
            )
    return problems


def _traefik_default_certificate(directory: Path) -> dict[str, Any]:
    for path in sorted([*directory.glob("*.yml"), *directory.glob("*.yaml")]):
        store = (((yamlload.safe_load(path.read_text()) or {}).get("tls") or {}).get("stores") or {}).get(
            "default"
        ) or {}
        if store.get("defaultCertificate"):
            return dict(store["defaultCertificate"])
    return {}
