"""The Docker backend: compose.yaml run by `docker compose`, inspected through the Docker SDK.

What: the `Backend` interface (proxylab/backend.py) for Docker. `up`/`down` shell out to
`docker compose` (it builds, orders and waits for health exactly as the file says); `status`,
`tail`, `signal` use the Docker SDK on the containers Compose labelled with this project's name;
`stop_service`/`start_service` stop and start one service's containers for labs 06 and 07 (a
SIGTERM through `container.kill`, as `docker kill -s`).
When: `make up` picks it when `docker_answers()`; otherwise the native backend runs the same file.
Why thin: Compose already implements compose.yaml. Every call goes through the injected `run` and
`client_factory`, so tests check the exact commands and SDK calls without a Docker engine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from typing import Any

import docker
import requests
from docker.errors import DockerException

from proxylab import proxies
from proxylab.compose import Stack
from proxylab.errors import ProxylabError
from proxylab.paths import REPO
from proxylab.proxies.base import parse_version
from proxylab.status import ServiceStatus

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
NUMBER_LABEL = "com.docker.compose.container-number"
# Longer than the slowest start_period plus retries in compose.yaml (20s + 3 × 5s), with room to build.
WAIT_TIMEOUT_S = 120
STOP_TIMEOUT_S = 10
_STDERR_TAIL = 20
# Docker's words when a network it is asked to remove still has an endpoint on it.
_ACTIVE_ENDPOINTS = "has active endpoints"
_ENDPOINT_GRACE_S = 2.0

Run = Callable[..., subprocess.CompletedProcess]


def _no_engine() -> ProxylabError:
    return ProxylabError(
        "docker", "no Docker engine answers", "use the native backend: BACKEND=native make up"
    )


def docker_answers(timeout: float = 5.0, *, run: Run = subprocess.run) -> bool:
    """True when `docker info` reaches an engine within `timeout` seconds; False on any failure."""
    try:
        result = run(
            ["docker", "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


class ComposeBackend:
    """compose.yaml through Docker: `docker compose` for up/down, the SDK for everything else.

    Implements proxylab.backend.Backend, as the native backend does, so no caller need care.
    """

    name = "compose"

    def __init__(
        self, stack: Stack, run: Run = subprocess.run, client_factory: Callable[[], Any] = docker.from_env
    ) -> None:
        self.stack = stack
        self._run = run
        self._client_factory = client_factory

    @property
    def project(self) -> str:
        """The project name Compose labels containers with: compose.yaml's `name`."""
        return str(self.stack.raw.get("name") or self.stack.path.parent.name)

    @property
    def files(self) -> list[str]:
        """The compose files, as Compose itself picks them: COMPOSE_FILE (paths joined by `:`,
        relative to the repo) when set, e.g. `compose.yaml:compose.debian.yaml` for the images built
        from Debian packages (`make images`, an engine with no registry); else compose.yaml."""
        listed = [name for name in os.environ.get("COMPOSE_FILE", "").split(os.pathsep) if name]
        if not listed:
            return [str(self.stack.path)]
        files = [REPO / name for name in listed]
        missing = [str(path) for path in files if not path.is_file()]
        if missing:
            raise ProxylabError(
                f"COMPOSE_FILE={os.environ['COMPOSE_FILE']}",
                f"names no file at {', '.join(missing)}",
                "set it to compose.yaml, or compose.yaml:compose.debian.yaml",
            )
        return [str(path) for path in files]

    def up(self) -> float:
        """Build, start and wait until every service with a healthcheck is healthy; return the seconds."""
        started = time.monotonic()
        try:
            self._compose("up", "-d", "--build", "--wait", "--wait-timeout", str(WAIT_TIMEOUT_S))
        except ProxylabError as error:
            raise self._explained(error) from None
        return time.monotonic() - started

    def _explained(self, error: ProxylabError) -> ProxylabError:
        """Compose's own last lines, then each service that is not running or healthy with its log.

        Asking the engine can fail too (it went away; a container was removed between the list
        and its logs): then `error` is told as it is, with that failure noted after it.
        """
        try:
            failing = [status for status in self.status() if not status.is_healthy]
            logs = {status.name: self.tail(status.name, 10) for status in failing}
        except (ProxylabError, DockerException, requests.exceptions.RequestException) as trouble:
            error.add_note(f"while asking Docker which service failed: {trouble}")
            return error
        if not failing:
            return error
        details = [error.details, ""] if error.details else []
        for status in failing:
            details += [
                f"{status.name}: {status.state}{', ' + status.health if status.health else ''}",
                *logs[status.name].splitlines(),
                "",
            ]
        names = ", ".join(status.name for status in failing)
        return ProxylabError(
            error.thing,
            f"{error.cause}; not healthy: {names}",
            f"`make logs S={failing[0].name}` shows more; `make down` stops the rest",
            "\n".join(details).rstrip(),
        )

    def down(self) -> list[str]:
        """Stop and remove the containers and the lab network; return the services that had containers."""
        order = list(self.stack.services)
        running = sorted(
            {c.labels.get(SERVICE_LABEL, c.name) for c in self._containers()},
            key=lambda name: _rank(order, name),
        )
        down = ("down", "--remove-orphans", "--timeout", str(STOP_TIMEOUT_S))
        try:
            self._compose(*down, every_profile=True)
        except ProxylabError as error:
            if _ACTIVE_ENDPOINTS not in (error.details or ""):
                raise
            # Every container is gone, yet the engine still counts an endpoint on the lab network
            # (seen once in CI after the labs' stops and restarts): look, wait, then once more.
            attached = self._attached(error)
            time.sleep(_ENDPOINT_GRACE_S)
            try:
                self._compose(*down, every_profile=True)
            except ProxylabError as again:
                again.add_note(f"containers the engine still lists on the lab network: {attached or 'none'}")
                raise
        return running

    def _attached(self, error: ProxylabError) -> str:
        """The names of the containers on the lab network, as the engine lists them ('' if none)."""
        network = error.details.split("failed to remove network ", 1)[-1].split(":", 1)[0].strip()
        argv = ["docker", "network", "inspect", network, "--format", "{{range .Containers}}{{.Name}} {{end}}"]
        result = self._run(argv, capture_output=True, text=True, check=False)
        return (result.stdout or "").strip() if result.returncode == 0 else ""

    def status(self) -> list[ServiceStatus]:
        """One entry per container, in compose.yaml's service order."""
        order = list(self.stack.services)
        containers = sorted(
            self._containers(), key=lambda c: (_rank(order, c.labels.get(SERVICE_LABEL)), _number(c))
        )
        return [_status(container, self.stack.oneshots) for container in containers]

    def tail(self, service: str, lines: int = 50) -> str:
        """The last `lines` lines of each of the service's containers, prefixed like `docker compose logs`."""
        shown = []
        for container in self._containers(service):
            text = container.logs(tail=lines).decode(errors="replace")
            name = container.labels.get(SERVICE_LABEL, container.name)
            shown += [f"{name} | {line}" for line in text.splitlines()]
        return "\n".join(shown)

    def signal(self, service: str, sig: signal.Signals) -> None:
        """Send `sig` to one replica of `service`: the lowest-numbered one."""
        self._first(service).kill(signal=sig.name)

    def stop_service(self, service: str, sig: signal.Signals | None = None) -> float:
        """Stop every container of `service`: `sig` (lab 07) or Compose's own stop. Either way a
        container still running STOP_TIMEOUT_S later is killed, as `docker stop` and the native
        backend (stop_group) do, so a replica that outlives its SIGTERM shows as stop_s ≈ 10 s."""
        began = time.monotonic()
        for container in self._containers(service, required=True):
            if sig is None:
                container.stop(timeout=STOP_TIMEOUT_S)
                continue
            container.kill(signal=sig.name)
            try:
                container.wait(timeout=STOP_TIMEOUT_S)
            except requests.exceptions.RequestException:  # the SDK's wait timed out: it still runs
                container.kill(signal="SIGKILL")
                container.wait(timeout=STOP_TIMEOUT_S)
        return time.monotonic() - began

    def start_service(self, service: str, wait: bool = True) -> float:
        """Start the stopped containers of `service`; with `wait`, until Docker calls them healthy."""
        began = time.monotonic()
        containers = self._containers(service, required=True)
        for container in containers:
            container.start()
        deadline = began + WAIT_TIMEOUT_S
        while wait and time.monotonic() < deadline:
            for container in containers:
                container.reload()
            if all(
                ((c.attrs.get("State") or {}).get("Health") or {}).get("Status", "healthy") == "healthy"
                for c in containers
            ):
                return time.monotonic() - began
            time.sleep(0.2)
        if wait:
            raise ProxylabError(
                f"service {service}",
                f"was not healthy within {WAIT_TIMEOUT_S}s of starting",
                "run `make logs S=" + service + "`",
            )
        return time.monotonic() - began

    # --- how addresses look inside the lab network -------------------------------------------

    def seen_as(self, client: str) -> str:
        """Docker's port publishing hands every outside connection over from the lab network's
        gateway, whatever address the client used."""
        return str(self.stack.lab_subnet.network_address + 1)

    def upstream(self, service: str) -> str:
        return f"{service}:{self.stack.services[service].server_port}"

    def source_of(self, service: str) -> str:
        return self.stack.services[service].ipv4_address or ""

    def versions(self) -> dict[str, str]:
        """Asked inside the containers that run: the app's packages, and each proxy's own version
        command (`traefik version`, `nginx -v`, ...: proxylab/proxies), keyed by the proxy's name."""
        packages = (
            "from importlib.metadata import version; "
            "print(*(version(n) for n in ('fastapi', 'starlette', 'uvicorn')))"
        )
        found = dict(
            zip(
                ("fastapi", "starlette", "uvicorn"),
                self._exec("app-server-root-path", ["python", "-c", packages]).split(),
            )
        )
        for proxy in proxies.every():
            service = proxies.pinned_service(self.stack, proxy)
            if service is None:
                continue
            image = (self._first(service.name).attrs.get("Config") or {}).get("Image", "?")
            answer = self._exec(service.name, list(proxy.version_command))
            version = parse_version(proxy.version_pattern, answer)
            found[proxy.name] = f"{version} (container {service.name}, image {image})"
        return found

    def _exec(self, service: str, command: list[str]) -> str:
        result = self._first(service).exec_run(command)
        return result.output.decode(errors="replace") if result.exit_code == 0 else "?"

    def _compose(self, *args: str, every_profile: bool = False) -> None:
        """`docker compose ARGS` on the project; `every_profile`: with `--profile '*'`, so that
        `down` removes the k8s profile's containers too, whatever COMPOSE_PROFILES says now."""
        if not docker_answers(run=self._run):
            raise _no_engine()
        # The repo is the project folder, as for compose.load(): relative paths resolve against it
        # even when PROXYLAB_COMPOSE_FILE points at a copy of compose.yaml elsewhere.
        files = [word for path in self.files for word in ("-f", path)]
        profiles = ["--profile", "*"] if every_profile else []
        argv = ["docker", "compose", *files, "--project-directory", str(REPO), *profiles, *args]
        result = self._run(argv, capture_output=True, text=True, check=False)
        if result.returncode == 0:
            return
        tail = "\n".join((result.stderr or "").splitlines()[-_STDERR_TAIL:])
        raise ProxylabError(
            f"docker compose {args[0]}",
            f"exited with status {result.returncode}",
            "read Compose's last lines below; `make status` shows each service",
            details=tail,
        )

    def _first(self, service: str) -> Any:
        """The service's lowest-numbered container (its only one, but for replicas)."""
        return min(self._containers(service, required=True), key=_number)

    def _containers(self, service: str | None = None, *, required: bool = False) -> list[Any]:
        try:
            client = self._client_factory()
        except DockerException as exc:
            raise _no_engine() from exc
        labels = [f"{PROJECT_LABEL}={self.project}"] + ([f"{SERVICE_LABEL}={service}"] if service else [])
        # ignore_removed: the SDK lists, then inspects each container; one Compose removes in
        # between (a one-shot, a container being recreated, a `down` in progress) is no longer there.
        containers = client.containers.list(all=True, filters={"label": labels}, ignore_removed=True)
        if required and not containers:
            raise ProxylabError(
                f"service {service}",
                "has no container in this project",
                "run `make up` first, or check the name with `make status`",
            )
        return containers


def _status(container: Any, oneshots: list[str]) -> ServiceStatus:
    state = container.attrs.get("State") or {}
    name = container.labels.get(SERVICE_LABEL, container.name)
    status = state.get("Status", container.status)
    if name in oneshots and status == "exited" and state.get("ExitCode") == 0:
        status = "completed"
    ports = (container.attrs.get("NetworkSettings") or {}).get("Ports") or {}
    addresses = sorted(
        {f"{bind['HostIp']}:{bind['HostPort']}" for binds in ports.values() for bind in binds or []}
    )
    return ServiceStatus(
        name=name,
        state=status,
        health=(state.get("Health") or {}).get("Status"),
        ident=container.short_id,
        addresses=addresses,
    )


def _number(container: Any) -> int:
    number = container.labels.get(NUMBER_LABEL, "")
    return int(number) if number.isdigit() else 0


def _rank(order: list[str], service: str | None) -> int:
    return order.index(service) if service in order else len(order)
