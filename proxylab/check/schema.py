"""compose.yaml against the Compose Specification: the schema Compose uses, and Compose's own loader.

What: `check_schema` validates the interpolated file against schema/compose-spec.json of the
compose-go module that the pinned Compose (tools/compose/versions.env) requires in its go.mod,
fetched once through the Go module proxy into ~/.cache/proxylab/compose-spec/<Compose version>/;
`check_compose_config` runs `docker compose config --quiet` (the real loader; it needs the CLI
plugin, not an engine).
When: `make check`, CI. Each is a skip, saying how to get what it needs, on a machine without Go
or without the Compose plugin.
Why: the schema catches an unknown key with its path; the loader catches what only Compose
knows (a merge, an interpolation, a feature its version lacks).
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from jsonschema import Draft7Validator, ValidationError

from proxylab.check.common import Finding, verdict
from proxylab.compose import Stack
from proxylab.errors import ProxylabError
from proxylab.paths import CACHE_DIR, COMPOSE_PINS, REPO

COMPOSE_MODULE = "github.com/docker/compose/v2"
SCHEMA_MODULE = "github.com/compose-spec/compose-go/v2"


def compose_pins(path: Path = COMPOSE_PINS) -> dict[str, str]:
    """NAME=value lines of tools/compose/versions.env (comments and blank lines skipped)."""
    lines = (line.strip() for line in path.read_text().splitlines())
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def schema_file(compose_version: str | None = None) -> Path:
    """schema/compose-spec.json of the compose-go that the pinned Compose requires, cached per
    Compose version; ProxylabError when Go cannot get it."""
    compose_version = compose_version or compose_pins()["COMPOSE_VERSION"]
    cached = CACHE_DIR / "compose-spec" / compose_version / "compose-spec.json"
    if cached.is_file():
        return cached
    go_mod = Path(_download(COMPOSE_MODULE, compose_version)["GoMod"]).read_text()
    required = re.search(rf"{re.escape(SCHEMA_MODULE)} (v\S+)", go_mod)
    if required is None:
        raise ProxylabError(
            f"{COMPOSE_MODULE}@{compose_version}",
            f"requires no {SCHEMA_MODULE}",
            "pin a Compose v2 release in tools/compose/versions.env",
        )
    schema = Path(_download(SCHEMA_MODULE, required[1])["Dir"]) / "schema" / "compose-spec.json"
    cached.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(schema, cached)
    return cached


def _download(module: str, version: str) -> dict[str, str]:
    """`go mod download -json` of one module version: its Dir and GoMod in the module cache."""
    go = shutil.which("go")
    if go is None:
        raise ProxylabError(
            "go", "is not on PATH", f"install Go to fetch the Compose schema ({module}@{version})"
        )
    with tempfile.TemporaryDirectory() as outside_any_module:
        done = subprocess.run(
            [go, "mod", "download", "-json", f"{module}@{version}"],
            cwd=outside_any_module,
            capture_output=True,
            text=True,
            timeout=600,
        )
    answer = json.loads(done.stdout or "{}")
    if done.returncode != 0 or "Dir" not in answer:
        raise ProxylabError(
            f"{module}@{version}",
            f"could not be downloaded: {answer.get('Error') or done.stderr.strip()}",
            "check the Go module proxy (GOPROXY) and COMPOSE_VERSION in tools/compose/versions.env",
        )
    return answer


def check_schema(stack: Stack, schema_path: Path | None = None) -> list[Finding]:
    """compose.yaml against the Compose Specification's JSON schema (the pinned one by default)."""
    try:
        schema_path = schema_path or schema_file()
    except ProxylabError as error:
        return [Finding("schema", True, f"skipped: {error.thing} {error.cause}; {error.next_step}")]
    if not schema_path.is_file():
        return [Finding("schema", True, f"skipped: {schema_path} not found")]
    validator = Draft7Validator(json.loads(schema_path.read_text()))
    # Validate what Compose validates: the interpolated file. compose-go's loader runs
    # interp.Interpolate and only then schema.Validate, so host_ip: ${PROXYLAB_BIND:-127.0.0.1} is
    # checked as the 127.0.0.1 Compose would use, and a PROXYLAB_BIND that breaks the file is caught.
    errors = sorted(validator.iter_errors(dict(stack.raw)), key=lambda error: error.json_path)
    problems = [
        f"{stack.path.name} at {error.json_path}: {_schema_message(error)}; "
        "change it to what the Compose Specification allows"
        for error in errors
    ]
    return verdict(
        "schema", problems, f"{stack.path.name} follows the Compose Specification ({SCHEMA_MODULE} schema)"
    )


def check_compose_config(stack: Stack) -> list[Finding]:
    """`docker compose config --quiet`: Compose's own loader accepts the file (no engine needed)."""
    docker = shutil.which("docker")
    version = _compose_version(docker) if docker else None
    if version is None:
        return [
            Finding(
                "compose",
                True,
                "skipped: the Docker Compose plugin is not installed (`make engine` builds it)",
            )
        ]
    done = subprocess.run(
        [docker, "compose", "-f", str(stack.path), "--project-directory", str(REPO), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = (
        [f"{stack.path.name}: {line}" for line in done.stderr.strip().splitlines()] if done.returncode else []
    )
    return verdict("compose", problems, f"Compose {version} loads {stack.path.name}")


@functools.cache
def _compose_version(docker: str) -> str | None:
    """`docker compose version`'s number, or None without the plugin; asked once per process
    (the config checks' tests run the checks 80 times)."""
    plugin = subprocess.run([docker, "compose", "version"], capture_output=True, text=True)
    return plugin.stdout.strip().rsplit(" ", 1)[-1] if plugin.returncode == 0 else None


def _schema_message(error: ValidationError) -> str:
    """jsonschema's message, except an unknown key is named plainly (its own text cites the x- regex)."""
    if error.validator != "additionalProperties" or not isinstance(error.instance, Mapping):
        return error.message
    known, patterns = error.schema.get("properties", {}), error.schema.get("patternProperties", {})
    unknown = [
        key
        for key in error.instance
        if key not in known and not any(re.search(pattern, key) for pattern in patterns)
    ]
    return (
        f"{', '.join(map(repr, unknown))} {'is not a key' if len(unknown) == 1 else 'are not keys'} "
        "the Compose Specification knows here"
    )
