"""The one error type the stack tooling raises for things a person can fix.

Every command line prints it and exits 2 (proxylab/exits.py). Notes added to it (a cleanup that
failed after it: proxylab/cleanup.py) print after it, never in its place.
"""

from __future__ import annotations


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

    def render(self, heading: str = "error") -> str:
        """`heading: thing: cause`, the next step, the details; then each note on lines of its own."""
        text = f"{heading}: {self.thing}: {self.cause}\n  next: {self.next_step}"
        if self.details:
            text += "\n" + "\n".join(f"  | {line}" for line in self.details.splitlines())
        for note in getattr(self, "__notes__", []):
            text += "\n" + note
        return text
