"""Every file compose.yaml points at exists: volume sources, build contexts, Traefik's config.

The exceptions are .run/certs and .run/k8s, which `python -m proxylab up` generates before either
backend starts (proxylab/certs.py; the k8s profile's CRDs and credentials): on a fresh clone they
do not exist yet, and that is correct.
"""

from __future__ import annotations

from collections.abc import Mapping

from proxylab import proxies
from proxylab.check.common import (
    Finding,
    _shown,
    is_generated_certs,
    verdict,
)
from proxylab.compose import Service, Stack

# --- files ----------------------------------------------------------------------------------


def check_files(stack: Stack) -> list[Finding]:
    """Every volume source, build context, Dockerfile and Traefik config file exists on the host."""
    problems: list[str] = []
    for service in stack.services.values():
        problems += [
            (
                f"{service.name}: volume source {_shown(volume.source)} does not exist; "
                "create it or fix `volumes:`"
            )
            for volume in service.volumes
            if not volume.source.exists() and not is_generated_certs(volume.source)
        ]
        problems += _build_problems(service)
    for proxy in proxies.every():
        for service in proxies.services_of(stack, proxy):
            problems += proxy.file_problems(service)
    return verdict(
        "files", problems, "every volume source, build context, Dockerfile and Traefik config exists"
    )


def _build_problems(service: Service) -> list[str]:
    if service.build_context is None:
        return []
    if not service.build_context.is_dir():
        return [
            f"{service.name}: build context {_shown(service.build_context)} does not exist; "
            "fix `build.context`"
        ]
    build = service.raw.get("build")
    dockerfile = build.get("dockerfile", "Dockerfile") if isinstance(build, Mapping) else "Dockerfile"
    if (service.build_context / dockerfile).is_file():
        return []
    return [
        f"{service.name}: Dockerfile {_shown(service.build_context / dockerfile)} does not exist; "
        "write it or fix `build.dockerfile`"
    ]
