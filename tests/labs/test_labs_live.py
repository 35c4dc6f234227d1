"""Every lab, verified on the live stack; every request step replayed with curl; a handout.

Each labs/NN-*.yaml is one test, found at collection, so a new lab is checked with no change
here. When one fails, the pinned uvicorn, Starlette, FastAPI or a proxy (or a config in traefik/,
nginx/, caddy/ or haproxy/) no longer does what the lab teaches: the message is the step's expected-vs-
actual table, its curl command and the raw response. Fix the cause, or, if the new behaviour is
right, the lab's text and expectation together; never the expectation alone.

Each lab runs once: right after each request step, the command the step displays is run with
the curl binary (tests/labs/curl_replay.py), and its answer must show the same status and fields;
so are a websocket step's `python -m websockets` and an sse step's `curl -N` (stream_replay.py).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from importlib import metadata

import pytest
from curl_replay import replay
from stream_replay import replay_stream

from labs.__main__ import main
from labs.handouts import generate
from labs.kinds import KINDS
from labs.model import find_labs, load_lab, select
from labs.reports import explain
from labs.runner import require_stack, run_lab
from proxylab.context import Context

pytestmark = pytest.mark.stack

REPLAYED = ("request", "websocket", "sse")  # the kinds whose shown command is run and compared


def _labs() -> list:
    """Every lab; one with a step whose kind changes the stack (StepKind.changes_the_stack:
    stop, start, probe-sim, rolling-restart, release-set, bench, endpoint-ready) runs `alone`
    (proxylab/testphases.py)."""
    return [
        pytest.param(
            path,
            id=path.stem,
            marks=[pytest.mark.alone]
            if any(KINDS[step.kind].changes_the_stack for step in load_lab(path).steps)
            else [],
        )
        for path in find_labs()
    ]


@pytest.fixture(scope="module")
def context(live_context) -> Context:
    return live_context


@pytest.fixture(scope="module")
def runs(context):
    """Each lab's results and, per request step, what curl showed differently; a lab runs once."""
    done = {}

    def run(path):
        if path not in done:
            lab = load_lab(path)
            require_stack([lab], context)
            replays = {}

            def replay_request(result):
                if result.skipped:  # nothing was sent, so nothing to send again
                    return
                if result.step.kind == "request":
                    replays[result.step.number] = replay(result, context)
                elif result.step.kind in REPLAYED:
                    replays[result.step.number] = replay_stream(result, context)

            done[path] = (run_lab(lab, context, replay_request), replays)
        return done[path]

    return run


def _skip_unless_it_ran(results) -> None:
    """A lab that names its backends (`backends: [native]`) is skipped on the others; one that
    names a profile (`profiles: [k8s]`), on a stack that leaves it out."""
    if results and all(result.skipped for result in results):
        pytest.skip(f"{results[0].lab.name} {results[0].skip_reason}")


@pytest.mark.parametrize("path", _labs())
def test_the_lab_holds_on_live_traffic(runs, path):
    """What this lab teaches is no longer what the pinned stack does (see the table below)."""
    results, _ = runs(path)
    _skip_unless_it_ran(results)
    failed = [result for result in results if not result.ok]
    assert not failed, "\n\n" + "\n\n".join(explain(result) for result in failed)


@pytest.mark.parametrize("path", _labs())
def test_the_command_shown_is_the_command_run(runs, path):
    """The curl a step displays would not send what the runner sent: a person pasting it from the
    slide would see another answer than the lab's."""
    results, replays = runs(path)
    _skip_unless_it_ran(results)
    differing = {
        f"step {number} `{next(r.command for r in results if r.step.number == number)}`": found
        for number, found in replays.items()
        if found
    }
    assert not differing, differing
    assert all(result.step.kind not in REPLAYED or result.step.number in replays for result in results)


def test_a_handout_is_written_from_a_real_run(context, http, tmp_path):
    """A handout would show a command nobody ran or values nobody saw (or pasted ones)."""
    [(path, ok)] = generate(select(["01"]), tmp_path, context)
    text = path.read_text()
    live = http.get("http://127.0.0.1:8000/app", timeout=5).json()
    assert path.name == "01-behind-a-stripping-proxy.md" and ok
    assert "$ curl -s -i http://127.0.0.1:8000/app\n" in text
    assert f"`{live['message']}`" in text and f"`{live['url']}`" in text
    assert "## Remember" in text and f"uvicorn {metadata.version('uvicorn')}" in text


def test_check_mode_writes_junit_and_labs_json(running_stack, tmp_path, capsys):
    """`make labs` would pass in CI without reports, or name the wrong versions at the top."""
    code = main(["verify", "01", "--reports", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.index("uvicorn") < out.index("✓ 01 step 1"), "the versions are not printed first"
    cases = ET.parse(tmp_path / "junit.xml").getroot().findall("testsuite/testcase")
    assert len(cases) == len(load_lab(select(["01"])[0]).steps)
    assert (tmp_path / "labs.json").is_file()
