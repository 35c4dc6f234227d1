"""How a request reaches the app in each root_path mode, as a table the app tests share.

What: `Mode` says what the app was told (Settings, uvicorn's --root-path) and whether the proxy
in front stripped /api/v1; `Mode.client()` and `Mode.url_path()` turn that into a TestClient
request whose ASGI scope is the one real uvicorn would hand the app.
When: imported by the tests/app modules for their parametrize tables.
Why: Starlette 1.10's TestClient(root_path=...) only sets scope["root_path"]; it does not prepend
it to scope["path"] the way uvicorn does (uvicorn/protocols/http/h11_impl.py: `full_path =
self.root_path + path`). Requesting root_path + path through TestClient(root_path=...) gives
exactly uvicorn's scope (path, raw_path and root_path), so these tests measure what the real
server does; tests/app/test_app_uvicorn_cli.py checks that claim against the real CLI.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

from fastapi import FastAPI
from fastapi.exceptions import FastAPIDeprecationWarning
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

PREFIX = "/api/v1"


def build_app(settings: Settings) -> FastAPI:
    """create_app, without repeating FastAPI's root_path deprecation warning in every test.

    test_app_root_path_modes.py asserts that the warning is raised; everywhere else it is noise.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FastAPIDeprecationWarning)
        return create_app(settings)


@dataclass(frozen=True)
class Mode:
    """One configuration of app + server + proxy, seen from the app."""

    id: str
    settings: Settings = field(default_factory=Settings)
    server_root_path: str = ""  # what uvicorn --root-path would be
    proxy_strips_prefix: bool = True  # False: the proxy forwards /api/v1/... unchanged

    def url_path(self, app_path: str) -> str:
        """The path to ask TestClient for so the app's scope matches real uvicorn's for `app_path`."""
        received_path = app_path if self.proxy_strips_prefix else PREFIX + app_path
        return self.server_root_path + received_path

    def client(self, **client_options: object) -> TestClient:
        """A TestClient for a fresh app in this mode (use it in a `with` block to run the lifespan)."""
        app = build_app(self.settings)
        return TestClient(app, root_path=self.server_root_path, follow_redirects=False, **client_options)


PLAIN = Mode("plain")
SERVER_ROOT_PATH = Mode("server-root-path", server_root_path=PREFIX)
APP_ROOT_PATH = Mode("app-root-path", settings=Settings(app_root_path=PREFIX))
APP_ROOT_PATH_PREFIX_KEPT = Mode(
    "app-root-path-prefix-kept", APP_ROOT_PATH.settings, proxy_strips_prefix=False
)
PLAIN_PREFIX_KEPT = Mode("plain-prefix-kept", proxy_strips_prefix=False)
SERVER_ROOT_PATH_PREFIX_KEPT = Mode(
    "server-root-path-prefix-kept", server_root_path=PREFIX, proxy_strips_prefix=False
)

# The three modes of the FastAPI docs, each reached the way the docs intend (prefix stripped),
# plus FastAPI(root_path=...) behind a proxy that keeps the prefix, where that mode also answers.
ANSWERING_MODES = [PLAIN, SERVER_ROOT_PATH, APP_ROOT_PATH, APP_ROOT_PATH_PREFIX_KEPT]


def case_id(value: object) -> str | None:
    """pytest ids: a Mode is named by its id, everything else gets pytest's default id."""
    return value.id if isinstance(value, Mode) else None
