"""The requests labs and suites send, and each one as the curl command that sends the same bytes.

What: `send(Request(...))` sends one request as written and keeps every redirect hop;
`probe_docs` loads a docs page and the schema URL it names. When: every request:/docs: step of
the labs, the matrix, spoofing and oddpaths suites. Why, below.

The command shown is the command run: `Request.as_curl()` is what a slide or a failure shows, and
what goes on the wire is what that curl sends — the same method, target, body and source address,
and the same headers: curl's own three (Host from the URL unless one is given, `User-Agent:
curl/<version>`, `Accept: */*`), then the given ones, then curl's Content-Length and, for a body,
its `Content-Type: application/x-www-form-urlencoded`. Always HTTP/1.1: the command says
`--http1.1` for https, where curl would otherwise negotiate HTTP/2 with Traefik.
tests/labs/curl_replay.py (run from test_labs_live.py) runs the shown commands with curl and compares.

Built on http.client rather than a friendlier client on purpose: the request target goes on the
wire exactly as written (`//api/v1/app`, `%2e%2e`, an absolute-form URL), a source address can be
chosen (`source="127.0.0.77"` plays a client that no app trusts), headers are sent as given, and
every redirect hop is kept instead of silently followed. https URLs (the TLS routes of lab 08)
are checked against the lab's own CA, .run/certs/ca.pem (proxylab/certs.py), and nothing else:
the curl command shows `--cacert .run/certs/ca.pem` for the same reason.
"""

from __future__ import annotations

import http.client
import json
import re
import shlex
import ssl
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from proxylab.certs import CA_FILE
from proxylab.paths import CERTS_DIR, REPO

DEFAULT_TIMEOUT_S = 5.0
# curl's User-Agent, sent by the runner too so that the shown command and the run agree byte for
# byte (Debian bookworm's curl; `curl --version`). tests/labs/curl_replay.py checks it.
CURL_USER_AGENT = "curl/7.88.1"
FORM = "application/x-www-form-urlencoded"  # what curl's --data-raw declares
MAX_REDIRECTS = 10
CA_PATH = CERTS_DIR / CA_FILE


_ORIGIN = re.compile(r"^(https?)://([^/?#:]+)(?::(\d+))?")
_DOT_SEGMENT = re.compile(r"/\.\.?(?:/|\?|$)")


@dataclass(frozen=True)
class Request:
    url: str  # scheme://host:port followed by the path, sent verbatim
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    source: str | None = None  # connect from this local address
    body: str | None = None
    follow_redirects: bool = False
    target: str | None = None  # a request line target other than the URL's path (absolute-form)

    @property
    def origin(self) -> tuple[str, str, int]:
        match = _ORIGIN.match(self.url)
        if match is None:
            raise ValueError(f"not an http(s) URL: {self.url!r}")
        scheme, host, port = match.groups()
        return scheme, host, int(port) if port else (443 if scheme == "https" else 80)

    @property
    def request_target(self) -> str:
        """What goes on the request line."""
        return self.target or self.url[_ORIGIN.match(self.url).end() :] or "/"

    def wire_headers(self) -> list[tuple[str, str]]:
        """Every header as sent, in curl's order: its defaults unless given, the given ones, the body's."""
        given = {name.lower() for name in self.headers}
        scheme, host, port = self.origin
        default_port = (scheme, port) in (("http", 80), ("https", 443))
        defaults = [
            ("Host", host if default_port else f"{host}:{port}"),
            ("User-Agent", CURL_USER_AGENT),
            ("Accept", "*/*"),
        ]
        headers = [(name, value) for name, value in defaults if name.lower() not in given] + list(
            self.headers.items()
        )
        if self.body is not None:
            headers.append(("Content-Length", str(len(self.body.encode()))))
            if "content-type" not in given:
                headers.append(("Content-Type", FORM))
        return headers

    def as_curl(self) -> str:
        """The same request as a curl command a person can paste."""
        words = ["curl", "-s", "-i"]
        if self.method != "GET":
            words += ["-X", self.method]
        if self.source:
            words += ["--interface", self.source]
        if self.follow_redirects:
            words += ["-L", "--max-redirs", str(MAX_REDIRECTS)]
        if self.url.startswith("https://"):
            shown = CA_PATH.relative_to(REPO) if CA_PATH.is_relative_to(REPO) else CA_PATH
            words += ["--http1.1", "--cacert", str(shown)]
        for name, value in self.headers.items():
            words += ["-H", f"{name}: {value}"]
        if self.body is not None:
            words += ["--data-raw", self.body]
        if _DOT_SEGMENT.search(self.request_target):
            words += ["--path-as-is"]  # curl would otherwise resolve /../ before sending
        if self.target:
            words += ["--request-target", self.target]
        words.append(self.url)
        return " ".join(shlex.quote(word) for word in words)


@dataclass(frozen=True)
class Response:
    status: int | None  # None when no HTTP answer came back (see error)
    reason: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names, repeats joined
    text: str = ""
    error: str | None = None
    hops: list[str] = field(default_factory=list)  # Location of every redirect followed
    content: bytes = b""  # the body as received, byte for byte (`text` is it decoded, for reading)

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    def fields(self) -> dict[str, Any]:
        """What a lab's dotted field names read: status, headers.x, body.x, text, error, hops."""
        return {
            "status": self.status,
            "reason": self.reason,
            "headers": self.headers,
            "body": self.json,
            "text": self.text,
            "error": self.error,
            "hops": self.hops,
        }

    def raw(self, limit: int = 1500) -> str:
        """The response as it would print with curl -i, cut at `limit` characters."""
        if self.status is None:
            return f"(no HTTP response: {self.error})"
        head = f"HTTP/1.1 {self.status} {self.reason}\n" + "\n".join(
            f"{k}: {v}" for k, v in self.headers.items()
        )
        body = (
            self.text
            if len(self.text) <= limit
            else self.text[:limit] + f"\n… ({len(self.text) - limit} more characters)"
        )
        return f"{head}\n\n{body}"


def send(request: Request, timeout: float = DEFAULT_TIMEOUT_S) -> Response:
    """Send `request`; follow redirects only when asked, keeping each hop."""
    response = _send_once(request, timeout)
    hops: list[str] = []
    # Read once: each hop's own Request below does not carry the flag, and must not end the loop.
    follow = request.follow_redirects
    while follow and response.status in (301, 302, 303, 307, 308) and len(hops) < MAX_REDIRECTS:
        location = response.headers.get("location", "")
        hops.append(location)
        request = Request(urljoin(request.url, location), "GET", request.headers, request.source)
        response = _send_once(request, timeout)
    return Response(
        response.status,
        response.reason,
        response.headers,
        response.text,
        response.error,
        hops,
        response.content,
    )


def open_connection(request: Request, timeout: float = DEFAULT_TIMEOUT_S) -> http.client.HTTPConnection:
    """Connect and send `request`; the caller reads the answer (getresponse) and closes. An
    answer read as it arrives (an event stream, instruments/streams.py) needs exactly this."""
    scheme, host, port = request.origin
    source = (request.source, 0) if request.source else None
    connection = _connect(scheme, host, port, timeout, source)
    try:
        connection.putrequest(
            request.method, request.request_target, skip_host=True, skip_accept_encoding=True
        )
        for name, value in request.wire_headers():
            connection.putheader(name, value)
        connection.endheaders(request.body.encode() if request.body is not None else None)
    except BaseException:
        connection.close()
        raise
    return connection


def _send_once(request: Request, timeout: float) -> Response:
    try:
        connection = open_connection(request, timeout)
    except (OSError, http.client.HTTPException) as exc:
        return Response(None, error=f"{type(exc).__name__}: {exc}")
    try:
        answer = connection.getresponse()
        headers: dict[str, str] = {}
        for name, value in answer.getheaders():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        content = answer.read()
        return Response(
            answer.status,
            answer.reason,
            headers,
            content.decode("utf-8", errors="replace"),
            content=content,
        )
    except (OSError, http.client.HTTPException) as exc:
        return Response(None, error=f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()


def _connect(
    scheme: str, host: str, port: int, timeout: float, source: tuple[str, int] | None
) -> http.client.HTTPConnection:
    if scheme == "https":
        return http.client.HTTPSConnection(
            host, port, timeout=timeout, source_address=source, context=_lab_ca()
        )
    return http.client.HTTPConnection(host, port, timeout=timeout, source_address=source)


def _lab_ca() -> ssl.SSLContext:
    """Verify certificates and host names against the lab's CA only (not the system's); a missing
    CA is an OSError that names the file, reported as the response's error."""
    if not CA_PATH.is_file():
        raise FileNotFoundError(f"the lab's CA {CA_PATH} does not exist; `make up` generates it")
    return ssl.create_default_context(cafile=str(CA_PATH))


# --- the docs page and the schema it asks for -------------------------------------------------

_OPENAPI_URL = re.compile(r"""url:\s*['"]([^'"]+)['"]|spec-url=["']([^"']+)["']""")
_ASSETS = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


@dataclass(frozen=True)
class DocsProbe:
    page: Response
    openapi_url: str | None  # as the page writes it
    schema: (
        Response | None
    )  # the URL resolved as a browser would; fetched even where a browser never asks (scripts 404)
    assets: list[str]

    def fields(self) -> dict[str, Any]:
        return {
            "status": self.page.status,
            "openapi_url": self.openapi_url,
            "assets": self.assets,
            "schema": self.schema.fields() if self.schema else None,
        }


def named_urls(page: str) -> list[str]:
    """Every URL a docs page names for the browser to load, as written: the schema (Swagger UI's
    `url:`, ReDoc's `spec-url=`) first, then each `src=` and `href=` in page order."""
    schema = [match[1] or match[2] for match in _OPENAPI_URL.finditer(page)]
    return [*schema, *_ASSETS.findall(page)]


def probe_docs(page_url: str, source: str | None = None, timeout: float = DEFAULT_TIMEOUT_S) -> DocsProbe:
    """Load a Swagger UI or ReDoc page, then the schema URL it names, resolved like a browser."""
    page = send(Request(page_url, source=source), timeout)
    match = _OPENAPI_URL.search(page.text) if page.status == 200 else None
    openapi_url = (match[1] or match[2]) if match else None
    schema = send(Request(urljoin(page_url, openapi_url), source=source), timeout) if openapi_url else None
    assets = [a for a in _ASSETS.findall(page.text) if not a.startswith(("http://", "https://", "data:"))]
    return DocsProbe(page, openapi_url, schema, assets)
