"""k8s/cluster, the stack for a real cluster: the real kube-apiserver takes its Deployments and
stores their probes and preStop drain as written, and refuses a malformed one in its own words.

What ran here: the API server's validation and storage (kube-apiserver on kine, ports 6643 and
2579 of this test's own, so a control plane or stack already running is never touched). What
could not: no kubelet, scheduler or controller-manager runs, so no ReplicaSet and no pod is ever
made (the test shows none), and this machine has no container registry for a node to pull
proxylab-app:0.1.0 from. The binaries come from `make k8s-build`; without them the test is
skipped here and fails on CI.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from k8s_plane import require_built, running_plane

from proxylab import compose
from proxylab.errors import ProxylabError
from proxylab.k8s.crds import ensure_crds
from proxylab.k8s.manifests import apply_folder, documents
from proxylab.k8s.plane import ControlPlane
from proxylab.k8s.tools import TOOLS
from proxylab.paths import REPO

pytestmark = pytest.mark.lifecycle
APISERVER_PORT, KINE_PORT = 6643, 2579
CLUSTER = REPO / "k8s" / "cluster"
# compose.yaml's variable that names the proxies' fixed addresses, which a cluster's have not.
NOT_IN_A_CLUSTER = {"FORWARDED_ALLOW_IPS"}


def _deployments() -> list[dict]:
    return [d.body for d in documents(CLUSTER) if d.body["kind"] == "Deployment"]


@pytest.fixture(scope="module")
def plane(tmp_path_factory: pytest.TempPathFactory):
    require_built(TOOLS)
    if shutil.which("go") is None:
        pytest.skip("no Go toolchain: the CRDs come from its module cache")
    with running_plane(tmp_path_factory.mktemp("k8s-cluster"), APISERVER_PORT, KINE_PORT) as started:
        with started.api() as api:
            for folder in ensure_crds():
                apply_folder(api, folder)
        yield started


def _differences(written: Any, stored: Any, where: str = "") -> list[str]:
    """Where `stored` lacks or changed what `written` says; fields the API server added (its
    defaults: timeoutSeconds, scheme...) are not differences."""
    if isinstance(written, dict):
        if not isinstance(stored, dict):
            return [f"{where}: {stored!r}"]
        return [
            d
            for key, value in written.items()
            for d in _differences(value, stored.get(key), f"{where}.{key}")
        ]
    if isinstance(written, list):
        if not isinstance(stored, list) or len(stored) != len(written):
            return [f"{where}: {stored!r}"]
        return [
            d for i, (w, s) in enumerate(zip(written, stored)) for d in _differences(w, s, f"{where}[{i}]")
        ]
    return (
        []
        if written == stored or str(written) == str(stored)
        else [f"{where}: {stored!r} (written {written!r})"]
    )


def test_the_cluster_objects_are_stored_as_written(plane: ControlPlane) -> None:
    """A failure: the API server dropped or changed a probe, the preStop drain or the grace period
    (a field of a disabled feature is dropped without a word), so a cluster would run the apps
    without what lab 06 and lab 07 teach."""
    with plane.api() as api:
        applied = apply_folder(api, CLUSTER)
        assert len(applied) == len(list(documents(CLUSTER)))
        assert api.warnings == []
        for document in documents(CLUSTER):
            body = document.body
            stored = api.read(body["apiVersion"], body["kind"], body["metadata"]["name"], document.namespace)
            assert not _differences(body["spec"] if "spec" in body else {}, stored.get("spec", {})), (
                document.name,
                _differences(body.get("spec", {}), stored.get("spec", {})),
            )
        # Nothing runs pods: no controller-manager makes a Deployment's ReplicaSet, nor a pod.
        for plural in ("apis/apps/v1/namespaces/proxylab/replicasets", "api/v1/namespaces/proxylab/pods"):
            assert api.get(f"/{plural}")["items"] == [], plural


def test_each_deployment_has_the_labs_probes_and_drain() -> None:
    """A failure: a Deployment lost a probe or its drain, and the cluster would send traffic to a
    starting or leaving pod (lab 06's readiness, lab 07's 502s of plain uvicorn)."""
    for deployment in _deployments():
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        probes = {
            name: container[name]["httpGet"]["path"]
            for name in ("startupProbe", "livenessProbe", "readinessProbe")
        }
        assert probes == {
            "startupProbe": "/health/startup",
            "livenessProbe": "/health/live",
            "readinessProbe": "/health/ready",
        }
        drain = container["lifecycle"]["preStop"]["sleep"]["seconds"]
        # The wait before SIGTERM must leave uvicorn time to shut down within the grace period.
        assert 0 < drain < pod["terminationGracePeriodSeconds"]


def test_each_deployment_runs_its_app_as_compose_yaml_does() -> None:
    """k8s/cluster repeats compose.yaml's image, command and environment; a failure: compose.yaml
    changed an app and the cluster would run another (FORWARDED_ALLOW_IPS names the stack's own
    proxies, so it is left out: k8s/cluster/apps.yaml says why)."""
    stack = compose.load()
    raw = yaml.safe_load((REPO / "compose.yaml").read_text())["services"]
    deployments = _deployments()
    assert {d["metadata"]["name"] for d in deployments} == {
        "app-plain",
        "app-server-root-path",
        "app-forwarded-prefix",
    }
    for deployment in deployments:
        name = deployment["metadata"]["name"]
        assert name in stack.services
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["image"] == raw[name]["image"]
        assert container["command"] == [str(word) for word in raw[name]["command"]]
        env = {item["name"]: item["value"] for item in container.get("env", [])}
        wanted = {
            key: str(value) for key, value in raw[name]["environment"].items() if key not in NOT_IN_A_CLUSTER
        }
        assert env == wanted, name


# (what is broken, where in the Deployment, the API server's own words)
REFUSED = [
    # A probe must say how to probe: httpGet, tcpSocket, grpc or exec.
    ("a probe without a handler", ("readinessProbe",), {"periodSeconds": 1}, "must specify a handler type"),
    # The preStop wait counts against the grace period: a longer one would never end in SIGTERM.
    (
        "a preStop sleep longer than the grace period",
        ("lifecycle",),
        {"preStop": {"sleep": {"seconds": 30}}},
        "must be non-negative and less than terminationGracePeriodSeconds (15)",
    ),
]


@pytest.mark.parametrize(("case", "key", "value", "words"), REFUSED, ids=[case for case, *_ in REFUSED])
def test_a_broken_deployment_gets_the_api_servers_own_error(
    plane: ControlPlane, tmp_path: Path, case: str, key: tuple[str, ...], value: dict, words: str
) -> None:
    """A failure: kube-apiserver no longer refuses this (or proxylab swallowed its refusal): a
    Deployment that could never probe or drain would be stored, and only a cluster would tell."""
    broken = copy.deepcopy(_deployments()[0])
    broken["metadata"]["name"] = "broken"
    (container,) = broken["spec"]["template"]["spec"]["containers"]
    container[key[0]] = value
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(broken))
    (tmp_path / "kustomization.yaml").write_text("namespace: default\nresources: [broken.yaml]\n")
    with plane.api() as api, pytest.raises(ProxylabError) as refused:
        apply_folder(api, tmp_path)
    text = refused.value.render()
    assert "the API server refused it: 422" in text and "Deployment/broken" in text, text
    assert words in text, text
