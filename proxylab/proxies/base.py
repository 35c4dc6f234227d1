"""What proxylab asks of a proxy, and the helpers the four homes share.

What: `Proxy`, the Protocol every home in proxylab/proxies/ implements: how its binary is had,
the command line and environment that run it on a config file, the signal that stops it, the
native copy of its config, the static check of its routes against x-route, the TLS part of that
check, and how it tells its version natively and in a container. Below it, the shared ways a
binary is had: built from a Go module (Traefik, Caddy: proxylab/native/go_build.py) or found
where Debian installs it (nginx, haproxy).
When: through the table in proxylab/proxies/__init__.py; nothing imports a home by name except
where a test or a tool needs that one proxy.
Why a Protocol: the native runner, the supervisor, `make check`, the version reports and the
doctor ask the same object, so a proxy's facts cannot drift apart between them (Starlette's
`_utils.py` names what it needs the same way).
"""

from __future__ import annotations

import re
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from proxylab.native.debian_release import DebianRelease, upstream_of_tag
from proxylab.native.go_build import GoTool, image_version

if TYPE_CHECKING:
    from proxylab.check.common import Finding
    from proxylab.compose import Service, Stack
    from proxylab.native.addresses import NativeAddresses

Log = Callable[[str], object]


class Proxy(Protocol):
    """One proxy, everything proxylab knows about it."""

    name: str  # the table's key, the image's repository and the check's name: "nginx"
    stop_signal: signal.Signals  # what its image's STOPSIGNAL says (SIGTERM without one)
    version_command: tuple[str, ...]  # asked in its container: ("nginx", "-v")
    version_pattern: str  # finds the version in that command's output

    def binary(self, image_tag: str, log: Log) -> str:
        """The executable that runs it natively, at the image's version where it is built."""
        ...

    def build_pending(self, image_tag: str) -> str | None:
        """What `binary` would first have to build, for a person ("the Traefik v3.6.12 build"),
        or None when it is at hand (cached, or unpacked in seconds)."""
        ...

    def argv(self, binary: str, config: Path, run_dir: Path) -> list[str]:
        """The command that runs it in the foreground on `config`, keeping its files in `run_dir`."""
        ...

    def env(self, run_dir: Path) -> dict[str, str]:
        """Variables it needs besides the service's own, to keep its state in `run_dir`."""
        ...

    def render(self, service: Service, addresses: NativeAddresses, out: Path) -> Path:
        """The native copy of the service's config in `out`; return the file `argv` takes."""
        ...

    def file_problems(self, service: Service) -> list[str]:
        """`make check`'s files check: the config files its command names exist on the host."""
        ...

    def check(self, stack: Stack) -> list[Finding]:
        """`make check`: each port of each service of this proxy routes as its x-route says."""
        ...

    def tls_problems(self, service: Service) -> list[str]:
        """`make check`'s tls check for one service: exactly the `tls: true` ports terminate TLS."""
        ...

    def native_version(self, image_tag: str) -> str:
        """What the native binary says it is, beside the image's tag, for reports."""
        ...


# --- Debian's packages, at the pinned upstream version ---------------------------------------


class FromDebian:
    """What nginx and haproxy share: the upstream release the image tag pins, unpacked from the
    Debian suite that has it (proxylab/native/debian_release.py), never the host's package, and
    needing no variables of their own. A home sets `name`, `release` and `version_pattern`."""

    name: str
    release: DebianRelease
    version_pattern: str

    def binary(self, image_tag: str, log: Log) -> str:
        return str(self.release.ensure(upstream_of_tag(image_tag), log=log))

    def build_pending(self, image_tag: str) -> str | None:
        return None  # no build: a slow unpack holds back only its own service (NativeBackend.up)

    def env(self, run_dir: Path) -> dict[str, str]:
        return {}

    def native_version(self, image_tag: str) -> str:
        return release_version(self.release, self.version_pattern, image_tag)


def release_version(release: DebianRelease, pattern: str, image_tag: str) -> str:
    """What the unpacked release for the image's version says it is, and which Debian package it
    came from; or that it is not unpacked yet."""
    version = upstream_of_tag(image_tag)
    if not release.unpacked(version):
        return f"{version} (image tag; not unpacked yet: `make up` or `make releases` does it)"
    done = subprocess.run([str(release.launcher(version)), "-v"], capture_output=True, text=True)
    return f"{parse_version(pattern, done.stdout + done.stderr)} (Debian {release.release(version)})"


# --- built from a Go module -----------------------------------------------------------------


class BuiltFromGo:
    """What Traefik and Caddy share: built from their Go module at the image's version, and asked
    their version from that binary. A home sets `tool` and `version_pattern`."""

    tool: GoTool
    version_pattern: str

    def binary(self, image_tag: str, log: Log) -> str:
        return go_binary(self.tool, image_tag, log)

    def build_pending(self, image_tag: str) -> str | None:
        return self.tool.build_pending(image_version(image_tag))

    def native_version(self, image_tag: str) -> str:
        return go_version(self.tool, self.version_pattern, image_tag)


def go_binary(tool: GoTool, image_tag: str, log: Log) -> str:
    """Traefik or Caddy built at the image's version, once (proxylab/native/go_build.py)."""
    return str(tool.ensure(image_version(image_tag), log=log))


def go_version(tool: GoTool, pattern: str, image_tag: str) -> str:
    """What the binary built for the image's version says it is, or that it is not built yet."""
    binary = tool.binary_path(image_version(image_tag))
    if not binary.is_file():
        return f"{image_tag} (image tag; native binary not built)"
    out = subprocess.run([str(binary), "version"], capture_output=True, text=True).stdout
    return f"{parse_version(pattern, out)} (native build; image {tool.name}:{image_tag})"


def parse_version(pattern: str, text: str) -> str:
    """The version `pattern` finds in a proxy's answer; "?" when it is not there."""
    match = re.search(pattern, text)
    return match[1] if match else "?"
