"""Throughput and latency of each target under the same fixed load, repeated and interleaved.

Each repeat measures every target once, in turn (direct, traefik, nginx, caddy, haproxy, then again), so slow
drift on the machine (another job, thermal throttling) lands on every target alike instead of on
whichever ran last. Before the first repeat every target gets a short warm-up that is not
recorded: the first requests open connections and fill caches, which is a cold start, not
steady-state cost. The result per path and target keeps every repeat's raw numbers, their
median and spread, and the ratio to direct, repeat by repeat.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bench.stats import ratios, spread
from instruments.load_targets import Target
from instruments.wrk import Load, LoadRun, measure
from proxylab.steps import Steps

# The figures a table shows; ratio is target / direct (above 1 is more throughput or slower latency).
FIGURES = {
    "requests_per_s": lambda run: run.requests_per_s,
    "p50_ms": lambda run: run.latency_ms["p50"],
    "p99_ms": lambda run: run.latency_ms["p99"],
}


def measure_paths(
    targets: list[Target],
    paths: dict[str, str],
    load: Load,
    repeats: int,
    warmup_s: int,
    steps: Steps,
) -> dict[str, Any]:
    """{path name: {"path", "targets": {target: summary}}} for every path, see `summarise`; each
    recorded run is a step of `steps`."""
    result = {}
    for name, path in paths.items():
        if warmup_s:
            steps.note(f"{name}: warming up each target for {warmup_s} s (not recorded)")
            for target in targets:
                measure(target.url(path), replace(load, seconds=warmup_s))
        runs: dict[str, list[LoadRun]] = {target.name: [] for target in targets}
        for repeat in range(1, repeats + 1):
            for target in targets:
                run = measure(target.url(path), load)
                runs[target.name].append(run)
                steps.done(
                    f"{name:<5} {target.name:<8} repeat {repeat}/{repeats}: {run.requests_per_s:8.0f} req/s, "
                    f"p50 {run.latency_ms['p50']:.2f} ms, p99 {run.latency_ms['p99']:.2f} ms"
                )
        result[name] = {"path": path, "targets": summarise(targets, path, load, runs)}
    return result


def summarise(targets: list[Target], path: str, load: Load, runs: dict[str, list[LoadRun]]) -> dict[str, Any]:
    """Per target: URL, wrk command, every run, median/min/max of each figure, ratio to direct."""
    direct = runs[targets[0].name]
    summary = {}
    for target in targets:
        mine = runs[target.name]
        summary[target.name] = {
            "url": target.url(path),
            "command": load.command(target.url(path)),
            "runs": [run.as_data() for run in mine],
            "errors": sum(run.error_count for run in mine),
            "non_2xx": sum(run.non_2xx for run in mine),
            **{figure: spread([get(run) for run in mine]).as_data() for figure, get in FIGURES.items()},
            "ratio_to_direct": {
                figure: spread(ratios([get(run) for run in mine], [get(run) for run in direct])).as_data()
                for figure, get in FIGURES.items()
            },
        }
    return summary
