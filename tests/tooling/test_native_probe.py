"""The native health probe asks what compose.yaml's healthcheck asks: one URL, or each URL of a
CMD-SHELL check in turn (traefik-k8s: a route per provider), healthy only when every one is.

A failure means `make up` would call traefik-k8s healthy while a provider still routes nothing,
or never call it healthy.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from status_server import serving

from proxylab.native.probe import probe


@pytest.fixture
def server() -> Iterator[str]:
    with serving({"/ready": 200, "/missing": 404}) as url:
        yield url


def test_one_url(server: str) -> None:
    assert probe(f"{server}/ready", timeout=2) == (True, "200")
    assert probe(f"{server}/missing", timeout=2) == (False, "HTTP 404")


def test_several_urls_are_healthy_only_together(server: str) -> None:
    assert probe(f"{server}/ready {server}/ready", timeout=2)[0]
    ok, said = probe(f"{server}/ready {server}/missing", timeout=2)
    assert not ok
    assert said == f"{server}/missing: HTTP 404"
