"""Release sets: which uvicorn, Starlette and FastAPI the app services run, one triple per set.

What: `ReleaseSet` is one triple; `parse_set("uvicorn==0.25.0,starlette==0.32.0.post1")` reads
one (a component left out keeps today's pin); `parse_sets` reads several (SETS=); `PINNED` is
today's triple, read from constraints.txt. Which sets `make drift` runs by default is the drift
suite's choice (suites/drift/grid.py's DEFAULT_GRID), not this module's.
When: `make drift SETS="..."`, lab 14's `release-set` steps and tests/suites/test_drift.py.
Why: only the app's Python packages change between sets; the proxies and compose.yaml stay as
they are, so every difference in the grid is one of these three packages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from proxylab.paths import REPO

COMPONENTS = ("uvicorn", "starlette", "fastapi")
_PIN = re.compile(r"^\s*(uvicorn|starlette|fastapi)\s*==\s*([0-9][0-9A-Za-z.+-]*)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ReleaseSet:
    uvicorn: str
    starlette: str
    fastapi: str

    @property
    def components(self) -> tuple[str, ...]:
        """What a set names, in order (a proxy's release, ProxyVersion, names its proxy)."""
        return COMPONENTS

    def version(self, component: str) -> str:
        return getattr(self, component)

    def as_dict(self) -> dict[str, str]:
        return {name: self.version(name) for name in COMPONENTS}

    @property
    def requirements(self) -> list[str]:
        return [f"{name}=={self.version(name)}" for name in COMPONENTS]

    @property
    def label(self) -> str:
        """`u0.25.0 s0.32.0.post1 f0.108.0`: short enough for a column title."""
        return " ".join(f"{name[0]}{self.version(name)}" for name in COMPONENTS)

    def __str__(self) -> str:
        return ",".join(self.requirements)


def _pinned() -> ReleaseSet:
    """Today's triple, as constraints.txt locks it (the versions `make test` runs)."""
    found = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        match = _PIN.match(line)
        if match:
            found[match[1].lower()] = match[2]
    return ReleaseSet(**found)


PINNED = _pinned()


def parse_set(text: str) -> ReleaseSet:
    """`uvicorn==0.25.0,starlette==0.32.0.post1,fastapi==0.108.0`; missing components are pinned."""
    pins = PINNED.as_dict()
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        match = _PIN.match(part)
        if match is None:
            raise ValueError(f"release set {text!r}: {part!r} is not uvicorn==X, starlette==X or fastapi==X")
        pins[match[1].lower()] = match[2]
    return ReleaseSet(**pins)


def parse_sets(text: str) -> list[ReleaseSet]:
    """SETS: release sets separated by spaces (or new lines), each as parse_set reads it."""
    sets = [parse_set(word) for word in text.split()]
    if not sets:
        raise ValueError('SETS names no release set; e.g. SETS="uvicorn==0.25.0 uvicorn==0.55.0"')
    return sets
