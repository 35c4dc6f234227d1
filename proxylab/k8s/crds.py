"""The Gateway API CRDs, from the gateway-api module at the version Traefik's go.mod requires.

What: `ensure_gateway_crds()` copies config/crd/standard/ of sigs.k8s.io/gateway-api (the Go
module cache, or the module proxy through `go mod download`) into
~/.cache/proxylab/gateway-api/<version>/ with a kustomization.yaml listing them, and returns it.
When: `python -m proxylab.k8s up` applies the folder before k8s/, whose HTTPRoutes need it.
Why that version: Traefik's kubernetesGateway provider is compiled against it (tools/traefik/go.mod);
CRDs of another release could hold fields the provider does not read, or lack ones it does.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from proxylab.errors import ProxylabError
from proxylab.paths import CACHE_DIR, REPO

MODULE = "sigs.k8s.io/gateway-api"
CHANNEL = "config/crd/standard"


def gateway_api_version(go_mod: Path = REPO / "tools" / "traefik" / "go.mod") -> str:
    """The gateway-api version Traefik's module graph selects (v1.4.0 for Traefik v3.6.12)."""
    match = re.search(rf"^\s*{re.escape(MODULE)} (v\S+)", go_mod.read_text(), re.MULTILINE)
    if match is None:
        raise ProxylabError(str(go_mod), f"requires no {MODULE}", "restore tools/traefik/go.mod from git")
    return match[1]


def ensure_gateway_crds(version: str | None = None) -> Path:
    version = version or gateway_api_version()
    folder = CACHE_DIR / "gateway-api" / version
    if (folder / "kustomization.yaml").is_file():
        return folder
    source = _module_dir(version) / CHANNEL
    files = sorted(path.name for path in source.glob("*.yaml") if path.name != "kustomization.yaml")
    partial = folder.with_name(f"{version}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for name in files:
        shutil.copyfile(source / name, partial / name)
    listed = "".join(f"- {name}\n" for name in files)
    (partial / "kustomization.yaml").write_text(
        f"# {MODULE} {version}, {CHANNEL}: the version Traefik's go.mod requires.\nresources:\n{listed}"
    )
    shutil.rmtree(folder, ignore_errors=True)
    partial.replace(folder)
    return folder


def _module_dir(version: str) -> Path:
    go = shutil.which("go")
    if go is None:
        raise ProxylabError("go", "is not on PATH; the Gateway API CRDs come from a Go module", "install Go")
    done = subprocess.run(
        [go, "mod", "download", "-json", f"{MODULE}@{version}"],
        capture_output=True,
        text=True,
        cwd=CACHE_DIR if CACHE_DIR.is_dir() else None,
        env={**os.environ, "GOWORK": "off"},
    )
    found = json.loads(done.stdout) if done.stdout.strip().startswith("{") else {}
    if done.returncode != 0 or "Dir" not in found:
        raise ProxylabError(
            f"{MODULE} {version}",
            f"could not be had: {found.get('Error') or done.stderr.strip()}",
            "check that the Go module proxy is reachable",
        )
    return Path(found["Dir"])
