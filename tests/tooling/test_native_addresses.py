"""How the native backend keeps lab 12's trust lesson: the edge connects from an address of its own.

Natively every process shares one network stack, and all but the edge connect from 127.0.0.1.
When one of these fails, the native chain would trust "every local process" where the lab says
"only the edge" (or no longer trust the edge at all), and lab 12's steps would measure something
else natively than with Compose.
"""

from __future__ import annotations

from pathlib import Path

from proxylab import yamlload
from proxylab.compose import Stack
from proxylab.native.addresses import NativeAddresses
from proxylab.proxies.nginx.render import render_nginx
from proxylab.proxies.traefik.render import render_traefik


def test_the_edge_connects_from_its_own_address_and_the_others_from_loopback(real_stack: Stack) -> None:
    """{source:edge} would equal {source:traefik}: the app could not tell the hops apart."""
    addresses = NativeAddresses(real_stack)
    assert addresses.source_of("edge") == "127.30.0.5"
    assert addresses.source_of("traefik") == addresses.source_of("nginx") == "127.0.0.1"


def test_trust_lists_name_each_hop_as_it_connects_natively(real_stack: Stack) -> None:
    """The CIDR would hold Traefik's 127.0.0.1 or miss the edge's 127.30.0.5."""
    addresses = NativeAddresses(real_stack)
    chain_app = real_stack.services["app-trusts-the-chain"].environment["FORWARDED_ALLOW_IPS"]
    assert addresses.rewrite_environment_value(chain_app) == "127.0.0.1,127.30.0.4/31"
    assert addresses.rewrite_environment_value("172.30.0.2,172.30.0.3") == "127.0.0.1"
    assert addresses.rewrite_environment_value("*") == "*"
    assert addresses.rewrite_environment_value("") == ""


def test_the_rendered_configs_bind_and_trust_the_edge_address(real_stack: Stack, tmp_path: Path) -> None:
    """The edge would connect from 127.0.0.1, or Traefik's trustedIPs would name a lab address."""
    addresses = NativeAddresses(real_stack)
    render_nginx(real_stack.services["edge"], addresses, tmp_path / "edge")
    routes = (tmp_path / "edge" / "conf.d" / "routes.conf").read_text()
    assert "proxy_bind 127.30.0.5;" in routes and "172.30.0.5" not in routes
    static = yamlload.safe_load(
        render_traefik(real_stack.services["traefik"], addresses, tmp_path / "traefik").read_text()
    )
    assert static["entryPoints"]["chain-trusts-edge"]["forwardedHeaders"]["trustedIPs"] == ["127.30.0.5"]
    assert static["entryPoints"]["chain-insecure"]["forwardedHeaders"] == {"insecure": True}
