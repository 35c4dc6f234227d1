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
A tool `keyed_by_inputs` (the control plane's kube-apiserver and kine, proxylab/k8s) is also
built again when its go.mod or go.sum changes: a digest of both and the Go release is written to
`.inputs` beside the binary, since their version alone does not say what the replaces point at.

Another version than tools/<name>/go.mod's (`make drift`'s proxy axis) is built the same way from
a module generated beside its binary, ~/.cache/proxylab/<name>/<version>/module/go.mod
(`generated_module`): it requires the proxy's module at that version and copies the replace and
exclude directives of that version's own go.mod (read through the Go module proxy), which a
requiring module must repeat, as tools/traefik does for the pinned version. A replace by a local
path cannot be repeated (the folder is not in the module zip: Traefik 3.7's), and says so.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from proxylab.errors import ProxylabError
from proxylab.native.debian_release import upstream_of_tag
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
    # Set for the build only: kube-apiserver's module carries a go.work of its own (GOWORK=off).
    build_env: tuple[tuple[str, str], ...] = ()
    # Built again when go.mod, go.sum or the Go release change, not only the version (`.inputs`).
    keyed_by_inputs: bool = False

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
        if self._current(version, binary, log):
            return binary
        binary.parent.mkdir(parents=True, exist_ok=True)
        with (binary.parent / ".build.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not self._current(version, binary, log):
                self._build(version, binary, log)
                if self.keyed_by_inputs:
                    (binary.parent / ".inputs").write_text(self.inputs_digest(version) + "\n")
        return binary

    def build_pending(self, version: str) -> str | None:
        """What `ensure(version)` would first build, for a person ("the Traefik v3.6.12 build"),
        or None when the binary is cached (from the same inputs, for a tool keyed by them)."""
        binary = self.binary_path(version)
        if binary.is_file() and self._built_from_these_inputs(version, binary):
            return None
        return f"the {self.title} {version} build"

    def inputs_digest(self, version: str) -> str:
        """sha256 of the module's go.mod and go.sum and the Go release: what the binary is built from."""
        folder = self.module_dir(version)
        digest = hashlib.sha256()
        for part in (folder / "go.mod", folder / "go.sum"):
            digest.update(part.read_bytes() if part.is_file() else b"")
            digest.update(b"\0")
        digest.update((go_env("GOVERSION") or "").encode())
        return digest.hexdigest()

    def _current(self, version: str, binary: Path, log) -> bool:
        """The binary is there, built by the Go on PATH (or either is unknown), from the same inputs."""
        if not binary.is_file():
            return False
        if not self._built_from_these_inputs(version, binary):
            log(f"{binary} was built from other inputs (go.mod, go.sum or Go): building it again")
            return False
        built, current = built_with(binary), go_env("GOVERSION")
        if built is None or current is None or built == current:
            return True
        log(f"{binary} was built with {built}; the Go on PATH is {current}: building it again")
        return False

    def _built_from_these_inputs(self, version: str, binary: Path) -> bool:
        """True unless the tool is keyed by its inputs and `.inputs` names others (or none)."""
        if not self.keyed_by_inputs:
            return True
        recorded = binary.parent / ".inputs"
        return (recorded.read_text().strip() if recorded.is_file() else "") == self.inputs_digest(version)

    def module_dir(self, version: str) -> Path:
        """Where `version` is built: tools/<name> for the version its go.mod requires, else a
        module generated in the cache (generated_module)."""
        if version == self.module_version():
            return self.tools
        return self.generated_module(version)

    def generated_module(self, version: str) -> Path:
        """~/.cache/proxylab/<name>/<version>/module: a go.mod that requires the proxy's module at
        `version` with the replace and exclude directives of that version's own go.mod."""
        folder = self.binary_path(version).parent / "module"
        own = _downloaded_go_mod(self.module, version)
        directives = copied_directives(own)
        local = [line for line in directives if re.search(r"=>\s*\.{1,2}/", line)]
        if local:
            raise ProxylabError(
                f"{self.module} {version}",
                f"replaces a module by a local path ({local[0].strip()}), a folder its module zip lacks",
                f"it cannot be built from its Go module; pick another {self.title} version",
            )
        go_line = re.search(r"^go (\S+)", own, re.MULTILINE)
        text = (
            f"// Generated by proxylab/native/go_build.py: builds {self.module} {version} for\n"
            "// `make drift`, with the replace and exclude directives of its own go.mod.\n"
            f"module proxylab.local/tools/{self.name}\n\n"
            f"go {go_line[1] if go_line else self.go_minimum()}\n\n"
            + "".join(f"{line}\n" for line in directives)
            + f"\nrequire {self.module} {version}\n"
        )
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "go.mod").is_file() or (folder / "go.mod").read_text() != text:
            (folder / "go.mod").write_text(text)
            (folder / "go.sum").unlink(missing_ok=True)
        return folder

    def _build(self, version: str, binary: Path, log) -> None:
        go = shutil.which("go")
        if go is None:
            raise ProxylabError(
                "go",
                f"the Go toolchain is not on PATH; the native backend builds {self.title} with it",
                f"install Go {self.go_minimum()} or newer (.ci/run shows how) and retry",
            )
        module_dir = self.module_dir(version)
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
        # Lowest among equals: `make up` builds while the apps and the other proxies start, and a
        # first answer should not wait for the compiler's two cores (measured on a cold machine:
        # the first proxied answer came after the builds had begun).
        nice = shutil.which("nice")
        if nice is not None:
            command = [nice, "-n", "10", *command]
        status, progress = follow_go_build(
            command,
            cwd=module_dir,
            env={**os.environ, "GOFLAGS": "-mod=mod", **dict(self.build_env)},
            title=f"{self.title} {version}",
            log=log,
        )
        if status != 0:
            partial.unlink(missing_ok=True)
            raise ProxylabError(
                f"{self.name} build",
                f"`{' '.join(command)}` failed in {module_dir}",
                "read the Go error below; a network error means the Go module proxy was not reachable",
                details="\n".join(progress.messages[-20:])
                or f"go build printed no error (exit status {status})",
            )
        partial.replace(binary)
        seconds = time.monotonic() - started
        log(f"built {self.title} {version} in {seconds:.0f}s ({progress.packages} packages compiled)")


def _downloaded_go_mod(module: str, version: str) -> str:
    """The go.mod of `module` at `version`, from the Go module cache or through the module proxy."""
    go = shutil.which("go") or "go"
    done = subprocess.run(
        [go, "mod", "download", "-json", f"{module}@{version}"],
        capture_output=True,
        text=True,
        cwd=CACHE_DIR if CACHE_DIR.is_dir() else None,
        env={**os.environ, "GOFLAGS": "-mod=mod"},
    )
    found = json.loads(done.stdout or "{}") if done.stdout.strip().startswith("{") else {}
    if done.returncode != 0 or "GoMod" not in found or found.get("Error"):
        raise ProxylabError(
            f"{module} {version}",
            f"could not be had from the Go module proxy: {found.get('Error') or done.stderr.strip()}",
            "check the version exists (`go list -m -versions " + module + "`) and the proxy is reachable",
        )
    return Path(found["GoMod"]).read_text()


def copied_directives(go_mod: str) -> list[str]:
    """The replace and exclude directives of a go.mod, one per line (blocks unfolded), comments dropped."""
    lines, block = [], None
    for raw in go_mod.splitlines():
        line = raw.split("//", 1)[0].strip()
        if block is not None:
            if line == ")":
                block = None
            elif line:
                lines.append(f"{block} {line}")
            continue
        match = re.match(r"^(replace|exclude)\s*(\(?)\s*(.*)$", line)
        if match is None:
            continue
        if match[2]:
            block = match[1]
        elif match[3]:
            lines.append(f"{match[1]} {match[3]}")
    return lines


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
    return "v" + upstream_of_tag(tag)
