"""Wire the echo app together: `app = create_server_app()` is what `uvicorn app.main:app` serves.

What: `create_app(settings)` builds one FastAPI app for one configuration: echo routes, health,
offline docs, JSON errors, the /sub mount and the /static mount. Behaviour lives in the modules it
imports; this file only decides what goes where.
When: uvicorn imports `app` at startup (settings from the environment); tests call
`create_app(Settings(...))` once per mode instead of touching os.environ.
Why: each proxylab service runs the same image with different environment variables, so every
mode the labs compare must be reachable without a code change.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from app import health, routes, streams
from app.dependency import RedisDependency
from app.docs import add_offline_docs
from app.errors import install_error_handlers
from app.forwarded_prefix import ForwardedPrefixMiddleware, TrustedForwardedPrefixMiddleware
from app.guards import GuardsMiddleware
from app.health import HealthState
from app.instance_header import InstanceHeaderMiddleware
from app.settings import UVICORN_DEFAULT_FORWARDED_ALLOW_IPS, Settings
from app.sub import SUB_MOUNT_NAME, SUB_MOUNT_PATH, create_sub_app
from app.trusted_peers import TrustedPeers

STATIC_DIRECTORY = Path(__file__).parent / "static"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load (slowly, if asked), connect Redis, start the warm-up; at shutdown, close clients.

    uvicorn opens its listening socket only after this startup half returns, so during
    PROXYLAB_LIFESPAN_DELAY no probe gets an answer at all (lab 06's slow starter).
    """
    settings: Settings = app.state.settings
    await asyncio.sleep(settings.lifespan_delay_s)
    app.state.redis = RedisDependency(settings.redis_url) if settings.redis_url else None
    app.state.health.start()
    try:
        yield
    finally:
        app.state.health.begin_draining()
        if app.state.redis is not None:
            await app.state.redis.close()
        # Only a graceful stop gets here (SIGKILL runs nothing). uvicorn says so itself ("Finished
        # server process"), Hypercorn does not: this line says it for every server.
        print("proxylab: lifespan shutdown complete", file=sys.stderr, flush=True)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The echo app for `settings` (default: read from the environment now).

    PROXYLAB_APP_ROOT_PATH becomes FastAPI(root_path=...), the docs' tutorial002. FastAPI 0.165
    deprecates that parameter and says so with a FastAPIDeprecationWarning at this call; the
    warning is left visible on purpose, since this mode exists to be compared with --root-path.
    """
    settings = Settings.from_env() if settings is None else settings
    app = FastAPI(
        title="proxylab echo",
        lifespan=lifespan,
        # Built-in docs would load Swagger UI/ReDoc from a CDN; app.docs serves them offline.
        docs_url=None,
        redoc_url=None,
        root_path=settings.app_root_path,
        root_path_in_servers=settings.root_path_in_servers,
        servers=[dict(server) for server in settings.extra_servers] or None,
    )
    app.state.settings = settings
    app.state.health = HealthState(warmup_s=settings.startup_delay_s)
    app.state.redis = None  # the lifespan connects it when PROXYLAB_REDIS_URL is set
    install_error_handlers(app)
    add_offline_docs(app)
    app.include_router(routes.router)
    app.include_router(health.router)
    app.include_router(streams.router)
    app.mount(SUB_MOUNT_PATH, create_sub_app(settings), name=SUB_MOUNT_NAME)
    app.mount("/static", StaticFiles(directory=STATIC_DIRECTORY), name="static")
    # Added before the instance header, so a redirect or 400 from the guards is stamped too.
    app.add_middleware(GuardsMiddleware, settings=settings)
    # Outside the guards: what they check (scheme, Host) is what these make of forwarded headers.
    add_forwarding(app, settings)
    app.add_middleware(InstanceHeaderMiddleware, instance=settings.instance)
    return app


def add_forwarding(app: FastAPI, settings: Settings) -> None:
    """root_path from X-Forwarded-Prefix (PROXYLAB_FORWARDED_PREFIX), the docs' way or the proxies' only.

    The last middleware added runs first. The trusted variant must see the connecting address, so
    its service runs `uvicorn --no-proxy-headers` and uvicorn's own ProxyHeadersMiddleware, with
    the same FORWARDED_ALLOW_IPS, runs here, after the prefix is decided.
    """
    if settings.forwarded_prefix == "trusted":
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        allowed = (
            UVICORN_DEFAULT_FORWARDED_ALLOW_IPS
            if settings.forwarded_allow_ips is None
            else settings.forwarded_allow_ips
        )
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=allowed)
        app.add_middleware(
            TrustedForwardedPrefixMiddleware, trusted=TrustedPeers.parse(settings.forwarded_allow_ips)
        )
    elif settings.forwarded_prefix == "docs":
        app.add_middleware(ForwardedPrefixMiddleware)


def create_server_app(settings: Settings | None = None) -> ASGIApp:
    """What the server runs: the FastAPI app, inside Hypercorn's ProxyFixMiddleware when
    PROXYLAB_PROXY_FIX is set. That middleware deep-copies the scope, so it must wrap the whole
    app, as Hypercorn's docs show, not sit in FastAPI's middleware stack (whose scope holds the app
    itself)."""
    settings = Settings.from_env() if settings is None else settings
    app = create_app(settings)
    if not settings.proxy_fix:
        return app
    from app.proxy_fix import TrustedProxyFix

    return TrustedProxyFix(
        app, trusted=TrustedPeers.parse(settings.forwarded_allow_ips), mode=settings.proxy_fix
    )


app = create_server_app()
