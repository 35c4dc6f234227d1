"""The records the book's report pages show, read from reports/, and what to run when one is missing.

What: `read(reports_dir, name)` loads one of RECORDS (the matrix, the docs-UI screenshots, the
drift report, the bench, the doctor's last report) as a `Record`: its data, or why there is none
("not recorded yet: run `make matrix`", or the file is not JSON) with the command that makes it.
`expand(text, placeholders)` puts back the values a record's placeholders stood for.
When: labs/book/reports.py reads a record on every request of its page, so a fresh `make matrix`
shows on the next reload, with no restart of the book.
Why: the book is a wing of its own and may not import the suites, the bench or the doctor
(pyproject.toml's import contracts); the JSON each writes is the interface. A missing record is
the normal state of a fresh checkout, so it gets a sentence and a command, never a 500.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# name → (the file under reports/, the command that writes it, what it is)
RECORDS = {
    "matrix": ("matrix.json", "make matrix", "every route × field, compared with the expectation"),
    "gallery": ("screenshots/docs_ui.json", "make screenshots", "Swagger UI and ReDoc per route"),
    "drift": ("drift.json", "make drift", "the matrix across uvicorn/Starlette/FastAPI and proxy releases"),
    "bench": ("bench.json", "make bench", "what each proxy costs: throughput and latency"),
    "doctor": ("doctor.json", "make doctor APP=MODULE:ATTR", "your app behind every proxy: the last verdict"),
}
_PLACEHOLDER = re.compile(r"\{(?:client|upstream:[\w-]+|source:[\w-]+)\}")  # proxylab/context.py's


@dataclass(frozen=True)
class Record:
    """One record: its data when it could be read, else `problem`, a sentence naming `command`."""

    name: str
    path: Path
    command: str
    data: Any = None
    problem: str | None = None


def read(reports_dir: Path, name: str) -> Record:
    """The record `name` (a key of RECORDS) from `reports_dir`."""
    file, command, _ = RECORDS[name]
    return read_file(name, reports_dir / file, command, f"reports/{file}")


def read_file(name: str, path: Path, command: str, shown: str) -> Record:
    """A record at `path` (`shown` to the reader); `command` is what writes it, named in the
    problem when it cannot be read."""
    if not path.is_file():
        return Record(name, path, command, problem=f"not recorded yet: run `{command}` (it writes {shown})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return Record(name, path, command, problem=f"{shown} cannot be read ({error}); run `{command}` again")
    if not isinstance(data, dict):
        return Record(name, path, command, problem=f"{shown} holds no record; run `{command}` again")
    return Record(name, path, command, data)


def backend_records(reports_dir: Path, latest: Record) -> list[Record]:
    """The last matrix of each other backend (reports/matrix.<backend>.json), to compare with."""
    found = []
    for path in sorted(reports_dir.glob("matrix.*.json")):
        backend = path.name.split(".")[1]
        if latest.data is not None and backend != latest.data.get("backend"):
            record = read_file("matrix", path, f"BACKEND={backend} make matrix", f"reports/{path.name}")
            if record.data is not None:
                found.append(record)
    return found


def expand(text: str, placeholders: dict[str, str]) -> str:
    """`{client}` → `127.0.0.77` where the record says so; an unknown placeholder stays as it is."""
    return _PLACEHOLDER.sub(lambda match: placeholders.get(match[0], match[0]), text)
