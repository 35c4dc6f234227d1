"""The presenter and the room, with no stack: who may run a step that changes the stack, who may
move the room, and what a follower's event stream says.

When one fails, a room reading along on PROXYLAB_BIND=0.0.0.0 could stop a service under the
presenter (a peer that is not this machine, or another site's page in the presenter's browser,
would be let through), or a follower would not see the step the presenter is on.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from book_server import stack_changing_step
from starlette.testclient import TestClient

from labs.book.app import create_app
from labs.book.room import Room
from proxylab.context import Context

HERE = ("127.0.0.1", 50000)  # the machine the book runs on
ATTENDEE = ("192.0.2.7", 50000)  # a laptop in the room (TEST-NET-1: never a real address)
BOOK = "http://127.0.0.1:8800"  # the presenter's address for the book
OWN = {"Origin": BOOK}  # what Chromium sends with a POST from the book's own page
LAB_01 = "01-behind-a-stripping-proxy"


def _book(context: Context, presenter: bool, client: tuple[str, int]) -> TestClient:
    return TestClient(create_app(context, presenter=presenter), base_url=BOOK, client=client)


# --- who may run a step that changes the stack ------------------------------------------------------


@pytest.mark.parametrize(
    ("presenter", "client", "headers", "refused_because"),
    [
        (False, HERE, OWN, "only when started with --presenter"),
        (True, ATTENDEE, OWN, "this request came from 192.0.2.7"),
        (True, HERE, {}, f"its Origin (none) is not the book's own ({BOOK})"),
        (True, HERE, {"Origin": "http://evil.test"}, "its Origin (http://evil.test) is not the book's own"),
        # DNS rebinding: a site whose name now resolves to 127.0.0.1 is same-origin with itself.
        (True, HERE, {"Origin": "http://rebound.test:8800", "Host": "rebound.test:8800"}, "asked for as"),
    ],
    ids=["no-presenter", "attendee", "curl-no-origin", "another-site", "dns-rebinding"],
)
def test_a_stack_changing_step_runs_for_the_presenters_own_page_only(
    native_context: Context,
    presenter: bool,
    client: tuple[str, int],
    headers: dict[str, str],
    refused_because: str,
) -> None:
    """A 403 with the reason in words, for anyone but the presenter's page on this machine."""
    name, number = stack_changing_step()
    answer = _book(native_context, presenter, client).post(
        f"/api/labs/{name}/steps/{number}/run", headers=headers
    )
    assert answer.status_code == 403
    refused = answer.json()["refused"]
    assert refused.startswith(f"step {number} changes the stack")
    assert refused_because in refused
    assert "make lab N=" in refused  # the next step, for whoever was refused


def test_the_presenters_own_page_may_act(native_context: Context) -> None:
    """The one request that may run a stop, restart or load: checked as app.py asks, not run here
    (it would stop a service of whatever stack runs)."""
    app = create_app(native_context, presenter=True)
    with TestClient(app, base_url=BOOK, client=HERE) as book:
        moved = book.post("/api/follow", json={"lab": LAB_01, "step": 1}, headers=OWN)
    assert moved.status_code == 200  # the same Room.refusal as a stack-changing Run


def test_a_request_step_runs_for_anyone(native_context: Context) -> None:
    """Reading along includes running the requests: only the stack-changing kinds are the presenter's.
    (The step runs: it holds with the session stack up, fails without one; it is not refused.)"""
    answer = _book(native_context, True, ATTENDEE).post(f"/api/labs/{LAB_01}/steps/1/run")
    assert answer.status_code == 200 and "refused" not in answer.json()


@pytest.mark.parametrize(
    ("client", "rights", "run_disabled"),
    [(HERE, "presenter", False), (ATTENDEE, "reader", True)],
)
def test_the_page_offers_what_the_api_allows(
    native_context: Context, client: tuple[str, int], rights: str, run_disabled: bool
) -> None:
    """An attendee's page would offer a Run the server then refuses (or the presenter's would not)."""
    name, number = stack_changing_step()
    page = _book(native_context, True, client).get(f"/labs/{name}").text
    assert f'data-rights="{rights}"' in page
    card = page.split(f'id="step-{number}"')[1].split("</section>")[0]
    assert ('class="run" disabled' in card) is run_disabled
    assert "runs from the presenter's page only" in card  # the template's own text: not escaped


# --- the room's position ----------------------------------------------------------------------------


def test_only_the_presenter_moves_the_room(native_context: Context) -> None:
    app = create_app(native_context, presenter=True)
    where = {"lab": LAB_01, "step": 3}
    refused = TestClient(app, base_url=BOOK, client=ATTENDEE).post("/api/follow", json=where, headers=OWN)
    assert refused.status_code == 403 and "only the presenter moves the room" in refused.json()["refused"]
    moved = TestClient(app, base_url=BOOK, client=HERE).post("/api/follow", json=where, headers=OWN)
    assert moved.status_code == 200 and moved.json() == where


@pytest.mark.parametrize(
    ("body", "status"),
    [({"lab": LAB_01, "step": 99}, 404), ({"lab": "99-nothing", "step": 1}, 404), ({"step": 1}, 400)],
)
def test_a_move_to_nowhere_is_refused(native_context: Context, body: dict[str, object], status: int) -> None:
    book = _book(native_context, True, HERE)
    assert book.post("/api/follow", json=body, headers=OWN).status_code == status


def test_a_follower_hears_where_the_room_is_then_every_move() -> None:
    """The stream a follower reads: the position now (none yet), then each move as it happens."""

    async def listen() -> list[dict[str, object]]:
        room = Room(presenter=True)
        stream = room.follow()
        first = await anext(stream)
        await room.move(LAB_01, 2)
        await room.move("02-proxies-that-keep-the-prefix", 1)
        events = [first, await anext(stream), await anext(stream)]
        await stream.aclose()
        assert not room._followers  # a closed stream is forgotten
        return [json.loads(event.split("data: ")[1]) for event in events]

    # A thread of its own: a Playwright session in this process (the browser tests) keeps an
    # event loop running in the main thread, where asyncio.run would refuse to start another.
    with ThreadPoolExecutor(1) as thread:
        heard = thread.submit(asyncio.run, listen()).result()
    assert heard == [
        {"lab": None, "step": None},
        {"lab": LAB_01, "step": 2},
        {"lab": "02-proxies-that-keep-the-prefix", "step": 1},
    ]


def test_the_follow_stream_is_an_event_stream_nobody_buffers(native_context: Context) -> None:
    """A proxy or cache in front would hold the events back, and the room would lag."""
    book = create_app(native_context, presenter=True)
    with TestClient(book, base_url=BOOK, client=ATTENDEE) as client:
        where = {"lab": LAB_01, "step": 4}
        TestClient(book, base_url=BOOK, client=HERE).post("/api/follow", json=where, headers=OWN)
        with client.stream("GET", "/api/follow") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            assert stream.headers["cache-control"] == "no-store"
            assert stream.headers["x-accel-buffering"] == "no"
            lines = stream.iter_lines()
            assert next(lines) == "retry: 1000"
            assert next(lines) == "event: position"
            assert json.loads(next(lines).removeprefix("data: ")) == {"lab": LAB_01, "step": 4}


def test_a_closed_room_ends_every_stream_even_one_that_arrives_late() -> None:
    """Ctrl-C: the streams open then end, and one whose request came in as the book stopped ends
    after its first event instead of waiting for a move that never comes."""

    async def streams() -> list[list[str]]:
        room = Room(presenter=True)
        early = room.follow()
        first = await anext(early)
        room.close()
        late = room.follow()
        return [[first, *[event async for event in early]], [event async for event in late]]

    with ThreadPoolExecutor(1) as thread:
        early, late = thread.submit(asyncio.run, asyncio.wait_for(streams(), 5)).result()
    assert len(early) == 1 and len(late) == 1  # each: where the room was, then the end
