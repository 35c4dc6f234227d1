"""A Go-built proxy is built once, however many processes ask for it at the same moment, and says
how far it got while it builds.

On a fresh machine the first `make up`, `make traefik caddy`, the doctor and two pytest workers
may all need Traefik or Caddy before it is cached. Each used to build into the same `.partial`
file; the second to finish found it renamed away and failed with FileNotFoundError (seen while
this machine was set up). A build takes minutes: its log names the packages compiled so far
(go_progress.py), and a failed one the Go error. These tests build a tiny Go program with the
real toolchain.
"""

from __future__ import annotations

import dataclasses
import shutil
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from proxylab.errors import ProxylabError
from proxylab.native import go_progress
from proxylab.native.go_build import GoTool

pytestmark = pytest.mark.skipif(shutil.which("go") is None, reason="no Go toolchain on PATH")

MAIN = """package main

import "fmt"

var version = "unknown"

func main() { fmt.Println(version) }
"""


@dataclass(frozen=True)
class TinyTool(GoTool):
    """A GoTool whose module is a folder of the test's, and whose cache is another."""

    root: Path = Path()

    @property
    def tools(self) -> Path:
        return self.root / "module"

    def module_version(self) -> str:
        return "v1.0.0"

    def binary_path(self, version: str) -> Path:
        return self.root / "cache" / version / self.name


@pytest.fixture
def tool(tmp_path: Path) -> TinyTool:
    module = tmp_path / "module"
    module.mkdir()
    (module / "go.mod").write_text("module example.com/tiny\n\ngo 1.21\n")
    (module / "main.go").write_text(MAIN)
    return TinyTool("tiny", "Tiny", "example.com/tiny", ".", "main.version", root=tmp_path)


def test_two_callers_at_once_build_once_and_both_get_the_binary(tool: TinyTool) -> None:
    """Two builds of one binary at once: one would have lost its output (FileNotFoundError)."""
    logs: list[str] = []
    results: list[Path | BaseException] = []

    def ask() -> None:
        try:
            results.append(tool.ensure("v1.0.0", log=logs.append))
        except BaseException as error:  # the test reports what a caller would have seen
            results.append(error)

    callers = [threading.Thread(target=ask) for _ in range(2)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(timeout=300)
    assert all(isinstance(result, Path) and result.is_file() for result in results), results
    assert len(results) == 2
    assert sum("building Tiny" in line for line in logs) == 1, logs
    assert not list(tool.binary_path("v1.0.0").parent.glob("*.partial*")), "a partial build was left behind"


def test_a_cached_binary_is_returned_without_building(tool: TinyTool) -> None:
    """The second `make up` must not rebuild: the binary is there, built by the Go on PATH."""
    first = tool.ensure("v1.0.0", log=lambda _: None)
    logs: list[str] = []
    assert tool.ensure("v1.0.0", log=logs.append) == first
    assert logs == []


def test_a_tool_keyed_by_its_inputs_is_built_again_when_its_go_mod_changes(tool: TinyTool) -> None:
    """kube-apiserver's version says nothing of what its 33 replaces point at: a cached binary
    built from another go.mod would be run as if it were this one's."""
    keyed = dataclasses.replace(tool, keyed_by_inputs=True)
    first = keyed.ensure("v1.0.0", log=lambda _: None)
    assert (first.parent / ".inputs").read_text().strip() == keyed.inputs_digest("v1.0.0")
    logs: list[str] = []
    assert keyed.ensure("v1.0.0", log=logs.append) == first and logs == []
    assert keyed.build_pending("v1.0.0") is None
    (keyed.tools / "go.mod").write_text((keyed.tools / "go.mod").read_text() + "// changed\n")
    assert keyed.build_pending("v1.0.0") == f"the {keyed.title} v1.0.0 build"  # `make up` waits for it
    keyed.ensure("v1.0.0", log=logs.append)
    assert any("built from other inputs" in line for line in logs), logs
    assert (first.parent / ".inputs").read_text().strip() == keyed.inputs_digest("v1.0.0")


# --- progress -----------------------------------------------------------------------------------

# A main package and one of its own, with a constant no earlier build had: `go build -v` names only
# the packages it compiles, and one from the build cache is not compiled again.
TWO_PACKAGES_MAIN = """package main

import (
\t"fmt"

\t"example.com/tiny/greet"
)

var version = "unknown"

func main() { fmt.Println(greet.Hello(version)) }
"""

GREET = """package greet

const built = "{token}"

func Hello(v string) string {{ return "hello " + v + built + {undefined} }}
"""


def _two_packages(tool: TinyTool, undefined: str = '""') -> TinyTool:
    (tool.tools / "main.go").write_text(TWO_PACKAGES_MAIN)
    (tool.tools / "greet").mkdir()
    (tool.tools / "greet" / "greet.go").write_text(GREET.format(token=uuid.uuid4().hex, undefined=undefined))
    return tool


def test_a_build_logs_the_packages_it_compiles(tool: TinyTool, monkeypatch) -> None:
    """With no terminal (pytest captures stdout, as CI has none) the progress comes as plain lines;
    here one per line go prints, instead of one every 15 s."""
    monkeypatch.setattr(go_progress, "PLAIN_EVERY", 0.0)
    logs: list[str] = []
    _two_packages(tool).ensure("v1.0.0", log=logs.append)
    progress = [line for line in logs if line.startswith("building Tiny v1.0.0: ")]
    assert progress and progress[-1].startswith("building Tiny v1.0.0: 2 packages, "), logs
    assert progress[-1].endswith(", now example.com/tiny"), logs
    assert logs[-1].startswith("built Tiny v1.0.0 in ") and logs[-1].endswith("(2 packages compiled)"), logs


def test_a_failed_build_shows_the_go_error_not_the_package_names(tool: TinyTool) -> None:
    """The error's details are the Go error: without them, a newcomer has only `go build failed`."""
    with pytest.raises(ProxylabError) as raised:
        _two_packages(tool, undefined="w").ensure("v1.0.0", log=lambda _: None)
    details = raised.value.details.splitlines()
    assert details[-1].endswith("undefined: w"), details
    assert "example.com/tiny/greet" not in details, "a -v package line was taken for the error"
    assert not list(tool.binary_path("v1.0.0").parent.glob("*.partial*")), "a partial build was left behind"


# --- another version than tools/<name>/go.mod's (make drift's proxy axis) ------------------------

OWN_GO_MOD = """module github.com/traefik/traefik/v3

go 1.22.0

require github.com/gorilla/mux v1.8.1

// Traefik's forks.
replace (
\tgithub.com/abbot/go-http-auth => github.com/containous/go-http-auth v0.4.1 // a comment
\tgithub.com/gorilla/mux => github.com/containous/mux v0.0.0-20220627093034-b2dd784e613f
)

exclude github.com/tencentcloud/tencentcloud-sdk-go v3.0.83+incompatible
replace github.com/cucumber/godog => github.com/cucumber/godog v0.13.0
"""


def test_a_generated_module_repeats_the_versions_own_replaces(tool: TinyTool, monkeypatch) -> None:
    """Without its replaces a Traefik version would build against upstream gorilla/mux, not its
    fork, or not build at all: a requiring module must repeat them."""
    from proxylab.native import go_build

    monkeypatch.setattr(go_build, "_downloaded_go_mod", lambda module, version: OWN_GO_MOD)
    folder = tool.generated_module("v0.9.0")
    assert folder == tool.binary_path("v0.9.0").parent / "module"
    text = (folder / "go.mod").read_text()
    assert "\ngo 1.22.0\n" in text and text.endswith("\nrequire example.com/tiny v0.9.0\n")
    assert go_build.copied_directives(text) == [
        "replace github.com/abbot/go-http-auth => github.com/containous/go-http-auth v0.4.1",
        "replace github.com/gorilla/mux => github.com/containous/mux v0.0.0-20220627093034-b2dd784e613f",
        "exclude github.com/tencentcloud/tencentcloud-sdk-go v3.0.83+incompatible",
        "replace github.com/cucumber/godog => github.com/cucumber/godog v0.13.0",
    ]
    assert tool.module_dir("v1.0.0") == tool.tools, "the pinned version must build in tools/<name>"


def test_a_local_path_replace_names_the_version_that_cannot_be_built(tool: TinyTool, monkeypatch) -> None:
    """Traefik 3.7's go.mod replaces a nested module by ./pkg/config/dynamic/ext, which its module zip lacks:
    the error must say so rather than fail inside go build."""
    from proxylab.native import go_build

    local = OWN_GO_MOD + "replace github.com/traefik/traefik/dynamic/ext => ./pkg/config/dynamic/ext\n"
    monkeypatch.setattr(go_build, "_downloaded_go_mod", lambda module, version: local)
    with pytest.raises(ProxylabError, match="replaces a module by a local path"):
        tool.generated_module("v0.9.0")
