"""The Compose Specification schema, read from ../shared/schemas (never copied into the repo)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

from jsonschema import Draft7Validator, ValidationError

from proxylab.check.common import (
    Finding,
    _verdict,
)
from proxylab.compose import Stack
from proxylab.paths import REPO, SCHEMA_FILE

# --- schema ---------------------------------------------------------------------------------


def check_schema(stack: Stack, schema_path: Path = SCHEMA_FILE) -> list[Finding]:
    """compose.yaml against the Compose Specification's JSON schema (kept outside the repo)."""
    if not schema_path.is_file():
        return [Finding("schema", True, f"skipped: {os.path.relpath(schema_path, REPO)} not found")]
    validator = Draft7Validator(json.loads(schema_path.read_text()))
    # Validate what Compose validates: the interpolated file. compose-go's loader runs
    # interp.Interpolate and only then schema.Validate, so host_ip: ${PROXYLAB_BIND:-127.0.0.1} is
    # checked as the 127.0.0.1 Compose would use, and a PROXYLAB_BIND that breaks the file is caught.
    errors = sorted(validator.iter_errors(dict(stack.raw)), key=lambda error: error.json_path)
    problems = [f"{stack.path.name} at {error.json_path}: {_schema_message(error)}; change it to what the Compose Specification allows" for error in errors]
    return _verdict("schema", problems, f"{stack.path.name} follows the Compose Specification")


def _schema_message(error: ValidationError) -> str:
    """jsonschema's message, except an unknown key is named plainly (its own text cites the x- regex)."""
    if error.validator != "additionalProperties" or not isinstance(error.instance, Mapping):
        return error.message
    known, patterns = error.schema.get("properties", {}), error.schema.get("patternProperties", {})
    unknown = [key for key in error.instance if key not in known and not any(re.search(pattern, key) for pattern in patterns)]
    return f"{', '.join(map(repr, unknown))} {'is not a key' if len(unknown) == 1 else 'are not keys'} the Compose Specification knows here"


