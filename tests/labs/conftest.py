"""Fixtures for the lab runner's tests: lab files written on the fly, a context, fake results
(built with lab_fakes.py, no stack needed)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from lab_fakes import fake_lab, fake_step

from labs.runner import StepResult, run_step
from proxylab import compose
from proxylab.backend import choose
from proxylab.context import Context


@pytest.fixture(scope="session")
def native_context() -> Context:
    """The native backend's context, from compose.yaml alone: no process is asked anything."""
    stack = compose.load()
    return Context(stack, choose(stack, wanted="native"))


@pytest.fixture
def write_lab(tmp_path: Path) -> Callable[..., Path]:
    """write_lab(yaml_text, name="01-test.yaml") → the path of a lab file in tmp_path."""

    def write(text: str, name: str = "01-test.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def mismatch(native_context: Context) -> StepResult:
    """Step 2 of a fake lab: status as expected, body.path not (expected /api/v1/app, got /app)."""
    step = fake_step(
        2, "Through Traefik", show=("status",), expect={"status": 200, "body.path": "/api/v1/app"}
    )
    return run_step(fake_lab(fake_step(), step), step, native_context)


@pytest.fixture
def success(native_context: Context) -> StepResult:
    step = fake_step(1, "The app, directly", show=("status",), expect={"body.path": "/app"})
    return run_step(fake_lab(step), step, native_context)
