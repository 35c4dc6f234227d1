"""The reviewed expectation files in labs/expected/: read with errors that say how to mend them.

What: `read_expectation(path, record_with)` returns the parsed JSON of one file, and raises
ProxylabError naming the file, what is wrong and the command that records it again;
`write_expectation(path, data)` writes it indented with one trailing newline.
When: the matrix, the browser checks, the spoofing suite and the odd-paths suite each compare
live behaviour with one of these files, and record it again with their --update.
Why: a missing or hand-broken expectation should read as a next step, not a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from proxylab.errors import ProxylabError
from proxylab.paths import REPO


def read_expectation(path: Path, record_with: str, *, require: str | None = None) -> Any:
    """The file's JSON; `require` names a top-level key it must have (e.g. "routes")."""
    shown = str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ProxylabError(shown, "does not exist", f"record it with `{record_with}`, then review it") from exc
    except ValueError as exc:
        raise ProxylabError(shown, f"is not valid JSON: {exc}", f"restore it from git or run `{record_with}`") from exc
    if require is not None and not (isinstance(data, dict) and isinstance(data.get(require), dict)):
        raise ProxylabError(shown, f"has no `{require}` object", f"restore it from git or run `{record_with}`")
    return data


def write_expectation(path: Path, data: Any, *, sort_keys: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=sort_keys, ensure_ascii=False) + "\n")
    return path
