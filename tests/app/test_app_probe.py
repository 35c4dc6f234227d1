"""`python -m app.probe`, the Docker healthcheck: exit 0 only on 2xx, one line on stderr otherwise."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from status_server import serving

from app.probe import main

# path -> status the little test server answers
STATUSES = {"/ok": 200, "/no-content": 204, "/down": 503, "/missing": 404, "/moved": 307}


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serving(STATUSES) as url:
        yield url


@pytest.mark.parametrize(
    ("path", "exit_code", "reason"),
    [
        ("/ok", 0, ""),
        ("/no-content", 0, ""),
        ("/down", 1, "answered 503 Service Unavailable"),
        ("/missing", 1, "answered 404 Not Found"),
        ("/moved", 1, "answered 307"),  # not followed: the probe judges the URL it was given
    ],
)
def test_exit_code_follows_the_status(
    base_url: str, path: str, exit_code: int, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Docker would mark an unready or redirecting app healthy, or a healthy one unhealthy."""
    assert main([base_url + path]) == exit_code
    stderr = capsys.readouterr().err
    assert reason in stderr
    assert stderr.count("\n") == (0 if exit_code == 0 else 1)


def test_connection_refused_is_a_one_line_failure(capsys: pytest.CaptureFixture[str]) -> None:
    """A dead app would crash the probe with a traceback instead of one readable line."""
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    assert main([f"http://127.0.0.1:{port}/health/ready"]) == 1
    assert capsys.readouterr().err.startswith(f"probe: GET http://127.0.0.1:{port}/health/ready failed:")


def test_a_hanging_app_fails_within_the_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    """A stuck app would hang the healthcheck until Docker kills it, with no reason recorded."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # accepts the connection in the kernel, never answers
        port = silent.getsockname()[1]
        assert main([f"http://127.0.0.1:{port}/", "--timeout", "0.3"]) == 1
    assert "timed out" in capsys.readouterr().err


def test_runs_as_a_module(base_url: str, repo_root: Path) -> None:
    """`python -m app.probe` (the form in the Dockerfile and compose.yaml) would not run."""
    finished = subprocess.run(
        [sys.executable, "-m", "app.probe", base_url + "/down"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert finished.returncode == 1
    assert finished.stderr.strip() == f"probe: GET {base_url}/down answered 503 Service Unavailable"
