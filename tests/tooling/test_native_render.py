"""The native copies of the Caddy and HAProxy configs (proxylab/proxies/caddy.py, haproxy.py).

They may differ from caddy/Caddyfile and haproxy/haproxy.cfg only in addresses and paths; the
binaries that run them (the cached Caddy build, Debian's haproxy) must accept them as written.
A failure here means `make up` natively would start a proxy that listens elsewhere than Compose
publishes, reaches no app, or refuses its own config.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from proxylab.compose import Stack
from proxylab.native.addresses import NativeAddresses
from proxylab.native.go_build import image_version
from proxylab.proxies.caddy import TOOL as CADDY
from proxylab.proxies.caddy import render_caddy
from proxylab.proxies.haproxy import render_haproxy
from proxylab.versions import pinned_program


def test_every_caddy_site_binds_where_compose_publishes_it(real_stack: Stack, tmp_path: Path) -> None:
    """Published sites bind 127.0.0.1 (the *bind anchor), the health site Caddy's own 127.30.0.6."""
    text = render_caddy(real_stack.services["caddy"], NativeAddresses(real_stack), tmp_path).read_text()
    binds = dict(re.findall(r"^(?:https://)?:(\d+) \{\n\tbind (\S+)$", text, re.MULTILINE))
    assert binds["9201"] == "127.0.0.1" and binds["9241"] == "127.0.0.1"
    assert binds["8080"] == "127.30.0.6"
    assert "reverse_proxy 127.0.0.1:8001" in text  # app-plain:8000 is published on 8001
    assert "reverse_proxy 127.30.0.21:8000 127.30.0.22:8000" in text  # unpublished replicas
    assert f"tls {real_stack.path.parent}/.run/certs/server.pem" in text


def test_every_haproxy_bind_and_server_is_native(real_stack: Stack, tmp_path: Path) -> None:
    """Each frontend binds where Compose publishes it; each server line names a native address."""
    text = render_haproxy(real_stack.services["haproxy"], NativeAddresses(real_stack), tmp_path).read_text()
    assert "bind 127.0.0.1:9301\n" in text and "bind 127.30.0.7:8080\n" in text
    assert f"bind 127.0.0.1:9341 ssl crt {real_stack.path.parent}/.run/certs/server-with-key.pem" in text
    assert "server app-plain 127.0.0.1:8001\n" in text
    assert not re.search(r"\bapp-[\w-]+:8000\b", text)


def test_haproxy_accepts_its_native_config(real_stack: Stack, tmp_path: Path) -> None:
    haproxy = str(pinned_program(real_stack, "haproxy"))
    config = render_haproxy(real_stack.services["haproxy"], NativeAddresses(real_stack), tmp_path)
    done = subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True, text=True)
    # The TLS frontend needs the generated certificate: `make up` and the test session make it.
    assert done.returncode == 0, done.stdout + done.stderr


def test_caddy_accepts_its_native_config(real_stack: Stack, tmp_path: Path) -> None:
    caddy = CADDY.binary_path(image_version(real_stack.image_tag("caddy")))
    if not caddy.is_file():
        pytest.skip("the Caddy build is not cached (`make caddy`)")
    config = render_caddy(real_stack.services["caddy"], NativeAddresses(real_stack), tmp_path)
    done = subprocess.run(
        [str(caddy), "adapt", "--config", str(config), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
