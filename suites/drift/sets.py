"""Release sets: which uvicorn, Starlette and FastAPI the app services run, one triple per set.

What: `ReleaseSet` is one triple; `parse_set("uvicorn==0.25.0,starlette==0.32.0.post1")` reads
one (a component left out keeps today's pin); `PINNED` is today's triple, read from
constraints.txt; `DEFAULT_GRID` is the grid `make drift` runs: at least one set on each side of
every change in changelog.py, one component moved at a time where FastAPI's own Starlette range
allows it, ending with today's pins.
When: `make drift SETS="..."`, lab 14 and tests/suites/test_drift.py.
Why: only the app's Python packages change between sets; Traefik, Nginx and compose.yaml stay as
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
        raise ValueError("SETS names no release set; e.g. SETS=\"uvicorn==0.25.0 uvicorn==0.54.0\"")
    return sets


def _grid(*sets: str) -> list[ReleaseSet]:
    return [parse_set(text) for text in sets]


# Each line moves as few components as FastAPI's Starlette range allows (FastAPI 0.108 takes
# Starlette <0.33, 0.109 takes 0.35.x only: no FastAPI runs Starlette 0.33 or 0.34, so #2352 and
# #2400 arrive in one step, together with FastAPI 0.109).
_OLD = "starlette==0.32.0.post1,fastapi==0.108.0"
_STARLETTE_038 = "fastapi==0.112.2"
DEFAULT_GRID: list[ReleaseSet] = _grid(
    f"uvicorn==0.25.0,{_OLD}",                                  # before uvicorn #2213
    f"uvicorn==0.26.0,{_OLD}",                                  # uvicorn #2213
    f"uvicorn==0.30.6,{_OLD}",                                  # the last uvicorn before #2468
    "uvicorn==0.30.6,starlette==0.35.1,fastapi==0.109.0",        # Starlette #2352, #2400; FastAPI 0.109
    f"uvicorn==0.30.6,starlette==0.38.3,{_STARLETTE_038}",      # the last Starlette before #2600
    f"uvicorn==0.30.6,starlette==0.38.4,{_STARLETTE_038}",      # Starlette #2600
    f"uvicorn==0.31.0,starlette==0.38.4,{_STARLETTE_038}",      # uvicorn #2468
    f"uvicorn==0.31.1,starlette==0.38.4,{_STARLETTE_038}",      # uvicorn #2480
    f"uvicorn==0.44.0,starlette==0.38.4,{_STARLETTE_038}",      # the last uvicorn before #2903
    f"uvicorn==0.45.0,starlette==0.38.4,{_STARLETTE_038}",      # uvicorn #2903
    f"uvicorn==0.48.0,starlette==0.38.4,{_STARLETTE_038}",      # uvicorn #2944
    f"uvicorn==0.49.0,starlette==0.38.4,{_STARLETTE_038}",      # uvicorn #2971
    str(PINNED),                                                # today's pins
)
