"""Traefik: built from its Go module at the image's tag, configured by a static file and a folder.

What: TRAEFIK, the Proxy (proxylab/proxies/base.py) for every `traefik:<tag>` service: the binary
tools/traefik builds (TOOL), `traefik --configFile=...`, SIGTERM as the image's default, the
native copy of traefik.yml and its file-provider folder (render.py), and the check of its routers
and TLS against x-route (check.py).
When: resolved through proxylab/proxies/__init__.py's table.
Why here: everything proxylab knows about Traefik in one folder.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import TYPE_CHECKING

from proxylab.native.go_build import GoTool
from proxylab.proxies import services_of
from proxylab.proxies.base import BuiltFromGo
from proxylab.proxies.traefik.check import check_traefik, traefik_file_problems, traefik_tls_problems
from proxylab.proxies.traefik.render import render_traefik

if TYPE_CHECKING:
    from proxylab.check.common import Finding
    from proxylab.compose import Service, Stack
    from proxylab.native.addresses import NativeAddresses

TOOL = GoTool(
    name="traefik",
    title="Traefik",
    module="github.com/traefik/traefik/v3",
    package="github.com/traefik/traefik/v3/cmd/traefik",
    version_variable="github.com/traefik/traefik/v3/pkg/version.Version",
)


class Traefik(BuiltFromGo):
    """Traefik as proxylab runs, stops, configures, checks and asks it (the Proxy Protocol)."""

    name = "traefik"
    stop_signal = signal.SIGTERM  # the image declares no STOPSIGNAL
    version_command = ("traefik", "version")
    version_pattern = r"Version:\s+(\S+)"
    tool = TOOL

    def argv(self, binary: str, config: Path, run_dir: Path) -> list[str]:
        return [binary, f"--configFile={config}"]

    def env(self, run_dir: Path) -> dict[str, str]:
        return {}

    def render(self, service: Service, addresses: NativeAddresses, out: Path) -> Path:
        return render_traefik(service, addresses, out)

    def file_problems(self, service: Service) -> list[str]:
        return traefik_file_problems(service)

    def check(self, stack: Stack) -> list[Finding]:
        return check_traefik(stack, services_of(stack, self), TOOL)

    def tls_problems(self, service: Service) -> list[str]:
        return traefik_tls_problems(service)


TRAEFIK = Traefik()
