"""`make check`: is compose.yaml consistent with itself, its files and the proxies' configs?

What: seven checks that need no Docker engine and no running stack. `schema` validates against the
Compose Specification; `files` finds what compose.yaml mounts or builds; `ports` finds clashing
published ports and routes to unknown apps; `trust` compares each app's FORWARDED_ALLOW_IPS with
the proxies' addresses; `traefik` and `nginx` read traefik/ and nginx/ and confirm each port routes
the way its `x-route` says; `readme` compares README.md's route table with compose.yaml.
When: before `make up`, and in CI. Each failing Finding names the thing, the cause and the next step.
Why: compose.yaml is the one source of truth, but each proxy's config repeats every route in its
own words. If one drifts, a lab would measure a different route from the one its port promises.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator, ValidationError

from proxylab.compose import Port, Route, Service, Stack
from proxylab.errors import ProxylabError
from proxylab.native.traefik_build import module_version
from proxylab.paths import REPO, SCHEMA_FILE

README_BEGIN = "<!-- routes:begin -->"
README_END = "<!-- routes:end -->"
# Only these may trust X-Forwarded-* from anyone: the lab builds one such app to show why not.
TRUST_ALL_SERVICES = frozenset({"app-trust-all"})
# Where the nginx image keeps its config; `include` and the templates folder are relative to it.
NGINX_PREFIX = "/etc/nginx"
FORWARDED_SNIPPET = "snippets/forwarded-headers.conf"


@dataclass(frozen=True)
class Finding:
    """One check's verdict: a pass, or one problem it found (a check reports all its problems)."""

    check: str
    ok: bool
    message: str


class _Unchecked(Exception):
    """A file a check needs is missing or unreadable; the message says which one and what to do."""


def run_checks(stack: Stack, *, schema_path: Path = SCHEMA_FILE, readme: Path = REPO / "README.md") -> list[Finding]:
    """Run every check, in a fixed order; a check that crashes on a malformed file fails, naming it."""
    checks: list[tuple[str, Callable[[], list[Finding]]]] = [
        ("schema", lambda: check_schema(stack, schema_path)),
        ("files", lambda: check_files(stack)),
        ("ports", lambda: check_ports(stack)),
        ("trust", lambda: check_trust(stack)),
        ("traefik", lambda: check_traefik(stack)),
        ("nginx", lambda: check_nginx(stack)),
        ("readme", lambda: check_readme(stack, readme)),
    ]
    findings: list[Finding] = []
    for name, check in checks:
        try:
            findings += check()
        except (OSError, KeyError, TypeError, ValueError, AttributeError, yaml.YAMLError) as exc:
            findings.append(Finding(name, False, f"the {name} check could not read its files: {exc!r}; fix the file it names"))
    return findings


# --- schema ---------------------------------------------------------------------------------


def check_schema(stack: Stack, schema_path: Path = SCHEMA_FILE) -> list[Finding]:
    """compose.yaml against the Compose Specification's JSON schema (kept outside the repo)."""
    if not schema_path.is_file():
        return [Finding("schema", True, f"skipped: {os.path.relpath(schema_path, REPO)} not found")]
    validator = Draft7Validator(json.loads(schema_path.read_text()))
    # Validate what Compose validates: the interpolated file. compose-go's loader runs
    # interp.Interpolate and only then schema.Validate, so host_ip: ${PROXYLAB_BIND:-127.0.0.1} is
    # checked as the 127.0.0.1 Compose would use, and a PROXYLAB_BIND that breaks the file is caught.
    errors = sorted(validator.iter_errors(dict(stack.raw)), key=lambda error: error.json_path)
    problems = [f"{stack.path.name} at {error.json_path}: {_schema_message(error)}; change it to what the Compose Specification allows" for error in errors]
    return _verdict("schema", problems, f"{stack.path.name} follows the Compose Specification")


def _schema_message(error: ValidationError) -> str:
    """jsonschema's message, except an unknown key is named plainly (its own text cites the x- regex)."""
    if error.validator != "additionalProperties" or not isinstance(error.instance, Mapping):
        return error.message
    known, patterns = error.schema.get("properties", {}), error.schema.get("patternProperties", {})
    unknown = [key for key in error.instance if key not in known and not any(re.search(pattern, key) for pattern in patterns)]
    return f"{', '.join(map(repr, unknown))} {'is not a key' if len(unknown) == 1 else 'are not keys'} the Compose Specification knows here"


# --- files ----------------------------------------------------------------------------------


def check_files(stack: Stack) -> list[Finding]:
    """Every volume source, build context, Dockerfile and Traefik config file exists on the host."""
    problems: list[str] = []
    for service in stack.services.values():
        problems += [
            f"{service.name}: volume source {_shown(volume.source)} does not exist; create it or fix `volumes:`"
            for volume in service.volumes
            if not volume.source.exists()
        ]
        problems += _build_problems(service)
    for service in _services_of_image(stack, "traefik"):
        try:
            _traefik_dynamic_dir(service, _traefik_static(service))
        except _Unchecked as exc:
            problems.append(str(exc))
    return _verdict("files", problems, "every volume source, build context, Dockerfile and Traefik config exists")


def _build_problems(service: Service) -> list[str]:
    if service.build_context is None:
        return []
    if not service.build_context.is_dir():
        return [f"{service.name}: build context {_shown(service.build_context)} does not exist; fix `build.context`"]
    build = service.raw.get("build")
    dockerfile = build.get("dockerfile", "Dockerfile") if isinstance(build, Mapping) else "Dockerfile"
    if (service.build_context / dockerfile).is_file():
        return []
    return [f"{service.name}: Dockerfile {_shown(service.build_context / dockerfile)} does not exist; write it or fix `build.dockerfile`"]


# --- ports ----------------------------------------------------------------------------------


def check_ports(stack: Stack) -> list[Finding]:
    """Host ports are unique, container ports are published once, and every route names an app."""
    problems: list[str] = []
    owners: dict[int, str] = {}
    for service in stack.services.values():
        targets: set[int] = set()
        for port in service.ports:
            where = f"{service.name}/{port.name}"
            if port.published in owners:
                problems.append(f"host port {port.published}: published by both {owners[port.published]} and {where}; give one of them another `published:` port")
            owners.setdefault(port.published, where)
            if port.target in targets:
                problems.append(f"{service.name}: container port {port.target} is published twice; the native backend binds one host port per container port, so publish it once")
            targets.add(port.target)
            app = (port.route or {}).get("app")
            if port.route is not None and app not in stack.services:
                problems.append(f"route {where} (port {port.published}): x-route.app {app!r} is not a service in compose.yaml; name one of {', '.join(stack.services)}")
    return _verdict("ports", problems, f"{len(owners)} host ports, each published once; every route names a service")


# --- trust ----------------------------------------------------------------------------------


def check_trust(stack: Stack) -> list[Finding]:
    """Each app trusts X-Forwarded-* from exactly the proxies, except the app built to trust all."""
    proxies = {name: stack.services[name].ipv4_address for name in stack.proxies if name in stack.services}
    problems = [f"proxy {name}: has no ipv4_address in the lab network; give it one, so the apps can trust exactly it" for name, address in proxies.items() if address is None]
    expected = sorted(address for address in proxies.values() if address)
    for service in _app_services(stack):
        problems += _trust_problems(service, expected)
    return _verdict("trust", problems, f"every app trusts exactly the proxies ({','.join(expected)}) or is built to trust all")


def _trust_problems(service: Service, expected: list[str]) -> list[str]:
    trusted = forwarded_allow_ips(service)
    if trusted == "*" and service.name in TRUST_ALL_SERVICES:
        return []
    if trusted == "*":
        return [f"{service.name}: FORWARDED_ALLOW_IPS is \"*\", so any client can fake X-Forwarded-*; only {', '.join(sorted(TRUST_ALL_SERVICES))} may (to show why not); set it to {','.join(expected)}"]
    if trusted is None:
        return [f"{service.name}: FORWARDED_ALLOW_IPS is not set, so uvicorn trusts only loopback, not the proxies; set it to the proxies' addresses {','.join(expected)}"]
    listed = {item.strip() for item in trusted.split(",") if item.strip()}
    if listed == set(expected):
        return []
    missing, extra = sorted(set(expected) - listed), sorted(listed - set(expected))
    differences = ([f"misses {', '.join(missing)}"] if missing else []) + ([f"also trusts {', '.join(extra)}, not a proxy"] if extra else [])
    return [f"{service.name}: FORWARDED_ALLOW_IPS={trusted!r} {' and '.join(differences)}; set it to exactly the proxies' addresses {','.join(expected)}"]


# --- traefik --------------------------------------------------------------------------------


def check_traefik(stack: Stack) -> list[Finding]:
    """Each Traefik port has an entryPoint, one router to its app, and strips iff x-route says so."""
    problems: list[str] = []
    for service in _services_of_image(stack, "traefik"):
        problems += _traefik_version_problems(service)
        try:
            static = _traefik_static(service)
            http = _traefik_http(_traefik_dynamic_dir(service, static))
        except _Unchecked as exc:
            problems.append(f"cannot check {service.name}'s routes: {exc}")
            continue
        entrypoints = {name: _listen_port(str((spec or {}).get("address", ""))) for name, spec in (static.get("entryPoints") or {}).items()}
        for port in _routed_ports(service):
            problems += _traefik_route_problems(stack, service, port, entrypoints, http)
    return _verdict("traefik", problems, "every Traefik port routes as its x-route says, at the version tools/traefik/go.mod builds")


def _traefik_route_problems(stack: Stack, service: Service, port: Port, entrypoints: Mapping[str, int | None], http: Mapping[str, Any]) -> list[str]:
    where = f"{service.name} port {port.published} ({port.name})"
    names = {name for name, listens in entrypoints.items() if listens == port.target}
    if not names:
        return [f"{where}: no entryPoint in traefik.yml listens on :{port.target}; add `{port.name}: {{address: \":{port.target}\"}}` under entryPoints"]
    # One router per entrypoint, so the port alone says what happens to a request.
    routers = {name: spec for name, spec in http["routers"].items() if names & set(spec.get("entryPoints") or [])}
    if len(routers) != 1:
        return [f"{where}: {len(routers)} routers in dynamic/ take entryPoint {', '.join(sorted(names))} (want exactly 1); list it in one router's entryPoints"]
    router_name, router = next(iter(routers.items()))
    what = f"{where}, router {router_name}"
    problems: list[str] = []
    if not re.search(rf"PathPrefix\([`\"]{re.escape(stack.prefix)}[`\"]\)", str(router.get("rule", ""))):
        problems.append(f"{what}: rule {router.get('rule')!r} does not match PathPrefix(`{stack.prefix}`); every route is about {stack.prefix}")
    servers = ((http["services"].get(router.get("service")) or {}).get("loadBalancer") or {}).get("servers") or []
    problems += _upstream_problems(stack, what, [str(server.get("url", "")) for server in servers], str(port.route["app"]))
    strips = any(stack.prefix in _strip_prefixes(http, middleware) for middleware in router.get("middlewares") or [])
    if strips != bool(port.route.get("strips")):
        fix = f"add a stripPrefix middleware with prefixes [{stack.prefix}]" if not strips else "remove its stripPrefix middleware"
        problems.append(f"{what}: {'strips' if strips else 'keeps'} {stack.prefix} but x-route says strips: {str(bool(port.route.get('strips'))).lower()}; {fix}")
    return problems


def _traefik_static(service: Service) -> Mapping[str, Any]:
    container_path = _option(service.command or [], "--configfile")
    if container_path is None:
        raise _Unchecked(f"{service.name}: its command has no --configFile; add `--configFile=/etc/traefik/traefik.yml`")
    host = service.host_path(container_path)
    if host is None or not host.is_file():
        raise _Unchecked(f"{service.name}: --configFile={container_path} is no file on the host ({host or 'not inside a volume'}); mount the folder that holds traefik.yml")
    return yaml.safe_load(host.read_text()) or {}


def _traefik_dynamic_dir(service: Service, static: Mapping[str, Any]) -> Path:
    directory = ((static.get("providers") or {}).get("file") or {}).get("directory")
    if directory is None:
        raise _Unchecked(f"{service.name}: traefik.yml has no providers.file.directory; name the folder that holds the routers")
    host = service.host_path(directory)
    if host is None or not host.is_dir():
        raise _Unchecked(f"{service.name}: providers.file.directory {directory} is no folder on the host ({host or 'not inside a volume'}); create it or mount it")
    return host


def _traefik_http(directory: Path) -> dict[str, dict[str, Any]]:
    """The routers, middlewares and services of every YAML file in the provider's folder, merged."""
    http: dict[str, dict[str, Any]] = {"routers": {}, "middlewares": {}, "services": {}}
    for path in sorted([*directory.glob("*.yml"), *directory.glob("*.yaml")]):
        section = (yaml.safe_load(path.read_text()) or {}).get("http") or {}
        for kind, items in http.items():
            items.update(section.get(kind) or {})
    return http


def _strip_prefixes(http: Mapping[str, Any], middleware: str) -> list[str]:
    spec = http["middlewares"].get(middleware.split("@")[0]) or {}
    return list((spec.get("stripPrefix") or {}).get("prefixes") or [])


def _traefik_version_problems(service: Service) -> list[str]:
    """The native backend builds Traefik from tools/traefik/go.mod: it must be the image's version."""
    try:
        required = module_version()
    except (OSError, ProxylabError) as exc:
        return [f"tools/traefik/go.mod cannot say which Traefik it builds ({exc}); restore it with `make traefik-mod`"]
    if (service.image or "").rpartition(":")[2] == required:
        return []
    return [f"{service.name}: image {service.image} but tools/traefik/go.mod requires github.com/traefik/traefik/v3 {required}; make both the same version"]


# --- nginx ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NginxServer:
    """One `server { ... }` block: its listen ports, its directives and its `location` blocks."""

    source: Path
    listen: list[int]
    directives: list[tuple[str, str]]
    locations: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def all_directives(self) -> Iterator[tuple[str, str]]:
        yield from self.directives
        for directives in self.locations.values():
            yield from directives


def read_nginx_servers(path: Path) -> list[NginxServer]:
    """The server blocks of an nginx file, read with regexes: enough for proxylab's small configs.

    Understands `server { listen N; location P { directive args; ... } }` with no braces nested
    deeper than that and no '#' inside quoted strings.
    """
    text = re.sub(r"#[^\n]*", "", path.read_text())
    servers = []
    for start in re.finditer(r"\bserver\s*\{", text):
        body = _braced(text, start.end())
        locations = {match[1].split()[-1]: _directives(match[2]) for match in re.finditer(r"\blocation\s+([^{]+?)\s*\{([^{}]*)\}", body)}
        top = _directives(re.sub(r"\blocation\s+[^{]+\{[^{}]*\}", "", body))
        listen = [port for name, args in top if name == "listen" and (port := _listen_port(args.split()[0])) is not None]
        servers.append(NginxServer(path, listen, top, locations))
    return servers


def check_nginx(stack: Stack) -> list[Finding]:
    """Each Nginx port has a server block with `location <prefix>/` that proxies as x-route says."""
    problems: list[str] = []
    for service in _services_of_image(stack, "nginx"):
        templates = service.host_path(f"{NGINX_PREFIX}/templates")
        if templates is None or not templates.is_dir():
            problems.append(f"cannot check {service.name}'s routes: {NGINX_PREFIX}/templates is no folder on the host; mount nginx/templates there")
            continue
        servers = [server for path in sorted(templates.glob("*.template")) for server in read_nginx_servers(path)]
        snippet = service.host_path(f"{NGINX_PREFIX}/{FORWARDED_SNIPPET}")
        if any(("include", FORWARDED_SNIPPET) in server.all_directives() for server in servers) and not (snippet and snippet.is_file()):
            problems.append(f"{service.name}: routes include {FORWARDED_SNIPPET}, which no volume provides; mount nginx/snippets at {NGINX_PREFIX}/snippets")
        for port in _routed_ports(service):
            problems += _nginx_route_problems(stack, service, port, servers)
    return _verdict("nginx", problems, "every Nginx port has a server block that routes as its x-route says")


def _nginx_route_problems(stack: Stack, service: Service, port: Port, servers: list[NginxServer]) -> list[str]:
    where = f"{service.name} port {port.published} ({port.name})"
    matching = [server for server in servers if port.target in server.listen]
    if len(matching) != 1:
        return [f"{where}: {len(matching)} server blocks in nginx/templates/ listen on {port.target} (want exactly 1); write one with `listen {port.target};`"]
    server = matching[0]
    location = server.locations.get(f"{stack.prefix}/")
    if location is None:
        return [f"{where}: its server block ({server.source.name}) has no `location {stack.prefix}/`; add one"]
    proxy_pass = next((args for name, args in location if name == "proxy_pass"), "")
    problems = _upstream_problems(stack, where, [proxy_pass], str(port.route["app"]))
    strips = bool(re.match(r"\w+://[^/]+/", proxy_pass))
    if strips != bool(port.route.get("strips")):
        fix = "end proxy_pass with `/`" if not strips else "remove the path after host:port in proxy_pass"
        problems.append(f"{where}: proxy_pass {proxy_pass} {'strips' if strips else 'keeps'} {stack.prefix} but x-route says strips: {str(bool(port.route.get('strips'))).lower()}; {fix}")
    problems += _nginx_header_problems(where, server, defaults=bool(port.route.get("defaults")), host=port.route.get("host"))
    return problems


def _nginx_header_problems(where: str, server: NginxServer, *, defaults: bool, host: str | None = None) -> list[str]:
    names = [name for name, _ in server.all_directives()]
    if host is not None:
        # A route that differs from the normal ones only in its Host header, written out in full.
        if ("proxy_set_header", f"Host {host}") not in server.all_directives():
            return [f"{where}: x-route says host: {host} but the block does not `proxy_set_header Host {host};`"]
        if ("include", FORWARDED_SNIPPET) in server.all_directives():
            return [f"{where}: sets its own Host, so it must not also include {FORWARDED_SNIPPET} (Nginx would send Host twice)"]
        return []
    if defaults and ("proxy_set_header" in names or "include" in names):
        return [f"{where}: is a `defaults: true` route but sets headers; remove its proxy_set_header and include lines so Nginx's defaults show"]
    if defaults:
        return []
    if ("include", FORWARDED_SNIPPET) in server.all_directives():
        return []
    return [f"{where}: does not `include {FORWARDED_SNIPPET};`; add it, or mark the route `defaults: true`"]


def _braced(text: str, start: int) -> str:
    depth = 1
    for index in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return text[start:index]
    return text[start:]


def _directives(text: str) -> list[tuple[str, str]]:
    statements = (statement.strip().split(None, 1) for statement in text.split(";"))
    return [(parts[0], parts[1].strip() if len(parts) > 1 else "") for parts in statements if parts]


# --- readme ---------------------------------------------------------------------------------


def check_readme(stack: Stack, readme: Path = REPO / "README.md") -> list[Finding]:
    """README.md's route table is the one route_table_markdown() makes from compose.yaml."""
    paste = f"paste the output of `python -m proxylab routes --markdown` between {README_BEGIN} and {README_END}"
    text = readme.read_text() if readme.is_file() else ""
    if README_BEGIN not in text or README_END not in text.partition(README_BEGIN)[2]:
        return [Finding("readme", False, f"{readme.name} has no route table; {paste}")]
    table = text.partition(README_BEGIN)[2].partition(README_END)[0].strip()
    expected = route_table_markdown(stack).strip()
    if table == expected:
        return [Finding("readme", True, f"{readme.name}'s route table matches compose.yaml")]
    first = next(line for line, want in zip_longest(table.splitlines(), expected.splitlines(), fillvalue="") if line != want)
    return [Finding("readme", False, f"{readme.name}'s route table differs from compose.yaml (first at {first or '(end)'!r}); {paste}")]


def route_table_markdown(stack: Stack) -> str:
    """The README's route table: one row per route, in compose.yaml's order."""
    header = ["URL", "proxy", f"strips {stack.prefix}?", "app configuration", "note"]
    rows = [header, ["---"] * len(header), *(_route_row(stack, route) for route in stack.routes)]
    return "".join(f"| {' | '.join(row)} |\n" for row in rows)


def _route_row(stack: Stack, route: Route) -> list[str]:
    path = "/app" if route.is_direct else f"{stack.prefix}/app"
    strips = "—" if route.strips is None else ("yes" if route.strips else "no")
    service = stack.services.get(route.app)
    config = f"{route.app}: {describe_app(service) if service else 'not a service'}"
    return [f"{route.base_url}{path}", route.proxy or "— direct", strips, config, _note(route)]


def describe_app(service: Service) -> str:
    """How the app learns the prefix and whom it trusts, read from its command and environment."""
    parts = []
    if root_path := _option(service.command or [], "--root-path"):
        parts.append(f"uvicorn --root-path {root_path}")
    if app_root_path := service.environment.get("PROXYLAB_APP_ROOT_PATH"):
        parts.append(f'FastAPI(root_path="{app_root_path}")')
    if not parts:
        parts.append("no root_path")
    if forwarded_allow_ips(service) == "*":
        parts.append("trusts * (built to show why not)")
    return "; ".join(parts)


def _note(route: Route) -> str:
    # Port names say what is special: `docs-*` reproduces the FastAPI docs, `defaults` keeps the proxy's own.
    if route.defaults:
        return f"{route.proxy} defaults"
    if route.host:
        return f"Host {route.host}"
    if route.name.startswith("docs-"):
        return "the FastAPI docs' URL"
    return ""


# --- shared helpers -------------------------------------------------------------------------


def forwarded_allow_ips(service: Service) -> str | None:
    """What uvicorn trusts: --forwarded-allow-ips wins over the FORWARDED_ALLOW_IPS variable."""
    return _option(service.command or [], "--forwarded-allow-ips") or service.environment.get("FORWARDED_ALLOW_IPS")


def _option(argv: list[str], flag: str) -> str | None:
    """`--flag value` or `--flag=value` in a command; flags compare case-insensitively (Traefik's do)."""
    for index, arg in enumerate(argv):
        name, equals, value = arg.partition("=")
        if name.lower() != flag.lower():
            continue
        if equals:
            return value
        return argv[index + 1] if index + 1 < len(argv) else None
    return None


def _upstream_problems(stack: Stack, where: str, urls: list[str], app: str) -> list[str]:
    if not urls:
        return [f"{where}: has no upstream URL; point it at http://{app}:8000"]
    allowed = _container_ports(stack.services[app]) if app in stack.services else set()
    problems = []
    for url in urls:
        found = re.match(r"\w+://([^/:]+)(?::(\d+))?", url)
        host, port = (found[1], int(found[2] or 80)) if found else (url, None)
        if host != app or port not in allowed:
            problems.append(f"{where}: forwards to {url or '(nothing)'} but x-route.app is {app}; point it at http://{app}:{min(allowed, default=8000)}")
    return problems


def _container_ports(service: Service) -> set[int]:
    ports = {port.target for port in service.ports}
    if listen := _option(service.command or [], "--port"):
        ports.add(int(listen))
    return ports


def _services_of_image(stack: Stack, repository: str) -> list[Service]:
    """Services whose image is `repository[:tag]`, e.g. every `traefik:v3.6.12` service."""
    return [service for service in stack.services.values() if re.sub(r"[:@].*$", "", (service.image or "").rsplit("/", 1)[-1]) == repository]


def _app_services(stack: Stack) -> list[Service]:
    apps = {str(port.route.get("app")) for service in stack.services.values() for port in _routed_ports(service)}
    return [service for name, service in stack.services.items() if name in apps]


def _routed_ports(service: Service) -> list[Port]:
    return [port for port in service.ports if port.route is not None]


def _listen_port(address: str) -> int | None:
    port = address.rpartition(":")[2]
    return int(port) if port.isdigit() else None


def _verdict(check: str, problems: list[str], passed: str) -> list[Finding]:
    if not problems:
        return [Finding(check, True, passed)]
    return [Finding(check, False, problem) for problem in problems]


def _shown(path: Path) -> str:
    """A path as a person finds it: relative to the repo when it is inside."""
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)
