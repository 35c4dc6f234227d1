"""Labs and results built without a stack: a `FakeAction` answers with fixed fields, so the
runner, the presenter and the reports can be checked on a known mismatch."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labs.fields import parse_expectation
from labs.kinds import Outcome
from labs.model import Lab, Step
from proxylab.context import Context


@dataclass(frozen=True)
class FakeAction:
    """A step action that answers with `fields` and never touches the network."""

    fields: dict[str, Any]
    raw: str = "HTTP/1.1 200 OK\ncontent-type: application/json\n\n{}"
    url: str = "http://127.0.0.1:8000/app"
    ran: list[str] = field(default_factory=list)

    def command(self, context: Context) -> str:
        return f"curl -s -i {self.url}"

    def urls(self, context: Context) -> list[str]:
        return [self.url]

    def run(self, context: Context) -> Outcome:
        self.ran.append(self.url)
        return Outcome(self.fields, self.raw)


def fake_step(
    number: int = 1,
    title: str = "The app, directly",
    fields: dict[str, Any] | None = None,
    show: tuple[str, ...] = (),
    expect: dict[str, Any] | None = None,
    why: str = "Because.",
) -> Step:
    action = FakeAction(fields if fields is not None else {"status": 200, "body": {"path": "/app"}})
    expectations = {name: parse_expectation(raw) for name, raw in (expect or {}).items()}
    return Step(number, title, "request", action, show, expectations, why)


def fake_lab(*steps: Step, name: str = "01-fake-lab") -> Lab:
    return Lab(
        Path(f"/labs/{name}.yaml"),
        "A fake lab",
        "5 minutes",
        "See what a fake does.",
        steps,
        ("Fakes never fail to answer.",),
    )
