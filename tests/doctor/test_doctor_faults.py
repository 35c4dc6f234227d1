"""Bad input and interruptions: a clear error that names the cause and the next step, and nothing
left running. Each test runs `python -m doctor` as a user would; a failure means the user
would meet a traceback, a vague message, or a proxy still holding a port after the doctor ended.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from terminal import sigint_as_in_a_terminal

from doctor.layout import configurations
from proxylab import ports
from proxylab.paths import REPO

APPS = Path(__file__).with_name("apps")
# Not the default 9700: test_doctor_live.py's runs use that, and `make test` may run both files
# at once, on two workers.
PORT_BASE = 9800


def doctor(*args: str, app_dir: Path = APPS, report: str = os.devnull) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "doctor",
            *args,
            "--app-dir",
            str(app_dir),
            "--no-browser",
            "--port-base",
            str(PORT_BASE),
            "--json",
            report,
            "--markdown",
            os.devnull,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def listening_ports() -> list[int]:
    wanted = [PORT_BASE, PORT_BASE + 1, *(c.port for c in configurations("/api/v1", PORT_BASE))]
    return [port for port in wanted if ports.listening("127.0.0.1", port)]


def test_a_module_that_does_not_import_shows_the_import_error() -> None:
    result = doctor("does_not_import:app")
    assert result.returncode == 2, result.stderr
    assert (
        "module does_not_import: does not import: "
        "ModuleNotFoundError: No module named 'package_that_is_not_installed'"
    ) in result.stderr
    assert "next:" in result.stderr
    assert 'does_not_import.py", line 3' in result.stderr, (
        "the traceback's last lines, down to the user's own line, come with it"
    )
    assert listening_ports() == []


def test_an_attribute_that_is_not_an_asgi_app_says_so() -> None:
    result = doctor("not_an_app:app")
    assert result.returncode == 2
    assert "not_an_app:app: is not an ASGI app: it is a dict, which cannot be called" in result.stderr
    interface = doctor("not_an_app:interface")
    assert "is a not_an_app.Interface object, callable but not as an ASGI app" in interface.stderr, (
        "an object is not called a function (a Gradio Interface once was: 'an app factory?')"
    )
    factory = doctor("not_an_app:create_app")
    assert "a plain (not async) function; an app factory? add --uvicorn-arg=--factory" in factory.stderr
    missing = doctor("not_an_app:application")
    assert missing.returncode == 2 and "module 'not_an_app' has no attribute 'application'" in missing.stderr


def test_an_app_that_crashes_at_startup_shows_its_last_log_lines_and_leaves_nothing() -> None:
    result = doctor("crash_at_startup:app")
    assert result.returncode == 2, result.stdout
    assert "your app under uvicorn (no root_path): exited with status 3 before listening" in result.stderr
    assert "RuntimeError: cannot reach the database at db:5432" in result.stderr, "uvicorn's own log, quoted"
    assert "Application startup failed" in result.stderr
    assert listening_ports() == []


def test_a_port_in_use_is_named_with_its_owner_before_anything_starts() -> None:
    with socket.socket() as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        busy.bind(("127.0.0.1", PORT_BASE + 21))
        busy.listen()
        result = doctor("crash_at_startup:app")
        assert result.returncode == 2
        assert (
            f"port 127.0.0.1:{PORT_BASE + 21} (nginx strip --root-path): "
            f"is already in use by pid {os.getpid()}"
        ) in result.stderr
        assert "--port-base" in result.stderr
        assert [p for p in listening_ports() if p != PORT_BASE + 21] == []


def test_python_runs_the_app_in_that_interpreter(tmp_path: Path) -> None:
    """--python names the user's interpreter: the app is read and served there, never here."""
    other = REPO / ".venv-fastapi-run" / "bin" / "python"
    report = tmp_path / "doctor.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "doctor",
            "doctor.examples.strip_ready:app",
            "--app-dir",
            str(REPO),
            "--port-base",
            str(PORT_BASE),
            "--python",
            str(other),
            "--no-browser",
            "--json",
            str(report),
            "--markdown",
            os.devnull,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(report.read_text())
    assert data["versions"]["python_executable"] == str(other), "the app was read by that interpreter"
    assert data["browser"] == "not run (--no-browser)"
    assert listening_ports() == []


def test_an_app_with_nothing_to_get_is_not_tested_and_expect_fails_on_it(tmp_path: Path) -> None:
    """Matching 404s are no evidence: once, an app whose every probe 404'd both ways "worked"
    in all 16 configurations. A failure means the doctor gives a green light on no evidence."""
    result = doctor(
        "nothing_to_get:app", "--expect", "traefik strip --root-path", report=str(tmp_path / "d.json")
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "expected configuration `traefik strip --root-path` was not tested" in result.stdout
    assert "--path" in result.stdout, "the next step: a page the app serves"
    verdicts = {c["verdict"] for c in json.loads((tmp_path / "d.json").read_text())["configurations"]}
    assert verdicts <= {"not tested", "broken"} and "not tested" in verdicts
    assert listening_ports() == []


def test_answers_that_never_end_are_judged_on_their_head_not_waited_out(tmp_path: Path) -> None:
    """An event stream, a quiet chunked text stream and an HTML page that never ends, each linked
    from /: each is compared on its status and headers. A failure (or the timeout) means a
    streaming endpoint costs the read timeout per request again: 141 s for one Gradio app."""
    result = doctor("streams:app", report=str(tmp_path / "d.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "d.json").read_text())
    rooted = next(
        c for c in report["configurations"] if c["proxy"] == "nginx" and c["strips"] and c["server_root_path"]
    )
    assert rooted["verdict"] == "works", rooted["reasons"]
    for path, kind in (("events", "text/event-stream"), ("ticks", "text/plain"), ("log", "text/html")):
        assert any(
            line.endswith(f"/api/v1/{path}  → 200 ({kind}, streamed)") for line in rooted["requests"]
        ), (
            path,
            rooted["requests"],
        )
    assert result.stdout.count(" checks ") >= 16, "one progress line per configuration"
    assert "[16/16 " in result.stdout, "the progress lines count the configurations up to 16 of 16"


# --- What the app decides in code, and what its JSON hands out ---------------------------------


@pytest.mark.parametrize(
    ("spec", "fact"),
    [
        (
            "prefix_in_code:app",
            "the app sets its root path in code: FastAPI.root_path = '/api/v1' (the prefix itself)",
        ),
        (
            "prefix_in_code:mounted",
            "the app mounts itself at /api/v1 (a Mount): it expects the proxy to keep the prefix",
        ),
    ],
)
def test_a_prefix_set_in_code_is_named_and_the_verdict_agrees(tmp_path: Path, spec: str, fact: str) -> None:
    """FastAPI(root_path=...) and a Mount at the prefix decide which configuration fits: the
    doctor reads them from the app, says so above the verdict (terminal, Markdown and JSON), and
    its verdict says the same: a proxy that keeps the prefix works with no --root-path. A failure
    means a user is told to add --root-path to an app that already carries its prefix."""
    result = doctor(spec, report=str(tmp_path / "d.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "d.json").read_text())
    assert fact in report["facts"], report["facts"]
    assert " ".join(fact.split()) in " ".join(result.stdout.split()), "the terminal names it above the table"
    for configuration in report["configurations"]:
        if not configuration["strips"] and not configuration["server_root_path"]:
            assert configuration["verdict"] == "works", (configuration["proxy"], configuration["reasons"])
    if spec.endswith(":mounted"):
        assert not any(c["strips"] and c["verdict"] == "works" for c in report["configurations"]), (
            "an app mounted at the prefix answers nothing under a proxy that strips it"
        )


def test_absolute_urls_in_json_answers_must_stay_under_the_prefix(tmp_path: Path) -> None:
    """/ answers JSON naming itself and /config with url_for, /config names the root URL (as
    Gradio's "root"): behind a strip without --root-path they are http://HOST/…, outside the
    prefix, and each is a reason with the key it was found at; with --root-path they keep it,
    and /config, named only in JSON, is followed and its "root" checked too.
    A failure means a client told to go outside the prefix by a JSON answer goes unnoticed."""
    result = doctor("json_urls:app", report=str(tmp_path / "d.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "d.json").read_text())
    strip = next(
        c
        for c in report["configurations"]
        if c["proxy"] == "caddy" and c["strips"] and not c["server_root_path"]
    )
    origin = strip["url"].removesuffix("/api/v1")
    lines = [r["reason"] for r in strip["reasons"] if r["check"] == "pages"]
    for key, url in (("links.self", origin + "/"), ("links.config", origin + "/config")):
        assert any(f"(at {key}) names {url}, outside /api/v1" in line for line in lines), (key, lines)
    rooted = next(
        c for c in report["configurations"] if c["proxy"] == "caddy" and c["strips"] and c["server_root_path"]
    )
    assert rooted["verdict"] == "works" and rooted["checks"]["pages"] == "ok", rooted["reasons"]
    assert any(line.split()[2].endswith("/api/v1/config") for line in rooted["requests"]), rooted["requests"]


def test_bad_arguments_say_what_to_write() -> None:
    assert "is not MODULE:ATTR" in doctor("main").stderr
    expect = doctor("not_an_app:app", "--expect", "traefik sideways")
    assert expect.returncode == 2 and "write PROXY strip|keep [--root-path]" in expect.stderr
    env = doctor("not_an_app:app", "--env", "NOEQUALS")
    assert env.returncode == 2 and "--env 'NOEQUALS': is not KEY=VALUE" in env.stderr


# Its Ctrl-C must land while the doctor still runs, 0.5 s after the line it waits for: once in the
# parallel phase, with both cores busy, the doctor exited 0 instead of 130 (cause not found), so it
# runs with nothing beside it.
@pytest.mark.alone
def test_ctrl_c_while_probing_stops_every_process_it_started() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "doctor",
            "doctor.examples.realworld.main:app",
            "--port-base",
            str(PORT_BASE),
            "--app-dir",
            str(REPO),
            "--json",
            os.devnull,
            "--markdown",
            os.devnull,
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=sigint_as_in_a_terminal,
    )
    try:
        seen = []
        for line in process.stdout:
            seen.append(line)
            if "listening after" in line:
                break
        assert len(listening_ports()) == 18, "".join(seen)
        time.sleep(0.5)  # into the probes
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=60)
        # Where the Ctrl-C landed: a doctor that prints "took N s" had finished before it came
        # (the test's timing), one that did not had it swallowed (the doctor's fault).
        after, errors = process.stdout.read(), process.stderr.read()
        assert code == 130, f"exit {code}; the doctor printed after the Ctrl-C:\n{after}\nstderr:\n{errors}"
        assert "interrupted: everything the doctor started has been stopped" in errors
        assert listening_ports() == []
    finally:
        process.kill()
        process.wait()
