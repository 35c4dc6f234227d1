"""Lab 17's endpoint-ready step without a control plane: what it sends, what it shows, what it puts back.

When these fail, the curl on the slide would send another PATCH than the step (a person pasting
it would change another object, or nothing), a step that fails while it watches would leave
app-plain out of Traefik's routes for every lab after it, or a typo in the step would surface
on the projector instead of when the lab loads.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

import pytest

from labs.kinds import KINDS
from labs.kinds import k8s as kind
from labs.model import LabFileError, load_lab

ROUTES = ["http://127.0.0.1:9411/api/v1/app", "http://127.0.0.1:9421/api/v1/app"]
NOT_READY = {"ready": False, "serving": False}
SPEC = {"service": "app-plain", "ready": False, "serving": False, "routes": ROUTES, "wait": 0.5}


class _Api:
    """The API server as the step sees it: the slice as k8s/native wrote it, every patch recorded."""

    def __init__(self) -> None:
        self.patches: list[tuple[str, dict[str, Any]]] = []

    def __enter__(self) -> _Api:
        return self

    def __exit__(self, *_: object) -> None:
        pass

    def get(self, path: str) -> dict:
        return {"endpoints": [{"addresses": ["127.0.0.1"], "conditions": {"ready": True}}]}

    def merge_patch(self, path: str, body: bytes) -> dict:
        self.patches.append((path, json.loads(body)))
        return {}


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> _Api:
    fake = _Api()
    monkeypatch.setattr(kind, "_api", lambda: fake)
    return fake


def test_the_curl_shown_sends_the_patch_the_step_sends(api, monkeypatch, native_context):
    """The slide's curl and the step would PATCH different objects or bodies."""
    answers = iter([200, 200, 404, 503])
    monkeypatch.setattr(kind, "_status", lambda url: next(answers))
    action = KINDS["endpoint-ready"].parse(SPEC)
    patch, *watch = action.command(native_context).splitlines()
    argv = shlex.split(patch)
    url = argv[-1]
    assert argv[:4] == ["curl", "-s", "--cacert", ".run/k8s/ca.pem"]
    assert argv[argv.index("-X") + 1] == "PATCH"
    assert "Content-Type: application/merge-patch+json" in argv
    assert "Authorization: Bearer $(cat .run/k8s/token)" in argv  # the shell reads the token file
    outcome = action.run(native_context)
    [(path, body)] = api.patches
    assert url == f"{kind.SERVER}{path}?fieldManager=proxylab"
    assert path == "/apis/discovery.k8s.io/v1/namespaces/proxylab/endpointslices/app-plain"
    assert json.loads(argv[argv.index("--data") + 1]) == body
    assert body == {"endpoints": [{"addresses": ["127.0.0.1"], "conditions": NOT_READY}]}
    assert outcome.fields["before"] == {"9411": 200, "9421": 200}
    assert outcome.fields["answers"] == {"9411": 404, "9421": 503}
    assert [line.split()[-1] for line in watch if line.startswith("curl")] == ROUTES


def test_a_route_that_does_not_change_is_watched_for_wait_seconds_only(api, monkeypatch, native_context):
    """A step whose routes answer as before (ready false alone, on 9411) would never end."""
    monkeypatch.setattr(kind, "_status", lambda url: 200)
    outcome = KINDS["endpoint-ready"].parse({**SPEC, "wait": 0.3}).run(native_context)
    assert outcome.fields["changed_after_s"] == {"9411": None, "9421": None}
    assert 0.3 <= outcome.fields["seconds"] < 2


def test_a_step_stopped_while_it_watches_puts_the_endpoints_back(api, monkeypatch, native_context):
    """app-plain would stay out of Traefik's routes after a Ctrl-C or a failed request."""
    calls = iter([200, 200])

    def status(url: str) -> int:
        try:
            return next(calls)
        except StopIteration:
            raise KeyboardInterrupt from None

    monkeypatch.setattr(kind, "_status", status)
    with pytest.raises(KeyboardInterrupt):
        KINDS["endpoint-ready"].parse(SPEC).run(native_context)
    assert [body for _, body in api.patches] == [
        {"endpoints": [{"addresses": ["127.0.0.1"], "conditions": NOT_READY}]},
        {"endpoints": [{"addresses": ["127.0.0.1"], "conditions": {"ready": True}}]},
    ]


def test_serving_left_out_is_left_unset(native_context):
    """`ready: false` alone must leave serving unset, which the Ingress provider reads as serving."""
    action = KINDS["endpoint-ready"].parse({"service": "app-plain", "ready": False, "routes": ROUTES})
    assert action.conditions == {"ready": False}
    assert '"conditions":{"ready":false}' in action.command(native_context)


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({"service": "app-plain", "routes": ROUTES}, "needs `ready`"),
        ({**SPEC, "ready": "no"}, "true or false"),
        ({**SPEC, "routes": []}, "list of the URLs"),
        ({**SPEC, "routes": [ROUTES[0], ROUTES[0]]}, "each port once"),
    ],
)
def test_a_malformed_endpoint_ready_step_fails_at_load_time(write_lab, spec, problem):
    path = write_lab(
        "title: T\nprofiles: [k8s]\nsteps:\n  - title: S\n    endpoint-ready: " + json.dumps(spec) + "\n"
    )
    with pytest.raises(LabFileError, match=problem):
        load_lab(path)


@pytest.mark.parametrize(("backend", "address"), [("native", "127.0.0.1"), ("compose", "172.30.0.10")])
def test_each_backend_patches_the_slice_it_applied(native_context, backend, address):
    """Lab 17 runs on both backends: on one of them the step would send the other's addresses,
    and the patch would move app-plain's endpoint somewhere its Traefik cannot reach."""
    from proxylab.backend import choose
    from proxylab.context import Context

    context = Context(native_context.stack, choose(native_context.stack, wanted=backend))
    patch = KINDS["endpoint-ready"].parse(SPEC).command(context).splitlines()[0]
    argv = shlex.split(patch)
    body = json.loads(argv[argv.index("--data") + 1])
    assert body == {"endpoints": [{"addresses": [address], "conditions": NOT_READY}]}


def test_a_service_with_no_endpoint_slice_is_named(native_context):
    with pytest.raises(kind.ProxylabError, match="no EndpointSlice labelled"):
        KINDS["endpoint-ready"].parse({**SPEC, "service": "app-nowhere"}).command(native_context)
