"""The versions that actually ran: every report prints them next to its results."""

from __future__ import annotations

import re
import shutil
import subprocess
from importlib import metadata

from proxylab.compose import Stack
from proxylab.native.traefik_build import binary_path


def collect(stack: Stack) -> dict[str, str]:
    versions = {name: metadata.version(name) for name in ("fastapi", "starlette", "uvicorn")}
    versions["traefik"] = _traefik(stack.image_tag("traefik"))
    versions["nginx"] = _nginx(stack.image_tag("nginx"))
    return versions


def _traefik(tag: str) -> str:
    binary = binary_path(tag)
    if not binary.is_file():
        return f"{tag} (image tag; native binary not built)"
    out = subprocess.run([str(binary), "version"], capture_output=True, text=True).stdout
    match = re.search(r"Version:\s+(\S+)", out)
    return f"{match[1] if match else '?'} (native build; image traefik:{tag})"


def _nginx(tag: str) -> str:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    try:
        out = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr
    except OSError:
        return f"{tag} (image tag; no native nginx)"
    match = re.search(r"nginx/(\S+)", out)
    return f"{match[1] if match else '?'} (native Debian package; image nginx:{tag})"
