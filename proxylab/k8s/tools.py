"""The control plane's two Go builds: kube-apiserver and kine, from their modules, cached like Traefik.

What: KUBE_APISERVER and KINE (proxylab/native/go_build.py's GoTool), and IMAGES, which names the
upstream image each stands in for natively (compose.yaml pins registry.k8s.io/kube-apiserver and
rancher/kine at the releases tools/kube-apiserver/go.mod and tools/kine/go.mod build).
When: `make k8s-build`, the native runner of the `kine` and `kube-apiserver` services, the images.
Why apart from the package's __init__: the one-shots of the app image (oneshot.py) import
proxylab.k8s without the Go toolchain's helpers.
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

# The upstream image each tool stands in for: compose.yaml's `image:` repository → the tool.
IMAGES = {"registry.k8s.io/kube-apiserver": KUBE_APISERVER, "rancher/kine": KINE}
