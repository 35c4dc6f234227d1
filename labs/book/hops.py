"""The hop picture of one request step: client → proxy (→ proxy) → app, drawn as an SVG string.

What: `picture(request, echo, chain)` draws, top to bottom, the client, each proxy of the route
(what it does to the path: strips the prefix or keeps it) and the app that answered; beside the
first arrow the request line and Host the client sent, beside the last one what the app received
(the path and raw_path of its scope, and Host) and the headers that changed on the way: added (the
app received one the client did not send), replaced (received with another value) or dropped
(sent, not received). The scope's path is not the line on the wire: uvicorn puts its --root-path
in front of both (lab 01 step 1), so the picture names it as the scope's and guesses no wire path.
Under the app: its root_path and the URLs it built, each marked in red, and in words, where it
lost the prefix (`/api/v1`) or the scheme (https became http).
When: the lab book (labs/book/app.py) shows it in a request step's card after Run.
Why: what each hop did is otherwise spread over three fields of the echo's JSON. Everything here is
measured: the sent side is `instruments.client.Request` (the command shown is the command run),
the received side the echo report (app/echo.py's keys); a hop between two proxies is not observed
and says so. The echo reports Host and the forwarded headers only (`forwarded_headers`), so those
are the headers compared; User-Agent and Accept pass unseen. The route chain (compose.yaml's
x-route, `via` for an outer proxy) says which proxies stand between.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from instruments.client import Request
from labs.book.svg import Line, draw
from proxylab.compose import Route, Stack

MARKERS = {"added": "+ added", "replaced": "~ replaced", "dropped": "− dropped"}


@dataclass(frozen=True)
class HeaderChange:
    """A header the client sent or the app received that differs between the two ends."""

    name: str  # lower-case
    change: str  # added, replaced or dropped
    sent: str | None
    received: str | None


def route_chain(stack: Stack, url: str) -> list[Route]:
    """The routes a request to `url` passes, outermost first: one, or an outer proxy's route and
    the inner route it forwards to (`via`, lab 12). [] for a port that is no route of the stack."""
    route = stack.route(urlsplit(url).port or (443 if url.startswith("https") else 80))
    chain: list[Route] = []
    while route is not None and route not in chain:
        chain.append(route)
        route = stack.route(route.via) if route.via else None
    return chain


def header_changes(sent: Sequence[tuple[str, str]], echo: Mapping[str, Any]) -> list[HeaderChange]:
    """Host and the forwarded headers, sent vs received: the only headers the echo reports."""
    received = {"host": echo.get("host_header"), **(echo.get("forwarded_headers") or {})}
    received = {name: value for name, value in received.items() if value is not None}
    sent_named = {name.lower(): value for name, value in sent if _reported(name.lower())}
    changes = []
    for name, value in received.items():
        if name not in sent_named:
            changes.append(HeaderChange(name, "added", None, value))
        elif sent_named[name] != value:
            changes.append(HeaderChange(name, "replaced", sent_named[name], value))
    changes += [
        HeaderChange(name, "dropped", value, None)
        for name, value in sent_named.items()
        if name not in received
    ]
    return changes


def losses(url: str, prefix: str, scheme: str) -> list[str]:
    """What a URL the app built lost of the public one: "the prefix /api/v1", "the scheme https"."""
    parts = urlsplit(url)
    lost = []
    if prefix and not parts.path.startswith(prefix):
        lost.append(f"the prefix {prefix}")
    if scheme in ("https", "wss") and parts.scheme in ("http", "ws"):
        lost.append(f"the scheme {scheme}")
    return lost


def picture(request: Request, echo: Mapping[str, Any] | None, chain: Sequence[Route]) -> str:
    """The SVG of one request's hops; `echo` is the answer's JSON body (None when it is not one)."""
    is_echo = isinstance(echo, Mapping) and "path" in echo
    scheme = request.origin[0]
    prefix = _public_prefix(request, chain)
    rows: list[tuple[str, str]] = [("client", _client_note(request))]
    sent = [Line(f"{request.method} {request.request_target}", css="hop-request")]
    sent += [
        Line(f"Host: {value}", css="hop-host") for name, value in request.wire_headers() if name == "Host"
    ]
    arrows = [sent]
    for index, route in enumerate(route for route in chain if route.proxy):
        rows.append((route.proxy or "", _proxy_note(route)))
        if index:
            arrows.append([Line("(not observed between two proxies)", "dim")])
    rows.append(
        (str(echo.get("instance")), str(echo.get("server") or ""))
        if is_echo
        else ("the app", "no echo report")
    )
    arrows.append(_received(request, echo) if is_echo else [Line("(the answer is no echo report)", "dim")])
    below = _built(echo, prefix, scheme) if is_echo else []
    return draw(rows, arrows, below)


def _received(request: Request, echo: Mapping[str, Any]) -> list[Line]:
    method = echo.get("method") or request.method
    lines = [Line(f"{method} {echo['path']}   (the path in the app's scope)", css="hop-request")]
    if echo.get("raw_path") not in (None, echo["path"]):
        lines.append(Line(f"raw_path: {echo['raw_path']}", css="hop-raw-path"))
    lines.append(Line(f"Host: {echo.get('host_header')}", css="hop-host"))
    for change in header_changes(request.wire_headers(), echo):
        shown = {
            "added": f"{change.name}: {change.received}",
            "replaced": f"{change.name}: {change.sent} → {change.received}",
            "dropped": f"{change.name}: {change.sent}",
        }[change.change]
        lines.append(Line(f"{MARKERS[change.change]}  {shown}", change.change, f"header-{change.change}"))
    return lines


def _built(echo: Mapping[str, Any], prefix: str, scheme: str) -> list[Line]:
    """root_path and the URLs the app built, each marked where it lost the prefix or the scheme."""
    root_path = str(echo.get("root_path") or "")
    lines = [
        Line(f'root_path: "{root_path}"  ✗ lost the prefix {prefix}', "lost", "lost-prefix")
        if prefix and not root_path.startswith(prefix)
        else Line(f'root_path: "{root_path}"', css="built")
    ]
    for key in ("url", "base_url", "url_for"):
        value = str(echo.get(key) or "")
        lost = losses(value, prefix, scheme)
        if lost:
            kind = "lost-prefix" if lost[0].startswith("the prefix") else "lost-scheme"
            lines.append(Line(f"{key}: {value}  ✗ lost {' and '.join(lost)}", "lost", kind))
        else:
            lines.append(Line(f"{key}: {value}", css="built"))
    return lines


def _public_prefix(request: Request, chain: Sequence[Route]) -> str:
    """The prefix the client asked under, which the URLs the app builds should keep: the route's
    public prefix when the request's path starts with it, else none (a direct route, another path)."""
    prefix = chain[0].public_prefix if chain else ""
    path = urlsplit(request.url).path
    return prefix if prefix and (path == prefix or path.startswith(prefix + "/")) else ""


def _client_note(request: Request) -> str:
    return f"from {request.source}" if request.source else "curl"


def _proxy_note(route: Route) -> str:
    notes = [f"strips {route.prefix}" if route.strips else "keeps the prefix"]
    if route.tls:
        notes.append("ends TLS")
    if route.rewrite:
        notes.append(f"as {route.rewrite}")
    return ", ".join(notes)


def _reported(name: str) -> bool:
    """The headers the echo reports (app/echo.py's is_forwarded_header, and host)."""
    return name == "host" or name.startswith("x-forwarded-") or name in ("forwarded", "x-real-ip")
