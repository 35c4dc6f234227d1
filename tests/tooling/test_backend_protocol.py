"""Both backends keep the `Backend` Protocol's signatures, member by member.

A lab, a suite or a test asks `proxylab.backend.choose()` for whichever backend runs and calls it
through the Protocol. If one backend's method drifted (a parameter renamed, a default dropped, a
return type changed), the call would work on one backend and fail on the other, and only the CI
session of that backend would find it, late. This compares each public member of the Protocol
with each backend's, as inspect sees them (annotations as written, since every module uses
`from __future__ import annotations`).
"""

from __future__ import annotations

import inspect

import pytest

from proxylab.backend import Backend
from proxylab.compose_backend import ComposeBackend
from proxylab.native.supervisor import NativeBackend

BACKENDS = [NativeBackend, ComposeBackend]


def _protocol_methods() -> list[str]:
    return sorted(
        name
        for name, member in vars(Backend).items()
        if not name.startswith("_") and inspect.isfunction(member)
    )


def _protocol_attributes() -> list[str]:
    return sorted(name for name in Backend.__annotations__ if not name.startswith("_"))


def _shape(function) -> list[tuple[str, str, object, object]]:
    """Each parameter's name, kind, default and annotation, then the return annotation."""
    signature = inspect.signature(function)
    parameters = [(p.name, p.kind.name, p.default, p.annotation) for p in signature.parameters.values()]
    return [*parameters, ("return", "", None, signature.return_annotation)]


def test_the_protocol_names_the_members_the_labs_use() -> None:
    """An empty list here would make every comparison below pass without comparing anything."""
    assert {"up", "down", "status", "stop_service", "start_service", "versions"} <= set(_protocol_methods())
    assert {"name", "stack"} <= set(_protocol_attributes())


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("method", _protocol_methods())
def test_each_backend_method_has_the_protocols_signature(backend: type, method: str) -> None:
    """A mismatch means a caller written against the Protocol breaks on this backend only."""
    assert hasattr(backend, method), f"{backend.__name__} lacks Backend.{method}"
    assert _shape(getattr(backend, method)) == _shape(getattr(Backend, method)), (
        f"{backend.__name__}.{method}{inspect.signature(getattr(backend, method))} differs from "
        f"Backend.{method}{inspect.signature(getattr(Backend, method))}"
    )


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda cls: cls.__name__)
def test_each_backend_names_itself_as_choose_does(backend: type) -> None:
    """`name` is a class attribute: "native" or "compose", the values BACKEND= takes."""
    from proxylab.backend import NAMES

    assert backend.name in NAMES
