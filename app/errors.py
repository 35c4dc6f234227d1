"""JSON error bodies for everything the app refuses or fails at.

What: `install_error_handlers(app)` makes HTTP errors (404, 405, ...) answer
`{"error": "<reason phrase>", "path": ..., "detail": ...}` and any unhandled exception answer
500 `{"error": "internal server error", "detail": "<exception class name>"}`. 422 stays as
FastAPI's own JSON (`{"detail": [...]}`), which already says which parameter was wrong.
When: `create_app` installs it on the main app and on the mounted sub-app.
Why: behind a proxy, a 404 is usually a path-prefix mistake, so the body shows the path the app
received. Tracebacks go to the server log, never into a response body.
"""

from __future__ import annotations

from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

INTERNAL_SERVER_ERROR = 500


def install_error_handlers(app: FastAPI) -> None:
    """Register the JSON handlers on `app` (each FastAPI app has its own handler table)."""
    app.add_exception_handler(StarletteHTTPException, http_error_as_json)
    app.add_exception_handler(Exception, unhandled_error_as_json)


async def http_error_as_json(request: Request, exc: Exception) -> JSONResponse:
    """Any HTTPException (Starlette's 404/405 or one raised by a route) as JSON, headers kept."""
    assert isinstance(exc, StarletteHTTPException)
    body = {"error": _reason_phrase(exc.status_code), "path": request.scope["path"], "detail": exc.detail}
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def unhandled_error_as_json(request: Request, exc: Exception) -> JSONResponse:
    """A bug as a 500 that names the exception class only; Starlette re-raises it for the log."""
    body = {"error": "internal server error", "detail": type(exc).__name__}
    return JSONResponse(body, status_code=INTERNAL_SERVER_ERROR)


def _reason_phrase(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase.lower()
    except ValueError:
        return f"http {status_code}"
