"""From the probes to a verdict: each configuration's checks and reasons, and what to deploy.

What: `Result` is one configuration's outcome (its Checks, each broken check's reasons with the
lab step that explains it) and its verdict: "broken" when a check is, "not tested" when no
passing check exercised anything the app serves, else "works". `recommend(results)` keeps the
configurations that work;
`deploy(result, spec)` gives what to copy for one of them: the uvicorn command, the same as
`fastapi run`, and the proxy's config (doctor.proxies.snippet, the very text the doctor ran).
When: `doctor.cli`, after the probes; `doctor.report` writes it out.
Why: a user wants the answer for their app, and the configuration to paste, not a lesson only;
and a green light only where something was seen to work: an app with no docs and no routes at
/ once got "works" everywhere after matching 404s.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from doctor.checks import Checks
from doctor.layout import Configuration
from doctor.lessons import Lesson, lesson
from doctor.proxies import snippet

# What the user's proxy is, seen from the app: the doctor's proxies connect from 127.0.0.1.
PROXY_ADDRESS_NOTE = (
    "--forwarded-allow-ips: the address your proxy connects from (the doctor's "
    "proxies ran on 127.0.0.1); in Compose or Kubernetes its IP or subnet, never '*'"
)


NOT_TESTED = (
    "nothing the app serves was checked through it: every path tried answered 404 or nothing "
    "directly too (no docs page, schema, operation, page at / or mount that answers). Pass "
    "--path /a/page/it/serves (repeatable); if the app needs settings to start serving, "
    "--env KEY=VALUE and --uvicorn-arg"
)


@dataclass(frozen=True)
class Reason:
    check: str
    line: str
    lesson: Lesson


@dataclass
class Result:
    config: Configuration
    checks: Checks

    @property
    def reasons(self) -> list[Reason]:
        return [Reason(f.check, f.line, lesson(f, self.config)) for f in self.checks.symptoms]

    @property
    def verdict(self) -> str:
        if any(status == "broken" for status in self.checks.status.values()):
            return "broken"
        return "works" if self.checks.evidence else "not tested"

    @property
    def works(self) -> bool:
        return self.verdict == "works"


def recommend(results: list[Result]) -> list[Result]:
    return [result for result in results if result.works]


def deploy(result: Result, spec: str, uvicorn_args: tuple[str, ...] = ()) -> dict[str, str | None]:
    """The three things to copy for one configuration; `fastapi run` only when no --uvicorn-arg
    was needed (it takes none of uvicorn's other flags)."""
    config = result.config
    root = ["--root-path", config.prefix] if config.server_root_path else []
    uvicorn = [
        "uvicorn",
        spec,
        "--host",
        "0.0.0.0",
        "--port",
        "8000",
        *root,
        "--forwarded-allow-ips",
        "127.0.0.1",
        *uvicorn_args,
    ]
    fastapi_run = [
        "fastapi",
        "run",
        "--entrypoint",
        spec,
        "--port",
        "8000",
        *root,
        "--forwarded-allow-ips",
        "127.0.0.1",
    ]
    return {
        "server_command": shlex.join(uvicorn),
        "fastapi_run": None if uvicorn_args else shlex.join(fastapi_run),
        "proxy_config": snippet(config.proxy, config.strips, config.prefix, "app:8000"),
    }
