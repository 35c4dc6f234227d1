"""The read-only kinds: `request:` sends one HTTP request (instruments.client.send); `docs:` loads a
docs page and then the schema URL it names (instruments.client.probe_docs), resolved as a browser
would but fetched even where a browser never gets that far (the page's scripts 404 first);
`reuse:` sends one GET twice, each on a connection of its own as two curls would, and asks the echo
app whether the proxy carried both on one connection to it (the same client address and port).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from instruments.client import Request, probe_docs, send
from labs.kinds.base import Outcome, StepKind
from proxylab.context import Context

# --- request: one HTTP request ------------------------------------------------------------------


@dataclass(frozen=True)
class RequestAction:
    url: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    source: str | None = None
    body: str | None = None
    follow_redirects: bool = False
    target: str | None = None

    def request(self, context: Context) -> Request:
        """The request with placeholders in its URL, header values and source filled in."""
        headers = {name: context.expand(value) for name, value in self.headers.items()}
        source = context.expand(self.source) if self.source else None
        return Request(
            context.expand(self.url),
            self.method,
            headers,
            source,
            self.body,
            self.follow_redirects,
            self.target,
        )

    def command(self, context: Context) -> str:
        return self.request(context).as_curl()

    def urls(self, context: Context) -> list[str]:
        return [context.expand(self.url)]

    def run(self, context: Context) -> Outcome:
        response = send(self.request(context))
        return Outcome(response.fields(), response.raw())


def _request(spec: Mapping[str, Any]) -> RequestAction:
    headers = spec.get("headers") or {}
    if not isinstance(headers, Mapping):
        raise ValueError(f"`headers:` takes a mapping of name: value, not {headers!r}")
    return RequestAction(
        url=_url(spec),
        method=_string(spec, "method", "GET").upper(),
        headers={str(name): _scalar(f"headers.{name}", value) for name, value in headers.items()},
        source=_string(spec, "from", None),
        body=_string(spec, "body", None),
        follow_redirects=_boolean(spec, "follow_redirects"),
        target=_string(spec, "target", None),
    )


REQUEST = StepKind(
    "request",
    ("url", "method", "headers", "from", "body", "follow_redirects", "target"),
    ("status", "reason", "headers", "body", "text", "error", "hops"),
    _request,
)


# --- docs: a docs page, then the schema it asks for -----------------------------------------------


@dataclass(frozen=True)
class DocsAction:
    url: str
    source: str | None = None

    def command(self, context: Context) -> str:
        page = Request(context.expand(self.url), source=context.expand(self.source) if self.source else None)
        return f"{page.as_curl()}\n# then the schema URL the page names, from the same origin"

    def urls(self, context: Context) -> list[str]:
        return [context.expand(self.url)]

    def run(self, context: Context) -> Outcome:
        probe = probe_docs(context.expand(self.url), context.expand(self.source) if self.source else None)
        raw = f"--- the page ---\n{probe.page.raw(limit=600)}"
        if probe.schema is not None:
            raw += f"\n--- the schema ({probe.openapi_url}) ---\n{probe.schema.raw(limit=600)}"
        return Outcome(probe.fields(), raw)


DOCS = StepKind(
    "docs",
    ("url", "from"),
    ("status", "openapi_url", "assets", "schema"),
    lambda spec: DocsAction(_url(spec), _string(spec, "from", None)),
)


# --- reuse: did the proxy carry two requests on one connection to the app? ------------------------


@dataclass(frozen=True)
class ReuseAction:
    url: str
    gap_s: float

    def request(self, context: Context) -> Request:
        return Request(context.expand(self.url))

    def command(self, context: Context) -> str:
        curl = self.request(context).as_curl()
        return f"{curl}; sleep {self.gap_s:g}; {curl}"

    def urls(self, context: Context) -> list[str]:
        return [context.expand(self.url)]

    def run(self, context: Context) -> Outcome:
        answers = []
        for index in range(2):
            if index:
                time.sleep(self.gap_s)
            answers.append(send(self.request(context)))
        bodies = [answer.json if isinstance(answer.json, dict) else {} for answer in answers]
        peers = [(body.get("client_host"), body.get("client_port")) for body in bodies]
        fields = {
            "statuses": [answer.status for answer in answers],
            "client_ports": [port for _, port in peers],
            "same_connection": None if None in peers[0] else peers[0] == peers[1],
            "http_version": bodies[1].get("http_version"),
            "connection_header": bodies[1].get("connection_header"),
        }
        raw = "\n".join(
            f"--- request {n} ---\n{answer.raw(limit=700)}" for n, answer in enumerate(answers, 1)
        )
        return Outcome(fields, raw)


REUSE = StepKind(
    "reuse",
    ("url", "gap"),
    ("statuses", "client_ports", "same_connection", "http_version", "connection_header"),
    lambda spec: ReuseAction(_url(spec), float(spec.get("gap", 1))),
)


# --- spec values ----------------------------------------------------------------------------------

_REQUIRED = object()


def _string(spec: Mapping[str, Any], key: str, default: Any = _REQUIRED) -> Any:
    if key not in spec and default is not _REQUIRED:
        return default
    value = spec[key]
    if not isinstance(value, str):
        raise ValueError(f"`{key}:` takes a string, not {value!r}")
    return value


def _url(spec: Mapping[str, Any]) -> str:
    url = _string(spec, "url")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"`url: {url}` is not an http:// or https:// URL")
    return url


def _scalar(key: str, value: Any) -> str:
    if isinstance(value, (Mapping, list)) or value is None:
        raise ValueError(f"`{key}:` takes a string, not {value!r}")
    return str(value)


def _boolean(spec: Mapping[str, Any], key: str) -> bool:
    value = spec.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"`{key}:` takes true or false, not {value!r}")
    return value


KINDS = (REQUEST, DOCS, REUSE)
