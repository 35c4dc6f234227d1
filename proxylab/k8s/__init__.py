"""A Kubernetes control plane without nodes: kube-apiserver on kine (etcd's API over SQLite).

What: the real API server, built from k8s.io/kubernetes at a pinned release (tools/kube-apiserver)
with kine as its store (tools/kine), both built and cached like Traefik (tools.py),
listening on 127.0.0.1 only; the objects users write (k8s/, kustomize-shaped) applied to it and
validated by it. No kubelet, no scheduler, no controller-manager: nothing runs pods. The apps run
as the stack runs them; Services without selectors and EndpointSlices point at their addresses.
When: `python -m proxylab.k8s build|up|apply|down` (make k8s-build, k8s-up, k8s-down; make up
K8S=1); Traefik's kubernetesIngress, kubernetesIngressNGINX and kubernetesGateway providers watch
it (routing.py).
Why: Ingress and Gateway API objects are what most FastAPI apps behind a prefix are routed by in
production; only a real API server gives their defaults, validation and errors.
"""
