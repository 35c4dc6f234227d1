"""The objects users write, applied in the order a kustomization lists them.

What: `documents(folder)` reads a kustomize-shaped folder: its kustomization.yaml's `resources`
(files, or folders with a kustomization of their own) and `namespace`, every YAML document in
order; `apply_folder` applies them to the API server (api.py). Nothing is validated here: the API
server does that, and its refusal is raised with the file and object it concerns, and its words.
When: the k8s-objects one-shot (oneshot.py) applies the CRDs (crds.py), then k8s/; the tests apply
k8s/ and its variants to control planes of their own.
Why only `resources` and `namespace`: that is all k8s/ uses; a kustomization with patches or
generators is refused by name rather than applied half-understood (`kubectl apply -k` does all).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from proxylab.errors import ProxylabError
from proxylab.k8s.api import Api, ApiRefused

UNDERSTOOD = {"apiVersion", "kind", "resources", "namespace"}
# A CRD's kinds are served a moment after it is created (Established): seconds to wait for them.
CRD_WAIT_S = 15.0


@dataclass(frozen=True)
class Document:
    """One object and where it was written."""

    source: Path
    body: dict
    namespace: str | None

    @property
    def name(self) -> str:
        return f"{self.body.get('kind', '?')}/{self.body.get('metadata', {}).get('name', '?')}"


def documents(folder: Path, namespace: str | None = None) -> Iterator[Document]:
    """Every object of the kustomization in `folder`, in the order its `resources` list them."""
    kustomization = folder / "kustomization.yaml"
    if not kustomization.is_file():
        raise ProxylabError(str(folder), "has no kustomization.yaml", "list its files under `resources:`")
    spec = yaml.safe_load(kustomization.read_text()) or {}
    unknown = set(spec) - UNDERSTOOD
    if unknown:
        raise ProxylabError(
            str(kustomization),
            f"uses {', '.join(sorted(unknown))}, which proxylab does not apply (only resources, namespace)",
            f"apply it with `kubectl apply -k {folder}`, or keep k8s/ to plain resources",
        )
    namespace = spec.get("namespace", namespace)
    for entry in spec.get("resources", []):
        path = folder / entry
        if path.is_dir():
            yield from documents(path, namespace)
            continue
        for body in yaml.safe_load_all(path.read_text()):
            if body:
                yield Document(path, body, namespace)


def apply_folder(api: Api, folder: Path) -> list[dict]:
    """Apply every object in `folder`; the first the API server refuses stops it, named."""
    applied = []
    for document in documents(folder):
        try:
            applied.append(api.apply(document.body, document.namespace, wait=CRD_WAIT_S))
        except ApiRefused as refused:
            raise ProxylabError(
                f"{document.name} in {document.source}",
                f"the API server refused it: {refused}",
                "correct the manifest; the message above is kube-apiserver's own",
            ) from refused
        except KeyError as missing:
            raise ProxylabError(
                f"a document in {document.source}",
                f"has no {missing}",
                "every object needs apiVersion, kind and metadata.name",
            ) from missing
    return applied
