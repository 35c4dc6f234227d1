"""The versions that actually ran, and the versions every backend is pinned to run.

`native(stack)` asks the virtualenv, and each proxy of proxylab/proxies' table its native binary
(built from its Go module, or the release unpacked from Debian's suites) on this machine;
proxylab/compose_backend.py reads the same facts from what the containers answer, with the
command and pattern each proxy's home gives. Each backend's `versions()` returns one of them, so
a report names what really served it.

`pins(stack)` is `make versions`' table: per component, the version compose.yaml (or
constraints.txt) pins, what the native backend runs and what the registry-less images
(compose.debian.yaml) are built from. `make check` (proxylab/check/versions.py) fails where the
upstream versions in a row differ, unless README's table of known differences says why.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import yaml

from proxylab import proxies
from proxylab.compose import Stack
from proxylab.native.debian_release import DebianRelease, upstream_of_tag
from proxylab.native.go_build import GoTool
from proxylab.native.runners import REDIS, app_venv, go_tool
from proxylab.paths import REPO

APP_PACKAGES = ("fastapi", "starlette", "uvicorn")
# The app image's base (app/Dockerfile) and the stand-in's (images/debian/app/Dockerfile: Debian
# bookworm's python3), for the python row.
_APP_DOCKERFILE = REPO / "app" / "Dockerfile"
DEBIAN_IMAGE_PYTHON = "3.11 (Debian bookworm's python3)"


def native(stack: Stack) -> dict[str, str]:
    """The app's packages as the app services run them (PROXYLAB_APP_VENV's when set), and each
    proxy compose.yaml runs, as its native binary says, keyed by the proxy's name."""
    venv = app_venv()
    if venv is not None:
        versions = app_packages(venv / "bin" / "python")
    else:
        versions = {name: metadata.version(name) for name in APP_PACKAGES}
    for proxy in proxies.every():
        service = proxies.pinned_service(stack, proxy)
        if service is not None:
            versions[proxy.name] = proxy.native_version(stack.image_tag(service.name))
    return versions


def app_packages(python) -> dict[str, str]:
    """fastapi, starlette and uvicorn as another interpreter's environment has them."""
    script = (
        "import json, importlib.metadata as m; "
        f"print(json.dumps({{n: m.version(n) for n in {APP_PACKAGES!r}}}))"
    )
    return json.loads(
        subprocess.run([str(python), "-c", script], capture_output=True, text=True, check=True).stdout
    )


def debian_releases(stack: Stack) -> list[tuple[str, DebianRelease, str]]:
    """(image, release, upstream version) of every image compose.yaml runs from Debian's suites
    natively: the proxies whose home unpacks a release (nginx, haproxy), and Redis."""
    found: dict[str, tuple[str, DebianRelease, str]] = {}
    for service in stack.services.values():
        image = service.image or ""
        proxy = proxies.of_service(service)
        release = (
            getattr(proxy, "release", None) if proxy else (REDIS if image.startswith("redis:") else None)
        )
        if isinstance(release, DebianRelease):
            found[image] = (image, release, upstream_of_tag(image.rpartition(":")[2]))
    return sorted(found.values(), key=lambda row: row[0])


def release_of(service) -> DebianRelease | None:
    """The Debian release a service's image runs natively: its proxy's, or Redis'; else None."""
    proxy = proxies.of_service(service)
    if proxy is not None:
        release = getattr(proxy, "release", None)
        return release if isinstance(release, DebianRelease) else None
    return REDIS if (service.image or "").startswith("redis:") else None


def pinned_program(stack: Stack, service: str, program: str | None = None, log=print) -> Path:
    """The launcher of a service's Debian release at compose.yaml's tag (unpacked first if
    needed): `haproxy -c`, `nginx -t` or a test's own redis-server run the version that is pinned."""
    release = release_of(stack.services[service])
    if release is None:
        raise ValueError(f"{service} runs no Debian release natively")
    version = upstream_of_tag(stack.image_tag(service))
    release.ensure(version, log=log)
    return release.launcher(version, program)


@dataclass(frozen=True)
class Pin:
    """One row of `make versions`: a component and the upstream version each place runs."""

    component: str
    pinned: str  # compose.yaml's tag, constraints.txt's pin, app/Dockerfile's base
    native: str  # what the native backend runs (unpacked, built, or installed in .venv)
    images: str  # what compose.debian.yaml's images are built from
    where: str  # where the pin is written

    def upstreams(self) -> tuple[str, str, str]:
        return tuple(_upstream(value) for value in (self.pinned, self.native, self.images))  # type: ignore[return-value]


def _upstream(text: str) -> str:
    match = re.match(r"v?(\d+(?:\.\d+)*)", text)
    return match[1] if match else text


def debian_images(path: Path | None = None) -> dict[str, str]:
    """service → image of compose.debian.yaml (its `!reset` tags read as null)."""
    path = path or REPO / "compose.debian.yaml"
    if not path.is_file():
        return {}

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!reset", lambda loader, node: None)
    services = (yaml.load(path.read_text(), Loader=Loader) or {}).get("services") or {}
    return {
        name: spec["image"] for name, spec in services.items() if isinstance(spec, dict) and spec.get("image")
    }


def pins(stack: Stack, debian: dict[str, str] | None = None) -> list[Pin]:
    """Per component: pinned, native and images, as `make versions` prints them."""
    debian = debian_images() if debian is None else debian
    rows = []
    constraints = _constraints()
    venv = app_venv()
    native_packages = (
        app_packages(venv / "bin" / "python") if venv else {name: _installed(name) for name in APP_PACKAGES}
    )
    for name in APP_PACKAGES:
        pinned = constraints.get(name, "?")
        rows.append(
            Pin(name, pinned, native_packages.get(name) or "not installed", pinned, "constraints.txt")
        )
    base = re.search(r"^FROM python:(\S+)", _APP_DOCKERFILE.read_text(), re.MULTILINE)
    rows.append(
        Pin(
            "python",
            base[1].split("-")[0] if base else "?",
            ".".join(map(str, sys.version_info[:3])),
            DEBIAN_IMAGE_PYTHON,
            "app/Dockerfile",
        )
    )
    for service in _pinned_images(stack):
        image = service.image or ""
        tag = image.rpartition(":")[2]
        name = image.rpartition(":")[0].rpartition("/")[2]
        sharing = [other.name for other in stack.services.values() if other.image == image]
        if name not in sharing and any(
            (other.image or "").startswith(f"{name}:")
            for other in _pinned_images(stack)
            if other is not service
        ):
            name = f"{name} ({service.name})"
        images = debian.get(service.name, "(not in compose.debian.yaml)").rpartition(":")[2]
        rows.append(Pin(name, upstream_of_tag(tag), _native_of(stack, service.name), images, "compose.yaml"))
    return rows


def _pinned_images(stack: Stack):
    """One service per upstream image compose.yaml runs, each version of it (not the app's own
    builds): nginx:1.30.6-alpine and lab 16's nginx:1.22.1-alpine are two rows."""
    seen: set[str] = set()
    for service in stack.services.values():
        image = service.image or ""
        if not image or image.startswith("proxylab") or stack.build_context(service.name) or image in seen:
            continue
        seen.add(image)
        yield service


def _native_of(stack: Stack, service_name: str) -> str:
    service = stack.services[service_name]
    tag = stack.image_tag(service_name)
    proxy = proxies.of_service(service)
    release = release_of(service)
    if release is not None:
        version = upstream_of_tag(tag)
        return f"{version} (Debian {release.release(version) or 'release, not unpacked yet'})"
    tool = getattr(proxy, "tool", None) or go_tool(service)  # a proxy's build, or the control plane's
    if isinstance(tool, GoTool):
        return f"{tool.module_version()} (built from {tool.module}, tools/{tool.name}/go.mod)"
    return "?"


def _constraints() -> dict[str, str]:
    pins_found = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        name, _, version = line.partition("==")
        if version:
            pins_found[name.strip().lower()] = version.strip()
    return pins_found


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
