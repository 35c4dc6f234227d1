"""One configuration's record: each check's status, the symptoms, and how much was exercised.

What: `Checks` holds, for each of CHECKS, "ok", "broken" or "n/a"; the symptoms that broke it;
every request sent; notes on what was not probed; and `evidence`, the number of comparisons that
passed on something the app serves (its direct answer was neither a 404 nor no answer).
`under_prefix(url, config)` says whether an absolute URL stays on the proxy's origin and prefix.
When: doctor.probes and doctor.crawl fill one per configuration; doctor.verdict reads it.
Why: a configuration is only as good as what was tried through it. Two 404s that match, or two
timeouts, say nothing about the proxy; a verdict of "works" needs passing checks on what the app
really serves (doctor.verdict: otherwise "not tested").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from doctor.layout import Configuration

CHECKS = ("docs_ui", "schema", "operations", "redirects", "static", "mounts", "pages", "websocket")


@dataclass
class Symptom:
    """Why a check is broken, in one line, with the kind of fault (doctor.lessons explains each)."""

    check: str
    kind: str
    line: str


@dataclass
class Checks:
    status: dict[str, str] = field(default_factory=lambda: dict.fromkeys(CHECKS, "n/a"))
    symptoms: list[Symptom] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)  # every request, as `curl … → status`
    notes: list[str] = field(default_factory=list)  # what was not probed, and why
    docs_page_url: str | None = None  # set when the docs page answered like the app's own
    # (check, app path) of each crawl's first page that loaded as HTML: a mounted UI's root page
    ui_pages: list[tuple[str, str]] = field(default_factory=list)
    browser_pages: list[dict] = field(default_factory=list)  # what Chromium met on each (mounted_ui)
    schema: dict | None = None
    evidence: int = 0  # passing comparisons on something the app serves
    ran: int = 0  # comparisons made, passing or not

    def ok(self, check: str, evidence: bool = True) -> None:
        """A comparison passed; `evidence` when the app directly served something there. Only
        evidence makes a check "ok": two 404s that match leave it "n/a"."""
        self.ran += 1
        self.evidence += evidence
        if evidence and self.status[check] == "n/a":
            self.status[check] = "ok"

    def broken(self, check: str, kind: str, line: str) -> None:
        self.ran += 1
        self.status[check] = "broken"
        if not any(s.check == check and s.line == line for s in self.symptoms):
            self.symptoms.append(Symptom(check, kind, line))

    def note(self, line: str) -> None:
        if line not in self.notes:
            self.notes.append(line)


def under_prefix(url: str, config: Configuration) -> bool:
    """True when `url` (absolute) is on the proxy's origin and inside the prefix."""
    parts = urlsplit(url)
    same_origin = f"{parts.scheme}://{parts.netloc}" == config.origin
    return same_origin and (parts.path == config.prefix or parts.path.startswith(config.prefix + "/"))


def served(status: int | None) -> bool:
    """Whether a direct answer shows the app serving something at that URL."""
    return status is not None and status not in (404, 405)
