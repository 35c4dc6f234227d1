"""PROXYLAB_APP_VENV: the native backend runs the app services, and only them, from another virtualenv.

When these fail, `make drift` and lab 14 would run the wrong uvicorn (their tables would show
today's versions under an older label), or they would also swap what must not change: the
one-shot `certs` service, the proxies, Redis.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from instruments.releases.apps import app_services
from proxylab import compose
from proxylab.errors import ProxylabError
from proxylab.native.runners import APP_VENV_VARIABLE, IMAGE_VENVS, process_spec, service_venv


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


def test_fastapi_run_services_run_from_their_image_s_own_virtualenv(tmp_path, monkeypatch):
    """Their image's environment wins over PROXYLAB_APP_VENV: otherwise `fastapi` would be looked
    for in a drift release set (which has no fastapi-cli) or in .venv (which must not have httptools)."""
    stack = compose.load()
    monkeypatch.setenv(APP_VENV_VARIABLE, str(_venv(tmp_path / "old")))
    own = service_venv(stack, "app-fastapi-run")
    assert own == stack.build_context("app-fastapi-run") / ".venv-fastapi-run"
    assert service_venv(stack, "app-fastapi-run-trusted") == own
    assert service_venv(stack, "app-plain") == tmp_path / "old"


def test_a_missing_fastapi_run_virtualenv_says_make_venv(tmp_path, monkeypatch):
    stack = compose.load()
    monkeypatch.setitem(IMAGE_VENVS, "proxylab-app-fastapi-run", str(tmp_path / "absent"))
    with pytest.raises(ProxylabError, match="absent, which does not exist") as raised:
        process_spec(stack, "app-fastapi-run", tmp_path / "run")
    assert "make venv" in raised.value.next_step


def test_drift_leaves_the_fastapi_run_services_out():
    """A release set has no fastapi-cli: drift must not restart these services from it."""
    services = app_services(compose.load())
    assert "app-server-root-path" in services
    assert not {"app-fastapi-run", "app-fastapi-run-trusted"} & set(services)
