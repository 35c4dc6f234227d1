"""A Go-built proxy is built once, however many processes ask for it at the same moment.

On a fresh machine the first `make up`, `make traefik caddy`, the doctor and two pytest workers
may all need Traefik or Caddy before it is cached. Each used to build into the same `.partial`
file; the second to finish found it renamed away and failed with FileNotFoundError (seen while
this machine was set up). These tests build a tiny Go program with the real toolchain.
"""

from __future__ import annotations

import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

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
