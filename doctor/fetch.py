"""The doctor's GETs: no redirect following, streams judged on their head, each kept as a curl.

What: `Client.get(url)` sends one GET and returns an `Answer` (status, Location, content type and
the body). A response that streams is not waited out: an event stream, NDJSON or multipart
replace answer is read no further than its status and headers, and any other body is read for
at most BODY_S seconds (however quiet it goes) and MAX_BODY bytes, then marked `streamed`. A
`Client` made with `remember=True` (the direct app, the baseline every configuration is compared
with) answers each URL once, to any thread.
When: doctor.probes and doctor.crawl, for every request through a proxy and to the app directly.
Why: an app's streaming endpoint (Gradio's /gradio_api/dev/reload is a 200 that never ends) once
cost the read timeout through every proxy and directly, 16 times over; its status and headers are
what a proxy can break, and they arrive at once.
"""

from __future__ import annotations

import shlex
import threading
import time
from dataclasses import dataclass

import requests

from doctor.checks import Checks

CONNECT_S, READ_S = 3.0, 5.0  # to connect, and for the status line and headers
# A body still coming this long after its head, on loopback, is a stream: judged on what arrived.
# Apps build a whole page before its head goes out; only a stream keeps the body waiting.
BODY_S = 0.5
MAX_BODY = 2_000_000
STREAM_TYPES = ("text/event-stream", "application/x-ndjson", "multipart/x-mixed-replace")


@dataclass(frozen=True)
class Answer:
    url: str
    status: int | None
    location: str | None
    body: bytes
    error: str | None = None
    content_type: str = ""
    streamed: bool = False  # the body was not read to its end (a stream, or too large)

    @property
    def shown(self) -> str:
        if self.status is None:
            return f"no answer ({self.error})"
        return (
            f"{self.status}"
            + (f" Location: {self.location}" if self.location else "")
            + (f" ({self.content_type}, streamed)" if self.streamed else "")
        )

    @property
    def is_html(self) -> bool:
        return self.content_type.startswith("text/html")

    @property
    def is_json(self) -> bool:
        return self.content_type.startswith("application/json") or self.content_type.endswith("+json")


class Client:
    """GETs with no redirect following, each recorded as the curl that sends the same request."""

    def __init__(self, checks: Checks | None, remember: bool = False) -> None:
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy variables: these requests go to loopback only
        self.checks = checks
        self.remembered: dict[str, Answer] | None = {} if remember else None
        self.lock = threading.Lock()  # one request at a time: a Session is not shared across threads

    def get(self, url: str) -> Answer:
        with self.lock:
            if self.remembered is not None and url in self.remembered:
                return self.remembered[url]
            answer = self._send(url)
            if self.remembered is not None:
                self.remembered[url] = answer
        if self.checks is not None:
            self.checks.sent.append(f"curl -si {shlex.quote(url)}  → {answer.shown}")
        return answer

    def _send(self, url: str) -> Answer:
        try:
            with self.session.get(
                url, allow_redirects=False, timeout=(CONNECT_S, READ_S), stream=True
            ) as response:
                kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
                body, streamed = _body(response, kind)
                return Answer(
                    url, response.status_code, response.headers.get("location"), body, None, kind, streamed
                )
        except requests.RequestException as error:
            return Answer(url, None, None, b"", type(error).__name__)


def _body(response: requests.Response, kind: str) -> tuple[bytes, bool]:
    """The body, or as much of it as came within BODY_S: the socket's timeout is what is left of
    that time before each read, so a stream that goes quiet ends the read, not the run."""
    if kind in STREAM_TYPES:
        return b"", True
    sock = getattr(getattr(response.raw, "connection", None), "sock", None)
    deadline, chunks, size = time.monotonic() + BODY_S, [], 0
    reads = response.iter_content(65536)
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or size > MAX_BODY:
                return b"".join(chunks), True
            if sock is not None:
                sock.settimeout(left)
            chunk = next(reads, None)
            if chunk is None:
                return b"".join(chunks), False
            chunks.append(chunk)
            size += len(chunk)
    except requests.RequestException:  # the head came, then the body went quiet: a stream
        return b"".join(chunks), True
