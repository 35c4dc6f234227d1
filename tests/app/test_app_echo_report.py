"""The echo report: its exact keys, the headers it shows as received, and its two forms."""

from __future__ import annotations

import pytest
from app_modes import PLAIN, SERVER_ROOT_PATH, Mode, case_id

from app.echo import ECHO_KEYS

EXPECTED_KEYS = {
    "instance", "server", "root_path_mode", "trusted_proxies", "method", "path", "raw_path", "root_path",
    "url", "base_url", "url_for", "scheme", "client_host", "client_port", "server_host", "server_port",
    "host_header", "http_version", "connection_header", "forwarded_headers",
}  # fmt: skip


# --- the shape every lab and test relies on ----------------------------------------------------
def test_echo_keys_are_exactly_the_documented_ones() -> None:
    """Labs and docs/app.md would name fields the app does not send (or miss new ones)."""
    assert set(ECHO_KEYS) == EXPECTED_KEYS
    with PLAIN.client() as client:
        assert set(client.get("/echo/a").json()) == EXPECTED_KEYS
        assert set(client.get("/app").json()) == EXPECTED_KEYS | {"message", "static_url"}


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (
            PLAIN,
            {
                "path": "/echo/a/b",
                "raw_path": "/echo/a/b",
                "url": "http://testserver/echo/a/b?x=1",
                "url_for": "http://testserver/echo/a/b",
            },
        ),
        (
            SERVER_ROOT_PATH,
            {
                "path": "/api/v1/echo/a/b",
                "raw_path": "/api/v1/echo/a/b",
                "url": "http://testserver/api/v1/echo/a/b?x=1",
                "url_for": "http://testserver/api/v1/echo/a/b",
            },
        ),
    ],
    ids=case_id,
)
def test_catch_all_echo_reports_path_query_and_url_for(mode: Mode, expected: dict[str, str]) -> None:
    """/echo/... would not show the path the proxy forwarded, or url_for would drop the path param."""
    with mode.client() as client:
        report = client.get(mode.url_path("/echo/a/b?x=1")).json()
    assert {key: report[key] for key in expected} == expected


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_catch_all_echo_answers_any_method(method: str) -> None:
    """A proxy test sending POST/PUT/... through a route would get 405 instead of an echo."""
    with PLAIN.client() as client:
        response = client.request(method, "/echo/any/where")
    assert response.status_code == 200
    assert response.json()["method"] == method


def test_percent_encoded_path_is_reported_decoded_and_raw() -> None:
    """Whether a proxy re-encodes or decodes the path would be invisible."""
    with PLAIN.client() as client:
        report = client.get("/echo/a%20b/c%2Fd").json()
    assert (report["path"], report["raw_path"]) == ("/echo/a b/c/d", "/echo/a%20b/c%2Fd")


def test_client_server_and_host_come_from_the_scope() -> None:
    """The echo would guess addresses instead of reporting the connection and Host as received."""
    with PLAIN.client(client=("10.1.2.3", 4567)) as client:
        report = client.get("/echo/x", headers={"Host": "example.com:9999"}).json()
    assert report["client_host"] == "10.1.2.3"
    assert report["client_port"] == 4567
    assert (report["server_host"], report["server_port"]) == ("testserver", 80)
    assert report["host_header"] == "example.com:9999"
    assert report["url"] == "http://example.com:9999/echo/x"  # Starlette builds url from Host


def test_the_http_version_and_connection_header_are_the_hop_s_own() -> None:
    """Lab 16 tells Nginx 1.22 (HTTP/1.0, Connection: close) from 1.30 (HTTP/1.1, none) by these."""
    with PLAIN.client() as client:
        kept = client.get("/echo/x").json()  # httpx sends Connection: keep-alive
        closed = client.get("/echo/x", headers={"Connection": "close"}).json()
        bare = client.get("/echo/x", headers={"Connection": ""}).json()
    assert (kept["http_version"], kept["connection_header"]) == ("1.1", "keep-alive")
    assert (closed["connection_header"], bare["connection_header"]) == ("close", "")


# --- forwarded headers, as received ------------------------------------------------------------
@pytest.mark.parametrize(
    ("sent", "reported"),
    [
        ([], {}),
        ([("X-Forwarded-For", "203.0.113.7")], {"x-forwarded-for": "203.0.113.7"}),
        (
            [
                ("X-Forwarded-Proto", "https"),
                ("X-Forwarded-Host", "lab.example"),
                ("X-Forwarded-Port", "443"),
            ],
            {"x-forwarded-proto": "https", "x-forwarded-host": "lab.example", "x-forwarded-port": "443"},
        ),
        # Traefik's StripPrefix and Nginx configs add this one; any x-forwarded-* suffix counts.
        ([("X-Forwarded-Prefix", "/api/v1")], {"x-forwarded-prefix": "/api/v1"}),
        ([("X-Forwarded-Server", "traefik-1")], {"x-forwarded-server": "traefik-1"}),
        ([("Forwarded", "for=203.0.113.7;proto=https")], {"forwarded": "for=203.0.113.7;proto=https"}),
        ([("X-Real-IP", "203.0.113.7")], {"x-real-ip": "203.0.113.7"}),
        # A repeated header is joined in arrival order (RFC 9110 5.3), not de-duplicated.
        (
            [("X-Forwarded-For", "203.0.113.7"), ("x-forwarded-for", "10.0.0.1, 172.30.0.2")],
            {"x-forwarded-for": "203.0.113.7, 10.0.0.1, 172.30.0.2"},
        ),
        # Not forwarding headers: left out.
        ([("X-Request-Id", "abc"), ("Via", "1.1 traefik")], {}),
    ],
)
def test_forwarded_headers_are_shown_as_received(
    sent: list[tuple[str, str]], reported: dict[str, str]
) -> None:
    """The echo would hide or rewrite what the proxy added, so a lab could not compare proxies."""
    with PLAIN.client() as client:
        report = client.get("/echo/h", headers=sent).json()
    assert report["forwarded_headers"] == reported


def test_forwarded_headers_do_not_change_what_the_app_computes() -> None:
    """The app would be inventing scheme/host from headers: only uvicorn's middleware may do that."""
    with PLAIN.client() as client:
        headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "a.example"}
        report = client.get("/echo/h", headers=headers).json()
    assert (report["scheme"], report["url"]) == ("http", "http://testserver/echo/h")


# --- text form versus JSON ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "accept", "is_text"),
    [
        ("", None, False),
        ("", "*/*", False),  # curl's default
        ("", "application/json", False),
        ("", "text/plain", True),
        ("", "text/plain, application/json;q=0.5", True),
        ("", "application/json, text/plain;q=0.5", False),
        ("", "text/*", True),
        ("", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),  # a browser
        ("?format=text", None, True),
        ("?format=text", "application/json", True),
        ("?format=json", "text/plain", False),
    ],
)
def test_text_or_json_follows_format_then_accept(query: str, accept: str | None, is_text: bool) -> None:
    """`curl ...?format=text` or a text/plain client would get the wrong form."""
    headers = {} if accept is None else {"Accept": accept}
    with PLAIN.client() as client:
        response = client.get(f"/echo/t{query}", headers=headers)
    expected_type = "text/plain" if is_text else "application/json"
    assert response.headers["content-type"].startswith(expected_type)


def test_text_form_is_one_key_value_line_per_field() -> None:
    """The text form would not be scannable like traefik/whoami, or nested headers would be lost."""
    with PLAIN.client() as client:
        text = client.get("/echo/t?format=text", headers={"X-Forwarded-For": "203.0.113.7"}).text
    lines = text.splitlines()
    assert "instance: app" in lines
    assert "path: /echo/t" in lines
    assert 'root_path: ""' in lines  # an empty root_path stays visible
    assert "forwarded_headers.x-forwarded-for: 203.0.113.7" in lines
    assert all(": " in line for line in lines)


def test_text_form_shows_an_empty_header_dict() -> None:
    """With no forwarded headers the text form would silently drop the field."""
    with PLAIN.client() as client:
        text = client.get("/echo/t?format=text").text
    assert "forwarded_headers: {}" in text.splitlines()
