"""A step of every kind, run from the lab book in Chromium through the session's stack, on either
backend: what each card renders after Run (values, verdicts, the hop picture), a step made to
fail marked as one, and Run's round trip through each proxy.

The book (`python -m labs.book --presenter`, tests/labs/book_server.py) serves three lab files
written here: the kinds that leave the stack as it is (request through each proxy, docs, reuse,
keepalive, websocket, sse, bench-report, and a request made to fail), the kinds that stop,
restart or load services (stop, start, probe-sim, rolling-restart, bench: `alone`, as
proxylab/testphases.py runs them), and release-set, native only (lab 14's rule), which a
Compose session shows skipped. The presenter's page runs all of them: Chromium's POST carries
the book's own Origin from a loopback peer (labs/book/room.py). Screenshots: reports/book/.
When one fails, the book shows a kind otherwise than `make labs` runs it: no values, a verdict
the runner did not give, a failing step that looks like a passing one, or a refused Run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from book_server import Book, blank, serve_book
from playwright.sync_api import Locator, Page

from instruments.chromium.driver import Browser, screenshot
from labs.kinds import KINDS
from labs.model import find_labs, load_lab
from proxylab.context import Context
from proxylab.paths import REPORTS_DIR

pytestmark = pytest.mark.stack

SHOTS = REPORTS_DIR / "book"
PROXIES = {"traefik": 9999, "nginx": 9102, "caddy": 9202, "haproxy": 9302}
READS = "01-every-kind-that-reads"
CHANGES = "02-every-kind-that-changes-the-stack"
RELEASES = "03-release-set"
_REQUEST = """\
  - title: Through {proxy}
    request: {{url: "http://127.0.0.1:{port}/api/v1/app"}}
    expect: {{status: 200, body.path: /api/v1/app, body.root_path: /api/v1}}
    why: The route strips /api/v1 and uvicorn's --root-path puts it back.
"""
LAB_FILES = {
    READS: "title: Every kind that reads\ntime: 2 minutes\n"
    + "goal: Each kind that leaves the stack as it is.\nsteps:\n"
    + "".join(_REQUEST.format(proxy=proxy, port=port) for proxy, port in PROXIES.items())
    + """\
  - title: Made to fail
    request: {url: "http://127.0.0.1:9999/api/v1/app"}
    expect: {status: 200, body.path: /app}
    why: Wrong on purpose; uvicorn's --root-path puts /api/v1 back in front of the path.
  - title: The docs page through Traefik
    docs: {url: "http://127.0.0.1:9999/api/v1/docs"}
    show: [openapi_url]
    expect: {status: 200, schema.status: 200}
    why: The page names its schema under the prefix, and Traefik serves it there (lab 01).
  - title: Two requests through Nginx
    reuse: {url: "http://127.0.0.1:9102/api/v1/app", gap: 0.2}
    expect: {statuses: [200, 200]}
    why: Two requests, and the ports the app saw them from (lab 16).
  - title: Two GETs on one connection
    keepalive: {url: "http://127.0.0.1:8001/health/live", idle: 0.2}
    expect: {first: "200", second: "200"}
    why: Well inside uvicorn's keep-alive timeout, the connection still carries a request (lab 07).
  - title: A WebSocket through Nginx
    websocket: {url: "ws://127.0.0.1:9102/api/v1/ws"}
    expect: {status: 101, echo: hello}
    why: Nginx passes Upgrade and Connection on for this route (lab 12).
  - title: An event stream through Traefik
    sse: {url: "http://127.0.0.1:9002/api/v1/stream?ticks=2"}
    expect: {status: 200, events: [tick 1, tick 2, bye done]}
    why: Traefik flushes an event stream after every write (lab 12).
  - title: The last bench
    bench-report: {file: reports/bench.json}
    show: [found]
    why: The last `make bench`, or how to make one (lab 10).
""",
    CHANGES: """\
title: Every kind that changes the stack
steps:
  - title: A replica stops
    stop: {service: app-plain-replica-2}
    expect: {state: stopped}
    why: The presenter's page may stop a service; a reader's may not.
  - title: It starts again
    start: {service: app-plain-replica-2}
    expect: {state: healthy}
    why: Started again and waited for until healthy, so the stack ends as it began.
  - title: The kubelet's view of a healthy instance
    probe-sim: {url: "http://127.0.0.1:8010", duration: 2, readiness: {periodSeconds: 1}}
    show: [decision]
    why: The kubelet's probes, simulated against an instance nobody restarts (lab 06).
  - title: A replica restarted under load
    rolling-restart: {url: "http://127.0.0.1:9021/api/v1/app", replica: app-plain-replica-1,
                      rate: 20, duration: 3, signal_at: 1}
    expect: {requests: 60}
    why: A steady load while the replica is stopped and started (lab 07).
  - title: A second of load per target
    bench: {path: /app, seconds: 1}
    expect: {traefik.errors: 0, haproxy.errors: 0}
    why: wrk through each proxy and directly (lab 10).
""",
    RELEASES: """\
title: The app under today's pins again
backends: [native]
steps:
  - title: Back to today's pins
    release-set: {set: pinned, services: [app-plain-replica-2]}
    expect: {uvicorn: 0.55.0}
    why: The replica restarted from proxylab's own virtualenv (lab 14).
""",
}
measured: dict[str, float] = {}


@pytest.fixture(scope="module")
def book(live_context: Context, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Book]:
    labs = tmp_path_factory.mktemp("book-kinds")
    for name, text in LAB_FILES.items():
        (labs / f"{name}.yaml").write_text(text, encoding="utf-8")
    backend = live_context.backend.name
    with serve_book(backend, labs, presenter=True) as served:
        measured["start_to_first_page_s"] = served.first_page_s
        yield served
    SHOTS.mkdir(parents=True, exist_ok=True)
    out = SHOTS / f"measured.kinds.{backend}.json"
    old = json.loads(out.read_text()) if out.is_file() else {}
    out.write_text(json.dumps(old | measured, indent=2) + "\n", encoding="utf-8")


@pytest.fixture
def lab_page(book: Book, browser: Browser) -> Iterator[Page]:
    """A tab for one test, closed after it; pages open with ?projector=0 and follow nothing."""
    browser.guard.take()
    page, log = browser.page()
    page.set_default_timeout(60_000)  # a bench or a rolling restart runs for seconds
    try:
        yield page
        assert log.page_errors == [] and browser.guard.take() == []
    finally:
        page.close()


def shot(card: Locator, name: str) -> None:
    """The card's picture in reports/book/, which must show a drawn card."""
    path = SHOTS / f"kinds-{name}.png"
    screenshot(card, path)  # type: ignore[arg-type]  # a Locator takes the same screenshot options
    assert blank(path) is None


def run(page: Page, number: int) -> str:
    """Click Run on step `number` and wait for its verdict: the card's status line."""
    page.click(f"#step-{number} button.run")
    status = f"#step-{number} .status"
    page.wait_for_function(
        "sel => !['', 'running…'].includes(document.querySelector(sel).textContent)", arg=status
    )
    return page.locator(status).inner_text()


def test_the_labs_here_hold_a_step_of_every_kind(tmp_path: Path) -> None:
    """A kind added to labs/kinds/ would go untested in the book until a step here uses it."""
    for name, text in LAB_FILES.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    assert {step.kind for path in find_labs(tmp_path) for step in load_lab(path).steps} == set(KINDS)


@pytest.mark.parametrize(("proxy", "number"), [(proxy, n) for n, proxy in enumerate(PROXIES, 1)])
def test_a_request_step_through_each_proxy(book: Book, lab_page: Page, proxy: str, number: int) -> None:
    """The values, each field held, and the hop picture's labels; Run's round trip measured."""
    lab_page.goto(f"{book.url}/labs/{READS}")
    took = []
    for _ in range(3):  # the median of three: one click to the verdict on screen
        started = time.monotonic()
        assert run(lab_page, number) == "✓ as expected"
        took.append(time.monotonic() - started)
    measured[f"run_round_trip_{proxy}_s"] = round(sorted(took)[1], 3)
    card = lab_page.locator(f"#step-{number}")
    assert card.locator("tr.held").count() == 3 and card.locator("tr.mismatch").count() == 0
    assert f"http://127.0.0.1:{PROXIES[proxy]}/api/v1/app" in card.locator(".result").inner_text()
    hops = card.locator("svg.hops")
    for label in (
        "client",
        proxy,
        "strips /api/v1",
        "app-server-root-path",
        f"Host: 127.0.0.1:{PROXIES[proxy]}",
    ):
        assert hops.locator("text", has_text=label).count() >= 1, label
    assert hops.locator("text.header-added", has_text="x-forwarded-prefix: /api/v1").count() == 1
    assert hops.locator("text.lost-prefix").count() == 0
    shot(card, f"request-{proxy}")


def test_a_step_made_to_fail_is_marked_in_red_and_in_words(book: Book, lab_page: Page) -> None:
    lab_page.goto(f"{book.url}/labs/{READS}")
    assert run(lab_page, 5) == "✗ not as expected"
    mismatch = lab_page.locator("#step-5 tr.mismatch")
    assert mismatch.count() == 1 and "body.path" in mismatch.inner_text()
    assert "/api/v1/app" in mismatch.locator("td.actual").inner_text()
    assert (
        mismatch.locator("td.actual").evaluate("cell => getComputedStyle(cell).color") == "rgb(164, 14, 38)"
    )
    assert lab_page.locator("#step-5 details.raw[open]").count() == 1  # the raw answer, shown
    shot(lab_page.locator("#step-5"), "made-to-fail")


@pytest.mark.parametrize(
    ("number", "kind", "shown"),
    [
        (6, "docs", "/api/v1/openapi.json"),
        (7, "reuse", "[200, 200]"),
        (8, "keepalive", "200"),
        (9, "websocket", "hello"),
        (10, "sse", "tick 2"),
        (11, "bench-report", "found"),
    ],
)
def test_each_kind_that_reads_renders_its_values(
    book: Book, lab_page: Page, number: int, kind: str, shown: str
) -> None:
    lab_page.goto(f"{book.url}/labs/{READS}")
    status = run(lab_page, number)
    if kind == "bench-report":  # no expectation: whether `make bench` ran here is no failure
        assert status in ("✓ as expected", "✗ not as expected")
    else:
        assert status == "✓ as expected", lab_page.locator(f"#step-{number} .result").inner_text()
    assert shown in lab_page.locator(f"#step-{number} .result").inner_text()
    shot(lab_page.locator(f"#step-{number}"), kind)


@pytest.mark.alone
@pytest.mark.parametrize(
    ("number", "kind", "shown"),
    [
        (1, "stop", "stopped"),
        (2, "start", "healthy"),
        (3, "probe-sim", "decision"),
        (4, "rolling-restart", "60"),
        (5, "bench", "traefik"),
    ],
)
def test_each_kind_that_changes_the_stack_runs_from_the_presenters_page(
    book: Book, lab_page: Page, number: int, kind: str, shown: str
) -> None:
    """In order: the stop is followed by its start, so the stack ends as it began."""
    lab_page.goto(f"{book.url}/labs/{CHANGES}")
    assert lab_page.locator(f"#step-{number} button.run").is_enabled()  # the presenter's page
    assert run(lab_page, number) == "✓ as expected", lab_page.locator(f"#step-{number} .result").inner_text()
    assert shown in lab_page.locator(f"#step-{number} .result").inner_text()
    shot(lab_page.locator(f"#step-{number}"), kind)


@pytest.mark.alone
def test_a_release_set_runs_natively_and_is_skipped_on_compose(
    book: Book, lab_page: Page, live_context: Context
) -> None:
    lab_page.goto(f"{book.url}/labs/{RELEASES}")
    status = run(lab_page, 1)
    if live_context.backend.name == "native":
        assert status == "✓ as expected" and "0.55.0" in lab_page.locator("#step-1 .result").inner_text()
    else:
        assert (
            status == "skipped"
            and "runs on the native backend only" in lab_page.locator("#step-1").inner_text()
        )
    shot(lab_page.locator("#step-1"), "release-set")
