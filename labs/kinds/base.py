"""What every kind of lab step is made of: a parsed spec (`StepKind`), an `Action`, an `Outcome`.

A kind names the action key a lab file writes (`request:`), the keys its spec may take, the
top-level fields of its answer (so a typo in `show:` or `expect:` fails at load time) and how a
spec becomes an `Action`. The loader (labs/model.py) and the runner only talk to these types and
to the table in labs/kinds/__init__.py, so a new kind needs no change to either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from proxylab.context import Context


@dataclass(frozen=True)
class Outcome:
    """What running a step gave: the fields a lab reads, and the raw answer for a mismatch."""

    fields: dict[str, Any]
    raw: str


class Action(Protocol):
    def command(self, context: Context) -> str: ...  # what a person could paste

    def urls(self, context: Context) -> list[str]: ...  # what must answer before the lab starts

    def run(self, context: Context) -> Outcome: ...

    # Optional: `shares(context) -> frozenset[str]`, the services the step restarts or loads. A
    # step that has it may run beside steps that share none of them (labs/side_by_side.py).


def shares(action: Action, context: Context) -> frozenset[str] | None:
    """The services `action` restarts or loads, or None: it may touch anything, so it runs alone."""
    method = getattr(action, "shares", None)
    return None if method is None else method(context)


@dataclass(frozen=True)
class StepKind:
    name: str  # the action key in a lab file
    keys: tuple[str, ...]  # the keys its spec may have; the first is required
    fields: tuple[str, ...]  # the top-level fields of its answer
    build: Callable[[Mapping[str, Any]], Action]
    # It stops, restarts or loads services of the stack: `make test` runs a lab with such a step
    # alone, never beside tests that would meet a stopped service or slow its timing-sensitive
    # counts (tests/labs/test_labs_live.py, proxylab/testphases.py).
    changes_the_stack: bool = False

    def parse(self, spec: Any) -> Action:
        """The action for `spec`; ValueError names what is wrong with it."""
        if not isinstance(spec, Mapping):
            raise ValueError(f"`{self.name}:` takes a mapping ({', '.join(self.keys)}), not {spec!r}")
        unknown = [key for key in spec if key not in self.keys]
        if unknown:
            raise ValueError(
                f"`{self.name}:` has unknown key {unknown[0]!r} (allowed: {', '.join(self.keys)})"
            )
        if self.keys[0] not in spec:
            raise ValueError(f"`{self.name}:` needs `{self.keys[0]}`")
        return self.build(spec)
