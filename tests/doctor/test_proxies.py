"""doctor/proxies.py on live traffic: each proxy, started with start_argv, in front of the echo app.

Two echo apps under uvicorn: 9780 with no root_path (behind the strip routes, as the doctor's
"no root_path" mode) and 9781 with FastAPI(root_path="/api/v1") (behind the keep routes, where the
path arrives with the prefix and Starlette routes below it). The echo report shows the path as it
arrived (`raw_path`), the Host and every X-Forwarded-* header as received. Each proxy gets one
strip and one keep route (ports 9790-9797); everything started here is stopped in a finally.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from requests.adapters import HTTPAdapter

from doctor import proxies
from doctor.proxies import PROXIES, Entrance
from doctor.servers import Processes, wait_traefik_routing
from proxylab import compose
from proxylab.errors import ProxylabError
from proxylab.native.go_build import image_version
from proxylab.paths import REPO

PREFIX = "/api/v1"
PLAIN_APP, ROOT_PATH_APP = 9780, 9781


def routes_of(proxy: str) -> tuple[Entrance, Entrance]:
    """The proxy's strip route (to the app without root_path) and keep route (to the app with it)."""
    port = 9790 + 2 * PROXIES.index(proxy)
    return (
        Entrance(port, True, f"127.0.0.1:{PLAIN_APP}"),
        Entrance(port + 1, False, f"127.0.0.1:{ROOT_PATH_APP}"),
    )


# --- running things: doctor.servers starts, waits for and stops them, as in a doctor run ---


@pytest.fixture(scope="module")
def echo_apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The two echo apps, started once for the module."""
    with Processes(tmp_path_factory.mktemp("apps")) as processes:
        for port, environment in ((PLAIN_APP, {}), (ROOT_PATH_APP, {"PROXYLAB_APP_ROOT_PATH": PREFIX})):
            # Only PATH and HOME from the caller: a PROXYLAB_* variable in the shell cannot change the app.
            inherited = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
            env = {
                **inherited,
                "PROXYLAB_INSTANCE": f"app-{port}",
                "FORWARDED_ALLOW_IPS": "127.0.0.1",
                **environment,
            }
            argv = [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ]
            processes.start(f"app-{port}", argv, cwd=REPO, env=env)
            processes.wait_listening(f"app-{port}", port, f"the echo app on {port}", "read its log above")
        yield


@pytest.fixture(scope="module", params=PROXIES)
def proxy(
    request: pytest.FixtureRequest, echo_apps: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One proxy, started with start_argv on its strip and keep routes; stopped after its tests
    (pytest runs each proxy's tests together). Traefik listens before its routes are loaded, so
    its routes are waited for too, as the doctor does."""
    name = request.param
    tmp_path = tmp_path_factory.mktemp(name)
    out = tmp_path / "config"
    out.mkdir()
    with Processes(tmp_path) as processes:
        processes.start(name, proxies.start_argv(name, routes_of(name), PREFIX, out))
        listening = sum(
            processes.wait_listening(name, route.port, name, "read its log above")
            for route in routes_of(name)
        )
        routing = 0.0
        if name == "traefik":
            routing = wait_traefik_routing(
                processes,
                name,
                [f"http://127.0.0.1:{route.port}{PREFIX}/echo/ready" for route in routes_of(name)],
            )
        print(f"{name}: listening after {listening:.3f}s, routing {routing:.3f}s later")
        yield name


def get(http: requests.Session, route: Entrance, path: str, **headers: str) -> requests.Response:
    return http.get(
        f"http://127.0.0.1:{route.port}{path}", headers=headers, allow_redirects=False, timeout=10
    )


# --- the path the app sees --------------------------------------------------------------------


def test_strip_route_removes_the_prefix(proxy: str, http: requests.Session) -> None:
    """The strip route would otherwise send /api/v1/echo/x to an app that serves /echo/x (404s
    everywhere), or lose the query string the docs' "Try it out" sends."""
    strip, _ = routes_of(proxy)
    report = get(http, strip, f"{PREFIX}/echo/x?q=1").json()
    assert (report["raw_path"], report["url"].partition("?")[2]) == ("/echo/x", "q=1")


def test_strip_route_sends_the_prefix_with_a_slash_as_the_root(proxy: str, http: requests.Session) -> None:
    """/api/v1/ must reach the app as / (its own root): otherwise a page at the app's root is
    unreachable through the proxy. The app has no / route, so its JSON 404 names the path."""
    strip, _ = routes_of(proxy)
    answer = get(http, strip, f"{PREFIX}/")
    assert (answer.status_code, answer.json()["path"]) == (404, "/")


def test_keep_route_passes_the_path_unchanged(proxy: str, http: requests.Session) -> None:
    """The keep route must hand the app /api/v1/echo/x as the client sent it: an app that
    declares root_path /api/v1 routes below it; a stripped path would miss every route."""
    _, keep = routes_of(proxy)
    report = get(http, keep, f"{PREFIX}/echo/x?q=1").json()
    assert (report["raw_path"], report["root_path"], report["url"].partition("?")[2]) == (
        f"{PREFIX}/echo/x",
        PREFIX,
        "q=1",
    )


def test_a_large_request_body_reaches_the_app(proxy: str, http: requests.Session) -> None:
    """An operation's body larger than the proxy's memory buffer (Nginx: 16 KB, then a temporary
    file in the config folder) must reach the app; a 500 here means the proxy cannot write where
    its config told it to keep temporary files."""
    strip, _ = routes_of(proxy)
    answer = http.post(f"http://127.0.0.1:{strip.port}{PREFIX}/echo/upload", data=b"x" * 200_000, timeout=10)
    assert (answer.status_code, answer.json()["method"]) == (200, "POST")


# {prefix} with no trailing slash: each proxy's own way, observed. ("app", path) means the app
# answered for that path; ("proxy", status, Location) that the proxy answered itself.
BARE_PREFIX = {
    # Traefik: the rule names Path(`/api/v1`); stripPrefix leaves "" and sends "/".
    ("traefik", True): ("app", "/"),
    ("traefik", False): ("app", PREFIX),
    # Nginx: `location /api/v1/` with proxy_pass redirects the bare prefix to the slash (301).
    ("nginx", True): ("proxy", 301, "/api/v1/"),
    ("nginx", False): ("proxy", 301, "/api/v1/"),
    # Caddy: handle_path/handle /api/v1/* does not match /api/v1; the site's 404 answers.
    ("caddy", True): ("proxy", 404, None),
    ("caddy", False): ("proxy", 404, None),
    # HAProxy: `path_beg /api/v1/` does not match /api/v1; the frontend's 404 answers.
    ("haproxy", True): ("proxy", 404, None),
    ("haproxy", False): ("proxy", 404, None),
}


def _who_answered(answer: requests.Response, port: int) -> tuple:
    if answer.headers.get("content-type") == "application/json":
        return ("app", answer.json()["path"])
    location = answer.headers.get("location")
    return (
        "proxy",
        answer.status_code,
        location.removeprefix(f"http://127.0.0.1:{port}") if location else None,
    )


@pytest.mark.parametrize("strips", [True, False], ids=["strip", "keep"])
def test_the_bare_prefix_is_handled_as_each_proxy_does(
    proxy: str, strips: bool, http: requests.Session
) -> None:
    """What /api/v1 (no slash) does per proxy, a fact the doctor's report shows: if this fails, the
    comment above the route in doctor/templates/ and BARE_PREFIX no longer tell the truth."""
    route = routes_of(proxy)[0 if strips else 1]
    assert _who_answered(get(http, route, PREFIX), route.port) == BARE_PREFIX[(proxy, strips)]


@pytest.mark.parametrize("strips", [True, False], ids=["strip", "keep"])
def test_a_longer_segment_is_not_under_the_prefix(proxy: str, strips: bool, http: requests.Session) -> None:
    """/api/v10 is not below /api/v1: forwarded, a strip route would turn it into /0."""
    route = routes_of(proxy)[0 if strips else 1]
    answer = get(http, route, "/api/v10/echo/x")
    assert (answer.status_code, answer.headers.get("content-type") == "application/json") == (404, False)


def _arrived(answer: requests.Response) -> tuple:
    """("echo", raw path) when the app's echo route answered; ("app 404", path) when the app found
    no route; ("proxy", status) when the proxy answered itself."""
    if answer.headers.get("content-type") != "application/json":
        return ("proxy", answer.status_code)
    body = answer.json()
    return ("echo", body["raw_path"]) if "raw_path" in body else (f"app {answer.status_code}", body["path"])


# Odd paths through each route, observed: what each proxy does with case, an encoded slash and a
# doubled slash is its own, and the doctor's probes may meet any of them.
ODD_PATHS = {
    # Caddy's path matcher ignores case: /API/V1 is stripped like /api/v1 (handle_path) or passed
    # on as it is (handle); the others route /api/v1 only.
    "/API/V1/echo/x": {
        "traefik": (("proxy", 404), ("proxy", 404)),
        "nginx": (("proxy", 404), ("proxy", 404)),
        "caddy": (("echo", "/echo/x"), ("app 404", "/API/V1/echo/x")),
        "haproxy": (("proxy", 404), ("proxy", 404)),
    },
    # Nginx's proxy_pass with a URI part sends the decoded, normalised path: %2F becomes a real
    # slash on strip routes only; a proxy_pass without one sends the client's bytes unchanged.
    "/api/v1/echo/a%2Fb": {
        "traefik": (("echo", "/echo/a%2Fb"), ("echo", "/api/v1/echo/a%2Fb")),
        "nginx": (("echo", "/echo/a/b"), ("echo", "/api/v1/echo/a%2Fb")),
        "caddy": (("echo", "/echo/a%2Fb"), ("echo", "/api/v1/echo/a%2Fb")),
        "haproxy": (("echo", "/echo/a%2Fb"), ("echo", "/api/v1/echo/a%2Fb")),
    },
    # Traefik merges slashes on every route, Nginx and Caddy where they strip; HAProxy's regsub
    # removes /api/v1/ and leaves the second slash.
    "/api/v1//echo/x": {
        "traefik": (("echo", "/echo/x"), ("echo", "/api/v1/echo/x")),
        "nginx": (("echo", "/echo/x"), ("app 404", "/api/v1//echo/x")),
        "caddy": (("echo", "/echo/x"), ("app 404", "/api/v1//echo/x")),
        "haproxy": (("app 404", "//echo/x"), ("app 404", "/api/v1//echo/x")),
    },
}


@pytest.mark.parametrize("path", list(ODD_PATHS))
def test_odd_paths_arrive_as_each_proxy_sends_them(proxy: str, path: str, http: requests.Session) -> None:
    """What reaches the app (or who answers) for an odd path on the strip and the keep route; a
    failure means a proxy (or its config) now treats that path differently from ODD_PATHS."""
    arrived = tuple(_arrived(get(http, route, path)) for route in routes_of(proxy))
    assert arrived == ODD_PATHS[path][proxy]


# --- the headers the app gets -----------------------------------------------------------------

# The X-Forwarded-* (and X-Real-IP) names each proxy sends, observed; strip routes add -Prefix.
SENT = {
    "traefik": {
        "x-forwarded-for",
        "x-forwarded-host",
        "x-forwarded-port",
        "x-forwarded-proto",
        "x-forwarded-server",
        "x-real-ip",
    },
    "nginx": {"x-forwarded-for", "x-forwarded-host", "x-forwarded-port", "x-forwarded-proto", "x-real-ip"},
    "caddy": {"x-forwarded-for", "x-forwarded-host", "x-forwarded-proto"},
    "haproxy": {"x-forwarded-for", "x-forwarded-proto"},
}


@pytest.mark.parametrize("strips", [True, False], ids=["strip", "keep"])
def test_forwarded_headers(proxy: str, strips: bool, http: requests.Session) -> None:
    """The app must get the client's Host with its port (else every URL it builds points
    elsewhere), X-Forwarded-For/-Proto from the proxy, -Host where the proxy sends it, and on a
    strip route X-Forwarded-Prefix: the prefix (how an app can learn what was removed)."""
    route = routes_of(proxy)[0 if strips else 1]
    report = get(http, route, f"{PREFIX}/echo/x").json()
    headers = report["forwarded_headers"]
    expected_names = SENT[proxy] | ({"x-forwarded-prefix"} if strips else set())
    assert set(headers) == expected_names
    host = f"127.0.0.1:{route.port}"
    assert report["host_header"] == host
    assert (headers["x-forwarded-for"], headers["x-forwarded-proto"]) == ("127.0.0.1", "http")
    assert headers.get("x-forwarded-host", host) == host
    assert headers.get("x-forwarded-prefix") == (PREFIX if strips else None)


# A client at an address no proxy trusts (the apps trust 127.0.0.1, where the proxies connect
# from), so what uvicorn believes of X-Forwarded-For is the production case, not a trusted chain.
CLIENT = "127.0.0.2"

# Every forwarding header an app could believe, forged: a scheme, host, port, prefix and client
# address of the client's choosing, also in the standard Forwarded header.
FORGED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Port": "6666",
    "X-Forwarded-Prefix": "/evil",
    "X-Real-IP": "203.0.113.7",
    "Forwarded": "for=203.0.113.8;proto=https;host=evil.example",
}

# Every forwarding header that reaches the app after a FORGED request, observed: only the proxy's
# own values ({client}: CLIENT; {host}: the Host the client used; {port}: the route's port;
# {hostname}: this machine's, Traefik's X-Forwarded-Server). Traefik's entrypoint drops a client's
# X-Forwarded-* and X-Real-Ip, its headers middleware the Forwarded header; Caddy replaces the
# X-Forwarded-For/-Proto/-Host it sets and its header_up removes the rest; Nginx's proxy_set_header
# replaces or ("") removes each; HAProxy's set-header/del-header do. Nginx and HAProxy append to a
# client's X-Forwarded-For, and uvicorn believes the entry they appended (test below).
TRAEFIK_OWN = {
    "x-forwarded-for": "{client}",
    "x-forwarded-proto": "http",
    "x-forwarded-host": "{host}",
    "x-forwarded-port": "{port}",
    "x-forwarded-server": "{hostname}",
    "x-real-ip": "{client}",
}
NGINX_OWN = {
    "x-forwarded-for": "203.0.113.9, {client}",
    "x-forwarded-proto": "http",
    "x-forwarded-host": "{host}",
    "x-forwarded-port": "{port}",
    "x-real-ip": "{client}",
}
CADDY_OWN = {"x-forwarded-for": "{client}", "x-forwarded-proto": "http", "x-forwarded-host": "{host}"}
HAPROXY_OWN = {"x-forwarded-for": "203.0.113.9, {client}", "x-forwarded-proto": "http"}
# Strip routes add the prefix they removed; keep routes send no X-Forwarded-Prefix at all.
AFTER_FORGERY = {
    ("traefik", True): {**TRAEFIK_OWN, "x-forwarded-prefix": PREFIX},
    ("traefik", False): TRAEFIK_OWN,
    ("nginx", True): {**NGINX_OWN, "x-forwarded-prefix": PREFIX},
    ("nginx", False): NGINX_OWN,
    ("caddy", True): {**CADDY_OWN, "x-forwarded-prefix": PREFIX},
    ("caddy", False): CADDY_OWN,
    ("haproxy", True): {**HAPROXY_OWN, "x-forwarded-prefix": PREFIX},
    ("haproxy", False): HAPROXY_OWN,
}


class _SourceAddress(HTTPAdapter):
    """Connections that leave from `address` (on Linux any 127.x address is the loopback)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        super().init_poolmanager(*args, source_address=(self.address, 0), **kwargs)


@pytest.fixture(scope="module")
def untrusted_client() -> requests.Session:
    """A client connecting from CLIENT, never through a proxy from the environment."""
    session = requests.Session()
    session.trust_env = False
    session.mount("http://", _SourceAddress(CLIENT))
    return session


def _forged(proxy: str, strips: bool, untrusted_client: requests.Session) -> tuple[Entrance, dict]:
    route = routes_of(proxy)[0 if strips else 1]
    return route, get(untrusted_client, route, f"{PREFIX}/echo/x", **FORGED).json()


@pytest.mark.parametrize("strips", [True, False], ids=["strip", "keep"])
def test_forged_forwarded_headers_do_not_reach_the_app(
    proxy: str, strips: bool, untrusted_client: requests.Session
) -> None:
    """The snippet a user copies must let through no forwarding header of the client's making: a
    forged X-Forwarded-Proto/-Host/-Port/-Prefix, X-Real-IP or Forwarded would be believed by an
    app that trusts the proxy (https URLs, another host, a forged prefix in every link). If this
    fails, a proxy's config (or its version) changed what a client can make the app believe."""
    route, report = _forged(proxy, strips, untrusted_client)
    values = {
        "client": CLIENT,
        "host": f"127.0.0.1:{route.port}",
        "port": str(route.port),
        "hostname": socket.gethostname(),
    }
    expected = {name: value.format(**values) for name, value in AFTER_FORGERY[(proxy, strips)].items()}
    assert report["forwarded_headers"] == expected


@pytest.mark.parametrize("strips", [True, False], ids=["strip", "keep"])
def test_uvicorn_believes_the_proxys_entry_not_the_clients(
    proxy: str, strips: bool, untrusted_client: requests.Session
) -> None:
    """Nginx and HAProxy append to a forged X-Forwarded-For; uvicorn walks it from the right and
    stops at the first address not in --forwarded-allow-ips, the client's real one. If this fails,
    the app would log (and rate-limit, allow-list) the address a client chose."""
    _, report = _forged(proxy, strips, untrusted_client)
    assert (report["client_host"], report["scheme"]) == (CLIENT, "http")


# --- the snippet is the config that ran -------------------------------------------------------


def _rendered(out: Path) -> str:
    return "\n".join(path.read_text() for path in sorted(out.rglob("*")) if path.is_file())


@pytest.mark.parametrize("name", PROXIES)
def test_snippet_is_verbatim_in_the_running_config(name: str, tmp_path: Path) -> None:
    """The snippet a user copies must be the section that ran: if this fails, the report would show
    a configuration the doctor never measured. Only the upstream (given) and the listener
    (the entrypoint or bind line a user has their own of) may differ."""
    proxies.start_argv(name, routes_of(name), PREFIX, tmp_path)
    rendered = _rendered(tmp_path)
    for route in routes_of(name):
        where, _, section = proxies.snippet(name, route.strips, PREFIX, upstream=route.upstream).partition(
            "\n"
        )
        assert where.startswith("# ") and "\n" not in where
        listener = {
            "traefik": proxies.route_name(route.strips, route.upstream),
            "haproxy": f"127.0.0.1:{route.port}",
        }
        if name == "traefik":
            section = section.replace("entryPoints: [web]", f"entryPoints: [{listener[name]}]")
        if name == "haproxy":
            section = section.replace("bind :80", f"bind {listener[name]}")
        assert section.rstrip("\n") in rendered


def test_snippet_uses_the_upstream_given() -> None:
    """A snippet with the doctor's 127.0.0.1 address would send a user's traffic nowhere."""
    for name in PROXIES:
        text = proxies.snippet(name, True, PREFIX, upstream="app:8000")
        assert "app:8000" in text and "127.0.0.1" not in text


# --- versions ---------------------------------------------------------------------------------


def test_version_argv_reports_the_pinned_proxies() -> None:
    """The report names the versions that ran: Traefik and Caddy at compose.yaml's image tags
    (built from their modules), Debian's nginx and HAProxy. A mismatch means the doctor measured
    other binaries than the ones proxylab pins."""
    stack = compose.load()
    tags = {name: image_version(stack.image_tag(name)) for name in ("traefik", "caddy")}
    printed = {}
    for name in PROXIES:
        result = subprocess.run(proxies.version_argv(name), capture_output=True, text=True, timeout=30)
        printed[name] = (result.returncode, (result.stdout + result.stderr).splitlines()[0])
    assert printed["traefik"] == (0, f"Version:      {tags['traefik']}")
    assert printed["caddy"] == (0, tags["caddy"])
    assert printed["nginx"][0] == 0 and printed["nginx"][1].startswith("nginx version: nginx/")
    assert printed["haproxy"][0] == 0 and printed["haproxy"][1].startswith("HAProxy version ")


# --- faults -----------------------------------------------------------------------------------


def test_a_pinned_release_no_debian_suite_has_is_named_with_what_they_have(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A compose.yaml pinning an nginx no Debian suite packages: the doctor must name the version
    and list the versions the suites have, not crash or run another version."""
    stack = compose.load()
    pinned = stack.services["nginx"]
    image = (pinned.image or "").replace(stack.image_tag("nginx"), "0.0.1-alpine")
    monkeypatch.setitem(stack.services, "nginx", dataclasses.replace(pinned, image=image))
    monkeypatch.setattr(proxies.compose, "load", lambda: stack)
    with pytest.raises(ProxylabError) as raised:
        proxies.start_argv("nginx", routes_of("nginx"), PREFIX, Path("/tmp"))
    assert raised.value.thing == "nginx 0.0.1" and "1.30.6 (sid)" in raised.value.cause, raised.value


@pytest.mark.parametrize("prefix", ["api/v1", "/api/v1/", "/api/(v1)", "/"])
def test_a_prefix_the_configs_cannot_take_literally_is_refused(prefix: str, tmp_path: Path) -> None:
    """A prefix with regex or template characters would be read as a pattern by HAProxy's regsub
    or Traefik's rule; one without a leading slash, or with a trailing one, matches nothing."""
    with pytest.raises(ProxylabError):
        proxies.start_argv("nginx", routes_of("nginx"), prefix, tmp_path)
