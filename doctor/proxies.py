"""The proxies' configurations for the doctor: each proxy in front of a user's app, rendered.

What: `start_argv` writes one proxy's whole configuration for a set of routes into a folder and
returns the command that runs it in the foreground; `snippet` is one route's section as a user
copies it into their own configuration; `version_argv` asks a proxy for its version.
When: the doctor starts every proxy of PROXIES with one strip and one keep route per app mode.
Why one macro per proxy: doctor/templates/<proxy> holds a `route` macro that renders both the
running configuration's section and the snippet, so what a user copies is what was measured.

Each configuration mirrors proxylab's own proven routes (traefik/, nginx/, caddy/, haproxy/):
the client's Host passed on with its port, X-Forwarded-For/-Proto (and -Host where the proxy
sends it), X-Forwarded-Prefix on strip routes. Every forwarding header an app could believe
(X-Forwarded-*, X-Real-IP, Forwarded) is the proxy's own or removed, never a client's; only
X-Forwarded-For is appended to, which uvicorn reads from the right.
Everything listens on 127.0.0.1 only; nothing has an admin API, dashboard or status listener.
The binaries are the pinned ones: Traefik and Caddy built at compose.yaml's image tags
(proxylab/native/go_build.py), Debian's nginx and haproxy.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from proxylab import compose
from proxylab.errors import ProxylabError
from proxylab.native.go_build import CADDY, TRAEFIK, GoTool, image_version

PROXIES: tuple[str, ...] = ("traefik", "nginx", "caddy", "haproxy")

# Each proxy's template in doctor/templates/; each has a `route` and a whole-config macro.
TEMPLATES = {"traefik": "traefik.yml.j2", "nginx": "nginx.conf.j2", "caddy": "Caddyfile.j2", "haproxy": "haproxy.cfg.j2"}

# Where a snippet listens, written generically: the user's own entrypoint / bind line.
GENERIC_LISTENERS = {"traefik": "web", "haproxy": ":80"}

# The line a snippet starts with: where it goes in the user's configuration.
WHERE_IT_GOES = {
    "traefik": "# Traefik: a dynamic-config file for your file provider (providers.file); `web` is your entrypoint.",
    "nginx": "# Nginx: inside your server { } block, with nginx.conf's `map $http_upgrade $connection_upgrade` in http { }.",
    "caddy": "# Caddy: inside your site block, e.g. `example.com { ... }`.",
    "haproxy": "# HAProxy: in haproxy.cfg; `bind :80` is your listener.",
}

# A prefix each proxy's syntax takes literally (no regex or template characters): /api/v1, /v1.0.
_PREFIX = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    autoescape=False,
)


@dataclass(frozen=True)
class Route:
    """One configuration's entrance: the proxy listens on 127.0.0.1:`port` and forwards requests
    for `prefix` and everything under it to `upstream` ("127.0.0.1:9701"), stripping the prefix or not."""

    port: int
    strips: bool
    upstream: str


def route_name(strips: bool, upstream: str) -> str:
    """A route's name in the configs (router, frontend, server-block comment): what it does and
    where to, "strip-to-127-0-0-1-9701"; unique among a configuration's routes (start_argv checks)."""
    return f"{'strip' if strips else 'keep'}-to-{re.sub(r'[^A-Za-z0-9]+', '-', upstream).strip('-')}"


def snippet(proxy: str, strips: bool, prefix: str, upstream: str = "app:8000") -> str:
    """The config a user copies for one route, as text: the same `route` macro start_argv renders,
    listening generically (GENERIC_LISTENERS), after one comment line saying where it goes."""
    _check_prefix(prefix)
    section = _section(proxy, strips, prefix, upstream, GENERIC_LISTENERS.get(proxy, ""))
    return f"{WHERE_IT_GOES[proxy]}\n{section}\n"


def start_argv(proxy: str, routes: Sequence[Route], prefix: str, out: Path, log: Callable[[str], Any] = print) -> list[str]:
    """Write the proxy's whole config for these routes into folder `out` (it exists and is empty;
    every file the proxy writes — pid, temp dirs, logs — must stay in it) and return the argv that
    runs the proxy in the FOREGROUND (logs to stdout/stderr); SIGTERM stops it.

    Listening is not yet routing: Traefik opens its entrypoints before its file provider has
    loaded the routers, and answers its own 404 ("404 page not found", text/plain) for 0.1-0.4 s
    (measured); wait until a request through each route reaches the app."""
    _check_prefix(prefix)
    _check_routes(routes)
    if proxy not in PROXIES:
        raise ProxylabError(f"proxy {proxy!r}", f"is not one the doctor knows ({', '.join(PROXIES)})", "pick one of those")
    return _STARTERS[proxy](routes, prefix, out.resolve(), log)


def version_argv(proxy: str) -> list[str]:
    """The argv that prints the proxy's version (on stdout or stderr), for reports."""
    if proxy in _GO_TOOLS:
        return [str(_go_binary(proxy, print)), "version"]
    return [_debian_binary(proxy), "-v"]


# --- one starter per proxy ------------------------------------------------------------------


def _traefik(routes: Sequence[Route], prefix: str, out: Path, log: Callable[[str], Any]) -> list[str]:
    binary = _go_binary("traefik", log)
    dynamic = out / "dynamic"
    dynamic.mkdir(exist_ok=True)
    described = _described("traefik", routes, prefix)
    for route in described:
        # One file per route, exactly the route macro (the snippet): the file provider merges them.
        (dynamic / f"{route['name']}.yml").write_text(route["section"] + "\n")
    config = out / "traefik.yml"
    config.write_text(_module("traefik").static(described, str(dynamic)) + "\n")
    return [str(binary), f"--configFile={config}"]


def _nginx(routes: Sequence[Route], prefix: str, out: Path, log: Callable[[str], Any]) -> list[str]:
    nginx = _debian_binary("nginx")
    config = out / "nginx.conf"
    config.write_text(_module("nginx").config(str(out), os.geteuid() == 0) + "\n")
    (out / "conf.d").mkdir(exist_ok=True)
    (out / "conf.d" / "routes.conf").write_text(_module("nginx").servers(_described("nginx", routes, prefix), prefix) + "\n")
    # -p: relative paths resolve in `out`; -e: the log nginx opens before reading the config.
    return [nginx, "-p", f"{out}/", "-c", str(config), "-e", "stderr"]


def _caddy(routes: Sequence[Route], prefix: str, out: Path, log: Callable[[str], Any]) -> list[str]:
    binary = _go_binary("caddy", log)
    config = out / "Caddyfile"
    config.write_text(_module("caddy").config(_described("caddy", routes, prefix), prefix))
    # Caddy keeps its data (instance.uuid, storage locks) and config under XDG_DATA_HOME and
    # XDG_CONFIG_HOME, by default in ~/.local/share and ~/.config: `env` points both into `out`,
    # then becomes Caddy (the same process, so signals reach Caddy itself).
    env = shutil.which("env") or "/usr/bin/env"
    return [env, f"XDG_DATA_HOME={out}/data", f"XDG_CONFIG_HOME={out}/config",
            str(binary), "run", "--config", str(config), "--adapter", "caddyfile"]


def _haproxy(routes: Sequence[Route], prefix: str, out: Path, log: Callable[[str], Any]) -> list[str]:
    haproxy = _debian_binary("haproxy")
    config = out / "haproxy.cfg"
    config.write_text(_module("haproxy").config(_described("haproxy", routes, prefix)) + "\n")
    # -db: foreground, no daemon, no pid file.
    return [haproxy, "-db", "-f", str(config)]


_STARTERS = {"traefik": _traefik, "nginx": _nginx, "caddy": _caddy, "haproxy": _haproxy}


# --- rendering --------------------------------------------------------------------------------


def _module(proxy: str) -> Any:
    """The proxy's template as a module whose macros (route, and the whole config's) can be called."""
    return _TEMPLATES.get_template(TEMPLATES[proxy]).module


def _section(proxy: str, strips: bool, prefix: str, upstream: str, listener: str) -> str:
    """One route's section, the proxy's `route` macro. Traefik's and HAProxy's name the route and
    where it listens (an entrypoint, a bind address); Nginx's and Caddy's go inside a listener."""
    if proxy not in PROXIES:
        raise ProxylabError(f"proxy {proxy!r}", f"is not one the doctor knows ({', '.join(PROXIES)})", "pick one of those")
    macro = _module(proxy).route
    if proxy in GENERIC_LISTENERS:
        return str(macro(route_name(strips, upstream), strips, prefix, upstream, listener))
    return str(macro(strips, prefix, upstream))


def _described(proxy: str, routes: Sequence[Route], prefix: str) -> list[dict[str, Any]]:
    """What the whole-config macro needs of each route: its name, port and section."""
    described = []
    for route in routes:
        name = route_name(route.strips, route.upstream)
        # Traefik's entrypoint is named as its route; HAProxy binds the address itself.
        listener = f"127.0.0.1:{route.port}" if proxy == "haproxy" else name
        section = _section(proxy, route.strips, prefix, route.upstream, listener)
        described.append({"name": name, "port": route.port, "section": section})
    return described


def _check_prefix(prefix: str) -> None:
    if not _PREFIX.match(prefix):
        raise ProxylabError(f"prefix {prefix!r}", "is not a path like /api/v1 (segments of letters, digits, . _ ~ -, no trailing slash)",
                            "pass --prefix as the public path the app is served under, e.g. --prefix /api/v1")


def _check_routes(routes: Sequence[Route]) -> None:
    ports = [route.port for route in routes]
    names = [route_name(route.strips, route.upstream) for route in routes]
    if not routes:
        raise ProxylabError("routes", "none given", "give the proxy at least one Route")
    if len(set(ports)) != len(ports) or len(set(names)) != len(names):
        raise ProxylabError("routes", f"two share a port or a (strips, upstream) pair: {routes}", "give each route its own port and upstream")


# --- the binaries -----------------------------------------------------------------------------

_GO_TOOLS: dict[str, GoTool] = {"traefik": TRAEFIK, "caddy": CADDY}

_DEBIAN_PACKAGES = {"nginx": "nginx-light", "haproxy": "haproxy"}


def _go_binary(proxy: str, log: Callable[[str], Any]) -> Path:
    """Traefik or Caddy at compose.yaml's image tag, built once (proxylab/native/go_build.py)."""
    stack = compose.load()
    service = next((name for name, svc in stack.services.items() if (svc.image or "").startswith(f"{proxy}:")), None)
    if service is None:
        raise ProxylabError(proxy, f"compose.yaml has no {proxy} service, whose image tag pins its version", f"restore the {proxy} service in compose.yaml")
    return _GO_TOOLS[proxy].ensure(image_version(stack.image_tag(service)), log=log)


# Where Debian installs them; a user's PATH does not always include sbin.
_SBIN = Path("/usr/sbin")


def _debian_binary(proxy: str) -> str:
    """Debian's nginx or haproxy, from PATH or /usr/sbin."""
    found = shutil.which(proxy) or (str(_SBIN / proxy) if (_SBIN / proxy).exists() else None)
    if found is None:
        raise ProxylabError(proxy, "is not installed", f"install Debian's package: apt-get install {_DEBIAN_PACKAGES[proxy]} (`make deps` does this)")
    return found
