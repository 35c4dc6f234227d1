"""Lab files: every real lab loads, and every malformed one fails at load time with a message
naming the file, the step (number and title) and the problem.

When a malformed-case test fails, a typo in a lab file would surface on a projector as a puzzling
mismatch (or a traceback) instead of a message the lab author can act on.
"""

from __future__ import annotations

import pytest

from labs.__main__ import main
from labs.fields import Expectation
from labs.kinds import KINDS
from labs.model import LabFileError, find_labs, load_lab, select

VALID_STEP = """\
  - title: First
    request: {url: "http://127.0.0.1:8000/app"}
    show: [status]
    expect: {status: 200}
    why: It answers.
"""


def lab_text(second_step: str = "", **top: str) -> str:
    """A valid lab whose `steps` are VALID_STEP plus `second_step`; `top` replaces top-level lines."""
    lines = {"title": "title: A test lab", "time": "time: 5 minutes", "goal": "goal: Test the loader."}
    lines.update(top)
    body = "\n".join(line for line in lines.values() if line)
    return f"{body}\nsteps:\n{VALID_STEP}{second_step}remember: [Loaders fail early.]\n"


# --- the real labs ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", find_labs(), ids=lambda path: path.stem)
def test_every_lab_file_loads(path):
    """This lab would stop `make labs` (exit 2) before any step runs."""
    lab = load_lab(path)
    assert lab.steps and lab.title and lab.goal and lab.time, (
        f"{path.name} lacks a title, goal, time or steps"
    )


def test_a_valid_lab_reads_into_steps_with_expectations(write_lab):
    """The loader would lose what a lab file says: the table's rows or their expectations."""
    lab = load_lab(write_lab(lab_text()))
    step = lab.steps[0]
    assert (lab.number, lab.name, lab.time) == ("01", "01-test", "5 minutes")
    assert (step.number, step.title, step.kind, step.show, step.why) == (
        1,
        "First",
        "request",
        ("status",),
        "It answers.",
    )
    assert step.expect == {"status": Expectation("equals", 200)}


# --- malformed lab files: (case, second step, problem the message names) -------------------------

STEP_CASES = [
    (
        "unknown step key",
        "  - title: Second\n    request: {url: 'http://x:1/'}\n    shwo: [status]\n",
        "unknown key 'shwo'",
    ),
    # every registered kind is listed (labs 06, 07 and the bench register more than request, docs)
    (
        "no action",
        "  - title: Second\n    show: [status]\n",
        f"exactly one action ({', '.join(KINDS)}); found none",
    ),
    (
        "two actions",
        "  - title: Second\n    request: {url: 'http://x:1/'}\n    docs: {url: 'http://x:1/docs'}\n",
        "found 2 (request, docs)",
    ),
    # a kind that is not registered (yet): signal/wait come with later issues
    (
        "unknown action",
        "  - title: Second\n    signal: {service: app-plain, signal: TERM}\n",
        "unknown key 'signal'",
    ),
    (
        "expect is a list",
        "  - title: Second\n    request: {url: 'http://x:1/'}\n    expect: [status]\n",
        "`expect:` is a mapping",
    ),
    (
        "bad field syntax in show",
        "  - title: Second\n    request: {url: 'http://x:1/'}\n    show: [body..path]\n",
        "'body..path' is not a dotted field name",
    ),
    (
        "bad field syntax in expect",
        "  - title: Second\n    request: {url: 'http://x:1/'}\n    expect: {'body path': 1}\n",
        "'body path' is not a dotted field name",
    ),
    (
        "field the kind has not",
        "  - title: Second\n    request: {url: 'http://x:1/'}\n    show: [bdy.path]\n",
        "'bdy.path' is not a field of a request step",
    ),
    (
        "docs field on a request",
        "  - title: Second\n    request: {url: 'http://x:1/'}\n    show: [openapi_url]\n",
        "not a field of a request step",
    ),
    (
        "bad regex",
        "  - title: Second\n    request: {url: 'http://x:1/'}\n    expect: {body.path: {matches: '(['}}\n",
        "is not a valid regular expression",
    ),
    (
        "absent takes a boolean",
        "  - title: Second\n    request: {url: 'http://x:1/'}\n    expect: {body.path: {absent: 'yes'}}\n",
        "`absent:` takes true or false",
    ),
    (
        "unknown request key",
        "  - title: Second\n    request: {url: 'http://x:1/', metod: POST}\n",
        "unknown key 'metod'",
    ),
    ("request without url", "  - title: Second\n    request: {method: POST}\n", "`request:` needs `url`"),
    (
        "url that is not http",
        "  - title: Second\n    request: {url: '127.0.0.1:8000/app'}\n",
        "is not an http:// or https:// URL",
    ),
    (
        "header value that is a list",
        "  - title: Second\n    request: {url: 'http://x:1/', headers: {Host: [a]}}\n",
        "`headers.Host:` takes a string",
    ),
    (
        "follow_redirects not a boolean",
        "  - title: Second\n    request: {url: 'http://x:1/', follow_redirects: 'yes'}\n",
        "`follow_redirects:` takes true or false",
    ),
]


@pytest.mark.parametrize(
    ("second_step", "problem"), [case[1:] for case in STEP_CASES], ids=[case[0] for case in STEP_CASES]
)
def test_a_malformed_step_names_file_step_and_problem(write_lab, second_step, problem):
    """The author would have to guess which of the lab's steps is wrong, and how."""
    path = write_lab(lab_text(second_step))
    with pytest.raises(LabFileError) as raised:
        load_lab(path)
    message = str(raised.value)
    assert "01-test.yaml" in message and "step 2 ('Second')" in message and problem in message, message


def test_a_step_without_title_is_named_by_number(write_lab):
    """An untitled step would be reported with no way to find it in the file."""
    with pytest.raises(LabFileError, match=r"01-test\.yaml, step 2 \(no title\): `title:` is missing"):
        load_lab(write_lab(lab_text("  - request: {url: 'http://x:1/'}\n")))


FILE_CASES = [
    ("bad YAML", "title: [unclosed\n", "cannot be read as YAML"),
    ("not a mapping", "- a list\n- of things\n", "a lab file is a mapping"),
    ("unknown top-level key", lab_text(title="titel: A typo"), "unknown key 'titel'"),
    ("missing title", lab_text(title=""), "`title:` is missing"),
    ("missing steps", "title: No steps\ntime: 1 minute\n", "`steps:` is missing"),
    ("steps not a list", "title: T\nsteps: {title: one}\n", "`steps:` is a list"),
    (
        "remember not a list of strings",
        lab_text() + "remember: [{a: b}]\n",
        "`remember:` is a list of strings",
    ),
    ("time not text", lab_text(time="time: 10"), "`time:` is text"),
]


@pytest.mark.parametrize(
    ("text", "problem"), [case[1:] for case in FILE_CASES], ids=[case[0] for case in FILE_CASES]
)
def test_a_malformed_lab_file_names_file_and_problem(write_lab, text, problem):
    """The author would not know which file to fix, or what to fix in it."""
    with pytest.raises(LabFileError) as raised:
        load_lab(write_lab(text))
    assert "01-test.yaml" in str(raised.value) and problem in str(raised.value), str(raised.value)


@pytest.mark.parametrize("name", ["1-test.yaml", "01_test.yaml", "01-Test.yaml"])
def test_a_lab_file_name_is_two_digits_and_a_slug(write_lab, name):
    """Labs would sort and number inconsistently (01, 1, 10 …)."""
    with pytest.raises(LabFileError, match="NN-slug.yaml"):
        load_lab(write_lab(lab_text(), name=name))


def test_two_labs_with_one_number_are_an_error(write_lab, tmp_path):
    """`make lab N=03` would pick one of two labs silently."""
    write_lab(lab_text(), "03-one.yaml")
    write_lab(lab_text(), "03-other.yaml")
    with pytest.raises(LabFileError, match="lab number 03 is taken by 03-one.yaml"):
        find_labs(tmp_path)


@pytest.mark.parametrize("word", ["1", "01", "01-test", "01-test.yaml"])
def test_a_lab_is_selected_by_number_or_name(write_lab, tmp_path, word):
    """`make lab N=1` and `N=01` would not both find lab 01."""
    path = write_lab(lab_text())
    assert select([word], tmp_path) == [path]


# --- the CLI on a malformed file ------------------------------------------------------------------


def test_the_cli_prints_a_lab_file_error_without_traceback_and_exits_2(write_lab, capsys):
    """A lab author would get a Python traceback (or exit 1, read as "a step failed") for a typo."""
    path = write_lab(lab_text("  - title: Second\n    request: {url: 'http://x:1/'}\n    expect: [status]\n"))
    code = main(["verify", str(path)])
    out = capsys.readouterr()
    text = out.out + out.err
    assert code == 2
    assert "Traceback" not in text
    assert "01-test.yaml, step 2 ('Second'): `expect:` is a mapping" in text, text


def test_presenting_with_no_lab_named_is_a_usage_error(capsys):
    """`python -m labs present` would start something, or fail with a traceback, instead of asking
    for a lab."""
    with pytest.raises(SystemExit) as exited:
        main(["present"])
    assert exited.value.code == 2 and "python -m labs present 01" in capsys.readouterr().err
