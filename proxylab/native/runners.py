"""How each service of compose.yaml becomes a local process: one function per kind of image.

- built from app/Dockerfile: the service's own command (uvicorn, hypercorn, `fastapi run`, ...),
  run from the build context with the executable of its image's virtualenv (see service_venv), its
  listen flags (--host/--port, Hypercorn's --bind) moved to the native address; a one-shot service
  of that image (`certs`) runs its command with container paths mapped through its volumes;
- a proxy's image (proxylab/proxies' table: traefik, nginx, caddy, haproxy): its Proxy's binary,
  command line and environment, on the native copy of its config that the Proxy renders into
  the service's run folder, touching no system config;
- redis:<tag>: the tag's Redis release, unpacked from the Debian suite that packages it
  (proxylab/native/debian_release.py, as nginx and haproxy), with a config of its own in the run
  folder, bound to the service's native address, persisting nothing;
- the control plane's images (registry.k8s.io/kube-apiserver, rancher/kine; profile k8s): the
  binary built from the Go module at the tag's release (proxylab/k8s/tools.py), on the service's
  own command with its listen addresses, service names and mounted paths made native, and the
  folder the image keeps its state in (kine's SQLite store) a new one in the run folder each start.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from proxylab import proxies
from proxylab.compose import Service, Stack
from proxylab.errors import ProxylabError
from proxylab.k8s import tools as k8s_tools
from proxylab.native.addresses import NativeAddresses
from proxylab.native.debian_release import DebianRelease, upstream_of_tag
from proxylab.native.go_build import GoTool

# What a native process inherits from the caller's environment; the rest comes from compose.yaml,
# so a variable set in your shell (PROXYLAB_APP_ROOT_PATH, say) cannot leak into an app.
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")

# Each app server's own listen flags: uvicorn (and app.serve, which runs uvicorn, and `fastapi
# run`) take --host and --port; Hypercorn takes --bind HOST:PORT.
SERVER_FLAGS = {"uvicorn": "host-port", "app.serve": "host-port", "fastapi": "host-port", "hypercorn": "bind"}

# Another virtualenv for the app services only (uvicorn, Starlette and FastAPI of other releases);
# the proxies, Redis and the one-shot `certs` are unchanged. Only `make drift`, lab 14 and the
# drift test set it (instruments/releases/apps.py); unset, the apps run from proxylab's own virtualenv.
APP_VENV_VARIABLE = "PROXYLAB_APP_VENV"

# Redis at compose.yaml's tag (redis:8.0.6-alpine runs Debian's redis-server 8.0.6); redis-cli
# beside it for what the image's healthcheck runs.
REDIS = DebianRelease("redis", "redis-server", ("usr/bin/redis-server", "usr/bin/redis-cli"))


# The app images that are not proxylab-app, each with the virtualenv `make venv` makes for it:
# the same app with another extra of pyproject.toml installed (app/Dockerfile's EXTRAS build arg).
# `fastapi run` needs fastapi-cli and uvicorn[standard], whose httptools would change the other
# apps' HTTP parser, so it has an environment of its own.
IMAGE_VENVS = {"proxylab-app-fastapi-run": ".venv-fastapi-run"}


def image_venv(stack: Stack, name: str) -> Path | None:
    """The virtualenv of the service's image when it has one of its own (IMAGE_VENVS), else None."""
    image = (stack.services[name].image or "").split(":")[0]
    context = stack.build_context(name)
    if image not in IMAGE_VENVS or context is None:
        return None
    return context / IMAGE_VENVS[image]


def service_venv(stack: Stack, name: str) -> Path | None:
    """The one rule for where an app service's executables come from: its image's own virtualenv
    (IMAGE_VENVS) if it has one; else PROXYLAB_APP_VENV's if set; else None, proxylab's own
    .venv (the interpreter running proxylab). PROXYLAB_APP_VENV never replaces an image's own
    virtualenv: a drift release set has no fastapi-cli, so drift leaves those services out."""
    own = image_venv(stack, name)
    if own is None:
        return app_venv()
    if not (own / "bin" / "python").exists():
        raise ProxylabError(
            f"service {name}",
            f"runs from {own}, which does not exist",
            "run `make venv`: it makes that virtualenv beside .venv",
        )
    return own


def app_venv() -> Path | None:
    """The virtualenv PROXYLAB_APP_VENV names, checked; None when unset."""
    value = os.environ.get(APP_VENV_VARIABLE, "").strip()
    if not value:
        return None
    venv = Path(value)
    if not (venv / "bin" / "python").exists():
        raise ProxylabError(
            f"{APP_VENV_VARIABLE}={value}",
            "is not a virtualenv (no bin/python)",
            "unset it, or let `make drift` build the release set's environment",
        )
    return venv


@dataclass(frozen=True)
class ProcessSpec:
    service: str
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    binds: list[tuple[str, int]]  # every address:port the process will listen on
    health_url: str | None  # what the healthcheck asks, natively; several are space-separated


def process_spec(stack: Stack, name: str, run_dir: Path, log=print) -> ProcessSpec:
    service = stack.services[name]
    addresses = NativeAddresses(stack)
    image = service.image or ""
    context = stack.build_context(name)
    proxy = proxies.of_service(service)
    extra: dict[str, str] = {}
    if context is not None and name in stack.oneshots:
        argv, cwd = _oneshot(service), context
        # A one-shot that differs by backend asks this (the k8s objects: k8s/native, not k8s/compose).
        extra = {"PROXYLAB_BACKEND": "native"}
    elif context is not None:
        argv, cwd = _app(service, addresses, service_venv(stack, name)), context
    elif proxy is not None:
        out = run_dir / name
        binary = proxy.binary(stack.image_tag(name), log)
        argv, cwd, extra = proxy.argv(binary, proxy.render(service, addresses, out), out), out, proxy.env(out)
    elif image.startswith("redis:"):
        argv, cwd = _redis(service, addresses, run_dir / name, stack.image_tag(name), log), run_dir / name
    elif go_tool(service) is not None:
        argv, cwd = _go_tool(service, addresses, run_dir / name, log), run_dir / name
    else:
        raise ProxylabError(
            f"service {name}",
            f"the native backend does not know how to run image {image!r}",
            "add a home for it in proxylab/proxies/ (a proxy) or a runner in proxylab/native/runners.py",
        )
    env = {key: os.environ[key] for key in _INHERITED if key in os.environ}
    # Service names in values (PROXYLAB_REDIS_URL=redis://redis:6379/0) become native addresses too.
    env.update(
        {
            key: addresses.rewrite_environment_value(addresses.rewrite_service_refs(value))
            for key, value in service.environment.items()
        }
    )
    env.update(extra)  # the proxy's own, such as where Caddy keeps its data: its run folder
    health = service.healthcheck.urls if service.healthcheck else ()
    return ProcessSpec(
        service=name,
        argv=argv,
        cwd=cwd,
        env=env,
        binds=_binds(service, addresses),
        # Several URLs (a CMD-SHELL check's) are kept space-separated: probe() asks each in turn.
        health_url=" ".join(addresses.rewrite_local_url(name, url) for url in health) or None,
    )


def _binds(service: Service, addresses: NativeAddresses) -> list[tuple[str, int]]:
    """Published ports plus the port the healthcheck asks (the apps' 8000, the proxies' 8080)."""
    targets = {port.target for port in service.ports}
    health = service.healthcheck.url if service.healthcheck else None
    match = re.match(r"(?:https?|redis)://[^/:]+:(\d+)", health or "")
    if match:
        targets.add(int(match[1]))
    return sorted({addresses.bind(service.name, target) for target in targets})


def _app(service: Service, addresses: NativeAddresses, venv: Path | None) -> list[str]:
    """The app's command from `venv` (None: proxylab's own), listening where the native backend
    puts it, in each server's own flags."""
    if not service.command:
        raise ProxylabError(
            f"service {service.name}",
            "has no command in compose.yaml",
            "give it `command: [uvicorn, app.main:app, ...]`",
        )
    argv = list(service.command)
    flags = server_flags(service)
    argv[0] = _venv_executable(argv[0], venv / "bin" if venv else None)
    host, native_port = addresses.bind(service.name, service.server_port)
    if flags == "bind":
        _set_option(argv, "--bind", f"{host}:{native_port}")
    else:
        _set_option(argv, "--host", host)
        _set_option(argv, "--port", str(native_port))
    return argv


def server_flags(service: Service) -> str:
    """How the service's server is told where to listen: "host-port" or "bind"; an unknown server
    is an error rather than a guess (its flags would be left pointing at the container's address)."""
    server = _server_name(service.command or [])
    if server not in SERVER_FLAGS:
        known = ", ".join(sorted(SERVER_FLAGS))
        raise ProxylabError(
            f"service {service.name}",
            f"runs {server!r}, whose listen flags the native backend does not know (it knows {known})",
            "add it to SERVER_FLAGS in proxylab/native/runners.py",
        )
    return SERVER_FLAGS[server]


def _server_name(command: list[str]) -> str:
    """`uvicorn`, `hypercorn`, `fastapi`, or `app.serve` for `python -m app.serve`."""
    if len(command) >= 3 and Path(command[0]).name.startswith("python") and command[1] == "-m":
        return command[2]
    return Path(command[0]).name if command else ""


def _oneshot(service: Service) -> list[str]:
    """The command as the container runs it: the virtualenv's executable, and every argument that
    is a path inside a volume (`/project/.run/certs`) as the host path behind it."""
    if not service.command:
        raise ProxylabError(
            f"service {service.name}", "has no command in compose.yaml", "give it the command to run once"
        )
    argv = [_venv_executable(service.command[0]), *service.command[1:]]
    return [
        argv[0],
        *(str(service.host_path(arg) or arg) if arg.startswith("/") else arg for arg in argv[1:]),
    ]


def _redis(service: Service, addresses: NativeAddresses, out: Path, tag: str, log) -> list[str]:
    server = str(REDIS.ensure(upstream_of_tag(tag), log=log))
    host, port = addresses.bind(service.name, 6379)
    out.mkdir(parents=True, exist_ok=True)
    config = out / "redis.conf"
    # Only what differs from the image: where it listens and that its folder is ours, not /var/lib/redis.
    config.write_text(f'bind {host}\nport {port}\ndir {out}\ndaemonize no\nlogfile ""\nprotected-mode no\n')
    # The compose command's own flags (no persistence) follow, as the image would pass them.
    return [server, str(config), *(service.command or [])[1:]]


# Where each control-plane image keeps what it writes; natively a folder of the run folder, new
# at each start (kine's store holds only what k8s-objects applies: see compose.yaml).
STATE_DIRS = {"registry.k8s.io/kube-apiserver": "/var/run/kubernetes", "rancher/kine": "/var/lib/kine"}
_LISTEN = re.compile(r"^(0\.0\.0\.0|\d+\.\d+\.\d+\.\d+)(?::(\d+))?$")


def go_tool(service: Service) -> GoTool | None:
    """The Go build that stands in for the service's image natively (kube-apiserver, kine), if any."""
    return k8s_tools.IMAGES.get((service.image or "").rpartition(":")[0])


def go_tool_pending(service: Service) -> str | None:
    """ "the kube-apiserver v1.37.2 build" while that binary is not cached; else None."""
    tool = go_tool(service)
    return None if tool is None else tool.build_pending(tool.module_version())


def _go_tool(service: Service, addresses: NativeAddresses, out: Path, log) -> list[str]:
    tool = go_tool(service)
    assert tool is not None
    repository, _, tag = (service.image or "").rpartition(":")
    version = tool.module_version()
    if tag != version:
        raise ProxylabError(
            f"service {service.name}",
            f"pins {service.image}, but tools/{tool.name}/go.mod builds {version}",
            f"make them agree (compose.yaml's tag or tools/{tool.name}/go.mod), then `make k8s-build`",
        )
    binary = tool.ensure(version, log)
    state = out / "state"
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    argv = [str(binary)]
    for arg in service.command or []:
        flag, equals, value = arg.partition("=")
        if equals:
            arg = f"{flag}={_native_value(service, addresses, value, STATE_DIRS[repository], state)}"
        argv.append(arg)
    return argv


def _native_value(
    service: Service, addresses: NativeAddresses, value: str, state_dir: str, state: Path
) -> str:
    """One flag's value as it reads natively: a listen or advertise address (0.0.0.0:2379,
    172.30.0.61) where the service binds; `kine:2379` the native host:port; a mounted path the
    host path; the image's state folder the run folder's."""
    listen = _LISTEN.match(value)
    if listen:
        port = int(listen[2]) if listen[2] else (service.ports[0].target if service.ports else 0)
        host, native_port = addresses.bind(service.name, port)
        return f"{host}:{native_port}" if listen[2] else host
    value = addresses.rewrite_service_refs(value).replace(state_dir, str(state))
    if value.startswith("/"):
        return str(service.host_path(value) or value)
    return value


def _venv_executable(name: str, bin_dir: Path | None = None) -> str:
    candidate = (bin_dir or Path(sys.executable).parent) / name
    if bin_dir is not None and not candidate.exists():
        raise ProxylabError(
            str(candidate),
            f"is not installed in the virtualenv {bin_dir.parent}",
            "rebuild it: delete the folder, "
            "then `make venv` (.venv-*) or `make drift` (PROXYLAB_APP_VENV) makes it again",
        )
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise ProxylabError(
            name,
            "is not installed in the virtualenv",
            "run `make venv` (or .ci/run) to install the pinned Python dependencies",
        )
    return found


def _set_option(argv: list[str], flag: str, value: str) -> None:
    if flag in argv:
        argv[argv.index(flag) + 1] = value
    else:
        argv.extend([flag, value])
