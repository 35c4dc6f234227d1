"""The presenter and the room in Chromium with no stack: the keys, the projector, follow mode
across two tabs, and what a reader's page offers (labs/book/room.py, static/room.js).

A book served by `python -m labs.book --presenter` on a free port; for the reader, a second one
without --presenter. Screenshots: reports/book/ (book_browser.shoot: never blank).
When one fails, a presenter's keys do nothing, the projector shows every step, followers stay
behind or cannot stop following, or a reader is offered a Run the server refuses.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from book_browser import record, shoot
from book_server import Book, serve_book, stack_changing_step

from instruments.chromium.driver import Browser
from labs.model import find_labs, load_lab

LAB_01, LAB_02 = (load_lab(path).name for path in find_labs()[:2])


@pytest.fixture(scope="module")
def book() -> Iterator[Book]:
    with serve_book("native", presenter=True) as served:
        yield served


@pytest.fixture
def chromium(browser: Browser) -> Browser:
    browser.guard.take()
    return browser


def test_the_keys_move_run_and_project(book: Book, chromium: Browser) -> None:
    with chromium.visit(f"{book.url}/labs/{LAB_01}") as visit:
        page = visit.page
        assert page.locator("#step-1.focused").count() == 1
        for key, focused in (("j", 2), ("ArrowDown", 3), ("k", 2), ("ArrowUp", 1), ("ArrowUp", 1)):
            page.keyboard.press(key)
            assert page.locator(f"#step-{focused}.focused").count() == 1, key
        page.keyboard.press("j")
        page.keyboard.press("r")  # held with the session stack up (make test), a mismatch without
        page.wait_for_selector("#step-2 .result figure.hops svg")
        assert page.locator("#step-2 .status").inner_text() in ("✓ as expected", "✗ not as expected")
        assert page.locator("#step-2 figure.hops svg text", has_text="traefik").count() == 1
        shoot(page, f"{LAB_01}-run", full_page=True)
        page.keyboard.press("p")
        assert page.locator("body.projector").count() == 1 and "projector=1" in page.url
        visible = page.locator("section.step:visible")
        assert visible.count() == 1 and visible.get_attribute("id") == "step-2"  # one step at a time
        assert page.evaluate("getComputedStyle(document.body).fontSize") == "24px"  # large type
        shoot(page, f"{LAB_01}-projector")
        page.keyboard.press("j")
        assert page.locator("section.step:visible").get_attribute("id") == "step-3"
        assert visit.log.page_errors == []


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
        record("measured.browser", {"follow_latency_s": round(sorted(latencies)[1], 3)})  # the median
        shoot(follower, "follow-follower")
        shoot(presenter, "follow-presenter")
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
    lab, number = stack_changing_step()
    with serve_book("native") as reader, chromium.visit(f"{reader.url}/labs/{lab}") as visit:
        page = visit.page
        stop = page.locator(f"#step-{number}")
        assert stop.locator("button.run").is_disabled()
        assert "runs from the presenter's page only" in stop.locator(".stack-note").inner_text()
        for _ in range(number - 1):
            page.keyboard.press("j")
        assert stop.get_attribute("class") == "step focused"
        page.keyboard.press("r")
        assert stop.locator(".status").inner_text() == ""  # r clicked a disabled Run: nothing sent
        answer = page.evaluate(
            "async url => { const r = await fetch(url, {method: 'POST'}); "
            "return [r.status, await r.json()]; }",
            f"/api/labs/{lab}/steps/{number}/run",
        )
        assert answer[0] == 403 and "only when started with --presenter" in answer[1]["refused"]
        assert page.locator("#follow").count() == 0  # no presenter, no room to follow
        shoot(page, f"{lab}-reader", full_page=True)
