"""PROXYLAB_APP_VENV: the native backend runs the app services, and only them, from another virtualenv.

When these fail, `make drift` and lab 14 would run the wrong uvicorn (their tables would show
today's versions under an older label), or they would also swap what must not change: the
one-shot `certs` service, the proxies, Redis.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from proxylab import compose
from proxylab.errors import ProxylabError
from proxylab.native.runners import APP_VENV_VARIABLE, process_spec


def _venv(root: Path) -> Path:
    (root / "bin").mkdir(parents=True)
    for name in ("python", "uvicorn"):
        (root / "bin" / name).write_text("#!/bin/sh\n")
    return root


def test_only_the_app_services_run_from_the_other_virtualenv(tmp_path, monkeypatch):
    stack = compose.load()
    venv = _venv(tmp_path / "old")
    monkeypatch.setenv(APP_VENV_VARIABLE, str(venv))
    run_dir = tmp_path / "run"
    assert process_spec(stack, "app-server-root-path", run_dir).argv[0] == str(venv / "bin" / "uvicorn")
    assert process_spec(stack, "app-drain-replica-1", run_dir).argv[0] == str(venv / "bin" / "python")
    assert not process_spec(stack, "certs", run_dir).argv[0].startswith(str(venv))
    assert not process_spec(stack, "redis", run_dir).argv[0].startswith(str(venv))
    assert APP_VENV_VARIABLE not in process_spec(stack, "app-plain", run_dir).env


def test_a_virtualenv_that_is_not_one_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv(APP_VENV_VARIABLE, str(tmp_path / "missing"))
    with pytest.raises(ProxylabError, match="is not a virtualenv"):
        process_spec(compose.load(), "app-plain", tmp_path / "run")
