"""`python -m instruments.releases.restart SET SERVICE...`: app services under another release set.

What: on the running native stack, stops the named app services and starts them again with the
set's uvicorn, Starlette and FastAPI (its virtualenv is built first if the cache lacks it), then
waits until each answers on its port. SET is `uvicorn==0.25.0[,starlette==...,fastapi==...]`
(left-out components keep today's pins) or `pinned` for proxylab's own .venv. Prints the
versions now running. The proxies are not touched.
When: lab 14's `release-set` steps run exactly this; by hand, to try one route under an old set
(`make down` or `python -m instruments.releases.restart pinned ...` puts things back).
Why: the quickest way to see one upgrade's effect on live traffic is to swap only the app.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

from instruments.releases.apps import app_services, run_apps
from instruments.releases.envs import ensure_env, installed
from instruments.releases.sets import PINNED, parse_set
from proxylab.context import Context, connect
from proxylab.errors import ProxylabError
from proxylab.exits import run_main

COMMAND = "python -m instruments.releases.restart"


@dataclass(frozen=True)
class Restarted:
    services: list[str]
    versions: dict[str, str]
    seconds: float


def restart(context: Context, set_text: str, services: list[str], log=print) -> Restarted:
    release_set = PINNED if set_text.strip() == "pinned" else parse_set(set_text)
    known = app_services(context.stack)
    unknown = [name for name in services if name not in known]
    if unknown or not services:
        raise ProxylabError(
            f"service {unknown[0] if unknown else '(none)'}",
            "is not an app service of compose.yaml",
            f"name one or more of: {', '.join(known)}",
        )
    began = time.monotonic()
    env = ensure_env(release_set, log=log)
    run_apps(context.backend, env, services, healthy=False)
    return Restarted(services, installed(env), round(time.monotonic() - began, 1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("set", help='e.g. "uvicorn==0.25.0" or "pinned"')
    parser.add_argument("services", nargs="+", help="app services of compose.yaml")
    args = parser.parse_args(argv)

    def body() -> int:
        done = restart(connect(), args.set, args.services)
        versions = ", ".join(f"{name} {version}" for name, version in done.versions.items())
        print(f"{', '.join(done.services)}: now {versions} ({done.seconds} s)")
        return 0

    return run_main(body)


if __name__ == "__main__":
    sys.exit(main())
