"""The one error type the stack tooling raises for things a person can fix."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping


class ProxylabError(Exception):
    """A fault with a name, a cause and a next step, printed without a traceback.

    Example: ProxylabError("port 9999", "already in use by pid 4121 (traefik)",
                           "run `make down`, or stop that process")
    """

    def __init__(self, thing: str, cause: str, next_step: str, details: str = "") -> None:
        self.thing = thing
        self.cause = cause
        self.next_step = next_step
        self.details = details
        super().__init__(f"{thing}: {cause}")

    def render(self) -> str:
        text = f"error: {self.thing}: {self.cause}\n  next: {self.next_step}"
        if self.details:
            text += "\n" + "\n".join(f"  | {line}" for line in self.details.splitlines())
        return text


def run_command(body: Callable[[], int], faults: Mapping[type[ProxylabError], int] | None = None) -> int:
    """Run a command line's body and return its exit status; the faults a person can fix are
    printed, never raised: a ProxylabError's message and next step go to stderr and the status is
    the first of `faults` it is an instance of (3 by default); Ctrl-C exits 130 with one line."""
    try:
        return body()
    except ProxylabError as error:
        print(error.render(), file=sys.stderr)
        return next((code for kind, code in (faults or {}).items() if isinstance(error, kind)), 3)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
