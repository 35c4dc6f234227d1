"""Every kind of step a lab can take, looked up by the action key the lab file writes.

| module | kinds | what they do |
| --- | --- | --- |
| `request.py` | `request`, `docs`, `reuse` | one HTTP request; a docs page and its schema; a GET twice |
| `stack.py` | `stop`, `start`, `probe-sim`, `rolling-restart`, `keepalive` | act on services (labs 06, 07) |
| `bench.py` | `bench`, `bench-report` | a short wrk load; the last `make bench` (lab 10) |
| `streams.py` | `websocket`, `sse` | a WebSocket and one echo; an SSE stream, timed (lab 12) |
| `versions.py` | `release-set` | the app services under another uvicorn/Starlette/FastAPI set (lab 14) |
| `k8s.py` | `endpoint-ready` | an EndpointSlice's conditions set through kube-apiserver (lab 17) |

Each module lists its kinds in a `KINDS` tuple; this table is built from those tuples once, here,
so no module registers itself by being imported (and nothing imports this package back).
A new kind is a `StepKind` (labs/kinds/base.py) in one of those tuples, or a new module here.
"""

from __future__ import annotations

from labs.kinds import bench, k8s, request, stack, streams, versions
from labs.kinds.base import Action, Outcome, StepKind

KINDS: dict[str, StepKind] = {
    kind.name: kind for module in (request, stack, bench, streams, versions, k8s) for kind in module.KINDS
}

__all__ = ["KINDS", "Action", "Outcome", "StepKind"]
