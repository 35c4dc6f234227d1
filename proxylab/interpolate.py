"""Compose-style variable interpolation, so the native backend reads compose.yaml as Compose does.

Supports $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error},
${VAR:+replacement}, ${VAR+replacement} and $$ for a literal dollar, following the Compose
Specification's "Interpolation" section. A required variable that is missing raises
ProxylabError with the message the file gives.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from proxylab.errors import ProxylabError

_TOKEN = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|(?P<plain>[A-Za-z_][A-Za-z0-9_]*)"
    r"|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\})"
)


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """Return `value` with every string inside it interpolated from `env`."""
    if isinstance(value, str):
        return _TOKEN.sub(lambda match: _replace(match, env), value)
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    return value


def _replace(match: re.Match[str], env: Mapping[str, str]) -> str:
    if match["escaped"]:
        return "$"
    name = match["plain"] or match["name"]
    op, arg = match["op"], match["arg"] or ""
    value = env.get(name)
    if op is None:
        return value or ""
    is_set = value is not None if not op.startswith(":") else bool(value)
    kind = op[-1]
    if kind == "-":
        return value if is_set else interpolate(arg, env)
    if kind == "+":
        return interpolate(arg, env) if is_set else ""
    if is_set:
        return value
    raise ProxylabError(
        f"variable {name}", arg or "is required by compose.yaml but not set", f"set {name} and try again"
    )
