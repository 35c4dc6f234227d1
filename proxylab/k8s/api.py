"""A small client of the real API server: discovery, server-side apply, reads.

What: `Api(server, token, ca)` finds each kind's resource path the way kubectl does (discovery:
/api/v1, /apis/<group>/<version>), applies objects with server-side apply (PATCH with
`application/apply-patch+yaml`, field manager `proxylab`), and reads them back. A refusal is raised
as ApiRefused carrying the API server's own Status: its code, reason and message, unchanged.
When: manifests.py applies k8s/ and the Gateway API CRDs with it; the tests read objects with it;
lab 17's endpoint-ready step merge-patches an EndpointSlice with it (labs/kinds/k8s.py).
Why not kubectl: the project builds kube-apiserver, not kubectl, and needs four calls of its API.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

FIELD_MANAGER = "proxylab"
MERGE_PATCH = "application/merge-patch+json"


@dataclass(frozen=True)
class Resource:
    """Where objects of one kind live: /apis/networking.k8s.io/v1 + ingresses, namespaced."""

    base: str
    plural: str
    namespaced: bool

    def path(self, name: str, namespace: str | None) -> str:
        scope = f"/namespaces/{namespace}" if self.namespaced else ""
        return f"{self.base}{scope}/{self.plural}/{name}"


class ApiRefused(Exception):
    """The API server said no: its Status, as it sent it."""

    def __init__(self, code: int, reason: str, message: str) -> None:
        self.code, self.reason, self.message = code, reason, message
        super().__init__(f"{code} {reason}: {message}")


class Api:
    """The API server at `server`, as the holder of `token`."""

    def __init__(self, server: str, token: str, ca: Path, timeout: float = 10.0) -> None:
        self.client = httpx.Client(
            base_url=server,
            headers={"Authorization": f"Bearer {token}"},
            verify=ssl.create_default_context(cafile=str(ca)),
            timeout=timeout,
        )
        self._resources: dict[tuple[str, str], Resource] = {}
        # The API server's Warning headers, as kubectl prints them ("FQDN endpoints are deprecated").
        self.warnings: list[str] = []

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def wait_ready(self, timeout: float, still_starting: Callable[[], None] = lambda: None) -> float:
        """Seconds until /readyz answers 200. `still_starting()` may raise to stop the wait (a
        process that exited); after `timeout` seconds, TimeoutError carrying the last answer."""
        started = time.monotonic()
        last = "no answer yet"
        while time.monotonic() - started < timeout:
            still_starting()
            try:
                response = self.client.get("/readyz")
                if response.status_code == 200:
                    return time.monotonic() - started
                last = f"/readyz said {response.status_code}"
            except httpx.TransportError as error:
                last = str(error) or type(error).__name__
            time.sleep(0.2)
        raise TimeoutError(last)

    def get(self, path: str) -> dict:
        return self._checked(self.client.get(path))

    def resource(self, api_version: str, kind: str, wait: float = 0.0) -> Resource:
        """The resource of `kind` in `api_version`; a CRD's appears only once it is established,
        so a caller that has just applied one waits up to `wait` seconds for discovery to list it."""
        deadline = time.monotonic() + wait
        while (api_version, kind) not in self._resources:
            self._discover(api_version)
            if (api_version, kind) in self._resources or time.monotonic() >= deadline:
                break
            time.sleep(0.25)
        found = self._resources.get((api_version, kind))
        if found is None:
            served = f"the API server serves no {kind} in {api_version} (is its CRD applied?)"
            raise ApiRefused(404, "NotFound", served)
        return found

    def apply(self, document: dict, namespace: str | None = None, wait: float = 0.0) -> dict:
        """Server-side apply of one object; returns it as the API server stored it."""
        resource = self.resource(document["apiVersion"], document["kind"], wait)
        meta = document.setdefault("metadata", {})
        if resource.namespaced:
            meta.setdefault("namespace", namespace or "default")
        response = self.client.patch(
            resource.path(meta["name"], meta.get("namespace")),
            params={"fieldManager": FIELD_MANAGER, "force": "true"},
            content=yaml.safe_dump(document).encode(),
            headers={"Content-Type": "application/apply-patch+yaml"},
        )
        for warning in response.headers.get_list("warning"):
            # RFC 7234's form, as the API server sends it: 299 - "text".
            text = warning.split(" - ", 1)[-1].strip('"')
            self.warnings.append(f"{document['kind']}/{meta['name']}: {text}")
        return self._checked(response)

    def merge_patch(self, path: str, body: bytes) -> dict:
        """A JSON merge patch (RFC 7386) of the object at `path`, as `kubectl patch --type merge`
        and `curl -X PATCH` send it; returns the object as the API server stored it."""
        response = self.client.patch(
            path,
            params={"fieldManager": FIELD_MANAGER},
            content=body,
            headers={"Content-Type": MERGE_PATCH},
        )
        return self._checked(response)

    def read(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> dict:
        resource = self.resource(api_version, kind)
        return self.get(resource.path(name, namespace if resource.namespaced else None))

    def _discover(self, api_version: str) -> None:
        base = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
        try:
            listed = self.get(base)
        except ApiRefused as refused:
            if refused.code == 404:
                return
            raise
        for entry in listed.get("resources", []):
            if "/" not in entry["name"]:  # not a subresource (ingresses/status)
                self._resources[(api_version, entry["kind"])] = Resource(
                    base, entry["name"], entry["namespaced"]
                )

    @staticmethod
    def _checked(response: httpx.Response) -> dict:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.is_success:
            return body
        raise ApiRefused(
            response.status_code,
            body.get("reason", response.reason_phrase),
            body.get("message", response.text.strip()),
        )
