"""proxylab.compose_backend: the exact `docker compose` commands and Docker SDK calls it makes.

No Docker engine runs where these tests run, so `run` and the SDK client are fakes that record
what they are asked; the tests compare that with what the Docker path must do.
"""

from __future__ import annotations

import signal
import subprocess
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from docker.errors import DockerException, NotFound

from proxylab.compose import Stack
from proxylab.compose_backend import ComposeBackend, docker_answers
from proxylab.errors import ProxylabError
from proxylab.paths import REPO
from proxylab.status import ServiceStatus

INFO = ["docker", "info", "--format", "{{.ServerVersion}}"]
NO_ENGINE = ("docker", "no Docker engine answers", "use the native backend: BACKEND=native make up")


def done(returncode: int = 0, stderr: str = "") -> subprocess.CompletedProcess:
    return subprocess.CompletedProcess([], returncode, "", stderr)


class FakeRun:
    """Stands in for subprocess.run: records each call, answers with the next queued result."""

    def __init__(self, *results: subprocess.CompletedProcess | BaseException) -> None:
        self.results = list(results)
        self.calls: list[list[str]] = []
        self.kwargs: list[dict[str, Any]] = []

    def __call__(self, argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess:
        self.calls.append(argv)
        self.kwargs.append(kwargs)
        result = self.results.pop(0)
        if isinstance(result, BaseException):
            raise result
        return result


@dataclass
class FakeContainer:
    service: str
    number: int = 1
    state: str = "running"
    health: str | None = "healthy"
    ports: dict[str, list[dict[str, str]] | None] = field(default_factory=dict)
    output: bytes = b""
    project: str = "proxylab"
    exit_code: int = 0
    image: str = ""
    answers: dict[str, tuple[int, bytes]] = field(
        default_factory=dict
    )  # exec_run: first word → (exit code, output)
    outlives_signal: bool = False  # wait() times out, as the SDK's does, until it is sent SIGKILL
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def labels(self) -> dict[str, str]:
        return {
            "com.docker.compose.project": self.project,
            "com.docker.compose.service": self.service,
            "com.docker.compose.container-number": str(self.number),
        }

    @property
    def name(self) -> str:
        return f"{self.project}-{self.service}-{self.number}"

    @property
    def short_id(self) -> str:
        return f"{self.service[:4]}{self.number}"

    @property
    def status(self) -> str:
        return self.state

    @property
    def attrs(self) -> dict[str, Any]:
        state: dict[str, Any] = {"Status": self.state, "ExitCode": self.exit_code}
        if self.health is not None:
            state["Health"] = {"Status": self.health}
        return {"State": state, "NetworkSettings": {"Ports": self.ports}, "Config": {"Image": self.image}}

    def logs(self, **kwargs: Any) -> bytes:
        self.calls.append(("logs", kwargs))
        return self.output

    def exec_run(self, command: list[str]) -> SimpleNamespace:
        self.calls.append(("exec_run", {"command": command}))
        code, output = self.answers.get(command[0], (127, b"not found"))
        return SimpleNamespace(exit_code=code, output=output)

    def kill(self, **kwargs: Any) -> None:
        self.calls.append(("kill", kwargs))

    def wait(self, **kwargs: Any) -> dict[str, int]:
        self.calls.append(("wait", kwargs))
        if self.outlives_signal and ("kill", {"signal": "SIGKILL"}) not in self.calls:
            raise requests.exceptions.ConnectionError(
                "UnixHTTPConnectionPool(host='localhost', port=None): Read timed out."
            )
        return {"StatusCode": 0}


class FakeClient:
    """A DockerClient whose containers.list filters by label the way the engine does."""

    def __init__(self, *containers: FakeContainer) -> None:
        self.all = list(containers)
        self.list_calls: list[dict[str, Any]] = []
        self.containers = self

    def list(self, **kwargs: Any) -> list[FakeContainer]:
        self.list_calls.append(kwargs)
        wanted = [label.split("=", 1) for label in kwargs["filters"]["label"]]
        return [c for c in self.all if all(c.labels.get(key) == value for key, value in wanted)]


@pytest.fixture(autouse=True)
def official_images(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands checked here are those of compose.yaml alone, whatever the shell says."""
    monkeypatch.delenv("COMPOSE_FILE", raising=False)


def backend(stack: Stack, run: FakeRun | None = None, client: FakeClient | None = None) -> ComposeBackend:
    return ComposeBackend(stack, run=run or FakeRun(), client_factory=lambda: client or FakeClient())


def engine_is_gone() -> FakeClient:
    raise DockerException("Error while fetching server API version")


def error_parts(error: ProxylabError) -> tuple[str, str, str]:
    return error.thing, error.cause, error.next_step


# --- docker_answers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "answers"),
    [
        (done(0), True),
        (done(1, "Cannot connect to the Docker daemon"), False),
        (FileNotFoundError("docker"), False),
        (subprocess.TimeoutExpired(INFO, 5.0), False),
    ],
    ids=["engine", "no-daemon", "no-cli", "hangs"],
)
def test_docker_answers(result: Any, answers: bool) -> None:
    """`make up` would pick Docker with no engine behind it (or crash choosing), not fall back to native."""
    run = FakeRun(result)
    assert docker_answers(2.5, run=run) is answers
    assert run.calls == [INFO]
    assert run.kwargs[0]["timeout"] == 2.5


# --- up and down: docker compose ------------------------------------------------------------


def compose_argv(stack: Stack, *args: str) -> list[str]:
    return ["docker", "compose", "-f", str(stack.path), "--project-directory", str(REPO), *args]


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("up", ["up", "-d", "--build", "--wait", "--wait-timeout", "120"]),
        # `--profile *`: down removes the k8s profile's containers whatever COMPOSE_PROFILES says now.
        ("down", ["--profile", "*", "down", "--remove-orphans", "--timeout", "10"]),
    ],
)
def test_compose_commands(real_stack: Stack, method: str, args: list[str]) -> None:
    """`make up`/`make down` would run a different compose file, project folder or options than documented."""
    run = FakeRun(done(0), done(0))
    getattr(backend(real_stack, run), method)()
    assert run.calls == [INFO, compose_argv(real_stack, *args)]


ACTIVE = (
    "failed to remove network proxylab_lab: Error response from daemon: error while removing"
    " network: network proxylab_lab id 3b5c has active endpoints"
)
INSPECT = [
    "docker", "network", "inspect", "proxylab_lab", "--format", "{{range .Containers}}{{.Name}} {{end}}"
]  # fmt: skip


def test_down_tries_once_more_when_the_network_keeps_an_endpoint(
    real_stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Docker once refused to remove the lab network after every container was gone ("has active
    endpoints", CI): `make down` would fail and leave the network behind, where a second down a
    moment later removes it."""
    monkeypatch.setattr("proxylab.compose_backend._ENDPOINT_GRACE_S", 0.0)
    down = compose_argv(real_stack, "--profile", "*", "down", "--remove-orphans", "--timeout", "10")
    run = FakeRun(done(0), done(1, ACTIVE), done(0), done(0), done(0))
    backend(real_stack, run).down()
    assert run.calls == [INFO, down, INSPECT, INFO, down]


def test_a_network_that_keeps_its_endpoint_is_told_with_what_the_engine_lists(
    real_stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twice refused: the error is Compose's, and a note names what the engine still lists on the
    network, the next thing a person would look up."""
    monkeypatch.setattr("proxylab.compose_backend._ENDPOINT_GRACE_S", 0.0)
    listed = subprocess.CompletedProcess(INSPECT, 0, "proxylab-wrk-1 ", "")
    run = FakeRun(done(0), done(1, ACTIVE), listed, done(0), done(1, ACTIVE))
    with pytest.raises(ProxylabError) as raised:
        backend(real_stack, run).down()
    assert error_parts(raised.value)[:2] == ("docker compose down", "exited with status 1")
    assert raised.value.__notes__ == ["containers the engine still lists on the lab network: proxylab-wrk-1"]


def test_up_and_down_report_like_the_native_backend(real_stack: Stack) -> None:
    """cli.py prints up()'s seconds and down()'s services: `make up`/`make down` would crash on Docker."""
    client = FakeClient(
        FakeContainer("nginx"), FakeContainer("app-plain", number=2), FakeContainer("app-plain")
    )
    compose = ComposeBackend(
        real_stack, run=FakeRun(done(0), done(0), done(0), done(0)), client_factory=lambda: client
    )
    assert compose.name == "compose"
    assert isinstance(compose.up(), float)
    assert compose.down() == ["app-plain", "nginx"]


def test_a_failed_up_names_the_service_that_is_not_healthy_with_its_log(real_stack: Stack) -> None:
    """A service that never gets healthy would leave `make up` failing with no clue why, or
    pointing at logs nobody can find."""
    stderr = "\n".join(f"line {n}" for n in range(30)) + "\ncontainer proxylab-nginx-1 is unhealthy"
    nginx = FakeContainer(
        "nginx", health="unhealthy", output=b'cannot load certificate "/etc/proxylab/certs/server.pem"\n'
    )
    client = FakeClient(FakeContainer("app-plain"), FakeContainer("certs", state="exited"), nginx)
    with pytest.raises(ProxylabError) as raised:
        backend(real_stack, FakeRun(done(0), done(1, stderr)), client).up()
    assert error_parts(raised.value) == (
        "docker compose up",
        "exited with status 1; not healthy: nginx",
        "`make logs S=nginx` shows more; `make down` stops the rest",
    )
    lines = raised.value.details.splitlines()
    assert "container proxylab-nginx-1 is unhealthy" in lines and "line 5" not in lines
    assert lines[-2:] == [
        "nginx: running, unhealthy",
        'nginx | cannot load certificate "/etc/proxylab/certs/server.pem"',
    ]


@dataclass
class RemovedContainer(FakeContainer):
    """Listed, then removed before its logs are read (a one-shot, a `down` from another terminal)."""

    def logs(self, **kwargs: Any) -> bytes:
        raise NotFound(f"No such container: {self.name}")


def test_a_failed_up_is_told_even_when_asking_why_fails(real_stack: Stack) -> None:
    """The engine's 404 for a container gone meanwhile would be all `make up` printed, Compose's
    own failure lost (raised `from None`), as a failed cleanup once hid why a native start failed."""
    client = FakeClient(RemovedContainer("nginx", health="unhealthy"))
    with pytest.raises(ProxylabError) as raised:
        backend(real_stack, FakeRun(done(0), done(1, "container proxylab-nginx-1 is unhealthy")), client).up()
    assert error_parts(raised.value) == (
        "docker compose up",
        "exited with status 1",
        "read Compose's last lines below; `make status` shows each service",
    )
    assert raised.value.details == "container proxylab-nginx-1 is unhealthy"
    assert raised.value.__notes__ == [
        "while asking Docker which service failed: No such container: proxylab-nginx-1"
    ]


def test_a_one_shot_service_that_exited_0_is_completed_not_down(real_stack: Stack) -> None:
    """`make status` would call the stack broken once `certs` has done its job, or call a failed
    certs run fine."""
    client = FakeClient(
        FakeContainer("certs", state="exited", health=None),
        FakeContainer("certs", number=2, state="exited", health=None, exit_code=1),
    )
    done_ok, failed = backend(real_stack, client=client).status()
    assert (done_ok.state, done_ok.is_healthy) == ("completed", True)
    assert (failed.state, failed.is_healthy) == ("exited", False)


def test_the_debian_images_by_compose_s_own_variable(
    real_stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An engine with no registry could not start the stack, or a typo would silently fall back
    to pulling the official images."""
    monkeypatch.setenv("COMPOSE_FILE", "compose.yaml:compose.debian.yaml")
    assert ComposeBackend(real_stack).files == [str(REPO / "compose.yaml"), str(REPO / "compose.debian.yaml")]
    monkeypatch.setenv("COMPOSE_FILE", "compose.yaml:compose.debain.yaml")
    with pytest.raises(ProxylabError, match="compose.debain.yaml"):
        _ = ComposeBackend(real_stack).files


def test_versions_come_from_the_containers(real_stack: Stack) -> None:
    """Reports would print the host's nginx and virtualenv, not what served the requests."""
    app = FakeContainer("app-server-root-path", answers={"python": (0, b"0.165.0 1.10.0 0.54.0\n")})
    traefik = FakeContainer(
        "traefik", answers={"traefik": (0, b"Version:      3.6.12\nCodename: x\n")}, image="traefik:v3.6.12"
    )
    nginx = FakeContainer(
        "nginx", answers={"nginx": (0, b"nginx version: nginx/1.30.0\n")}, image="nginx:1.30.0-alpine"
    )
    caddy = FakeContainer("caddy", answers={"caddy": (0, b"v2.11.9\n")}, image="caddy:2.11.9-alpine")
    haproxy = FakeContainer(
        "haproxy",
        answers={"haproxy": (0, b"HAProxy version 2.6.32-1 2025/01/01 - https://haproxy.org/\n")},
        image="haproxy:2.6.32-alpine",
    )
    found = backend(real_stack, client=FakeClient(app, traefik, nginx, caddy, haproxy)).versions()
    assert found == {
        "fastapi": "0.165.0",
        "starlette": "1.10.0",
        "uvicorn": "0.54.0",
        "traefik": "3.6.12 (container traefik, image traefik:v3.6.12)",
        "nginx": "1.30.0 (container nginx, image nginx:1.30.0-alpine)",
        "caddy": "v2.11.9 (container caddy, image caddy:2.11.9-alpine)",
        "haproxy": "2.6.32-1 (container haproxy, image haproxy:2.6.32-alpine)",
    }


@pytest.mark.parametrize("method", ["up", "down"])
@pytest.mark.parametrize("info", [done(1), FileNotFoundError("docker")], ids=["no-daemon", "no-cli"])
def test_compose_without_an_engine_points_to_native(real_stack: Stack, method: str, info: Any) -> None:
    """With no engine, `make up` would print Compose's socket error instead of the native fallback."""
    run = FakeRun(info)
    with pytest.raises(ProxylabError) as raised:
        getattr(backend(real_stack, run), method)()
    assert error_parts(raised.value) == NO_ENGINE
    assert run.calls == [INFO]


# --- status, tail, signal, stop: the Docker SDK ------------------------------------------


def test_status_reads_compose_labels_health_and_ports(real_stack: Stack) -> None:
    """`make status` would show other projects' containers, wrong health or wrong addresses."""
    client = FakeClient(
        FakeContainer(
            "nginx",
            health="starting",
            ports={"9101/tcp": [{"HostIp": "127.0.0.1", "HostPort": "9101"}], "8080/tcp": None},
        ),
        FakeContainer("app-plain", ports={"8000/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8001"}]}),
        FakeContainer("app-plain", project="someone-else"),
        FakeContainer("traefik", state="exited", health=None),
    )
    statuses = backend(real_stack, client=client).status()
    assert client.list_calls == [
        {"all": True, "filters": {"label": ["com.docker.compose.project=proxylab"]}, "ignore_removed": True}
    ]
    assert statuses == [
        ServiceStatus("app-plain", "running", "healthy", "app-1", ["127.0.0.1:8001"]),
        ServiceStatus("traefik", "exited", None, "trae1", []),
        ServiceStatus("nginx", "running", "starting", "ngin1", ["127.0.0.1:9101"]),
    ]


def test_tail_of_one_service(real_stack: Stack) -> None:
    """`make logs S=nginx` would ask for the wrong containers or lines, or lose which service spoke."""
    nginx = FakeContainer("nginx", output=b"start\nGET /api/v1/app 200\n")
    client = FakeClient(nginx, FakeContainer("traefik", output=b"other\n"))
    text = backend(real_stack, client=client).tail("nginx", 5)
    assert client.list_calls == [
        {
            "all": True,
            "filters": {"label": ["com.docker.compose.project=proxylab", "com.docker.compose.service=nginx"]},
            "ignore_removed": True,
        }
    ]
    assert nginx.calls == [("logs", {"tail": 5})]
    assert text == "nginx | start\nnginx | GET /api/v1/app 200"


def test_signal_reaches_one_replica(real_stack: Stack) -> None:
    """A drain lab's SIGTERM would hit every replica (or none), and no replica would be left to answer."""
    second, first = FakeContainer("app-plain", number=2), FakeContainer("app-plain", number=1)
    backend(real_stack, client=FakeClient(second, first)).signal("app-plain", signal.SIGTERM)
    assert first.calls == [("kill", {"signal": "SIGTERM"})]
    assert second.calls == []


def test_stop_service_with_a_signal_kills_then_waits_on_every_container(real_stack: Stack) -> None:
    """Lab 07's SIGTERM would reach Docker as a number it cannot name, or the lab would not wait
    for the replica to go."""
    replicas = [FakeContainer("app-plain", number=1), FakeContainer("app-plain", number=2)]
    backend(real_stack, client=FakeClient(*replicas)).stop_service("app-plain", signal.SIGTERM)
    assert [c.calls for c in replicas] == [[("kill", {"signal": "SIGTERM"}), ("wait", {"timeout": 10})]] * 2


def test_a_replica_that_outlives_its_signal_is_killed_as_docker_stop_would(real_stack: Stack) -> None:
    """A replica still running 10 s after lab 07's SIGTERM (uvicorn answering on a connection a
    proxy keeps busy) would stop the lab on the SDK's read timeout and stay up, half shut down."""
    replica = FakeContainer("app-plain", outlives_signal=True)
    backend(real_stack, client=FakeClient(replica)).stop_service("app-plain", signal.SIGTERM)
    assert replica.calls == [
        ("kill", {"signal": "SIGTERM"}),
        ("wait", {"timeout": 10}),
        ("kill", {"signal": "SIGKILL"}),
        ("wait", {"timeout": 10}),
    ]


@pytest.mark.parametrize(
    "call",
    [lambda b: b.signal("app-plian", signal.SIGTERM), lambda b: b.stop_service("app-plian")],
    ids=["signal", "stop_service"],
)
def test_an_unknown_service_is_named(real_stack: Stack, call: Any) -> None:
    """A typo in a service name would silently do nothing, and the lab would wait for an effect."""
    with pytest.raises(ProxylabError) as raised:
        call(backend(real_stack, client=FakeClient(FakeContainer("app-plain"))))
    assert raised.value.thing == "service app-plian"


@pytest.mark.parametrize(
    "call",
    [
        lambda b: b.status(),
        lambda b: b.tail("nginx"),
        lambda b: b.signal("nginx", signal.SIGTERM),
        lambda b: b.stop_service("nginx"),
    ],
    ids=["status", "tail", "signal", "stop_service"],
)
def test_sdk_calls_without_an_engine_point_to_native(real_stack: Stack, call: Any) -> None:
    """With no engine, `make status` would print the SDK's connection traceback instead of the fallback."""
    with pytest.raises(ProxylabError) as raised:
        call(ComposeBackend(real_stack, run=FakeRun(), client_factory=engine_is_gone))
    assert error_parts(raised.value) == NO_ENGINE


def test_the_project_name_comes_from_compose_yaml(real_stack: Stack) -> None:
    """status/logs would look for containers under a name Compose did not label them with."""
    assert ComposeBackend(real_stack).project == real_stack.raw["name"] == "proxylab"
