"""Step kinds: what a `request:` or `docs:` step sends and shows, and how a new kind plugs in.

When these fail, the curl command on the slide would not be the request the runner sent, or a
placeholder in a URL, header or source address would go out literally.
"""

from __future__ import annotations

import pytest

from labs.kinds import KINDS, Outcome, StepKind
from labs.kinds.request import DocsAction
from labs.model import LabFileError, load_lab


def test_a_request_step_fills_placeholders_in_url_headers_and_source(native_context):
    """A lab could not say "from the untrusted client" or name an upstream on both backends."""
    action = KINDS["request"].parse(
        {
            "url": "http://127.0.0.1:9120/api/v1/app",
            "method": "post",
            "from": "{client}",
            "headers": {"X-Forwarded-For": "{client}", "X-Count": 3},
            "body": "{}",
            "follow_redirects": True,
        }
    )
    request = action.request(native_context)
    assert (request.method, request.source, request.body, request.follow_redirects) == (
        "POST",
        "127.0.0.77",
        "{}",
        True,
    )
    assert request.headers == {"X-Forwarded-For": "127.0.0.77", "X-Count": "3"}


def test_the_command_shown_is_the_request_sent(native_context):
    """The slide would show a curl command that differs from what the runner measured."""
    action = KINDS["request"].parse(
        {"url": "http://127.0.0.1:8000/app", "from": "127.0.0.77", "headers": {"X-Forwarded-Proto": "https"}}
    )
    assert action.command(native_context) == (
        "curl -s -i --interface 127.0.0.77 -H 'X-Forwarded-Proto: https' http://127.0.0.1:8000/app"
    )
    assert action.command(native_context) == action.request(native_context).as_curl()


def test_a_docs_step_shows_the_page_and_then_the_schema_it_names(native_context):
    """A docs step would show no command, or hide that a second request follows."""
    command = DocsAction("http://127.0.0.1:9999/api/v1/docs").command(native_context)
    assert command.splitlines()[0] == "curl -s -i http://127.0.0.1:9999/api/v1/docs"
    assert "then the schema URL the page names" in command


def test_a_new_step_kind_is_one_entry_in_the_table(write_lab, native_context, monkeypatch):
    """Later kinds (signal, wait) would need changes to the loader and the runner."""

    class Wait:
        def __init__(self, spec):
            self.service = spec["service"]

        def command(self, context):
            return f"make status  # until {self.service} is healthy"

        def urls(self, context):
            return []

        def run(self, context):
            return Outcome({"health": "healthy"}, "")

    text = (
        "title: T\nsteps:\n  - title: Wait\n    wait: {service: app-plain}\n    expect: {health: healthy}\n"
    )
    path = write_lab(text)
    with pytest.raises(LabFileError, match="unknown key 'wait'"):
        load_lab(path)
    monkeypatch.setitem(KINDS, "wait", StepKind("wait", ("service", "health"), ("health",), Wait))
    step = load_lab(path).steps[0]
    assert step.kind == "wait" and step.action.command(native_context).startswith("make status")


class _StopFails:
    """A backend whose stop of a replica fails, as a Docker SDK wait that timed out once did."""

    def stop_service(self, service, sig=None):
        raise TimeoutError(f"{service} still running")

    def start_service(self, service, wait=True):
        raise AssertionError("started a replica that never stopped")


@pytest.fixture
def local_server():
    """A real HTTP server on a free loopback port, answering 200 to every GET."""
    import http.server
    import threading

    class Ok(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/app"
    server.shutdown()
    server.server_close()


def test_a_rolling_restart_that_fails_says_so_instead_of_counting(local_server, native_context):
    """The step would show the counts of a load whose replica was never restarted (and a stray
    thread's traceback), and the next steps would fail on a replica left stopped, with no word why."""
    from dataclasses import replace

    from labs.kinds.stack import RollingRestartAction
    from proxylab.errors import ProxylabError

    action = RollingRestartAction(
        local_server, "app-retry-replica-1", rate=20, duration_s=0.5, signal_at_s=0.1
    )
    with pytest.raises(ProxylabError) as raised:
        action.run(replace(native_context, backend=_StopFails()))
    assert raised.value.thing == "the restart of app-retry-replica-1"
    assert "TimeoutError: app-retry-replica-1 still running" in raised.value.cause
    assert "make logs S=app-retry-replica-1" in raised.value.next_step
