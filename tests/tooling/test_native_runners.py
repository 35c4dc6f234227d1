"""How the native backend starts each app server: its own listen flags, at the native address.

uvicorn (and app.serve) take --host/--port, Hypercorn --bind HOST:PORT. If a runner wrote the
wrong flag, the server would listen on the container's 0.0.0.0:8000 and collide with every other
app; an unknown server must stop `up` with a message, not be guessed at.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from proxylab.compose import Stack
from proxylab.errors import ProxylabError
from proxylab.native.addresses import NativeAddresses
from proxylab.native.runners import process_spec


def _option(argv: list[str], flag: str) -> str:
    return argv[argv.index(flag) + 1]


def test_uvicorn_gets_host_and_port(real_stack: Stack, tmp_path: Path) -> None:
    spec = process_spec(real_stack, "app-forwarded-prefix-trusted", tmp_path)
    host, port = NativeAddresses(real_stack).bind("app-forwarded-prefix-trusted", 8000)
    assert (_option(spec.argv, "--host"), _option(spec.argv, "--port")) == (host, str(port))
    assert "--no-proxy-headers" in spec.argv


def test_hypercorn_gets_bind(real_stack: Stack, tmp_path: Path) -> None:
    spec = process_spec(real_stack, "app-hypercorn", tmp_path)
    host, port = NativeAddresses(real_stack).bind("app-hypercorn", 8000)
    assert Path(spec.argv[0]).name == "hypercorn"
    assert _option(spec.argv, "--bind") == f"{host}:{port}"
    assert "--host" not in spec.argv and "--port" not in spec.argv
    assert _option(spec.argv, "--root-path") == "/api/v1"


def test_server_port_reads_hypercorns_bind(real_stack: Stack) -> None:
    assert real_stack.services["app-hypercorn"].server_port == 8000
    other = replace(
        real_stack.services["app-hypercorn"], command=["hypercorn", "app.main:app", "--bind", "0.0.0.0:8123"]
    )
    assert other.server_port == 8123


def test_an_unknown_server_is_an_error(real_stack: Stack, tmp_path: Path) -> None:
    services = dict(real_stack.services)
    services["app-plain"] = replace(
        services["app-plain"], command=["granian", "app.main:app", "--port", "8000"]
    )
    with pytest.raises(ProxylabError, match="runs .granian., whose listen flags"):
        process_spec(replace(real_stack, services=services), "app-plain", tmp_path)


def test_fastapi_run_gets_host_and_port(real_stack: Stack, tmp_path: Path) -> None:
    """`fastapi run` passes --host/--port on to uvicorn.run; the runner must rewrite them, not add --bind."""
    services = dict(real_stack.services)
    services["app-plain"] = replace(
        services["app-plain"],
        command=["fastapi", "run", "--entrypoint", "app.main:app", "--host", "0.0.0.0", "--port", "8000"],
    )
    spec = process_spec(replace(real_stack, services=services), "app-plain", tmp_path)
    host, port = NativeAddresses(real_stack).bind("app-plain", 8000)
    assert (_option(spec.argv, "--host"), _option(spec.argv, "--port")) == (host, str(port))
    assert "--bind" not in spec.argv


def test_the_control_plane_runs_on_native_addresses_and_host_paths(tmp_path: Path) -> None:
    """kube-apiserver and kine natively: the Go builds on their own addresses, the credentials'
    container paths as the host's .run/k8s, kine's store a new folder of the run folder. A wrong
    rewrite would bind 0.0.0.0, dial `kine` by a name nothing resolves, or read no certificate."""
    from proxylab.compose import load
    from proxylab.paths import REPO

    stack = load(REPO / "compose.yaml", env={"COMPOSE_PROFILES": "k8s"})
    addresses = NativeAddresses(stack)
    (tmp_path / "kine" / "state").mkdir(parents=True)
    (tmp_path / "kine" / "state" / "state.db").write_text("a former run's store")
    kine = process_spec(stack, "kine", tmp_path)
    apiserver = dict(arg.split("=", 1) for arg in process_spec(stack, "kube-apiserver", tmp_path).argv[1:])
    assert f"--listen-address={addresses.connect('kine', 2379)}" in kine.argv
    assert f"--endpoint=sqlite://{tmp_path}/kine/state/state.db?_journal=WAL&cache=shared" in kine.argv
    assert not (tmp_path / "kine" / "state" / "state.db").exists()
    assert apiserver["--etcd-servers"] == f"http://{addresses.connect('kine', 2379)}"
    assert (apiserver["--bind-address"], apiserver["--secure-port"]) == ("127.0.0.1", "6443")
    assert apiserver["--tls-cert-file"] == str(REPO / ".run" / "k8s" / "apiserver.pem")
    assert apiserver["--cert-dir"] == str(tmp_path / "kube-apiserver" / "state")
    objects = process_spec(stack, "k8s-objects", tmp_path)
    assert objects.env["PROXYLAB_K8S_SERVER"] == "https://127.0.0.1:6443"
    assert objects.env["PROXYLAB_BACKEND"] == "native"
