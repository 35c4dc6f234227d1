"""Each Nginx port has a server block that routes as its x-route says and terminates TLS exactly
where x-route says `tls: true` (`make check`'s nginx and tls checks), read with config.py."""

from __future__ import annotations

import re
from collections.abc import Mapping

from proxylab.check.common import (
    Finding,
    cert_problems,
    route_apps,
    routed_ports,
    upstream_problems,
    verdict,
)
from proxylab.compose import Port, Service, Stack
from proxylab.proxies.nginx.config import NginxServer, read_nginx_servers, read_nginx_upstreams

# Where the nginx image keeps its config; `include` and the templates folder are relative to it.
NGINX_PREFIX = "/etc/nginx"
FORWARDED_SNIPPET = "snippets/forwarded-headers.conf"


def _nginx_upstream_urls(proxy_pass: str, upstreams: Mapping[str, list[str]]) -> list[str]:
    """proxy_pass's URL, or, when it names an upstream block, each of the block's servers."""
    found = re.match(r"\w+://([^/:]+)", proxy_pass)
    if found and found[1] in upstreams:
        return upstreams[found[1]]
    return [proxy_pass]


def check_nginx(stack: Stack, services: list[Service]) -> list[Finding]:
    """Each Nginx port has a server block with `location <prefix>/` that proxies as x-route says."""
    problems: list[str] = []
    for service in services:
        templates = service.host_path(f"{NGINX_PREFIX}/templates")
        if templates is None or not templates.is_dir():
            problems.append(
                f"cannot check {service.name}'s routes: {NGINX_PREFIX}/templates is no folder on the host; "
                "mount nginx/templates there"
            )
            continue
        paths = sorted(templates.glob("*.template"))
        servers = [server for path in paths for server in read_nginx_servers(path)]
        upstreams = {name: members for path in paths for name, members in read_nginx_upstreams(path).items()}
        snippet = service.host_path(f"{NGINX_PREFIX}/{FORWARDED_SNIPPET}")
        if any(("include", FORWARDED_SNIPPET) in server.all_directives() for server in servers) and not (
            snippet and snippet.is_file()
        ):
            problems.append(
                f"{service.name}: routes include {FORWARDED_SNIPPET}, which no volume provides; mount "
                f"nginx/snippets at {NGINX_PREFIX}/snippets"
            )
        for port in routed_ports(service):
            problems += _nginx_route_problems(stack, service, port, servers, upstreams)
    return verdict("nginx", problems, "every Nginx port has a server block that routes as its x-route says")


def _nginx_route_problems(
    stack: Stack, service: Service, port: Port, servers: list[NginxServer], upstreams: Mapping[str, list[str]]
) -> list[str]:
    where = f"{service.name} port {port.published} ({port.name})"
    matching = [server for server in servers if port.target in server.listen]
    if len(matching) != 1:
        return [
            f"{where}: {len(matching)} server blocks in nginx/templates/ listen on {port.target} (want "
            f"exactly 1); write one with `listen {port.target};`"
        ]
    server = matching[0]
    if port.route.rewrite == "ingress-nginx":
        return _ingress_route_problems(stack, where, port, server)
    location = server.locations.get(f"{stack.prefix}/")
    if location is None:
        return [
            f"{where}: its server block ({server.source.name}) has no `location {stack.prefix}/`; add one"
        ]
    proxy_pass = next((args for name, args in location if name == "proxy_pass"), "")
    if port.route.via is not None:
        return _via_problems(stack, where, port, proxy_pass) + _nginx_header_problems(
            where, server, defaults=False
        )
    problems = upstream_problems(stack, where, _nginx_upstream_urls(proxy_pass, upstreams), route_apps(port))
    strips = bool(re.match(r"\w+://[^/]+/", proxy_pass))
    if strips != bool(port.route.strips):
        fix = "end proxy_pass with `/`" if not strips else "remove the path after host:port in proxy_pass"
        problems.append(
            f"{where}: proxy_pass {proxy_pass} {'strips' if strips else 'keeps'} {stack.prefix} but x-route "
            f"says strips: {str(bool(port.route.strips)).lower()}; {fix}"
        )
    route = port.route
    problems += _nginx_header_problems(
        where, server, defaults=route.defaults, host=route.host, omits=route.omits
    )
    return problems


def _via_problems(stack: Stack, where: str, port: Port, proxy_pass: str) -> list[str]:
    """An outer proxy's route (x-route `via`): it forwards, path unchanged, to the inner route
    published on port `via`, which must lead to the same app and strip as this x-route says."""
    via = port.route.via
    inner = next((route for route in stack.routes if route.port == via and route.proxy), None)
    if inner is None:
        return [
            f"{where}: x-route.via is {via}, which is no proxy route in compose.yaml; name an inner proxy's "
            "published port"
        ]
    target = next(p.target for p in stack.services[inner.proxy].ports if p.published == via)
    problems = []
    if proxy_pass != f"http://{inner.proxy}:{target}":
        problems.append(
            f"{where}: proxy_pass {proxy_pass or '(none)'} but x-route.via names {inner.proxy} port {via}; "
            f"write `proxy_pass http://{inner.proxy}:{target};` (no path: the inner route strips)"
        )
    if inner.app != port.route.app or inner.strips != bool(port.route.strips):
        problems.append(
            f"{where}: x-route says app {port.route.app}, strips {bool(port.route.strips)}, but the inner "
            f"route {via} leads to {inner.app}, strips {inner.strips}; make them agree"
        )
    return problems


def _ingress_route_problems(stack: Stack, where: str, port: Port, server: NginxServer) -> list[str]:
    """ingress-nginx's rewrite as its controller writes it: `location ~* "^<prefix>(/|$)(.*)"`,
    `rewrite ... /$2 break;` (strips) and proxy_pass with no path, plus the x-forwarded-prefix
    annotation's header and the normal forwarded headers."""
    pattern = f"^{stack.prefix}(/|$)(.*)"
    location = next(
        (directives for key, directives in server.locations.items() if key.strip('"') == pattern), None
    )
    if location is None:
        return [
            f"{where}: x-route says rewrite: ingress-nginx but its server block has no `location ~* "
            f'"{pattern}"`; write the regex location the controller generates'
        ]
    proxy_pass = next((args for name, args in location if name == "proxy_pass"), "")
    problems = upstream_problems(stack, where, [proxy_pass], route_apps(port))
    if re.match(r"\w+://[^/]+/", proxy_pass):
        problems.append(
            f"{where}: proxy_pass {proxy_pass} has a path; with rewrite-target the rewrite alone changes the "
            "path, so remove it"
        )
    rewrites = [args.split() for name, args in location if name == "rewrite"]
    strips = any(len(words) == 3 and words[1] == "/$2" and words[2] == "break" for words in rewrites)
    if strips != bool(port.route.strips):
        fix = 'add `rewrite "(?i)<prefix>(/|$)(.*)" /$2 break;`' if not strips else "remove the rewrite"
        problems.append(
            f"{where}: {'rewrites to /$2' if strips else 'does not rewrite to /$2'} but x-route says strips: "
            f"{str(bool(port.route.strips)).lower()}; {fix}"
        )
    if strips and ("proxy_set_header", f'X-Forwarded-Prefix "{stack.prefix}"') not in location:
        problems.append(
            f"{where}: misses the x-forwarded-prefix annotation's `proxy_set_header X-Forwarded-Prefix "
            f'"{stack.prefix}";`'
        )
    return problems + _nginx_header_problems(where, server, defaults=False)


def _nginx_header_problems(
    where: str, server: NginxServer, *, defaults: bool, host: str | None = None, omits: tuple[str, ...] = ()
) -> list[str]:
    names = [name for name, _ in server.all_directives()]
    if omits:
        # A normal route less a directive or two, written out in full (the snippet cannot be undone).
        if ("include", FORWARDED_SNIPPET) in server.all_directives():
            return [
                f"{where}: x-route says it omits {list(omits)}, so it must write its headers out instead of "
                f"including {FORWARDED_SNIPPET}"
            ]
        kept = [
            line
            for line in omits
            if any(f"{name} {args}".startswith(line) for name, args in server.all_directives())
        ]
        return [
            f"{where}: x-route says it omits `{line}`, but the block has it; remove it or drop it from "
            "`omits`"
            for line in kept
        ]
    if host is not None:
        # A route that differs from the normal ones only in its Host header, written out in full.
        if ("proxy_set_header", f"Host {host}") not in server.all_directives():
            return [
                f"{where}: x-route says host: {host} but the block does not `proxy_set_header Host {host};`"
            ]
        if ("include", FORWARDED_SNIPPET) in server.all_directives():
            return [
                f"{where}: sets its own Host, so it must not also include {FORWARDED_SNIPPET} (Nginx would "
                "send Host twice)"
            ]
        return []
    if defaults and ("proxy_set_header" in names or "include" in names):
        return [
            f"{where}: is a `defaults: true` route but sets headers; remove its proxy_set_header and include "
            "lines so Nginx's defaults show"
        ]
    if defaults:
        return []
    if ("include", FORWARDED_SNIPPET) in server.all_directives():
        return []
    return [f"{where}: does not `include {FORWARDED_SNIPPET};`; add it, or mark the route `defaults: true`"]


# --- tls ------------------------------------------------------------------------------------


def nginx_tls_problems(service: Service) -> list[str]:
    """Each `tls: true` port listens with `ssl` and .run/certs' files and sends X-Forwarded-Proto;
    no other port listens with `ssl`."""
    templates = service.host_path(f"{NGINX_PREFIX}/templates")
    if templates is None or not templates.is_dir():
        return [f"cannot check {service.name}'s TLS: {NGINX_PREFIX}/templates is no folder on the host"]
    servers = [server for path in sorted(templates.glob("*.template")) for server in read_nginx_servers(path)]
    problems: list[str] = []
    for port in routed_ports(service):
        matching = [server for server in servers if port.target in server.listen]
        if len(matching) == 1:
            problems += _nginx_port_problems(service, port, matching[0])
    return problems


def _nginx_port_problems(service: Service, port: Port, server: NginxServer) -> list[str]:
    where = f"{service.name} port {port.published} ({port.name})"
    listens = [
        args.split()
        for name, args in server.directives
        if name == "listen" and args.split()[0].endswith(str(port.target))
    ]
    terminates = any("ssl" in words[1:] for words in listens)
    wanted = port.route.tls
    if terminates != wanted:
        fix = f"write `listen {port.target} ssl;`" if wanted else "remove `ssl` from its listen"
        return [
            f"{where}: {'terminates' if terminates else 'does not terminate'} TLS but x-route says tls: "
            f"{str(wanted).lower()}; {fix}"
        ]
    if not wanted:
        return []
    directives = dict(server.directives)
    problems = cert_problems(
        service,
        where,
        {
            "ssl_certificate": directives.get("ssl_certificate"),
            "ssl_certificate_key": directives.get("ssl_certificate_key"),
        },
    )
    sets_proto = ("proxy_set_header", "X-Forwarded-Proto $scheme") in server.all_directives() or (
        "include",
        FORWARDED_SNIPPET,
    ) in server.all_directives()
    if not sets_proto and not port.route.defaults:
        problems.append(
            f"{where}: sends no `X-Forwarded-Proto $scheme`, so the app cannot learn the client used https; "
            f"include {FORWARDED_SNIPPET}"
        )
    return problems
