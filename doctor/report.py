"""The doctor's verdict written out: reports/doctor.md, reports/doctor.json and the terminal.

What: `as_json(run)` is the machine-readable verdict (the shape below); `as_markdown(run)` the
same for a person (the grid, what to deploy, each cause once with the configurations it breaks
and the places it shows, and where the requests and logs are); `show(run, console)` prints a
table that fits 80 columns (verdict, checks run, what broke, the labs) and the recommendation.
When: `doctor.cli` at the end of every run.
Why: the JSON is what a CI job keeps and diffs; the Markdown is what a developer reads; both
say which versions gave the verdict.

JSON: {"app", "prefix", "app_dir", "python", "versions", "browser", "uvicorn_args", "env",
       "facts", "run_dir",
       "configurations": [{"proxy", "strips", "server_root_path", "url",
                           "verdict" ("works", "broken" or "not tested"), "checks_run", "evidence",
                           "checks": {"docs_ui", "schema", "operations", "redirects", "static",
                                      "mounts", "pages", "websocket"}  (each "ok", "broken" or "n/a"),
                           "reasons": [{"check", "reason", "lab", "step", "why"}],
                           "browser_pages": [{"check", "page", "requests", "failed", "outside", "sockets"}]
                             (each mounted UI's root page in Chromium: the requests it made, those
                             that failed and those that left the proxy's origin or prefix),
                           "not_tested" (why, and what to pass), "notes", "requests"}],
       "recommended": [{"proxy", "strips", "server_root_path", "server_command", "fastapi_run",
                        "proxy_config"}]}
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich import box
from rich.console import Console
from rich.table import Table

from doctor.checks import CHECKS
from doctor.lessons import Lesson
from doctor.verdict import NOT_TESTED, PROXY_ADDRESS_NOTE, Result, deploy, recommend

MARK = {"ok": "[green]ok[/]", "broken": "[bold red]broken[/]", "n/a": "[dim]n/a[/]"}
VERDICT = {"works": "[green]works[/]", "broken": "[bold red]broken[/]", "not tested": "[yellow]not tested[/]"}
PLACES_SHOWN = 8  # per cause in the Markdown; doctor.json has every one


@dataclass
class Run:
    spec: str
    prefix: str
    app_dir: str
    python: str
    versions: dict[str, str | None]
    browser: str  # "Chromium 142.0…" or why the browser check did not run
    results: list[Result]
    run_dir: str = ""
    uvicorn_args: tuple[str, ...] = ()
    env: tuple[str, ...] = ()  # the names of --env variables (their values stay out of reports)
    facts: list[str] = field(default_factory=list)  # what the app sets itself: a root_path in code


def as_json(run: Run) -> dict:
    return {
        "app": run.spec,
        "prefix": run.prefix,
        "app_dir": run.app_dir,
        "python": run.python,
        "versions": run.versions,
        "browser": run.browser,
        "uvicorn_args": list(run.uvicorn_args),
        "env": list(run.env),
        "facts": run.facts,
        "run_dir": run.run_dir,
        "configurations": [
            {
                "proxy": r.config.proxy,
                "strips": r.config.strips,
                "server_root_path": r.config.server_root_path,
                "url": r.config.public_base,
                "verdict": r.verdict,
                "checks_run": r.checks.ran,
                "evidence": r.checks.evidence,
                "checks": dict(r.checks.status),
                "reasons": [
                    {
                        "check": x.check,
                        "reason": x.line,
                        "lab": x.lesson.lab,
                        "step": x.lesson.step,
                        "why": x.lesson.why,
                    }
                    for x in r.reasons
                ],
                "browser_pages": r.checks.browser_pages,
                "not_tested": NOT_TESTED if r.verdict == "not tested" else None,
                "notes": r.checks.notes,
                "requests": r.checks.sent,
            }
            for r in run.results
        ],
        "recommended": [
            {
                "proxy": r.config.proxy,
                "strips": r.config.strips,
                "server_root_path": r.config.server_root_path,
                **deploy(r, run.spec, run.uvicorn_args),
            }
            for r in recommend(run.results)
        ],
    }


def as_markdown(run: Run) -> str:
    lines = [f"# proxylab doctor: `{run.spec}` behind `{run.prefix}`", ""]
    lines += [f"Versions: {_versions(run)}. Browser: {run.browser}.", ""]
    lines += [f"- {fact}" for fact in run.facts] + ([""] if run.facts else [])
    lines += [
        "## Verdict",
        "",
        "| configuration | verdict | checks run | " + " | ".join(CHECKS) + " |",
        "|---" * (len(CHECKS) + 3) + "|",
    ]
    for r in run.results:
        lines.append(
            f"| `{r.config.label}` | {_cell(r.verdict)} | {r.checks.ran} | "
            + " | ".join(_cell(r.checks.status[c]) for c in CHECKS)
            + " |"
        )
    lines += ["", "## What to deploy", ""]
    lines += _deploy_lines(run)
    untested = [r for r in run.results if r.verdict == "not tested"]
    if untested:
        lines += [
            "## Not tested",
            "",
            ", ".join(f"`{r.config.label}`" for r in untested) + ": " + NOT_TESTED + ".",
            "",
        ]
    lines += _cause_lines(run)
    lines += _browser_lines(run)
    lines += [
        "## Requests sent",
        "",
        "Every request, as the curl that sends it, is in the JSON report (`requests` of each "
        f"configuration): {sum(len(r.checks.sent) for r in run.results)} in all. "
        f"The proxies' configs and logs are in `{run.run_dir}`.",
        "",
    ]
    return "\n".join(lines)


def _deploy_lines(run: Run) -> list[str]:
    chosen = recommend(run.results)
    if not chosen:
        return [
            "No configuration works for this app as it is: each one has a broken check or was not "
            "tested. The causes below say what breaks and which lab step shows why; "
            "fix the app, then run the doctor again.",
            "",
        ]
    lines = []
    for mode in dict.fromkeys(r.config.server_root_path for r in chosen):
        same = [r for r in chosen if r.config.server_root_path == mode]
        parts = deploy(same[0], run.spec, run.uvicorn_args)
        lines += [f"### The app: {same[0].config.app.label}", "", "```sh", str(parts["server_command"])]
        if parts["fastapi_run"]:
            lines += ["# or, with fastapi-cli:", parts["fastapi_run"]]
        lines += ["```", ""]
        if run.env:
            lines += [f"With the environment it ran with here: {', '.join(run.env)}.", ""]
        lines += [
            PROXY_ADDRESS_NOTE + ".",
            "",
            "Behind any of: " + ", ".join(f"`{r.config.label}`" for r in same),
            "",
        ]
        for r in same:
            config = str(deploy(r, run.spec)["proxy_config"]).rstrip()
            lines += [f"#### `{r.config.label}`", "", "```", config, "```", ""]
    return lines


def _cause_lines(run: Run) -> list[str]:
    """Each cause once: its why and lab step, the configurations it breaks, and the places."""
    causes: dict[tuple[str, Lesson], tuple[list[str], dict[str, None]]] = {}
    for r in run.results:
        for reason in r.reasons:
            labels, places = causes.setdefault((reason.check, reason.lesson), ([], {}))
            if r.config.label not in labels:
                labels.append(r.config.label)
            places[_general(reason.line, r)] = None
    if not causes:
        return []
    lines = [
        "## Causes",
        "",
        "Each cause once, with the configurations it breaks and where it shows; `{proxy}` stands "
        "for each configuration's own origin (http://127.0.0.1:PORT, in the JSON report).",
        "",
    ]
    for (check, lesson), (labels, places) in causes.items():
        lines += [
            f"### {check}: {lesson.why}",
            "",
            f"Shown in lab {lesson.lab}, step “{lesson.step}” (`{lesson.command}`).",
            "",
            "In: " + ", ".join(f"`{label}`" for label in labels) + ".",
            "",
        ]
        shown = list(places)[:PLACES_SHOWN]
        lines += [f"- {place}" for place in shown]
        if len(places) > len(shown):
            lines.append(f"- and {len(places) - len(shown)} more like these (the JSON report has each)")
        lines.append("")
    return lines


def _browser_lines(run: Run) -> list[str]:
    """Per configuration, each mounted UI's page in Chromium: its requests, and the ones that
    failed or left the proxy's origin or prefix (the first PLACES_SHOWN; the JSON has each)."""
    opened = [r for r in run.results if r.checks.browser_pages]
    if not opened:
        return []
    lines = [
        "## Mounted UIs in Chromium",
        "",
        "Each UI's root page, loaded through each configuration where it answered: the requests "
        "it made, and those that failed or left the proxy's origin or prefix (a failure the page "
        "also has when loaded from the app directly is the app's own, and left out).",
        "",
    ]
    for r in opened:
        for page in r.checks.browser_pages:
            wrong = page["outside"] + page["failed"]
            summary = f"{len(wrong)} of {page['requests']} requests failed or left {run.prefix}"
            lines.append(
                f"- `{r.config.label}`, {_general(page['page'], r)}: "
                + (summary if wrong else f"{page['requests']} requests, none failed")
            )
            lines += [f"  - {_general(line, r)}" for line in wrong[:PLACES_SHOWN]]
            if len(wrong) > PLACES_SHOWN:
                lines.append(f"  - and {len(wrong) - PLACES_SHOWN} more (the JSON report has each)")
    return [*lines, ""]


def _general(line: str, result: Result) -> str:
    """A reason with the configuration's origin replaced by `{proxy}`: the same for all of them."""
    return line.replace(result.config.origin, "{proxy}")


def show(run: Run, console: Console) -> None:
    """The verdict in a table that fits 80 columns (a CI log): the per-check grid is in the reports."""
    console.print(
        f"[bold]{run.spec}[/] behind [bold]{run.prefix}[/]  ({_versions(run)}; browser: {run.browser})"
    )
    for fact in run.facts:
        console.print(f"  {fact}")
    table = Table(box=box.SIMPLE, pad_edge=False)
    for name in ("configuration", "verdict", "checks"):
        table.add_column(name, no_wrap=True)
    table.add_column("broken")  # the one column that wraps, below its row, on a narrow terminal
    table.add_column("labs", no_wrap=True)
    for r in run.results:
        labs = " ".join(sorted({x.lesson.lab for x in r.reasons}))
        broken = " ".join(c for c in CHECKS if r.checks.status[c] == "broken")
        table.add_row(r.config.label, VERDICT[r.verdict], str(r.checks.ran), broken, labs)
    console.print(table)
    _show_browser_pages(run, console)
    chosen = recommend(run.results)
    untested = [r.config.label for r in run.results if r.verdict == "not tested"]
    if chosen:
        console.print("[bold green]works:[/] " + ", ".join(r.config.label for r in chosen))
    else:
        console.print(
            "[bold red]no configuration works for this app as it is[/]; the report says what breaks and why"
        )
    if untested:
        console.print(f"[yellow]not tested:[/] {', '.join(untested)}: {NOT_TESTED}")


def _show_browser_pages(run: Run, console: Console) -> None:
    """One line per mounted UI page: where Chromium met failed or outside requests, and where none."""
    pages: dict[str, tuple[list[str], list[str]]] = {}
    for r in run.results:
        for page in r.checks.browser_pages:
            path = page["page"].removeprefix(r.config.public_base)
            bad, clean = pages.setdefault(path, ([], []))
            wrong = len(page["outside"]) + len(page["failed"])
            (bad if wrong else clean).append(
                f"{r.config.label} ({wrong} of {page['requests']})" if wrong else r.config.label
            )
    for path, (bad, clean) in pages.items():
        console.print(
            f"in Chromium, {run.prefix}{path}: "
            + (f"[red]requests failed or left {run.prefix}[/] through {', '.join(bad)}" if bad else "")
            + ("; " if bad and clean else "")
            + (f"[green]all loaded[/] through {', '.join(clean)}" if clean else "")
        )


def _cell(status: str) -> str:
    return {"ok": "ok", "broken": "**broken**", "n/a": "n/a", "works": "works", "not tested": "*not tested*"}[
        status
    ]


def _versions(run: Run) -> str:
    return ", ".join(
        f"{name} {version or 'not installed'}"
        for name, version in run.versions.items()
        if name != "python_executable"
    )
