"""One virtualenv per release set, built once from PyPI and cached by what it installs.

What: `ensure_env(release_set)` returns a virtualenv under ~/.cache/proxylab/drift/<key>/ that has
the set's uvicorn, Starlette and FastAPI plus the app's other dependencies at proxylab's own pins
(pyproject.toml's [project.dependencies], constrained by constraints.txt without the three);
`None` for today's pins, which proxylab's .venv already has.
The key is a hash of those requirement lines and the Python version, so a set is built once per
machine; `lock.txt` in it records what pip resolved (`pip freeze`). Every set shares one pip cache
(~/.cache/proxylab/drift/pip), which saves downloads where the package index allows caching.
When: `make drift`, lab 14's `release-set` step and the drift test, before they restart the apps.
Why: the app services then run as `PROXYLAB_APP_VENV=<env> ...` (proxylab/native/runners.py)
while the proxies stay as they are.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from instruments.releases.sets import COMPONENTS, PINNED, ReleaseSet
from proxylab.errors import ProxylabError
from proxylab.paths import CACHE_DIR, REPO
from proxylab.versions import app_packages

DRIFT_CACHE = CACHE_DIR / "drift"
PIP_CACHE = DRIFT_CACHE / "pip"


def _constraints() -> list[str]:
    """constraints.txt minus uvicorn, Starlette and FastAPI: everything else stays at proxylab's pins."""
    lines = [line.strip() for line in (REPO / "constraints.txt").read_text().splitlines()]
    return [
        line
        for line in lines
        if "==" in line and not line.startswith("#") and line.split("==")[0].lower() not in COMPONENTS
    ]


def _app_dependencies() -> list[str]:
    """The app's own dependencies besides the three, as pyproject.toml's [project.dependencies]
    pins them (what app/Dockerfile installs): a server or library added there joins every set."""
    with (REPO / "pyproject.toml").open("rb") as stream:
        dependencies = tomllib.load(stream)["project"]["dependencies"]
    return [
        line
        for line in dependencies
        if re.split(r"[=<>!~\[ ;]", line, maxsplit=1)[0].lower() not in COMPONENTS
    ]


def env_key(release_set: ReleaseSet) -> str:
    """What the environment installs, hashed: the set, the other pins and the interpreter."""
    text = "\n".join(
        [*release_set.requirements, *_app_dependencies(), *_constraints(), f"python {sys.version_info[:3]}"]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def env_path(release_set: ReleaseSet) -> Path:
    return DRIFT_CACHE / env_key(release_set)


def ensure_env(release_set: ReleaseSet, log: Callable[[str], None] = print) -> Path | None:
    """The set's virtualenv, built now if the cache lacks it; None for today's pins (.venv)."""
    if release_set == PINNED:
        return None
    target = env_path(release_set)
    if (target / "lock.txt").is_file():
        return target
    log(f"building the environment of {release_set} (once; cached in {target})")
    # Built where it stays (a virtualenv's scripts name their interpreter by its absolute path, so
    # it cannot be moved); lock.txt, written last, marks it complete, and a half-built one is redone.
    shutil.rmtree(target, ignore_errors=True)
    DRIFT_CACHE.mkdir(parents=True, exist_ok=True)
    constraints = _constraints()
    constraints_file = DRIFT_CACHE / f"{target.name}.constraints.txt"
    constraints_file.write_text("\n".join(constraints) + "\n")
    try:
        _run(release_set, [sys.executable, "-m", "venv", str(target)])
        _run(
            release_set,
            [
                str(target / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--cache-dir",
                str(PIP_CACHE),
                "-c",
                str(constraints_file),
                *release_set.requirements,
                *_app_dependencies(),
            ],
        )
    except ProxylabError:
        shutil.rmtree(target, ignore_errors=True)
        raise
    finally:
        constraints_file.unlink(missing_ok=True)
    freeze = subprocess.run(
        [str(target / "bin" / "python"), "-m", "pip", "freeze"], capture_output=True, text=True, check=True
    )
    (target / "lock.txt").write_text(f"# {release_set}\n{freeze.stdout}")
    return target


def installed(env: Path | None) -> dict[str, str]:
    """uvicorn, starlette and fastapi as `env` (None: proxylab's .venv) has them installed."""
    if env is None:
        return {name: metadata.version(name) for name in COMPONENTS}
    return app_packages(env / "bin" / "python")


def _run(release_set: ReleaseSet, argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-6:])
        raise ProxylabError(
            f"the environment of {release_set}",
            f"could not be built ({' '.join(argv[2:4])} exited {done.returncode}):\n{tail}",
            "check that PyPI is reachable, that the versions exist there, "
            "and that FastAPI's Starlette range allows the pair (e.g. FastAPI 0.109 needs Starlette 0.35.x)",
        )
