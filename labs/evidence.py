"""A step's evidence: where the behaviour it shows comes from, named so that a test can find it.

A lab step's `evidence:` is a list of lines, `kind: reference`, one per source its `why` rests on:

  python: starlette.routing.get_route_path
      a module attribute of the installed, pinned packages (uvicorn, Starlette, FastAPI, h11, ...)
  file: nginx/templates/routes.conf.template: proxy_set_header Host $http_host
      a text in a file of this repository (a proxy config, compose.yaml, the app)
  traefik: pkg/middlewares/stripprefix/strip_prefix.go: X-Forwarded-Prefix
      a text in Traefik's source at the pinned version (the Go module the native build compiles)
  caddy: modules/caddyhttp/reverseproxy/reverseproxy.go: X-Forwarded-For
      a text in Caddy's source at the pinned version (tools/caddy/go.mod, as for Traefik)
  gateway-api: apis/v1/httproute_types.go: // /foo         | /foo         | /              | /
      a text in the Gateway API's source at the version Traefik's go.mod requires (the API types
      and their documented rules: the spec Traefik's kubernetesGateway provider implements)
  go: net/http/transport.go: func (pc *persistConn) shouldRetryRequest(
      a text in the Go standard library of the toolchain that builds Traefik and Caddy here
      (`go env GOROOT`), for what their HTTP client does below their own code
  nginx: proxy_redirect
      a directive (or a $variable) the pinned nginx knows (asked with `nginx -t`); where a
      route does not set it, its documented default is what runs
  nginx: changelog.gz: the default value for "proxy_http_version" is "1.1"
      with a text: a text in the documentation the pinned Nginx release ships (its CHANGES, as
      Debian's package puts it in /usr/share/doc/nginx/changelog.gz)
  haproxy: changelog.gz: BUG/MEDIUM: h1/h2/h3: reject forbidden chars in the Host header field
      a text in the documentation the pinned HAProxy release ships (its upstream CHANGELOG,
      configuration.txt), as Debian's package puts it in /usr/share/doc/haproxy

`resolve` says where a line leads, or why it leads nowhere; tests/labs/test_evidence.py resolves
every line of every lab, so an upgrade that renames a function or a config edit that drops a
directive fails with the step that relied on it.
"""

from __future__ import annotations

import gzip
import importlib
import inspect
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from proxylab import compose
from proxylab.errors import ProxylabError
from proxylab.k8s.crds import GATEWAY_API
from proxylab.native.go_build import built_with, go_env
from proxylab.paths import REPO
from proxylab.proxies.caddy import TOOL as CADDY
from proxylab.proxies.traefik import TOOL as TRAEFIK
from proxylab.versions import pinned_program

KINDS = ("python", "file", "traefik", "caddy", "gateway-api", "go", "nginx", "haproxy")
_LINE = re.compile(r"^(?P<kind>[a-z-]+): (?P<reference>\S+?)(?:: (?P<text>.+))?$")


@dataclass(frozen=True)
class Evidence:
    kind: str  # python, file, traefik, caddy, gateway-api, go, nginx or haproxy
    reference: str  # a dotted name, a path, or a directive
    text: str | None = None  # for file, traefik, caddy, gateway-api, go, haproxy: what the file must contain

    def __str__(self) -> str:
        return f"{self.kind}: {self.reference}" + (f": {self.text}" if self.text else "")


def parse_evidence(line: object) -> Evidence:
    """One `kind: reference[: text]` line; ValueError says what is wrong with it."""
    match = _LINE.match(line) if isinstance(line, str) else None
    if match is None or match["kind"] not in KINDS:
        raise ValueError(f"evidence {line!r} is not `kind: reference` with a kind of {', '.join(KINDS)}")
    needs_text = match["kind"] in ("file", "traefik", "caddy", "gateway-api", "go", "haproxy")
    if match["kind"] == "nginx":
        needs_text = match["text"] is not None  # a directive alone, or a document and its text
    if needs_text != (match["text"] is not None):
        shape = "`kind: path: text it contains`" if needs_text else "`kind: name`"
        raise ValueError(f"evidence {line!r}: a {match['kind']} line is {shape}")
    return Evidence(match["kind"], match["reference"], match["text"])


def resolve(evidence: Evidence) -> str | None:
    """None when the evidence is where the line says, else why it is not."""
    return {
        "python": _python,
        "file": _file,
        "traefik": _traefik,
        "caddy": _caddy,
        "gateway-api": _gateway_api,
        "go": _go,
        "nginx": _nginx,
        "haproxy": _haproxy,
    }[evidence.kind](evidence)


def _python(evidence: Evidence) -> str | None:
    """Found in this interpreter's packages, or else in `fastapi run`'s environment (fastapi_cli,
    and uvicorn's httptools protocol, live only there: see pyproject.toml's fastapi-run extra)."""
    problem = _find_attribute(evidence.reference)
    if problem is None:
        return None
    other = REPO / FASTAPI_RUN_VENV / "bin" / "python"
    if not other.exists():
        return f"{problem}, and {FASTAPI_RUN_VENV} (where fastapi-cli lives) is missing: run `make venv`"
    done = subprocess.run(
        [str(other), "-c", _FIND_IN_OTHER_ENV, evidence.reference], capture_output=True, text=True, cwd="/"
    )
    return (
        None
        if done.returncode == 0
        else f"{problem}; in {FASTAPI_RUN_VENV}: {done.stdout.strip() or done.stderr.strip()}"
    )


# The virtualenv `make venv` makes for `fastapi run` (proxylab/native/runners.py IMAGE_VENVS).
FASTAPI_RUN_VENV = ".venv-fastapi-run"


def _find_attribute(reference: str) -> str | None:
    parts = reference.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(found, attribute):
                return f"{'.'.join(parts[:cut])} has no {attribute!r} in the installed version"
            found = getattr(found, attribute)
        return None
    return f"no module of {reference!r} is installed"


# _find_attribute's source, run by the other environment's interpreter: exit 0 when found.
_FIND_IN_OTHER_ENV = f"""
import importlib, inspect, sys
{inspect.getsource(_find_attribute)}
problem = _find_attribute(sys.argv[1])
print(problem or "")
sys.exit(1 if problem else 0)
"""


def _file(evidence: Evidence) -> str | None:
    return _contains(REPO / evidence.reference, evidence.text or "")


def _traefik(evidence: Evidence) -> str | None:
    source = traefik_source()
    if source is None:
        return (
            f"Traefik {TRAEFIK.module_version()}'s source is not in the Go module cache "
            "(`make traefik` puts it there)"
        )
    return _contains(source / evidence.reference, evidence.text or "")


def _caddy(evidence: Evidence) -> str | None:
    source = go_module_source("github.com/caddyserver/caddy", f"v2@{CADDY.module_version()}")
    if source is None:
        return (
            f"Caddy {CADDY.module_version()}'s source is not in the Go module cache "
            "(`make caddy` puts it there)"
        )
    return _contains(source / evidence.reference, evidence.text or "")


def _gateway_api(evidence: Evidence) -> str | None:
    version = GATEWAY_API.version()
    parent, _, name = GATEWAY_API.module.rpartition("/")  # sigs.k8s.io, gateway-api
    source = go_module_source(parent, f"{name}@{version}")
    if source is None:
        return (
            f"the Gateway API {version}'s source is not in the Go module cache "
            "(`make k8s-build` puts it there, with the CRDs it copies)"
        )
    return _contains(source / evidence.reference, evidence.text or "")


def _go(evidence: Evidence) -> str | None:
    """In the `go` on PATH's standard library, which must be the one the cached Traefik and Caddy
    builds were compiled with (`make traefik` builds again after a Go upgrade; until then, not)."""
    root = go_root()
    if root is None:
        return (
            "the Go toolchain is not on PATH "
            "(`make deps`; the native backend builds Traefik and Caddy with it)"
        )
    reading = go_env("GOVERSION")
    for tool in (TRAEFIK, CADDY):
        binary = tool.binary_path(tool.module_version())
        built = built_with(binary)
        if built is not None and built != reading:
            return (
                f"{binary} was built with {built}, but the standard library read here is {reading}'s: "
                f"run `make {tool.name}`, which builds it again with {reading}"
            )
    return _contains(root / "src" / evidence.reference, evidence.text or "")


def _nginx(evidence: Evidence) -> str | None:
    """Ask the pinned nginx itself: a config that uses the name fails with "unknown" if it has none.
    With a text, read the document the pinned release ships instead."""
    if evidence.text is not None:
        return _release_document("nginx", "nginx", evidence)
    try:
        binary = str(pinned_program(compose.load(), "nginx", log=lambda _: None))
    except ProxylabError as error:
        return f"the pinned nginx could not be had: {error.cause}"
    name = evidence.reference
    line = f"add_header X-Evidence ${name[1:]};" if name.startswith("$") else f"{name} x;"
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "nginx.conf"
        config.write_text(
            f"error_log stderr;\npid {folder}/nginx.pid;\nevents {{}}\n"
            f"http {{ server {{ listen 127.0.0.1:1; location / {{ {line} }} }} }}\n"
        )
        done = subprocess.run([binary, "-t", "-p", folder, "-c", str(config)], capture_output=True, text=True)
    unknown = f'unknown directive "{name}"' in done.stderr or f'unknown "{name[1:]}" variable' in done.stderr
    return f"{binary} knows no directive or variable {name!r}" if unknown else None


def _haproxy(evidence: Evidence) -> str | None:
    """In a document of the pinned HAProxy release (gzipped as Debian ships most of them)."""
    return _release_document("haproxy", "haproxy", evidence)


def _release_document(service: str, folder: str, evidence: Evidence) -> str | None:
    """In /usr/share/doc/<folder>/<reference> of the release compose.yaml pins for `service`."""
    try:
        launcher = pinned_program(compose.load(), service, log=lambda _: None)
    except ProxylabError as error:
        return f"the pinned {service} could not be had: {error.cause}"
    path = launcher.parent.parent / "root" / "usr" / "share" / "doc" / folder / evidence.reference
    if not path.is_file():
        return f"{path} does not exist"
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", errors="replace") as document:
        # Changelogs wrap their lines: compare with every run of white space as one space.
        found = _spaced(evidence.text or "") in _spaced(document.read())
    return None if found else f"{path} does not contain {evidence.text!r}"


def _spaced(text: str) -> str:
    return " ".join(text.split())


def _contains(path: Path, text: str) -> str | None:
    if not path.is_file():
        return f"{path} does not exist"
    return None if text in path.read_text(errors="replace") else f"{path} does not contain {text!r}"


def traefik_source() -> Path | None:
    """Traefik's module folder at the pinned version in the Go module cache, if it is there."""
    return go_module_source("github.com/traefik/traefik", f"v3@{TRAEFIK.module_version()}")


def go_root() -> Path | None:
    """The standard library's home (`go env GOROOT`) of the `go` on PATH, if there is one."""
    root = go_env("GOROOT")
    return Path(root) if root else None


def go_module_source(path: str, folder_name: str) -> Path | None:
    """A module's folder in the Go module cache (`<GOMODCACHE>/<path>/<folder_name>`), if there."""
    cache_dir = go_env("GOMODCACHE")
    if cache_dir is None:
        return None
    folder = Path(cache_dir) / path / folder_name
    return folder if folder.is_dir() else None
