"""PROXYLAB_TARGET: the labs' routes served somewhere else, a deployed stack reached by URL.

What: `PROXYLAB_TARGET=path/to/target.yaml` names a file mapping each published origin the labs
write (`http://127.0.0.1:9411`) to the origin that serves the same route there:

    # k8s/cluster behind the cluster's Traefik, its 94xx entry points on a load balancer
    routes:
      http://127.0.0.1:9411: http://203.0.113.7:9411
      http://127.0.0.1:9421: http://rewrite-to-app-plain.lab.example.com

`Target.retarget(text)` puts the mapped origin in place of the published one wherever a lab's URL
or expected value names it (proxylab/context.py expands every one through it), so the curl command
a step shows is the command run: the same URL, and the Host header curl derives from it, which the
labs' client sends too (instruments/client.py). A step runs against the target only if every URL
it sends to is mapped and it changes nothing of the stack (labs/runner.py skips the others:
a restart of a local service, a load on a local proxy, a record read from this machine).
When: `PROXYLAB_TARGET=… make labs` (any `python -m labs verify`); reports name the file and
every mapping they ran against (labs.json's `target`).
Why a map of routes, not one base URL: every route here is a port of its own, and a cluster
serves them as its ingress does, on ports of one address or on names of one port; one base URL
would send every route to the same place. Why origins only, no path: the path is what the labs
measure (the prefix, its slash, what the proxy strips), so it stays as the lab wrote it. Why no
Host of its own: a route served by name needs that name to resolve (DNS, /etc/hosts), so that
curl and the labs' client send the same Host from the same URL.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from proxylab.errors import ProxylabError

VARIABLE = "PROXYLAB_TARGET"
_ORIGIN = re.compile(r"^https?://[^/?#\s]+/?$")  # a trailing slash is allowed, and dropped


@dataclass(frozen=True)
class Target:
    """Published origin → the origin that serves that route elsewhere, read from `path`."""

    path: Path
    routes: dict[str, str]

    @classmethod
    def read(cls, path: Path) -> Target:
        try:
            data = yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError) as error:
            raise ProxylabError(
                f"{VARIABLE}={path}", f"cannot be read: {error}", "name a YAML file"
            ) from None
        routes = data.get("routes") if isinstance(data, dict) else None
        if not isinstance(routes, dict) or not routes:
            raise ProxylabError(
                f"{VARIABLE}={path}",
                "has no `routes:` mapping",
                "map each published origin to where it is served: `http://127.0.0.1:9411: http://host:9411`",
            )
        for published, served in routes.items():
            if not all(isinstance(o, str) and _ORIGIN.match(o) for o in (published, served)):
                raise ProxylabError(
                    f"{VARIABLE}={path}",
                    f"maps {published!r} to {served!r}: both must be origins (scheme://host:port, no path)",
                    "write the route's path in the lab, not here",
                )
        return cls(path, {published.rstrip("/"): served.rstrip("/") for published, served in routes.items()})

    def retarget(self, text: str) -> str:
        """Every mapped origin in `text` replaced; `http://127.0.0.1:94110` is not `…:9411`."""
        for published, served in self.routes.items():
            text = re.sub(rf"{re.escape(published)}(?![\d])", served, text)
        return text

    def serves(self, url: str) -> bool:
        """`url` goes to one of the target's origins (it was retargeted)."""
        return any(re.match(rf"{re.escape(served)}(?![\d])", url) for served in self.routes.values())

    def describe(self) -> dict[str, object]:
        """What a report says it ran against."""
        return {"file": str(self.path), "routes": dict(self.routes)}


def from_environment(environ: dict[str, str] | None = None) -> Target | None:
    """The target PROXYLAB_TARGET names, or None: the published addresses of this machine."""
    value = (os.environ if environ is None else environ).get(VARIABLE)
    return Target.read(Path(value)) if value else None
