"""A Kubernetes control plane without nodes: kube-apiserver on kine (etcd's API over SQLite).

What: the real API server, built from k8s.io/kubernetes at a pinned release (tools/kube-apiserver)
with kine as its store (tools/kine), both built and cached like Traefik (tools.py),
listening on 127.0.0.1 only; the objects users write (k8s/, kustomize-shaped) applied to it and
validated by it. No kubelet, no scheduler, no controller-manager: nothing runs pods. The apps run
as the stack runs them; Services without selectors and EndpointSlices point at their addresses.
When: `make k8s-build` (python -m proxylab.k8s build) builds it; compose.yaml's k8s profile runs it
on either backend (`make up K8S=1`: oneshot.py's credentials and objects, traefik-k8s's providers
watching it); plane.py and routing.py start one of their own for the tests.
Why: Ingress and Gateway API objects are what most FastAPI apps behind a prefix are routed by in
production; only a real API server gives their defaults, validation and errors.
"""
