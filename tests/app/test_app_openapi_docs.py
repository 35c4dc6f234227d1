"""OpenAPI servers per mode, and offline /docs and /redoc whose URLs survive a stripping proxy."""

from __future__ import annotations

import re

import pytest
from app_modes import APP_ROOT_PATH, PLAIN, PREFIX, SERVER_ROOT_PATH, Mode, case_id

from app.settings import DOCS_EXAMPLE_SERVERS, Settings

STAG, PROD = DOCS_EXAMPLE_SERVERS


# --- servers in /openapi.json ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mode", "servers"),
    [
        (PLAIN, None),  # no root_path, no servers: the key is absent
        (SERVER_ROOT_PATH, [{"url": PREFIX}]),  # tutorial001 with --root-path
        (APP_ROOT_PATH, [{"url": PREFIX}]),  # tutorial002
        (Mode("plain-docs-example", Settings(extra_servers=DOCS_EXAMPLE_SERVERS)), [STAG, PROD]),
        # tutorial003: FastAPI inserts the root_path server first.
        (
            Mode("server-root-path-docs-example", Settings(extra_servers=DOCS_EXAMPLE_SERVERS), PREFIX),
            [{"url": PREFIX}, STAG, PROD],
        ),
        (Mode("server-root-path-not-in-servers", Settings(root_path_in_servers=False), PREFIX), None),
        # tutorial004: root_path_in_servers=False leaves only the declared servers.
        (
            Mode(
                "server-root-path-not-in-servers-docs-example",
                Settings(root_path_in_servers=False, extra_servers=DOCS_EXAMPLE_SERVERS),
                PREFIX,
            ),
            [STAG, PROD],
        ),
        (
            Mode("app-root-path-not-in-servers", Settings(app_root_path=PREFIX, root_path_in_servers=False)),
            None,
        ),
    ],
    ids=case_id,
)
def test_openapi_servers(mode: Mode, servers: list[dict[str, str]] | None) -> None:
    """Swagger UI's "Try it out" would send requests to a server list the docs do not describe."""
    with mode.client() as client:
        schema = client.get(mode.url_path("/openapi.json")).json()
    assert schema.get("servers") == servers


def test_schema_lists_the_api_routes_only() -> None:
    """The schema would advertise docs/health/static plumbing, or lose the routes labs call."""
    with PLAIN.client() as client:
        paths = set(client.get("/openapi.json").json()["paths"])
    assert paths == {"/app", "/echo/{path}", "/items/"}


def test_echo_operation_ids_are_unique() -> None:
    """FastAPI would warn "Duplicate Operation ID" and client generators would clash."""
    with PLAIN.client() as client:
        operations = client.get("/openapi.json").json()["paths"]["/echo/{path}"]
    operation_ids = [operation["operationId"] for operation in operations.values()]
    assert len(operation_ids) == len(set(operation_ids)) == 7


# --- the docs pages ask for public URLs --------------------------------------------------------
def _urls_in(html: str) -> set[str]:
    """Every URL-ish attribute or JS string the page would make the browser fetch."""
    quoted = re.findall(r"""(?:href|src|spec-url)="([^"]+)"|url: '([^']+)'|origin \+ '([^']+)'""", html)
    return {url for groups in quoted for url in groups if url}


@pytest.mark.parametrize(
    ("mode", "prefix"),
    [(PLAIN, ""), (SERVER_ROOT_PATH, PREFIX), (APP_ROOT_PATH, PREFIX)],
    ids=case_id,
)
def test_swagger_ui_page_urls_are_under_root_path(mode: Mode, prefix: str) -> None:
    """The docs page would ask for the schema and assets at URLs the proxy does not serve."""
    with mode.client() as client:
        html = client.get(mode.url_path("/docs")).text
    assert _urls_in(html) == {
        f"{prefix}/openapi.json",
        f"{prefix}/docs/oauth2-redirect",
        f"{prefix}/docs-assets/swagger-ui-bundle.js",
        f"{prefix}/docs-assets/swagger-ui.css",
        f"{prefix}/docs-assets/favicon.png",
    }


@pytest.mark.parametrize(
    ("mode", "prefix"),
    [(PLAIN, ""), (SERVER_ROOT_PATH, PREFIX), (APP_ROOT_PATH, PREFIX)],
    ids=case_id,
)
def test_redoc_page_urls_are_under_root_path(mode: Mode, prefix: str) -> None:
    """ReDoc would load its schema or script from a URL the proxy does not serve."""
    with mode.client() as client:
        html = client.get(mode.url_path("/redoc")).text
    assert _urls_in(html) == {
        f"{prefix}/openapi.json",
        f"{prefix}/docs-assets/redoc.standalone.js",
        f"{prefix}/docs-assets/favicon.png",
    }


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_need_no_internet(page: str) -> None:
    """The docs would be blank on a lab machine or CI runner without CDN or Google Fonts access."""
    with PLAIN.client() as client:
        html = client.get(page).text
    assert "http://" not in html and "https://" not in html


def test_redoc_may_load_images_only_from_the_app() -> None:
    """ReDoc's bundle fetches a "by Redocly" badge from a CDN; without this header a browser
    would reach out to the internet from every ReDoc page (suites/browser blocks and fails it)."""
    with PLAIN.client() as client:
        assert client.get("/redoc").headers["content-security-policy"] == "img-src 'self' data:"


# --- the assets are really served, in every mode, at the URLs the pages name ---------------------
@pytest.mark.parametrize(
    ("asset", "content_type"),
    [
        ("swagger-ui-bundle.js", "text/javascript"),
        ("swagger-ui.css", "text/css"),
        ("redoc.standalone.js", "text/javascript"),
        ("favicon.png", "image/png"),
    ],
)
@pytest.mark.parametrize("mode", [PLAIN, SERVER_ROOT_PATH, APP_ROOT_PATH], ids=case_id)
def test_docs_assets_are_served(mode: Mode, asset: str, content_type: str) -> None:
    """The docs page would load but stay blank: its script or style answers 404 or the wrong type."""
    with mode.client() as client:
        response = client.get(mode.url_path(f"/docs-assets/{asset}"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(content_type)
    assert len(response.content) > 0


def test_unknown_docs_asset_is_a_json_404() -> None:
    """The assets route would serve (or leak) files other than the four bundled ones."""
    with PLAIN.client() as client:
        response = client.get("/docs-assets/__init__.py")
    assert response.status_code == 404
    assert response.json()["error"] == "not found"


def test_oauth2_redirect_page_is_served() -> None:
    """Swagger UI's OAuth2 login would come back to a 404."""
    with PLAIN.client() as client:
        response = client.get("/docs/oauth2-redirect")
    assert response.status_code == 200
    assert "oauth2" in response.text.lower()
