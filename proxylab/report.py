"""Terminal tables for people: `make status` and friends, readable on a projector."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from proxylab.status import ServiceStatus

_HEALTH_STYLE = {"healthy": "green", "unhealthy": "bold red", "starting": "yellow", None: "dim"}


def status_table(backend: str, statuses: list[ServiceStatus]) -> str:
    table = Table(title=f"proxylab services ({backend} backend)", title_justify="left")
    for column in ("service", "state", "health", "process", "listens on"):
        table.add_column(column)
    for status in statuses:
        table.add_row(
            status.name,
            status.state,
            f"[{_HEALTH_STYLE.get(status.health, 'white')}]{status.health or '-'}[/]",
            status.ident,
            ", ".join(status.addresses),
        )
    console = Console(width=120, force_terminal=None)
    with console.capture() as capture:
        console.print(table)
    return capture.get().rstrip()
