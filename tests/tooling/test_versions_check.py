"""`make check`'s versions: one upstream version of each component on both backends
(proxylab/check/versions.py), unless README's table says why."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from proxylab.check.versions import README_HEADING, check_versions, known_differences
from proxylab.compose import Stack
from proxylab.paths import REPO
from proxylab.versions import pins


def _failures(stack: Stack, readme: Path = REPO / "README.md") -> list[str]:
    return [finding.message for finding in check_versions(stack, readme) if not finding.ok]


def test_the_repo_runs_one_version_of_each_component(real_stack: Stack) -> None:
    assert _failures(real_stack) == []


def test_every_image_compose_yaml_pins_is_a_row(real_stack: Stack) -> None:
    """Lab 16's bookworm releases are rows of their own, not hidden behind the pinned ones."""
    rows = {pin.component: pin.pinned for pin in pins(real_stack)}
    assert rows["nginx"] == "1.30.6" and rows["nginx (nginx-bookworm)"] == "1.22.1"
    assert rows["haproxy"] == "3.2.26" and rows["haproxy (haproxy-bookworm)"] == "2.6.12"


def test_a_pin_the_images_do_not_follow_fails_naming_it(real_stack: Stack) -> None:
    """compose.yaml moved to nginx 1.29.0 but compose.debian.yaml still builds 1.30.6."""
    nginx = real_stack.services["nginx"]
    services = {**real_stack.services, "nginx": dataclasses.replace(nginx, image="nginx:1.29.0-alpine")}
    edge = services["edge"]
    services["edge"] = dataclasses.replace(edge, image="nginx:1.29.0-alpine")
    moved = dataclasses.replace(real_stack, services=services)
    failures = _failures(moved)
    assert len(failures) == 1 and failures[0].startswith("nginx: compose.yaml pins 1.29.0"), failures
    assert "compose.debian.yaml's image is 1.30.6" in failures[0]


def test_a_difference_is_allowed_only_where_readme_s_table_says_why(
    real_stack: Stack, tmp_path: Path
) -> None:
    """Without the table the python row (3.11.11, the machine's, Debian's 3.11) fails."""
    bare = tmp_path / "README.md"
    bare.write_text("# proxylab\n")
    assert "python" in known_differences(REPO / "README.md")
    assert [message.split(":")[0] for message in _failures(real_stack, bare)] == ["python"]


def test_the_table_is_read_from_its_heading_to_the_next(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        f"## Pins\n\n| component | why |\n| --- | --- |\n| nginx | no |\n\n### {README_HEADING}\n\n"
        "| component | compose.yaml | why |\n| --- | --- | --- |\n| `python` | 3.11 | patch |\n\n"
        "## Tests\n| redis | x |\n"
    )
    assert known_differences(readme) == {"python"}
