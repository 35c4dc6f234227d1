"""Shared fixtures: the compose model, the native stack (started once per session), HTTP.

The stack fixture starts every service of compose.yaml as a real local process (uvicorn,
Traefik, Nginx) and stops them at the end. If `make up` already runs a healthy native stack,
the session reuses it and leaves it running. When a test that uses the stack fails, the last
lines of every service's log are attached to its report.
"""

from __future__ import annotations

import pytest
import requests

from proxylab import compose
from proxylab.backend import Backend, choose
from proxylab.certs import CA_FILE, ensure_certs
from proxylab.paths import CERTS_DIR


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
def native(stack: compose.Stack) -> Backend:
    return choose(stack, log=lambda line: print(f"[stack] {line}"), wanted="native")


@pytest.fixture(scope="session")
def running_stack(native: Backend, stack: compose.Stack):
    """The native stack, healthy; started here unless `make up` already runs it."""
    statuses = native.status()
    if all(s.is_healthy for s in statuses):
        yield stack
        return
    native.up()
    yield stack
    native.down()


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
    native: Backend = item._request.getfixturevalue("native")
    logs = "\n\n".join(f"==> {name} <==\n{native.tail(name, 15)}" for name in native.stack.services)
    report.sections.append(("service logs (last 15 lines each)", logs))
