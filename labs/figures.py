"""The figures in the labs' prose, and what each one rests on.

The rule (labs/README.md, "Figures"): a figure in a lab's goal, a step's why, a remember line or
README.md is either

  1. asserted or quoted by the lab itself: its number is in the step's action, its `expect`, or
     its evidence (the text an evidence line quotes from a config or a source, or the value of a
     number a `python:` line names); for a goal or a remember line, in any step of that lab; or
  2. read from a measurement record, labs/records/*.json, that lists it for that place and says
     which command regenerates it, on what machine, with which versions, when, and in how many
     runs;

or it goes. README.md has no steps: a value it quotes (a rate a lab sets, a constant of the code)
is backed by an evidence line in QUOTED, which must resolve and contain the figure's numbers.
`unbacked` lists every figure that is none of these, with its file and place;
tests/labs/test_figures.py fails on any.

A figure is a number that measures something: a number with a unit of time, size or share
(`0.5 s`, `39-169 ms`, `32 %`, `86 MB`), a rate (`100 requests a second`, `300 GET/s`), or a
tally (`4 of 53`, `1 run in 8`, `5 runs`, `322 cells`, `2 cores`). A port, a version, an HTTP
status, a lab or step number, a date and an address carry no such unit and are never figures:
they are names, and the evidence lines and the live steps already check the ones that matter.

A record is JSON:

  {"command": "make drift", "machine": "2 cores, Debian 12", "date": "2026-12-06",
   "versions": {"uvicorn": "0.54.0", ...}, "runs": 2,
   "figures": {"README.md: What drift found": ["322 cells", "19 routes"],
               "07 step 10 why": ["39-169 ms"]}}

Places are `NN goal`, `NN step N why`, `NN remember N` and `README.md: <the section's heading>`.
A figure in a record matches the prose's figure as written (spaces aside).
"""

from __future__ import annotations

import json
import pydoc
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proxylab import yamlload
from proxylab.paths import REPO

LABS_DIR = REPO / "labs"
RECORDS_DIR = LABS_DIR / "records"
README = REPO / "README.md"
RECORD_KEYS = ("command", "machine", "date", "versions", "runs", "figures")

_NUMBER = r"\d+(?:[.,]\d+)?½?"
_RANGE = rf"{_NUMBER}(?:\s?(?:-|–|to)\s?{_NUMBER})?"
# A bare `s` needs a space before it (`0.5 s`): `4s` is a config value as a config writes it, and
# `404s` a plural.
_UNITS = (
    r"\s(?:s|seconds?|minutes?|min|hours?|cores?|percent|requests? a second)"
    r"|\s?(?:ms|µs|%|MB|MiB|KB|KiB|kB|GB|GiB|req/s|GET/s|requests/s)"
)
_TALLY_NOUNS = r"runs?|cells?|cell changes|routes|requests lost|lost|503s|502s"
FIGURE = re.compile(
    rf"(?<![\w.:/=-])(?:~\s?|about\s|up to\s)?"
    rf"(?:\d+\s(?:of|in)\s\d+\b(?!\.\d)"  # 4 of 53, 1 in 8
    rf"|\d+\s(?:run|runs)\s(?:in|of)\s\d+\b"  # 1 run in 8, 3 runs of 4
    rf"|{_RANGE}(?:{_UNITS})(?![\w/])"  # 0.5 s, 39-169 ms, 32-39 %
    rf"|{_RANGE}\s(?:{_TALLY_NOUNS})\b)"  # 5 runs, 322 cells, 35-54 503s
)
# A number right after one of these words is a name (lab 14, uvicorn 0.26, port 9106), not a figure.
_NAMING = re.compile(
    r"(?:lab|labs|step|steps|port|ports|uvicorn|starlette|fastapi|traefik|nginx|caddy|haproxy|"
    r"hypercorn|python|go|http|version|rfc|issue|pr|#)\s*$",
    re.IGNORECASE,
)
_DIGITS = re.compile(_NUMBER)


@dataclass(frozen=True)
class Figure:
    file: str  # labs/07-rolling-restart.yaml or README.md
    place: str  # 07 step 3 why, README.md: <heading>
    text: str  # the figure as written
    sentence: str  # the words around it, to find it

    def __str__(self) -> str:
        return f"{self.file}: {self.place}: {self.text!r} in “…{self.sentence}…”"


def figures_in(text: str) -> Iterator[tuple[str, str]]:
    """Each figure in `text` and a few words around it."""
    flat = " ".join(text.split())
    for match in FIGURE.finditer(flat):
        if _NAMING.search(flat[max(0, match.start() - 12) : match.start()]):
            continue
        start, end = max(0, match.start() - 40), min(len(flat), match.end() + 40)
        yield match.group(0).strip(), flat[start:end]


def numbers(text: str) -> set[float]:
    return {
        float(n.replace(",", ".").replace("½", "")) + (0.5 if n.endswith("½") else 0)
        for n in _DIGITS.findall(text)
    }


# README.md's figures that are not measurements but values it quotes: each names, as an evidence
# line (labs/evidence.py), the config or source text it comes from, which must contain its numbers.
QUOTED: dict[tuple[str, str], str] = {
    (
        "README.md: Health, readiness and shutdown",
        "100 GET/s",
    ): "file: labs/07-rolling-restart.yaml: rate: 100",
    ("README.md: Health, readiness and shutdown", "10 s"): "file: labs/07-rolling-restart.yaml: duration: 10",
    ("README.md: What a proxy costs", "5 s"): "file: bench/regress.py: MIN_SECONDS = 5.0",
    (
        "README.md: What a proxy costs",
        "10 %",
    ): "file: bench/regress.py: more than max(5 s, 10 %) of the earlier time",
    ("README.md: Routes", "0.5 s"): "file: app/streams.py: TICK_S = 0.5",
    ("README.md: Two commands", "15 s"): "file: proxylab/native/go_progress.py: PLAIN_EVERY = 15.0",
    ("README.md: Your own app: the doctor", "60 s"): "file: doctor/mounted_ui.py: BUDGET_S = 60.0",
    (
        "README.md: TLS and trust boundaries",
        "8 KB",
    ): "file: suites/oddpaths.py: over the 8 KB many servers allow",
    ("README.md: TLS and trust boundaries", "8 KiB"): "file: suites/oddpaths.py: over one of Nginx's 8 KiB",
    (
        "README.md: TLS and trust boundaries",
        "1.2 MB",
    ): "file: suites/oddpaths.py: HAProxy refuses the 1.2 MB header block",
}


def _flatten(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _flatten(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _flatten(item)
    elif value is not None:
        yield str(value)


def _python_value(reference: str) -> str:
    """The value of a number a `python:` evidence line names (DEFAULT_TIMEOUT_S), else ''."""
    try:
        found = pydoc.locate(reference)  # the module, then its attributes, as labs/evidence.py finds them
    except pydoc.ErrorDuringImport:  # a module that needs what this environment lacks (httptools)
        return ""
    return str(found) if isinstance(found, int | float) and not isinstance(found, bool) else ""


def step_sources(step: dict[str, Any]) -> set[float]:
    """The numbers a step asserts or quotes: its action, its expect and its evidence."""
    texts = list(
        _flatten({key: value for key, value in step.items() if key not in ("title", "why", "evidence")})
    )
    for line in step.get("evidence") or ():
        kind, _, rest = str(line).partition(": ")
        texts.append(_python_value(rest) if kind == "python" else rest)
    return set().union(*(numbers(text) for text in texts)) if texts else set()


def _backed(figure: str, sources: set[float]) -> bool:
    return numbers(figure) <= sources


def lab_figures(path: Path) -> Iterator[tuple[Figure, set[float]]]:
    """Every figure in a lab's goal, whys and remember lines, with the numbers that back it."""
    data = yamlload.safe_load(path.read_text())
    lab, file = path.name[:2], f"labs/{path.name}"
    steps = data.get("steps") or []
    per_step = [step_sources(step) for step in steps]
    everywhere = set().union(*per_step) if per_step else set()
    for text, sentence in figures_in(str(data.get("goal") or "")):
        yield Figure(file, f"{lab} goal", text, sentence), everywhere
    for number, (step, sources) in enumerate(zip(steps, per_step, strict=True), start=1):
        for text, sentence in figures_in(str(step.get("why") or "")):
            yield Figure(file, f"{lab} step {number} why", text, sentence), sources
    for number, line in enumerate(data.get("remember") or [], start=1):
        for text, sentence in figures_in(str(line)):
            yield Figure(file, f"{lab} remember {number}", text, sentence), everywhere


def readme_figures(path: Path = README) -> Iterator[Figure]:
    """Every figure in README.md's prose and tables, outside code blocks, by section."""
    heading, fenced = "(top)", False
    for line in path.read_text().splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            continue
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
            continue
        for text, sentence in figures_in(line):
            yield Figure(path.name, f"{path.name}: {heading}", text, sentence)


def load_records(directory: Path = RECORDS_DIR) -> dict[str, set[str]]:
    """place → the figures the records list for it; ValueError names a record that is not whole."""
    recorded: dict[str, set[str]] = {}
    for record_path in sorted(directory.glob("*.json")) if directory.is_dir() else ():
        record = json.loads(record_path.read_text())
        missing = [key for key in RECORD_KEYS if not record.get(key)]
        if missing:
            raise ValueError(f"{record_path}: a measurement record needs {', '.join(missing)}")
        for place, figures in record["figures"].items():
            recorded.setdefault(place, set()).update(_squeezed(f) for f in figures)
    return recorded


def _squeezed(text: str) -> str:
    return "".join(text.split())


def unbacked(
    lab_paths: Iterable[Path] | None = None,
    readme: Path | None = README,
    records: dict[str, set[str]] | None = None,
) -> list[Figure]:
    """Every figure neither asserted, quoted nor recorded, in file order."""
    records = load_records() if records is None else records
    paths = sorted(LABS_DIR.glob("[0-9][0-9]-*.yaml")) if lab_paths is None else list(lab_paths)
    found = [
        figure
        for path in paths
        for figure, sources in lab_figures(path)
        if not _backed(figure.text, sources)
        and _squeezed(figure.text) not in records.get(figure.place, set())
    ]
    if readme is not None:
        found += [
            figure
            for figure in readme_figures(readme)
            if _squeezed(figure.text) not in records.get(figure.place, set())
            and (figure.place, figure.text) not in QUOTED
        ]
    return found


if __name__ == "__main__":  # python -m labs.figures: the list the test fails with
    for figure in unbacked():
        print(figure)
