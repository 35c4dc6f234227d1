"""The echo app's configuration: one frozen `Settings`, read from environment variables only.

What: every knob the labs turn (instance name, FastAPI's own root_path, root_path_in_servers,
extra OpenAPI servers, simulated warm-up and slow lifespan, the Redis readiness depends on, the
drain window of `python -m app.serve`, Starlette's HTTPS redirect and trusted hosts, root_path
from X-Forwarded-Prefix, Hypercorn's ProxyFixMiddleware) plus the one uvicorn knob the app only
*reports* (FORWARDED_ALLOW_IPS), which the two forwarding middlewares also read.
When: `Settings.from_env()` runs once, when `app.main` builds the app; tests build `Settings(...)`
directly instead of touching `os.environ`.
Why: a lab switches mode by changing compose environment, never code. A bad value stops the app
at startup with a `SettingsError` that names the variable, the value and what is accepted.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

# uvicorn 0.55 falls back to this when neither --forwarded-allow-ips nor FORWARDED_ALLOW_IPS is
# given (uvicorn/config.py, `Config.__init__`); tests/app/test_app_settings.py checks it still does.
UVICORN_DEFAULT_FORWARDED_ALLOW_IPS = "127.0.0.1,::1"

# The servers of the FastAPI docs' behind_a_proxy/tutorial003.py, word for word.
DOCS_EXAMPLE_SERVERS: tuple[dict[str, str], ...] = (
    {"url": "https://stag.example.com", "description": "Staging environment"},
    {"url": "https://prod.example.com", "description": "Production environment"},
)

# PROXYLAB_FORWARDED_PREFIX and PROXYLAB_PROXY_FIX: "" is off.
FORWARDED_PREFIX_MODES = ("", "docs", "trusted")
PROXY_FIX_MODES = ("", "legacy", "modern")

_TRUE_WORDS = frozenset({"true", "1", "yes"})
_FALSE_WORDS = frozenset({"false", "0", "no"})
_SERVER_KEYS = frozenset({"url", "description"})


class SettingsError(ValueError):
    """An environment variable holds a value the app cannot use; the message names it."""


@dataclass(frozen=True)
class Settings:
    """How this instance of the echo app is configured; see docs/app.md for the variable table."""

    instance: str = "app"
    app_root_path: str = ""
    root_path_in_servers: bool = True
    extra_servers: tuple[dict[str, str], ...] = ()
    startup_delay_s: float = 0.0
    forwarded_allow_ips: str | None = None
    # Seconds the lifespan startup takes (a model load, say): uvicorn accepts no connection until
    # it ends, so even /health/live cannot answer. Lab 06's slow starter.
    lifespan_delay_s: float = 0.0
    # The dependency /health/ready checks; None (unset) means readiness checks no Redis at all.
    redis_url: str | None = None
    # How long `python -m app.serve` keeps serving, not ready, after SIGTERM (lab 07).
    drain_s: float = 0.0
    # Starlette's HTTPSRedirectMiddleware: redirect every request the app believes is http (lab 08).
    https_redirect: bool = False
    # Starlette's TrustedHostMiddleware: the Host names allowed; () means no check at all.
    trusted_hosts: tuple[str, ...] = ()
    # root_path from X-Forwarded-Prefix (lab 11): "" off, "docs" (tutorial005, anyone believed),
    # "trusted" (only from FORWARDED_ALLOW_IPS; the service runs uvicorn --no-proxy-headers).
    forwarded_prefix: str = ""
    # Hypercorn's ProxyFixMiddleware (lab 11): "" off, "legacy" (X-Forwarded-*) or "modern" (Forwarded).
    proxy_fix: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every variable from `environ` (default: the process environment).

        An empty value counts as unset, as compose's `${VAR:-}` produces one; FORWARDED_ALLOW_IPS
        is the exception and is kept as is, because uvicorn reads "" as "trust no proxy".
        """
        env = os.environ if environ is None else environ
        return cls(
            instance=env.get("PROXYLAB_INSTANCE") or "app",
            app_root_path=_parse_root_path("PROXYLAB_APP_ROOT_PATH", env.get("PROXYLAB_APP_ROOT_PATH", "")),
            root_path_in_servers=_parse_bool(
                "PROXYLAB_ROOT_PATH_IN_SERVERS", env.get("PROXYLAB_ROOT_PATH_IN_SERVERS") or "true"
            ),
            extra_servers=_parse_servers("PROXYLAB_EXTRA_SERVERS", env.get("PROXYLAB_EXTRA_SERVERS", "")),
            startup_delay_s=_parse_seconds(
                "PROXYLAB_STARTUP_DELAY", env.get("PROXYLAB_STARTUP_DELAY") or "0"
            ),
            forwarded_allow_ips=env.get("FORWARDED_ALLOW_IPS"),
            lifespan_delay_s=_parse_seconds(
                "PROXYLAB_LIFESPAN_DELAY", env.get("PROXYLAB_LIFESPAN_DELAY") or "0"
            ),
            redis_url=_parse_redis_url("PROXYLAB_REDIS_URL", env.get("PROXYLAB_REDIS_URL") or ""),
            drain_s=_parse_seconds("PROXYLAB_DRAIN_SECONDS", env.get("PROXYLAB_DRAIN_SECONDS") or "0"),
            https_redirect=_parse_bool(
                "PROXYLAB_HTTPS_REDIRECT", env.get("PROXYLAB_HTTPS_REDIRECT") or "false"
            ),
            trusted_hosts=_parse_hosts("PROXYLAB_TRUSTED_HOSTS", env.get("PROXYLAB_TRUSTED_HOSTS") or ""),
            forwarded_prefix=_parse_choice(
                "PROXYLAB_FORWARDED_PREFIX",
                env.get("PROXYLAB_FORWARDED_PREFIX") or "",
                FORWARDED_PREFIX_MODES,
            ),
            proxy_fix=_parse_choice(
                "PROXYLAB_PROXY_FIX", env.get("PROXYLAB_PROXY_FIX") or "", PROXY_FIX_MODES
            ),
        )

    @property
    def trusted_proxies(self) -> str:
        """FORWARDED_ALLOW_IPS as uvicorn reads it; a --forwarded-allow-ips CLI flag is invisible here."""
        if self.forwarded_allow_ips is None:
            return f"{UVICORN_DEFAULT_FORWARDED_ALLOW_IPS} (uvicorn default)"
        return self.forwarded_allow_ips


def _parse_bool(name: str, raw: str) -> bool:
    word = raw.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise SettingsError(f"{name}={raw!r} is not a boolean; use one of true/false, 1/0, yes/no")


def _parse_choice(name: str, raw: str, choices: tuple[str, ...]) -> str:
    word = raw.strip().lower()
    if word in choices:
        return word
    named = ", ".join(choice for choice in choices if choice)
    raise SettingsError(f"{name}={raw!r} is not one of {named}; leave it empty to turn it off")


def _parse_seconds(name: str, raw: str) -> float:
    try:
        seconds = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number of seconds; use e.g. 0 or 2.5") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise SettingsError(f"{name}={raw!r} must be a finite number of zero or more seconds")
    return seconds


def _parse_hosts(name: str, raw: str) -> tuple[str, ...]:
    hosts = tuple(item.strip() for item in raw.split(",") if item.strip())
    bad = [host for host in hosts if ":" in host and not host.startswith("[") or "/" in host]
    if bad:
        raise SettingsError(
            f"{name}={raw!r} lists {bad[0]!r}; give host names without port or path, "
            "e.g. 127.0.0.1,localhost,*.example.com"
        )
    return hosts


def _parse_redis_url(name: str, raw: str) -> str | None:
    if not raw:
        return None
    if not raw.startswith(("redis://", "rediss://")):
        raise SettingsError(
            f"{name}={raw!r} is not a redis:// URL; use e.g. redis://redis:6379/0, or leave it empty"
        )
    return raw


def _parse_root_path(name: str, raw: str) -> str:
    if not raw:
        return ""
    if not raw.startswith("/") or raw.endswith("/"):
        raise SettingsError(
            f"{name}={raw!r} must start with '/' and not end with '/', e.g. /api/v1; "
            "leave it empty to let the server (uvicorn --root-path) provide the root_path"
        )
    return raw


def _parse_servers(name: str, raw: str) -> tuple[dict[str, str], ...]:
    text = raw.strip()
    if not text:
        return ()
    if text == "docs-example":
        return tuple(dict(server) for server in DOCS_EXAMPLE_SERVERS)
    try:
        servers = json.loads(text)
    except json.JSONDecodeError as error:
        raise SettingsError(
            f"{name} is neither 'docs-example' nor valid JSON ({error.msg}); {_SERVERS_HINT}"
        ) from None
    if not isinstance(servers, list):
        raise SettingsError(f"{name} must be a JSON list; {_SERVERS_HINT}")
    return tuple(_parse_server(name, index, server) for index, server in enumerate(servers))


def _parse_server(name: str, index: int, server: object) -> dict[str, str]:
    if not isinstance(server, dict):
        raise SettingsError(f"{name}[{index}] must be an object; {_SERVERS_HINT}")
    unknown_keys = set(server) - _SERVER_KEYS
    if unknown_keys:
        raise SettingsError(f"{name}[{index}] has unknown keys {sorted(unknown_keys)}; {_SERVERS_HINT}")
    if not isinstance(server.get("url"), str) or not server["url"]:
        raise SettingsError(f"{name}[{index}] needs a non-empty string 'url'; {_SERVERS_HINT}")
    if not isinstance(server.get("description", ""), str):
        raise SettingsError(f"{name}[{index}].description must be a string; {_SERVERS_HINT}")
    return dict(server)


_SERVERS_HINT = (
    'expected "", "docs-example" or JSON like [{"url": "https://stag.example.com", "description": "Staging"}]'
)
