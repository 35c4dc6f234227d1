"""Restart the app services of a running native stack under another release set, and back.

What: `app_services(stack)` are the services that run the app image (not the one-shot `certs`);
`run_apps(backend, venv, services)` stops them, then starts them again with PROXYLAB_APP_VENV set
to `venv` (None: proxylab's own .venv) and waits until each is healthy (or only answers). The
proxies, Redis and their connections stay up: only uvicorn, Starlette and FastAPI change.
When: `make drift` between sets, lab 14's `release-set` steps and the drift test.
Why native only: the Compose backend runs the same apps from one image built with today's pins;
another release set would be another image. Natively it is another interpreter, seconds away.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterable
from pathlib import Path

from proxylab.backend import Backend
from proxylab.compose import Stack
from proxylab.errors import ProxylabError
from proxylab.native.runners import APP_VENV_VARIABLE, image_venv

READY_WITHIN_S = 60.0


def app_services(stack: Stack, only: Iterable[str] | None = None) -> list[str]:
    """Services that run the app image (uvicorn, app.serve, Hypercorn), in compose.yaml's order.

    Left out: the services of an image with a virtualenv of its own (`fastapi run`'s, see
    IMAGE_VENVS). A release set installs uvicorn, Starlette and FastAPI, not fastapi-cli, so
    their command would not exist in it; they keep running today's pins, as the proxies do."""
    wanted = None if only is None else set(only)
    return [
        name
        for name in stack.services
        if stack.build_context(name) is not None
        and name not in stack.oneshots
        and image_venv(stack, name) is None
        and (wanted is None or name in wanted)
    ]


def require_native(backend: Backend) -> None:
    if backend.name != "native":
        raise ProxylabError(
            f"the {backend.name} backend",
            "runs the apps from one image built with today's pins",
            "release sets run on the native backend: `make down`, then BACKEND=native "
            "(make drift does this itself)",
        )


def set_app_venv(venv: Path | None) -> None:
    """What the next app process the native backend starts will run with."""
    if venv is None:
        os.environ.pop(APP_VENV_VARIABLE, None)
    else:
        os.environ[APP_VENV_VARIABLE] = str(venv)


HEALTHY_WITHIN_S = 60.0


def run_apps(backend: Backend, venv: Path | None, services: list[str], *, healthy: bool = True) -> float:
    """Stop `services`, start them again from `venv`, wait for them; the seconds it took.

    They are killed rather than drained (nothing is in flight between two release sets) and
    started all at once, then waited for together. With `healthy` each must pass its
    healthcheck; without, it must only answer on its port: an older release set may 404 its own
    health URL (uvicorn 0.26 with Starlette 0.32 under --root-path), and the grid records that.
    """
    require_native(backend)
    began = time.monotonic()
    for name in services:
        backend.stop_service(name, signal.SIGKILL)
    before = os.environ.get(APP_VENV_VARIABLE)
    set_app_venv(venv)
    try:
        for name in services:
            backend.start_service(name, wait=False)
    finally:  # only these processes run from `venv`; whatever starts next is not affected
        set_app_venv(Path(before) if before else None)
    _wait(backend, set(services), healthy)
    return time.monotonic() - began


def _wait(backend: Backend, services: set[str], healthy: bool) -> None:
    deadline = time.monotonic() + READY_WITHIN_S
    waiting = services
    while time.monotonic() < deadline:
        statuses = [s for s in backend.status() if s.name in services]
        exited = [s.name for s in statuses if s.state != "running"]
        if exited:
            raise _fault(backend, exited, "exited after a restart")
        waiting = {s.name for s in statuses if not (s.is_healthy if healthy else _answers(s.addresses))}
        if not waiting:
            return
        time.sleep(0.3)
    raise _fault(
        backend,
        sorted(waiting),
        f"was not {'healthy' if healthy else 'answering'} within {READY_WITHIN_S:.0f}s after a restart",
    )


def _answers(addresses: list[str]) -> bool:
    """The process accepts connections on every address it listens on (its lifespan is done)."""
    for address in addresses:
        host, _, port = address.rpartition(":")
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=0.5).close()
        except OSError:
            return False
    return bool(addresses)


def _fault(backend: Backend, names: list[str], cause: str) -> ProxylabError:
    return ProxylabError(
        f"service {names[0]}" + (f" (and {len(names) - 1} more)" if len(names) > 1 else ""),
        cause,
        "the release set may not run this app: read its log below",
        details=backend.tail(names[0], 15),
    )
