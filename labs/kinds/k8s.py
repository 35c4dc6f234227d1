"""Step kinds that act on the Kubernetes objects the stack's API server holds (lab 17).

What:
  endpoint-ready: {service, ready, serving, routes, wait}
      set the conditions of every endpoint in `service`'s EndpointSlice, as the EndpointSlice
      controller does for a pod whose readiness probe fails or passes: a JSON merge patch through
      the stack's kube-apiserver (https://127.0.0.1:6443, credentials in .run/k8s). Then ask each
      of `routes` (URLs of Traefik's routes to the Service) until its answer changes, `wait`
      seconds at most
      (a provider reads the change from its watch a moment later), and report what each answers.
When: listed in KINDS below, which labs/kinds/__init__.py reads; a lab with such a step names
`profiles: [k8s]` (labs/model.py), so a stack without the control plane skips it.
Why a merge patch of the whole `endpoints` list: the list is atomic (a patch replaces it), so the
body names each endpoint's addresses, read from the slice k8s/<backend>/ applied, with its new
conditions. The command shown is the curl that sends the same PATCH (method, URL, token,
Content-Type, body). A step stopped while it watches (Ctrl-C, an error) puts the endpoints back as
it found them; one whose answers are not as expected leaves them as it set them, and the lab's
last endpoint-ready step (`ready: true`) restores k8s/'s own conditions.
"""

from __future__ import annotations

import json
import shlex
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from labs.kinds.base import Outcome, StepKind
from proxylab.context import Context
from proxylab.errors import ProxylabError
from proxylab.k8s.api import FIELD_MANAGER, MERGE_PATCH, Api, ApiRefused, Resource
from proxylab.k8s.manifests import documents
from proxylab.k8s.pki import Credentials
from proxylab.paths import REPO

SERVER = "https://127.0.0.1:6443"  # where both backends publish the stack's kube-apiserver
# In the repo, as compose.yaml's k8s-credentials writes them; relative, as the curl shown names them.
CREDENTIALS = Credentials(Path(".run/k8s"))
SERVICE_NAME_LABEL = "kubernetes.io/service-name"  # ties an EndpointSlice to its Service
# Where the API server serves EndpointSlices, as discovery would list them (proxylab/k8s/api.py).
ENDPOINT_SLICES = Resource("/apis/discovery.k8s.io/v1", "endpointslices", namespaced=True)
POLL_S = 0.2


@dataclass(frozen=True)
class EndpointSlice:
    """A Service's EndpointSlice as k8s/<backend>/ writes it."""

    name: str
    namespace: str
    endpoints: tuple[dict, ...]

    @property
    def path(self) -> str:
        return ENDPOINT_SLICES.path(self.name, self.namespace)


def endpoint_slice(service: str, backend: str) -> EndpointSlice:
    """`service`'s EndpointSlice in k8s/native or k8s/compose, as the backend applied it."""
    for document in documents(REPO / "k8s" / backend):
        body = document.body
        labels = body.get("metadata", {}).get("labels") or {}
        if body.get("kind") == "EndpointSlice" and labels.get(SERVICE_NAME_LABEL) == service:
            return EndpointSlice(
                body["metadata"]["name"], document.namespace or "default", tuple(body["endpoints"])
            )
    raise ProxylabError(
        f"endpoint-ready: {service}",
        f"k8s/{backend} has no EndpointSlice labelled {SERVICE_NAME_LABEL}: {service}",
        "name a Service of k8s/base/apps.yaml",
    )


def patch_body(endpoints: tuple[dict, ...], conditions: Mapping[str, bool]) -> bytes:
    """The merge patch: every endpoint with `conditions` in place of its own (compact, sorted
    keys: the bytes kubectl would send for the same JSON)."""
    changed = [{**endpoint, "conditions": dict(conditions)} for endpoint in endpoints]
    return json.dumps({"endpoints": changed}, separators=(",", ":"), sort_keys=True).encode()


@dataclass(frozen=True)
class EndpointReadyAction:
    service: str
    ready: bool
    serving: bool | None  # None: left unset (a consumer reads unset as serving)
    routes: tuple[str, ...]  # URLs to watch
    wait_s: float

    @property
    def conditions(self) -> dict[str, bool]:
        return {"ready": self.ready, **({} if self.serving is None else {"serving": self.serving})}

    def command(self, context: Context) -> str:
        found = endpoint_slice(self.service, context.backend.name)
        body = patch_body(found.endpoints, self.conditions).decode()
        # The token stays in its file: the shell reads it, as the action does.
        patch = (
            f"curl -s --cacert {CREDENTIALS.ca} "
            f'-H "Authorization: Bearer $(cat {CREDENTIALS.token_file})" '
            f"-X PATCH -H {shlex.quote(f'Content-Type: {MERGE_PATCH}')} --data {shlex.quote(body)} "
            f"{shlex.quote(f'{SERVER}{found.path}?fieldManager={FIELD_MANAGER}')}"
        )
        watch = "\n".join(f"curl -s -o /dev/null -w '%{{http_code}}\\n' {url}" for url in self.routes)
        return f"{patch}\n# then each route, until its answer changes ({self.wait_s:g} s at most):\n{watch}"

    def urls(self, context: Context) -> list[str]:
        return list(self.routes)

    def run(self, context: Context) -> Outcome:
        found = endpoint_slice(self.service, context.backend.name)
        before = {_key(url): _status(url) for url in self.routes}
        with _api() as api:
            try:
                as_found = tuple(api.get(found.path).get("endpoints") or ())
                api.merge_patch(found.path, patch_body(found.endpoints, self.conditions))
            except ApiRefused as refused:
                raise ProxylabError(
                    f"EndpointSlice {found.name}",
                    f"the API server refused the patch: {refused}",
                    "`make status` shows kube-apiserver; its message above says what it refused",
                ) from refused
            try:
                answers, changed, seconds = self._watch(before)
            except BaseException:
                # Leave the stack as the step found it, whatever stopped the watch.
                api.merge_patch(found.path, json.dumps({"endpoints": list(as_found)}).encode())
                raise
        fields = {
            "service": self.service,
            "conditions": self.conditions,
            "before": before,
            "answers": answers,
            "changed_after_s": changed,
            "seconds": seconds,
        }
        raw = "\n".join(f"{port}: {before[port]} -> {answers[port]}" for port in answers)
        return Outcome(fields, raw)

    def _watch(self, before: dict[str, Any]) -> tuple[dict[str, Any], dict[str, float | None], float]:
        """Each URL's answer once it differs from `before`, or as it still is after `wait_s`."""
        began = time.monotonic()
        answers = dict(before)
        changed: dict[str, float | None] = dict.fromkeys(before)
        while True:
            elapsed = time.monotonic() - began
            for url in self.routes:
                key = _key(url)
                if changed[key] is None:
                    answers[key] = _status(url)
                    if answers[key] != before[key]:
                        changed[key] = round(time.monotonic() - began, 1)
            if all(value is not None for value in changed.values()) or elapsed >= self.wait_s:
                return answers, changed, round(time.monotonic() - began, 1)
            time.sleep(POLL_S)


def _api() -> Api:
    found = Credentials(REPO / CREDENTIALS.folder)
    if not found.tokens.is_file():
        raise ProxylabError(
            "the Kubernetes control plane",
            f"has no credentials in {CREDENTIALS.folder}",
            "start the stack with its k8s profile: `make up K8S=1`",
        )
    return Api(SERVER, found.token(), found.ca)


def _key(url: str) -> str:
    """A route's answer is named by its port (`answers.9411`): a dotted field name holds no URL."""
    return str(urllib.parse.urlsplit(url).port)


def _status(url: str) -> int | str:
    """The status `url` answers, or the error that stood in its way."""
    try:
        return httpx.get(url, timeout=2.0).status_code
    except httpx.TransportError as error:
        return type(error).__name__


def _endpoint_ready(spec: Mapping[str, Any]) -> EndpointReadyAction:
    for key in ("ready", "serving"):
        if key in spec and not isinstance(spec[key], bool):
            raise ValueError(f"`endpoint-ready: {key}` is true or false, not {spec[key]!r}")
    if "ready" not in spec:
        raise ValueError("`endpoint-ready:` needs `ready` (true or false)")
    routes = spec.get("routes") or []
    if not isinstance(routes, list) or not routes or not all(isinstance(url, str) for url in routes):
        raise ValueError("`endpoint-ready: routes` is a list of the URLs to watch (http://...)")
    if len({_key(url) for url in routes}) != len(routes):
        raise ValueError("`endpoint-ready: routes` names each port once (its answer is named by its port)")
    return EndpointReadyAction(
        str(spec["service"]), spec["ready"], spec.get("serving"), tuple(routes), float(spec.get("wait", 10))
    )


ENDPOINT_READY = StepKind(
    "endpoint-ready",
    ("service", "ready", "serving", "routes", "wait"),
    ("service", "conditions", "before", "answers", "changed_after_s", "seconds"),
    _endpoint_ready,
    changes_the_stack=True,
)

KINDS = (ENDPOINT_READY,)
