"""Starting and stopping the native stack: nothing is ever left running or listening.

Each test drives `python -m proxylab` as a person would (up, down, Ctrl-C) in a run folder of
its own, and then checks the processes it started are gone and every port it bound is free.
They need the stack's ports: `make test` runs them in a network namespace of their own beside
the session stack (proxylab/netns.py), or before it starts where the machine gives none; within
one pytest session they run before its stack starts (see conftest.py).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from terminal import sigint_as_in_a_terminal

from proxylab import compose, ports
from proxylab.paths import REPO

pytestmark = pytest.mark.lifecycle
STACK = compose.load()


@pytest.fixture(autouse=True)
def ports_are_free():
    busy = [r.port for r in STACK.routes if ports.listening(r.host_ip, r.port)]
    if busy and not os.environ.get("CI"):
        pytest.skip(
            f"a stack already listens on {busy[:3]}…: these tests need the ports (`make down`, or give"
            " them ports of their own: python -m proxylab.netns python -m pytest -m lifecycle)"
        )
    assert not busy, f"ports {busy} are busy before the lifecycle tests start"
    yield
    # A test that failed because something outlived it has said so; what outlived it is killed
    # here, so that the next tests (and the Compose session after them) get free ports and
    # report their own failures, not this one's again.
    for pid in _strays():
        try:  # a group only when the stray leads one: never the group pytest itself runs in
            if os.getpgid(pid) == pid:
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "BACKEND": "native",
        "PROXYLAB_RUN_DIR": str(tmp_path / "run"),
        "PYTHONUNBUFFERED": "1",
    }


def cli(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "proxylab", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_cli(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "proxylab", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=sigint_as_in_a_terminal,
    )


def wait_for_line(process: subprocess.Popen, needle: str, timeout: float = 120) -> list[str]:
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if needle in line:
            return seen
    raise AssertionError(f"never printed {needle!r}; output was:\n{''.join(seen)}")


def recorded(env: dict[str, str]) -> dict[str, dict]:
    return json.loads((Path(env["PROXYLAB_RUN_DIR"]) / "native" / "state.json").read_text())["services"]


def stray_processes() -> list[str]:
    """Live processes that look like ours: an echo app, or a proxy run from a proxylab run dir."""
    return [f"pid {pid}: {text[:120]}" for pid, text in _strays().items()]


def _strays() -> dict[int, str]:
    """Ours, in this network namespace: `make test` runs these tests in one of their own beside
    the session stack (proxylab/netns.py), whose processes look like ours but are not."""
    found = {}
    here = os.readlink("/proc/self/ns/net")
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (cmdline.parent / "stat").read_text().rpartition(")")[2].split()[0]
            network = os.readlink(cmdline.parent / "ns" / "net")
        except OSError:
            continue
        if (
            state != "Z"
            and network == here
            and (
                "app.main:app" in text
                or any(f"/native/{proxy}/" in text for proxy in ("traefik", "nginx", "caddy", "haproxy"))
            )
        ):
            found[int(cmdline.parent.name)] = text
    return found


def assert_nothing_left(services: dict[str, dict]) -> None:
    """Every process recorded at start is gone, and every address it listened on is free."""
    assert not stray_processes(), stray_processes()
    for name, entry in services.items():
        stat = Path(f"/proc/{entry['pid']}/stat")
        alive = stat.exists() and stat.read_text().rpartition(")")[2].split()[0] != "Z"
        assert not alive, f"{name} (pid {entry['pid']}) is still running"
        for host, port in entry["binds"]:
            assert ports.can_bind(host, port), (
                f"{name}'s {host}:{port} is still bound by {ports.owner(port, host)}"
            )


def assert_started_in_depends_on_order(output: str) -> None:
    """Every service started only after what it depends on turned healthy (or completed), and
    the head-start service (compose.yaml's x-native-head-start) before those that wait for it."""
    lines = output.splitlines()

    def line_of(verb: str, name: str) -> int:
        return next(i for i, line in enumerate(lines) if re.match(rf"{verb} {re.escape(name)}\s", line))

    for name, service in STACK.services.items():
        for dependency, condition in service.depends_on.items():
            # service_started (kine: no healthcheck) asks only that it was started.
            ready = {"service_completed_successfully": "completed", "service_started": "started"}.get(
                condition, "healthy"
            )
            assert line_of(ready, dependency) < line_of("started", name), (
                f"{name} started before {dependency} was {ready}"
            )
    assert line_of("started", "app-probes") < line_of("started", "app-plain"), (
        "app-probes lost its head start"
    )


def assert_stopped_dependents_first(output: str) -> None:
    """`down` stopped every service only after everything that depends on it (a proxy before
    its apps, edge before the proxies), so no proxy ever routed to an app already gone."""
    lines = output.splitlines()
    stopped = {
        match[1]: i for i, line in enumerate(lines) if (match := re.match(r"stopped (\S+)\s+in ", line))
    }
    assert set(stopped) == set(STACK.services) - set(STACK.oneshots), (
        f"down's log names other services: {sorted(stopped)}"
    )
    for name, service in STACK.services.items():
        for dependency in service.depends_on:
            if name in stopped and dependency in stopped:  # a one-shot (k8s-objects) had ended
                assert stopped[name] < stopped[dependency], (
                    f"{dependency} stopped before {name}, which depends on it"
                )


def test_up_then_down_leaves_no_process_and_no_port(env):
    """`make down` must leave the machine as it found it, or the next `make up` trips on it."""
    up = cli("up", env=env)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        services = recorded(env)
        assert set(services) == set(STACK.services)
        assert_started_in_depends_on_order(up.stdout + up.stderr)
    except BaseException:
        cli("down", env=env)  # a failed check must not leave its stack in the next phase's way
        raise
    down = cli("down", env=env)
    assert down.returncode == 0, down.stdout + down.stderr
    assert_nothing_left(services)
    assert_stopped_dependents_first(down.stdout + down.stderr)
    for name, entry in services.items():
        # The app prints this at the end of its lifespan shutdown, which runs only on a graceful
        # stop, under every server (uvicorn, app.serve, fastapi run, Hypercorn): SIGTERM reached
        # the server and it shut the app down, no SIGKILL after the grace period.
        if name.startswith("app-"):
            assert "proxylab: lifespan shutdown complete" in Path(entry["log"]).read_text(), (
                f"{name} did not shut down gracefully"
            )


def test_ctrl_c_while_attached_stops_everything(env):
    """A presenter's Ctrl-C on `up --attach` must stop every service, not just the runner."""
    process = start_cli("up", "--attach", env=env)
    wait_for_line(process, "attached")
    services = recorded(env)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 130
    assert_nothing_left(services)


def test_ctrl_c_during_start_stops_what_was_started(env):
    """Interrupted halfway, `up` must stop the services it had already started."""
    process = start_cli("up", env=env)
    wait_for_line(process, "started app-plain")
    process.send_signal(signal.SIGINT)
    output = process.communicate(timeout=60)[0]
    assert process.returncode == 130, output
    state = Path(env["PROXYLAB_RUN_DIR"]) / "native" / "state.json"
    assert not state.exists(), "the state file of a stopped run was left behind"
    assert not stray_processes(), f"processes outlived the interrupted start: {stray_processes()}"
    for route in STACK.routes:
        assert ports.can_bind(route.host_ip, route.port), (
            f"{route.port} is still bound by {ports.owner(route.port, route.host_ip)}"
        )


def test_a_killed_run_is_cleaned_up_by_the_next_up(env):
    """If `up` itself is killed (kill -9, a closed laptop), its services outlive it; the next
    `up` must stop them instead of failing on busy ports."""
    process = start_cli("up", "--attach", env=env)
    wait_for_line(process, "attached")
    orphans = recorded(env)
    process.kill()
    process.wait(timeout=10)
    up = cli("up", env=env)
    assert up.returncode == 0, up.stdout + up.stderr
    assert "cleaning up leftovers" in up.stdout
    for name, entry in orphans.items():
        assert (
            not Path(f"/proc/{entry['pid']}/cmdline").exists()
            or Path(f"/proc/{entry['pid']}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
        ), f"orphan {name} survived"
    services = recorded(env)
    assert cli("down", env=env).returncode == 0
    assert_nothing_left(services)


def test_a_port_in_use_is_named_with_its_owner(env):
    """The error must name the port and who holds it, and start nothing."""
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", 9999))
        squatter.listen()
        up = cli("up", env=env)
    assert up.returncode == 2
    assert "port 127.0.0.1:9999" in up.stderr and f"pid {os.getpid()}" in up.stderr, up.stderr
    assert "next:" in up.stderr
    assert not (Path(env["PROXYLAB_RUN_DIR"]) / "native" / "state.json").exists()


def test_a_service_that_never_turns_healthy_stops_the_start_and_shows_its_log(env, tmp_path):
    """A broken app must fail `up` with its own last log lines, and leave nothing running."""
    broken = (
        (REPO / "compose.yaml")
        .read_text()
        .replace(
            "      PROXYLAB_INSTANCE: app-plain\n",
            "      PROXYLAB_INSTANCE: app-plain\n      PROXYLAB_EXTRA_SERVERS: '{not json'\n",
        )
    )
    assert broken != (REPO / "compose.yaml").read_text()
    (tmp_path / "compose.yaml").write_text(broken)
    up = cli("up", env={**env, "PROXYLAB_COMPOSE_FILE": str(tmp_path / "compose.yaml")})
    assert up.returncode == 2
    assert "service app-plain" in up.stderr and "before turning healthy" in up.stderr, up.stderr
    assert "PROXYLAB_EXTRA_SERVERS" in up.stderr, "the app's own error is not among the log lines shown"
    for route in STACK.routes:
        assert ports.can_bind(route.host_ip, route.port), (
            f"{route.port} is still bound by {ports.owner(route.port, route.host_ip)}"
        )
