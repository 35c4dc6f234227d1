"""Fixtures for the echo app's own tests (no proxies, no Docker, no network beyond loopback).

`import app` finds the repository's app/ because pyproject.toml sets pytest's
`pythonpath = ["."]`; the shared mode table lives in app_modes.py, next to this file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root: the working directory `uvicorn app.main:app` and `python -m app.probe` need."""
    return REPO_ROOT
