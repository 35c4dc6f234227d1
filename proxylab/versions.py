"""The versions that actually ran: every report prints them next to its results.

`native(stack)` asks the virtualenv, the Traefik and Caddy binaries and Debian's nginx and
haproxy on this machine;
`parse` reads the same facts from what the containers answer (proxylab/compose_backend.py).
Each backend's `versions()` returns one of them, so a report names what really served it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from importlib import metadata

from proxylab.compose import Stack
from proxylab.native.go_build import CADDY, TRAEFIK, GoTool, image_version
from proxylab.native.runners import app_venv

APP_PACKAGES = ("fastapi", "starlette", "uvicorn")

# What each component answers when asked its version, and the pattern that finds it there.
PATTERNS = {"traefik": r"Version:\s+(\S+)", "nginx": r"nginx/(\S+)", "caddy": r"^(v\S+)", "haproxy": r"HAProxy version (\S+)"}


def parse(component: str, text: str) -> str:
    """The version in `traefik version` or `nginx -v` output; "?" when it is not there."""
    match = re.search(PATTERNS[component], text)
    return match[1] if match else "?"


def native(stack: Stack) -> dict[str, str]:
    """The app's packages as the app services run them (PROXYLAB_APP_VENV's when set), Traefik, nginx."""
    venv = app_venv()
    versions = app_packages(venv / "bin" / "python") if venv else {name: metadata.version(name) for name in APP_PACKAGES}
    versions["traefik"] = _go_built(TRAEFIK, stack.image_tag("traefik"))
    versions["nginx"] = _nginx(stack.image_tag("nginx"))
    if "caddy" in stack.services:
        versions["caddy"] = _go_built(CADDY, stack.image_tag("caddy"))
    if "haproxy" in stack.services:
        versions["haproxy"] = _haproxy(stack.image_tag("haproxy"))
    return versions


def _go_built(tool: GoTool, tag: str) -> str:
    """What the binary built for the image's version says it is (Traefik, Caddy)."""
    binary = tool.binary_path(image_version(tag))
    if not binary.is_file():
        return f"{tag} (image tag; native binary not built)"
    out = subprocess.run([str(binary), "version"], capture_output=True, text=True).stdout
    return f"{parse(tool.name, out)} (native build; image {tool.name}:{tag})"


def _haproxy(tag: str) -> str:
    """Debian's 2.6.12 natively; the image is the same branch's newer release, and says so here."""
    found = _debian_version("haproxy")
    if found is None:
        return f"{tag} (image tag; no native haproxy)"
    differs = "" if found.startswith(tag.split("-", 1)[0]) else f", differs from image haproxy:{tag}"
    return f"{found} (native Debian package{differs or f'; image haproxy:{tag}'})"


def _nginx(tag: str) -> str:
    found = _debian_version("nginx")
    if found is None:
        return f"{tag} (image tag; no native nginx)"
    return f"{found} (native Debian package; image nginx:{tag})"


def _debian_version(name: str) -> str | None:
    """What Debian's `name -v` says its version is (haproxy on stdout, nginx on stderr); None where it is not installed."""
    binary = shutil.which(name) or f"/usr/sbin/{name}"
    try:
        done = subprocess.run([binary, "-v"], capture_output=True, text=True)
    except OSError:
        return None
    return parse(name, done.stdout + done.stderr)


def app_packages(python) -> dict[str, str]:
    """fastapi, starlette and uvicorn as another interpreter's environment has them."""
    script = f"import json, importlib.metadata as m; print(json.dumps({{n: m.version(n) for n in {APP_PACKAGES!r}}}))"
    return json.loads(subprocess.run([str(python), "-c", script], capture_output=True, text=True, check=True).stdout)
