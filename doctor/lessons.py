"""Which lab step explains a symptom, and the why in one line.

What: `lesson(symptom, config)` gives the lab and the step (by title) that shows the same fault on
the echo app, and a one-line why that names its evidence (the package function or the proxy
directive), chosen by the symptom's kind and by the configuration (strip or keep, with or
without --root-path). tests/doctor/test_lessons.py checks that every step named here exists.
When: `doctor.verdict` attaches one to each reason.
Why: the doctor tells a user *that* their docs break; the lab shows *why* on traffic they can
replay (`python -m labs present NN`), with every field explained.
"""

from __future__ import annotations

from dataclasses import dataclass

from doctor.checks import Symptom
from doctor.layout import Configuration


@dataclass(frozen=True)
class Lesson:
    lab: str  # "02"
    step: str  # the step's title, as in labs/NN-*.yaml
    why: str

    @property
    def command(self) -> str:
        return f"python -m labs present {self.lab}"


KEEP_PLAIN = Lesson(
    "02",
    "A plain app behind a proxy that keeps /api/v1",
    "the proxy passes PREFIX/… whole and the app has no route under PREFIX "
    "(starlette.routing.Router routes the path it receives)",
)
KEEP_ROOTED = Lesson(
    "02",
    "--root-path behind a proxy that keeps /api/v1",
    "uvicorn puts --root-path in front of the path that already starts with it "
    "(uvicorn.protocols.http.h11_impl.H11Protocol.handle_events): PREFIXPREFIX/…; "
    "starlette._utils.get_route_path removes one PREFIX and no route matches the rest",
)
STRIP = {
    "traefik": Lesson(
        "13",
        "Traefik: stripPrefix, and X-Forwarded-Prefix comes with it",
        "Traefik's stripPrefix removes PREFIX before the app sees the path",
    ),
    "nginx": Lesson(
        "13",
        "Nginx: `location /api/v1/` and proxy_pass ending in /",
        "nginx's proxy_pass with a URI (the trailing /) replaces the matched PREFIX/",
    ),
    "caddy": Lesson(
        "13",
        "Caddy: handle_path, and three X-Forwarded-* headers unasked",
        "Caddy's handle_path removes PREFIX before reverse_proxy",
    ),
    "haproxy": Lesson(
        "13",
        "HAProxy: set-path with regsub, and only what it is told",
        "HAProxy's http-request set-path removes PREFIX",
    ),
}
DOCS_URL_NO_ROOT = Lesson(
    "01",
    "What the docs page on the app directly asks the browser for",
    "FastAPI's docs page names root_path + openapi_url (fastapi.applications.FastAPI.setup); "
    "with no root_path that is a path outside PREFIX, which the proxy does not route",
)
DOCS_URL_BY_HAND = Lesson(
    "01",
    "What the docs page on the app directly asks the browser for",
    "the page names a URL without the root_path: written by hand? FastAPI's own docs route "
    "prefixes it with request.scope['root_path'] (fastapi.applications.FastAPI.setup)",
)
NO_SERVERS = Lesson(
    "03",
    "root_path_in_servers=False (the docs' tutorial004)",
    "the schema has no servers, so \"Try it out\" calls the page's origin + the operation's path, "
    "outside PREFIX; FastAPI adds {'url': root_path} only when there is a root_path "
    "(fastapi.applications.FastAPI.setup)",
)
SERVERS = Lesson(
    "03",
    "The root_path becomes the first server",
    'Swagger UI sends "Try it out" to the first server; FastAPI makes it the root_path '
    "(fastapi.applications.FastAPI.setup), so a wrong root_path is a wrong server",
)
SLASH_NO_ROOT = Lesson(
    "02",
    "The trailing-slash redirect loses the prefix",
    "Starlette builds the trailing-slash redirect's Location from the scheme, Host and path the "
    "app received (starlette.datastructures.URL, in starlette.routing.Router.app), not from the "
    "root_path: with PREFIX stripped, only a path that carries PREFIX again keeps it, which is "
    "what --root-path PREFIX does (uvicorn prepends it to the path); a root_path in the scope "
    "alone, FastAPI(root_path=...) or X-Forwarded-Prefix, fixes url_for but not this Location",
)
REDIRECT_NO_ROOT = Lesson(
    "02",
    "The opposite pairing: a stripping proxy and FastAPI(root_path=...)",
    "the app built this Location from the URL it received (starlette.datastructures.URL: scheme, "
    "Host and path), from url_for (starlette.requests.HTTPConnection.url_for: the base URL, with "
    "the root_path) or by hand; with PREFIX stripped and no root_path, neither of the first two "
    "carries PREFIX: uvicorn --root-path PREFIX gives it to both (it prepends it to the path and "
    "sets the root_path); a redirect that still leaves PREFIX with it is written by hand",
)
BY_HAND_LOCATION = Lesson(
    "02",
    "The same redirect with --root-path keeps the prefix",
    "with --root-path the path carries PREFIX, so Starlette's own redirects keep it; this "
    "Location does not, so it was not built from the request (request.url_for, "
    "starlette.datastructures.URL) but written by hand, or from X-Forwarded-Host and a path of "
    "the app's own (Gradio's route_utils.get_root_url)",
)
OTHER_ORIGIN = Lesson(
    "05",
    "$host instead of $http_host: the port is lost",
    "the app builds absolute URLs from the Host it receives (starlette.datastructures.URL); "
    "a proxy that changes Host sends users elsewhere",
)
MOUNT = Lesson(
    "03",
    "A mounted sub-application under the prefix",
    "Starlette's Mount extends root_path by its own path (starlette.routing.Mount.matches), "
    "so a sub-app's URLs carry PREFIX only when the root_path does",
)
PAGE_NO_ROOT = Lesson(
    "03",
    "A mounted sub-application under the prefix",
    "the page builds its URLs from the root_path (Starlette's url_for and base_url; a Mount "
    "extends it by its own path, starlette.routing.Mount.matches); with no root_path they start "
    "at / and miss PREFIX: uvicorn --root-path PREFIX gives them the prefix",
)
PAGE_BY_HAND = Lesson(
    "03",
    "And yet the app advertises the static URL under the prefix",
    "the app received root_path PREFIX and its page still names a URL without it: the URL is "
    "written by hand, or the app's framework ignores the ASGI root_path and has a base-URL "
    "setting of its own (datasette's base_url, for one)",
)
APP_IGNORES_ROOT = Lesson(
    "02",
    "--root-path behind a proxy that keeps /api/v1",
    "not the proxy: the app gives the same answer directly to the request the proxy sends. "
    "uvicorn puts --root-path in front of the path (PREFIX/…), and Starlette takes it off again "
    "before routing (starlette._utils.get_route_path); an app that routes the whole path finds "
    "no page at PREFIX/… and ignores the ASGI root_path: it has a base-URL setting of its own "
    "(datasette's base_url), to use instead of --root-path",
)
WS_UPGRADE = Lesson(
    "12",
    "Nginx without the Upgrade header (9122): the app answers 404",
    "the upgrade did not reach the app as one: Upgrade and Connection are hop-by-hop headers, "
    "which a proxy passes on only when told (Nginx: proxy_http_version 1.1 and "
    "proxy_set_header Upgrade/Connection), so the app saw a plain GET",
)
WS_NO_ROUTE = Lesson(
    "12",
    "A WebSocket the app has no route for is refused with 403, not 404",
    "the app has no WebSocket route at the path it received: Starlette closes the socket before "
    "accepting it (starlette.routing.Router.not_found) and uvicorn answers the handshake 403; "
    "a wrong path, as for any request through this configuration, not a permission",
)


def lesson(symptom: Symptom, config: Configuration) -> Lesson:
    rooted = config.server_root_path is not None
    kind = symptom.kind
    if kind == "app-ignores-root-path":
        chosen = APP_IGNORES_ROOT
    elif kind == "websocket-upgrade":
        chosen = WS_UPGRADE
    elif kind == "websocket-no-route":
        chosen = WS_NO_ROUTE
    elif kind in ("schema-url-outside-prefix", "asset-outside-prefix"):
        chosen = MOUNT if symptom.check == "mounts" else (DOCS_URL_BY_HAND if rooted else DOCS_URL_NO_ROOT)
    elif kind == "operation-outside-prefix":
        chosen = NO_SERVERS
    elif kind == "server-outside-prefix":
        chosen = SERVERS
    elif kind in ("location-outside-prefix", "redirect-outside-prefix"):
        if rooted and config.strips:
            chosen = BY_HAND_LOCATION
        else:
            chosen = SLASH_NO_ROOT if kind == "location-outside-prefix" else REDIRECT_NO_ROOT
    elif kind == "link-outside-prefix":
        if not config.strips:
            chosen = KEEP_ROOTED if rooted else KEEP_PLAIN
        else:
            chosen = PAGE_BY_HAND if rooted else PAGE_NO_ROOT
    elif kind in ("location-origin", "link-origin"):
        chosen = OTHER_ORIGIN
    elif not config.strips:
        chosen = KEEP_ROOTED if rooted else KEEP_PLAIN
    else:
        chosen = STRIP[config.proxy]
    return Lesson(chosen.lab, chosen.step, chosen.why.replace("PREFIX", config.prefix))


ALL = [
    KEEP_PLAIN,
    KEEP_ROOTED,
    *STRIP.values(),
    DOCS_URL_NO_ROOT,
    DOCS_URL_BY_HAND,
    NO_SERVERS,
    SERVERS,
    SLASH_NO_ROOT,
    REDIRECT_NO_ROOT,
    BY_HAND_LOCATION,
    OTHER_ORIGIN,
    MOUNT,
    PAGE_NO_ROOT,
    PAGE_BY_HAND,
    APP_IGNORES_ROOT,
    WS_UPGRADE,
    WS_NO_ROUTE,
]
