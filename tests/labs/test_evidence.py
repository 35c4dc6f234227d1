"""Every lab step names its evidence, and every piece of evidence is where it says.

When one of these fails, a lab explains a behaviour by a function the pinned packages no longer
have, a directive a config no longer sets, or a line of Traefik's source that moved: the why may
no longer be true. Read the step, find what replaced it, and correct the why and its evidence together.
"""

from __future__ import annotations

import pytest

from labs.evidence import Evidence, parse_evidence, resolve
from labs.model import LabFileError, find_labs, load_lab

STEPS = [(lab, step) for lab in map(load_lab, find_labs()) for step in lab.steps]


@pytest.mark.parametrize(("lab", "step"), STEPS, ids=[f"{lab.number}-{step.number}" for lab, step in STEPS])
def test_every_step_names_its_evidence_and_it_resolves(lab, step):
    """A step whose why names no source, or names one that is not there."""
    assert step.evidence, f"{lab.name} step {step.number} ({step.title}) has no `evidence:`"
    missing = {str(source): why for source in step.evidence if (why := resolve(source))}
    assert not missing, f"{lab.name} step {step.number}: {missing}"


@pytest.mark.parametrize(
    ("line", "evidence"),
    [
        ("python: starlette.routing.get_route_path", Evidence("python", "starlette.routing.get_route_path")),
        ("file: nginx/nginx.conf: include", Evidence("file", "nginx/nginx.conf", "include")),
        ("nginx: $host", Evidence("nginx", "$host")),
        (
            "go: net/http/transport.go: errServerClosedIdle",
            Evidence("go", "net/http/transport.go", "errServerClosedIdle"),
        ),
        (
            "gateway-api: apis/v1/httproute_types.go: ReplacePrefixMatch",
            Evidence("gateway-api", "apis/v1/httproute_types.go", "ReplacePrefixMatch"),
        ),
    ],
)
def test_an_evidence_line_reads_as_written(line, evidence):
    assert parse_evidence(line) == evidence and str(evidence) == line


@pytest.mark.parametrize(
    "line",
    [
        "starlette.routing.get_route_path",
        "doc: https://example",
        "file: nginx/nginx.conf",
        "go: net/http/transport.go",
        "python: a.b: text",
        3,
    ],
)
def test_a_malformed_evidence_line_is_refused(line):
    """A lab could cite a source no test can find, and the check would pass by finding nothing."""
    with pytest.raises(ValueError):
        parse_evidence(line)


@pytest.mark.parametrize(
    "evidence",
    [
        Evidence("python", "starlette.routing.get_route_paths"),
        Evidence("python", "no_such_package.thing"),
        Evidence("file", "nginx/nginx.conf", "no such directive anywhere"),
        Evidence("nginx", "proxy_teleport"),
        Evidence("go", "net/http/transport.go", "func retryEverythingForever("),
        Evidence("gateway-api", "apis/v1/httproute_types.go", "ReplaceEverythingMatch"),
    ],
    ids=str,
)
def test_evidence_that_is_not_there_is_found_out(evidence):
    """resolve() would accept anything, and a renamed function would go unnoticed."""
    assert resolve(evidence) is not None


def test_a_lab_file_with_bad_evidence_fails_at_load_time(write_lab):
    """A typo in `evidence:` would surface only in the evidence test, not where the lab is written."""
    path = write_lab(
        "title: T\nsteps:\n  - title: S\n"
        "    request: {url: 'http://127.0.0.1:8000/app'}\n    evidence: [python]\n"
    )
    with pytest.raises(LabFileError, match="evidence 'python'"):
        load_lab(path)


def test_go_evidence_is_read_in_the_go_that_built_the_proxies(monkeypatch):
    """A `go:` line would be checked against one Go's standard library while the cached Traefik
    runs another's, after a Go upgrade (the build cache is keyed by Traefik's version only)."""
    from labs import evidence

    if evidence.go_root() is None:
        pytest.skip("no Go toolchain on PATH")
    monkeypatch.setattr(
        evidence, "built_with", lambda binary: "go1.20.1" if binary.name == "traefik" else None
    )
    problem = resolve(Evidence("go", "net/http/transport.go", "errServerClosedIdle"))
    assert problem is not None and "was built with go1.20.1" in problem and "make traefik" in problem


def test_gateway_api_evidence_is_read_at_the_version_traefik_requires(monkeypatch):
    """A `gateway-api:` line would quote a spec other than the one Traefik's Gateway provider is
    built against (tools/traefik/go.mod): lab 17's ReplacePrefixMatch table could change unseen."""
    import re

    from labs import evidence
    from proxylab.paths import REPO

    row = "// /foo         | /foo         | /              | /"
    assert resolve(Evidence("gateway-api", "apis/v1/httproute_types.go", row)) is None
    go_mod = (REPO / "tools" / "traefik" / "go.mod").read_text()
    required = re.search(r"^\s*sigs\.k8s\.io/gateway-api (v\S+)", go_mod, re.MULTILINE)[1]
    asked: list[tuple[str, str]] = []
    monkeypatch.setattr(evidence, "go_module_source", lambda parent, name: asked.append((parent, name)))
    problem = resolve(Evidence("gateway-api", "apis/v1/httproute_types.go", row))
    assert asked == [("sigs.k8s.io", f"gateway-api@{required}")]
    assert problem is not None and required in problem and "make k8s-build" in problem
