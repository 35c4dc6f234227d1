"""The doctor's GETs: no redirect following, streams judged on their head, each kept as a curl.

What: `Client.get(url)` sends one GET and returns an `Answer` (status, Location, content type and
the body). A response that streams is not waited out: an event stream, NDJSON or multipart
replace answer is read no further than its status and headers, and any other body is read for at
most BODY_S seconds and MAX_BODY bytes, then marked `streamed`. A `Client` made with `remember=True`
(the direct app, the baseline every configuration is compared with) answers each URL once.
When: doctor.probes and doctor.crawl, for every request through a proxy and to the app directly.
Why: an app's streaming endpoint (Gradio's /gradio_api/dev/reload is a 200 that never ends) once
cost the read timeout through every proxy and directly, 16 times over; its status and headers are
what a proxy can break, and they arrive at once.
"""

from __future__ import annotations

import shlex
import time
from dataclasses import dataclass

import requests

from doctor.checks import Checks

CONNECT_S, READ_S = 3.0, 5.0  # to connect, and for the status line and headers
BODY_S = 2.0  # a body still coming after this is a stream: judged on what arrived
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

    def get(self, url: str) -> Answer:
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
    if kind in STREAM_TYPES:
        return b"", True
    began, chunks, size = time.monotonic(), [], 0
    try:
        for chunk in response.iter_content(65536):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BODY or time.monotonic() - began > BODY_S:
                return b"".join(chunks), True
    except requests.RequestException:  # the head came, the body stalled past READ_S: a stream
        return b"".join(chunks), True
    return b"".join(chunks), False
