"""What a user of the API would try, through one configuration, compared with the app directly.

What: `probe(config, app, direct, direct_base, paths, handshakes)` sends, through the
configuration's proxy, the requests a user's browser and client would send: the docs page and
every asset it names, the schema and its servers, each GET operation with no required input at the
URL Swagger UI's "Try it out" builds, the app's redirects (its trailing-slash ones and any
operation that redirects), a file from each StaticFiles mount, each mounted sub-app's own routes,
and then the pages themselves (doctor.crawl): from /, from each --path and from each mount's root,
every asset, link, form, redirect and JSON URL they name; a mounted sub-app's redirects and JSON
answers are held to the prefix too; and each WebSocket the app offers is upgraded
(doctor.upgrades). Each answer is compared with what the same request gets from the app directly
(no proxy, no root_path): a check is broken when the proxy's answer differs in a way a user would
notice. The result is a `Checks` (doctor.checks): for each of CHECKS "ok", "broken" or "n/a", the
symptoms, every request sent as a pasteable curl, and how many passing comparisons were on
something the app serves.
When: `doctor.cli`, once per configuration; the browser adds to docs_ui (doctor.browser) and to
mounts and pages (doctor.mounted_ui) after.
Why: the comparison with the direct app makes the verdict about the proxy and root_path only:
an operation that answers 401 directly and 401 through the proxy is fine; one that answers 200
directly and 404 through the proxy is what the doctor is for. Two 404s prove nothing, and count
for nothing (doctor.checks.served).
"""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import urljoin, urlsplit

from doctor.checks import Checks, served, under_prefix
from doctor.crawl import check_json_urls, check_redirect, crawl
from doctor.fetch import Client
from doctor.layout import Configuration
from doctor.upgrades import WS_PATH, Handshakes, check_websockets, websocket_paths

MAX_OPERATIONS = 40  # a large API is sampled in schema order; the report says how many were sent
# Paths the app adds for its docs; they are not operations or redirect candidates of their own.
DOCS_HELPERS = ("/docs/oauth2-redirect",)
_ASSET = re.compile(r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)=["']([^"']+)["']""", re.I)
_SCHEMA_URL = re.compile(r"""\burl\s*:\s*['"]([^'"]+)['"]""")


def probe(
    config: Configuration,
    app: dict,
    direct: Client,
    direct_base: str,
    paths: list[str],
    handshakes: Handshakes,
) -> Checks:
    """Every check through `config`; `direct` and `handshakes` are the app without a proxy
    (answers remembered across configurations), `paths` the user's --path pages to start the
    crawl from too (`ws:/...` ones are WebSocket paths)."""
    checks = Checks()
    through = Client(checks)
    page_url = _docs_ui(config, app, through, direct, direct_base, checks)
    schema_url = _schema(config, app, through, checks, page_url)
    _operations(config, through, direct, direct_base, checks, page_url or schema_url)
    _redirects(config, app, through, direct, direct_base, checks)
    _static(config, app, through, checks)
    _mounts(config, app, through, direct, direct_base, checks)
    pages = [p for p in paths if not p.startswith(WS_PATH)]
    crawl(config, "pages", ["/", *pages], through, direct, direct_base, checks)
    for mount in app.get("mounts", []):
        root = mount["path"].rstrip("/")
        crawl(config, "mounts", [root, root + "/"], through, direct, direct_base, checks)
    check_websockets(config, websocket_paths(app, paths), handshakes, direct_base, checks)
    return checks


def _docs_ui(
    config: Configuration, app: dict, through: Client, direct: Client, direct_base: str, checks: Checks
) -> str | None:
    """The docs page and each same-origin asset it names; returns the page URL when it loaded."""
    docs = app.get("docs_url")
    if not docs:
        checks.note("docs_ui: the app has no docs page (docs_url is None and no GET /docs route)")
        return None
    url = config.public_base + docs
    page, baseline = through.get(url), direct.get(direct_base + docs)
    if page.status != baseline.status:
        checks.broken(
            "docs_ui",
            "not-found" if page.status == 404 else "docs-page",
            f"the docs page {url} answered {page.shown}; directly it answers {baseline.status}",
        )
        return None
    checks.docs_page_url = url
    html = page.body.decode(errors="replace")
    for asset in _ASSET.findall(html):
        _asset(config, urljoin(url, asset), through, checks)
    found = _SCHEMA_URL.search(html)
    if found:
        schema_url = urljoin(url, found[1])
        answer = through.get(schema_url)
        if answer.status != 200:
            kind = "schema-url-outside-prefix" if not under_prefix(schema_url, config) else "schema-url"
            checks.broken(
                "docs_ui",
                kind,
                f"the docs page asks for its schema at {schema_url}, which answers {answer.shown} "
                f"through {config.proxy}",
            )
    checks.ok("docs_ui")
    return url


def _asset(config: Configuration, url: str, through: Client, checks: Checks) -> None:
    if urlsplit(url).netloc != urlsplit(config.origin).netloc:
        checks.note(f"docs_ui: {url} comes from another host, not through the proxy; not probed")
        return
    answer = through.get(url)
    if answer.status != 200:
        kind = "asset-outside-prefix" if not under_prefix(url, config) else "asset"
        checks.broken("docs_ui", kind, f"the docs page loads {url}, which answers {answer.shown}")


def _schema(
    config: Configuration, app: dict, through: Client, checks: Checks, page_url: str | None
) -> str | None:
    """The schema at PREFIX + openapi_url, and whether each of its servers lies under the prefix."""
    path = app.get("openapi_url")
    if not path:
        checks.note("schema: the app has no OpenAPI schema (openapi_url is None)")
        return None
    url = config.public_base + path
    answer = through.get(url)
    schema = _json(answer.body) if answer.status == 200 else None
    if not isinstance(schema, dict) or "openapi" not in schema:
        checks.broken(
            "schema",
            "not-found" if answer.status == 404 else "schema",
            f"the schema {url} answered {answer.shown}"
            + ("" if answer.status != 200 else ", not an OpenAPI document"),
        )
        return None
    checks.schema = schema
    checks.ok("schema")
    for server in schema.get("servers") or []:
        server_url = urljoin(page_url or url, server.get("url", ""))
        if not under_prefix(server_url.rstrip("/") or server_url, config):
            checks.broken(
                "schema",
                "server-outside-prefix",
                f"the schema's server {server.get('url')!r} resolves to {server_url}, "
                f"outside {config.public_base}",
            )
    return url


def _operations(
    config: Configuration,
    through: Client,
    direct: Client,
    direct_base: str,
    checks: Checks,
    page_url: str | None,
) -> None:
    """Each GET operation needing no input, at the URL "Try it out" builds: the first server's
    URL resolved against the docs page, or the page's origin when the schema has no servers."""
    schema = checks.schema
    if schema is None:
        if checks.status["schema"] == "broken":
            checks.broken(
                "operations",
                "no-schema",
                "no operation can be tried: the schema does not load through the proxy",
            )
        return
    servers = schema.get("servers") or []
    base = urljoin(page_url, servers[0].get("url", "/")) if servers else urljoin(page_url, "/")
    operations = [path for path, item in (schema.get("paths") or {}).items() if _callable_get(path, item)]
    if len(operations) > MAX_OPERATIONS:
        checks.note(
            f"operations: {MAX_OPERATIONS} of {len(operations)} GET operations tried, in schema order"
        )
    for path in operations[:MAX_OPERATIONS]:
        url = base.rstrip("/") + path
        answer, baseline = through.get(url), direct.get(direct_base + path)
        if answer.status != baseline.status:
            kind = (
                "operation-outside-prefix"
                if not under_prefix(url, config)
                else ("not-found" if answer.status == 404 else "operation")
            )
            checks.broken(
                "operations",
                kind,
                f'GET {path} as "Try it out" sends it, {url}, answered {answer.shown}; '
                f"directly it answers {baseline.status}",
            )
        else:
            checks.ok("operations", evidence=served(baseline.status))


def _callable_get(path: str, item: dict) -> bool:
    """A GET Swagger UI could send with no input: no path parameters, no required query or header."""
    operation = item.get("get") if isinstance(item, dict) else None
    if operation is None or "{" in path:
        return False
    parameters = [*(item.get("parameters") or []), *(operation.get("parameters") or [])]
    return not any(p.get("required") for p in parameters if isinstance(p, dict)) and not (
        operation.get("requestBody") or {}
    ).get("required")


def _redirects(
    config: Configuration, app: dict, through: Client, direct: Client, direct_base: str, checks: Checks
) -> None:
    """Every path the app redirects directly (its trailing-slash twins and any route that
    redirects): through the proxy the Location must stay on the proxy's origin and prefix."""
    candidates = []
    for route in app.get("routes", []):
        path = route["path"]
        if (
            route["has_path_params"]
            or path in DOCS_HELPERS
            or path in (app.get("openapi_url"), app.get("docs_url"), app.get("redoc_url"))
        ):
            continue
        candidates.append(path)
        if path != "/":
            candidates.append(path[:-1] if path.endswith("/") else path + "/")
    for path in dict.fromkeys(candidates):
        baseline = direct.get(direct_base + path)
        if baseline.status is None or not 300 <= baseline.status < 400 or not baseline.location:
            continue
        url = config.public_base + path
        wanted = urljoin(direct_base + path, baseline.location).removeprefix(direct_base)
        check_redirect(config, "redirects", url, through.get(url), baseline, wanted, checks)


def _static(config: Configuration, app: dict, through: Client, checks: Checks) -> None:
    for mount in app.get("static", []):
        if not mount.get("file"):
            checks.note(
                f"static: the mount {mount['path']} serves an empty or missing folder "
                f"({mount.get('directory')}); nothing to fetch"
            )
            continue
        url = f"{config.public_base}{mount['path'].rstrip('/')}/{mount['file']}"
        answer = through.get(url)
        if answer.status != 200:
            checks.broken(
                "static",
                "not-found" if answer.status == 404 else "static",
                f"{url} (from {mount['directory']}) answered {answer.shown}",
            )
        elif hashlib.sha256(answer.body).hexdigest() != mount["sha256"]:
            checks.broken("static", "static-body", f"{url} answered 200 but not with the file's bytes")
        else:
            checks.ok("static")


def _mounts(
    config: Configuration, app: dict, through: Client, direct: Client, direct_base: str, checks: Checks
) -> None:
    """Each mounted sub-app's own GET routes (no path parameters): the answer, where a redirect
    leads, the absolute URLs a JSON answer names, and where its docs page sends the browser for
    its schema."""
    for mount in app.get("mounts", []):
        paths = [
            r["path"]
            for r in mount.get("routes", [])
            if not r["has_path_params"] and r["path"] not in DOCS_HELPERS
        ]
        if not paths:
            checks.note(f"mounts: {mount['path']} has no GET route without parameters to try")
        for path in paths:
            app_path = mount["path"].rstrip("/") + path
            url = config.public_base + app_path
            answer, baseline = through.get(url), direct.get(direct_base + app_path)
            if answer.status != baseline.status:
                checks.broken(
                    "mounts",
                    "not-found" if answer.status == 404 else "mount",
                    f"{url}, in the sub-app mounted at {mount['path']}, answered {answer.shown}; "
                    f"directly it answers {baseline.status}",
                )
                continue
            if baseline.status is not None and 300 <= baseline.status < 400 and baseline.location:
                # Gradio's /logout: a 302 to the app's root URL, built from X-Forwarded-Host.
                wanted = urljoin(direct_base + app_path, baseline.location).removeprefix(direct_base)
                check_redirect(config, "mounts", url, answer, baseline, wanted, checks)
                continue
            checks.ok("mounts", evidence=served(baseline.status))
            if answer.status == 200 and answer.is_json:
                check_json_urls(config, "mounts", url, answer, checks)  # Gradio's /config "root"
            if path == mount.get("docs_url") and answer.status == 200:
                found = _SCHEMA_URL.search(answer.body.decode(errors="replace"))
                if found and not under_prefix(urljoin(url, found[1]), config):
                    checks.broken(
                        "mounts",
                        "schema-url-outside-prefix",
                        f"the sub-app's docs page {url} asks for its schema at {urljoin(url, found[1])}, "
                        f"outside {config.prefix}",
                    )


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return None
