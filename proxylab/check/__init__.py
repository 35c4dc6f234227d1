"""`make check`: is compose.yaml consistent with itself, its files and the proxies' configs?

What: twelve checks that need no Docker engine and no running stack. `schema` validates against the
Compose Specification and `compose` with Compose's own loader (proxylab/check/schema.py); `files`
finds what compose.yaml mounts or builds; `ports` finds clashing published ports and routes to
unknown apps; `trust` compares each app's FORWARDED_ALLOW_IPS with the proxies' addresses; then
one check per proxy of proxylab/proxies' table (`traefik`, `nginx`, `caddy`, `haproxy`), each
reading its own config and confirming each port routes the way its `x-route` says; `tls` that
exactly the `tls: true` ports terminate TLS with .run/certs; `versions` that each component runs one
upstream version on both backends (proxylab/check/versions.py); `readme` compares README.md's
route table with compose.yaml.
When: before `make up`, and in CI. Each failing Finding names the thing, the cause and the next step.
Why: compose.yaml is the one source of truth, but each proxy's config repeats every route in its
own words. If one drifts, a lab would measure a different route from the one its port promises.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from proxylab import proxies
from proxylab.check.common import (
    README_BEGIN,
    README_END,
    TRUST_ALL_SERVICES,
    Finding,
    forwarded_allow_ips,
)
from proxylab.check.files import check_files
from proxylab.check.ports import check_ports
from proxylab.check.readme import check_readme, describe_app, route_table_markdown
from proxylab.check.schema import check_compose_config, check_schema
from proxylab.check.tls import check_tls
from proxylab.check.trust import check_trust
from proxylab.check.versions import check_versions
from proxylab.compose import Stack
from proxylab.paths import REPO

__all__ = [
    "README_BEGIN",
    "README_END",
    "TRUST_ALL_SERVICES",
    "Finding",
    "check_compose_config",
    "check_files",
    "check_ports",
    "check_readme",
    "check_schema",
    "check_tls",
    "check_trust",
    "check_versions",
    "describe_app",
    "forwarded_allow_ips",
    "route_table_markdown",
    "run_checks",
]


def run_checks(
    stack: Stack, *, schema_path: Path | None = None, readme: Path = REPO / "README.md"
) -> list[Finding]:
    """Run every check, in a fixed order; a check that crashes on a malformed file fails, naming it."""
    checks: list[tuple[str, Callable[[], list[Finding]]]] = [
        ("schema", lambda: check_schema(stack, schema_path)),
        ("compose", lambda: check_compose_config(stack)),
        ("files", lambda: check_files(stack)),
        ("ports", lambda: check_ports(stack)),
        ("trust", lambda: check_trust(stack)),
        # One check per proxy, named after it: each reads its own config (proxylab/proxies/).
        *((proxy.name, lambda proxy=proxy: proxy.check(stack)) for proxy in proxies.every()),
        ("tls", lambda: check_tls(stack)),
        ("versions", lambda: check_versions(stack, readme)),
        ("readme", lambda: check_readme(stack, readme)),
    ]
    findings: list[Finding] = []
    for name, check in checks:
        try:
            findings += check()
        except (OSError, KeyError, TypeError, ValueError, AttributeError, yaml.YAMLError) as exc:
            findings.append(
                Finding(
                    name, False, f"the {name} check could not read its files: {exc!r}; fix the file it names"
                )
            )
    return findings
