"""labs/uvicorn_proxy_and_health_lab.py runs with only the Python dependencies and cleans up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "labs" / "uvicorn_proxy_and_health_lab.py"


def test_the_companion_walks_through_and_exits_0(tmp_path: Path) -> None:
    """The ops brief's runnable companion would be broken for readers with no proxies installed."""
    result = subprocess.run(
        [sys.executable, str(SCRIPT)], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert (
        "from 127.0.0.1   X-Forwarded-For 203.0.113.9, -Proto https → client 203.0.113.9, scheme https" in out
    )
    assert (
        "from 127.0.0.77  X-Forwarded-For 203.0.113.9, -Proto https → client 127.0.0.77, scheme http" in out
    )
    assert "live 200, startup 503, ready 503" in out
    assert "0.3 s after SIGTERM: ready 503, GET /app 200" in out
    assert "exit code 0" in out
