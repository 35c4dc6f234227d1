"""Everything the doctor starts: the user's app under uvicorn, the proxies, and their stopping.

What: `Processes` is a context manager; `start(name, argv, cwd)` starts a process in a session of
its own with its output in `<run dir>/<name>.log`; leaving the block (normally, on an error or on
Ctrl-C) stops every one of them, SIGTERM then SIGKILL after a grace period, and waits until none
is left. `wait_listening` waits for a port and, when the process exits first, raises an error
with its last log lines. `inspect_app` runs doctor/inspect_app.py in the user's interpreter.
When: `doctor.cli` opens one `Processes` per run.
Why: the user's code runs only in processes of its own (their interpreter, their imports), and
a doctor that left a proxy listening would break the next run and the user's own ports.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import requests

from doctor.layout import HOST
from proxylab import ports
from proxylab.errors import ProxylabError
from proxylab.native.processes import start_time, stop_group, unblock_stop_signals

INSPECTOR = Path(__file__).with_name("inspect_app.py")
STARTUP_S = 20.0  # an app or a proxy that listens later than this counts as never started
STOP_GRACE_S = 5.0
LOG_LINES_SHOWN = 15


class Processes:
    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.started: dict[str, subprocess.Popen] = {}

    def __enter__(self) -> Processes:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop_all()

    def log_path(self, name: str) -> Path:
        return self.run_dir / f"{name}.log"

    def start(
        self, name: str, argv: list[str], cwd: Path | None = None, env: dict | None = None
    ) -> subprocess.Popen:
        log = self.log_path(name).open("wb")
        try:
            process = subprocess.Popen(
                argv,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=unblock_stop_signals,
            )
        except FileNotFoundError as error:
            raise ProxylabError(
                argv[0],
                f"cannot be started ({error.strerror})",
                "check that it is installed (`make deps`, `make traefik caddy`) "
                "or give --python a real interpreter",
            ) from error
        finally:
            log.close()
        self.started[name] = process
        return process

    def stop_all(self) -> None:
        # Interrupting the cleanup would leave the rest running: a second Ctrl-C waits for it.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            for process in reversed(list(self.started.values())):
                started = start_time(process.pid)
                if started is not None:
                    stop_group(process.pid, started, signal.SIGTERM, grace=STOP_GRACE_S)
                process.poll()
            self.started.clear()
        finally:
            signal.signal(signal.SIGINT, previous)

    def last_lines(self, name: str, count: int = LOG_LINES_SHOWN) -> str:
        try:
            lines = self.log_path(name).read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-count:])

    def wait_listening(self, name: str, port: int, what: str, next_step: str) -> float:
        """Seconds until `name` listens on HOST:port; an error with its last log lines when it
        exits first or does not listen within STARTUP_S."""
        process = self.started[name]
        began = time.monotonic()
        while time.monotonic() - began < STARTUP_S:
            if ports.listening(HOST, port):
                return time.monotonic() - began
            if process.poll() is not None:
                raise ProxylabError(
                    what,
                    f"exited with status {process.returncode} before listening on {HOST}:{port}",
                    next_step,
                    details=self.last_lines(name),
                )
            time.sleep(0.05)
        raise ProxylabError(
            what,
            f"did not listen on {HOST}:{port} within {STARTUP_S:.0f} s",
            next_step,
            details=self.last_lines(name),
        )


def wait_traefik_routing(processes: Processes, name: str, urls: list[str]) -> float:
    """Seconds until a request through each Traefik route reaches the app. Traefik opens its
    entrypoints before its file provider has loaded the routers and answers its own 404 until
    then (0.1-0.4 s measured). Its own 404 has no Server header; the app's answers, passed
    through, carry uvicorn's `server: uvicorn` (uvicorn's server_header default)."""
    session = requests.Session()
    session.trust_env = False
    began = time.monotonic()
    while time.monotonic() - began < STARTUP_S:
        try:
            if all("server" in session.get(url, timeout=2, allow_redirects=False).headers for url in urls):
                return time.monotonic() - began
        except requests.RequestException:
            pass
        if processes.started[name].poll() is not None:
            break
        time.sleep(0.05)
    raise ProxylabError(
        "traefik",
        f"did not route to the app within {STARTUP_S:.0f} s of listening",
        f"read its log: {processes.log_path(name)}",
        details=processes.last_lines(name),
    )


def check_ports_free(wanted: dict[int, str], port_base: int) -> None:
    """Every port the run needs, before anything starts: a busy one names its owner."""
    for port, role in sorted(wanted.items()):
        if not ports.can_bind(HOST, port):
            raise ProxylabError(
                f"port {ports.describe(HOST, port)} ({role})",
                f"is already in use by {ports.owner(port, HOST)}",
                "stop that process, or give the doctor other ports: "
                f"--port-base N (now {port_base}; it uses N to N+43)",
            )


def inspect_app(
    python: str, spec: str, app_dir: Path, run_dir: Path, env: dict | None = None, factory: bool = False
) -> dict:
    """The app's routes, docs and mounts, read by importing it in `python`, never in this process;
    with `factory`, ATTR is called first, as uvicorn --factory does."""
    out = run_dir / "app.json"
    try:
        result = subprocess.run(
            [python, str(INSPECTOR), spec, str(app_dir), str(out), *(["--factory"] if factory else [])],
            cwd=app_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except FileNotFoundError as error:
        raise ProxylabError(
            f"--python {python}",
            "is not an interpreter that can be run",
            "give the path of your project's python (e.g. .venv/bin/python)",
        ) from error
    except subprocess.TimeoutExpired as error:
        raise ProxylabError(
            spec,
            "took over 60 s to import",
            "importing the app must not block (no server start at import time)",
        ) from error
    tail = "\n".join(result.stderr.strip().splitlines()[-LOG_LINES_SHOWN:])
    module = spec.partition(":")[0]
    if result.returncode == 10:
        last = result.stderr.strip().splitlines()[-1:] or ["(no message)"]
        raise ProxylabError(
            f"module {module}",
            f"does not import: {last[0]}",
            f"run `{python} -c 'import {module}'` from {app_dir} and fix what it says; "
            "--app-dir sets that folder",
            details=tail,
        )
    if result.returncode == 11:
        raise ProxylabError(spec, result.stderr.strip(), "name the attribute that holds the app: MODULE:ATTR")
    if result.returncode == 12:
        raise ProxylabError(
            spec,
            f"is not an ASGI app: {result.stderr.strip()}",
            "name the ASGI app object (FastAPI, Starlette or any other): MODULE:ATTR, "
            "or a function that builds it with --uvicorn-arg=--factory",
        )
    if result.returncode != 0:
        raise ProxylabError(
            f"reading {spec}",
            f"failed with status {result.returncode}",
            f"check that {python} is a Python 3 with your app's dependencies",
            details=tail,
        )
    return json.loads(out.read_text())


def uvicorn_argv(python: str, spec: str, app_dir: Path, port: int, flags: list[str]) -> list[str]:
    """How the doctor runs the user's app: uvicorn's defaults, on loopback, one port per mode.
    --forwarded-allow-ips 127.0.0.1 is uvicorn's own default, said out loud: the proxies connect
    from 127.0.0.1, and the recommendation names the same flag for the user's proxy address."""
    return [
        python,
        "-m",
        "uvicorn",
        spec,
        "--app-dir",
        str(app_dir),
        "--host",
        HOST,
        "--port",
        str(port),
        "--forwarded-allow-ips",
        "127.0.0.1",
        *flags,
    ]
