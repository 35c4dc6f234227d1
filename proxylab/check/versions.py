"""`make check`'s `versions`: one upstream version of each component, wherever it runs.

What: for every row of `make versions` (proxylab/versions.py: fastapi, starlette, uvicorn,
python, and each image compose.yaml pins), the upstream version compose.yaml or constraints.txt
pins, the one the native backend runs and the one compose.debian.yaml's images are built from
must be the same, unless README.md's table "Versions that differ by backend" names the component
and says why.
When: `make check`, with no engine and no stack.
Why: a lab's expectation is a fact of the pinned version only if that version is what runs; a
stand-in image named after a Debian suite (`proxylab/nginx:bookworm`) once ran Nginx 1.22 under
a pin of 1.30, and nothing said so.
"""

from __future__ import annotations

from pathlib import Path

from proxylab.check.common import Finding, verdict
from proxylab.compose import Stack
from proxylab.paths import REPO
from proxylab.versions import pins

README_HEADING = "Versions that differ by backend"


def known_differences(readme: Path) -> set[str]:
    """The components README's table names (its first column), lower-cased."""
    lines = readme.read_text().splitlines() if readme.is_file() else []
    start = next((i for i, line in enumerate(lines) if line.startswith("#") and README_HEADING in line), None)
    if start is None:
        return set()
    names: set[str] = set()
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.lstrip().startswith("|") and cells and not set(cells[0]) <= set("-: "):
            names.add(cells[0].strip("`").lower())
    names.discard("component")
    return names


def check_versions(stack: Stack, readme: Path = REPO / "README.md") -> list[Finding]:
    known = known_differences(readme)
    problems = []
    for pin in pins(stack):
        pinned, native, images = pin.upstreams()
        if pinned == native == images or pin.component in known:
            continue
        problems.append(
            f"{pin.component}: {pin.where} pins {pinned}, the native backend runs {native} and "
            f"compose.debian.yaml's image is {images}; make them one version (the image tag names the "
            f"upstream version: `proxylab/{pin.component}:{pinned}`), or say why in README's table "
            f'"{README_HEADING}"'
        )
    passed = "every component runs one upstream version on both backends"
    if known:
        passed += f" (README.md says why {', '.join(sorted(known))} may differ)"
    return verdict("versions", problems, passed)
