"""The seam between compose.yaml and what runs it: one `Backend` interface, one function that chooses.

Two backends implement `Backend` with the same signatures: `NativeBackend`
(proxylab/native/supervisor.py, local processes) and `ComposeBackend` (proxylab/compose_backend.py,
a Docker engine). Both serve the same published ports, so labs, suites and tests ask `choose()`
for whichever runs and never need to know more than what this interface says.

The rule, in `choose` and nowhere else: BACKEND=compose or BACKEND=native if set; else a native
run that is live (so `make labs` or `make down` after `BACKEND=native make up` find it); else
Compose when a Docker engine answers; else native.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from typing import Protocol

from proxylab.compose import Stack
from proxylab.errors import ProxylabError
from proxylab.status import ServiceStatus

NAMES = ("compose", "native")


class Backend(Protocol):
    """What proxylab does with a running compose.yaml, whichever way it runs."""

    name: str  # "native" or "compose"
    stack: Stack

    def up(self) -> float:
        """Start every service and wait until all are healthy; the seconds it took."""
        ...

    def down(self) -> list[str]:
        """Stop every service (nothing left running or listening); the services stopped."""
        ...

    def status(self) -> list[ServiceStatus]:
        """Each service (each replica with Compose) in compose.yaml's order."""
        ...

    def tail(self, service: str, lines: int = 50) -> str:
        """The last `lines` lines of the service's log."""
        ...

    def signal(self, service: str, sig: signal.Signals) -> None:
        """Send `sig` to the service's process (with Compose: to its lowest-numbered container)."""
        ...

    def stop_service(self, service: str, sig: signal.Signals | None = None) -> float:
        """Stop one service with `sig`, or its own stop signal, and wait; the seconds it took."""
        ...

    def start_service(self, service: str, wait: bool = True) -> float:
        """Start one stopped service; with `wait`, until its healthcheck passes; the seconds."""
        ...

    def versions(self) -> dict[str, str]:
        """fastapi, starlette, uvicorn and each proxy as they run (what every report prints)."""
        ...

    # --- what a lab needs to know: how addresses look inside the stack --------------------------

    def seen_as(self, client: str) -> str:
        """The address a client connecting from `client` (on this machine) has inside the stack."""
        ...

    def upstream(self, service: str) -> str:
        """host:port a proxy uses to reach `service` (what Nginx's default Host header carries)."""
        ...

    def source_of(self, service: str) -> str:
        """The address `service` connects from, as the apps see it."""
        ...


def choose(stack: Stack, log: Callable[[str], None] = print, wanted: str | None = None) -> Backend:
    """The backend that runs (or will run) `stack`: `wanted` or BACKEND if set, else the rule above."""
    wanted = (os.environ.get("BACKEND", "") if wanted is None else wanted).strip().lower()
    if wanted and wanted not in NAMES:
        raise ProxylabError(f"BACKEND={wanted}", "is not a backend", "use BACKEND=compose or BACKEND=native")
    from proxylab.compose_backend import ComposeBackend, docker_answers
    from proxylab.native.supervisor import NativeBackend

    if wanted == "compose":
        return ComposeBackend(stack)
    native = NativeBackend(stack, log=log)
    if wanted == "native" or native.is_running() or not docker_answers():
        return native
    return ComposeBackend(stack)
