"""compose.yaml, read once into a small model that the backends, labs and tests share.

The model keeps only what proxylab uses: each service's image or build context, command,
environment, lab-network address, published ports (with the `x-route` that makes a port a
route), volumes, healthcheck and depends_on. Everything is interpolated the way Compose does it.
Profiles too, as Compose reads them: a service with `profiles:` is in the stack only when one of
them is active (COMPOSE_PROFILES, comma-separated; `*` activates every one), so both backends run,
and every suite probes, exactly what `docker compose up` would start. Without COMPOSE_PROFILES, the
profiles the running stack was started with (`up` records them, `down` forgets them).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from proxylab import yamlload
from proxylab.errors import ProxylabError
from proxylab.interpolate import interpolate
from proxylab.paths import COMPOSE_FILE, REPO, RUN_DIR


@dataclass(frozen=True)
class Route:
    """One published port and what sits behind it: a proxy route, or an app reached directly."""

    name: str
    proxy: str | None  # the proxy service, or None when the port is the app's own
    host_ip: str
    port: int
    app: str  # "" when the x-route names none: `make check`'s ports check says so
    strips: bool | None  # None for direct routes: there is no proxy to strip anything
    defaults: bool = False  # the proxy's own defaults, kept on purpose (see nginx/)
    host: str | None = None  # the Host header the proxy sends, where it is not the client's
    replicas: tuple[str, ...] = ()  # every app the proxy balances over (lab 07); () means just `app`
    strategy: str | None = None  # lab 07's shutdown strategy: plain, drain or retries
    tls: bool = False  # the proxy terminates TLS on this port (lab 08); the app behind sees http
    omits: tuple[str, ...] = ()  # directives of the normal route this one leaves out (lab 12)
    via: int | None = (
        None  # an outer proxy's route: the published port of the inner route it forwards to (lab 12)
    )
    rewrite: str | None = None  # a foreign way of stripping, reproduced: `ingress-nginx` (lab 13)
    prefix: str = ""  # the stack's public prefix (x-proxylab.prefix), which a proxy route serves under

    @property
    def upstreams(self) -> tuple[str, ...]:
        """The services the proxy forwards this route to: the replicas, or the one app."""
        return self.replicas or (self.app,)

    @property
    def base_url(self) -> str:
        """Scheme, host and port a client uses: `https://127.0.0.1:9041`."""
        host = "127.0.0.1" if self.host_ip in ("0.0.0.0", "") else self.host_ip
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    @property
    def public_prefix(self) -> str:
        """The path the app's routes sit under for a client: the prefix through a proxy, "" direct."""
        return "" if self.is_direct else self.prefix

    def url(self, path: str = "") -> str:
        """The public URL of the app's `path` on this route: `url("/app")` is
        http://127.0.0.1:9999/api/v1/app through Traefik, http://127.0.0.1:8000/app directly."""
        return self.base_url + self.public_prefix + path

    @property
    def is_direct(self) -> bool:
        return self.proxy is None

    @property
    def reproduces_the_docs(self) -> bool:
        """One of the two URLs of the FastAPI docs' "Behind a Proxy" experiment: compose.yaml names
        their ports `docs-*` (the app directly on 8000, through Traefik on 9999)."""
        return self.name.startswith("docs-")

    @property
    def label(self) -> str:
        return f"{self.proxy or self.app}/{self.name}"

    @property
    def key(self) -> str:
        """`9999 traefik/docs-experiment`: the port says where, the label says what. Every suite's
        table and expectation file is keyed by it."""
        return f"{self.port} {self.label}"


@dataclass(frozen=True)
class Port:
    name: str
    host_ip: str
    published: int
    target: int
    route: Route | None  # the port's x-route, read once when compose.yaml is loaded


@dataclass(frozen=True)
class Healthcheck:
    test: list[str]
    interval: float
    timeout: float
    retries: int
    start_period: float

    @property
    def urls(self) -> tuple[str, ...]:
        """Every URL the check asks, in order: an HTTP URL for the apps and proxies, a redis://
        URL for Redis; a CMD-SHELL check may ask several (traefik-k8s: one route per provider)."""
        return tuple(found for arg in self.test for found in re.findall(r"(?:https?|redis)://[^\s\"']+", arg))

    @property
    def url(self) -> str | None:
        """The first URL the check asks (what the native backend binds and reports)."""
        return next(iter(self.urls), None)

    @property
    def deadline(self) -> float:
        """Seconds after start by which Compose would have declared the service unhealthy."""
        return self.start_period + self.interval * self.retries


@dataclass(frozen=True)
class Volume:
    source: Path
    target: str
    read_only: bool


@dataclass(frozen=True)
class Service:
    name: str
    image: str | None
    build_context: Path | None
    command: list[str] | None
    environment: dict[str, str]
    ipv4_address: str | None
    ports: list[Port]
    volumes: list[Volume]
    healthcheck: Healthcheck | None
    depends_on: dict[str, str]
    raw: Mapping[str, Any] = field(repr=False, default_factory=dict)
    native_head_start: float | None = None  # x-native-head-start: seconds it holds back the rest, natively
    profiles: tuple[str, ...] = ()  # empty: always started; else only when one of them is active

    @property
    def server_port(self) -> int:
        """The port the service's own server listens on in its container: the command's `--port`
        (uvicorn, app.serve, `fastapi run`) or the port of Hypercorn's `--bind HOST:PORT`; 8000
        (uvicorn's and fastapi run's default) without either."""
        command = self.command or []
        for option, value in zip(command, command[1:]):
            if option == "--port":
                return int(value)
            if option in ("--bind", "-b"):
                return int(value.rpartition(":")[2])
        return 8000

    def published(self, target: int) -> Port | None:
        return next((port for port in self.ports if port.target == target), None)

    def at_version(self, version: str) -> Service:
        """The same service with its image at another upstream `version`, the tag's flavour kept:
        nginx:1.30.6-alpine at 1.22.1 is nginx:1.22.1-alpine, traefik:v3.6.12 at 3.0.4 is
        traefik:v3.0.4. `make drift`'s proxy axis starts a proxy service so."""
        repository, _, tag = (self.image or "").rpartition(":")
        if not repository:
            raise ProxylabError(
                f"service {self.name}",
                f"has no image tag to change ({self.image!r})",
                "only a service of a tagged image (a proxy's) runs at another version",
            )
        number, dash, flavour = tag.partition("-")
        bare = version.removeprefix("v")
        return replace(
            self, image=f"{repository}:{'v' if number.startswith('v') else ''}{bare}{dash}{flavour}"
        )

    def host_path(self, container_path: str) -> Path | None:
        """The repo path behind a container path, through this service's volumes."""
        for volume in sorted(self.volumes, key=lambda v: len(v.target), reverse=True):
            if container_path == volume.target or container_path.startswith(volume.target.rstrip("/") + "/"):
                return volume.source / container_path[len(volume.target) :].lstrip("/")
        return None


@dataclass(frozen=True)
class Stack:
    """compose.yaml as proxylab sees it."""

    path: Path
    services: dict[str, Service]
    prefix: str
    lab_subnet: ipaddress.IPv4Network
    native_subnet: ipaddress.IPv4Network
    native_source_address: str
    native_own_source: tuple[str, ...] = ()  # services that connect from their own native address
    raw: Mapping[str, Any] = field(repr=False, default_factory=dict)
    # Services left out because none of their profiles is active, by profile: {"k8s": ["kine", ...]}.
    inactive: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def routes(self) -> list[Route]:
        """Every published port that carries an `x-route`, in file order."""
        ports = (port for service in self.services.values() for port in service.ports)
        return [port.route for port in ports if port.route is not None]

    def route(self, port: int) -> Route | None:
        """The route published on `port`, or None when no service publishes it."""
        return next((route for route in self.routes if route.port == port), None)

    @property
    def oneshots(self) -> list[str]:
        """Services others wait for to finish (`service_completed_successfully`), like `certs`:
        they run once and exit 0 rather than stay up."""
        return [
            name
            for name in self.services
            if any(
                other.depends_on.get(name) == "service_completed_successfully"
                for other in self.services.values()
            )
        ]

    def build_context(self, service: str) -> Path | None:
        """Where the service's image is built from: its own `build:`, or that of the service that
        builds the same image (every app runs the image `certs` builds from app/Dockerfile)."""
        own = self.services[service]
        if own.build_context is not None or own.image is None:
            return own.build_context
        return next(
            (
                other.build_context
                for other in self.services.values()
                if other.image == own.image and other.build_context
            ),
            None,
        )

    @property
    def proxies(self) -> list[str]:
        return sorted({route.proxy for route in self.routes if route.proxy})

    @property
    def inner_proxies(self) -> list[str]:
        """The proxies that forward to apps themselves (not only to another proxy, like the edge)."""
        return sorted({route.proxy for route in self.routes if route.proxy and route.via is None})

    def with_service(self, service: Service) -> Stack:
        """The same stack with `service` in place of the one of that name (its order kept)."""
        return replace(self, services={**self.services, service.name: service})

    def image_tag(self, service: str) -> str:
        image = self.services[service].image or ""
        return image.rpartition(":")[2]

    def start_order(self) -> list[list[str]]:
        """Services grouped in waves: each wave depends only on the waves before it."""
        remaining = dict(self.services)
        done: set[str] = set()
        waves = []
        while remaining:
            wave = [name for name, svc in remaining.items() if set(svc.depends_on) <= done]
            if not wave:
                raise ProxylabError(
                    "compose.yaml", f"depends_on has a cycle among {sorted(remaining)}", "break the cycle"
                )
            waves.append(wave)
            done.update(wave)
            for name in wave:
                del remaining[name]
        return waves


ALL_PROFILES = ("*",)
# The profiles the running stack was started with (`make up K8S=1` writes k8s), so that a later
# command with no COMPOSE_PROFILES of its own (`make lab N=17`, `make matrix`) sees what runs.
PROFILES_FILE = RUN_DIR / "profiles"


def active_profiles(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The profiles COMPOSE_PROFILES activates, as Compose reads it (comma-separated); without it
    in the process's own environment, those the running stack was started with (PROFILES_FILE)."""
    if env is None and "COMPOSE_PROFILES" not in os.environ and PROFILES_FILE.is_file():
        value = PROFILES_FILE.read_text()
    else:
        value = (os.environ if env is None else env).get("COMPOSE_PROFILES", "")
    return tuple(item.strip() for item in value.split(",") if item.strip())


def record_profiles(profiles: tuple[str, ...]) -> None:
    """`up` notes the profiles it starts the stack with; `down` (an empty tuple) forgets them."""
    if profiles:
        PROFILES_FILE.parent.mkdir(parents=True, exist_ok=True)
        PROFILES_FILE.write_text(",".join(profiles) + "\n")
    else:
        PROFILES_FILE.unlink(missing_ok=True)


def load(
    path: Path = COMPOSE_FILE,
    env: Mapping[str, str] | None = None,
    project_dir: Path | None = None,
    profiles: tuple[str, ...] | None = None,
) -> Stack:
    """Read, interpolate and model compose.yaml. Raises ProxylabError naming what is wrong.

    Relative paths resolve against `project_dir` (Compose's --project-directory), by default
    the repo, wherever the file itself is. `profiles`: the active ones (default: COMPOSE_PROFILES
    of `env`; ALL_PROFILES for every service, as `make check` and the route table read the file).
    """
    if profiles is None:
        profiles = active_profiles(env)
    env = dict(os.environ if env is None else env)
    env = {**_dotenv(path.parent / ".env"), **env}
    try:
        raw = yamlload.safe_load(path.read_text())
    except FileNotFoundError as exc:
        raise ProxylabError(str(path), "does not exist", "run from the repo root") from exc
    except yaml.YAMLError as exc:
        raise ProxylabError(str(path), f"is not valid YAML: {exc}", "fix the line it names") from exc
    data = interpolate(raw, env)
    try:
        return _model(path, data, project_dir or REPO, profiles)
    except (KeyError, TypeError, ValueError) as exc:
        raise ProxylabError(
            str(path), f"does not have the shape proxylab reads: {exc!r}", "run `make check`"
        ) from exc


def _model(path: Path, data: Mapping[str, Any], root: Path, profiles: tuple[str, ...] = ()) -> Stack:
    meta = data.get("x-proxylab", {})
    native = meta.get("native", {})
    network = next(iter(data.get("networks", {}).values()))
    prefix = meta.get("prefix", "")
    every = {name: _service(root, name, spec, prefix) for name, spec in data["services"].items()}
    services = {name: svc for name, svc in every.items() if _is_active(svc, profiles)}
    inactive: dict[str, tuple[str, ...]] = {}
    for name, svc in every.items():
        if name not in services:
            for profile in svc.profiles:
                inactive[profile] = (*inactive.get(profile, ()), name)
    return Stack(
        inactive=inactive,
        path=path,
        services=services,
        prefix=prefix,
        lab_subnet=ipaddress.ip_network(network["ipam"]["config"][0]["subnet"]),
        native_subnet=ipaddress.ip_network(native.get("subnet", "127.30.0.0/24")),
        native_source_address=native.get("source-address", "127.0.0.1"),
        native_own_source=tuple(native.get("own-source") or ()),
        raw=data,
    )


def _is_active(service: Service, profiles: tuple[str, ...]) -> bool:
    return not service.profiles or "*" in profiles or bool(set(service.profiles) & set(profiles))


def _seconds(service: str, key: str, value: Any) -> float | None:
    """A key whose value is a number of seconds, or None when it is not set."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{service}: {key} must be a number of seconds, not {value!r}")
    return float(value)


def _service(root: Path, name: str, spec: Mapping[str, Any], prefix: str) -> Service:
    build = spec.get("build")
    context = build.get("context") if isinstance(build, dict) else build
    networks = spec.get("networks") or {}
    address = (
        next((net.get("ipv4_address") for net in networks.values() if isinstance(net, dict)), None)
        if isinstance(networks, dict)
        else None
    )
    return Service(
        name=name,
        image=spec.get("image"),
        build_context=(root / context).resolve() if context else None,
        command=_as_list(spec.get("command")),
        environment={
            str(k): "" if v is None else str(v) for k, v in _as_dict(spec.get("environment")).items()
        },
        ipv4_address=address,
        ports=[_port(name, item, prefix) for item in spec.get("ports", [])],
        volumes=[_volume(root, item) for item in spec.get("volumes", [])],
        healthcheck=_healthcheck(spec.get("healthcheck")),
        depends_on=_depends_on(spec.get("depends_on")),
        raw=spec,
        native_head_start=_seconds(name, "x-native-head-start", spec.get("x-native-head-start")),
        profiles=tuple(_as_list(spec.get("profiles")) or ()),
    )


def _port(service: str, item: Any, prefix: str) -> Port:
    if not isinstance(item, dict):
        raise ValueError(f"{service}: write ports in the long form (name, host_ip, published, target)")
    name = item.get("name", f"{service}-{item['target']}")
    host_ip = item.get("host_ip", "0.0.0.0")
    published = int(item["published"])
    raw = item.get("x-route")
    return Port(
        name=name,
        host_ip=host_ip,
        published=published,
        target=int(item["target"]),
        route=None if raw is None else _route(service, name, host_ip, published, raw, prefix),
    )


def _route(
    service: str, name: str, host_ip: str, published: int, raw: Mapping[str, Any], prefix: str
) -> Route:
    """A port's `x-route` as a Route: a proxy route when it says `strips`, else the app's own port."""
    is_proxy = "strips" in raw
    return Route(
        name=name,
        proxy=service if is_proxy else None,
        host_ip=host_ip,
        port=published,
        app=str(raw["app"]) if raw.get("app") is not None else "",
        strips=bool(raw["strips"]) if is_proxy else None,
        defaults=bool(raw.get("defaults", False)),
        host=raw.get("host"),
        replicas=tuple(str(app) for app in raw.get("replicas") or ()),
        strategy=raw.get("strategy"),
        tls=bool(raw.get("tls", False)),
        omits=tuple(str(line) for line in raw.get("omits") or ()),
        via=int(raw["via"]) if raw.get("via") is not None else None,
        rewrite=raw.get("rewrite"),
        prefix=prefix,
    )


def _volume(root: Path, item: Any) -> Volume:
    if isinstance(item, dict):
        return Volume((root / item["source"]).resolve(), item["target"], bool(item.get("read_only")))
    source, target, *mode = item.split(":")
    return Volume((root / source).resolve(), target, "ro" in mode)


def _healthcheck(spec: Mapping[str, Any] | None) -> Healthcheck | None:
    if not spec or spec.get("disable"):
        return None
    test = spec["test"]
    test = ["CMD-SHELL", test] if isinstance(test, str) else list(test)
    return Healthcheck(
        test=test,
        interval=parse_duration(spec.get("interval", "30s")),
        timeout=parse_duration(spec.get("timeout", "30s")),
        retries=int(spec.get("retries", 3)),
        start_period=parse_duration(spec.get("start_period", "0s")),
    )


def _depends_on(spec: Any) -> dict[str, str]:
    if not spec:
        return {}
    if isinstance(spec, list):
        return {name: "service_started" for name in spec}
    return {name: (cond or {}).get("condition", "service_started") for name, cond in spec.items()}


def _as_list(value: Any) -> list[str] | None:
    if value is None:
        return None
    return [str(v) for v in value] if isinstance(value, list) else str(value).split()


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in value)
    return dict(value or {})


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(us|ms|s|m|h)")
_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str | int | float) -> float:
    """Compose durations ('1m30s', '500ms') in seconds."""
    if isinstance(text, (int, float)):
        return float(text)
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text.replace(" ", ""):
        raise ValueError(f"not a duration: {text!r}")
    return sum(float(number) * _UNITS[unit] for number, unit in parts)


def _dotenv(path: Path) -> dict[str, str]:
    """Compose reads .env beside compose.yaml; so does the native backend."""
    if not path.is_file():
        return {}
    pairs = (
        line.split("=", 1)
        for line in path.read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    )
    return {key.strip(): value.strip().strip("'\"") for key, value in pairs}
