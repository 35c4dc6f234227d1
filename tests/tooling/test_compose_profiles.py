"""compose.yaml's profiles, read as Compose reads them: the k8s profile's services (the control
plane and traefik-k8s) are in the stack only when COMPOSE_PROFILES names k8s (or `*`).

A failure means the native backend would start what `docker compose up` does not (or leave out
what it starts), or a suite would probe routes that are not running.
"""

from __future__ import annotations

from proxylab.compose import ALL_PROFILES, active_profiles, load
from proxylab.paths import REPO

K8S_SERVICES = ("k8s-credentials", "kine", "kube-apiserver", "k8s-objects", "traefik-k8s")


def test_without_a_profile_the_k8s_services_are_left_out_and_named() -> None:
    stack = load(REPO / "compose.yaml", env={})
    assert not set(K8S_SERVICES) & set(stack.services)
    assert stack.inactive == {"k8s": K8S_SERVICES}
    assert not [route for route in stack.routes if route.proxy == "traefik-k8s"]


def test_compose_profiles_k8s_adds_them_and_their_routes() -> None:
    stack = load(REPO / "compose.yaml", env={"COMPOSE_PROFILES": "k8s"})
    assert set(K8S_SERVICES) <= set(stack.services)
    assert stack.inactive == {}
    ports = [route.port for route in stack.routes if route.proxy == "traefik-k8s"]
    assert ports == [9402, 9411, 9412, 9416, 9421, 9422, 9426, 9431, 9441]


def test_every_profile_and_an_unknown_one() -> None:
    """`*` is Compose's every profile (make check, the route table); a profile nothing uses adds nothing."""
    every = load(REPO / "compose.yaml", env={}, profiles=ALL_PROFILES)
    other = load(REPO / "compose.yaml", env={"COMPOSE_PROFILES": "debug, other"})
    assert set(K8S_SERVICES) <= set(every.services)
    assert not set(K8S_SERVICES) & set(other.services)
    assert active_profiles({"COMPOSE_PROFILES": " k8s ,debug,"}) == ("k8s", "debug")


def test_the_k8s_services_start_after_what_they_need() -> None:
    """kube-apiserver after its credentials and kine; the objects after it; traefik-k8s last."""
    waves = load(REPO / "compose.yaml", env={"COMPOSE_PROFILES": "k8s"}).start_order()
    wave = {name: index for index, names in enumerate(waves) for name in names}
    assert wave["k8s-credentials"] < wave["kube-apiserver"] and wave["kine"] < wave["kube-apiserver"]
    assert wave["kube-apiserver"] < wave["k8s-objects"] < wave["traefik-k8s"]


def test_a_command_without_compose_profiles_sees_what_up_started(tmp_path, monkeypatch) -> None:
    """`make up K8S=1` then `make lab N=17`: the lab's command has no COMPOSE_PROFILES of its own
    and would skip every step as if the control plane were not running."""
    from proxylab import compose

    monkeypatch.setattr(compose, "PROFILES_FILE", tmp_path / "profiles")
    monkeypatch.delenv("COMPOSE_PROFILES", raising=False)
    assert active_profiles() == ()
    compose.record_profiles(("k8s",))
    assert active_profiles() == ("k8s",)
    assert "traefik-k8s" in load(REPO / "compose.yaml").services
    # Its own COMPOSE_PROFILES wins (make test, `make up` itself), and `down` forgets the record.
    monkeypatch.setenv("COMPOSE_PROFILES", "")
    assert active_profiles() == ()
    monkeypatch.delenv("COMPOSE_PROFILES")
    compose.record_profiles(())
    assert active_profiles() == () and not (tmp_path / "profiles").exists()
