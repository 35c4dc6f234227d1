"""Native copies of the proxies' configs: the same files, with only addresses and paths changed.

Nothing here changes what a route does. Each function takes a file from traefik/ or nginx/ and
changes exactly four kinds of thing: where a listener binds (`:9001` → `127.0.0.1:9001`), how a
service name is reached (`app-plain:8000` → `127.0.0.1:8001`), the addresses a proxy connects from
or trusts (the edge's `proxy_bind 172.30.0.5` and Traefik's trustedIPs → 127.30.0.5,
proxylab/native/addresses.py), and container paths that point into the repo. The config folder itself (/etc/nginx, Traefik's file-provider folder) is copied;
any other mounted path a config names, such as the TLS certificate
`/etc/proxylab/certs/server.pem`, becomes the host path behind it through the service's compose
volumes (`.run/certs/server.pem`), so the native proxies read the very files Compose mounts.
`make status` shows the run folder that holds the results.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

import yaml

from proxylab import yamlload
from proxylab.compose import Service
from proxylab.errors import ProxylabError
from proxylab.native.addresses import NativeAddresses

_ENVSUBST = re.compile(r"\$\{(\w+)\}|\$(\w+)")
_NGINX_LISTEN = re.compile(r"^(\s*listen\s+)(?:[\w.*\[\]:]+:)?(\d+)(\b[^;]*;)", re.MULTILINE)


def envsubst_defined(text: str, env: Mapping[str, str]) -> str:
    """The nginx image's template step: substitute only variables that are defined."""
    return _ENVSUBST.sub(lambda m: env.get(m[1] or m[2], m[0]), text)


def render_nginx(service: Service, addresses: NativeAddresses, out: Path) -> Path:
    """Mirror the container's /etc/nginx into `out`, render templates; return the main conf."""
    mounts = [v for v in service.volumes if v.target.startswith("/etc/nginx")]
    for volume in mounts:
        dest = out / volume.target.removeprefix("/etc/nginx").lstrip("/")
        if volume.source.is_dir():
            shutil.copytree(volume.source, dest, dirs_exist_ok=True)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(volume.source, dest)
    conf_d = out / "conf.d"
    conf_d.mkdir(exist_ok=True)
    for template in sorted((out / "templates").glob("*.template")):
        text = envsubst_defined(template.read_text(), service.environment)
        (conf_d / template.name.removesuffix(".template")).write_text(_native_nginx(text, service, addresses))
    main = out / "nginx.conf"
    if not main.is_file():
        raise ProxylabError("nginx", "compose.yaml mounts no /etc/nginx/nginx.conf", "mount nginx/nginx.conf as the image's main config")
    return main


def _native_nginx(text: str, service: Service, addresses: NativeAddresses) -> str:
    def listen(match: re.Match[str]) -> str:
        host, port = addresses.bind(service.name, int(match[2]))
        return f"{match[1]}{host}:{port}{match[3]}"

    text = addresses.rewrite_own_addresses(addresses.rewrite_service_refs(_NGINX_LISTEN.sub(listen, text)))
    return _host_paths(text, service, "/etc/nginx")


def _host_paths(text: str, service: Service, copied: str) -> str:
    """Container paths under a mounted volume (other than the copied config folder `copied`)
    become the host paths behind them: `/etc/proxylab/certs/x.pem` → `<repo>/.run/certs/x.pem`."""
    for volume in sorted(service.volumes, key=lambda v: len(v.target), reverse=True):
        target = volume.target.rstrip("/")
        if f"{copied}/".startswith(f"{target}/") or target.startswith(f"{copied}/"):
            continue  # the config folder and its parents are copied, not pointed at
        text = re.sub(rf"(?<![\w/.-]){re.escape(target)}(?=/|\b)", lambda _: str(volume.source), text)
    return text


def render_traefik(service: Service, addresses: NativeAddresses, out: Path) -> Path:
    """A native copy of Traefik's static config and its file-provider folder; return its path."""
    config_arg = next((a for a in service.command or [] if a.startswith("--configFile=")), None)
    container_path = config_arg.split("=", 1)[1] if config_arg else "/etc/traefik/traefik.yml"
    static = yamlload.safe_load(_mounted_file(service, container_path, "static config").read_text())
    for entrypoint in static.get("entryPoints", {}).values():
        port = int(entrypoint["address"].rpartition(":")[2])
        host, native_port = addresses.bind(service.name, port)
        entrypoint["address"] = f"{host}:{native_port}"
        # trustedIPs names the hops Traefik believes: as the apps' FORWARDED_ALLOW_IPS, natively
        # the address each of them connects from (the edge's own 127.30.0.5, lab 12).
        forwarded = entrypoint.get("forwardedHeaders") or {}
        if "trustedIPs" in forwarded:
            forwarded["trustedIPs"] = [addresses.native_trust_item(str(item)) for item in forwarded["trustedIPs"]]
    provider = static.get("providers", {}).get("file", {})
    if "directory" in provider:
        provider["directory"] = str(_native_dynamic(service, addresses, provider["directory"], out / "dynamic"))
    out.mkdir(parents=True, exist_ok=True)
    target = out / "traefik.yml"
    target.write_text("# Generated from traefik/traefik.yml by proxylab's native backend: addresses and paths only.\n" + yaml.safe_dump(static, sort_keys=False))
    return target


def _native_dynamic(service: Service, addresses: NativeAddresses, container_dir: str, out: Path) -> Path:
    source = service.host_path(container_dir)
    if source is None or not source.is_dir():
        raise ProxylabError("traefik", f"file provider directory {container_dir} maps to no folder", "check traefik's volumes in compose.yaml")
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.y*ml")):
        (out / path.name).write_text(_host_paths(addresses.rewrite_service_refs(path.read_text()), service, container_dir))
    return out


# --- caddy ------------------------------------------------------------------------------------

_CADDY_SITE = re.compile(r"^((?:https?://)?):(\d+)(\s*\{)$", re.MULTILINE)


def render_caddy(service: Service, addresses: NativeAddresses, out: Path) -> Path:
    """A native copy of the Caddyfile: each site `:PORT {` gets `bind <address>` (where Compose
    publishes it, or the service's own loopback address), service names become addresses and
    mounted paths the host paths behind them. Return the copy's path."""

    def site(match: re.Match[str]) -> str:
        host, port = addresses.bind(service.name, int(match[2]))
        return f"{match[1]}:{port}{match[3]}\n\tbind {host}"

    return _render_one_file(service, addresses, out, "--config", "/etc/caddy/Caddyfile", lambda text: _CADDY_SITE.sub(site, text))


# --- haproxy ----------------------------------------------------------------------------------

_HAPROXY_BIND = re.compile(r"^(\s*bind\s+)(?:[\w.*\[\]:]*):(\d+)\b", re.MULTILINE)


def render_haproxy(service: Service, addresses: NativeAddresses, out: Path) -> Path:
    """A native copy of haproxy.cfg: each `bind :PORT` gets its native address, service names
    become addresses and mounted paths the host paths behind them. Return the copy's path."""

    def bind(match: re.Match[str]) -> str:
        host, port = addresses.bind(service.name, int(match[2]))
        return f"{match[1]}{host}:{port}"

    return _render_one_file(service, addresses, out, "-f", "/usr/local/etc/haproxy/haproxy.cfg", lambda text: _HAPROXY_BIND.sub(bind, text))


# --- what the one-file configs share ----------------------------------------------------------


def _render_one_file(service: Service, addresses: NativeAddresses, out: Path, flag: str, default: str, bind_listeners: Callable[[str], str]) -> Path:
    """The native copy of a proxy's single config file (Caddyfile, haproxy.cfg): the file `flag`
    names in the service's command, else `default`; `bind_listeners` gives each listener its
    native address, then service names become addresses and mounted paths the host paths behind
    them. The copy keeps the default's file name; return its path."""
    container_path = _option_value(service.command or [], flag) or default
    source = _mounted_file(service, container_path, "config")
    text = _host_paths(addresses.rewrite_service_refs(bind_listeners(source.read_text())), service, str(Path(container_path).parent))
    out.mkdir(parents=True, exist_ok=True)
    target = out / Path(default).name
    target.write_text(f"# Generated from {source.name} by proxylab's native backend: addresses and paths only.\n{text}")
    return target


def _mounted_file(service: Service, container_path: str, what: str) -> Path:
    """The host file a container path maps to through the service's volumes."""
    source = service.host_path(container_path)
    if source is None or not source.is_file():
        raise ProxylabError(service.name, f"{what} {container_path} maps to no file through the volumes", f"check {service.name}'s volumes in compose.yaml")
    return source


def _option_value(argv: list[str], flag: str) -> str | None:
    return argv[argv.index(flag) + 1] if flag in argv[:-1] else None
