"""Fixtures for the stack tooling's tests: the real compose.yaml, and a copy a test may break.

`lab_copy` copies compose.yaml with the folders it points at (traefik/, nginx/, tools/traefik/,
app/Dockerfile) into tmp_path, so a test can change one line of one file and load the result,
with relative paths resolved inside the copy, without touching the repo. `edit` makes that change
and fails loudly if the text to replace is gone: then compose.yaml or a config changed and the
test's mutation needs updating.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from proxylab.compose import ALL_PROFILES, Stack, load
from proxylab.paths import REPO

# What compose.yaml reads from the repo: enough for every check to run on a copy.
LAB_FILES = [
    "compose.yaml",
    "traefik",
    "nginx",
    "edge",
    "caddy",
    "haproxy",
    "tools/traefik/go.mod",
    "tools/caddy/go.mod",
    "tools/kube-apiserver/go.mod",
    "tools/kine/go.mod",
    "traefik-k8s",
    "app/Dockerfile",
]


@pytest.fixture
def real_stack() -> Stack:
    """The repo's compose.yaml with no variables set, every profile's services in it, as `make
    check` reads it."""
    return load(REPO / "compose.yaml", env={}, profiles=ALL_PROFILES)


@pytest.fixture
def lab_copy(tmp_path: Path) -> Path:
    """A copy of the files compose.yaml reads; returns the copied compose.yaml's folder."""
    for name in LAB_FILES:
        source, dest = REPO / name, tmp_path / name
        if not source.exists():
            pytest.fail(f"{name} is missing from the repo; the tooling tests copy it, so restore it")
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, dest)
        else:
            shutil.copyfile(source, dest)
    return tmp_path


@pytest.fixture
def edit(lab_copy: Path) -> Callable[[str, str, str], None]:
    """edit(file, old, new): replace the first `old` in a copied file with `new`."""

    def replace(name: str, old: str, new: str) -> None:
        path = lab_copy / name
        text = path.read_text()
        assert old in text, f"{name} no longer contains {old!r}; update this test's mutation"
        path.write_text(text.replace(old, new, 1))

    return replace


@pytest.fixture
def load_copy(lab_copy: Path) -> Callable[[], Stack]:
    """Load the copied (and perhaps edited) compose.yaml, its paths resolved inside the copy."""
    return lambda: load(lab_copy / "compose.yaml", env={}, project_dir=lab_copy, profiles=ALL_PROFILES)
