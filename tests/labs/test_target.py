"""PROXYLAB_TARGET: the labs run against a stack served elsewhere, by URL (proxylab/target.py).

The "elsewhere" is a real server this test starts: the echo app under uvicorn on 127.33.0.1 (an
address nothing else here uses) and a free port, standing for a route of a deployed stack. No
HTTP is mocked: the echo app reports the Host and path it received, and curl replays each
command shown. A failure means a lab would claim a result from a place it did not ask.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from curl_replay import replay

from labs.model import load_lab
from labs.present import verify_header
from labs.reports import write_reports
from labs.runner import target_skips, verify
from proxylab.context import Context
from proxylab.errors import ProxylabError
from proxylab.paths import REPO
from proxylab.target import Target, from_environment

ADDRESS = "127.33.0.1"
LAB = """\
title: Against a target
time: 1 minute
goal: A mapped route's requests go where PROXYLAB_TARGET says; the others are skipped.
steps:
  - title: A mapped route
    request:
      url: http://127.0.0.1:8001/app?x=1
    show: [status, body.host_header, body.path, body.instance]
    expect:
      status: 200
      body.instance: the-target
      # The app builds its URL from the Host it got: the target's, so the expectation is retargeted too.
      body.url: http://127.0.0.1:8001/app?x=1
    why: The target serves it.
  - title: A route the target does not map
    request:
      url: http://127.0.0.1:9421/api/v1/app
    show: [status]
    why: Nothing here says where 9421 is served, so it is not sent anywhere.
  - title: A step that acts on this machine's stack
    stop:
      service: redis
    show: [state]
    why: Stopping a local service tells nothing about the target.
"""


def _free_port(address: str) -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The echo app on ADDRESS and a free port, as app-plain runs (published here on 8001); its origin."""
    port = _free_port(ADDRESS)
    log = tmp_path_factory.mktemp("target") / "uvicorn.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROXYLAB_")}
    env["PROXYLAB_INSTANCE"] = "the-target"
    argv = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", ADDRESS, "--port", str(port)]
    with log.open("w") as out:
        process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    origin = f"http://{ADDRESS}:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{origin}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"uvicorn did not answer:\n{log.read_text()}"
            time.sleep(0.1)
        yield origin
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def context(served: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, native_context: Context) -> Context:
    """The labs' context with PROXYLAB_TARGET naming a file that maps 8001 (app-plain) to the served app."""
    (tmp_path / "target.yaml").write_text(f"routes:\n  http://127.0.0.1:8001: {served}\n")
    monkeypatch.setenv("PROXYLAB_TARGET", str(tmp_path / "target.yaml"))
    return Context(native_context.stack, native_context.backend, from_environment())


def test_a_lab_runs_against_the_target_and_says_so(context: Context, served: str, tmp_path: Path) -> None:
    """A failure: the request went to the published address instead of the target, the shown curl
    command is not the one run, or the report does not say which target it ran against."""
    (tmp_path / "01-against-a-target.yaml").write_text(LAB)
    run = verify([tmp_path / "01-against-a-target.yaml"], context)
    mapped, unmapped, local = run.results
    assert mapped.ok and not mapped.skipped, mapped.verdicts
    # The app got the request, with the target's Host and the lab's path.
    assert mapped.answer["body"]["host_header"] == served.removeprefix("http://")
    assert mapped.answer["body"]["path"] == "/app"
    # The command shown is the one run: it names the target, and curl gets the same answer.
    assert f"{served}/app?x=1" in mapped.command and "127.0.0.1:8001" not in mapped.command
    assert replay(mapped, context) == []
    assert unmapped.skipped and "maps no route for http://127.0.0.1:9421/api/v1/app" in unmapped.skip_reason
    assert local.skipped and "this machine's stack" in local.skip_reason
    # The report names the target: file and routes, in labs.json and at the top of the output.
    _, report = write_reports(run, tmp_path / "reports")
    written = json.loads(report.read_text())
    assert written["target"] == {
        "file": str(context.target.path),
        "routes": {"http://127.0.0.1:8001": served},
    }
    assert written["labs"][0]["steps"][1]["skip_reason"] == unmapped.skip_reason
    header = "\n".join(line.plain for line in verify_header(run).renderables if hasattr(line, "plain"))
    assert f"http://127.0.0.1:8001 → {served}" in header


def test_a_target_that_does_not_answer_is_named(context: Context, tmp_path: Path, monkeypatch) -> None:
    """A failure: a silent target reads as "the stack is not running: run `make up`", a local
    remedy for a remote fault."""
    port = _free_port(ADDRESS)  # nothing listens there once the probe socket is closed
    (tmp_path / "silent.yaml").write_text(f"routes:\n  http://127.0.0.1:8001: http://{ADDRESS}:{port}\n")
    silent = Context(context.stack, context.backend, Target.read(tmp_path / "silent.yaml"))
    (tmp_path / "01-against-a-target.yaml").write_text(LAB)
    with pytest.raises(ProxylabError) as refused:
        verify([tmp_path / "01-against-a-target.yaml"], silent)
    assert "silent.yaml" in refused.value.render() and f"{ADDRESS}:{port}" in refused.value.render()


@pytest.mark.parametrize(
    ("text", "retargeted"),
    [
        ("http://127.0.0.1:9411/api/v1/app", "http://lb.example:8080/api/v1/app"),
        # Another port that starts with the same digits is another route.
        ("http://127.0.0.1:94110/app", "http://127.0.0.1:94110/app"),
        # Only the origin: a bare host:port (a Host header value) is the lab's to write.
        ("127.0.0.1:9411", "127.0.0.1:9411"),
    ],
)
def test_only_a_mapped_origin_is_replaced(tmp_path: Path, text: str, retargeted: str) -> None:
    """A failure: a URL is sent somewhere its route is not served."""
    (tmp_path / "t.yaml").write_text("routes:\n  http://127.0.0.1:9411/: http://lb.example:8080\n")
    assert Target.read(tmp_path / "t.yaml").retarget(text) == retargeted


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("routes: {}\n", "has no `routes:` mapping"),
        # A path would change what the labs measure: the prefix and what the proxy strips.
        ("routes:\n  http://127.0.0.1:9411: http://lb.example/api\n", "both must be origins"),
    ],
)
def test_a_target_file_that_cannot_be_used_is_refused(tmp_path: Path, content: str, words: str) -> None:
    (tmp_path / "t.yaml").write_text(content)
    with pytest.raises(ProxylabError) as refused:
        Target.read(tmp_path / "t.yaml")
    assert words in refused.value.render()


def test_a_step_is_sent_to_the_target_only_when_the_target_serves_all_it_sends(
    context: Context,
) -> None:
    """A failure: a step that restarts a local service, or sends to an unmapped route, would run
    under a target and mix this machine's answers into the target's report."""
    lab = load_lab(REPO / "labs" / "06-health-probes.yaml")
    reasons = [target_skips(step, context) for step in lab.steps]
    # Lab 06 asks app-probes on 8010 and restarts services: nothing of it is mapped here.
    assert all(reason is not None for reason in reasons)


def test_the_book_skips_as_make_labs_does(context: Context, tmp_path: Path) -> None:
    """The book's Run under PROXYLAB_TARGET would stop redis on this machine, or send a request to
    a route the target does not map: the book must skip what `make labs` skips, for the same reason."""
    from labs.book.app import _run

    (tmp_path / "01-against-a-target.yaml").write_text(LAB)
    lab = load_lab(tmp_path / "01-against-a-target.yaml")
    _, unmapped, local = (_run(lab, step, context) for step in lab.steps[:3])
    assert unmapped.skipped and "maps no route" in unmapped.skip_reason
    assert local.skipped and local.skip_reason == "it acts on this machine's stack, not the target"
