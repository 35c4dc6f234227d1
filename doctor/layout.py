"""The configurations the doctor tries, and where each one listens.

What: `configurations(prefix, port_base)` lists every pairing of a proxy (Traefik, Nginx, Caddy,
HAProxy), what it does with the prefix (strip or keep) and how uvicorn runs the app (no
root_path, or `--root-path PREFIX`): 4 × 2 × 2 = 16. Each has its own port on 127.0.0.1.
When: `doctor.cli` lays out a run with it; the reports name configurations by `label`.
Why: one port per configuration keeps every URL a plain, pasteable one (no Host games), and a
fixed layout from one base port makes a busy port easy to name and to move (`--port-base`).

Ports from the base (9700 by default, a range compose.yaml leaves free):
    base + 0    the app, no root_path            (also the direct baseline the doctor compares with)
    base + 1    the app, --root-path PREFIX
    base + 10·k + 0..3   proxy k (1 Traefik, 2 Nginx, 3 Caddy, 4 HAProxy):
                 strip → app, strip → app --root-path, keep → app, keep → app --root-path
"""

from __future__ import annotations

from dataclasses import dataclass

from doctor.proxies import PROXIES

DEFAULT_PORT_BASE = 9700
HOST = "127.0.0.1"


@dataclass(frozen=True)
class AppMode:
    """The user's app under uvicorn, with or without `--root-path`."""

    root_path: str | None  # None: no --root-path
    port: int

    @property
    def flags(self) -> list[str]:
        return ["--root-path", self.root_path] if self.root_path else []

    @property
    def label(self) -> str:
        return f"--root-path {self.root_path}" if self.root_path else "no root_path"


@dataclass(frozen=True)
class Configuration:
    proxy: str
    strips: bool
    app: AppMode
    port: int  # where the proxy listens for this configuration
    prefix: str

    @property
    def server_root_path(self) -> str | None:
        return self.app.root_path

    @property
    def label(self) -> str:
        """`traefik strip --root-path`: the words `--expect` takes."""
        return " ".join(
            [self.proxy, "strip" if self.strips else "keep", *(["--root-path"] if self.app.root_path else [])]
        )

    @property
    def public_base(self) -> str:
        """The URL a user of the API types: the proxy's origin and the prefix."""
        return f"http://{HOST}:{self.port}{self.prefix}"

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"

    def upstream(self, path: str) -> str:
        """The URL the proxy's request for PREFIX + `path` reaches the app at: the app's own port,
        with the prefix removed when the proxy strips it."""
        return f"http://{HOST}:{self.app.port}{path if self.strips else self.prefix + path}"


def app_modes(prefix: str, port_base: int) -> tuple[AppMode, AppMode]:
    return AppMode(None, port_base), AppMode(prefix, port_base + 1)


def configurations(prefix: str, port_base: int = DEFAULT_PORT_BASE) -> list[Configuration]:
    plain, rooted = app_modes(prefix, port_base)
    found = []
    for k, proxy in enumerate(PROXIES, start=1):
        for offset, (strips, app) in enumerate(
            [(True, plain), (True, rooted), (False, plain), (False, rooted)]
        ):
            found.append(Configuration(proxy, strips, app, port_base + 10 * k + offset, prefix))
    return found


def parse_label(text: str) -> tuple[str, bool, bool]:
    """`traefik strip --root-path` → ("traefik", True, True); raises ValueError with what is wrong."""
    words = text.split()
    if (
        len(words) not in (2, 3)
        or words[0] not in PROXIES
        or words[1] not in ("strip", "keep")
        or words[2:] not in ([], ["--root-path"])
    ):
        raise ValueError(
            f"{text!r} is not a configuration; write PROXY strip|keep [--root-path], "
            f"PROXY one of {', '.join(PROXIES)}, e.g. 'traefik strip --root-path'"
        )
    return words[0], words[1] == "strip", len(words) == 3
