"""Every lab, in check mode, on the real native stack; and a handout generated from a real run.

Each labs/NN-*.yaml is one test, found at collection, so a new lab is checked with no change
here. When one fails, the pinned uvicorn, Starlette, FastAPI, Traefik or Nginx (or a config in
traefik/ or nginx/) no longer does what the lab teaches: the message is the step's expected-vs-
actual table, its curl command and the raw response. Fix the cause, or, if the new behaviour is
right, the lab's text and expectation together; never the expectation alone.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from labs.__main__ import main
from labs.handouts import generate
from labs.model import find_labs, load_lab, select
from labs.reports import explain
from labs.runner import require_stack, run_lab
from proxylab.backend import choose
from proxylab.context import Context

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def context(running_stack) -> Context:
    return Context(running_stack, choose(running_stack, wanted="native"))


@pytest.mark.parametrize("path", find_labs(), ids=lambda path: path.stem)
def test_the_lab_holds_on_live_traffic(context, path):
    """What this lab teaches is no longer what the pinned stack does (see the table below)."""
    lab = load_lab(path)
    require_stack([lab], context)
    failed = [result for result in run_lab(lab, context) if not result.ok]
    assert not failed, "\n\n" + "\n\n".join(explain(result) for result in failed)


def test_a_handout_is_written_from_a_real_run(context, http, tmp_path):
    """A handout would show a command nobody ran or values nobody saw (or pasted ones)."""
    [(path, ok)] = generate(select(["01"]), tmp_path, context)
    text = path.read_text()
    live = http.get("http://127.0.0.1:8000/app", timeout=5).json()
    assert path.name == "01-behind-a-stripping-proxy.md" and ok
    assert "$ curl -s -i http://127.0.0.1:8000/app\n" in text
    assert f"`{live['message']}`" in text and f"`{live['url']}`" in text
    assert "## Remember" in text and "uvicorn 0.54.0" in text


def test_check_mode_writes_junit_and_labs_json(running_stack, tmp_path, capsys):
    """`make labs` would pass in CI without reports, or name the wrong versions at the top."""
    code = main(["verify", "01", "--reports", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.index("uvicorn") < out.index("✓ 01 step 1"), "the versions are not printed first"
    cases = ET.parse(tmp_path / "junit.xml").getroot().findall("testsuite/testcase")
    assert len(cases) == len(load_lab(select(["01"])[0]).steps)
    assert (tmp_path / "labs.json").is_file()
