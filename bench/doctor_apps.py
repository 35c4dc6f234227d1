"""`python -m bench.doctor_apps` (`make bench-doctor`): how long the doctor takes on real apps.

What: runs `python -m doctor` on the apps from PyPI that tests/doctor/test_doctor_real_apps.py
checks (sqladmin mounted at /admin, a FastAPI app with prometheus-fastapi-instrumentator's
/metrics, datasette, Gradio mounted at /gradio), each in its own virtualenv built once under
~/.cache/proxylab/doctor/ (`environment`, pinned in REQUIREMENTS), RUNS times each, the way the
test runs it (Chromium included where the test includes it), and writes
labs/records/doctor-real-apps.json: the seconds of every run, the median and the spread per app,
the machine, the versions, and the figures README.md quotes from it.
When: by hand after a change to the doctor's probes, its proxies or its budget (BUDGET_S in
doctor/mounted_ui.py); the record is committed. Not part of `make test`: tests assert verdicts,
never wall-clock times.
Why: "a run within 30 s per app on 2 cores" is a figure, and a figure in prose has a record that
a named command regenerates.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench import machine
from proxylab.errors import ProxylabError
from proxylab.exits import run_main
from proxylab.paths import CACHE_DIR, REPO

APPS_DIR = REPO / "tests" / "doctor" / "apps"
ENVS = CACHE_DIR / "doctor"
RECORD = REPO / "labs" / "records" / "doctor-real-apps.json"
README_PLACE = "README.md: Your own app: the doctor"
RUNS = 3
PORT_BASE = 9900  # the real-app tests' ports: the two never run at once (the stack lock)
# Each app's environment: what pip installs, pinned (what the doctor was measured against).
REQUIREMENTS = {
    "sqladmin": [
        "sqladmin==0.32.0",
        "SQLAlchemy==2.1.9",
        "greenlet==3.5.6",
        "fastapi==0.165.0",
        "starlette==1.10.0",
        "uvicorn==0.55.0",
    ],
    "instrumented": [
        "prometheus-fastapi-instrumentator==8.1.0",
        "prometheus-client==0.26.0",
        "fastapi==0.165.0",
        "starlette==1.10.0",
        "uvicorn==0.55.0",
    ],
    "datasette": ["datasette==0.65.5", "uvicorn==0.55.0"],
    "gradio": [
        "gradio==6.31.0",
        "gradio_client==2.7.2",
        "fastapi==0.165.0",
        "starlette==1.10.0",
        "uvicorn==0.55.0",
    ],
}
# app → (MODULE:ATTR in APPS_DIR, the doctor's arguments as the test passes them)
RUNS_AS = {
    "sqladmin": ("sqladmin_only:app", ["--expect", "nginx strip"]),
    "instrumented": ("instrumented:app", []),
    "datasette": ("datasette_only:app", ["--no-browser"]),
    "gradio": ("gradio_mounted:app", ["--env", "GRADIO_ANALYTICS_ENABLED=False"]),
}


def environment(name: str) -> Path:
    """The app's interpreter, from a virtualenv built once and kept (`lock.txt`, written last,
    marks it complete and names the pins it was built from)."""
    target = ENVS / f"{name}-py{sys.version_info[0]}{sys.version_info[1]}"
    python = target / "bin" / "python"
    lock = target / "lock.txt"
    if python.is_file() and lock.is_file() and lock.read_text().startswith("\n".join(REQUIREMENTS[name])):
        return python
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(target)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *REQUIREMENTS[name]],
        check=True,
        timeout=600,
    )
    frozen = subprocess.run([str(python), "-m", "pip", "freeze"], capture_output=True, text=True, check=True)
    lock.write_text("\n".join(REQUIREMENTS[name]) + "\n# pip freeze:\n" + frozen.stdout)
    return python


def doctor_command(name: str, out: Path) -> list[str]:
    """`python -m doctor` on app `name`, as tests/doctor/test_doctor_real_apps.py runs it."""
    spec, extra = RUNS_AS[name]
    return [
        sys.executable,
        "-m",
        "doctor",
        spec,
        "--app-dir",
        str(APPS_DIR),
        "--python",
        str(environment(name)),
        "--port-base",
        str(PORT_BASE),
        "--json",
        str(out / "doctor.json"),
        "--markdown",
        str(out / "doctor.md"),
        *extra,
    ]


def time_one(name: str) -> tuple[float, dict]:
    """Seconds for one doctor run on `name`, and its JSON report."""
    with tempfile.TemporaryDirectory(prefix=f"bench-doctor-{name}-") as folder:
        out = Path(folder)
        command = doctor_command(name, out)
        began = time.monotonic()
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
        took = time.monotonic() - began
        report = out / "doctor.json"
        if not report.is_file():
            raise ProxylabError(
                f"the doctor on {name}",
                f"wrote no report (exit {done.returncode})",
                f"run `{' '.join(command[1:])}` by hand and read its error",
                done.stderr[-2000:],
            )
        return took, json.loads(report.read_text())


def measure(runs: int = RUNS) -> dict:
    """Every app `runs` times, one after another; the record `main` writes."""
    seconds: dict[str, list[float]] = {}
    versions: dict[str, str] = {}
    facts = machine.facts()
    for name in RUNS_AS:
        environment(name)  # built before the clock starts
        for run in range(runs):
            took, report = time_one(name)
            seconds.setdefault(name, []).append(round(took, 1))
            versions |= {f"{name}: {k}": v for k, v in report["versions"].items() if k != "python_executable"}
            print(f"bench-doctor: {name} run {run + 1}/{runs}: {took:.1f} s", flush=True)
    medians = {name: round(statistics.median(values), 1) for name, values in seconds.items()}
    return {
        "command": "make bench-doctor",
        "machine": f"{facts['nproc']} cores, {facts['cpu_model']}, Python {facts['python']}",
        "date": date.today().isoformat(),
        "versions": versions,
        "runs": runs,
        "loadavg_1m_at_start": facts["loadavg_1m_at_start"],  # others' work on the same cores
        "seconds": seconds,
        "median_s": medians,
        "spread_s": {name: round(max(v) - min(v), 1) for name, v in seconds.items()},
        "figures": {README_PLACE: [f"{medians[name]:g} s" for name in medians]},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.doctor_apps", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs per app (default {RUNS})")
    args = parser.parse_args(argv)
    return run_main(lambda: _run(args.runs))


def _run(runs: int) -> int:
    record = measure(runs)
    RECORD.parent.mkdir(parents=True, exist_ok=True)
    RECORD.write_text(json.dumps(record, indent=2) + "\n")
    for name, median in record["median_s"].items():
        spread, every = record["spread_s"][name], record["seconds"][name]
        print(f"{name:12} median {median:5.1f} s  spread {spread:4.1f} s  runs {every}")
    print(f"bench-doctor: wrote {RECORD.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
