"""A Kubernetes control plane without nodes: kube-apiserver on kine (etcd's API over SQLite).

What: the real API server, built from k8s.io/kubernetes at a pinned release (tools/kube-apiserver)
with kine as its store (tools/kine), both built and cached like Traefik (native/go_build.py),
listening on 127.0.0.1 only; the objects users write (k8s/, kustomize-shaped) applied to it and
validated by it. No kubelet, no scheduler, no controller-manager: nothing runs pods. The apps run
as the stack runs them; Services without selectors and EndpointSlices point at their addresses.
When: `python -m proxylab.k8s build|up|apply|down` (make k8s-build, k8s-up, k8s-down; make up
K8S=1); Traefik's kubernetesIngress, kubernetesIngressNGINX and kubernetesGateway providers watch
it (routing.py).
Why: Ingress and Gateway API objects are what most FastAPI apps behind a prefix are routed by in
production; only a real API server gives their defaults, validation and errors.
"""

from __future__ import annotations

from proxylab.native.go_build import GoTool

KUBE_APISERVER = GoTool(
    name="kube-apiserver",
    title="kube-apiserver",
    module="k8s.io/kubernetes",
    package="k8s.io/kubernetes/cmd/kube-apiserver",
    # What /version and `kube-apiserver --version` report; a module build would say v0.0.0-master.
    version_variable="k8s.io/component-base/version.gitVersion",
    # k8s.io/kubernetes' zip carries a go.work naming its staging folders, which it does not carry.
    build_env=(("GOWORK", "off"),),
    keyed_by_inputs=True,
)

KINE = GoTool(
    name="kine",
    title="kine",
    module="github.com/k3s-io/kine",
    package="github.com/k3s-io/kine",
    version_variable="github.com/k3s-io/kine/pkg/version.Version",
    keyed_by_inputs=True,
)

TOOLS = (KUBE_APISERVER, KINE)
