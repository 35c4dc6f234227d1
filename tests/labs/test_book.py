"""The lab book without a stack: its hop picture from a sent/received pair, and its pages.

When one fails, the book shows something other than what the runner ran or received: a hop
picture without the labels a reader looks for, a prefix lost without the red mark, an index or a
card that misses a lab or a step's command, or a stack-changing step the API would run for anyone.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from book_server import stack_changing_step
from markupsafe import escape
from starlette.testclient import TestClient

from instruments.client import Request
from labs.book.app import create_app
from labs.book.hops import header_changes, losses, picture, route_chain
from labs.model import find_labs, load_lab
from proxylab.context import Context

# What app-server-root-path reports through Traefik (lab 01 step 2), and the same app as it would
# report with its root_path lost (no --root-path): the prefix is gone from every URL it builds.
ECHO = {
    "instance": "app-server-root-path",
    "method": "GET",
    "path": "/api/v1/app",
    "raw_path": "/api/v1/app",  # uvicorn puts its --root-path in front of the path on the wire
    "root_path": "/api/v1",
    "url": "http://127.0.0.1:9999/api/v1/app",
    "base_url": "http://127.0.0.1:9999/api/v1/",
    "url_for": "http://127.0.0.1:9999/api/v1/app",
    "host_header": "127.0.0.1:9999",
    "forwarded_headers": {"x-forwarded-prefix": "/api/v1", "x-forwarded-for": "{client}"},
}
LOST = {**ECHO, "path": "/app", "root_path": "", "url": "http://127.0.0.1:9999/app"}
LOST |= {"base_url": "http://127.0.0.1:9999/", "url_for": "http://127.0.0.1:9999/app"}


# --- the hop picture -------------------------------------------------------------------------------


def test_the_hop_picture_names_each_hop_and_what_it_saw(native_context: Context) -> None:
    """The picture would not tell a reader which proxy stood between, or what path each end saw."""
    request = Request("http://127.0.0.1:9999/api/v1/app")
    svg = picture(request, ECHO, route_chain(native_context.stack, request.url))
    assert svg.startswith("<svg")
    for label in (
        "client",
        "traefik",
        "strips /api/v1",
        "app-server-root-path",
        "GET /api/v1/app",  # what the client sent
        "GET /api/v1/app   (the path in the app&#x27;s scope)",  # uvicorn put --root-path back
    ):
        assert f">{label}<" in svg, label
    assert ">Host: 127.0.0.1:9999<" in svg
    assert "+ added  x-forwarded-prefix: /api/v1" in svg
    assert "root_path: &quot;/api/v1&quot;" in svg
    assert "lost" not in svg  # every URL kept the prefix


def test_a_lost_prefix_is_coloured_and_said_in_words(native_context: Context) -> None:
    """A URL built without /api/v1 would look as good as one with it."""
    request = Request("http://127.0.0.1:9999/api/v1/app")
    svg = picture(request, LOST, route_chain(native_context.stack, request.url))
    assert svg.count('class="lost-prefix" fill="#a40e26"') == 4  # root_path, url, base_url, url_for
    assert "url: http://127.0.0.1:9999/app  ✗ lost the prefix /api/v1" in svg


@pytest.mark.parametrize(
    ("url", "scheme", "lost"),
    [
        ("https://127.0.0.1:9041/api/v1/app", "https", []),
        ("http://127.0.0.1:9041/api/v1/app", "https", ["the scheme https"]),  # lab 08's mixed content
        ("http://127.0.0.1:9041/app", "https", ["the prefix /api/v1", "the scheme https"]),
        ("http://127.0.0.1:9999/app", "http", ["the prefix /api/v1"]),
    ],
)
def test_losses(url: str, scheme: str, lost: list[str]) -> None:
    assert losses(url, "/api/v1", scheme) == lost


def test_header_changes_added_replaced_dropped() -> None:
    """Only Host and the forwarded headers are compared: the echo reports no others."""
    sent = [("Host", "example.test"), ("User-Agent", "curl/7.88.1"), ("X-Forwarded-For", "6.6.6.6")]
    echo = {"host_header": "127.0.0.1:8000", "forwarded_headers": {"x-forwarded-proto": "http"}}
    changes = {change.name: change.change for change in header_changes(sent, echo)}
    assert changes == {"host": "replaced", "x-forwarded-proto": "added", "x-forwarded-for": "dropped"}


def test_a_chain_of_two_proxies_shows_both_and_says_what_was_not_seen(native_context: Context) -> None:
    """Lab 12's edge in front of Traefik: the picture would hide a proxy, or claim to know the
    request between the two, which nothing here observes."""
    request = Request("http://127.0.0.1:9500/api/v1/app")
    svg = picture(request, ECHO, route_chain(native_context.stack, request.url))
    assert svg.index(">edge<") < svg.index(">traefik<") < svg.index(">app-server-root-path<")
    assert "(not observed between two proxies)" in svg


def test_an_answer_that_is_no_echo_report_still_shows_the_route(native_context: Context) -> None:
    request = Request("http://127.0.0.1:9999/api/v1/nowhere")
    svg = picture(request, None, route_chain(native_context.stack, request.url))
    assert ">traefik<" in svg and "(the answer is no echo report)" in svg


# --- the pages, with no stack -------------------------------------------------------------------


@pytest.fixture
def book(native_context: Context) -> TestClient:
    return TestClient(create_app(native_context))


def test_the_index_lists_every_lab(book: TestClient) -> None:
    page = book.get("/")
    assert page.status_code == 200
    assert page.text.count('<tr class="lab">') == len(find_labs()) == 17
    assert 'href="/labs/01-behind-a-stripping-proxy"' in page.text


@pytest.mark.parametrize("path", find_labs(), ids=lambda path: path.stem)
def test_a_lab_page_shows_every_steps_command_as_the_runner_builds_it(
    book: TestClient, native_context: Context, path: Path
) -> None:
    """A card would show a command other than the one Run sends (the command shown is the command run)."""
    lab = load_lab(path)
    page = book.get(f"/labs/{lab.name}")
    assert page.status_code == 200
    assert page.text.count('<section class="step"') == len(lab.steps)
    for step in lab.steps:
        assert f"<code>{escape(step.action.command(native_context))}</code>" in page.text, step.title


def test_a_page_uses_nothing_from_another_host(book: TestClient) -> None:
    """A room with no internet would get a page without its script or style."""
    page = book.get("/labs/01-behind-a-stripping-proxy").text
    assert "http://" not in page.split("<main>")[0] and "https://" not in page.split("<main>")[0]
    assert book.get("/static/book.js").status_code == book.get("/static/book.css").status_code == 200


def test_a_step_that_changes_the_stack_is_refused_without_presenter(book: TestClient) -> None:
    """Anyone reading the book could stop a service under the presenter's feet."""
    name, number = stack_changing_step()
    answer = book.post(f"/api/labs/{name}/steps/{number}/run")
    assert answer.status_code == 403
    assert "--presenter" in answer.json()["refused"]


def test_an_unknown_lab_or_step_is_a_404(book: TestClient) -> None:
    assert book.get("/labs/99-nothing").status_code == 404
    assert book.post("/api/labs/01-behind-a-stripping-proxy/steps/99/run").status_code == 404


def test_the_book_reads_another_labs_folder(native_context: Context, tmp_path: Path) -> None:
    (tmp_path / "01-draft.yaml").write_text(
        "title: A draft\ntime: 1 minute\ngoal: g\nsteps:\n"
        "  - title: one\n    request: {url: 'http://127.0.0.1:9999/api/v1/app'}\n    why: w\n"
    )
    page = TestClient(create_app(native_context, tmp_path)).get("/")
    assert page.text.count('<tr class="lab">') == 1 and "A draft" in page.text


# --- Run, with no stack: a port nobody listens on ---------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_run_answers_with_the_runners_verdicts_and_marks_a_mismatch(
    native_context: Context, tmp_path: Path
) -> None:
    """Run would show a step as passed, or show other verdicts than `make labs` finds."""
    (tmp_path / "01-nobody.yaml").write_text(
        "title: Nobody listens\nsteps:\n"
        f"  - title: a closed port\n    request: {{url: 'http://127.0.0.1:{_closed_port()}/app'}}\n"
        "    expect: {status: 200}\n    why: nothing answers\n"
    )
    answer = TestClient(create_app(native_context, tmp_path)).post("/api/labs/01-nobody/steps/1/run")
    assert answer.status_code == 200
    result = answer.json()
    assert result["ok"] is False and result["mismatches"] == ["status"]
    assert result["curl"].startswith("curl -s -i http://127.0.0.1:")
    assert '<tr class="mismatch"><td class="mark">✗ mismatch</td><td>status</td>' in result["html"]
    assert "(the answer is no echo report)" in result["html"]  # the hop picture, with no route


def test_a_lab_for_another_backend_is_skipped_step_by_step(native_context: Context, tmp_path: Path) -> None:
    (tmp_path / "01-elsewhere.yaml").write_text(
        "title: Compose only\nbackends: [compose]\nsteps:\n"
        "  - title: one\n    request: {url: 'http://127.0.0.1:9999/api/v1/app'}\n    why: w\n"
    )
    answer = TestClient(create_app(native_context, tmp_path)).post("/api/labs/01-elsewhere/steps/1/run")
    assert (
        answer.json()["skipped"] is True and "skipped: this lab runs on the compose" in answer.json()["html"]
    )
