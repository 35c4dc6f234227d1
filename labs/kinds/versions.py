"""The kind that swaps the app's Python packages under live routes, for lab 14: `release-set`.

What:
  release-set:  {set, services}   run `services` (app services of compose.yaml) under another
                                  uvicorn/Starlette/FastAPI set (`uvicorn==0.25.0,...` or `pinned`);
                                  its virtualenv is built from PyPI the first time (a minute, with
                                  a message), then cached in ~/.cache/proxylab/drift/
When: listed in KINDS below; lab 14 starts older sets and ends with `set: pinned`.
Why here: like stop/start it changes the stack (restarts processes), natively only: a lab that
uses it says `backends: [native]`. Its command is instruments.releases.restart, which does the same.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from instruments.releases.restart import COMMAND, restart
from labs.kinds.base import Outcome, StepKind
from proxylab.context import Context


@dataclass(frozen=True)
class ReleaseSetAction:
    set: str
    services: tuple[str, ...]

    def command(self, context: Context) -> str:
        return shlex.join([*COMMAND.split(), self.set, *self.services])

    def urls(self, context: Context) -> list[str]:
        return []

    def run(self, context: Context) -> Outcome:
        done = restart(context, self.set, list(self.services), log=lambda line: print(f"  {line}"))
        fields = {"services": ", ".join(done.services), **done.versions, "seconds": done.seconds}
        return Outcome(fields, "\n".join(f"{name}: {value}" for name, value in fields.items()))


def _release_set(spec: Mapping[str, Any]) -> ReleaseSetAction:
    services = spec.get("services")
    if not isinstance(services, list) or not services or not all(isinstance(name, str) for name in services):
        raise ValueError("`services:` is a list of app services of compose.yaml")
    return ReleaseSetAction(str(spec["set"]), tuple(services))


RELEASE_SET = StepKind(
    "release-set",
    ("set", "services"),
    ("services", "uvicorn", "starlette", "fastapi", "seconds"),
    _release_set,
    changes_the_stack=True,
)
KINDS = (RELEASE_SET,)
