"""Shared fixtures: the compose model, the stack (started once per session), HTTP.

A session runs on one backend: native (local processes: uvicorn and the four proxies) unless
BACKEND=compose (a real Docker engine; `make test` runs the stack tests a second time that way
when an engine answers). The stack fixture starts every service of compose.yaml and stops them
at the end; if a healthy stack already runs on that backend (`make up`), the session reuses it
and leaves it running. When a test that uses the stack fails, the last lines of every service's
log are attached to its report.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
import requests
from suite_times import (  # noqa: F401  (hooks)
    charge_stack,
    pytest_runtest_logreport,
    pytest_runtest_protocol,
    pytest_terminal_summary,
)

from instruments.chromium.driver import Browser, chromium_missing, open_browser
from proxylab import compose
from proxylab.backend import Backend, choose
from proxylab.certs import CA_FILE, ensure_certs
from proxylab.context import Context
from proxylab.paths import CERTS_DIR

# The backend this session's stack runs on.
BACKEND = os.environ.get("BACKEND", "").strip().lower() or "native"


def pytest_report_header() -> str:
    return f"proxylab: stack tests on the {BACKEND} backend"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Lifecycle tests start and stop stacks of their own on the same ports: run them before the
    # session stack exists.
    items.sort(key=lambda item: 0 if item.get_closest_marker("lifecycle") else 1)


def pytest_sessionstart(session: pytest.Session) -> None:
    # `python -m proxylab up` generates .run/certs before any backend starts; the stacks the tests
    # start themselves (Backend.up) need the same files for the proxies' TLS routes.
    ensure_certs()


@pytest.fixture(scope="session")
def stack() -> compose.Stack:
    return compose.load()


@pytest.fixture(scope="session")
def backend(stack: compose.Stack) -> Backend:
    return choose(stack, log=lambda line: print(f"[stack] {line}"), wanted=BACKEND)


@pytest.fixture(scope="session")
def running_stack(backend: Backend, stack: compose.Stack):
    """The stack on this session's backend, healthy; started here unless `make up` already runs it."""
    statuses = backend.status()
    if statuses and all(s.is_healthy for s in statuses):
        yield stack
        return
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # Each worker would start its own stack on the same ports.
        pytest.fail(
            f"with pytest -n, the stack must already run: `BACKEND={BACKEND} python -m proxylab up` first "
            "(`make test` does), or run pytest without -n",
            pytrace=False,
        )
    started = time.monotonic()
    backend.up()
    charge_stack(time.monotonic() - started)
    yield stack
    started = time.monotonic()
    backend.down()
    charge_stack(time.monotonic() - started)


@pytest.fixture(scope="session")
def live_context(running_stack: compose.Stack, backend: Backend) -> Context:
    """What labs and suites need of the running stack: compose.yaml and its backend."""
    return Context(running_stack, backend)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, started once per session (pytest worker) for every test that drives it.

    One per process, not one per module: Playwright's sync API runs an event loop in the thread
    that opened it, so a second one opened while the first lives fails ("using Playwright Sync
    API inside the asyncio loop"). Skipped, with what to install, where Chromium is absent; CI
    installs it, so there these tests always run."""
    missing = chromium_missing()
    if missing:
        pytest.skip(missing)
    with open_browser() as running:
        yield running


@pytest.fixture(scope="session")
def http() -> requests.Session:
    """A client that talks to loopback directly, never through a proxy from the environment."""
    session = requests.Session()
    session.trust_env = False
    # The TLS routes (lab 08) serve a certificate from the lab's own CA, and nothing else is trusted.
    session.verify = str(CERTS_DIR / CA_FILE)
    return session


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed or "running_stack" not in item.fixturenames:
        return
    backend: Backend = item._request.getfixturevalue("backend")
    logs = "\n\n".join(f"==> {name} <==\n{backend.tail(name, 15)}" for name in backend.stack.services)
    report.sections.append(("service logs (last 15 lines each)", logs))
