"""The pages a person clicks through, from / and from each mount's root, checked like the docs page.

What: `crawl(config, starts, through, direct, checks)` fetches each start path through the proxy
and directly, then follows what the pages name, on the same origin and within bounds (MAX_PAGES
pages, MAX_FETCHED requests per configuration): every stylesheet, script, image, link, frame and
form action of an HTML page, every absolute loopback URL in a JSON answer (a config's "root"),
and every redirect, the app's own slash redirects included. Each URL found must stay on the
proxy's origin and under the prefix; each asset and page under it must answer as it does
directly. A start path is one the app sees (no prefix): "/", "/admin", "/admin/", a --path.
The first HTML page each crawl loads (a mount's root page, after its own redirect) is kept in
`checks.ui_pages` for doctor.mounted_ui to open in Chromium.
When: doctor.probes, for "pages" (/ and --path) and "mounts" (each mounted sub-app's root).
Why: an admin or a UI mounted into the app (sqladmin, Gradio) or an app that is no Starlette
at all (datasette) has no schema to read its routes from: what it serves is what its pages name.
A page that answers 200 through the proxy is not yet a page that works there: its 13 stylesheets
and scripts at http://host/admin/… are outside the prefix, and the proxy does not route them.
"""

from __future__ import annotations

import json
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from doctor.checks import Checks, served, under_prefix
from doctor.fetch import Answer, Client
from doctor.layout import HOST, Configuration

MAX_PAGES = 12  # pages (HTML or JSON) fetched per configuration and check
MAX_FETCHED = 60  # assets and pages fetched per configuration and check
MAX_JSON_STRINGS = 400
LOOPBACK = (HOST, "localhost", "0.0.0.0", "[::1]")
# Links a crawler should not follow on someone's app, even on a throwaway copy of it.
_UNSAFE = re.compile(r"/(log-?out|sign-?out|delete|remove|destroy|reset)(/|$|\?)", re.I)
ASSETS = ("stylesheet", "script", "image")
VERBS = {
    "stylesheet": "loads the stylesheet",
    "script": "loads the script",
    "image": "loads the image",
    "link": "links to",
    "frame": "frames",
    "form": "sends its form to",
    "json": "names",
}


class _References(HTMLParser):
    """(kind, URL) for everything an HTML page makes the browser fetch or go to."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v for k, v in attrs if v}
        if tag == "base" and "href" in a:
            self.base = a["href"]
        elif tag == "script" and "src" in a:
            self.found.append(("script", a["src"]))
        elif tag == "link" and "href" in a:
            rel = a.get("rel", "").lower()
            if "stylesheet" in rel or "icon" in rel or "preload" in rel or "modulepreload" in rel:
                self.found.append(("stylesheet" if "stylesheet" in rel else "image", a["href"]))
        elif tag == "img" and "src" in a:
            self.found.append(("image", a["src"]))
        elif tag == "a" and "href" in a:
            self.found.append(("link", a["href"]))
        elif tag == "iframe" and "src" in a:
            self.found.append(("frame", a["src"]))
        elif tag == "form":
            self.found.append(
                ("form" if a.get("method", "get").lower() != "get" else "link", a.get("action", ""))
            )


def crawl(
    config: Configuration,
    check: str,
    starts: list[str],
    through: Client,
    direct: Client,
    direct_base: str,
    checks: Checks,
) -> None:
    queue, seen, budget = deque(starts), set(), _Budget()
    while queue and budget.pages < MAX_PAGES and budget.fetched < MAX_FETCHED:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        budget.pages += 1
        for found in _page(config, check, path, through, direct, direct_base, checks, budget, seen):
            if found not in seen:
                queue.append(found)
    if queue:
        checks.note(f"{check}: stopped after {budget.pages} pages and {budget.fetched} requests (the bounds)")
    if budget.first_html is not None:
        checks.ui_pages.append((check, budget.first_html))


class _Budget:
    def __init__(self) -> None:
        self.pages = 0
        self.fetched = 0
        self.first_html: str | None = None  # the app path of the first page that loaded, for Chromium


def _page(
    config: Configuration,
    check: str,
    path: str,
    through: Client,
    direct: Client,
    direct_base: str,
    checks: Checks,
    budget: _Budget,
    seen: set[str],
) -> list[str]:
    """Checks one page; returns the app paths it leads to."""
    url = config.public_base + path
    baseline = direct.get(direct_base + path)
    answer = through.get(url)
    budget.fetched += 1
    if baseline.status is not None and 300 <= baseline.status < 400 and baseline.location:
        wanted = urljoin(direct_base + path, baseline.location)
        check_redirect(config, check, url, answer, baseline, wanted.removeprefix(direct_base), checks)
        return [wanted.removeprefix(direct_base)] if wanted.startswith(direct_base + "/") else []
    if answer.status != baseline.status:
        if baseline.status is None:
            checks.note(
                f"{check}: {direct_base + path} gave no answer directly ({baseline.error}); not compared"
            )
            return []
        same = _same_from_the_app(config, path, answer, direct)
        if same is not None:
            checks.broken(
                check,
                "app-ignores-root-path",
                f"{url} answered {answer.shown}; directly it answers {baseline.status}, but the app "
                f"under uvicorn --root-path {config.prefix} answers the request the proxy sends, "
                f"{same.url}, the same: {same.shown}",
            )
            return []
        checks.broken(
            check,
            "not-found" if answer.status == 404 else "page",
            f"{url} answered {answer.shown}; directly it answers {baseline.status}",
        )
        return []
    checks.ok(check, evidence=served(baseline.status))
    if answer.status is None or answer.status >= 400:
        return []
    if answer.is_html:
        if budget.first_html is None and answer.status == 200 and not answer.streamed:
            budget.first_html = path
        return _html(config, check, url, answer, through, direct, direct_base, checks, budget, seen)
    if answer.is_json:
        return check_json_urls(config, check, url, answer, checks)
    return []


def _same_from_the_app(config: Configuration, path: str, answer: Answer, direct: Client) -> Answer | None:
    """Behind a strip with --root-path, the app's own answer to the very request the proxy sends
    (config.upstream) when it is the one the proxy passed on: then the proxy changed nothing,
    and the app answers so to its root_path (datasette routes the whole path, root_path and all)."""
    if not (config.strips and config.server_root_path):
        return None
    same = direct.get(config.upstream(path))
    if same.status != answer.status or _local(same.location) != _local(answer.location):
        return None
    return same


def _local(location: str | None) -> str | None:
    """A Location without its loopback origin: the proxy's port and the app's differ, nothing else."""
    if location is None:
        return None
    parts = urlsplit(location)
    if (parts.hostname or "") in LOOPBACK:
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return location


def _html(
    config: Configuration,
    check: str,
    url: str,
    answer: Answer,
    through: Client,
    direct: Client,
    direct_base: str,
    checks: Checks,
    budget: _Budget,
    seen: set[str],
) -> list[str]:
    parser = _References()
    parser.feed(answer.body.decode(errors="replace"))
    base = urljoin(url, parser.base) if parser.base else url
    pages = []
    for kind, raw in dict.fromkeys(parser.found):
        if raw.startswith(("#", "javascript:", "mailto:", "data:", "tel:", "blob:")) or "{{" in raw:
            continue
        target = urljoin(base, raw).partition("#")[0]
        path = _app_path(config, check, url, kind, raw, target, checks)
        if path is None or path in seen:
            continue
        if _UNSAFE.search(path):
            checks.note(f"{check}: {target} not followed (it could change the app's state)")
            continue
        if kind in ASSETS:
            if budget.fetched >= MAX_FETCHED:
                continue
            seen.add(path)
            _asset(config, check, url, kind, target, path, through, direct, direct_base, checks)
            budget.fetched += 1
        elif kind in ("link", "frame"):
            pages.append(path)
    return pages


def _app_path(
    config: Configuration, check: str, page: str, kind: str, raw: str, target: str, checks: Checks
) -> str | None:
    """The path the app sees for `target`, or None when it is not to be fetched (a symptom when
    it leaves the proxy's origin or prefix, a note when it is another site altogether)."""
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https"):
        return None
    if (parts.hostname or "") not in LOOPBACK and f"[{parts.hostname}]" not in LOOPBACK:
        checks.note(f"{check}: {page} {VERBS[kind]} {target}, another site; not probed")
        return None
    shown = raw if raw == target else f"{raw!r} ({target})"
    if f"{parts.scheme}://{parts.netloc}" != config.origin:
        checks.broken(
            check, "link-origin", f"{page} {VERBS[kind]} {shown}, not on the proxy's origin {config.origin}"
        )
        return None
    if not under_prefix(target, config):
        checks.broken(
            check,
            "link-outside-prefix",
            f"{page} {VERBS[kind]} {shown}, outside {config.prefix}, which the proxy does not route",
        )
        return None
    checks.ok(check, evidence=False)
    path = parts.path.removeprefix(config.prefix) or "/"
    return path + (f"?{parts.query}" if parts.query else "")


def _asset(
    config: Configuration,
    check: str,
    page: str,
    kind: str,
    url: str,
    path: str,
    through: Client,
    direct: Client,
    direct_base: str,
    checks: Checks,
) -> None:
    baseline, answer = direct.get(direct_base + path), through.get(url)
    if answer.status == baseline.status:
        checks.ok(check, evidence=served(baseline.status))
        return
    checks.broken(
        check,
        "not-found" if answer.status == 404 else "asset",
        f"{page} {VERBS[kind]} {url}, which answers {answer.shown}; directly it answers {baseline.status}",
    )


def check_json_urls(config: Configuration, check: str, url: str, answer: Answer, checks: Checks) -> list[str]:
    """Absolute URLs on this machine that a JSON answer hands to its client (Gradio's config
    "root"), each checked; returns the app paths of those under the prefix, to follow."""
    try:
        data = json.loads(answer.body)
    except ValueError:
        return []
    found = []
    for key, value in _strings(data, "", [MAX_JSON_STRINGS]):
        if value.startswith(("http://", "https://")) and (urlsplit(value).hostname or "") in LOOPBACK:
            path = _app_path(config, check, f"{url} (at {key or 'the top'})", "json", value, value, checks)
            if path is not None and not _UNSAFE.search(path):
                found.append(path)
    return found


def _strings(data: object, key: str, left: list[int]) -> list[tuple[str, str]]:
    if left[0] <= 0:
        return []
    if isinstance(data, str):
        left[0] -= 1
        return [(key, data)]
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else []
    found = []
    for k, v in items:
        found += _strings(v, f"{key}.{k}" if key else str(k), left)
    return found


def check_redirect(
    config: Configuration, check: str, url: str, answer: Answer, baseline: Answer, wanted: str, checks: Checks
) -> None:
    """A redirect through the proxy must be one, and its Location must stay on the proxy's origin
    and prefix and lead where the app's own redirect leads (`wanted`, a path as the app sees it)."""
    if answer.status is None or not 300 <= answer.status < 400:
        checks.broken(
            check,
            "not-found" if answer.status == 404 else "redirect-status",
            f"GET {url} answered {answer.shown}; directly it redirects ({baseline.status})",
        )
        return
    target = urljoin(url, answer.location or "")
    if not under_prefix(target, config):
        parts = urlsplit(target)  # Gradio's /logout: http://HOST:PORT, no path, on the proxy's origin
        origin_ok = f"{parts.scheme}://{parts.netloc}" == config.origin
        asked = url.removeprefix(config.public_base)
        # Starlette's trailing-slash redirect, or one the app makes itself (a login, a logout):
        # lab 02 explains each with a step of its own.
        slash = wanted != asked and wanted.rstrip("/") == asked.rstrip("/")
        kind = "location-outside-prefix" if slash else "redirect-outside-prefix"
        checks.broken(
            check,
            kind if origin_ok else "location-origin",
            f"GET {url} redirects to {answer.location}, "
            + ("outside " + config.prefix if origin_ok else f"not to {config.origin}"),
        )
    elif wanted.startswith("/") and target != config.public_base + wanted:
        checks.broken(
            check,
            "location-path",
            f"GET {url} redirects to {target}; the app's own redirect goes to {wanted}",
        )
    else:
        checks.ok(check)
