"""The lab book in Chromium with no stack: every page rendered and screenshotted (the index, each
lab, the report pages), the keys, the projector, follow mode across two pages, what a reader's
page offers, and an accessibility check of each.

A book served by `python -m labs.book --presenter` on a free port (tests/labs/book_server.py),
all of labs/; a step run here meets no stack (connection refused), which the card shows as a
mismatch, so the result's markup is rendered and checked too. Screenshots: reports/book/.
When one fails, a presenter's room sees something else than the book promises: a blank or
broken page, keys that do nothing, a projector that shows every step, followers that stay
behind, a reader offered a Run the server refuses, or a page a screen reader cannot walk
(axe-core's findings are quoted: rule, impact, the elements).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from book_server import Book, blank, serve_book

from instruments.chromium.driver import Browser, screenshot
from labs.model import Lab, find_labs, load_lab
from proxylab.paths import REPORTS_DIR

SHOTS = REPORTS_DIR / "book"
AXE = (
    Path(os.environ.get("PROXYLAB_NPM_DIR", Path.home() / ".cache/proxylab/npm"))
    / "node_modules/axe-core/axe.min.js"
)
# WCAG 2.1 A and AA (headings, labels, names, contrast...) and axe's best practices (landmarks).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
LABS = [load_lab(path) for path in find_labs()]
LAB_01, LAB_02 = LABS[0].name, LABS[1].name
STACK_CHANGING_LAB = "06-health-probes"
taken: list[Path] = []
measured: dict[str, float] = {}


@pytest.fixture(scope="module")
def book() -> Iterator[Book]:
    with serve_book("native", presenter=True) as served:
        measured["start_to_first_page_s"] = served.first_page_s
        yield served
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "measured.browser.json").write_text(json.dumps(measured, indent=2) + "\n", encoding="utf-8")


@pytest.fixture
def chromium(browser: Browser) -> Browser:
    browser.guard.take()
    return browser


def _shot(page, name: str, **options: object) -> None:
    path = SHOTS / f"{name}.png"
    screenshot(page, path, **options)
    taken.append(path)


def _axe(page) -> list[str]:
    """axe-core's violations on the page as it is now, one line each (rule, impact, where)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(n['target'][0] for n in v['nodes'][:3])}"
        for v in result["violations"]
    ]


def test_axe_core_is_installed() -> None:
    """Without it the pages below are rendered and screenshotted, but not checked for accessibility."""
    if AXE.is_file():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{AXE} is missing: .ci/run runs `make axe` before `make test`", pytrace=False)
    pytest.skip(f"axe-core is not installed ({AXE}); run `make axe`")


# --- every page, screenshotted and checked -------------------------------------------------------


@pytest.mark.parametrize("lab", [None, *LABS], ids=lambda lab: lab.name if lab else "index")
def test_a_page_renders_passes_the_accessibility_check_and_is_screenshotted(
    book: Book, chromium: Browser, lab: Lab | None
) -> None:
    """The index, then each lab: its heading, a card per step, no script error, nothing asked of
    another host, and no finding of axe-core's (WCAG 2.1 A and AA, best practices)."""
    path = f"/labs/{lab.name}" if lab else "/"
    with chromium.visit(book.url + path) as visit:
        page = visit.page
        assert visit.status == 200
        if lab is None:
            assert page.locator("h1").inner_text() == "The lab book"
            assert page.locator("tr.lab").count() == len(LABS)
        else:
            assert page.locator("h1").inner_text() == f"Lab {lab.number}: {lab.title}"
            assert page.locator("section.step").count() == len(lab.steps)
        assert visit.log.page_errors == [] and chromium.guard.take() == []
        if AXE.is_file():
            assert _axe(page) == []
        _shot(page, lab.name if lab else "index", full_page=True)


@pytest.mark.parametrize("report", ["", "matrix", "gallery", "drift", "bench", "doctor"])
def test_a_report_page_passes_the_accessibility_check_and_is_screenshotted(
    book: Book, chromium: Browser, report: str
) -> None:
    """The pages under /reports (labs/book/reports.py), with whatever records reports/ holds now:
    a missing record is a page too, one that names the command that writes it."""
    with chromium.visit(f"{book.url}/reports/{report}") as visit:
        assert visit.status == 200 and visit.page.locator("h1").count() == 1
        assert visit.log.page_errors == [] and chromium.guard.take() == []
        if AXE.is_file():
            assert _axe(visit.page) == []
        _shot(visit.page, f"reports-{report or 'index'}")


def test_a_lab_page_weighs_what_it_loads(book: Book, chromium: Browser) -> None:
    """The bytes a lab page costs a laptop in the room: the document, its stylesheet and scripts."""
    with chromium.visit(f"{book.url}/labs/{LAB_01}") as visit:
        sizes = visit.page.evaluate(
            "() => ['navigation', 'resource'].flatMap(type => performance.getEntriesByType(type))"
            ".map(entry => [entry.name, entry.encodedBodySize])"
        )
    loaded = {Path(url).name or "/": size for url, size in sizes if "/api/follow" not in url}
    assert set(loaded) == {LAB_01, "book.css", "book.js", "room.js"}, loaded
    measured["lab_01_page_bytes"] = sum(loaded.values())
    measured["lab_01_document_bytes"] = loaded[LAB_01]


# --- the keys and the projector ------------------------------------------------------------------


def test_the_keys_move_run_and_project(book: Book, chromium: Browser) -> None:
    with chromium.visit(f"{book.url}/labs/{LAB_01}?follow=0") as visit:
        page = visit.page
        assert page.locator("#step-1.focused").count() == 1
        for key, focused in (("j", 2), ("ArrowDown", 3), ("k", 2), ("ArrowUp", 1), ("ArrowUp", 1)):
            page.keyboard.press(key)
            assert page.locator(f"#step-{focused}.focused").count() == 1, key
        page.keyboard.press("j")
        page.keyboard.press("r")  # no stack: the run comes back refused by the network, marked
        page.wait_for_selector("#step-2 .result tr.mismatch")
        assert "✗ not as expected" in page.locator("#step-2 .status").inner_text()
        assert page.locator("#step-2 figure.hops svg text", has_text="traefik").count() == 1
        _shot(page, f"{LAB_01}-run-without-a-stack", full_page=True)
        page.keyboard.press("p")
        assert page.locator("body.projector").count() == 1 and "projector=1" in page.url
        visible = page.locator("section.step:visible")
        assert visible.count() == 1 and visible.get_attribute("id") == "step-2"  # one step at a time
        assert page.evaluate("getComputedStyle(document.body).fontSize") == "24px"  # large type
        _shot(page, f"{LAB_01}-projector")
        page.keyboard.press("j")
        assert page.locator("section.step:visible").get_attribute("id") == "step-3"
        assert visit.log.page_errors == []


# --- follow mode across two pages ----------------------------------------------------------------


def test_a_follower_goes_where_the_presenter_goes(book: Book, chromium: Browser) -> None:
    """Two tabs: the presenter's lab page, and a follower (?follow=1) that starts on the index."""
    presenter, _ = chromium.page()
    follower, follower_log = chromium.page()
    try:
        presenter.goto(f"{book.url}/labs/{LAB_01}", wait_until="load")
        assert presenter.locator("body[data-rights='presenter']").count() == 1
        follower.goto(f"{book.url}/?follow=1", wait_until="load")
        follower.wait_for_url(f"**/labs/{LAB_01}?follow=1")  # where the room is: lab 01, step 1
        follower.wait_for_selector("#step-1.focused")
        assert follower.locator("#follow[aria-pressed='true']").count() == 1
        latencies = []
        for step in (2, 3, 4):
            started = time.monotonic()
            presenter.keyboard.press("j")
            follower.wait_for_selector(f"#step-{step}.focused")
            latencies.append(time.monotonic() - started)
        measured["follow_latency_s"] = round(sorted(latencies)[1], 3)  # the median of three moves
        _shot(follower, "follow-follower")
        _shot(presenter, "follow-presenter")
        presenter.goto(f"{book.url}/labs/{LAB_02}", wait_until="load")  # another lab: step 1 of it
        follower.wait_for_url(f"**/labs/{LAB_02}?follow=1")
        follower.wait_for_selector("#step-1.focused")
        follower.keyboard.press("f")  # the follower stops following: the presenter's moves pass it by
        assert follower.locator("#follow[aria-pressed='false']").count() == 1
        presenter.keyboard.press("j")
        presenter.wait_for_timeout(300)
        assert follower.locator("#step-1.focused").count() == 1
        assert follower_log.page_errors == []
    finally:
        presenter.close()
        follower.close()


def test_a_readers_page_offers_no_run_that_changes_the_stack(chromium: Browser) -> None:
    """A book without --presenter: every page is a reader's. The card's Run is disabled, r does
    nothing, and the server refuses the request the page could still be made to send."""
    with serve_book("native") as reader, chromium.visit(f"{reader.url}/labs/{STACK_CHANGING_LAB}") as visit:
        page = visit.page
        stop = page.locator("section.step", has=page.locator(".stack-note")).first
        assert stop.locator("button.run").is_disabled()
        assert "runs from the presenter's page only" in stop.locator(".stack-note").inner_text()
        number = int(stop.get_attribute("data-number") or 0)
        answer = page.evaluate(
            "async url => { const r = await fetch(url, {method: 'POST'}); "
            "return [r.status, await r.json()]; }",
            f"/api/labs/{STACK_CHANGING_LAB}/steps/{number}/run",
        )
        assert answer[0] == 403 and "only when started with --presenter" in answer[1]["refused"]
        assert page.locator("#follow").count() == 0  # no presenter, no room to follow
        _shot(page, f"{STACK_CHANGING_LAB}-reader", full_page=True)


# --- accessibility, and no blank screenshot ------------------------------------------------------


def test_a_run_step_and_the_projector_pass_the_accessibility_check(book: Book, chromium: Browser) -> None:
    """The result table, the raw answer and the hop picture a Run adds, then the projector."""
    if not AXE.is_file():
        pytest.skip(f"axe-core is not installed ({AXE}); run `make axe`")
    with chromium.visit(f"{book.url}/labs/{LAB_01}?follow=0") as visit:
        visit.page.click("#step-2 button.run")
        visit.page.wait_for_selector("#step-2 .result tr.mismatch")
        assert _axe(visit.page) == []
        visit.page.keyboard.press("p")
        assert _axe(visit.page) == []


def test_no_screenshot_is_blank() -> None:
    """Each picture this module took shows a drawn page (the live tests check their own as they
    take them: another worker may be writing one now)."""
    assert len(taken) >= len(LABS) + 1, "the page tests above took no screenshots"
    assert [why for png in taken if (why := blank(png))] == []
