"""The doctor's verdict written out: reports/doctor.md, reports/doctor.json and the terminal.

What: `as_json(run)` is the machine-readable verdict (the shape below); `as_markdown(run)` the
same for a person (the grid, what to deploy, why each broken configuration breaks, and every
request sent); `show(run, console)` prints the grid and the recommendation with rich.
When: `doctor.cli` at the end of every run.
Why: the JSON is what a CI job keeps and diffs; the Markdown is what a developer reads; both
say which versions gave the verdict.

JSON: {"app", "prefix", "app_dir", "python", "versions", "browser",
       "configurations": [{"proxy", "strips", "server_root_path", "url",
                           "checks": {"docs_ui", "schema", "operations", "redirects", "static",
                                      "mounts"}  (each "ok", "broken" or "n/a"),
                           "reasons": [{"check", "reason", "lab", "step", "why"}],
                           "notes", "requests"}],
       "recommended": [{"proxy", "strips", "server_root_path", "server_command", "fastapi_run",
                        "proxy_config"}]}
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from doctor.lessons import Lesson
from doctor.probes import CHECKS
from doctor.verdict import PROXY_ADDRESS_NOTE, Reason, Result, deploy, recommend

MARK = {"ok": "[green]ok[/]", "broken": "[bold red]broken[/]", "n/a": "[dim]n/a[/]"}


@dataclass
class Run:
    spec: str
    prefix: str
    app_dir: str
    python: str
    versions: dict[str, str | None]
    browser: str  # "Chromium 142.0…" or why the browser check did not run
    results: list[Result]


def as_json(run: Run) -> dict:
    return {
        "app": run.spec,
        "prefix": run.prefix,
        "app_dir": run.app_dir,
        "python": run.python,
        "versions": run.versions,
        "browser": run.browser,
        "configurations": [
            {
                "proxy": r.config.proxy,
                "strips": r.config.strips,
                "server_root_path": r.config.server_root_path,
                "url": r.config.public_base,
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
                **deploy(r, run.spec),
            }
            for r in recommend(run.results)
        ],
    }


def as_markdown(run: Run) -> str:
    lines = [f"# proxylab doctor: `{run.spec}` behind `{run.prefix}`", ""]
    lines += [f"Versions: {_versions(run)}. Browser: {run.browser}.", ""]
    lines += [
        "## Verdict",
        "",
        "| configuration | " + " | ".join(CHECKS) + " |",
        "|---" * (len(CHECKS) + 1) + "|",
    ]
    for r in run.results:
        lines.append(
            f"| `{r.config.label}` | " + " | ".join(_cell(r.checks.status[c]) for c in CHECKS) + " |"
        )
    lines += ["", "## What to deploy", ""]
    chosen = recommend(run.results)
    if not chosen:
        lines += [
            "No configuration works for this app as it is: every one has a broken check. "
            "The reasons below say what breaks and which lab step shows why; "
            "fix the app, then run the doctor again.",
            "",
        ]
    for mode in dict.fromkeys(r.config.server_root_path for r in chosen):
        same = [r for r in chosen if r.config.server_root_path == mode]
        parts = deploy(same[0], run.spec)
        lines += [
            f"### The app: {same[0].config.app.label}",
            "",
            "```sh",
            parts["server_command"],
            "# or, with fastapi-cli:",
            parts["fastapi_run"],
            "```",
            "",
            PROXY_ADDRESS_NOTE + ".",
            "",
            "Behind any of: " + ", ".join(f"`{r.config.label}`" for r in same),
            "",
        ]
        for r in same:
            lines += [
                f"#### `{r.config.label}`",
                "",
                "```",
                deploy(r, run.spec)["proxy_config"].rstrip(),
                "```",
                "",
            ]
    lines += ["## Why each broken configuration breaks", ""]
    for r in run.results:
        if not r.reasons:
            continue
        lines += [f"### `{r.config.label}` ({r.config.public_base})", ""]
        for lesson, reasons in _by_lesson(r.reasons).items():
            lines += [f"- **{x.check}**: {x.line}" for x in reasons]
            lines += [
                f"  - why: {lesson.why}. Shown in lab {lesson.lab}, step “{lesson.step}” (`{lesson.command}`)"
            ]
        lines.append("")
    lines += ["## Requests sent", ""]
    for r in run.results:
        lines += [
            f"<details><summary><code>{r.config.label}</code>: {len(r.checks.sent)} requests</summary>",
            "",
            "```",
        ]
        lines += r.checks.sent + [f"# {note}" for note in r.checks.notes]
        lines += ["```", "</details>", ""]
    return "\n".join(lines)


def show(run: Run, console: Console) -> None:
    console.print(
        f"[bold]{run.spec}[/] behind [bold]{run.prefix}[/]  ({_versions(run)}; browser: {run.browser})"
    )
    table = Table("configuration", *CHECKS, "labs that explain it")
    for r in run.results:
        labs = " ".join(sorted({x.lesson.lab for x in r.reasons}))
        table.add_row(r.config.label, *(MARK[r.checks.status[c]] for c in CHECKS), labs)
    console.print(table)
    chosen = recommend(run.results)
    if chosen:
        console.print("[bold green]works:[/] " + ", ".join(r.config.label for r in chosen))
    else:
        console.print(
            "[bold red]no configuration works for this app as it is[/]; the report says what breaks and why"
        )


def _by_lesson(reasons: list[Reason]) -> dict[Lesson, list[Reason]]:
    grouped: dict[Lesson, list[Reason]] = {}
    for reason in reasons:
        grouped.setdefault(reason.lesson, []).append(reason)
    return grouped


def _cell(status: str) -> str:
    return {"ok": "ok", "broken": "**broken**", "n/a": "n/a"}[status]


def _versions(run: Run) -> str:
    return ", ".join(
        f"{name} {version or 'not installed'}"
        for name, version in run.versions.items()
        if name != "python_executable"
    )
