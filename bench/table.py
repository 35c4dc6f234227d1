"""The bench report as tables on a terminal: what `make bench` prints at the end.

Every figure is the median with its spread (min–max) beside it; ratios divide by direct in the
same repeat, so `0.55×` requests/s means the proxy route served 55% of what the app alone did.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from bench.stats import Spread


def render(report: dict[str, Any]) -> Group:
    parts: list[Any] = [Text(f"proxylab bench ({report['mode']} mode), {report['started']}", style="bold"),
                        Text(machine_line(report), style="dim"), Text()]
    parts.append(overview(report))
    for path in report["load"]["paths"].values():
        parts += [Text(), load_table(path, report["load"])]
    if report["mode"] == "smoke":
        parts += [Text(), Text("smoke mode: 1 s runs, 1 repeat; these numbers only prove the bench runs.", style="yellow")]
    return Group(*parts)


def print_report(report: dict[str, Any], console: Console | None = None) -> None:
    (console or Console(highlight=False)).print(render(report))


def machine_line(report: dict[str, Any]) -> str:
    facts = report["machine"]
    versions = ", ".join(f"{name} {version.split(' ')[0]}" for name, version in report.get("versions", {}).items())
    return f"{facts['nproc']} CPUs ({facts['cpu_model']}), {report['backend']} backend; {versions}"


# The slowest suites the overview lists under `make test` (all of them are in reports/bench.json).
SLOWEST_SUITES = 8


def overview(report: dict[str, Any]) -> Table:
    table = Table(title="Start-up and tests", title_justify="left", show_edge=False, header_style="bold")
    table.add_column("what")
    table.add_column("seconds: median (min–max)", justify="right")
    table.add_column("note")
    cold = report["cold_start"]
    if "skipped" in cold:
        table.add_row("native cold start", "—", cold["skipped"])
    else:
        table.add_row("native cold start", _spread(cold).text("{:.2f}", " s"), f"down, then up until all healthy; {cold['repeats']} repeat(s)")
    tests = report["test_suite"]
    if "skipped" in tests:
        table.add_row("make test", "—", tests["skipped"])
    else:
        table.add_row("make test", f"{tests['seconds']:.1f} s", f"{tests['summary']} (exit {tests['exit_code']})")
        for row in tests.get("by_suite", [])[:SLOWEST_SUITES]:
            table.add_row(f"  {row['suite']}", f"{row['seconds']:.1f} s", f"{row['tests']} tests" if row["tests"] else "")
    return table


def load_table(path: dict[str, Any], load: dict[str, Any]) -> Table:
    title = (f"{path['path']}: wrk -t{load['threads']} -c{load['connections']}, {load['seconds']} s × {load['repeats']}; "
             "median (min–max)")
    table = Table(title=title, title_justify="left", show_edge=False, header_style="bold")
    for column in ("target", "requests/s", "p50 ms", "p99 ms", "req/s vs direct", "p50 vs direct", "p99 vs direct", "errors", "non-2xx"):
        table.add_column(column, justify="left" if column == "target" else "right")
    for target, data in path["targets"].items():
        ratio = data["ratio_to_direct"]
        table.add_row(
            target,
            _spread(data["requests_per_s"]).text("{:.0f}"),
            _spread(data["p50_ms"]).text("{:.2f}"),
            _spread(data["p99_ms"]).text("{:.2f}"),
            _spread(ratio["requests_per_s"]).text("{:.2f}", "×"),
            _spread(ratio["p50_ms"]).text("{:.2f}", "×"),
            _spread(ratio["p99_ms"]).text("{:.2f}", "×"),
            Text(str(data["errors"]), style="red" if data["errors"] else ""),
            Text(str(data["non_2xx"]), style="red" if data["non_2xx"] else ""),
        )
    return table


def _spread(data: dict[str, float]) -> Spread:
    return Spread(data["median"], data["min"], data["max"])
