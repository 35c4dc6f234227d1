"""The native copy of an nginx service's /etc/nginx: its mounted files copied, its templates
rendered as the image's entrypoint does, with only listen addresses, upstream names and mounted
paths changed (proxylab/native/render.py says which)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from pathlib import Path

from proxylab.compose import Service
from proxylab.errors import ProxylabError
from proxylab.native.addresses import NativeAddresses
from proxylab.native.render import host_paths

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
        raise ProxylabError(
            "nginx",
            "compose.yaml mounts no /etc/nginx/nginx.conf",
            "mount nginx/nginx.conf as the image's main config",
        )
    return main


def _native_nginx(text: str, service: Service, addresses: NativeAddresses) -> str:
    def listen(match: re.Match[str]) -> str:
        host, port = addresses.bind(service.name, int(match[2]))
        return f"{match[1]}{host}:{port}{match[3]}"

    text = addresses.rewrite_own_addresses(addresses.rewrite_service_refs(_NGINX_LISTEN.sub(listen, text)))
    return host_paths(text, service, "/etc/nginx")
