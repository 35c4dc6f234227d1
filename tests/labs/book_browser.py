"""What the lab book's browser tests share: where screenshots and measurements go, axe-core (the
accessibility checker `make axe` installs), and a screenshot that must show a drawn page."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from book_server import blank

from instruments.chromium.driver import screenshot
from proxylab.paths import REPORTS_DIR

SHOTS = REPORTS_DIR / "book"
AXE = (
    Path(os.environ.get("PROXYLAB_NPM_DIR", Path.home() / ".cache/proxylab/npm"))
    / "node_modules/axe-core/axe.min.js"
)
# WCAG 2.1 A and AA (headings, labels, names, contrast...) and axe's best practices (landmarks).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def shoot(target: Any, name: str, **options: Any) -> Path:
    """A screenshot of a page or a Locator (the same options) into reports/book/, which must not
    be blank: a page that drew nothing would otherwise pass every check that found nothing."""
    path = SHOTS / f"{name}.png"
    screenshot(target, path, **options)
    assert blank(path) is None, blank(path)
    return path


def axe_findings(page: Any) -> list[str]:
    """axe-core's violations on the page as it is now, one line each (rule, impact, where);
    skips the test where axe-core is not installed (CI installs it: test_axe_core_is_installed)."""
    if not AXE.is_file():
        pytest.skip(f"axe-core is not installed ({AXE}); run `make axe`")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(n['target'][0] for n in v['nodes'][:3])}"
        for v in result["violations"]
    ]


def record(name: str, values: dict[str, float]) -> None:
    """Add `values` to reports/book/<name>.json: what the tests measured, for the closing note."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    out = SHOTS / f"{name}.json"
    old = json.loads(out.read_text()) if out.is_file() else {}
    out.write_text(json.dumps(old | values, indent=2) + "\n", encoding="utf-8")
