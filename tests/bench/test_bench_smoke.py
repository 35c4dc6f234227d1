"""`make bench` in smoke mode on the session stack: it still runs end to end and writes a report.

Speed is measured, not asserted: nothing here looks at a number's size. When this fails, the
full `make bench` would fail too (wrk's script, the report's shape, the chart), or it would
leave the stack stopped after timing a cold start.
"""

from __future__ import annotations

import json

import pytest

from bench import coldstart
from bench.__main__ import write
from bench.run import Plan, run_bench
from instruments.load_targets import NAMES, PATHS

# Its cold start stops and starts the whole stack, and its load takes both cores.
pytestmark = [pytest.mark.stack, pytest.mark.alone]

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def native(backend):
    """The bench times the native backend (`make bench` chooses it); the Compose session skips it."""
    if backend.name != "native":
        pytest.skip("the bench measures the native backend: it runs in the native session of `make test`")
    return backend


@pytest.fixture(scope="module")
def smoke(native, running_stack, tmp_path_factory):
    """One smoke run (1 cold start, 1 s per target and path), written to a scratch folder."""
    report = run_bench(Plan.smoke(), running_stack, native, log=lambda line: print(f"[bench] {line}"))
    out = tmp_path_factory.mktemp("bench")
    json_path, png_path = write(report, out, "bench-smoke")
    return json.loads(json_path.read_text()), png_path


def test_the_report_has_every_section(smoke):
    """bench.json would lack what the issue asks for: versions, machine, cold start, tests, load."""
    report, _ = smoke
    assert {
        "mode",
        "started",
        "finished",
        "backend",
        "versions",
        "machine",
        "cold_start",
        "test_suite",
        "test_sessions",
        "load",
        "chart",
    } <= set(report)
    assert report["mode"] == "smoke" and "skipped" in report["test_suite"]
    assert set(report["test_sessions"]) == {"native", "compose"}
    assert {"uvicorn", "traefik", "nginx"} <= set(report["versions"])
    assert report["machine"]["nproc"] >= 1 and report["machine"]["cpu_model"]


def test_every_target_and_path_was_measured_without_failures(smoke):
    """A target would be missing from the table, or its numbers would measure failed requests."""
    load = smoke[0]["load"]
    assert set(load["paths"]) == set(PATHS)
    for name, path in load["paths"].items():
        assert list(path["targets"]) == list(NAMES), name
        for target, data in path["targets"].items():
            assert len(data["runs"]) == 1 and data["runs"][0]["requests"] > 0, (
                f"{name} {target} measured nothing"
            )
            assert (data["errors"], data["non_2xx"]) == (0, 0), f"{name} {target}: {data['runs'][0]}"
            assert data["command"].startswith("wrk -t2 -c16 -d1s") and data["url"] in data["command"]
            assert {"median", "min", "max"} <= set(data["p99_ms"]) and "requests_per_s" in data[
                "ratio_to_direct"
            ]


def test_a_cold_start_was_timed_and_the_stack_left_running(smoke, native):
    """The cold start would go unmeasured, or the bench would leave the session's stack down."""
    cold = smoke[0]["cold_start"]
    assert cold["repeats"] == 1 and cold["seconds"][0] > 0
    assert coldstart.state(native) == "running"


def test_the_chart_is_a_png(smoke):
    """`make bench` would write no chart, or one no image viewer opens."""
    _, png_path = smoke
    assert png_path.name == "bench-smoke.png" and png_path.read_bytes()[:8] == PNG
