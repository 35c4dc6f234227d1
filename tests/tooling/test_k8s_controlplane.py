"""The Kubernetes control plane: the real kube-apiserver on kine starts, takes k8s/, refuses a
malformed manifest in its own words, and stops leaving nothing running.

It runs on ports of its own (6543, 2479) and in a folder of its own, so a control plane or a stack
already running (`make up K8S=1`) is never touched. The binaries come from `make
k8s-build` (minutes the first time); without them the test is skipped here and fails on CI.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from k8s_plane import require_built, running_plane

from proxylab import compose
from proxylab.errors import ProxylabError
from proxylab.k8s.crds import ensure_crds
from proxylab.k8s.manifests import apply_folder, documents
from proxylab.k8s.plane import ControlPlane
from proxylab.k8s.tools import KUBE_APISERVER, TOOLS
from proxylab.native.addresses import NativeAddresses
from proxylab.paths import REPO

pytestmark = pytest.mark.lifecycle
APISERVER_PORT, KINE_PORT = 6543, 2479
MANIFESTS = REPO / "k8s" / "compose"


@pytest.fixture(scope="module")
def plane(tmp_path_factory: pytest.TempPathFactory):
    require_built(TOOLS)
    if shutil.which("go") is None:
        pytest.skip("no Go toolchain: the Gateway API CRDs come from its module cache")
    with running_plane(tmp_path_factory.mktemp("k8s"), APISERVER_PORT, KINE_PORT) as started:
        yield started


def test_the_manifests_and_the_crds_are_applied_and_read_back(plane: ControlPlane) -> None:
    """A failure here: the API server does not take what k8s/ says (or the CRDs Traefik's
    kubernetesGateway and kubernetesCRD providers need), so no provider could route by it."""
    with plane.api() as api:
        crds = [crd["metadata"]["name"] for folder in ensure_crds() for crd in apply_folder(api, folder)]
        assert {"httproutes.gateway.networking.k8s.io", "middlewares.traefik.io"} <= set(crds)
        applied = apply_folder(api, MANIFESTS)
        assert len(applied) == len(list(documents(MANIFESTS)))
        for document in documents(MANIFESTS):
            body = document.body
            stored = api.read(body["apiVersion"], body["kind"], body["metadata"]["name"], document.namespace)
            assert stored["metadata"]["uid"], f"{document.name} was not stored"
        # The API server's warnings are kept, as kubectl prints them (none for k8s/compose).
        assert api.warnings == []
        # A Gateway API kind is served once its CRD is: the API server knows what an HTTPRoute is.
        assert api.resource("gateway.networking.k8s.io/v1", "HTTPRoute", wait=15).plural == "httproutes"


def test_endpoint_slices_name_the_apps_lab_addresses() -> None:
    """k8s/ repeats each app's address in the lab network; a failure: compose.yaml moved an app
    and the EndpointSlice would send a provider's traffic to an address where nothing listens."""
    stack = compose.load()
    slices = [d.body for d in documents(MANIFESTS) if d.body["kind"] == "EndpointSlice"]
    assert slices
    for endpoint_slice in slices:
        service = stack.services[endpoint_slice["metadata"]["labels"]["kubernetes.io/service-name"]]
        addresses = {a for endpoint in endpoint_slice["endpoints"] for a in endpoint["addresses"]}
        assert addresses == {service.ipv4_address}


def test_a_kustomization_proxylab_cannot_apply_is_refused_by_name(tmp_path: Path) -> None:
    """proxylab applies `resources` and `namespace` only; a failure: a patch or generator would be
    skipped without a word, and the objects applied would not be the ones written."""
    (tmp_path / "kustomization.yaml").write_text("resources: []\npatches: [{path: p.yaml}]\n")
    with pytest.raises(ProxylabError) as refused:
        list(documents(tmp_path))
    assert "patches" in refused.value.render() and "kubectl apply -k" in refused.value.render()


def test_each_backends_objects_come_in_the_order_they_are_listed() -> None:
    """The namespace and the classes before what uses them, the base before each backend's
    Services: a failure means an object would be applied before the one it needs."""
    for backend in ("native", "compose"):
        kinds = [d.body["kind"] for d in documents(REPO / "k8s" / backend)]
        assert kinds[0] == "Namespace" and kinds.index("IngressClass") < kinds.index("Ingress")
        assert kinds[-1] in ("Service", "EndpointSlice"), kinds


def test_native_endpoint_slices_name_where_the_native_backend_runs_each_app() -> None:
    """k8s/native names each app where the native backend listens (127.0.0.1:8001 for app-plain,
    whose port is published); a failure: the backend moved an app and its route leads nowhere."""
    stack = compose.load()
    native = NativeAddresses(stack)
    slices = [d.body for d in documents(REPO / "k8s" / "native") if d.body["kind"] == "EndpointSlice"]
    assert slices
    for endpoint_slice in slices:
        name = endpoint_slice["metadata"]["labels"]["kubernetes.io/service-name"]
        address, port = native.bind(name, stack.services[name].server_port)
        assert endpoint_slice["endpoints"][0]["addresses"] == [address]
        assert endpoint_slice["ports"][0]["port"] == port


@pytest.mark.parametrize(
    ("case", "document", "words"),
    [
        # A port out of range: validation names the field and the range.
        ("a port out of range", {"kind": "Service", "spec": {"ports": [{"port": 70000}]}}, "65535"),
        # An Ingress path without its pathType, which networking.k8s.io/v1 requires.
        (
            "an Ingress path without pathType",
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "Ingress",
                "spec": {
                    "rules": [
                        {
                            "http": {
                                "paths": [
                                    {
                                        "path": "/api/v1",
                                        "backend": {"service": {"name": "x", "port": {"number": 8000}}},
                                    }
                                ]
                            }
                        }
                    ]
                },
            },
            "pathType: Required value",
        ),
        # The native apps' addresses: validation refuses loopback endpoints (issue 30).
        (
            "a loopback endpoint",
            {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "addressType": "IPv4",
                "endpoints": [{"addresses": ["127.30.0.10"]}],
            },
            "loopback",
        ),
    ],
)
def test_a_malformed_manifest_gets_the_api_servers_own_error(
    plane: ControlPlane, tmp_path: Path, case: str, document: dict, words: str
) -> None:
    """A failure: proxylab validated (or swallowed) a manifest itself instead of passing on the
    API server's error, which names the field as `kubectl apply` would."""
    body = {"apiVersion": "v1", "metadata": {"name": "broken"}, **document}
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(body))
    (tmp_path / "kustomization.yaml").write_text("namespace: default\nresources: [broken.yaml]\n")
    with plane.api() as api, pytest.raises(ProxylabError) as refused:
        apply_folder(api, tmp_path)
    text = refused.value.render()
    assert "the API server refused it: 4" in text, text
    assert words in text and f"{document['kind']}/broken" in text, text


def test_every_staging_replace_points_at_the_published_module() -> None:
    """k8s.io/kubernetes' go.mod replaces its k8s.io/* staging modules with folders its zip lacks;
    tools/kube-apiserver/go.mod must point each (and only those) at the published release, or the
    build fails (a folder missing) or mixes releases. README's count of them is this count."""
    if shutil.which("go") is None:
        pytest.skip("no Go toolchain: k8s.io/kubernetes' go.mod comes from its module cache")
    done = subprocess.run(
        ["go", "mod", "download", "-json", f"k8s.io/kubernetes@{KUBE_APISERVER.module_version()}"],
        capture_output=True,
        text=True,
        env={**os.environ, "GOWORK": "off"},
    )
    upstream = Path(json.loads(done.stdout)["GoMod"]).read_text()
    staging = set(re.findall(r"^\s*(k8s\.io/\S+) => \./staging/", upstream, re.MULTILINE))
    ours = dict(
        re.findall(
            r"^\s*(k8s\.io/\S+) => (k8s\.io/\S+ \S+)",
            (REPO / "tools/kube-apiserver/go.mod").read_text(),
            re.MULTILINE,
        )
    )
    published = "v0." + KUBE_APISERVER.module_version().removeprefix("v1.")
    assert staging and set(ours) == staging
    assert all(target == f"{name} {published}" for name, target in ours.items())
    assert f"replaces {len(staging)} `k8s.io/*` staging modules" in (REPO / "README.md").read_text()
