"""Every figure in the labs' prose and README.md is asserted, quoted or recorded (labs/figures.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labs import figures
from labs.evidence import parse_evidence, resolve

LAB = """\
title: A planted lab
goal: >
  {goal}
steps:
  - title: One step
    rolling-restart:
      url: http://127.0.0.1:9021/api/v1/app
      replica: app-plain-replica-1
      rate: 100
      duration: 10
    expect:
      requests: 1000
    why: >
      {why}
    evidence:
      - 'file: traefik/dynamic/replicas.yml: passiveHealthCheck: {{failureWindow: 2s, maxFailedAttempts: 1}}'
      - 'python: app.dependency.DEFAULT_TIMEOUT_S'
remember:
  - {remember}
"""


def _lab(tmp_path: Path, why: str, goal: str = "A goal.", remember: str = "A line.") -> Path:
    path = tmp_path / "99-planted.yaml"
    path.write_text(LAB.format(why=why, goal=goal, remember=remember))
    return path


def _record(**changes: object) -> dict:
    record = {
        "command": "make labs N=99",
        "machine": "2 cores, Debian 12",
        "date": "2026-12-06",
        "versions": {"uvicorn": "0.54.0"},
        "runs": 53,
        "figures": {"99 step 1 why": ["4 of 53", "39-169 ms"]},
    }
    record.update(changes)
    return record


def test_every_figure_in_the_prose_is_asserted_quoted_or_recorded():
    """A figure in a goal, a why, a remember line or README.md that nothing keeps true."""
    found = figures.unbacked()
    assert not found, "figures nothing asserts, quotes or records (labs/README.md, Figures):\n" + "\n".join(
        map(str, found)
    )


def test_a_planted_unrecorded_figure_fails(tmp_path):
    lab = _lab(
        tmp_path,
        "It happened in 4 of 53 runs, a 502 39-169 ms after the SIGTERM.",
        goal="Each run took about 86 s.",
        remember="Expect 35-54 503s.",
    )
    found = {(figure.place, figure.text) for figure in figures.unbacked([lab], readme=None, records={})}
    assert found == {
        ("99 step 1 why", "4 of 53"),
        ("99 step 1 why", "39-169 ms"),
        ("99 goal", "about 86 s"),
        ("99 remember 1", "35-54 503s"),
    }


def test_a_planted_figure_in_the_readme_fails(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(
        "# Title\n\n## Building\n\n`make caddy` took 86 s on 2 cores.\n\n```console\nsleep 5 s\n```\n"
    )
    found = [(figure.place, figure.text) for figure in figures.unbacked([], readme=readme, records={})]
    assert found == [("README.md: Building", "86 s"), ("README.md: Building", "2 cores")]


def test_a_figure_the_step_asserts_or_quotes_passes(tmp_path):
    """rate and duration are the action's, 1000 its expect's, 2 s its evidence's config text, 0.5 s
    the value of the number its python: line names."""
    lab = _lab(
        tmp_path,
        "100 requests a second for 10 s, 1000 requests lost at most, out for 2 s, a 0.5 s PING.",
        goal="100 GET/s for 10 s.",
    )
    assert figures.unbacked([lab], readme=None, records={}) == []


def test_a_recorded_figure_passes_where_the_record_puts_it(tmp_path):
    lab = _lab(
        tmp_path, "It happened in 4 of 53 runs, a 502 39-169 ms after the SIGTERM.", remember="4 of 53 runs."
    )
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "lab-99.json").write_text(json.dumps(_record()))
    records = figures.load_records(tmp_path / "records")
    found = [(figure.place, figure.text) for figure in figures.unbacked([lab], readme=None, records=records)]
    assert found == [("99 remember 1", "4 of 53")]  # recorded for the why only


@pytest.mark.parametrize("missing", figures.RECORD_KEYS)
def test_a_record_says_how_its_figures_were_measured(tmp_path, missing):
    record = _record()
    del record[missing]
    (tmp_path / "bad.json").write_text(json.dumps(record))
    with pytest.raises(ValueError, match=missing):
        figures.load_records(tmp_path)


@pytest.mark.parametrize(
    "text",
    [
        "9106 sets X-Forwarded-Prefix",
        "Lab 13 sets the four proxies",
        "Starlette 0.32 routes on the whole path",
        "the script 404s",
        "idleConnTimeout 4s",
        "port 9999",
        "lab 14 runs exactly that",
        "uvicorn 0.26 in the path",
    ],
)
def test_names_and_config_values_are_not_figures(text):
    assert list(figures.figures_in(text)) == []


@pytest.mark.parametrize(
    ("text", "figure"),
    [
        ("a 502 sent 39-169 ms after", "39-169 ms"),
        ("in 4 of 53 Compose runs", "4 of 53"),
        ("1 run in 8", "1 run in 8"),
        ("kept the cores 32-39 % busy", "32-39 %"),
        ("in about 1½ minutes", "about 1½ minutes"),
        ("turns 322 cells into 404s", "322 cells"),
        ("(~15 s each", "~15 s"),
        ("35-54 503s", "35-54 503s"),
    ],
)
def test_measurements_are_figures(text, figure):
    assert [found for found, _ in figures.figures_in(text)] == [figure]


@pytest.mark.parametrize(("place", "figure"), list(figures.QUOTED))
def test_each_quoted_readme_figure_is_in_its_source_and_in_the_readme(place, figure):
    line = figures.QUOTED[place, figure]
    evidence = parse_evidence(line)
    assert resolve(evidence) is None, f"{line}: {resolve(evidence)}"
    assert figures.numbers(figure) <= figures.numbers(evidence.text or ""), (
        f"{figure!r} is not what {line} says"
    )
    assert (place, figure) in {(found.place, found.text) for found in figures.readme_figures()}, (
        f"README.md no longer says {figure!r} under {place!r}: drop it from figures.QUOTED"
    )
