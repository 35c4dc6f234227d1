"""YAML as yaml.safe_load reads it, through libyaml when PyYAML has it (its wheels do).

compose.yaml, the Traefik files and the lab files are read many times in a test session (the
config checks alone read them about 900 times); PyYAML's pure-Python parser spent about 20 s of
CPU there, libyaml's the same safe subset in a fraction of that.
"""

from __future__ import annotations

from typing import IO, Any

import yaml

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(stream: str | bytes | IO) -> Any:
    """yaml.safe_load, faster where libyaml is there; errors are yaml.YAMLError as before."""
    return yaml.load(stream, Loader=SafeLoader)  # noqa: S506 - a safe loader
