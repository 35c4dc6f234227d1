"""Starting and stopping the control plane: kine, then kube-apiserver, then readiness.

What: `ControlPlane(folder, apiserver_port, kine_port)` starts kine on SQLite (folder/state.db,
new at each start) and kube-apiserver against it, both on 127.0.0.1 only, records each process
(pid and kernel start time, as the native backend does: native/processes.py) in
folder/processes.json, waits for the API server's /readyz; `start_traefik` adds Traefik with its
Kubernetes providers (routing.py); `down` stops them all (Traefik, the API server, the store),
leaving nothing running.
When: `python -m proxylab.k8s up|down` on 6443 and 2379 (the control plane alone; the stack runs
the same processes as compose.yaml's k8s profile, `make up K8S=1`); the tests on ports of their
own, so they never meet a running stack.
Why these flags: there are no nodes and no controllers. `--endpoint-reconciler-type=none`: the
API server would otherwise publish its own loopback address as the `kubernetes` Service's
endpoint, which its own validation refuses (a loopback address is no endpoint). Everything else
is the least the real server needs: a serving certificate, a service-account key and issuer, a
token, the store.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from proxylab import ports
from proxylab.errors import ProxylabError
from proxylab.k8s import routing
from proxylab.k8s.api import Api
from proxylab.k8s.pki import Credentials, ensure_credentials
from proxylab.k8s.tools import KINE, KUBE_APISERVER
from proxylab.native.processes import is_alive, start_time, stop_group

HOST = "127.0.0.1"
READY_TIMEOUT_S = 60.0
# The Service ClusterIPs the API server hands out: addresses nothing routes, the default's size.
SERVICE_RANGE = "10.96.0.0/16"


@dataclass
class ControlPlane:
    """kine and kube-apiserver, their files in `folder`."""

    folder: Path
    apiserver_port: int = 6443
    kine_port: int = 2379

    @property
    def server(self) -> str:
        return f"https://{HOST}:{self.apiserver_port}"

    @property
    def credentials(self) -> Credentials:
        return Credentials(self.folder)

    def api(self) -> Api:
        return Api(self.server, self.credentials.token(), self.credentials.ca)

    def up(self, log=print) -> float:
        """Start both and wait until the API server is ready; the seconds that took."""
        if self.running():
            log(f"the control plane already runs ({self.server})")
            return 0.0
        for port in (self.kine_port, self.apiserver_port):
            if ports.listening(HOST, port):
                raise ProxylabError(
                    f"port {port}",
                    "is already in use",
                    "run `make down` (the stack's) or `python -m proxylab.k8s down`, "
                    "or stop what listens there (`ss -ltnp`)",
                )
        kine = KINE.ensure(KINE.module_version(), log)
        apiserver = KUBE_APISERVER.ensure(KUBE_APISERVER.module_version(), log)
        credentials = ensure_credentials(self.folder, self.apiserver_port)
        # A fresh store each time: it holds only what proxylab applies, and objects of a former run
        # (the other backend's EndpointSlices, whose addressType may not change) would refuse this one's.
        for stale in self.folder.glob("state.db*"):
            stale.unlink()
        started = time.monotonic()
        processes = {"kine": self._start("kine", self._kine_argv(kine))}
        self._write(processes)
        argv = self._apiserver_argv(apiserver, credentials)
        processes["kube-apiserver"] = self._start("kube-apiserver", argv)
        self._write(processes)
        try:
            self._wait_ready(credentials)
        except BaseException:
            self.down()
            raise
        return time.monotonic() - started

    def start_traefik(self, log=print) -> float:
        """Start Traefik with its Kubernetes providers watching this plane (routing.py)."""
        started = time.monotonic()
        processes = self._read()
        processes["traefik"] = self._start("traefik", routing.argv(self.folder, self.server, log))
        self._write(processes)
        entry = processes["traefik"]
        routing.wait_ready(lambda: is_alive(entry["pid"], entry["started"]))
        return time.monotonic() - started

    def down(self) -> list[str]:
        """Stop Traefik, the API server, then its store; the names of what was stopped."""
        stopped = []
        recorded = self._read()
        for name in ("traefik", "kube-apiserver", "kine"):
            entry = recorded.get(name)
            if entry and is_alive(entry["pid"], entry["started"]):
                stop_group(entry["pid"], entry["started"], signal.SIGTERM)
                stopped.append(name)
        (self.folder / "processes.json").unlink(missing_ok=True)
        return stopped

    def running(self) -> bool:
        recorded = self._read()
        return bool(recorded) and all(is_alive(e["pid"], e["started"]) for e in recorded.values())

    def pids(self) -> dict[str, int]:
        return {name: entry["pid"] for name, entry in self._read().items()}

    def _kine_argv(self, binary: Path) -> list[str]:
        return [
            str(binary),
            f"--listen-address={HOST}:{self.kine_port}",
            f"--endpoint=sqlite://{self.folder / 'state.db'}?_journal=WAL&cache=shared",
            # Its metrics would listen on :8080 of every address; nothing here reads them.
            "--metrics-bind-address=0",
        ]

    def _apiserver_argv(self, binary: Path, credentials: Credentials) -> list[str]:
        return [
            str(binary),
            f"--etcd-servers=http://{HOST}:{self.kine_port}",
            f"--bind-address={HOST}",
            f"--advertise-address={HOST}",
            f"--secure-port={self.apiserver_port}",
            # No controller publishes the `kubernetes` Service's endpoints (see the docstring).
            "--endpoint-reconciler-type=none",
            f"--service-cluster-ip-range={SERVICE_RANGE}",
            f"--tls-cert-file={credentials.cert}",
            f"--tls-private-key-file={credentials.key}",
            f"--token-auth-file={credentials.tokens}",
            f"--service-account-key-file={credentials.service_account_key}",
            f"--service-account-signing-key-file={credentials.service_account_key}",
            "--service-account-issuer=https://kubernetes.default.svc",
            "--authorization-mode=RBAC",
            # Its self-signed files would otherwise go to /var/run/kubernetes.
            f"--cert-dir={self.folder / 'cert-dir'}",
            "--profiling=false",
        ]

    def _start(self, name: str, argv: list[str]) -> dict:
        log_file = (self.folder / f"{name}.log").open("ab")
        child = subprocess.Popen(
            argv, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
        log_file.close()
        began = start_time(child.pid)
        return {"pid": child.pid, "started": began, "argv": argv, "log": str(self.folder / f"{name}.log")}

    def _wait_ready(self, credentials: Credentials) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        last = "no answer yet"
        with self.api() as api:
            while time.monotonic() < deadline:
                for name, entry in self._read().items():
                    if not is_alive(entry["pid"], entry["started"]):
                        raise self._failed(name, "exited during start-up")
                try:
                    response = api.client.get("/readyz")
                    if response.status_code == 200:
                        return
                    last = f"/readyz said {response.status_code}"
                except httpx.TransportError as error:
                    last = str(error) or type(error).__name__
                time.sleep(0.2)
        raise self._failed("kube-apiserver", f"was not ready after {READY_TIMEOUT_S:.0f} s ({last})")

    def _failed(self, name: str, cause: str) -> ProxylabError:
        log_path = self.folder / f"{name}.log"
        tail = log_path.read_text(errors="replace").splitlines()[-15:] if log_path.is_file() else []
        return ProxylabError(name, cause, f"read {log_path}; its last lines follow", details="\n".join(tail))

    def _read(self) -> dict[str, dict]:
        path = self.folder / "processes.json"
        return json.loads(path.read_text()) if path.is_file() else {}

    def _write(self, processes: dict[str, dict]) -> None:
        (self.folder / "processes.json").write_text(json.dumps(processes, indent=2))
