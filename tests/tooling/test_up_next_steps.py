"""What `make up` ends with: the docs' experiment at its two URLs, `make lab N=01`, `make book`,
and lab 17's Kubernetes routes (or `make up K8S=1`, which adds them).

When these fail, a newcomer's first `make up` ends on URLs the README does not give (or that no
route serves), or on a lab book address `make book` does not use.
"""

from __future__ import annotations

from labs.book.__main__ import DEFAULT_PORT
from proxylab.cli import BOOK_URL, next_steps
from proxylab.compose import Stack, load
from proxylab.paths import REPO


def test_the_docs_experiment_is_the_readme_s_two_urls_the_working_one_first(real_stack: Stack) -> None:
    """README.md's "Then try": /docs through Traefik's stripping route works, on the app directly not."""
    lines = next_steps(real_stack)
    urls = [line.split()[0] for line in lines[1:3]]
    assert urls == ["http://127.0.0.1:9999/api/v1/docs", "http://127.0.0.1:8000/docs"], lines
    readme = (REPO / "README.md").read_text()
    assert f"open {urls[0]} (works) next to {urls[1]} (does not)" in readme
    assert "through traefik, which strips /api/v1" in lines[1]


def test_the_urls_follow_compose_yaml(edit, load_copy) -> None:
    """The URLs come from the `docs-*` routes, not from a copy: a port moved in compose.yaml moves here."""
    edit("compose.yaml", 'published: "9999", target: 9999', 'published: "9998", target: 9999')
    assert next_steps(load_copy())[1].split()[0] == "http://127.0.0.1:9998/api/v1/docs"


def test_then_the_first_lab_and_the_book_where_make_book_serves_it(real_stack: Stack) -> None:
    lines = next_steps(real_stack)
    assert lines[-3].split()[:3] == ["make", "lab", "N=01"]
    assert lines[-2].startswith("  make book") and lines[-2].endswith(BOOK_URL)
    assert BOOK_URL == f"http://127.0.0.1:{DEFAULT_PORT}"


def test_last_the_kubernetes_routes_or_how_to_start_them() -> None:
    """With the k8s profile, lab 17 on its routes; without it, the switch that adds them."""
    with_k8s = next_steps(load(REPO / "compose.yaml", env={"COMPOSE_PROFILES": "k8s"}))
    without = next_steps(load(REPO / "compose.yaml", env={}))
    assert with_k8s[-1].split()[:3] == ["make", "lab", "N=17"]
    assert without[-1].split()[:3] == ["make", "up", "K8S=1"]
