"""The CRDs Traefik's providers read, from Go modules at the versions Traefik's go.mod requires.

What: `ensure_crds()` copies, once, into ~/.cache/proxylab/<module's last element>/<version>/ with
a kustomization.yaml listing them: sigs.k8s.io/gateway-api's config/crd/standard/ (GatewayClass,
Gateway, HTTPRoute...) and Traefik's own CRD definitions (Middleware, IngressRoute...) from its
module's docs/, each read from the Go module cache (or the module proxy, `go mod download`).
When: `make k8s-build` copies them; `make up K8S=1` stages them in .run/k8s/crds (stage_crds), where
the k8s-objects one-shot applies them before k8s/, whose objects need them; the tests' control
planes apply them from the cache.
Why those versions: Traefik's kubernetesGateway provider is compiled against the gateway-api of
tools/traefik/go.mod, and its kubernetesCRD provider against its own CRDs; CRDs of another
release could hold fields a provider does not read, or lack ones it does.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from proxylab.errors import ProxylabError
from proxylab.paths import CACHE_DIR, REPO

TRAEFIK_GO_MOD = REPO / "tools" / "traefik" / "go.mod"


@dataclass(frozen=True)
class CrdSource:
    """CRD files in a Go module: a folder's YAML files, or the files named."""

    module: str
    folder: str
    files: tuple[str, ...] = ()  # empty: every *.yaml in `folder` but its kustomization

    def version(self, go_mod: Path = TRAEFIK_GO_MOD) -> str:
        """The version tools/traefik/go.mod requires (gateway-api v1.4.0 for Traefik v3.6.12)."""
        pattern = rf"^\s*(?:require\s+)?{re.escape(self.module)} (v\S+)"
        match = re.search(pattern, go_mod.read_text(), re.MULTILINE)
        if match is None:
            raise ProxylabError(str(go_mod), f"requires no {self.module}", "restore it from git")
        return match[1]


GATEWAY_API = CrdSource("sigs.k8s.io/gateway-api", "config/crd/standard")
TRAEFIK = CrdSource(
    "github.com/traefik/traefik/v3",
    "docs/content/reference/dynamic-configuration",
    ("kubernetes-crd-definition-v1.yml",),
)
SOURCES = (GATEWAY_API, TRAEFIK)


def ensure_crds() -> list[Path]:
    """Every source's folder, copied into the cache first if missing."""
    return [ensure_source(source) for source in SOURCES]


def stage_crds(folder: Path) -> list[Path]:
    """The CRD folders copied into `folder` (.run/k8s/crds: gateway-api/, traefik/), where the
    stack's k8s-objects one-shot reads them through its mount of the project folder."""
    staged = []
    for source in SOURCES:
        target = folder / ("traefik" if source is TRAEFIK else "gateway-api")
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(ensure_source(source), target)
        staged.append(target)
    return staged


def ensure_source(source: CrdSource) -> Path:
    version = source.version()
    folder = CACHE_DIR / _cache_name(source) / version
    if (folder / "kustomization.yaml").is_file():
        return folder
    origin = _module_dir(source.module, version) / source.folder
    files = source.files or tuple(
        sorted(path.name for path in origin.glob("*.yaml") if path.name != "kustomization.yaml")
    )
    partial = folder.with_name(f"{version}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for name in files:
        shutil.copyfile(origin / name, partial / name)
    listed = "".join(f"- {name}\n" for name in files)
    (partial / "kustomization.yaml").write_text(
        f"# {source.module} {version}, {source.folder}: the version tools/traefik/go.mod requires.\n"
        f"resources:\n{listed}"
    )
    shutil.rmtree(folder, ignore_errors=True)
    partial.replace(folder)
    return folder


def _cache_name(source: CrdSource) -> str:
    """gateway-api; traefik-crds (the traefik folder holds the binaries)."""
    return "traefik-crds" if source is TRAEFIK else source.module.split("/")[-1]


def _module_dir(module: str, version: str) -> Path:
    go = shutil.which("go")
    if go is None:
        raise ProxylabError("go", "is not on PATH; the CRDs come from Go modules", "install Go")
    done = subprocess.run(
        [go, "mod", "download", "-json", f"{module}@{version}"],
        capture_output=True,
        text=True,
        cwd=CACHE_DIR if CACHE_DIR.is_dir() else None,
        env={**os.environ, "GOWORK": "off"},
    )
    found = json.loads(done.stdout) if done.stdout.strip().startswith("{") else {}
    if done.returncode != 0 or "Dir" not in found:
        raise ProxylabError(
            f"{module} {version}",
            f"could not be had: {found.get('Error') or done.stderr.strip()}",
            "check that the Go module proxy is reachable",
        )
    return Path(found["Dir"])
