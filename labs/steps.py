"""The kinds of step a lab can take, looked up by the action key the lab file writes.

`request:` sends one HTTP request (labs.http.send); `docs:` loads a docs page and then the
schema URL it names (labs.http.probe_docs). A new kind (say `signal: {service, signal}` or
`wait: {service, health}`) is one `StepKind` added with `register`: it says which keys its spec
takes, which top-level fields its answer has (so a typo in `show`/`expect` fails at load time),
and how to turn a spec into an `Action`. The loader (labs/model.py) and the runner only talk to
this registry, so they need no change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from labs.context import Context
from labs.http import Request, probe_docs, send


@dataclass(frozen=True)
class Outcome:
    """What running a step gave: the fields a lab reads, and the raw answer for a mismatch."""

    fields: dict[str, Any]
    raw: str


class Action(Protocol):
    def command(self, context: Context) -> str: ...  # what a person could paste

    def urls(self, context: Context) -> list[str]: ...  # what must answer before the lab starts

    def run(self, context: Context) -> Outcome: ...


@dataclass(frozen=True)
class StepKind:
    name: str  # the action key in a lab file
    keys: tuple[str, ...]  # the keys its spec may have; the first is required
    fields: tuple[str, ...]  # the top-level fields of its answer
    build: Callable[[Mapping[str, Any]], Action]

    def parse(self, spec: Any) -> Action:
        """The action for `spec`; ValueError names what is wrong with it."""
        if not isinstance(spec, Mapping):
            raise ValueError(f"`{self.name}:` takes a mapping ({', '.join(self.keys)}), not {spec!r}")
        unknown = [key for key in spec if key not in self.keys]
        if unknown:
            raise ValueError(f"`{self.name}:` has unknown key {unknown[0]!r} (allowed: {', '.join(self.keys)})")
        if self.keys[0] not in spec:
            raise ValueError(f"`{self.name}:` needs `{self.keys[0]}`")
        return self.build(spec)


KINDS: dict[str, StepKind] = {}


def register(kind: StepKind) -> StepKind:
    KINDS[kind.name] = kind
    return kind


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
        return Request(context.expand(self.url), self.method, headers, source, self.body, self.follow_redirects, self.target)

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


register(StepKind(
    "request", ("url", "method", "headers", "from", "body", "follow_redirects", "target"),
    ("status", "reason", "headers", "body", "text", "error", "hops"), _request,
))


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


register(StepKind(
    "docs", ("url", "from"), ("status", "openapi_url", "assets", "schema"),
    lambda spec: DocsAction(_url(spec), _string(spec, "from", None)),
))


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


# Step kinds that stop, start and restart services (labs 06 and 07) register themselves there.
import labs.ops_steps  # noqa: E402,F401
import labs.bench.step  # noqa: E402,F401  `bench:` and `bench-report:` (lab 10, labs/bench/)
