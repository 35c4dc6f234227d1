"""Caddy for the native backend (and the proxylab/caddy image): built from its Go module, cached.

tools/caddy/go.mod requires github.com/caddyserver/caddy/v2 at the caddy image's version, with
its go.sum, so the build is reproducible and needs only the Go module proxy. Built this way
`caddy version` would say "unknown", so the version is stamped into caddy.CustomVersion, as
Caddy's own release builds allow. The binary is cached under ~/.cache/proxylab/caddy/<version>/ (PROXYLAB_CACHE moves it).
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

TOOLS = REPO / "tools" / "caddy"
PACKAGE = "github.com/caddyserver/caddy/v2/cmd/caddy"


def module_version() -> str:
    """The Caddy version tools/caddy/go.mod requires, e.g. v2.11.9."""
    match = re.search(r"github\.com/caddyserver/caddy/v2 (v[\w.\-]+)", (TOOLS / "go.mod").read_text())
    if not match:
        raise ProxylabError("tools/caddy/go.mod", "requires no github.com/caddyserver/caddy/v2", "run `go get github.com/caddyserver/caddy/v2@<version>` in tools/caddy")
    return match[1]


def image_version(tag: str) -> str:
    """The module version an image tag names: caddy:2.11.9-alpine runs v2.11.9."""
    return "v" + tag.split("-", 1)[0].removeprefix("v")


def binary_path(version: str) -> Path:
    return CACHE_DIR / "caddy" / version / "caddy"


def ensure_caddy(version: str, log=print) -> Path:
    """Return the cached binary for `version` (v2.x.y), building it first if needed (minutes)."""
    binary = binary_path(version)
    if binary.is_file():
        return binary
    if module_version() != version:
        raise ProxylabError(
            "caddy", f"compose.yaml runs caddy {version} but tools/caddy/go.mod requires {module_version()}",
            "make them agree: update the image tag or rerun the go get in tools/caddy",
        )
    go = shutil.which("go")
    if go is None:
        raise ProxylabError("go", "the Go toolchain is not on PATH; the native backend builds Caddy with it", "install Go 1.26 or newer (.ci/run shows how) and retry")
    log(f"building Caddy {version} from its Go module into {binary.parent} (first run only; a few minutes)")
    binary.parent.mkdir(parents=True, exist_ok=True)
    partial = binary.with_suffix(".partial")
    started = time.monotonic()
    command = [
        go, "build", "-trimpath",
        "-ldflags", f"-s -w -X github.com/caddyserver/caddy/v2.CustomVersion={version}",
        "-o", str(partial), PACKAGE,
    ]
    result = subprocess.run(command, cwd=TOOLS, env={**os.environ, "GOFLAGS": "-mod=mod"}, capture_output=True, text=True)
    if result.returncode != 0:
        raise ProxylabError(
            "caddy build", f"`{' '.join(command)}` failed in tools/caddy", "read the Go error below; a network error means the Go module proxy was not reachable",
            details="\n".join((result.stderr or result.stdout).splitlines()[-20:]),
        )
    partial.replace(binary)
    log(f"built Caddy {version} in {time.monotonic() - started:.0f}s")
    return binary
