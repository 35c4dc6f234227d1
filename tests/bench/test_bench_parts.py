"""The bench's parts, without the stack: reading wrk's result, the targets, the statistics, the
chart, the machine facts and lab 10's step kinds.

None of these tests looks at a speed. When one fails, `make bench` would report numbers that
are not what they claim (a wrong unit, a ratio against the wrong repeat, a target that is not
the same app) or would fail in a way that does not tell the reader what to do.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from bench import chart, machine
from bench.load import summarise
from bench.stats import ratios, spread
from instruments import load_targets, wrk
from labs.kinds import KINDS
from labs.kinds.bench import BenchReportAction, summary
from proxylab import compose
from proxylab.backend import choose
from proxylab.context import Context
from proxylab.errors import ProxylabError

STACK = compose.load()


def _with_routes(routes):
    """A stand-in for a compose.yaml with other routes: targets() reads nothing else."""
    return SimpleNamespace(routes=routes)


LINE = (
    '{"requests": 3000, "duration_us": 1500000, "bytes": 1, "errors": {"connect": 0, "read": 1, "write": 0, '
    '"timeout": 2}, "status_ge_400": 0, "non_2xx": 4, '
    '"latency_us": {"min": 500, "mean": 4000.5, "max": 9000, "p50": 3500, "p90": 6000, "p99": 8800}}'
)


def fake_run(url: str, requests: int, p50_ms: float) -> wrk.LoadRun:
    return wrk.LoadRun(
        url,
        requests,
        1.0,
        {"connect": 0, "read": 0, "write": 0, "timeout": 0},
        0,
        {"min": 0.1, "mean": p50_ms, "max": 9.0, "p50": p50_ms, "p90": p50_ms * 2, "p99": p50_ms * 3},
    )


def fake_report(mode: str = "full") -> dict:
    """A report as run.run_bench builds it, from made-up runs: direct 1000/1200 req/s, proxies less."""
    chosen = load_targets.targets(STACK)
    load = wrk.Load(seconds=10)
    numbers = {
        "direct": ([1000, 1200], 2.0),
        "traefik": ([500, 900], 4.0),
        "nginx": ([800, 600], 3.0),
        "caddy": ([600, 700], 3.5),
        "haproxy": ([900, 1000], 2.5),
    }
    runs = {
        t.name: [fake_run(t.url("/app"), n, numbers[t.name][1]) for n in numbers[t.name][0]] for t in chosen
    }
    return {
        "mode": mode,
        "started": "2026-01-01T00:00:00+00:00",
        "backend": "native",
        "machine": {"nproc": 2, "cpu_model": "Test CPU"},
        "cold_start": {"repeats": 3, "seconds": [2.0, 2.5, 3.0], "median": 2.5, "min": 2.0, "max": 3.0},
        "test_suite": {"seconds": 90.0, "summary": "100 passed in 90s", "exit_code": 0},
        "load": {
            "tool": "wrk test",
            "threads": 2,
            "connections": 16,
            "seconds": 10,
            "repeats": 2,
            "warmup_s": 2,
            "paths": {"app": {"path": "/app", "targets": summarise(chosen, "/app", load, runs)}},
        },
        "versions": {"uvicorn": "0.54.0"},
    }


# --- wrk: the command and its JSON line ----------------------------------------------------------


def test_the_result_line_is_read_in_milliseconds_and_requests_per_second():
    """The table would show microseconds as milliseconds, or requests/s over the wrong time."""
    run = wrk.parse("http://127.0.0.1:8000/app", LINE)
    assert (run.requests, run.seconds, run.requests_per_s) == (3000, 1.5, 2000)
    assert (run.latency_ms["p50"], run.latency_ms["p99"]) == (3.5, 8.8)
    assert (run.error_count, run.non_2xx) == (3, 4)


def test_the_command_a_person_pastes_uses_our_script_at_fixed_concurrency():
    """The lab would show a command that is not what ran, or that only works from this folder's parent."""
    command = wrk.Load(threads=2, connections=16, seconds=10).command("http://127.0.0.1:9002/api/v1/app")
    assert command == (
        "wrk -t2 -c16 -d10s --timeout=5s -s instruments/wrk_json.lua http://127.0.0.1:9002/api/v1/app"
    )
    assert wrk.SCRIPT.is_file()


def test_a_missing_wrk_names_the_package_and_the_next_step(monkeypatch):
    """Without wrk, `make bench` would die with FileNotFoundError instead of saying `make deps`."""
    monkeypatch.setattr(wrk.shutil, "which", lambda name: None)
    with pytest.raises(ProxylabError) as error:
        wrk.find_wrk()
    assert "make deps" in error.value.next_step and "apt-get install wrk" in error.value.next_step


def test_a_remote_url_is_refused():
    """The bench would measure a network and call it the proxy's cost."""
    with pytest.raises(ProxylabError, match="not on loopback"):
        wrk.measure("http://example.com/app", wrk.Load(seconds=1))


# --- targets: the same app five ways -----------------------------------------------------------


def test_the_targets_are_the_same_app_directly_and_through_each_stripping_proxy():
    """The difference between targets would not be the proxy alone."""
    chosen = {t.name: t.url("/app") for t in load_targets.targets(STACK)}
    assert chosen == {
        "direct": "http://127.0.0.1:8000/app",
        "traefik": "http://127.0.0.1:9002/api/v1/app",
        "nginx": "http://127.0.0.1:9102/api/v1/app",
        "caddy": "http://127.0.0.1:9202/api/v1/app",
        "haproxy": "http://127.0.0.1:9302/api/v1/app",
    }
    for target in load_targets.targets(STACK):
        assert target.route.app == load_targets.APP


def test_a_route_that_no_longer_strips_to_the_app_is_refused():
    """A compose.yaml change would silently compare two different apps, or a keeping route."""
    kept = [
        replace(route, strips=False)
        if route.name == load_targets.ROUTE_NAME and route.proxy == "traefik"
        else route
        for route in STACK.routes
    ]
    with pytest.raises(ProxylabError, match="bench target traefik"):
        load_targets.targets(_with_routes(kept))


# --- statistics ---------------------------------------------------------------------------------


def test_ratios_pair_each_repeat_with_direct_in_the_same_repeat():
    """A ratio would divide by another repeat's baseline, mixing drift into the proxy's cost."""
    assert ratios([500, 900], [1000, 1200]) == [0.5, 0.75]
    assert spread([3.0, 1.0, 2.0]) == spread([1.0, 2.0, 3.0])
    assert (spread([3.0, 1.0, 2.0]).median, spread([3.0, 1.0, 2.0]).min, spread([3.0, 1.0, 2.0]).max) == (
        2.0,
        1.0,
        3.0,
    )


def test_the_summary_keeps_every_run_with_median_spread_and_ratio():
    """bench.json would lose the raw numbers behind a median, or report a ratio nobody can check."""
    traefik = fake_report()["load"]["paths"]["app"]["targets"]["traefik"]
    assert len(traefik["runs"]) == 2 and traefik["runs"][0]["requests"] == 500
    assert traefik["requests_per_s"] == {"median": 700.0, "min": 500.0, "max": 900.0}
    assert traefik["ratio_to_direct"]["requests_per_s"] == {"median": 0.625, "min": 0.5, "max": 0.75}
    assert traefik["command"].startswith("wrk -t2 -c16 -d10s")


# --- the chart and the machine ---------------------------------------------------------------------


def test_the_chart_is_a_png(tmp_path):
    """`make bench` would write no chart, or a file no viewer opens."""
    out = chart.draw(fake_report(), tmp_path / "bench.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("cpuinfo", "model"),
    [
        ("processor\t: 0\nmodel name\t: AMD EPYC 7B13\n", "AMD EPYC 7B13"),  # x86
        ("processor\t: 0\nModel\t\t: Raspberry Pi 4 Model B\n", "Raspberry Pi 4 Model B"),  # ARM
    ],
)
def test_the_cpu_model_is_read_from_proc_cpuinfo(tmp_path: Path, cpuinfo, model):
    """Two reports from different machines would look comparable."""
    path = tmp_path / "cpuinfo"
    path.write_text(cpuinfo)
    assert machine.cpu_model(path) == model


# --- lab 10's step kinds ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({"path": "app"}, "`path:` is the app's path"),
        ({"path": "/app", "seconds": 0.5}, "`seconds:` takes a whole number"),
        ({"path": "/app", "connections": True}, "`connections:` takes a whole number"),
    ],
)
def test_a_malformed_bench_step_fails_at_load_time(spec, problem):
    """A typo in lab 10 would surface as a wrk error on a projector."""
    with pytest.raises(ValueError, match=problem):
        KINDS["bench"].parse(spec)


def test_a_missing_report_says_how_to_make_one():
    """Lab 10's last step would show an empty table instead of `run make bench`."""
    outcome = BenchReportAction("reports/no-such-bench.json").run(
        Context(STACK, choose(STACK, wanted="native"))
    )
    assert outcome.fields["found"] is False and "make bench" in outcome.fields["how"]


def test_a_report_reads_as_one_line_per_fact_for_the_room():
    """Lab 10 would show a JSON dump, or lose the spread behind a median."""
    fields = summary(json.loads(json.dumps(fake_report())))
    assert fields["cold_start"] == "2.50 s (2.00–3.00), 3 repeats"
    assert fields["traefik"]["requests_per_s"] == "700 (500–900)"
    assert fields["nginx"]["vs_direct"].startswith("0.65× req/s")  # (800/1000 + 600/1200) / 2
