"""`python -m doctor MODULE:ATTR`: your app behind every proxy, and what works for it.

Starts your app under uvicorn (no root_path, and --root-path PREFIX) and Traefik, Nginx, Caddy
and HAProxy in front of it, each stripping the prefix and keeping it: 16 configurations, on
127.0.0.1 from --port-base. Probes each as a user of the API would, writes reports/doctor.md and
reports/doctor.json, and stops everything it started, also on Ctrl-C.

Exit status: 0 done (and, with --expect, that configuration works); 1 the --expect configuration
is broken for this app, or was not tested (nothing it serves could be checked); 2 bad input or a
fault (the error names it and the next step); 130 Ctrl-C
(proxylab/exits.py).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rich.console import Console

from doctor import browser, layout, mounted_ui, proxies, servers
from doctor.fetch import Client
from doctor.probes import probe
from doctor.report import Run, as_json, as_markdown, show
from doctor.upgrades import Handshakes
from doctor.verdict import NOT_TESTED, Result
from instruments.chromium.driver import chromium_missing
from proxylab.errors import ProxylabError
from proxylab.exits import EXPECTATION_FAILED, OK, run_main
from proxylab.paths import REPORTS_DIR, RUN_DIR
from proxylab.steps import Steps

PARALLEL = 4  # configurations probed at once


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    console = Console(stderr=False, highlight=False)
    return run_main(
        lambda: run(args, console),
        sigterm=True,
        interrupted="interrupted: everything the doctor started has been stopped",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m doctor", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("app", metavar="MODULE:ATTR", help="your app, as uvicorn names it (e.g. main:app)")
    parser.add_argument(
        "--app-dir", default=".", help="the folder to import MODULE from (default: the current one)"
    )
    parser.add_argument(
        "--prefix",
        default="/api/v1",
        help="the path prefix the proxy publishes the app under (default /api/v1)",
    )
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="the interpreter with your app's dependencies (default: proxylab's)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=REPORTS_DIR / "doctor.json",
        help="where the JSON verdict goes (default reports/doctor.json)",
    )
    parser.add_argument(
        "--markdown",
        type=Path,
        default=REPORTS_DIR / "doctor.md",
        help="where the Markdown report goes (default reports/doctor.md)",
    )
    parser.add_argument(
        "--expect",
        metavar="'PROXY strip|keep [--root-path]'",
        help="the configuration you deploy: exit 1, with the reasons, when it is broken for this app",
    )
    parser.add_argument(
        "--port-base",
        type=int,
        default=layout.DEFAULT_PORT_BASE,
        help="first of the ports used, on 127.0.0.1 (default 9700; uses N..N+43)",
    )
    parser.add_argument(
        "--path",
        action="append",
        default=[],
        metavar="PATH",
        help="a page the app serves, as the app sees it (e.g. /dashboard): the crawl starts there "
        "too, besides / and each mount's root; ws:/PATH names a WebSocket to upgrade through each "
        "configuration, besides the app's own WebSocket routes (repeatable)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an environment variable your app needs, for reading it and running it (repeatable)",
    )
    parser.add_argument(
        "--uvicorn-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="a uvicorn option your app needs, e.g. --uvicorn-arg=--factory (repeatable; write it "
        "with = when it starts with -)",
    )
    parser.add_argument(
        "--no-browser",
        action="store_true",
        help="skip the Chromium check of the docs UI (the HTTP checks still run)",
    )
    return parser


def run(args: argparse.Namespace, console: Console) -> int:
    spec, prefix, app_dir, expected = _validated(args)
    env = {**os.environ, **_environment(args.env)}
    factory = "--factory" in args.uvicorn_arg
    # One folder per port range: two doctors on different --port-base never share logs or configs.
    run_dir = RUN_DIR / f"doctor-{args.port_base}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    configs = layout.configurations(prefix, args.port_base)
    plain, rooted = layout.app_modes(prefix, args.port_base)
    wanted = {plain.port: "the app, no root_path", rooted.port: f"the app, --root-path {prefix}"}
    wanted |= {c.port: f"{c.label}" for c in configs}
    servers.check_ports_free(wanted, args.port_base)

    console.print(f"doctor: reading [bold]{spec}[/] in {args.python} (a child process; never imported here)")
    app = servers.inspect_app(args.python, spec, app_dir, run_dir, env=env, factory=factory)
    began = time.monotonic()
    with servers.Processes(run_dir) as processes:
        for mode in (plain, rooted):
            name = f"app-{mode.port}"
            argv = servers.uvicorn_argv(
                args.python, spec, app_dir, mode.port, [*mode.flags, *args.uvicorn_arg]
            )
            processes.start(name, argv, cwd=app_dir, env=env)
            processes.wait_listening(
                name,
                mode.port,
                f"your app under uvicorn ({mode.label})",
                f"run the same command to see it fail: cd {app_dir} && {' '.join(argv)}",
            )
        for proxy in layout.PROXIES:
            mine = [c for c in configs if c.proxy == proxy]
            routes = [proxies.Entrance(c.port, c.strips, f"{layout.HOST}:{c.app.port}") for c in mine]
            out = run_dir / proxy
            out.mkdir()
            processes.start(proxy, proxies.start_argv(proxy, routes, prefix, out, log=console.print))
            for c in mine:
                processes.wait_listening(proxy, c.port, proxy, f"read its log: {processes.log_path(proxy)}")
            if proxy == "traefik":
                servers.wait_traefik_routing(processes, proxy, [c.public_base + "/" for c in mine])
        console.print(
            f"doctor: your app (2 modes) and 4 proxies listening after {time.monotonic() - began:.1f} s; "
            "probing 16 configurations"
        )
        app_seen, direct_base = _at_prefix(app, prefix, f"http://{layout.HOST}:{plain.port}")
        results = _probe_all(configs, app_seen, direct_base, args.path, console)
        browser_version = _browser_pass(results, direct_base, args.no_browser, console)
        versions = {**app["versions"], **_proxy_versions()}
    report = Run(
        spec,
        prefix,
        str(app_dir),
        args.python,
        versions,
        browser_version,
        results,
        run_dir=_shown(run_dir),
        uvicorn_args=tuple(args.uvicorn_arg),
        env=tuple(sorted(_environment(args.env))),
        facts=_facts(app, prefix),
    )
    _write(report, args.json, args.markdown)
    show(report, console)
    console.print(
        f"reports: {_shown(args.markdown)}, {_shown(args.json)}; the proxies' configs and logs: "
        f"{_shown(run_dir)}; took {time.monotonic() - began:.1f} s; nothing the doctor started is running"
    )
    return _expectation(results, expected, console)


def _probe_all(
    configs: list[layout.Configuration], app: dict, direct_base: str, paths: list[str], console: Console
) -> list[Result]:
    """Every configuration, PARALLEL at a time (a request waits on the network, not on a core),
    one line each as it is done: its verdict and from how many checks. Results in layout order."""
    direct = Client(None, remember=True)  # the app without a proxy: the same for all 16
    handshakes = Handshakes(remember=True)
    steps = Steps(len(configs), lambda line: console.print(line, highlight=False, markup=False))

    def one(config: layout.Configuration) -> Result:
        began = time.monotonic()
        result = Result(config, probe(config, app, direct, direct_base, paths, handshakes))
        steps.done(
            f"{config.label:<27} {result.verdict:<10} {result.checks.ran:>4} checks "
            f"{len(result.checks.symptoms):>4} symptoms  {time.monotonic() - began:4.1f} s"
        )
        return result

    pool = ThreadPoolExecutor(max_workers=PARALLEL)
    try:
        return list(pool.map(one, configs))
    finally:
        # On Ctrl-C the queued configurations are dropped; the running ones end with the servers.
        pool.shutdown(wait=False, cancel_futures=True)


def _environment(pairs: list[str]) -> dict[str, str]:
    found = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ProxylabError(
                f"--env {pair!r}", "is not KEY=VALUE", "write it as --env DATABASE_URL=sqlite:///demo.db"
            )
        found[key] = value
    return found


def _at_prefix(app: dict, prefix: str, direct_base: str) -> tuple[dict, str]:
    """An app that mounts itself at the prefix serves its pages at PREFIX/… directly: that
    mount's routes are the app's own, compared with the app at direct_base + PREFIX (not probed
    as a sub-app at PREFIX + PREFIX, where nothing could answer through any proxy)."""
    mount = next((m for m in app.get("mounts", []) if m["path"].rstrip("/") == prefix), None)
    if mount is None:
        return app, direct_base
    sockets = [
        {**s, "path": s["path"].removeprefix(prefix)}
        for s in app.get("websockets", [])
        if s["path"].startswith(prefix + "/")
    ]
    inner = {
        **app,
        "routes": mount.get("routes", []),
        "mounts": [m for m in app.get("mounts", []) if m is not mount],
        "docs_url": app.get("docs_url") or mount.get("docs_url"),
        "websockets": sockets,
    }
    return inner, direct_base + prefix


def _facts(app: dict, prefix: str) -> list[str]:
    """What the app decides for itself that changes the verdict: a root_path set in code."""
    facts = []
    for where, value in app.get("root_path_in_code", []):
        same = "the prefix itself" if value.rstrip("/") == prefix else f"not the prefix {prefix}"
        facts.append(f"the app sets its root path in code: {where} = {value!r} ({same})")
    for mount in app.get("mounts", []):
        if mount["path"].rstrip("/") == prefix:
            facts.append(
                f"the app mounts itself at {prefix} (a Mount): it expects the proxy to keep the prefix"
            )
    if not app.get("routes_known", True):
        facts.append(
            f"{app.get('kind', 'the app')} is not a Starlette or FastAPI app: it is probed from "
            "what its pages name, starting at / and each --path"
        )
    return facts


def _validated(args: argparse.Namespace) -> tuple[str, str, Path, tuple[str, bool, bool] | None]:
    if ":" not in args.app or not all(args.app.partition(":")[::2]):
        raise ProxylabError(
            f"app {args.app!r}",
            "is not MODULE:ATTR",
            "name it as uvicorn does, e.g. main:app or myproject.api:app",
        )
    prefix = "/" + args.prefix.strip("/")
    if prefix == "/":
        raise ProxylabError(
            f"--prefix {args.prefix!r}",
            "is empty",
            "give the path your proxy publishes the app under, e.g. --prefix /api/v1",
        )
    app_dir = Path(args.app_dir).expanduser().resolve()
    if "/" in args.python:  # a path, relative to where the doctor was started (the app runs in app_dir)
        args.python = str(Path(args.python).expanduser().absolute())
    if not app_dir.is_dir():
        raise ProxylabError(
            f"--app-dir {args.app_dir}", "is not a folder", "give the folder your module is imported from"
        )
    expected = None
    if args.expect:
        try:
            expected = layout.parse_label(args.expect)
        except ValueError as error:
            raise ProxylabError(
                "--expect", str(error), "e.g. --expect 'traefik strip --root-path'"
            ) from error
    return args.app, prefix, app_dir, expected


def _browser_pass(results: list[Result], direct_base: str, skip: bool, console: Console) -> str:
    """The docs pages (Swagger UI) and the mounted UIs' root pages, in one Chromium."""
    if skip:
        return "not run (--no-browser)"
    missing = chromium_missing()
    if missing:
        console.print(f"[yellow]doctor: the docs UI and mounted UIs are checked over HTTP only: {missing}[/]")
        return f"not run: {missing}"
    runs = [(r.config, r.checks) for r in results]
    docs = sum(1 for r in results if r.checks.docs_page_url)
    uis = sum(len(r.checks.ui_pages) for r in results)
    console.print(f"doctor: opening {docs} docs pages and {uis} UI pages in Chromium")
    began = time.monotonic()
    with browser.doctor_browser() as chromium:
        browser.check_docs_ui(chromium, runs)
        docs_took = time.monotonic() - began
        opened = mounted_ui.check_mounted_uis(chromium, runs, direct_base)
        console.print(
            f"doctor: Chromium: docs pages {docs_took:.1f} s, {opened} UI page loads "
            f"(direct ones included) {time.monotonic() - began - docs_took:.1f} s"
        )
        return "Chromium " + chromium.version


def _proxy_versions() -> dict[str, str | None]:
    found = {}
    for proxy in layout.PROXIES:
        try:
            out = subprocess.run(proxies.version_argv(proxy), capture_output=True, text=True, timeout=10)
            version = re.search(r"\d+\.\d+\.\d+", out.stdout + out.stderr)
            found[proxy] = version[0] if version else None
        except (OSError, subprocess.TimeoutExpired, ProxylabError):
            found[proxy] = None
    return found


def _write(report: Run, json_path: Path, markdown_path: Path) -> None:
    for path in (json_path, markdown_path):
        path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(as_json(report), indent=2) + "\n")
    markdown_path.write_text(as_markdown(report) + "\n")


def _expectation(results: list[Result], expected: tuple[str, bool, bool] | None, console: Console) -> int:
    if expected is None:
        return OK
    proxy, strips, rooted = expected
    result = next(
        r
        for r in results
        if r.config.proxy == proxy
        and r.config.strips == strips
        and (r.config.server_root_path is not None) == rooted
    )
    if result.works:
        console.print(
            f"[bold green]expected configuration `{result.config.label}` works for this app[/] "
            f"({result.checks.ran} checks)"
        )
        return OK
    if result.verdict == "not tested":
        console.print(
            f"[bold yellow]expected configuration `{result.config.label}` was not tested:[/] {NOT_TESTED}"
        )
        return EXPECTATION_FAILED
    console.print(f"[bold red]expected configuration `{result.config.label}` is broken for this app:[/]")
    by_cause: dict[tuple, list[str]] = {}
    for reason in result.reasons:
        by_cause.setdefault((reason.check, reason.lesson), []).append(reason.line)
    for (check, lesson), lines in by_cause.items():
        more = f" (and {len(lines) - 1} more like it)" if len(lines) > 1 else ""
        console.print(f"  {check}: {lines[0]}{more}  (lab {lesson.lab}: {lesson.step})")
    return EXPECTATION_FAILED


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
