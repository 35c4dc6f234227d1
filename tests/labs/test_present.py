"""Presenter mode and the `verify` lines, rendered to a recording console (no stack, no TTY).

When these fail, a presenter would see a mismatch without the expected or the live value, a
projector would get an unreadable dump, or the Enter/s/q keys would not do what the slide says.
"""

from __future__ import annotations

import pytest
from lab_fakes import fake_lab, fake_step
from rich.console import Console

from labs import present
from labs.present import LINE_WIDTH, MAX_LINES, cell, step_details, verify_line


def recording() -> Console:
    return Console(record=True, width=100, force_terminal=True, color_system="standard")


def test_a_mismatch_shows_expected_and_actual_side_by_side_in_red(mismatch):
    """The presenter could not see what the lab expected next to what came back."""
    console = recording()
    console.print(step_details(mismatch, raw=True))
    plain = console.export_text(clear=False)
    row = next(line for line in plain.splitlines() if "body.path" in line)
    assert "/api/v1/app" in row and row.rstrip().endswith("/app"), row
    assert "\x1b[1;31m/app" in console.export_text(styles=True), (
        "the actual value of a mismatch is not red bold"
    )
    assert "the raw response" in plain and "HTTP/1.1 200 OK" in plain
    assert "Why: Because." in plain


def test_a_matching_value_is_green_and_no_raw_response_is_shown(success):
    """A passing step would look like a failing one, or bury the table under the raw response."""
    console = recording()
    console.print(step_details(success, raw=False))
    assert "\x1b[32m/app" in console.export_text(styles=True, clear=False)
    assert "raw response" not in console.export_text()


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("/api/v1/app", "/api/v1/app"),
        ("x" * 100, "x" * (LINE_WIDTH - 1) + "…"),
        (
            {"x-forwarded-for": "127.0.0.1", "x-forwarded-proto": "http"},
            "x-forwarded-for: 127.0.0.1\nx-forwarded-proto: http",
        ),
        (
            {f"h{i}": "v" for i in range(MAX_LINES + 3)},
            "\n".join(f"h{i}: v" for i in range(MAX_LINES)) + "\n… 3 more",
        ),
        ([{"url": "/api/v1"}], '[{"url": "/api/v1"}]'),
        (
            [{"url": "/api/v1"}, {"url": "https://stag.example.com", "description": "Staging environment"}],
            '- {"url": "/api/v1"}\n'
            '- {"url": "https://stag.example.com", "description": "Staging environment"}',
        ),
    ],
)
def test_a_cell_fits_a_projector(value, shown):
    """A long header dump or schema would overflow the screen (or a flat mapping be one long line)."""
    assert cell(value) == shown


def four_steps():
    return fake_lab(
        *(fake_step(n, f"Step {n}", show=("status",), expect={"status": 200}) for n in range(1, 5))
    )


def test_without_a_terminal_every_step_runs_with_no_pause(native_context, monkeypatch):
    """`make lab` in a pipe or CI would hang waiting for a key nobody can press."""
    monkeypatch.setattr(present, "_read_key", lambda: pytest.fail("asked for a key without a terminal"))
    console = recording()
    results = present.present(four_steps(), native_context, console, interactive=False)
    text = console.export_text()
    assert [result.skipped for result in results] == [False] * 4
    assert "Lab 01: A fake lab" in text and "5 minutes" in text and "See what a fake does." in text
    assert "Fakes never fail to answer." in text and "4 of 4 steps as expected" in text


def test_enter_continues_s_skips_the_next_step_and_q_quits(native_context, monkeypatch):
    """The keys on the slide would do something else: skip the wrong step, or not stop."""
    keys = iter(["\n", "x", "s", "q"])  # start; an unknown key is ignored; skip step 2; quit after step 3
    monkeypatch.setattr(present, "_read_key", lambda: next(keys))
    console = recording()
    results = present.present(four_steps(), native_context, console, interactive=True)
    assert [(result.step.number, result.skipped) for result in results] == [(1, False), (2, True), (3, False)]
    assert "2 of 4 steps as expected; 1 skipped; 1 not run (quit)" in console.export_text()


def test_a_verify_line_is_one_line_when_the_step_holds(success, mismatch):
    """`make labs` would be noisy for passing steps, or terse for a failing one."""
    console = recording()
    console.print(verify_line(success))
    assert console.export_text().strip() == "✓ 01 step 1  The app, directly"
    console.print(verify_line(mismatch))
    text = console.export_text()
    assert (
        text.startswith("✗ 01 step 2  Through Traefik") and "$ curl -s -i http://127.0.0.1:8000/app" in text
    )
    assert "/api/v1/app" in text and "HTTP/1.1 200 OK" in text
