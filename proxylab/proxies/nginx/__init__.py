"""Nginx: the pinned release unpacked from Debian's suites natively, the nginx image in Compose,
configured through /etc/nginx.

What: NGINX, the Proxy (proxylab/proxies/base.py) for every `nginx:<tag>` service (`nginx` and
the `edge`): the nginx of Debian's package whose upstream version is the tag's (1.30.6 from sid
for nginx:1.30.6-alpine; proxylab/native/debian_release.py), run in the foreground inside its
run folder, stopped with SIGQUIT as the image's STOPSIGNAL says (a graceful stop: it finishes
the requests it has), the native copy of /etc/nginx (render.py) and the check of its server blocks and TLS
against x-route (check.py).
When: resolved through proxylab/proxies/__init__.py's table.
Why here: everything proxylab knows about Nginx in one folder.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import TYPE_CHECKING

from proxylab.native.debian_release import DebianRelease
from proxylab.proxies import services_of
from proxylab.proxies.base import FromDebian
from proxylab.proxies.nginx.check import check_nginx, nginx_tls_problems
from proxylab.proxies.nginx.render import render_nginx

if TYPE_CHECKING:
    from proxylab.check.common import Finding
    from proxylab.compose import Service, Stack
    from proxylab.native.addresses import NativeAddresses

# The release compose.yaml's image tag pins, from the Debian suite that has it.
RELEASE = DebianRelease("nginx", "nginx", ("usr/sbin/nginx",))


class Nginx(FromDebian):
    """Nginx as proxylab runs, stops, configures, checks and asks it (the Proxy Protocol)."""

    name = "nginx"
    stop_signal = signal.SIGQUIT  # the image's STOPSIGNAL (images/debian/nginx/Dockerfile too)
    version_command = ("nginx", "-v")
    version_pattern = r"nginx/(\S+)"
    release = RELEASE

    def argv(self, binary: str, config: Path, run_dir: Path) -> list[str]:
        # -p/-c keep nginx inside the run folder; -e and pid keep it off /var/log and /run.
        return [
            binary,
            "-p",
            f"{run_dir}/",
            "-c",
            str(config),
            "-e",
            "stderr",
            "-g",
            f"daemon off; pid {run_dir}/nginx.pid;",
        ]

    def render(self, service: Service, addresses: NativeAddresses, out: Path) -> Path:
        return render_nginx(service, addresses, out)

    def file_problems(self, service: Service) -> list[str]:
        return []  # its config is a mounted volume, which the files check already finds

    def check(self, stack: Stack) -> list[Finding]:
        return check_nginx(stack, services_of(stack, self))

    def tls_problems(self, service: Service) -> list[str]:
        return nginx_tls_problems(service)


NGINX = Nginx()
