"""What the control plane's tests share: the builds they need, and a plane on ports of their own.

`require_built(tools)` skips a test here (fails it on CI) when a binary is not built yet;
`running_plane(folder, apiserver_port, kine_port)` starts kube-apiserver on kine there, yields it,
and after down() checks that neither process nor either port outlives it. Each test picks ports
the stack never uses, so a running stack (`make up K8S=1`) is never touched.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from proxylab import ports
from proxylab.k8s.plane import ControlPlane
from proxylab.native.go_build import GoTool
from proxylab.native.processes import is_alive


def require_built(tools: Iterable[GoTool]) -> None:
    missing = [tool.name for tool in tools if not tool.binary_path(tool.module_version()).is_file()]
    if missing:
        message = f"{', '.join(missing)} not built: run `make k8s-build` (minutes the first time)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@contextmanager
def running_plane(folder: Path, apiserver_port: int, kine_port: int) -> Iterator[ControlPlane]:
    own = (apiserver_port, kine_port)
    busy = [port for port in own if ports.listening("127.0.0.1", port)]
    assert not busy, f"ports {busy} are in use before the test's control plane starts"
    plane = ControlPlane(folder, apiserver_port, kine_port)
    try:
        plane.up(log=lambda line: None)
        recorded = dict(plane._read())
        yield plane
    finally:
        plane.down()
    alive = [name for name, entry in recorded.items() if is_alive(entry["pid"], entry["started"])]
    assert not alive, f"{alive} still run after down()"
    assert not any(ports.listening("127.0.0.1", port) for port in own)
