"""Starting and stopping the control plane: kine, then kube-apiserver, then readiness.

What: `ControlPlane(folder, apiserver_port, kine_port)` starts kine on SQLite (folder/state.db,
new at each start) and kube-apiserver against it, both on 127.0.0.1 only, records each process
(pid and kernel start time, as the native backend does: native/processes.py) in
folder/processes.json, waits for the API server's /readyz; `start_traefik` adds Traefik with its
Kubernetes providers (routing.py); `down` stops them all (Traefik, the API server, the store),
leaving nothing running.
When: the tests that need a control plane of their own, on ports the stack never uses (the
stack runs its own as compose.yaml's k8s profile, `make up K8S=1`).
Why the same flags as compose.yaml: the command lines are compose.yaml's kine and kube-apiserver
services' own (their comments say why each flag), with only where they listen, their store and
their credentials' folder changed, so the tests' control plane is the stack's.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from proxylab import compose, ports
from proxylab.errors import ProxylabError
from proxylab.k8s import routing
from proxylab.k8s.api import Api
from proxylab.k8s.pki import Credentials, ensure_credentials
from proxylab.k8s.routing import MOUNTED
from proxylab.k8s.tools import KINE, KUBE_APISERVER
from proxylab.native.processes import is_alive, start_time, stop_group

HOST = "127.0.0.1"
READY_TIMEOUT_S = 60.0


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
        for port in (self.kine_port, self.apiserver_port):
            if ports.listening(HOST, port):
                raise ProxylabError(
                    f"port {port}",
                    "is already in use",
                    "run `make down` (the stack's), or stop what listens there (`ss -ltnp`)",
                )
        kine = KINE.ensure(KINE.module_version(), log)
        apiserver = KUBE_APISERVER.ensure(KUBE_APISERVER.module_version(), log)
        ensure_credentials(self.folder, self.apiserver_port)
        # A fresh store each time: it holds only what the test applies, as the stack's kine does.
        for stale in self.folder.glob("state.db*"):
            stale.unlink()
        started = time.monotonic()
        processes = {"kine": self._start("kine", self._kine_argv(kine))}
        self._write(processes)
        argv = self._apiserver_argv(apiserver)
        processes["kube-apiserver"] = self._start("kube-apiserver", argv)
        self._write(processes)
        try:
            self._wait_ready()
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

    def _kine_argv(self, binary: Path) -> list[str]:
        return self._argv(
            "kine",
            binary,
            {
                "--listen-address": f"{HOST}:{self.kine_port}",
                "--endpoint": f"sqlite://{self.folder / 'state.db'}?_journal=WAL&cache=shared",
            },
        )

    def _apiserver_argv(self, binary: Path) -> list[str]:
        return self._argv(
            "kube-apiserver",
            binary,
            {
                "--etcd-servers": f"http://{HOST}:{self.kine_port}",
                "--bind-address": HOST,
                "--advertise-address": HOST,
                "--secure-port": str(self.apiserver_port),
                "--cert-dir": str(self.folder / "cert-dir"),
            },
        )

    def _argv(self, service: str, binary: Path, where: dict[str, str]) -> list[str]:
        """compose.yaml's command of `service`, with `where` in place of those flags' values and
        the credentials' container folder (/etc/proxylab/k8s) this plane's folder."""
        command = compose.load(profiles=compose.ALL_PROFILES).services[service].command or []
        argv = [str(binary)]
        for arg in command:
            flag, _, value = arg.partition("=")
            value = where.get(flag, value).replace(MOUNTED, str(self.folder))
            argv.append(f"{flag}={value}")
        return argv

    def _start(self, name: str, argv: list[str]) -> dict:
        log_file = (self.folder / f"{name}.log").open("ab")
        child = subprocess.Popen(
            argv, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
        log_file.close()
        began = start_time(child.pid)
        return {"pid": child.pid, "started": began, "argv": argv, "log": str(self.folder / f"{name}.log")}

    def _wait_ready(self) -> None:
        def still_starting() -> None:
            for name, entry in self._read().items():
                if not is_alive(entry["pid"], entry["started"]):
                    raise self._failed(name, "exited during start-up")

        with self.api() as api:
            try:
                api.wait_ready(READY_TIMEOUT_S, still_starting)
            except TimeoutError as last:
                raise self._failed(
                    "kube-apiserver", f"was not ready after {READY_TIMEOUT_S:.0f} s ({last})"
                ) from None

    def _failed(self, name: str, cause: str) -> ProxylabError:
        log_path = self.folder / f"{name}.log"
        tail = log_path.read_text(errors="replace").splitlines()[-15:] if log_path.is_file() else []
        return ProxylabError(name, cause, f"read {log_path}; its last lines follow", details="\n".join(tail))

    def _read(self) -> dict[str, dict]:
        path = self.folder / "processes.json"
        return json.loads(path.read_text()) if path.is_file() else {}

    def _write(self, processes: dict[str, dict]) -> None:
        (self.folder / "processes.json").write_text(json.dumps(processes, indent=2))
