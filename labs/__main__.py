"""`python -m labs`: list the labs, present one, verify them all (CI), or write the handouts.

  python -m labs list                  number, title, time and steps of every lab
  python -m labs present 01            present lab 01 step by step (`make lab N=01`)
  python -m labs verify [01 ...]       every lab (or those named) as assertions (`make labs`)
  python -m labs handouts [01 ...]     reports/handouts/NN-slug.md from a real run (`make handouts`)

Exit status (proxylab/exits.py): 0 every step as expected; 1 a step was not; 2 a lab file is
malformed, the command line is, the stack is not running or another fault a person can fix;
130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from labs import handouts, present, reports, runner
from labs.model import LabFileError, load_lab, select
from proxylab.context import connect
from proxylab.exits import EXPECTATION_FAILED, FAULT, OK, run_main
from proxylab.paths import REPORTS_DIR


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m labs", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="number, title, time and step count of every lab")
    shown = commands.add_parser("present", help="present labs step by step, pausing between steps")
    shown.add_argument("labs", nargs="*", metavar="LAB", help="lab numbers (01) or names")
    verify = commands.add_parser(
        "verify", help="labs as assertions on live traffic: no pauses, one line per step"
    )
    verify.add_argument(
        "labs", nargs="*", metavar="LAB", help="lab numbers (01) or names; every lab when none"
    )
    verify.add_argument("--reports", type=Path, default=REPORTS_DIR, help="where junit.xml and labs.json go")
    handout = commands.add_parser(
        "handouts", help="write reports/handouts/NN-slug.md from a real run of each lab"
    )
    handout.add_argument("labs", nargs="*", metavar="LAB")
    handout.add_argument("--out", type=Path, default=handouts.HANDOUTS_DIR)
    args = parser.parse_args(argv)
    if args.command == "present" and not args.labs:
        parser.error(
            "name the lab to present: `python -m labs present 01` (`python -m labs list` shows them)"
        )
    # A log (CI, a pipe) is read in a wide window: 120 columns there, the terminal's own width here.
    console = Console(highlight=False, width=None if sys.stdout.isatty() or "COLUMNS" in os.environ else 120)
    command = {"list": _list, "present": _present, "verify": _verify, "handouts": _handouts}[args.command]
    return run_main(lambda: command(args, console))


def _list(args: argparse.Namespace, console: Console) -> int:
    table = Table(show_edge=False, header_style="bold")
    for column in ("lab", "title", "time", "steps"):
        table.add_column(column)
    errors = []
    for path in select([]):
        try:
            lab = load_lab(path)
        except LabFileError as error:
            errors.append(error)
            table.add_row(
                path.name[:2], Text(f"{path.name}: cannot be loaded (below)", style="bold red"), "", ""
            )
            continue
        table.add_row(lab.number, lab.title, lab.time, str(len(lab.steps)))
    console.print(table)
    for error in errors:
        console.print(error.render(), markup=False, soft_wrap=True)
    return FAULT if errors else OK


def _present(args: argparse.Namespace, console: Console) -> int:
    labs = [load_lab(path) for path in select(args.labs)]
    context = connect()
    runner.require_stack(labs, context)
    ok = True
    for lab in labs:
        ok = all(result.ok for result in present.present(lab, context, console)) and ok
    return OK if ok else EXPECTATION_FAILED


def _verify(args: argparse.Namespace, console: Console) -> int:
    run = runner.verify(
        select(args.labs),
        on_start=lambda run: console.print(present.verify_header(run)),
        on_step=lambda result: console.print(present.verify_line(result)),
    )
    written = reports.write_reports(run, args.reports)
    console.print()
    console.print(present.verify_summary(run))
    console.print(f"reports: {', '.join(str(path) for path in written)}", style="dim")
    return OK if run.ok else EXPECTATION_FAILED


def _handouts(args: argparse.Namespace, console: Console) -> int:
    written = handouts.generate(select(args.labs), args.out)
    for path, ok in written:
        console.print(
            f"{'✓' if ok else '✗ (not every step as expected)'} {path}", style=None if ok else "bold red"
        )
    return OK if all(ok for _, ok in written) else EXPECTATION_FAILED


if __name__ == "__main__":
    sys.exit(main())
