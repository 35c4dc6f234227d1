"""Lab step kinds for lab 10: `bench:` runs a short load live, `bench-report:` reads `make bench`.

`bench: {path: /app, seconds: 2}` puts the same fixed load (wrk -t2 -c16) on the app directly,
through Traefik and through Nginx (instruments/load_targets.py, from compose.yaml), one after the
other, and answers one field per target: requests/s, p50, p99, the ratio to direct, errors and
non-2xx. A few seconds on a laptop next to a projector is noisy, so a lab may expect only facts
that are not timing (`direct.errors: 0`, `nginx.non_2xx: 0`); the speed is shown, never judged.

`bench-report: {file: reports/bench.json}` shows the medians of the last full `make bench`
(repeated, longer runs) or, when there is none, how to produce it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from instruments.load_targets import NAMES, targets
from instruments.wrk import Load, LoadRun, measure
from labs.kinds.base import Outcome, StepKind
from proxylab.context import Context
from proxylab.paths import REPO

TARGET_FIELDS = NAMES  # direct, traefik, nginx, caddy, haproxy


@dataclass(frozen=True)
class BenchAction:
    path: str
    load: Load

    def urls(self, context: Context) -> list[str]:
        return [target.url(self.path) for target in targets(context.stack)]

    def command(self, context: Context) -> str:
        return "\n".join(self.load.command(url) for url in self.urls(context))

    def run(self, context: Context) -> Outcome:
        runs = {target.name: measure(target.url(self.path), self.load) for target in targets(context.stack)}
        direct = runs["direct"]
        fields = {name: _row(run, direct) for name, run in runs.items()}
        return Outcome(fields, json.dumps({name: run.as_data() for name, run in runs.items()}, indent=2))


def _row(run: LoadRun, direct: LoadRun) -> dict[str, Any]:
    latency, base = run.latency_ms, direct.latency_ms
    return {
        "requests_per_s": round(run.requests_per_s),
        "p50_ms": round(latency["p50"], 2),
        "p99_ms": round(latency["p99"], 2),
        "vs_direct": f"{_ratio(run.requests_per_s, direct.requests_per_s)} req/s, "
        f"{_ratio(latency['p50'], base['p50'])} p50, {_ratio(latency['p99'], base['p99'])} p99",
        "errors": run.error_count,
        "non_2xx": run.non_2xx,
    }


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}×" if base else "—"


def _bench(spec: Mapping[str, Any]) -> BenchAction:
    path = spec["path"]
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError(f"`path:` is the app's path, like /app, not {path!r}")
    numbers = {
        key: spec.get(key, default) for key, default in (("seconds", 2), ("connections", 16), ("threads", 2))
    }
    for key, value in numbers.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"`{key}:` takes a whole number of at least 1, not {value!r}")
    return BenchAction(
        path, Load(threads=numbers["threads"], connections=numbers["connections"], seconds=numbers["seconds"])
    )


BENCH = StepKind(
    "bench", ("path", "seconds", "connections", "threads"), TARGET_FIELDS, _bench, changes_the_stack=True
)


# --- bench-report: the last `make bench` ---------------------------------------------------------


@dataclass(frozen=True)
class BenchReportAction:
    file: str

    def urls(self, context: Context) -> list[str]:
        return []

    def command(self, context: Context) -> str:
        return f"python -m json.tool {self.file}   # written by `make bench`"

    def run(self, context: Context) -> Outcome:
        path = REPO / self.file
        if not path.is_file():
            how = f"no {self.file} yet: run `make bench` (~8 min) to write it"
            return Outcome({"found": False, "how": how}, how)
        report = json.loads(path.read_text())
        return Outcome({"found": True, **summary(report)}, json.dumps(summary(report), indent=2))


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """The fields a room reads from a bench report: when, where, start-up, and /app per target."""
    cold, tests = report.get("cold_start", {}), report.get("test_suite", {})
    fields: dict[str, Any] = {
        "measured": f"{report.get('started', '?')} ({report.get('mode', '?')} mode)",
        "machine": f"{report['machine']['nproc']} CPUs, {report['machine']['cpu_model']}",
        "cold_start": cold.get("skipped")
        or f"{cold['median']:.2f} s ({cold['min']:.2f}–{cold['max']:.2f}), {cold['repeats']} repeats",
        "make_test": tests.get("skipped") or f"{tests['seconds']:.0f} s: {tests['summary']}",
    }
    app = report["load"]["paths"].get("app", {}).get("targets", {})
    for name, data in app.items():
        ratio = data["ratio_to_direct"]
        fields[name] = {
            "requests_per_s": _spread(data["requests_per_s"], "{:.0f}"),
            "p50_ms": _spread(data["p50_ms"], "{:.2f}"),
            "p99_ms": _spread(data["p99_ms"], "{:.2f}"),
            "vs_direct": f"{ratio['requests_per_s']['median']:.2f}× req/s, "
            f"{ratio['p50_ms']['median']:.2f}× p50, "
            f"{ratio['p99_ms']['median']:.2f}× p99",
        }
    return fields


def _spread(data: dict[str, float], fmt: str) -> str:
    return f"{fmt.format(data['median'])} ({fmt.format(data['min'])}–{fmt.format(data['max'])})"


def _report(spec: Mapping[str, Any]) -> BenchReportAction:
    if not isinstance(spec["file"], str):
        raise ValueError(f"`file:` takes a path like reports/bench.json, not {spec['file']!r}")
    return BenchReportAction(spec["file"])


BENCH_REPORT = StepKind(
    "bench-report",
    ("file",),
    ("found", "how", "measured", "machine", "cold_start", "make_test", *TARGET_FIELDS),
    _report,
)

KINDS = (BENCH, BENCH_REPORT)
