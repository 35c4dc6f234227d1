"""Host ports are unique, every route names a service, no container port is published twice."""

from __future__ import annotations

from proxylab.check.common import (
    Finding,
    verdict,
)
from proxylab.compose import Stack

# --- ports ----------------------------------------------------------------------------------


def check_ports(stack: Stack) -> list[Finding]:
    """Host ports are unique, container ports are published once, and every route names an app."""
    problems: list[str] = []
    owners: dict[int, str] = {}
    for service in stack.services.values():
        targets: set[int] = set()
        for port in service.ports:
            where = f"{service.name}/{port.name}"
            if port.published in owners:
                problems.append(
                    f"host port {port.published}: published by both {owners[port.published]} and {where}; "
                    "give one of them another `published:` port"
                )
            owners.setdefault(port.published, where)
            if port.target in targets:
                problems.append(
                    f"{service.name}: container port {port.target} is published twice; "
                    "the native backend binds one host port per container port, so publish it once"
                )
            targets.add(port.target)
            if port.route is None:
                continue
            unknown = [name for name in port.route.replicas if name not in stack.services]
            if unknown:
                problems.append(
                    f"route {where} (port {port.published}): x-route.replicas names {', '.join(unknown)}, "
                    "not services in compose.yaml"
                )
            if port.route.app not in stack.services:
                # "" is an x-route that names no app; the message calls it None, as YAML would.
                app = port.route.app or None
                problems.append(
                    f"route {where} (port {port.published}): x-route.app {app!r} "
                    f"is not a service in compose.yaml; name one of {', '.join(stack.services)}"
                )
    return verdict(
        "ports", problems, f"{len(owners)} host ports, each published once; every route names a service"
    )
