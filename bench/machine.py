"""The machine a bench ran on: enough to know whether two reports can be compared.

CPU count and model matter most: on loopback the load generator, the proxy and the app share
the same cores, so a 2-core machine measures contention as much as proxy cost.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any


def facts() -> dict[str, Any]:
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "loadavg_1m_at_start": round(os.getloadavg()[0], 2),
    }


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The first `model name` in /proc/cpuinfo (x86), else `Model`/`Hardware` (ARM), else unknown."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return platform.processor() or "unknown"
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    for key in ("model name", "Model", "Hardware"):
        for name, value in fields.items():
            if name.strip() == key and value.strip():
                return value.strip()
    return platform.processor() or "unknown"
