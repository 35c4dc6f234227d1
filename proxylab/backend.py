"""Which backend runs the stack: Compose when a Docker engine answers, else native processes.

BACKEND=compose or BACKEND=native overrides the choice. Both serve the same published ports, so
labs and tests never need to know which one answered.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from proxylab.compose import Stack
from proxylab.errors import ProxylabError


def choose(stack: Stack, log: Callable[[str], None] = print):
    wanted = os.environ.get("BACKEND", "").strip().lower()
    if wanted not in ("", "compose", "native"):
        raise ProxylabError(f"BACKEND={wanted}", "is not a backend", "use BACKEND=compose or BACKEND=native")
    if wanted == "native":
        return _native(stack, log)
    from proxylab.compose_backend import ComposeBackend, docker_answers

    if wanted == "compose" or docker_answers():
        return ComposeBackend(stack)
    return _native(stack, log)


def _native(stack: Stack, log: Callable[[str], None]):
    from proxylab.native.supervisor import NativeBackend

    return NativeBackend(stack, log=log)
