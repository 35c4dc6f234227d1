"""Run a `websocket:` or `sse:` step's shown command, and read its output as the runner's fields.

`replay_stream(result, context)` is curl_replay.replay for the long-lived kinds of lab 12:
- a websocket step shows `python -m websockets <url>` (then "type: <message>"): it is run with
  this virtualenv's Python, the message is typed on its stdin, and its printed lines are read
  back: "Connected to" is a 101, "server rejected WebSocket connection: HTTP 404" a 404, the first
  `< ` line the app's report, the next one the echo;
- an sse step shows `curl -s -i -N <url>`: it is run, and each `event:`/`data:` pair is timed as
  curl prints it, so `streamed` is measured from curl's side too.
The result lists the fields where the command tells another story than the runner, as
curl_replay does: an expected field must meet its expectation for both, a field only shown must
be equal. Times and the client's port are left out.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time

from instruments.streams import EventStream, text_lines, timed_events
from labs.fields import lookup, text
from labs.runner import StepResult
from proxylab.context import Context
from proxylab.paths import REPO

VOLATILE = ("client_port", "first_event_s", "last_event_s")
WHOLE = ("report", "headers")
_ANSI = re.compile(r"\x1b(?:\[[0-9;]*[A-Za-z]|[78])")
_REJECTED = re.compile(r"server rejected WebSocket connection: HTTP (\d+)")


def replay_stream(result: StepResult, context: Context) -> list[str]:
    answer = (
        _run_websocket_cli(result.command)
        if result.step.kind == "websocket"
        else _run_curl_stream(result.command)
    )
    differences = []
    for verdict in result.verdicts:
        name = verdict.field
        expectation = result.step.expect.get(name)
        if name in WHOLE or name.rsplit(".", 1)[-1] in VOLATILE or (name == "error" and expectation is None):
            continue  # an error only shown is worded by each client in its own way
        value = lookup(answer, name)
        agree = expectation.holds(value, context) == verdict.ok if expectation else value == verdict.actual
        if not agree:
            differences.append(f"{name}: runner {text(verdict.actual)}, command {text(value)}")
    return differences


def _run_websocket_cli(command: str, wait_s: float = 3.0) -> dict:
    """Run `[VAR=value] python -m websockets URL`, type the message the comment names, read back."""
    first, _, note = command.partition("\n")
    message = note.partition("type: ")[2].strip()
    words = shlex.split(first)
    env = dict(os.environ)
    while "=" in words[0]:
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    assert words[:3] == ["python", "-m", "websockets"], command
    process = subprocess.Popen(
        [sys.executable, *words[1:]],
        cwd=REPO,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdin is not None
    process.stdin.write(message + "\n")
    process.stdin.flush()
    time.sleep(wait_s)  # the handshake, the report and the echo, with time to spare
    output, _ = process.communicate(timeout=10)  # closing stdin ends the CLI (^D)
    lines = [_ANSI.sub("", line).strip() for line in output.splitlines()]
    received = [line[2:] for line in lines if line.startswith("< ")]
    rejected = next((int(match[1]) for line in lines if (match := _REJECTED.search(line))), None)
    status = 101 if any(line.startswith("Connected to") for line in lines) else rejected
    report = _json(received[0]) if received else None
    return {
        "status": status,
        "report": report,
        "echo": received[1] if len(received) > 1 else None,
        "error": None if status == 101 else " ".join(lines),
    }


def _run_curl_stream(command: str) -> dict:
    """Run the curl -N command and time each event as curl prints it."""
    started = time.monotonic()
    process = subprocess.Popen(shlex.split(command), stdout=subprocess.PIPE)
    assert process.stdout is not None
    lines = text_lines(process.stdout.readline)
    status, headers = None, {}
    for line in lines:  # curl -i prints the head first, up to its blank line
        if line.startswith("HTTP/"):
            status = int(line.split()[1])
        elif not line:
            break
        else:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
    # The same reading of event:/data: lines as the runner's; what differs is the client.
    stream = EventStream(status, headers, *timed_events(lines, started))
    process.wait(timeout=10)
    return stream.fields()


def _json(message: str):
    try:
        return json.loads(message)
    except ValueError:
        return None
