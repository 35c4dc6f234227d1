"""TLS routes terminate TLS with the lab's generated certificate, and only they do (lab 08).

What: for every port whose x-route says `tls: true`, the proxy behind it must terminate TLS there
(a Traefik router with `tls`, an Nginx `listen N ssl`, a Caddy `https://` site with `tls`, an
HAProxy `bind :N ssl crt`), serve a certificate and key whose container
paths map through the proxy's volumes into .run/certs (what `python -m proxylab up` generates),
and, for Nginx, send `X-Forwarded-Proto $scheme` unless the route keeps Nginx's defaults on
purpose. A port without `tls: true` must not terminate TLS.
When: `make check`, with the other checks; no certificate needs to exist yet.
Why: a TLS route that silently served plain http (or another certificate) would make lab 08 show
the wrong thing; without X-Forwarded-Proto the app could never learn the client used https.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from proxylab import yamlload
from proxylab.check.caddy import caddy_tls
from proxylab.check.common import FORWARDED_SNIPPET, NGINX_PREFIX, Finding, PortTls, _routed_ports, _services_of_image, _Unchecked, _verdict, is_generated_certs
from proxylab.check.haproxy import haproxy_tls
from proxylab.check.nginx import NginxServer, read_nginx_servers
from proxylab.check.traefik import _traefik_dynamic_dir, _traefik_http, _traefik_static
from proxylab.compose import Port, Service, Stack


def check_tls(stack: Stack) -> list[Finding]:
    """Each `tls: true` port terminates TLS with a certificate from .run/certs; no other port does."""
    problems: list[str] = []
    for service in _services_of_image(stack, "traefik"):
        problems += _traefik_tls_problems(service)
    for service in _services_of_image(stack, "nginx"):
        problems += _nginx_tls_problems(service)
    for service in _services_of_image(stack, "caddy"):
        problems += _terminates_problems(service, caddy_tls(service), "write the site as `https://:{port}` with `tls <cert> <key>`")
    for service in _services_of_image(stack, "haproxy"):
        problems += _terminates_problems(service, haproxy_tls(service), "write `bind :{port} ssl crt <chain-and-key file>`")
    tls_ports = sum(1 for service in stack.services.values() for port in _routed_ports(service) if port.route.tls)
    return _verdict("tls", problems, f"{tls_ports} TLS ports terminate TLS with .run/certs' certificate; no other port does")


def _cert_problems(service: Service, where: str, paths: Mapping[str, str | None]) -> list[str]:
    problems = []
    for what, container_path in paths.items():
        if not container_path:
            problems.append(f"{where}: names no {what}; point it at a file in a volume of .run/certs")
            continue
        host = service.host_path(container_path)
        if host is None or not is_generated_certs(host.parent):
            problems.append(f"{where}: {what} {container_path} is not in .run/certs through the volumes (maps to {host}); mount ./.run/certs and use a file in it")
    return problems


def _terminates_problems(service: Service, tls: Mapping[int, PortTls], how: str) -> list[str]:
    """Caddy and HAProxy: each route terminates TLS iff x-route says tls, with .run/certs' files.

    `tls` is what the proxy's config says of each port it listens on: (terminates?, {what: path})."""
    problems = []
    for port in _routed_ports(service):
        where = f"{service.name} port {port.published} ({port.name})"
        terminates, paths = tls.get(port.target, (False, {}))
        wanted = port.route.tls
        if terminates != wanted:
            fix = how.format(port=port.target) if wanted else "serve plain http there"
            problems.append(f"{where}: {'terminates' if terminates else 'does not terminate'} TLS but x-route says tls: {str(wanted).lower()}; {fix}")
        elif terminates:
            problems += _cert_problems(service, where, paths)
    return problems


# --- traefik ----------------------------------------------------------------------------------


def _traefik_tls_problems(service: Service) -> list[str]:
    try:
        static = _traefik_static(service)
        directory = _traefik_dynamic_dir(service, static)
    except _Unchecked as exc:
        return [f"cannot check {service.name}'s TLS: {exc}"]
    http = _traefik_http(directory)
    problems: list[str] = []
    tls_ports = [port for port in _routed_ports(service) if port.route.tls]
    if tls_ports:
        default = _traefik_default_certificate(directory)
        problems += _cert_problems(service, f"{service.name} tls.stores.default.defaultCertificate", {"certFile": default.get("certFile"), "keyFile": default.get("keyFile")})
    entrypoints = {name: str((spec or {}).get("address", "")).rpartition(":")[2] for name, spec in (static.get("entryPoints") or {}).items()}
    for port in _routed_ports(service):
        names = {name for name, listens in entrypoints.items() if listens == str(port.target)}
        routers = [router for router in http["routers"].values() if names & set(router.get("entryPoints") or [])]
        terminates = any("tls" in router for router in routers)
        if terminates != port.route.tls:
            fix = "add `tls: {}` to its router" if not terminates else "remove `tls` from its router"
            problems.append(f"{service.name} port {port.published} ({port.name}): {'terminates' if terminates else 'does not terminate'} TLS but x-route says tls: {str(port.route.tls).lower()}; {fix}")
    return problems


def _traefik_default_certificate(directory: Path) -> dict[str, Any]:
    for path in sorted([*directory.glob("*.yml"), *directory.glob("*.yaml")]):
        store = (((yamlload.safe_load(path.read_text()) or {}).get("tls") or {}).get("stores") or {}).get("default") or {}
        if store.get("defaultCertificate"):
            return dict(store["defaultCertificate"])
    return {}


# --- nginx ------------------------------------------------------------------------------------


def _nginx_tls_problems(service: Service) -> list[str]:
    templates = service.host_path(f"{NGINX_PREFIX}/templates")
    if templates is None or not templates.is_dir():
        return [f"cannot check {service.name}'s TLS: {NGINX_PREFIX}/templates is no folder on the host"]
    servers = [server for path in sorted(templates.glob("*.template")) for server in read_nginx_servers(path)]
    problems: list[str] = []
    for port in _routed_ports(service):
        matching = [server for server in servers if port.target in server.listen]
        if len(matching) == 1:
            problems += _nginx_port_problems(service, port, matching[0])
    return problems


def _nginx_port_problems(service: Service, port: Port, server: NginxServer) -> list[str]:
    where = f"{service.name} port {port.published} ({port.name})"
    listens = [args.split() for name, args in server.directives if name == "listen" and args.split()[0].endswith(str(port.target))]
    terminates = any("ssl" in words[1:] for words in listens)
    wanted = port.route.tls
    if terminates != wanted:
        fix = f"write `listen {port.target} ssl;`" if wanted else "remove `ssl` from its listen"
        return [f"{where}: {'terminates' if terminates else 'does not terminate'} TLS but x-route says tls: {str(wanted).lower()}; {fix}"]
    if not wanted:
        return []
    directives = dict(server.directives)
    problems = _cert_problems(service, where, {"ssl_certificate": directives.get("ssl_certificate"), "ssl_certificate_key": directives.get("ssl_certificate_key")})
    sets_proto = ("proxy_set_header", "X-Forwarded-Proto $scheme") in server.all_directives() or ("include", FORWARDED_SNIPPET) in server.all_directives()
    if not sets_proto and not port.route.defaults:
        problems.append(f"{where}: sends no `X-Forwarded-Proto $scheme`, so the app cannot learn the client used https; include {FORWARDED_SNIPPET}")
    return problems
