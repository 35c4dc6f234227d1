"""Send a request step's shown command with the curl binary, and read the answer as the runner does.

`replay(result, context)` runs the command the step displayed (shlex-split, as a shell would)
right after the runner's own request, parses curl's `-i` output into the same fields (status,
headers, body, hops) and returns the fields that tell another story, as `field: runner … curl …`
lines: an expected field must meet the step's expectation for curl exactly when it did for the
runner (an error message may word a refused connection differently each time), a field only
shown must be equal. Fields that differ between any two requests (the client's port, the Date
header) are left out.
"""

from __future__ import annotations

import shlex
import subprocess

from instruments.client import Response
from labs.fields import lookup, text
from labs.runner import StepResult
from proxylab.context import Context

# Values that no two requests share, whoever sends them.
VOLATILE = ("client_port", "date")
WHOLE = ("body", "text", "headers")  # a whole body or header set carries the volatile values too


def replay(result: StepResult, context: Context, timeout: float = 30.0) -> list[str]:
    """The fields where curl's answer tells another story than the runner's, empty when none:
    an expected field must meet the step's expectation in both; a field only shown must be equal."""
    done = subprocess.run(shlex.split(result.command), capture_output=True, timeout=timeout)
    answer = parse_curl(done.stdout)
    differences = []
    for verdict in result.verdicts:
        name = verdict.field
        if name in WHOLE or name.rsplit(".", 1)[-1] in VOLATILE:
            continue
        curl_value = lookup(answer.fields(), name)
        expectation = result.step.expect.get(name)
        agree = (
            expectation.holds(curl_value, context) == verdict.ok
            if expectation
            else curl_value == verdict.actual
        )
        if not agree:
            differences.append(f"{name}: runner {text(verdict.actual)}, curl {text(curl_value)}")
    return differences


def parse_curl(output: bytes) -> Response:
    """`curl -i` (with -L: every response's head, then the last body) as a Response."""
    heads: list[tuple[int, str, dict[str, str]]] = []
    rest = output
    while rest.startswith(b"HTTP/"):
        head, _, rest = rest.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        _, code, *reason = status_line.split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines:
            name, _, value = line.partition(":")
            key = name.strip().lower()
            headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
        heads.append((int(code), reason[0] if reason else "", headers))
    if not heads:
        return Response(None, error=f"curl printed no HTTP response: {output[:200]!r}")
    status, reason, headers = heads[-1]
    hops = [head[2].get("location", "") for head in heads[:-1]]
    return Response(status, reason, headers, rest.decode("utf-8", errors="replace"), hops=hops)
