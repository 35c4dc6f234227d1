"""What the native copies of the proxies' configs share: the same files, only addresses and paths changed.

Nothing here changes what a route does. Each proxy's home (proxylab/proxies/<proxy>) renders its
own config and changes exactly four kinds of thing: where a listener binds (`:9001` →
`127.0.0.1:9001`), how a service name is reached (`app-plain:8000` → `127.0.0.1:8001`), the
addresses a proxy connects from or trusts (the edge's `proxy_bind 172.30.0.5` and Traefik's
trustedIPs → 127.30.0.5, proxylab/native/addresses.py), and container paths that point into the
repo. The config folder itself (/etc/nginx, Traefik's file-provider folder) is copied; any other
mounted path a config names, such as the TLS certificate `/etc/proxylab/certs/server.pem`,
becomes the host path behind it through the service's compose volumes (`.run/certs/server.pem`),
so the native proxies read the very files Compose mounts. This module holds the path rewriting
and the copy of a single-file config (Caddyfile, haproxy.cfg) the homes share.
`make status` shows the run folder that holds the results.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from proxylab.compose import Service
from proxylab.errors import ProxylabError
from proxylab.native.addresses import NativeAddresses


def host_paths(text: str, service: Service, copied: str) -> str:
    """Container paths under a mounted volume (other than the copied config folder `copied`)
    become the host paths behind them: `/etc/proxylab/certs/x.pem` → `<repo>/.run/certs/x.pem`."""
    for volume in sorted(service.volumes, key=lambda v: len(v.target), reverse=True):
        target = volume.target.rstrip("/")
        if f"{copied}/".startswith(f"{target}/") or target.startswith(f"{copied}/"):
            continue  # the config folder and its parents are copied, not pointed at
        text = re.sub(
            rf"(?<![\w/.-]){re.escape(target)}(?=/|\b)", lambda _, source=volume.source: str(source), text
        )
    return text


def render_one_file(
    service: Service,
    addresses: NativeAddresses,
    out: Path,
    flag: str,
    default: str,
    bind_listeners: Callable[[str], str],
) -> Path:
    """The native copy of a proxy's single config file (Caddyfile, haproxy.cfg): the file `flag`
    names in the service's command, else `default`; `bind_listeners` gives each listener its
    native address, then service names become addresses and mounted paths the host paths behind
    them. The copy keeps the default's file name; return its path."""
    container_path = _option_value(service.command or [], flag) or default
    source = mounted_file(service, container_path, "config")
    text = host_paths(
        addresses.rewrite_service_refs(bind_listeners(source.read_text())),
        service,
        str(Path(container_path).parent),
    )
    out.mkdir(parents=True, exist_ok=True)
    target = out / Path(default).name
    target.write_text(
        f"# Generated from {source.name} by proxylab's native backend: addresses and paths only.\n{text}"
    )
    return target


def mounted_file(service: Service, container_path: str, what: str) -> Path:
    """The host file a container path maps to through the service's volumes."""
    source = service.host_path(container_path)
    if source is None or not source.is_file():
        raise ProxylabError(
            service.name,
            f"{what} {container_path} maps to no file through the volumes",
            f"check {service.name}'s volumes in compose.yaml",
        )
    return source


def _option_value(argv: list[str], flag: str) -> str | None:
    return argv[argv.index(flag) + 1] if flag in argv[:-1] else None
