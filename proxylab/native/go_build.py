"""Proxies built from their own Go module for the native backend (and for the proxylab/caddy
image), cached by version and Go release: the GoTool each Go proxy's home declares (TOOL in
proxylab/proxies/traefik and proxylab/proxies/caddy.py).

tools/<name>/go.mod requires the proxy's module at the image's version, with its go.sum, so
`go build` there is reproducible, needs only the Go module proxy and produces the program the
image runs. (Traefik's go.mod has replace directives, so `go install .../cmd/traefik@vX` refuses
it; tools/traefik repeats them.) Built from a module, a binary would call its version "unknown",
so the version is stamped with `-ldflags -X` into the variable each project's release builds set.
The binary is cached under ~/.cache/proxylab/<name>/<version>/ (PROXYLAB_CACHE moves it) and
reused by every later run built with the same Go: after a Go upgrade it is built again, so the
standard library a lab's `go:` evidence reads (labs/evidence.py) is the one the proxy runs.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from proxylab.errors import ProxylabError
from proxylab.native.go_progress import follow_go_build
from proxylab.paths import CACHE_DIR, REPO


@dataclass(frozen=True)
class GoTool:
    """A proxy built from the Go module in tools/<name>/."""

    name: str  # the tools/ folder, the cache folder and the binary: "traefik"
    title: str  # as messages name it: "Traefik"
    module: str  # the module tools/<name>/go.mod requires at the image's version
    package: str  # the main package built from it
    version_variable: str  # where `-ldflags -X` stamps the version, so `<name> version` tells it

    @property
    def tools(self) -> Path:
        return REPO / "tools" / self.name

    def module_version(self) -> str:
        """The version tools/<name>/go.mod requires, e.g. v3.6.12."""
        match = re.search(rf"{re.escape(self.module)} (v[\w.\-]+)", (self.tools / "go.mod").read_text())
        if not match:
            raise ProxylabError(
                f"tools/{self.name}/go.mod",
                f"requires no {self.module}",
                f"restore tools/{self.name}/go.mod from git",
            )
        return match[1]

    def go_minimum(self) -> str:
        """The `go` line of tools/<name>/go.mod: the oldest toolchain that builds it."""
        match = re.search(r"^go (\S+)", (self.tools / "go.mod").read_text(), re.MULTILINE)
        return match[1] if match else "?"

    def binary_path(self, version: str) -> Path:
        return CACHE_DIR / self.name / version / self.name

    def ensure(self, version: str, log=print) -> Path:
        """Return the cached binary for `version`, building it first if needed (a few minutes).

        Two processes that need it at once (make's targets, two pytest workers, the doctor) build
        it once: the build holds a lock in the cache folder, and whoever waited finds it built."""
        binary = self.binary_path(version)
        if self._current(binary, log):
            return binary
        binary.parent.mkdir(parents=True, exist_ok=True)
        with (binary.parent / ".build.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not self._current(binary, log):
                self._build(version, binary, log)
        return binary

    def _current(self, binary: Path, log) -> bool:
        """The binary is there, built by the Go on PATH (or either is unknown)."""
        if not binary.is_file():
            return False
        built, current = built_with(binary), go_env("GOVERSION")
        if built is None or current is None or built == current:
            return True
        log(f"{binary} was built with {built}; the Go on PATH is {current}: building it again")
        return False

    def _build(self, version: str, binary: Path, log) -> None:
        required = self.module_version()
        if required != version:
            raise ProxylabError(
                self.name,
                f"compose.yaml runs {self.name} {version} but tools/{self.name}/go.mod requires {required}",
                f"make them agree: update the image tag or rerun the go get in tools/{self.name}",
            )
        go = shutil.which("go")
        if go is None:
            raise ProxylabError(
                "go",
                f"the Go toolchain is not on PATH; the native backend builds {self.title} with it",
                f"install Go {self.go_minimum()} or newer (.ci/run shows how) and retry",
            )
        log(
            f"building {self.title} {version} from its Go module into {binary.parent}"
            " (first run only; a few minutes)"
        )
        partial = binary.with_suffix(f".partial-{os.getpid()}")
        started = time.monotonic()
        command = [
            go,
            "build",
            # Names each package as it is compiled, for the progress line (go_progress.py); prints only.
            "-v",
            "-trimpath",
            "-ldflags",
            f"-s -w -X {self.version_variable}={version}",
            "-o",
            str(partial),
            self.package,
        ]
        status, progress = follow_go_build(
            command,
            cwd=self.tools,
            env={**os.environ, "GOFLAGS": "-mod=mod"},
            title=f"{self.title} {version}",
            log=log,
        )
        if status != 0:
            partial.unlink(missing_ok=True)
            raise ProxylabError(
                f"{self.name} build",
                f"`{' '.join(command)}` failed in tools/{self.name}",
                "read the Go error below; a network error means the Go module proxy was not reachable",
                details="\n".join(progress.messages[-20:])
                or f"go build printed no error (exit status {status})",
            )
        partial.replace(binary)
        seconds = time.monotonic() - started
        log(f"built {self.title} {version} in {seconds:.0f}s ({progress.packages} packages compiled)")


@cache
def go_env(name: str) -> str | None:
    """`go env NAME` of the `go` on PATH (GOVERSION go1.26.8, GOROOT, GOMODCACHE), or None without one."""
    go = shutil.which("go")
    if go is None:
        return None
    return subprocess.run([go, "env", name], capture_output=True, text=True).stdout.strip() or None


def built_with(binary: Path) -> str | None:
    """The Go release a binary was compiled with (`go version <binary>`), or None if unknown."""
    go = shutil.which("go")
    if go is None or not binary.is_file():
        return None
    done = subprocess.run([go, "version", str(binary)], capture_output=True, text=True)
    if done.returncode != 0:
        return None
    return done.stdout.rpartition(": ")[2].strip() or None  # "<path>: go1.26.8"


def image_version(tag: str) -> str:
    """The module version an image tag names: traefik:v3.6.12 runs v3.6.12, caddy:2.11.9-alpine v2.11.9."""
    return "v" + tag.split("-", 1)[0].removeprefix("v")
