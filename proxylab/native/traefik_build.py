"""Traefik for the native backend: built from its own Go module, cached by version.

Traefik's go.mod has replace directives, so `go install .../cmd/traefik@vX` refuses it. The
module in tools/traefik/ requires Traefik at the image's version and repeats those directives;
`go build` there produces the same program the traefik image runs. The binary is cached under
~/.cache/proxylab/traefik/<version>/ (PROXYLAB_CACHE moves it) and reused by every later run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from proxylab.errors import ProxylabError
from proxylab.paths import CACHE_DIR, REPO

TOOLS = REPO / "tools" / "traefik"
PACKAGE = "github.com/traefik/traefik/v3/cmd/traefik"


def module_version() -> str:
    """The Traefik version tools/traefik/go.mod requires."""
    match = re.search(r"github\.com/traefik/traefik/v3 (v[\w.\-]+)", (TOOLS / "go.mod").read_text())
    if not match:
        raise ProxylabError("tools/traefik/go.mod", "requires no github.com/traefik/traefik/v3", "run `make traefik-mod`")
    return match[1]


def binary_path(version: str) -> Path:
    return CACHE_DIR / "traefik" / version / "traefik"


def ensure_traefik(version: str, log=print) -> Path:
    """Return the cached binary for `version`, building it first if needed (about 5 minutes)."""
    binary = binary_path(version)
    if binary.is_file():
        return binary
    if module_version() != version:
        raise ProxylabError(
            "traefik", f"compose.yaml runs traefik:{version} but tools/traefik/go.mod requires {module_version()}",
            "make them agree: update the image tag or rerun the go get in tools/traefik",
        )
    go = shutil.which("go")
    if go is None:
        raise ProxylabError("go", "the Go toolchain is not on PATH; the native backend builds Traefik with it", "install Go 1.25 or newer (.ci/run shows how) and retry")
    log(f"building Traefik {version} from its Go module into {binary.parent} (first run only; a few minutes)")
    binary.parent.mkdir(parents=True, exist_ok=True)
    partial = binary.with_suffix(".partial")
    started = time.monotonic()
    command = [
        go, "build", "-trimpath",
        "-ldflags", f"-s -w -X github.com/traefik/traefik/v3/pkg/version.Version={version}",
        "-o", str(partial), PACKAGE,
    ]
    result = subprocess.run(command, cwd=TOOLS, env={**os.environ, "GOFLAGS": "-mod=mod"}, capture_output=True, text=True)
    if result.returncode != 0:
        raise ProxylabError(
            "traefik build", f"`{' '.join(command)}` failed in tools/traefik", "read the Go error below; a network error means the Go module proxy was not reachable",
            details="\n".join((result.stderr or result.stdout).splitlines()[-20:]),
        )
    partial.replace(binary)
    log(f"built Traefik {version} in {time.monotonic() - started:.0f}s")
    return binary
