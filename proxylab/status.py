"""What `make status` reports for each service, whichever backend runs it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    # "running", "exited", "stopped", "completed" (a one-shot that exited 0), "waiting" (for a build)
    state: str
    health: str | None  # "healthy", "unhealthy", "starting", or None when there is no check
    ident: str = ""  # native: "pid 1234"; compose: the container's short id
    addresses: list[str] = field(default_factory=list)  # where it listens, e.g. "127.0.0.1:9999"

    @property
    def is_healthy(self) -> bool:
        return self.state in ("running", "completed") and self.health in ("healthy", None)
