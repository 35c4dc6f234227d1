"""Swagger UI and ReDoc that work with no internet and through a prefix-stripping proxy.

What: `add_offline_docs(app)` adds /docs, /docs/oauth2-redirect, /redoc and
/docs-assets/{asset_name}, which serves the four files fastapi_offline bundles. Every URL the
pages contain is the request's root_path plus the app-relative path, computed the way FastAPI's
built-in docs routes do it (fastapi/applications.py, `FastAPI.setup`:
`req.scope.get("root_path", "").rstrip("/") + self.openapi_url`).
When: `create_app` calls it for the main app (built with docs_url=None, redoc_url=None) and for
the sub-app; inside a mount the root_path already includes the mount path.
Why: the browser, not the app, fetches these URLs, so they must be the public ones. Behind a
proxy that strips /api/v1 the page must ask for /api/v1/openapi.json, not /openapi.json (see
"Check the docs UI" in FastAPI's Behind a Proxy docs). Lab machines and CI have no CDN access.

The assets are a route, not a StaticFiles mount, on purpose: with FastAPI(root_path=...) behind a
stripping proxy, Starlette 1.10 mounts receive a path that does not start with their root_path
and answer 404 (the /static mount shows that), while routes still match. The built-in docs
(CDN assets) work in that mode, so the offline ones must too.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files

from fastapi import FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse

DOCS_ASSETS_PATH = "/docs-assets"
# fastapi_offline ships these files in its package; we only borrow the folder.
OFFLINE_ASSETS_DIRECTORY = files("fastapi_offline") / "static"
REDOC_CSP = "img-src 'self' data:"
OFFLINE_ASSET_NAMES = frozenset(
    {"swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png"}
)


def add_offline_docs(app: FastAPI) -> None:
    """Add the docs pages and their assets route to `app` (whose docs_url/redoc_url are None)."""
    openapi_path = app.openapi_url
    if openapi_path is None:
        raise ValueError("add_offline_docs needs an app with an openapi_url; the pages have nothing to show")
    oauth2_redirect_path = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        """Swagger UI; it fetches the schema and assets from URLs under the request's root_path."""
        public = _public_path_maker(request)
        return get_swagger_ui_html(
            openapi_url=public(openapi_path),
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=public(oauth2_redirect_path),
            swagger_js_url=public(f"{DOCS_ASSETS_PATH}/swagger-ui-bundle.js"),
            swagger_css_url=public(f"{DOCS_ASSETS_PATH}/swagger-ui.css"),
            swagger_favicon_url=public(f"{DOCS_ASSETS_PATH}/favicon.png"),
            init_oauth=app.swagger_ui_init_oauth,
            swagger_ui_parameters=app.swagger_ui_parameters,
        )

    @app.get(oauth2_redirect_path, include_in_schema=False)
    async def swagger_ui_oauth2_redirect() -> HTMLResponse:
        """The page Swagger UI's OAuth2 login returns to."""
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        """ReDoc, with the same public URLs and without Google Fonts (no internet)."""
        public = _public_path_maker(request)
        page = get_redoc_html(
            openapi_url=public(openapi_path),
            title=f"{app.title} - ReDoc",
            redoc_js_url=public(f"{DOCS_ASSETS_PATH}/redoc.standalone.js"),
            redoc_favicon_url=public(f"{DOCS_ASSETS_PATH}/favicon.png"),
            with_google_fonts=False,
        )
        # redoc.standalone.js always shows a "by Redocly" badge image from a CDN; no option turns
        # it off. Images only from this app: the browser never asks the internet, and ReDoc
        # hides the badge when it cannot load.
        page.headers["Content-Security-Policy"] = REDOC_CSP
        return page

    @app.get(DOCS_ASSETS_PATH + "/{asset_name}", name="docs_asset", include_in_schema=False)
    async def docs_asset(asset_name: str) -> FileResponse:
        """One bundled asset; the content type is guessed from its extension, like StaticFiles."""
        if asset_name not in OFFLINE_ASSET_NAMES:
            raise HTTPException(status_code=404, detail=f"no docs asset named {asset_name!r}")
        return FileResponse(str(OFFLINE_ASSETS_DIRECTORY / asset_name))


def _public_path_maker(request: Request) -> Callable[[str], str]:
    """Return a function that prefixes an app-relative path with this request's root_path."""
    root_path = request.scope.get("root_path", "").rstrip("/")

    def public(path: str) -> str:
        return root_path + path

    return public
