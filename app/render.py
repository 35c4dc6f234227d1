"""Answer with a report as JSON, or as `Key: value` lines a person can scan.

What: `render_report` picks the form and builds the response; `as_text` flattens one level of
nesting (`forwarded_headers.x-forwarded-for: ...`) like traefik/whoami prints headers.
When: every echo route, after building its report.
Why: tests compare the JSON with one assertion; people read the text in a terminal
(`curl 'http://localhost:9999/api/v1/echo/a?format=text'`). The choice follows the request only:
`?format=text|json` wins, otherwise the Accept header, and JSON when it is a tie (curl's `*/*`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response


def render_report(request: Request, report: dict[str, Any]) -> Response:
    """The report as text/plain when the request prefers it, else as JSON."""
    if prefers_text(request):
        return PlainTextResponse(as_text(report))
    return JSONResponse(report)


def prefers_text(request: Request) -> bool:
    """True if ?format=text, or if Accept ranks text/plain above application/json."""
    requested_format = request.query_params.get("format")
    if requested_format == "text":
        return True
    if requested_format == "json":
        return False
    accept = request.headers.get("accept", "")
    return _quality("text/plain", accept) > _quality("application/json", accept)


def as_text(report: dict[str, Any]) -> str:
    """One `key: value` line per field; nested dicts become `key.subkey: value` lines."""
    return "".join(f"{key}: {value}\n" for key, value in _flat_items(report))


def _flat_items(report: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for key, value in report.items():
        if isinstance(value, dict) and value:
            for sub_key, sub_value in value.items():
                yield f"{key}.{sub_key}", _scalar_text(sub_value)
            continue
        yield key, _scalar_text(value)


def _scalar_text(value: Any) -> str:
    """Plain text, except where plain text would hide the difference between null, "" and {}."""
    if value is None:
        return "null"
    if value == "":
        return '""'
    if value == {}:
        return "{}"
    return str(value)


def _quality(media_type: str, accept: str) -> float:
    """The q-value `accept` gives `media_type`, most specific range winning (RFC 9110 12.5.1)."""
    if not accept.strip():
        return 1.0
    main_type = media_type.split("/")[0]
    best_specificity, best_quality = -1, 0.0
    for media_range in accept.split(","):
        range_type, _, params = media_range.strip().partition(";")
        range_type = range_type.strip().lower()
        specificity = {media_type: 2, f"{main_type}/*": 1, "*/*": 0}.get(range_type, -1)
        if specificity > best_specificity:
            best_specificity, best_quality = specificity, _q_param(params)
    return best_quality


def _q_param(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() != "q":
            continue
        try:
            return float(value)
        except ValueError:
            return 0.0
    return 1.0
