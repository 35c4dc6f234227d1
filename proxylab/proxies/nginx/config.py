"""A small regex reader of nginx files: enough for proxylab's own configs, not for every one.

What: the `server { ... }` blocks of a file (their listen ports, directives and `location` blocks)
and its `upstream` blocks, for `make check`'s nginx and tls checks (check.py).
When: each time those checks read nginx/templates/ and edge/templates/.
Why regexes: proxylab's configs are small and flat; no parser of the whole nginx grammar is needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from proxylab.check.common import listen_port


@dataclass(frozen=True)
class NginxServer:
    """One `server { ... }` block: its listen ports, its directives and its `location` blocks."""

    source: Path
    listen: list[int]
    directives: list[tuple[str, str]]
    locations: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def all_directives(self) -> Iterator[tuple[str, str]]:
        yield from self.directives
        for directives in self.locations.values():
            yield from directives


def read_nginx_servers(path: Path) -> list[NginxServer]:
    """The server blocks of an nginx file, read with regexes: enough for proxylab's small configs.

    Understands `server { listen N; location P { directive args; ... } }` with no braces nested
    deeper than that and no '#' inside quoted strings.
    """
    text = re.sub(r"#[^\n]*", "", path.read_text())
    servers = []
    for start in re.finditer(r"\bserver\s*\{", text):
        body = _braced(text, start.end())
        locations = {
            match[1].split()[-1]: _directives(match[2])
            for match in re.finditer(r"\blocation\s+([^{]+?)\s*\{([^{}]*)\}", body)
        }
        top = _directives(re.sub(r"\blocation\s+[^{]+\{[^{}]*\}", "", body))
        listen = [
            port
            for name, args in top
            if name == "listen" and (port := listen_port(args.split()[0])) is not None
        ]
        servers.append(NginxServer(path, listen, top, locations))
    return servers


def read_nginx_upstreams(path: Path) -> dict[str, list[str]]:
    """`upstream NAME { server host:port ...; }` blocks: NAME → ["http://host:port", ...]."""
    text = re.sub(r"#[^\n]*", "", path.read_text())
    blocks = re.finditer(r"\bupstream\s+([\w.-]+)\s*\{([^{}]*)\}", text)
    return {
        match[1]: [f"http://{args.split()[0]}" for name, args in _directives(match[2]) if name == "server"]
        for match in blocks
    }


def _braced(text: str, start: int) -> str:
    depth = 1
    for index in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return text[start:index]
    return text[start:]


def _directives(text: str) -> list[tuple[str, str]]:
    statements = (statement.strip().split(None, 1) for statement in text.split(";"))
    return [(parts[0], parts[1].strip() if len(parts) > 1 else "") for parts in statements if parts]
