"""What a lab looks like on a terminal or a projector: presenter mode and the `verify` lines.

Presenter mode (`make lab N=01`) walks one lab: the goal and time, then for each step its title,
the command a person could paste, a table of the fields that matter with expected beside
actual (green when they agree, red bold when not), why it behaves so, and on a mismatch the raw
response; between steps Enter continues, s skips the next step, q quits (one keypress when stdin
is a terminal, no pause at all when it is not). It ends with what to remember and a tally.
Values are cut to a screen line and a few lines each: a projector cannot show a JSON dump.
"""

from __future__ import annotations

import json
import os
import sys
import termios
import tty
from collections.abc import Mapping
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from labs.fields import text
from labs.model import Lab
from labs.reports import named_versions
from labs.runner import StepResult, Verdict, VerifyRun, run_step, skip_step, target_skips
from proxylab.context import Context

LINE_WIDTH = 80  # characters of one value line in a table cell
MAX_LINES = 8  # lines of one value (a dict of headers shows one header per line)
KEYS = "Enter: next step · s: skip the next step · q: quit"


def present(
    lab: Lab, context: Context, console: Console, interactive: bool | None = None
) -> list[StepResult]:
    """Walk `lab` step by step, pausing between steps when stdin is a terminal."""
    interactive = sys.stdin.isatty() if interactive is None else interactive
    console.print(Rule(Text(f"Lab {lab.number}: {lab.title}", style="bold")))
    console.print(Text(f"{lab.time} · {len(lab.steps)} steps", style="dim"))
    console.print(Text(lab.goal))
    console.print()
    reason = lab.skip_reason(context.backend.name, context.stack)
    if reason:
        console.print(
            Text(
                f"This lab {reason}; the stack runs on {context.backend.name}: every step is skipped.",
                style="yellow",
            )
        )
        return [skip_step(lab, step, context, reason) for step in lab.steps]
    results: list[StepResult] = []
    choice = _pause(console) if interactive else "next"
    for step in lab.steps:
        if choice == "quit":
            break
        if choice == "skip":
            results.append(skip_step(lab, step, context))
            console.print(Text(f"step {step.number} skipped: {step.title}", style="yellow"))
            choice = "next"
            continue
        console.print()
        console.print(
            Rule(Text(f"Step {step.number}/{len(lab.steps)} · {step.title}", style="bold cyan"), align="left")
        )
        console.print(command_text(step.action.command(context)))
        reason = target_skips(step, context)
        if reason is not None:
            results.append(skip_step(lab, step, context, reason))
            console.print(Text(f"skipped: {reason}", style="yellow"))
            continue
        results.append(run_step(lab, step, context))
        console.print(step_details(results[-1], raw=not results[-1].ok))
        if interactive and step is not lab.steps[-1]:
            choice = _pause(console)
    console.print()
    console.print(Rule(Text("Remember", style="bold")))
    bullets = Table.grid(padding=(0, 1))
    for line in lab.remember:
        bullets.add_row("•", Text(line))
    console.print(bullets)
    console.print()
    console.print(tally(results, len(lab.steps)))
    return results


def command_text(command: str) -> Text:
    lines = [Text(line, style="dim" if line.startswith("#") else "bold") for line in command.splitlines()]
    return Text.assemble(("$ ", "bold green"), Text("\n  ").join(lines))


def step_details(result: StepResult, raw: bool) -> Group:
    """The fields table, the why, and (when asked) the raw response."""
    parts: list[Any] = [fields_table(result)]
    if result.step.why:
        parts += [Text(), Text.assemble(("Why: ", "bold"), result.step.why)]
    if result.step.evidence:
        parts.append(Text("Evidence: " + "; ".join(map(str, result.step.evidence)), style="dim"))
    if raw:
        parts.append(
            Panel(
                Text(readable_raw(result.raw)),
                title="the raw response",
                title_align="left",
                border_style="red",
                expand=False,
            )
        )
    return Group(*parts)


def fields_table(result: StepResult) -> Table:
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("")
    table.add_column("field", overflow="fold")
    table.add_column("expected", overflow="fold")
    table.add_column("actual", overflow="fold")
    for verdict in result.verdicts:
        if verdict.expected is None:
            table.add_row("", verdict.field, Text("—", style="dim"), Text(cell(verdict.actual)))
            continue
        style = "green" if verdict.ok else "bold red"
        table.add_row(
            Text("✓" if verdict.ok else "✗", style=style),
            verdict.field,
            Text(expected_cell(verdict), style="green" if verdict.ok else "bold"),
            Text(cell(verdict.actual), style=style),
        )
    return table


def cell(value: Any) -> str:
    """A value for a table cell: a flat mapping one `key: value` per line, a list too long for
    one line one `- item` per line, every line cut at LINE_WIDTH."""
    if (
        isinstance(value, Mapping)
        and value
        and not any(isinstance(v, (Mapping, list)) for v in value.values())
    ):
        lines = [f"{key}: {text(item)}" for key, item in value.items()]
    elif isinstance(value, list) and len(text(value)) > LINE_WIDTH:
        lines = [f"- {text(item)}" for item in value]
    else:
        lines = [text(value)]
    shown = [line if len(line) <= LINE_WIDTH else line[: LINE_WIDTH - 1] + "…" for line in lines[:MAX_LINES]]
    if len(lines) > MAX_LINES:
        shown.append(f"… {len(lines) - MAX_LINES} more")
    return "\n".join(shown)


def readable_raw(raw: str, max_lines: int = 40) -> str:
    """Response.raw() for a screen: a JSON body indented, one key per line, and cut at `max_lines`."""
    head, separator, body = raw.partition("\n\n")
    try:
        body = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        pass
    lines = f"{head}{separator}{body}".splitlines()
    return "\n".join(
        lines[:max_lines] + ([f"… {len(lines) - max_lines} more lines"] if len(lines) > max_lines else [])
    )


def expected_cell(verdict: Verdict) -> str:
    """The expected value laid out like the actual one; a matcher as its description."""
    return cell(verdict.expected_data) if verdict.kind == "equals" else cell(verdict.expected or "")


def tally(results: list[StepResult], total: int) -> Text:
    ran = [result for result in results if not result.skipped]
    failed = [result for result in ran if not result.ok]
    words = [f"{len(ran) - len(failed)} of {total} steps as expected"]
    if failed:
        words.append(f"{len(failed)} not: " + ", ".join(f"step {r.step.number}" for r in failed))
    if len(ran) < len(results):
        words.append(f"{len(results) - len(ran)} skipped")
    if len(results) < total:
        words.append(f"{total - len(results)} not run (quit)")
    return Text("; ".join(words), style="bold red" if failed else "bold green")


# --- verify: one line per step ------------------------------------------------------------------


def verify_header(run: VerifyRun) -> Group:
    """What ran: the backend, when, and the version of each component (first lines of the output)."""
    grid = Table.grid(padding=(0, 2))
    for name, version in named_versions(run.versions).items():
        grid.add_row(name, version)
    lines = [Text(f"labs verified on the {run.backend} backend, {run.timestamp}", style="bold")]
    if run.target is not None:
        lines.append(Text(f"against the target in {run.target['file']} (PROXYLAB_TARGET):", style="bold"))
        lines += [Text(f"  {published} → {served}") for published, served in run.target["routes"].items()]
    return Group(*lines, grid, Text())


def verify_line(result: StepResult) -> Group:
    if result.skipped:
        return Group(
            Text(
                f"- {result.lab.number} step {result.step.number}  {result.step.title}  "
                f"(skipped: {result.skip_reason})",
                style="yellow",
            )
        )
    mark = Text("✓ ", style="green") if result.ok else Text("✗ ", style="bold red")
    line = mark + Text(f"{result.lab.number} step {result.step.number}  {result.step.title}")
    if result.ok:
        return Group(line)
    return Group(line, command_text(result.command), step_details(result, raw=True), Text())


def verify_summary(run: VerifyRun) -> Text:
    failed = [result for result in run.results if not result.ok]
    skipped = [result for result in run.results if result.skipped]
    labs = len({result.lab.name for result in run.results})
    held = len(run.results) - len(failed) - len(skipped)
    summary = f"{len(run.results)} steps in {labs} lab{'s' if labs != 1 else ''}: {held} as expected"
    where = "by the target" if run.target is not None else "on this backend"
    summary += f", {len(skipped)} skipped {where}" if skipped else ""
    return Text(
        summary + (f", {len(failed)} not" if failed else ""), style="bold red" if failed else "bold green"
    )


def _pause(console: Console) -> str:
    """Wait for one key: "next", "skip" or "quit"."""
    console.print(Text(KEYS, style="dim"), end="")
    try:
        while True:
            key = _read_key()
            if key in ("\n", "\r", " "):
                return "next"
            if key in ("s", "S"):
                return "skip"
            if key in ("q", "Q", "\x04", ""):
                return "quit"
    finally:
        console.print()


def _read_key() -> str:
    """One keypress, without waiting for Enter: cbreak mode, restored afterwards. TCSANOW keeps
    keys typed ahead (a scripted run pipes them all at once); "" on end of input."""
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd, termios.TCSANOW)
        return os.read(fd, 1).decode(errors="replace")
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
