"""The proxies' configurations for the doctor: each proxy in front of a user's app, rendered.

What: `start_argv` writes one proxy's whole configuration for a set of entrances into a folder and
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
The binaries, command lines and environments are proxylab's own (proxylab/proxies): Traefik and
Caddy built at compose.yaml's image tags, Debian's nginx and haproxy, each started as the native
backend starts it; only the configuration, rendered from doctor/templates, is the doctor's.
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
from proxylab.proxies import PROXIES as TABLE
from proxylab.proxies import by_name, pinned_service
from proxylab.proxies.base import Proxy

# Every proxy proxylab runs, in its table's order.
PROXIES: tuple[str, ...] = tuple(TABLE)

# Each proxy's template in doctor/templates/; each has a `route` and a whole-config macro.
TEMPLATES = {
    "traefik": "traefik.yml.j2",
    "nginx": "nginx.conf.j2",
    "caddy": "Caddyfile.j2",
    "haproxy": "haproxy.cfg.j2",
}

# Where a snippet listens, written generically: the user's own entrypoint / bind line.
GENERIC_LISTENERS = {"traefik": "web", "haproxy": ":80"}

# The line a snippet starts with: where it goes in the user's configuration.
WHERE_IT_GOES = {
    "traefik": (
        "# Traefik: a dynamic-config file for your file provider (providers.file); `web` is your entrypoint."
    ),
    "nginx": (
        "# Nginx: inside your server { } block, "
        "with nginx.conf's `map $http_upgrade $connection_upgrade` in http { }."
    ),
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
class Entrance:
    """One configuration's entrance: the proxy listens on 127.0.0.1:`port` and forwards requests
    for `prefix` and everything under it to `upstream` ("127.0.0.1:9701"), stripping the prefix or not."""

    port: int
    strips: bool
    upstream: str


def route_name(strips: bool, upstream: str) -> str:
    """An entrance's name in the configs (router, frontend, server-block comment): what it does and
    where to, "strip-to-127-0-0-1-9701"; unique among a configuration's routes (start_argv checks)."""
    return f"{'strip' if strips else 'keep'}-to-{re.sub(r'[^A-Za-z0-9]+', '-', upstream).strip('-')}"


def snippet(proxy: str, strips: bool, prefix: str, upstream: str = "app:8000") -> str:
    """The config a user copies for one route, as text: the same `route` macro start_argv renders,
    listening generically (GENERIC_LISTENERS), after one comment line saying where it goes."""
    _check_prefix(prefix)
    section = _section(proxy, strips, prefix, upstream, GENERIC_LISTENERS.get(proxy, ""))
    return f"{WHERE_IT_GOES[proxy]}\n{section}\n"


def start_argv(
    proxy: str, entrances: Sequence[Entrance], prefix: str, out: Path, log: Callable[[str], Any] = print
) -> list[str]:
    """Write the proxy's whole config for these entrances into folder `out` (it exists and is empty;
    every file the proxy writes — pid, temp dirs, logs — must stay in it) and return the argv that
    runs the proxy in the FOREGROUND (logs to stdout/stderr); SIGTERM stops it.

    Listening is not yet routing: Traefik opens its entrypoints before its file provider has
    loaded the routers, and answers its own 404 ("404 page not found", text/plain) for 0.1-0.4 s
    (measured); wait until a request through each route reaches the app."""
    _check_prefix(prefix)
    _check_entrances(entrances)
    if proxy not in PROXIES:
        raise ProxylabError(
            f"proxy {proxy!r}", f"is not one the doctor knows ({', '.join(PROXIES)})", "pick one of those"
        )
    out = out.resolve()
    running = by_name(proxy)
    binary = _binary(running, log)
    argv = running.argv(binary, _CONFIGS[proxy](entrances, prefix, out), out)
    env = running.env(out)
    if not env:
        return argv
    # Caddy keeps its data (instance.uuid, storage locks) and config under XDG_DATA_HOME and
    # XDG_CONFIG_HOME, by default in ~/.local/share and ~/.config: `env` points both into `out`,
    # then becomes Caddy (the same process, so signals reach Caddy itself).
    return [shutil.which("env") or "/usr/bin/env", *(f"{key}={value}" for key, value in env.items()), *argv]


def version_argv(proxy: str) -> list[str]:
    """The argv that prints the proxy's version (on stdout or stderr), for reports: the command
    its image answers (`traefik version`, `nginx -v`), run with the native binary."""
    running = by_name(proxy)
    return [_binary(running, print), *running.version_command[1:]]


# --- one configuration per proxy, written into `out`; each returns the file its argv takes ------


def _traefik(entrances: Sequence[Entrance], prefix: str, out: Path) -> Path:
    dynamic = out / "dynamic"
    dynamic.mkdir(exist_ok=True)
    described = _described("traefik", entrances, prefix)
    for route in described:
        # One file per route, exactly the route macro (the snippet): the file provider merges them.
        (dynamic / f"{route['name']}.yml").write_text(route["section"] + "\n")
    config = out / "traefik.yml"
    config.write_text(_module("traefik").static(described, str(dynamic)) + "\n")
    return config


def _nginx(entrances: Sequence[Entrance], prefix: str, out: Path) -> Path:
    config = out / "nginx.conf"
    config.write_text(_module("nginx").config(str(out), os.geteuid() == 0) + "\n")
    (out / "conf.d").mkdir(exist_ok=True)
    servers = _module("nginx").servers(_described("nginx", entrances, prefix), prefix)
    (out / "conf.d" / "routes.conf").write_text(servers + "\n")
    return config


def _caddy(entrances: Sequence[Entrance], prefix: str, out: Path) -> Path:
    config = out / "Caddyfile"
    config.write_text(_module("caddy").config(_described("caddy", entrances, prefix), prefix))
    return config


def _haproxy(entrances: Sequence[Entrance], prefix: str, out: Path) -> Path:
    config = out / "haproxy.cfg"
    config.write_text(_module("haproxy").config(_described("haproxy", entrances, prefix)) + "\n")
    return config


_CONFIGS: dict[str, Callable[[Sequence[Entrance], str, Path], Path]] = {
    "traefik": _traefik,
    "nginx": _nginx,
    "caddy": _caddy,
    "haproxy": _haproxy,
}


# --- rendering --------------------------------------------------------------------------------


def _module(proxy: str) -> Any:
    """The proxy's template as a module whose macros (route, and the whole config's) can be called."""
    return _TEMPLATES.get_template(TEMPLATES[proxy]).module


def _section(proxy: str, strips: bool, prefix: str, upstream: str, listener: str) -> str:
    """One route's section, the proxy's `route` macro. Traefik's and HAProxy's name the route and
    where it listens (an entrypoint, a bind address); Nginx's and Caddy's go inside a listener."""
    if proxy not in PROXIES:
        raise ProxylabError(
            f"proxy {proxy!r}", f"is not one the doctor knows ({', '.join(PROXIES)})", "pick one of those"
        )
    macro = _module(proxy).route
    if proxy in GENERIC_LISTENERS:
        return str(macro(route_name(strips, upstream), strips, prefix, upstream, listener))
    return str(macro(strips, prefix, upstream))


def _described(proxy: str, entrances: Sequence[Entrance], prefix: str) -> list[dict[str, Any]]:
    """What the whole-config macro needs of each route: its name, port and section."""
    described = []
    for entrance in entrances:
        name = route_name(entrance.strips, entrance.upstream)
        # Traefik's entrypoint is named as its route; HAProxy binds the address itself.
        listener = f"127.0.0.1:{entrance.port}" if proxy == "haproxy" else name
        section = _section(proxy, entrance.strips, prefix, entrance.upstream, listener)
        described.append({"name": name, "port": entrance.port, "section": section})
    return described


def _check_prefix(prefix: str) -> None:
    if not _PREFIX.match(prefix):
        raise ProxylabError(
            f"prefix {prefix!r}",
            "is not a path like /api/v1 (segments of letters, digits, . _ ~ -, no trailing slash)",
            "pass --prefix as the public path the app is served under, e.g. --prefix /api/v1",
        )


def _check_entrances(entrances: Sequence[Entrance]) -> None:
    ports = [entrance.port for entrance in entrances]
    names = [route_name(entrance.strips, entrance.upstream) for entrance in entrances]
    if not entrances:
        raise ProxylabError("entrances", "none given", "give the proxy at least one Entrance")
    if len(set(ports)) != len(ports) or len(set(names)) != len(names):
        raise ProxylabError(
            "entrances",
            f"two share a port or a (strips, upstream) pair: {entrances}",
            "give each entrance its own port and upstream",
        )


# --- the binary -------------------------------------------------------------------------------


def _binary(proxy: Proxy, log: Callable[[str], Any]) -> str:
    """The proxy's native binary at compose.yaml's image tag: the tag pins a built proxy's version."""
    stack = compose.load()
    service = pinned_service(stack, proxy)
    if service is None:
        raise ProxylabError(
            proxy.name,
            f"compose.yaml has no {proxy.name} service, whose image tag pins its version",
            f"restore the {proxy.name} service in compose.yaml",
        )
    return proxy.binary(stack.image_tag(service.name), log)
