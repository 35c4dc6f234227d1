"""The lab files tests/labs/test_book_kinds_live.py serves in the book: a step of every kind.

READS holds the kinds that leave the stack as it is (a request through each proxy, docs, reuse,
keepalive, websocket, sse, bench-report); CHANGES the kinds that stop, restart or load services,
in an order that leaves the stack as it began (the stop before its start); RELEASES release-set,
which runs natively only (lab 14's rule); ENDPOINTS lab 17's endpoint-ready, on the k8s
profile's control plane (an endpoint out of the routes, then back).
Short durations and rates: they show how each kind renders, not what lab 07 or lab 10 measure.
"""

from __future__ import annotations

PROXIES = {"traefik": 9999, "nginx": 9102, "caddy": 9202, "haproxy": 9302}
READS = "01-every-kind-that-reads"
CHANGES = "02-every-kind-that-changes-the-stack"
RELEASES = "03-release-set"
ENDPOINTS = "04-endpoint-ready"
_REQUEST = """\
  - title: Through {proxy}
    request: {{url: "http://127.0.0.1:{port}/api/v1/app"}}
    expect: {{status: 200, body.path: /api/v1/app, body.root_path: /api/v1}}
    why: The route strips /api/v1 and uvicorn's --root-path puts it back.
"""
LAB_FILES = {
    READS: "title: Every kind that reads\ntime: 2 minutes\n"
    + "goal: Each kind that leaves the stack as it is.\nsteps:\n"
    + "".join(_REQUEST.format(proxy=proxy, port=port) for proxy, port in PROXIES.items())
    + """\
  - title: The docs page through Traefik
    docs: {url: "http://127.0.0.1:9999/api/v1/docs"}
    show: [openapi_url]
    expect: {status: 200, schema.status: 200}
    why: The page names its schema under the prefix, and Traefik serves it there (lab 01).
  - title: Two requests through Nginx
    reuse: {url: "http://127.0.0.1:9102/api/v1/app", gap: 0.2}
    expect: {statuses: [200, 200]}
    why: Two requests, and the ports the app saw them from (lab 16).
  - title: Two GETs on one connection
    keepalive: {url: "http://127.0.0.1:8001/health/live", idle: 0.2}
    expect: {first: "200", second: "200"}
    why: Well inside uvicorn's keep-alive timeout, the connection still carries a request (lab 07).
  - title: A WebSocket through Nginx
    websocket: {url: "ws://127.0.0.1:9102/api/v1/ws"}
    expect: {status: 101, echo: hello}
    why: Nginx passes Upgrade and Connection on for this route (lab 12).
  - title: An event stream through Traefik
    sse: {url: "http://127.0.0.1:9002/api/v1/stream?ticks=2"}
    expect: {status: 200, events: [tick 1, tick 2, bye done]}
    why: Traefik flushes an event stream after every write (lab 12).
  - title: The last bench
    bench-report: {file: reports/bench.json}
    show: [found]
    why: The last `make bench`, or how to make one (lab 10).
""",
    CHANGES: """\
title: Every kind that changes the stack
steps:
  - title: A replica stops
    stop: {service: app-plain-replica-2}
    expect: {state: stopped}
    why: The presenter's page may stop a service; a reader's may not.
  - title: It starts again
    start: {service: app-plain-replica-2}
    expect: {state: healthy}
    why: Started again and waited for until healthy, so the stack ends as it began.
  - title: The kubelet's view of a healthy instance
    probe-sim: {url: "http://127.0.0.1:8010", duration: 2, readiness: {periodSeconds: 1}}
    show: [decision]
    why: The kubelet's probes, simulated against an instance nobody restarts (lab 06).
  - title: A replica restarted under load
    rolling-restart: {url: "http://127.0.0.1:9021/api/v1/app", replica: app-plain-replica-1,
                      rate: 20, duration: 3, signal_at: 1}
    expect: {requests: 60}
    why: A steady load while the replica is stopped and started (lab 07).
  - title: A second of load per target
    bench: {path: /app, seconds: 1}
    expect: {traefik.errors: 0, haproxy.errors: 0}
    why: wrk through each proxy and directly (lab 10).
""",
    ENDPOINTS: """\
title: An endpoint out of the routes and back
profiles: [k8s]
steps:
  - title: app-plain not ready
    endpoint-ready: {service: app-plain, ready: false, serving: false,
                     routes: ["http://127.0.0.1:9421/api/v1/app"], wait: 5}
    expect: {answers: {"9421": 503}}
    why: The Gateway provider drops an endpoint that is not ready (lab 17).
  - title: app-plain ready again
    endpoint-ready: {service: app-plain, ready: true, routes: ["http://127.0.0.1:9421/api/v1/app"], wait: 5}
    expect: {answers: {"9421": 200}}
    why: Back as k8s/ wrote it, so the stack ends as it began.
""",
    RELEASES: """\
title: The app under today's pins again
backends: [native]
steps:
  - title: Back to today's pins
    release-set: {set: pinned, services: [app-plain-replica-2]}
    expect: {uvicorn: 0.55.0}
    why: The replica restarted from proxylab's own virtualenv (lab 14).
""",
}
