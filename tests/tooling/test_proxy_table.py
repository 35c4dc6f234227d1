"""proxylab/proxies: one table resolves an image or a name to its Proxy, and every caller asks it.

A failure here means a proxy's facts have drifted apart again: the native backend would run or
stop a proxy otherwise than its image does, or `make check` would skip a proxy compose.yaml runs.
"""

from __future__ import annotations

import inspect
import signal
from pathlib import Path

import pytest

from proxylab import proxies
from proxylab.compose import Stack
from proxylab.errors import ProxylabError
from proxylab.native.runners import process_spec
from proxylab.native.supervisor import NativeBackend
from proxylab.proxies.base import Proxy

# --- the table --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "name"),
    [
        ("nginx:1.30.0-alpine", "nginx"),
        ("proxylab/nginx:bookworm", "nginx"),  # compose.debian.yaml's own images
        ("docker.io/library/traefik:v3.6.12", "traefik"),
        ("caddy@sha256:0123", "caddy"),
        ("haproxy", "haproxy"),
        ("redis:7.4.2-alpine", None),  # Redis is no proxy
        ("proxylab-app:0.1.0", None),
        (None, None),
    ],
)
def test_an_image_resolves_to_the_proxy_it_runs(image: str | None, name: str | None) -> None:
    """The repository name decides, whatever the registry, tag or digest."""
    proxy = proxies.of_image(image)
    assert (proxy.name if proxy else None) == name


def test_every_row_resolves_to_a_proxy_named_as_its_row() -> None:
    """A row whose import string is wrong would fail only when that proxy is first used."""
    for name in proxies.PROXIES:
        proxy = proxies.by_name(name)
        assert proxy.name == name and proxies.by_name(name) is proxy


@pytest.mark.parametrize("name", list(proxies.PROXIES))
def test_every_proxy_has_the_protocols_members_with_its_signatures(name: str) -> None:
    """A home whose method took other arguments would fail only when its caller reached it."""
    proxy = proxies.by_name(name)
    for member, wanted in vars(Proxy).items():
        if inspect.isfunction(wanted) and not member.startswith("_"):
            bound = wanted.__get__(proxy)
            assert inspect.signature(getattr(proxy, member)) == inspect.signature(bound), member
    for attribute in Proxy.__annotations__:
        assert getattr(proxy, attribute) is not None, attribute


def test_an_unknown_name_is_an_error_naming_the_known_ones() -> None:
    with pytest.raises(ProxylabError) as raised:
        proxies.by_name("envoy")
    assert "traefik, nginx, caddy, haproxy" in raised.value.cause


def test_the_services_of_a_proxy_are_found_by_their_image(real_stack: Stack) -> None:
    """The edge and lab 16's nginx-bookworm run the nginx image: nginx services too, but `nginx`
    pins the version the reports name."""
    nginx = proxies.by_name("nginx")
    services = sorted(service.name for service in proxies.services_of(real_stack, nginx))
    assert services == ["edge", "nginx", "nginx-bookworm"]
    assert proxies.pinned_service(real_stack, nginx).name == "nginx"


# --- stopping: what the image's STOPSIGNAL says -------------------------------------------------


@pytest.mark.parametrize(
    ("service", "sig"),
    [
        ("nginx", signal.SIGQUIT),
        ("edge", signal.SIGQUIT),  # an nginx image, whatever the service's name
        ("haproxy", signal.SIGUSR1),
        ("traefik", signal.SIGTERM),
        ("caddy", signal.SIGTERM),
        ("redis", signal.SIGTERM),
        ("app-plain", signal.SIGTERM),
        ("a-service-compose-yaml-no-longer-has", signal.SIGTERM),
    ],
)
def test_a_native_service_stops_with_its_images_signal(
    real_stack: Stack, tmp_path: Path, service: str, sig: signal.Signals
) -> None:
    """Natively a proxy gets the signal Compose would send its container: the edge and haproxy
    used to get SIGTERM, a fast stop that drops the requests in flight."""
    assert NativeBackend(real_stack, run_dir=tmp_path)._stop_signal(service) == sig


# --- running: the Debian proxies need no build ---------------------------------------------------


def test_a_native_nginx_runs_in_its_run_folder(real_stack: Stack, tmp_path: Path) -> None:
    spec = process_spec(real_stack, "edge", tmp_path, log=lambda _: None)
    out = tmp_path / "edge"
    assert spec.argv[1:] == [
        "-p",
        f"{out}/",
        "-c",
        str(out / "nginx.conf"),
        "-e",
        "stderr",
        "-g",
        f"daemon off; pid {out}/nginx.pid;",
    ]
    assert spec.cwd == out


def test_a_native_haproxy_runs_in_the_foreground_on_its_copy(real_stack: Stack, tmp_path: Path) -> None:
    spec = process_spec(real_stack, "haproxy", tmp_path, log=lambda _: None)
    assert spec.argv[1:] == ["-db", "-f", str(tmp_path / "haproxy" / "haproxy.cfg")]


def test_caddy_keeps_its_data_and_config_in_its_run_folder(tmp_path: Path) -> None:
    """Not in ~/.local/share/caddy: the image keeps them in /data and /config."""
    assert proxies.by_name("caddy").env(tmp_path) == {
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
