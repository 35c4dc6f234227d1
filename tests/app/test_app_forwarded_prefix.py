"""root_path from X-Forwarded-Prefix: the docs' tutorial005 middleware and the variant that
believes only FORWARDED_ALLOW_IPS (app/forwarded_prefix.py), and Hypercorn's ProxyFix behind the
same address check (app/proxy_fix.py). Starlette's TestClient connects as `client=` says; lab 11
shows the same on live traffic.
"""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from app.main import create_app, create_server_app
from app.settings import Settings, SettingsError
from app.trusted_peers import TrustedPeers

PROXY = ("172.30.0.2", 40000)
STRANGER = ("203.0.113.9", 40000)
FORGED = {"X-Forwarded-Prefix": "https://evil.example"}


def _echo(settings: Settings, client: tuple[str, int], headers: dict[str, str], path: str = "/app") -> dict:
    with TestClient(create_server_app(settings), client=client) as http:
        return http.get(path, headers=headers).json()


# --- the docs' middleware: anyone's header is the root_path ------------------------------------
@pytest.mark.parametrize("client", [PROXY, STRANGER])
def test_the_docs_middleware_believes_whoever_sends_the_header(client: tuple[str, int]) -> None:
    """If a stranger's prefix were ignored, the docs' tutorial005 would not be reproduced as written."""
    body = _echo(Settings(forwarded_prefix="docs"), client, FORGED)
    assert body["root_path"] == "https://evil.example"
    assert body["root_path_mode"] == "header"
    assert body["path"] == "/app"  # the middleware sets root_path only


def test_the_docs_middleware_strips_a_trailing_slash_and_ignores_an_empty_header() -> None:
    """tutorial005 does `.rstrip("/")` and sets nothing for an empty value."""
    assert (
        _echo(Settings(forwarded_prefix="docs"), PROXY, {"X-Forwarded-Prefix": "/api/v1/"})["root_path"]
        == "/api/v1"
    )
    assert _echo(Settings(forwarded_prefix="docs"), PROXY, {"X-Forwarded-Prefix": ""})["root_path"] == ""


def test_a_forged_prefix_reaches_the_openapi_servers() -> None:
    """The schema's servers would not show the poisoning lab 11 demonstrates."""
    with TestClient(create_app(Settings(forwarded_prefix="docs")), client=STRANGER) as http:
        assert http.get("/openapi.json", headers=FORGED).json()["servers"] == [
            {"url": "https://evil.example"}
        ]


# --- the variant: only the proxies' header ------------------------------------------------------
def test_the_variant_believes_the_proxies() -> None:
    """Behind a trusted proxy the variant must work like the docs' middleware."""
    body = _echo(
        Settings(forwarded_prefix="trusted", forwarded_allow_ips="172.30.0.2,172.30.0.3"),
        PROXY,
        {"X-Forwarded-Prefix": "/api/v1"},
    )
    assert body["root_path"] == "/api/v1"


def test_the_variant_drops_a_strangers_header() -> None:
    """A stranger's prefix must neither set root_path nor reach the app as a header."""
    body = _echo(
        Settings(forwarded_prefix="trusted", forwarded_allow_ips="172.30.0.2,172.30.0.3"), STRANGER, FORGED
    )
    assert body["root_path"] == ""
    assert "x-forwarded-prefix" not in body["forwarded_headers"]


def test_the_variant_still_finds_the_client_behind_a_trusted_proxy() -> None:
    """uvicorn runs with --no-proxy-headers for this app, so the app's own ProxyHeadersMiddleware
    must take the client from X-Forwarded-For, after the prefix check saw the proxy's address."""
    body = _echo(
        Settings(forwarded_prefix="trusted", forwarded_allow_ips="172.30.0.2"),
        PROXY,
        {"X-Forwarded-For": "198.51.100.7"},
    )
    assert body["client_host"] == "198.51.100.7"


# --- Hypercorn's ProxyFixMiddleware, for the proxies only ---------------------------------------
def test_proxy_fix_believes_the_last_hop_from_a_proxy() -> None:
    """One trusted hop: the entry the proxy appended, and X-Forwarded-Host becomes the Host."""
    headers = {
        "X-Forwarded-For": "203.0.113.9, 198.51.100.7",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "example.org",
    }
    body = _echo(Settings(proxy_fix="legacy", forwarded_allow_ips="172.30.0.2"), PROXY, headers)
    assert (body["client_host"], body["scheme"], body["host_header"]) == (
        "198.51.100.7",
        "https",
        "example.org",
    )


def test_proxy_fix_ignores_a_stranger() -> None:
    """Hypercorn's middleware alone counts hops; without the address check a direct client could
    forge all three."""
    headers = {
        "X-Forwarded-For": "198.51.100.7",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "example.org",
    }
    body = _echo(Settings(proxy_fix="legacy", forwarded_allow_ips="172.30.0.2"), STRANGER, headers)
    assert (body["client_host"], body["scheme"]) == ("203.0.113.9", "http")
    assert body["host_header"] != "example.org"


# --- FORWARDED_ALLOW_IPS as uvicorn reads it ------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "host", "trusted"),
    [
        (None, "127.0.0.1", True),  # unset: uvicorn's 127.0.0.1,::1
        (None, "172.30.0.2", False),
        ("", "127.0.0.1", False),  # empty: nobody
        ("172.30.0.2,172.30.0.3", "172.30.0.3", True),
        ("172.30.0.0/24", "172.30.0.9", True),  # CIDR, as uvicorn >= 0.31
        ("*", "203.0.113.9", True),
        ("172.30.0.2", "not-an-address", False),
    ],
)
def test_trusted_peers(value: str | None, host: str, trusted: bool) -> None:
    assert TrustedPeers.parse(value).includes(host) is trusted


def test_a_bad_mode_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="PROXYLAB_FORWARDED_PREFIX='always'"):
        Settings.from_env({"PROXYLAB_FORWARDED_PREFIX": "always"})
    with pytest.raises(SettingsError, match="PROXYLAB_PROXY_FIX"):
        Settings.from_env({"PROXYLAB_PROXY_FIX": "yes"})


# --- which server runs --------------------------------------------------------------------------
def test_the_echo_names_hypercorn_when_its_run_loop_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lab 11 tells the servers apart by this field; importing hypercorn.middleware alone must not count."""
    import sys
    import types

    import hypercorn.middleware  # noqa: F401  (what app.proxy_fix imports under any server)

    from app.echo import server_software

    monkeypatch.delitem(sys.modules, "hypercorn.run", raising=False)
    monkeypatch.setitem(sys.modules, "uvicorn.server", types.ModuleType("uvicorn.server"))
    assert server_software().startswith("uvicorn ")
    monkeypatch.setitem(sys.modules, "hypercorn.run", types.ModuleType("hypercorn.run"))
    assert server_software() == "hypercorn 0.18.0"
