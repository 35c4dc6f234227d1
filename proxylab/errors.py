"""The one error type the stack tooling raises for things a person can fix.

Every command line prints it and exits 2 (proxylab/exits.py).
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

    def render(self) -> str:
        text = f"error: {self.thing}: {self.cause}\n  next: {self.next_step}"
        if self.details:
            text += "\n" + "\n".join(f"  | {line}" for line in self.details.splitlines())
        return text
