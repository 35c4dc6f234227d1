"""Upstream releases from Debian's suites, unpacked into the cache: how Nginx, HAProxy and Redis
run natively (and in the registry-less images) at the version compose.yaml pins.

What: `DebianRelease`, one program packaged by Debian (nginx, haproxy, redis-server). `ensure(v)`
finds the Debian package whose upstream version is `v` in bookworm, trixie, sid or experimental,
downloads it with its whole dependency closure from that suite (apt with a private state: an
empty dpkg status, so nothing on the host counts as installed and nothing of the host's is
replaced), unpacks every package with `dpkg-deb -x` into ~/.cache/proxylab/debian/<name>/<v>/root
and writes a launcher for each program beside it. The launcher runs the program with the suite's
own loader and libraries (`ld-linux-x86-64.so.2 --library-path`), so sid's nginx 1.30 runs on a
bookworm host as it runs on sid.
When: by the homes in proxylab/proxies/ (nginx, haproxy) and the native Redis runner, and by
scripts/debian-images.sh, which copies the same folder into the images: one set of bytes for
both backends. `make drift`'s proxy axis unpacks older releases the same way.
Why not the host's package: bookworm has nginx 1.22 and haproxy 2.6 while compose.yaml pins 1.30
and 3.2; a lab's expectation is a fact of the pinned version only if that version is what runs.
Source packages are not served here (`apt-get source` answers 404), binary packages of every
suite are, and a suite's binaries run with that suite's loader.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from proxylab.errors import ProxylabError
from proxylab.paths import CACHE_DIR

# The suites searched for a version, oldest first: the first that has it is the one unpacked.
SUITES = ("bookworm", "trixie", "sid", "experimental")
# Lists older than this are fetched again before a version is looked up and not found.
_LISTS_MAX_AGE_S = 24 * 3600
# A version the lists lack is looked for again after a fresh fetch, at most this often.
_LISTS_RECHECK_S = 3600
_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
_LIBRARY_DIRS = ("usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu")
# Where a suite's libc6 puts its loader as a file (sid: usr/lib, bookworm: lib); the lib64 links
# beside them may be absolute and would lead to the host's loader.
_LOADERS = ("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")


@dataclass(frozen=True)
class DebianRelease:
    """A program from one Debian package, at any upstream version a suite has."""

    name: str  # the cache folder and, in messages, the program: "nginx"
    package: str  # the Debian package: "nginx", "haproxy", "redis-server"
    programs: tuple[str, ...]  # paths inside the unpacked root: ("usr/sbin/nginx",)

    def folder(self, version: str) -> Path:
        return CACHE_DIR / "debian" / self.name / version

    def launcher(self, version: str, program: str | None = None) -> Path:
        """The launcher of `program` (the first one by default) for `version`."""
        return self.folder(version) / "bin" / Path(program or self.programs[0]).name

    def unpacked(self, version: str) -> bool:
        return (self.folder(version) / "release").is_file()

    def release(self, version: str) -> str:
        """What was unpacked: "nginx 1.30.6-2 (sid, 13 packages)", or "" before it is."""
        path = self.folder(version) / "release"
        return path.read_text().strip() if path.is_file() else ""

    def ensure(self, version: str, log=print) -> Path:
        """The launcher for upstream `version`, downloading and unpacking it first if needed.

        Two processes that need it at once unpack it once: the work holds a lock in the cache
        folder, and whoever waited finds it done."""
        if self.unpacked(version):
            return self.launcher(version)
        folder = self.folder(version)
        folder.parent.mkdir(parents=True, exist_ok=True)
        with (folder.parent / f".{version}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not self.unpacked(version):
                self._unpack(version, folder, log)
        return self.launcher(version)

    def _unpack(self, version: str, folder: Path, log) -> None:
        started = time.monotonic()
        suite, debian_version = find_version(self.package, version, log)
        log(f"unpacking {self.package} {debian_version} from Debian {suite} into {folder} (first run only)")
        partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
        shutil.rmtree(partial, ignore_errors=True)
        try:
            self._unpack_into(partial, suite, debian_version)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        shutil.rmtree(folder, ignore_errors=True)
        partial.rename(folder)
        log(f"unpacked {self.release(version)} in {time.monotonic() - started:.0f}s")

    def _unpack_into(self, partial: Path, suite: str, debian_version: str) -> None:
        archives = partial / "debs"
        (archives / "partial").mkdir(parents=True)
        _apt(
            "apt-get",
            "install",
            "--download-only",
            "-y",
            "-q",
            f"{self.package}={debian_version}",
            suite=suite,
            archives=archives,
            what=f"downloading {self.package} {debian_version} and its dependencies from {suite}",
        )
        debs = sorted(archives.glob("*.deb"))
        root = partial / "root"
        root.mkdir()
        for deb in debs:
            subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        missing = [program for program in self.programs if not (root / program).is_file()]
        loader = next((path for path in _LOADERS if _is_file(root / path)), None)
        if missing or loader is None:
            raise ProxylabError(
                f"{self.package} {debian_version}",
                f"unpacked without {', '.join(missing) or 'a loader (' + ' or '.join(_LOADERS) + ')'}",
                f"look in {root}; the package may have moved the program (fix `programs` in its home)",
            )
        bin_dir = partial / "bin"
        bin_dir.mkdir()
        for program in self.programs:
            launcher = bin_dir / Path(program).name
            launcher.write_text(_launcher_script(self.package, debian_version, suite, loader, program))
            launcher.chmod(0o755)
        (partial / "packages").write_text("".join(f"{deb.name}\n" for deb in debs))
        shutil.rmtree(archives)
        (partial / "release").write_text(f"{self.package} {debian_version} ({suite}, {len(debs)} packages)\n")


def _is_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _launcher_script(package: str, debian_version: str, suite: str, loader: str, program: str) -> str:
    """A shell launcher that finds its root beside itself (wherever the folder is copied: the
    cache natively, /opt/debian/<name> in an image) and execs the program with that root's loader."""
    libraries = ":".join(f'"$root/{path}"' for path in _LIBRARY_DIRS).replace('":"', ":")
    return (
        "#!/bin/sh\n"
        f"# {program} of Debian's {package} {debian_version} ({suite}), with its own loader and\n"
        "# libraries: written by proxylab/native/debian_release.py.\n"
        'root="$(dirname "$(dirname "$(readlink -f "$0")")")/root"\n'
        f'exec "$root/{loader}" --library-path {libraries} "$root/{program}" "$@"\n'
    )


# --- apt with a state of its own ------------------------------------------------------------


def _apt_dir() -> Path:
    return CACHE_DIR / "debian" / "apt"


def _apt_options(suite: str | None, archives: Path | None) -> list[str]:
    """apt's options for a private state: its own sources (every suite of the host's mirror), its
    own lists, an empty dpkg status, no preferences, no lock on the host's dpkg."""
    base = _apt_dir()
    options = {
        "Dir::Etc::SourceList": base / "sources.list",
        "Dir::Etc::SourceParts": "/dev/null",
        "Dir::Etc::Preferences": "/dev/null",
        "Dir::Etc::PreferencesParts": "/dev/null",
        "Dir::State": base / "state",
        "Dir::State::status": base / "state" / "status",
        "Dir::Cache": base / "cache",
        "Debug::NoLocking": "1",
        "APT::Install-Recommends": "false",
        "APT::Architectures": "amd64",
        # The host's appstream hook adds AppStream metadata (DEP-11, a quarter of the lists'
        # size) to every update; an unpack never reads it.
        "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled": "false",
        "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled": "false",
        "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled": "false",
        "Acquire::IndexTargets::deb::DEP-11-icons-hidpi::DefaultEnabled": "false",
    }
    if suite is not None:
        # The suite's packages win every choice, so the closure comes from one suite.
        options["APT::Default-Release"] = suite
    if archives is not None:
        options["Dir::Cache::archives"] = archives
    return [word for key, value in options.items() for word in ("-o", f"{key}={value}")]


def _apt(*command: str, suite: str | None = None, archives: Path | None = None, what: str) -> str:
    done = subprocess.run(
        [command[0], *_apt_options(suite, archives), *command[1:]],
        capture_output=True,
        text=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"},
    )
    if done.returncode != 0:
        raise ProxylabError(
            f"apt ({what})",
            f"`{' '.join(command)}` failed",
            "read apt's error below; a network error means Debian's mirror was not reachable",
            details="\n".join((done.stderr or done.stdout).splitlines()[-15:]),
        )
    return done.stdout


def _update(log) -> None:
    """Fetch the lists of every suite of the host's mirror into the private state."""
    base = _apt_dir()
    for folder in (base / "state" / "lists" / "partial", base / "cache" / "archives" / "partial"):
        folder.mkdir(parents=True, exist_ok=True)
    status = base / "state" / "status"
    if not status.exists():
        status.write_text("")
    mirror = host_mirror()
    (base / "sources.list").write_text(
        "".join(f"deb [signed-by={_KEYRING}] {mirror} {suite} main\n" for suite in SUITES)
    )
    log(f"fetching the package lists of Debian {', '.join(SUITES)} from {mirror}")
    _apt("apt-get", "update", "-q", what=f"fetching the lists of {', '.join(SUITES)}")
    (base / "updated").write_text(f"{time.time():.0f}\n")


def _lists_age() -> float:
    stamp = _apt_dir() / "updated"
    try:
        return time.time() - float(stamp.read_text())
    except (OSError, ValueError):
        return float("inf")


def find_version(package: str, upstream: str, log=print) -> tuple[str, str]:
    """(suite, Debian version) of the package whose upstream version is `upstream`, from the
    oldest suite that has it; lists are fetched when missing, old, or without it."""
    _apt_dir().mkdir(parents=True, exist_ok=True)
    # Two unpacks at once (make up has them side by side) fetch the lists once, one at a time.
    with (_apt_dir() / ".lists.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _lists_age() > _LISTS_MAX_AGE_S:
            _update(log)
        match = _in_suites(package, upstream)
        if match is None and _lists_age() > _LISTS_RECHECK_S:
            _update(log)  # perhaps a version newer than our lists
            match = _in_suites(package, upstream)
    if match is not None:
        return match
    found = versions_of(package)
    offered = ", ".join(f"{upstream_of(v)} ({s})" for v, s in found) or "none"
    raise ProxylabError(
        f"{package} {upstream}",
        f"is in none of Debian's {', '.join(SUITES)} (they have: {offered})",
        "pin a version one of them has (compose.yaml's image tag), or let a suite catch up",
    )


def _in_suites(package: str, upstream: str) -> tuple[str, str] | None:
    found = versions_of(package)
    for suite in SUITES:
        for debian_version, in_suite in found:
            if in_suite == suite and upstream_of(debian_version) == upstream:
                return suite, debian_version
    return None


def versions_of(package: str) -> list[tuple[str, str]]:
    """[(Debian version, suite)] of `package` in the private lists (`apt-cache madison`)."""
    try:
        out = _apt("apt-cache", "madison", package, what=f"looking up {package}")
    except ProxylabError:
        return []
    found = []
    for line in out.splitlines():
        parts = [part.strip() for part in line.split("|")]
        if len(parts) == 3 and parts[0] == package:
            suite = parts[2].split()[1].split("/")[0]
            found.append((parts[1], suite))
    return found


def upstream_of(debian_version: str) -> str:
    """The upstream version in a Debian one: 5:8.0.6-3 → 8.0.6, 1.26.3-3+deb13u10 → 1.26.3."""
    version = re.sub(r"^\d+:", "", debian_version).rsplit("-", 1)[0]
    return re.split(r"[+~]", version, maxsplit=1)[0]


def upstream_of_tag(tag: str) -> str:
    """The upstream version an image tag names: nginx:1.30.6-alpine → 1.30.6."""
    return tag.split("-", 1)[0].removeprefix("v")


def host_mirror() -> str:
    """The Debian mirror the host's apt uses (deb822 or one-line sources), for the other suites."""
    deb822 = Path("/etc/apt/sources.list.d/debian.sources")
    if deb822.is_file():
        match = re.search(r"^URIs:\s*(\S+)", deb822.read_text(), re.MULTILINE)
        if match:
            return match[1]
    one_line = Path("/etc/apt/sources.list")
    if one_line.is_file():
        match = re.search(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+\w+", one_line.read_text(), re.MULTILINE)
        if match:
            return match[1]
    return "http://deb.debian.org/debian"
