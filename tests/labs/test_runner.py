"""The runner without a stack: which fields a step judges, and what a stopped stack looks like.

When these fail, a step's table would lose a field it shows or expects, or `make lab` on a
stopped stack would print a screen of connection errors instead of "run `make up`".
"""

from __future__ import annotations

import socket
from types import SimpleNamespace

import pytest
from lab_fakes import FakeAction, fake_lab, fake_step

from labs.fields import MISSING
from labs.model import LabFileError, Step, load_lab
from labs.runner import require_stack, run_step
from proxylab.compose import Route
from proxylab.errors import ProxylabError


def test_a_step_judges_its_shown_fields_then_every_expected_one(native_context):
    """A field that is expected but not in `show` would be checked silently, or not at all."""
    step = fake_step(
        show=("body.path", "status"),
        expect={"status": 200, "headers.location": {"absent": True}},
        fields={"status": 200, "body": {"path": "/app"}, "headers": {}},
    )
    result = run_step(fake_lab(step), step, native_context)
    assert [(c.field, c.expected, c.ok) for c in result.verdicts] == [
        ("body.path", None, True),
        ("status", "200", True),
        ("headers.location", "(absent)", True),
    ]
    assert result.verdicts[2].actual is MISSING and result.ok


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def context_with_route(port: int) -> SimpleNamespace:
    route = Route("strip-to-app-plain", "traefik", "127.0.0.1", port, "app-plain", True)
    return SimpleNamespace(
        backend=SimpleNamespace(name="native"),
        stack=SimpleNamespace(routes=[route]),
        target=None,
        expand=lambda text: text,
    )


def lab_calling(url: str):
    return fake_lab(Step(1, "Call", "request", FakeAction({}, url=url), (), {}, ""))


def test_a_stopped_stack_says_run_make_up(native_context):
    """`make lab` on a stopped stack would show connection errors as if the lab were wrong."""
    port = closed_port()
    lab = lab_calling(f"http://127.0.0.1:{port}/api/v1/app")
    with pytest.raises(ProxylabError) as raised:
        require_stack([lab], context_with_route(port))
    rendered = raised.value.render()
    assert "the stack is not running: run `make up`" in rendered
    assert f"127.0.0.1:{port} (traefik/strip-to-app-plain)" in rendered, rendered


def test_a_url_outside_the_routes_is_not_required_to_answer():
    """A lab that calls a closed port on purpose (a stopped upstream) could never start."""
    route_port = closed_port()
    require_stack([lab_calling(f"http://127.0.0.1:{route_port + 1}/")], context_with_route(route_port))


def test_a_placeholder_naming_no_service_is_a_lab_file_error_before_any_traffic(write_lab, native_context):
    """A typo in `{upstream:…}` would crash mid-lab with a KeyError traceback."""
    lab = load_lab(
        write_lab(
            "title: T\nsteps:\n  - title: Nginx defaults\n    request: {url: 'http://127.0.0.1:1/'}\n"
            "    expect: {body.host_header: '{upstream:app-server-rootpath}'}\n"
        )
    )
    with pytest.raises(
        LabFileError,
        match=r"01-test\.yaml, step 1 \('Nginx defaults'\): "
        r"\{upstream:app-server-rootpath\} names no service",
    ):
        require_stack([lab], native_context)


def test_a_lab_for_one_backend_is_skipped_on_the_other(write_lab, native_context):
    """Lab 14 (`backends: [native]`) would fail on the Compose session instead of being skipped,
    or run nowhere at all."""
    from dataclasses import replace

    from labs.runner import run_lab

    step = fake_step()
    native_only = replace(fake_lab(step), backends=("native",))
    compose = SimpleNamespace(
        stack=native_context.stack, backend=SimpleNamespace(name="compose"), target=None
    )
    reason = "runs on the native backend only: `make down`, then `BACKEND=native make up`"
    assert [(result.skipped, result.skip_reason) for result in run_lab(native_only, compose)] == [
        (True, reason)
    ]
    assert step.action.ran == []
    assert [result.skipped for result in run_lab(native_only, native_context)] == [False]
    path = write_lab(
        "title: T\nbackends: [native]\nsteps:\n  - title: S\n    request: {url: http://127.0.0.1:8000/app}\n"
    )
    assert load_lab(path).backends == ("native",)
    with pytest.raises(LabFileError, match="backends"):
        load_lab(
            write_lab(
                "title: T\nbackends: [k8s]\nsteps:\n  - title: S\n    request: {url: http://127.0.0.1:8000/app}\n"
            )
        )


def test_a_lab_whose_profile_is_left_out_is_skipped_with_what_to_run(write_lab, native_context):
    """Lab 17 (`profiles: [k8s]`) would fail "the stack is not running" on a stack started without
    the control plane, instead of being skipped with the command that adds it."""
    from dataclasses import replace

    from labs.runner import run_lab

    step = fake_step()
    k8s_lab = replace(fake_lab(step), profiles=("k8s",))
    without = replace(
        native_context, stack=replace(native_context.stack, inactive={"k8s": ("kine", "traefik-k8s")})
    )
    results = run_lab(k8s_lab, without)
    reason = (
        "needs compose.yaml's profile k8s, which the stack runs without: `make down`, then `make up K8S=1`"
    )
    assert [(result.skipped, result.skip_reason) for result in results] == [(True, reason)]
    assert step.action.ran == []
    require_stack([k8s_lab], without)  # asks nothing of a lab it will skip
    with_k8s = replace(native_context, stack=replace(native_context.stack, inactive={}))
    assert [result.skipped for result in run_lab(k8s_lab, with_k8s)] == [False]
    text = "steps:\n  - title: S\n    request: {url: http://127.0.0.1:8000/app}\n"
    assert load_lab(write_lab(f"title: T\nprofiles: [k8s]\n{text}")).profiles == ("k8s",)
    with pytest.raises(LabFileError, match="`profiles:` is a list of compose.yaml's profiles"):
        load_lab(write_lab(f"title: T\nprofiles: [kubernetes]\n{text}"))
