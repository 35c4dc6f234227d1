"""Starts compose.yaml's services as local processes in depends_on order, and stops them all.

The same promises Compose makes: a service starts only once what it depends on is healthy (its
healthcheck URL answers 2xx); a service that exits or stays unhealthy past its healthcheck's
deadline stops the whole start, with its last log lines shown, and what was started is stopped
(a failure of that cleanup is told after the cause, never in its place); `down` stops
everything, including what a service whose main process has died left in its process group, and
a run that was killed is cleaned up by the next `up`. Each service starts as soon as what it
depends on is healthy, not in waves; one marked `x-native-head-start: SECONDS` (and what it
depends on) starts first, and the others wait those seconds, so that a service slow to turn
healthy on purpose does its imports before twenty others compete for the cores. State (pids,
listeners, health URLs) lives in .run/native/state.json so that `status`, `logs` and `down` work
from any later command.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from pathlib import Path

from proxylab import ports, proxies, versions
from proxylab.cleanup import clean_up_after
from proxylab.compose import Service, Stack
from proxylab.errors import ProxylabError
from proxylab.native.addresses import NativeAddresses
from proxylab.native.go_progress import stop_builds
from proxylab.native.probe import probe
from proxylab.native.processes import (
    is_alive,
    kill_leftovers,
    start_time,
    stop_group,
    stop_signals_held,
    unblock_stop_signals,
)
from proxylab.native.runners import ProcessSpec, go_tool_pending, process_spec
from proxylab.paths import RUN_DIR
from proxylab.status import ServiceStatus

_POLL_S = 0.2
# How many services' binaries are had at once on `up` (two Go builds, the Debian unpacks).
_PREPARE_WORKERS = 4
# A command line that needs no download is ready in well under this; one that waits for an
# unpack from Debian's suites (a fresh machine: the package lists, then the packages) is not,
# and is picked up when it ends, like a build.
_QUICK_SPEC_S = 3.0
# How long a one-shot service (`certs`) may run before the start gives up on it.
_ONESHOT_TIMEOUT_S = 60.0


class NativeBackend:
    """compose.yaml as local processes; implements proxylab.backend.Backend."""

    name = "native"

    def __init__(
        self, stack: Stack, run_dir: Path = RUN_DIR / "native", log: Callable[[str], None] = print
    ) -> None:
        self.stack = stack
        self.run_dir = run_dir
        self.logs_dir = run_dir / "logs"
        self.state_file = run_dir / "state.json"
        self.log = _line_by_line(log)
        # Lab 07 restarts replicas from several threads at once: one state update at a time.
        self._state_lock = threading.Lock()

    # --- up -------------------------------------------------------------------------------

    def up(self) -> float:
        """Start every service and wait until all are healthy; return the seconds it took.

        A service whose binary must first be built (Traefik, Caddy on a fresh machine: minutes of
        `go build`) waits for its build, which runs meanwhile in a thread of its own; everything
        else starts at once, so the routes through the apps, Nginx, HAProxy and Redis answer
        while the builds go on. An unpack from Debian's suites (Nginx, HAProxy, Redis on a fresh
        machine) holds back only its own service in the same way: the apps start meanwhile, and
        each proxy as soon as its release is unpacked. The state file names what waits for which
        build (`make status`).
        """
        self.clean_leftovers()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.logs_dir.mkdir(exist_ok=True)
        self.stack.start_order()  # a depends_on cycle fails here, before anything starts
        waiting = self._builds_pending()
        builds = ThreadPoolExecutor(max_workers=2, thread_name_prefix="build")
        prepare = ThreadPoolExecutor(max_workers=_PREPARE_WORKERS, thread_name_prefix="prepare")
        try:
            # Submitting creates the pools' threads: under the held mask, so that they never take
            # a Ctrl-C meant for the main thread (see stop_signals_held).
            with stop_signals_held():
                # The slow ones first: a build begins before the first app is even looked at.
                future_specs = {name: builds.submit(self._spec, name) for name in waiting}
                # The unpacks wait on the network, not the cores: side by side, with the builds.
                future_specs |= {
                    name: prepare.submit(self._spec, name)
                    for name in self.stack.services
                    if name not in waiting
                }
            # What is ready now starts now, its ports checked together before anything starts;
            # an unpack still running holds back only its own service (and those behind it).
            preparing = [future for name, future in future_specs.items() if name not in waiting]
            ready, _ = futures_wait(preparing, timeout=_QUICK_SPEC_S)
            specs = {name: future.result() for name, future in future_specs.items() if future in ready}
            self._check_ports_free(specs.values())
            if waiting:
                self._write_waiting(waiting)
                self.log(
                    "building meanwhile: "
                    + "; ".join(
                        f"{build} for {', '.join(names)}" for build, names in _by_build(waiting).items()
                    )
                )
            return self._start_all(specs, future_specs, waiting)
        except BaseException as failure:
            # A second stop signal (make passes its own SIGTERM on after the one sent to the
            # group) must not cut the clean-up short, leaving a build compiling on: it is held
            # until everything started is stopped, and arrives then.
            with stop_signals_held():
                stop_builds()
                self.log("stopping everything that was started")
                # A port the stop could not free must not hide why the start failed: it is noted.
                clean_up_after(failure, self.down)
            raise
        finally:
            builds.shutdown(wait=False, cancel_futures=True)
            prepare.shutdown(wait=False, cancel_futures=True)

    def _spec(self, name: str) -> ProcessSpec:
        return process_spec(self.stack, name, self.run_dir, log=self.log)

    def _builds_pending(self) -> dict[str, str]:
        """service → the build it waits for ("the Traefik v3.6.12 build"), for every service
        whose proxy's binary is not cached yet."""
        pending = {}
        for name, service in self.stack.services.items():
            proxy = proxies.of_service(service)
            build = (
                proxy.build_pending(self.stack.image_tag(name))
                if proxy is not None
                else go_tool_pending(service)
            )
            if build is not None:
                pending[name] = build
        return pending

    def _start_all(
        self, specs: dict[str, ProcessSpec], future_specs: dict[str, Future], waiting: dict[str, str]
    ) -> float:
        started = time.monotonic()
        children: dict[str, subprocess.Popen] = {}
        started_at: dict[str, float] = {}
        done: set[str] = set()  # healthy, or completed (one-shots)
        deadlines: dict[str, float] = {}
        next_look: dict[str, float] = {}  # each started service is probed every _POLL_S
        early, held = self._head_starts()
        blocked = self._behind(waiting)
        told_early = not waiting
        while len(done) < len(self.stack.services):
            now = time.monotonic()
            for name in [n for n in future_specs if n not in specs and future_specs[n].done()]:
                specs[name] = future_specs[name].result()  # a failed build or unpack raises here
                self._check_ports_free([specs[name]])
            for name in specs:
                if name in children or not set(self.stack.services[name].depends_on) <= done:
                    continue
                if name not in early and _holding(held, started_at, done, now):
                    continue
                children[name] = self._start(specs[name])
                started_at[name] = time.monotonic()
                deadlines[name] = self._deadline(name)
            for name in [n for n in children if n not in done and now >= next_look.get(n, 0.0)]:
                next_look[name] = now + _POLL_S
                if self._poll_health(specs[name], children[name], started, deadlines[name]):
                    done.add(name)
            if not told_early and blocked and all(n in done for n in self.stack.services if n not in blocked):
                told_early = True  # everything that needs no build is healthy: say so once
                self._tell_early(done, waiting)
            time.sleep(_POLL_S / 4)  # a service whose dependencies just turned healthy starts within 50 ms
        return time.monotonic() - started

    def _behind(self, waiting: dict[str, str]) -> set[str]:
        """The services waiting for a build and those that depend on them (the edge on Traefik)."""
        behind = set(waiting)
        grew = True
        while grew:
            more = {n for n, svc in self.stack.services.items() if set(svc.depends_on) & behind} - behind
            behind |= more
            grew = bool(more)
        return behind

    def _tell_early(self, done: set[str], waiting: dict[str, str]) -> None:
        """Everything that could start is healthy and builds remain: which routes answer now."""
        answering = [route for route in self.stack.routes if route.proxy is None or route.proxy in done]
        through = sorted({route.proxy for route in answering if route.proxy})
        example = next((route.url("/app") for route in answering if route.proxy), None)
        self.log(
            f"answering now: {len(answering)} of {len(self.stack.routes)} routes, the apps directly"
            + (f" and through {', '.join(through)} (e.g. {example})" if through else "")
        )
        routes = self.stack.routes
        for build, names in _by_build(waiting).items():
            inner = {r.port for r in routes if r.proxy in names}
            ports_of = sorted({r.port for r in routes if r.port in inner or r.via in inner})
            self.log(f"waiting for {build}: {', '.join(names)} (ports {', '.join(map(str, ports_of))})")

    def _write_waiting(self, waiting: dict[str, str]) -> None:
        with self._state_lock:
            state = self._state()
            self._write_state(state, waiting)

    def _head_starts(self) -> tuple[set[str], dict[str, float]]:
        """Services that start before the rest (`x-native-head-start: SECONDS` in compose.yaml)
        and what they depend on; and how long each holds back the others once started."""
        held = {
            name: svc.native_head_start
            for name, svc in self.stack.services.items()
            if svc.native_head_start is not None
        }
        early, todo = set(), list(held)
        while todo:
            name = todo.pop()
            if name not in early:
                early.add(name)
                todo.extend(self.stack.services[name].depends_on)
        return early, held

    def _deadline(self, service: str) -> float:
        if service in self.stack.oneshots:
            return time.monotonic() + _ONESHOT_TIMEOUT_S
        check = self.stack.services[service].healthcheck
        return time.monotonic() + (check.deadline if check else 0.0)

    def _poll_health(
        self, spec: ProcessSpec, child: subprocess.Popen, started: float, deadline: float
    ) -> bool:
        """One look at a started service: True once healthy (or completed, for a one-shot);
        raises when it exited, failed or ran out of time."""
        code = child.poll()
        if spec.service in self.stack.oneshots:
            if code is None:
                if time.monotonic() > deadline:
                    raise self._unhealthy(spec.service, f"did not finish within {_ONESHOT_TIMEOUT_S:.0f}s")
                return False
            if code != 0:
                raise self._unhealthy(
                    spec.service, f"exited with code {code}; the services after it need it to succeed"
                )
            with self._state_lock:
                state = self._state()
                state[spec.service]["exit_code"] = code
                self._write_state(state)
            self.log(f"completed {spec.service:<22} after {time.monotonic() - started:.1f}s")
            return True
        check = self.stack.services[spec.service].healthcheck
        if spec.health_url is None or check is None:
            return True
        if code is not None:
            raise self._unhealthy(spec.service, f"exited with code {code} before turning healthy")
        ok, last = probe(spec.health_url, timeout=check.timeout)
        if ok and child.poll() is None:
            self.log(
                f"healthy {spec.service:<22} after {time.monotonic() - started:.1f}s ({spec.health_url})"
            )
            return True
        if time.monotonic() > deadline:
            raise self._unhealthy(
                spec.service,
                f"was not healthy within {check.deadline:.0f}s (last probe of {spec.health_url}: {last})",
            )
        return False

    def _check_ports_free(self, specs) -> None:
        for spec in specs:
            for host, port in spec.binds:
                if not ports.can_bind(host, port):
                    raise ProxylabError(
                        f"port {ports.describe(host, port)} (for {spec.service})",
                        f"is already in use by {ports.owner(port, host)}",
                        "run `make down`; if that process is not proxylab's, "
                        "stop it or change the port in compose.yaml",
                    )

    def _start(self, spec: ProcessSpec) -> subprocess.Popen:
        log_path = self.logs_dir / f"{spec.service}.log"
        # Ctrl-C between starting a process and recording its pid would leave a process nobody
        # can stop: hold SIGINT/SIGTERM until the pid is on disk.
        with stop_signals_held():
            with log_path.open("ab") as log_file:
                # A session of its own: a Ctrl-C in the terminal reaches `up`, which stops the
                # services in order, instead of hitting every process at once.
                child = subprocess.Popen(
                    spec.argv,
                    cwd=spec.cwd,
                    env=spec.env,
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    # The mask survives exec: without this the service would ignore SIGTERM.
                    preexec_fn=unblock_stop_signals,
                )
            self._record(spec, child.pid, log_path)
        binds = ", ".join(ports.describe(h, p) for h, p in spec.binds)
        self.log(f"started {spec.service:<22} pid {child.pid:<7} {binds}")
        return child

    def _wait_healthy(self, spec: ProcessSpec, child: subprocess.Popen, started: float) -> None:
        deadline = self._deadline(spec.service)
        while not self._poll_health(spec, child, started, deadline):
            time.sleep(_POLL_S)

    def _unhealthy(self, service: str, cause: str) -> ProxylabError:
        return ProxylabError(
            f"service {service}",
            cause,
            f"read its log: {self.logs_dir / (service + '.log')}",
            details=self.tail(service, 20),
        )

    # --- down -----------------------------------------------------------------------------

    def down(self) -> list[str]:
        """Stop every recorded process, dependents before what they depend on; return the services stopped.

        A second Ctrl-C while stopping waits until every service is stopped.
        """
        with stop_signals_held():
            return self._stop_all()

    def _stop_all(self) -> list[str]:
        """Stop in levels, in reverse start order as Compose does (edge, then the proxies, then the
        apps and Redis), each level's services at once: their grace periods overlap (the drain
        replicas wait out their 3 s window together, not one after another)."""
        state = self._state()
        alive = {name: entry for name, entry in state.items() if is_alive(entry["pid"], entry["started"])}
        for name in state.keys() - alive.keys():
            self._kill_leftovers(name, state[name])
        stopped = []
        for level in self._stop_levels(list(alive)):
            with ThreadPoolExecutor(max_workers=len(level), thread_name_prefix="stop") as pool:
                for name in pool.map(lambda name: self._stop_one(name, alive[name]), level):
                    stopped.append(name)
        self.state_file.unlink(missing_ok=True)
        busy = [f"{h}:{p}" for entry in state.values() for h, p in entry["binds"] if not ports.can_bind(h, p)]
        if busy:
            raise ProxylabError(
                "ports " + ", ".join(busy),
                "are still in use after stopping every service",
                "find the owner with `ss -ltnp` and stop it",
            )
        return stopped

    def _stop_levels(self, names: list[str]) -> list[list[str]]:
        """`names` grouped so that no service of a later group depends on one of an earlier group
        (reverse start waves); a name compose.yaml no longer has (a state file from an older
        compose.yaml) goes first."""
        services = self.stack.services
        known = [[name for name in wave if name in names] for wave in reversed(self.stack.start_order())]
        unknown = [name for name in names if name not in services]
        return [level for level in [unknown, *known] if level]

    def _stop_one(self, name: str, entry: dict) -> str:
        began = time.monotonic()
        stop_group(entry["pid"], entry["started"], self._stop_signal(name))
        self.log(f"stopped {name:<22} in {time.monotonic() - began:.1f}s")
        return name

    def _kill_leftovers(self, name: str, entry: dict) -> None:
        """A service whose main process exited (it failed, or `up` was killed) may have left a
        worker in its group, holding its port: killed as its container's end would kill it."""
        if kill_leftovers(entry["pid"], entry["started"]):
            self.log(f"killed what {name} left in its process group after its main process exited")

    def _stop_signal(self, service: str) -> signal.Signals:
        """What Compose would send: a proxy's image's STOPSIGNAL (nginx's SIGQUIT, for the edge
        too; haproxy's SIGUSR1), SIGTERM for every other service and for one compose.yaml no
        longer has. stop_group kills what the signal has not stopped within the grace period."""
        known = self.stack.services.get(service)
        proxy = proxies.of_service(known) if known is not None else None
        return proxy.stop_signal if proxy is not None else signal.SIGTERM

    def clean_leftovers(self) -> None:
        """A killed `up` leaves processes and a state file behind: stop them first."""
        if not self.state_file.exists():
            return
        alive = [name for name, entry in self._state().items() if is_alive(entry["pid"], entry["started"])]
        if alive:
            self.log(f"cleaning up leftovers of an earlier run: {', '.join(alive)}")
        self.down()

    # --- status, logs, signals ---------------------------------------------------------------

    def status(self) -> list[ServiceStatus]:
        state, waiting = self._state(), self._waiting()
        result = []
        for name in self.stack.services:
            entry = state.get(name)
            if entry is None and name in waiting:
                result.append(ServiceStatus(name, "waiting", None, f"for {waiting[name]}"))
                continue
            if entry is None:
                result.append(ServiceStatus(name, "stopped", None))
                continue
            if not is_alive(entry["pid"], entry["started"]):
                done = name in self.stack.oneshots and entry.get("exit_code") == 0
                result.append(
                    ServiceStatus(name, "completed" if done else "exited", None, f"pid {entry['pid']}")
                )
                continue
            health = None
            if entry["health_url"]:
                health = "healthy" if probe(entry["health_url"], timeout=1.0)[0] else "unhealthy"
            addresses = [ports.describe(h, p) for h, p in entry["binds"]]
            result.append(ServiceStatus(name, "running", health, f"pid {entry['pid']}", addresses))
        return result

    def tail(self, service: str, lines: int = 50) -> str:
        path = self.logs_dir / f"{service}.log"
        if not path.exists():
            return f"(no log for {service} at {path})"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def signal(self, service: str, sig: signal.Signals) -> None:
        entry = self._state().get(service)
        if entry is None or not is_alive(entry["pid"], entry["started"]):
            raise ProxylabError(f"service {service}", "is not running natively", "run `make up` first")
        os.kill(entry["pid"], sig)

    # --- one service at a time (labs 06 and 07) -----------------------------------------------

    def stop_service(self, service: str, sig: signal.Signals | None = None) -> float:
        """Stop one service as `down` would (its stop signal, or `sig`), wait; return the seconds."""
        entry = self._state().get(service)
        began = time.monotonic()
        if entry is not None and is_alive(entry["pid"], entry["started"]):
            stop_group(entry["pid"], entry["started"], sig or self._stop_signal(service))
        elif entry is not None:
            self._kill_leftovers(service, entry)
        return time.monotonic() - began

    def start_service(self, service: str, wait: bool = True) -> float:
        """Start one stopped service (its listeners must be free); with `wait`, until healthy."""
        return self._start_one(process_spec(self.stack, service, self.run_dir, log=self.log), wait)

    def start_service_as(self, service: Service, wait: bool = True) -> float:
        """Start one stopped service as `service` describes it instead of compose.yaml: `make
        drift`'s proxy axis starts a proxy at another release (`Service.at_version`). Natively
        only: with Compose that would be another image. Its state entry is the usual one, so
        `down`, `stop_service` and `start_service` (compose.yaml's version again) work as ever."""
        stack = self.stack.with_service(service)
        return self._start_one(process_spec(stack, service.name, self.run_dir, log=self.log), wait)

    def _start_one(self, spec: ProcessSpec, wait: bool) -> float:
        # A listener just stopped may take a moment to be released: wait briefly before refusing.
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline and not all(
            ports.can_bind(host, port) for host, port in spec.binds
        ):
            time.sleep(0.1)
        self._check_ports_free([spec])
        began = time.monotonic()
        child = self._start(spec)
        if wait:
            self._wait_healthy(spec, child, began)
        return time.monotonic() - began

    def versions(self) -> dict[str, str]:
        """The virtualenv's packages and each proxy's native binary (proxylab/versions.py)."""
        return versions.native(self.stack)

    def is_running(self) -> bool:
        """True while any process this backend recorded is still alive (a run `down` has not ended)."""
        return any(is_alive(entry["pid"], entry["started"]) for entry in self._state().values())

    # --- how addresses look inside the stack ----------------------------------------------------

    def seen_as(self, client: str) -> str:
        """Natively there is one network stack: an app sees the client's own address."""
        return client

    def upstream(self, service: str) -> str:
        return NativeAddresses(self.stack).connect(service, self.stack.services[service].server_port)

    def source_of(self, service: str) -> str:
        """Native processes connect out from x-proxylab.native.source-address (127.0.0.1), except
        those listed in x-proxylab.native.own-source, which bind their own address."""
        return NativeAddresses(self.stack).source_of(service)

    # --- state ----------------------------------------------------------------------------

    def _waiting(self) -> dict[str, str]:
        """service → the build it waits for, while `up` builds it; empty otherwise."""
        try:
            return json.loads(self.state_file.read_text()).get("waiting", {})
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def _state(self) -> dict[str, dict]:
        try:
            return json.loads(self.state_file.read_text())["services"]
        except (FileNotFoundError, json.JSONDecodeError, KeyError):
            return {}

    def _write_state(self, state: dict[str, dict], waiting: dict[str, str] | None = None) -> None:
        """Replace the file in one step: a reader (`status` while a lab restarts a service) that
        met a half-written file would take it for empty, and its next write would forget every
        other service, whose processes `down` and `stop_service` could then no longer stop."""
        partial = self.state_file.with_suffix(".partial")
        if waiting is None:  # a write that says nothing of the builds keeps what the last one said
            waiting = self._waiting()
        waiting = {name: build for name, build in waiting.items() if name not in state}
        partial.write_text(json.dumps({"services": state, "waiting": waiting}, indent=2))
        partial.replace(self.state_file)

    def _record(self, spec: ProcessSpec, pid: int, log_path: Path) -> None:
        with self._state_lock:
            state = self._state()
            state[spec.service] = {
                "pid": pid,
                "started": start_time(pid),
                "argv": spec.argv,
                "binds": spec.binds,
                "health_url": spec.health_url,
                "log": str(log_path),
            }
            self._write_state(state)


def _by_build(waiting: dict[str, str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, build in waiting.items():
        grouped.setdefault(build, []).append(name)
    return grouped


def _line_by_line(log: Callable[[str], None]) -> Callable[[str], None]:
    """`log`, one call at a time: `down` stops a level's services from threads, and print() writes
    a line and its newline apart, so two threads could run their lines together."""
    lock = threading.Lock()

    def logged(line: str) -> None:
        with lock:
            log(line)

    return logged


def _holding(held: dict[str, float], started_at: dict[str, float], done: set[str], now: float) -> bool:
    """True while a head-start service has neither had its head start nor turned healthy (one not
    started yet holds the others too)."""
    return any(
        name not in done and now < started_at.get(name, float("inf")) + seconds
        for name, seconds in held.items()
    )
