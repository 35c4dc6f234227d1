"""The bench report as tables on a terminal: what `make bench` prints at the end.

Every figure is the median with its spread (min–max) beside it; ratios divide by direct in the
same repeat, so `0.55×` requests/s means the proxy route served 55% of what the app alone did.
Test-suite times show the change since the previous bench (bench/regress.py): red when slower by
more than max(5 s, 10 %), green when faster by as much, so a regression shows without a diff.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from bench import regress
from bench.stats import Spread


def render(report: dict[str, Any], previous: dict[str, Any] | None = None) -> Group:
    """The whole report; `previous` is the report the last bench wrote, for the changes since."""
    parts: list[Any] = [
        Text(f"proxylab bench ({report['mode']} mode), {report['started']}", style="bold"),
        Text(machine_line(report), style="dim"),
        Text(),
    ]
    parts.append(overview(report, previous))
    for session in regress.compare(previous, report):
        parts += [Text(), session_table(session)]
    for path in report["load"]["paths"].values():
        parts += [Text(), load_table(path, report["load"])]
    if report["mode"] == "smoke":
        parts += [
            Text(),
            Text("smoke mode: 1 s runs, 1 repeat; these numbers only prove the bench runs.", style="yellow"),
        ]
    return Group(*parts)


def print_report(
    report: dict[str, Any], console: Console | None = None, previous: dict[str, Any] | None = None
) -> None:
    (console or Console(highlight=False)).print(render(report, previous))


def machine_line(report: dict[str, Any]) -> str:
    facts = report["machine"]
    versions = ", ".join(
        f"{name} {version.split(' ')[0]}" for name, version in report.get("versions", {}).items()
    )
    return f"{facts['nproc']} CPUs ({facts['cpu_model']}), {report['backend']} backend; {versions}"


# The slowest suites listed per backend; any other suite that changed is listed too, and all of
# them are in reports/bench.json.
SLOWEST_SUITES = 8
CHANGE_STYLES = {"slower": "red", "faster": "green", "same": "dim", "new": "yellow", "removed": "yellow"}


def overview(report: dict[str, Any], previous: dict[str, Any] | None = None) -> Table:
    table = Table(title="Start-up and tests", title_justify="left", show_edge=False, header_style="bold")
    table.add_column("what")
    table.add_column("seconds: median (min–max)", justify="right")
    table.add_column("since last bench", justify="right")
    table.add_column("note")
    cold = report["cold_start"]
    if "skipped" in cold:
        table.add_row("native cold start", "—", "", cold["skipped"])
    else:
        table.add_row(
            "native cold start",
            _spread(cold).text("{:.2f}", " s"),
            "",
            f"down, then up until all healthy; {cold['repeats']} repeat(s)",
        )
    tests, timed = report["test_suite"], regress.timed(previous, report)
    if timed is None:
        table.add_row(regress.TIMED, "—", "", tests.get("skipped", ""))
    else:
        note = f"{tests['summary']} (exit {tests['exit_code']})"
        table.add_row(regress.TIMED, f"{timed.seconds:.1f} s", change_text(timed), note)
    return table


def session_table(session: regress.Session) -> Group | Text:
    """One backend's last `make test` session: its wall clock and slowest suites, each with its change."""
    if not session.rows:
        return Text(session.about, style="yellow")  # says which backend, why, and what to run
    # The heading as lines of its own: a table's title would wrap at the (narrow) table's width.
    heading = [
        Text(f"make test on the {session.backend} backend: {session.about}", style="italic"),
        Text(session.compared, style="dim"),
    ]
    table = Table(show_edge=False, header_style="bold")
    table.add_column("suite")
    table.add_column("tests", justify="right")
    table.add_column("seconds", justify="right")
    table.add_column("since last bench", justify="right")
    # Rank 0 is the whole session; then the slowest suites, and below them only what changed.
    listed = [
        rank <= SLOWEST_SUITES or row.change not in ("same", "") for rank, row in enumerate(session.rows)
    ]
    for row in (row for row, show in zip(session.rows, listed) if show):
        table.add_row(
            row.suite, _tests(row), "—" if row.seconds is None else f"{row.seconds:.1f} s", change_text(row)
        )
    hidden = [row for row, show in zip(session.rows, listed) if not show]
    if hidden:
        unchanged = ", none changed by more than max(5 s, 10 %)" if hidden[0].change == "same" else ""
        table.add_row(
            Text(f"… {len(hidden)} more suites in the JSON report{unchanged}", style="dim"), "", "", ""
        )
    return Group(*heading, table)


def change_text(row: regress.SuiteTime) -> Text:
    """`+23.1 s` (red when slower), `-8.0 s` (green when faster), `new`, `removed (was 4.0 s)`."""
    style = CHANGE_STYLES.get(row.change, "")
    if row.change == "new":
        return Text("new", style=style)
    if row.change == "removed":
        return Text(f"removed (was {row.before:.1f} s)", style=style)
    if row.delta is None:
        return Text("")
    return Text(f"{row.delta:+.1f} s", style=style)


def _tests(row: regress.SuiteTime) -> str:
    """The test count, and the earlier one when it differs (a session run with -k is not the whole suite)."""
    if row.change == "removed":
        return f"(was {row.tests_before})"
    if not row.tests and not row.tests_before:
        return ""  # the stack's own line
    if row.tests_before is None or row.tests_before == row.tests:
        return str(row.tests)
    return f"{row.tests} (was {row.tests_before})"


def load_table(path: dict[str, Any], load: dict[str, Any]) -> Table:
    title = (
        f"{path['path']}: wrk -t{load['threads']} -c{load['connections']}, "
        f"{load['seconds']} s × {load['repeats']}; median (min–max)"
    )
    table = Table(title=title, title_justify="left", show_edge=False, header_style="bold")
    for column in (
        "target",
        "requests/s",
        "p50 ms",
        "p99 ms",
        "req/s vs direct",
        "p50 vs direct",
        "p99 vs direct",
        "errors",
        "non-2xx",
    ):
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
