"""What the doctor needs to know of a user's app, read in a child process of the user's interpreter.

What: `python doctor/inspect_app.py MODULE:ATTR APP_DIR OUT.json [--factory]` imports the app the
way uvicorn does (APP_DIR first on sys.path, APP_DIR as the working directory; with --factory,
ATTR is called and what it returns is the app) and writes, as JSON: its docs, ReDoc and schema
paths, the GET routes a browser could ask for (no path parameters), its WebSocket routes (its
mounted sub-apps' included, with their full path), its StaticFiles mounts with one file each, its
mounted sub-applications with theirs, a root path it sets in code, and the
versions of the frameworks it is built on (those it imported, and those its app classes come
from). Any ASGI app is accepted: one with no Starlette routes (datasette) is described as such,
and the doctor probes it from its pages.
When: `doctor.servers.inspect_app`, once per doctor run, before anything listens.
Why: the doctor never imports the user's code into its own process (their imports, their
globals, their version of Starlette). This file runs alone: it imports only the standard library
and, through the user's app, their own Starlette; it never imports proxylab.

Exit status: 0 with OUT written; 10 when the module does not import (traceback on stderr);
11 when the attribute is missing; 12 when it is not an ASGI app (the reason on stderr).
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import os
import sys
import traceback
from pathlib import Path

NOT_IMPORTABLE, NO_ATTRIBUTE, NOT_ASGI = 10, 11, 12
FILES_LOOKED_AT = 200  # a static folder is walked only this far for its first file


def main(argv: list[str]) -> int:
    spec, app_dir, out, *flags = argv
    module_name, _, attribute = spec.partition(":")
    sys.path.insert(0, app_dir)
    os.chdir(app_dir)
    try:
        module = importlib.import_module(module_name)
    except BaseException:  # noqa: BLE001 - a SystemExit or KeyboardInterrupt at import is the user's fault too
        traceback.print_exc()
        return NOT_IMPORTABLE
    app = module
    for part in (attribute or "app").split("."):
        if not hasattr(app, part):
            names = sorted(n for n in vars(module) if not n.startswith("_"))
            print(
                f"module {module_name!r} has no attribute {part!r}; it has: {', '.join(names[:20])}",
                file=sys.stderr,
            )
            return NO_ATTRIBUTE
        app = getattr(app, part)
    if "--factory" in flags:
        try:
            app = app()
        except BaseException:  # noqa: BLE001 - the factory's own failure, shown as its traceback
            traceback.print_exc()
            return NOT_IMPORTABLE
    problem = _not_asgi(app)
    if problem:
        print(problem, file=sys.stderr)
        return NOT_ASGI
    Path(out).write_text(json.dumps(describe(app, module), indent=2))
    return 0


def _not_asgi(app: object) -> str | None:
    """Why `app` cannot be an ASGI application, or None. An ASGI app is an async callable of
    (scope, receive, send): a coroutine function, or an object whose __call__ is one."""
    if inspect.ismodule(app) or inspect.isclass(app):
        return f"it is a {'module' if inspect.ismodule(app) else 'class'}, not an ASGI app instance"
    if not callable(app):
        return f"it is a {type(app).__name__}, which cannot be called, so it is not an ASGI app"
    if inspect.isfunction(app) or inspect.ismethod(app):
        if inspect.iscoroutinefunction(app):
            return None
        return (
            "it is a plain (not async) function; an app factory? add --uvicorn-arg=--factory, "
            "or name the app it builds (`app = create_app()` in a module)"
        )
    call = type(app).__call__
    if inspect.isfunction(call) and not inspect.iscoroutinefunction(call):
        kind = f"{type(app).__module__}.{type(app).__qualname__}"
        return (
            f"it is a {kind} object, callable but not as an ASGI app (its __call__ is not async); "
            "name the ASGI app that serves it (for a Gradio Blocks or Interface: "
            "`app = gr.mount_gradio_app(FastAPI(), demo, path='/gradio')`)"
        )
    return None


def describe(app: object, module: object = None) -> dict:
    """The JSON the doctor reads: everything it probes is found here."""
    inner = _layers(app)[-1]
    routes = getattr(inner, "routes", None) or []
    own_routes, static, mounts, sockets = _walk(routes, "")
    docs_url = getattr(inner, "docs_url", None)
    if docs_url is None and any(r["path"] == "/docs" for r in own_routes):
        docs_url = "/docs"  # a docs page the app builds itself
    # Where the app comes from: its class, its mounted apps' classes, and what its module imports.
    origins = [type(inner).__module__, *(type(m.pop("app")).__module__ for m in mounts)]
    origins += [
        getattr(value, "__module__", None) or getattr(value, "__name__", "")
        for value in vars(module or app).values()
    ]
    return {
        "kind": f"{type(inner).__module__}.{type(inner).__qualname__}",
        "routes_known": isinstance(getattr(inner, "routes", None), list),
        "docs_url": docs_url,
        "redoc_url": getattr(inner, "redoc_url", None),
        "openapi_url": getattr(inner, "openapi_url", None),
        "root_path_in_code": _root_paths(inner),
        "routes": own_routes,
        "static": static,
        "mounts": mounts,
        "websockets": sockets,
        "versions": _versions(origins),
    }


def _root_paths(inner: object) -> list[tuple[str, str]]:
    """A root path the app sets itself: FastAPI(root_path=...), or Starlette's root_path given
    to its Router (both end up in the scope, as uvicorn's --root-path does)."""
    found = []
    for owner, name in ((inner, "root_path"), (getattr(inner, "router", None), "root_path")):
        value = getattr(owner, name, None) if owner is not None else None
        if isinstance(value, str) and value:
            found.append((f"{type(owner).__name__}.root_path", value))
            break
    return found


# Frameworks reported when the app imported them; uvicorn always (it runs the app).
FRAMEWORKS = ("fastapi", "starlette", "uvicorn")


def _versions(origins: list[str]) -> dict[str, str | None]:
    """The versions that decide the verdict, as installed in this (the user's) interpreter: the
    frameworks the app imported and the distributions of the modules its app, its mounted apps
    and its module's names come from (sqladmin, gradio, datasette), not a fixed list."""
    from importlib import metadata

    found: dict[str, str | None] = {"python": sys.version.split()[0], "python_executable": sys.executable}
    owners = metadata.packages_distributions()
    names = [n for n in FRAMEWORKS if n in sys.modules or n == "uvicorn"]
    for origin in origins:
        if isinstance(origin, str) and origin:
            names += owners.get(origin.partition(".")[0], [])
    for name in dict.fromkeys(names):
        try:
            found[name.lower()] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name.lower()] = None
    return found


def _layers(app: object) -> list[object]:
    """The app and, for middleware wrapped around it by hand, each `.app` inside it."""
    layers = [app]
    while not hasattr(layers[-1], "routes") and hasattr(layers[-1], "app") and len(layers) < 10:
        layers.append(layers[-1].app)
    return layers


def _walk(routes: list, prefix: str) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    """GET routes (a Mount of a plain Router flattened into them), static mounts, sub-apps, and
    WebSocket routes at every depth (a WebSocketRoute has an `app` and no methods: no sub-app)."""
    own, static, mounts, sockets = [], [], [], []
    for route in _flattened(routes):
        path = prefix + getattr(route, "path", "")
        methods = getattr(route, "methods", None)
        child = getattr(route, "app", None)
        if _is_websocket(route):
            sockets.append({"path": path, "has_path_params": "{" in path})
        elif methods is not None:
            if "GET" in methods:
                own.append({"path": path, "has_path_params": "{" in path})
        elif child is not None and _is_static(child):
            static.append({"path": path, **_one_file(child)})
        elif child is not None and hasattr(child, "routes") and type(child).__name__ == "Router":
            more = _walk(child.routes, path)
            own, static, mounts, sockets = (
                own + more[0],
                static + more[1],
                mounts + more[2],
                sockets + more[3],
            )
        elif child is not None:
            inner = _layers(child)[-1]
            sub_own, _, _, sub_sockets = _walk(getattr(inner, "routes", None) or [], "")
            sockets += [{**s, "path": path + s["path"]} for s in sub_sockets]
            mounts.append(
                {"path": path, "docs_url": getattr(inner, "docs_url", None), "routes": sub_own, "app": inner}
            )
    return own, static, mounts, sockets


def _is_websocket(route: object) -> bool:
    """Starlette's WebSocketRoute and FastAPI's APIWebSocketRoute (its subclass in older
    releases, a class of its own in some), by name: this file imports no Starlette."""
    return any("WebSocketRoute" in cls.__name__ for cls in type(route).__mro__) or (
        isinstance(route, _IncludedRoute) and route.websocket
    )


def _flattened(routes: list) -> list:
    """The routes as the router matches them. FastAPI (0.16x) keeps an included router as one
    entry whose `effective_route_contexts()` yields each route with its full path; older
    releases copy the routes themselves into the app. Duck-typed, for either."""
    flat = []
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):
            for context in contexts():
                original = getattr(context, "original_route", None)
                flat.append(_IncludedRoute(context, original))
        else:
            flat.append(route)
    return flat


class _IncludedRoute:
    """An included route as its context sees it: the full path, the route's methods and app."""

    def __init__(self, context: object, original: object) -> None:
        # A WebSocket route's context has no path of its own; its starlette_route has the full one.
        built = getattr(context, "starlette_route", None)
        self.path = (
            getattr(context, "path", "") or getattr(built, "path", "") or getattr(original, "path", "")
        )
        self.methods = getattr(context, "methods", None) or getattr(original, "methods", None)
        self.websocket = original is not None and _is_websocket(original)
        if self.methods is None and hasattr(original, "app"):
            self.app = original.app


def _is_static(app: object) -> bool:
    return any(cls.__name__ == "StaticFiles" for cls in type(app).__mro__)


def _one_file(static: object) -> dict:
    """The first file (in name order, shallowest first) a StaticFiles mount serves, with its
    size and hash, so a probe can tell the file itself from a page that merely answers 200."""
    directories = getattr(static, "all_directories", None) or [getattr(static, "directory", None)]
    for directory in directories:
        if directory is None or not Path(directory).is_dir():
            continue
        looked = 0
        for root, dirs, names in os.walk(directory):
            dirs.sort()
            for name in sorted(names):
                looked += 1
                file = Path(root) / name
                if file.is_file() and looked <= FILES_LOOKED_AT:
                    data = file.read_bytes()
                    return {
                        "directory": str(directory),
                        "file": file.relative_to(directory).as_posix(),
                        "size": len(data),
                        "sha256": hashlib.sha256(data).hexdigest(),
                    }
    return {
        "directory": str(directories[0]) if directories else None,
        "file": None,
        "size": None,
        "sha256": None,
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
