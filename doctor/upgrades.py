"""A WebSocket upgrade through each configuration, compared with the same upgrade to the app directly.

What: `check_websockets(config, paths, direct, direct_base, checks)` opens, for each WebSocket
path the app offers (its WebSocketRoute and APIWebSocketRoute without path parameters, those of
its mounted sub-apps included, and each `--path ws:/...`), the handshake through the
configuration's proxy (ws://PROXY/PREFIX/path) and directly (ws://APP/path), and compares them:
101 both ways passes; 101 directly and a refusal through the proxy breaks the "websocket" check,
with the status the proxy or the app answered. No message is sent or read: what the app says on
a socket is its own protocol (instruments.streams.open_websocket with handshake_only). The
direct answers are `Handshakes(remember=True)`: one per URL for all 16 configurations.
When: doctor.probes, once per configuration, when the app offers a WebSocket.
Why: a proxy can pass every GET and still break a WebSocket: the upgrade needs HTTP/1.1 and the
hop-by-hop Upgrade and Connection headers passed on, which Nginx does only when told (lab 12),
and the path the app receives must match its route, as for any request; a WebSocket with no
route is refused with 403, not 404, which reads like a permission and is a wrong path.
"""

from __future__ import annotations

import threading

from doctor.checks import Checks
from doctor.layout import Configuration
from instruments.streams import WebSocketOpen, WebSocketResult, open_websocket

HANDSHAKE_S = 5.0  # for the connection and the upgrade's answer
WS_PATH = "ws:"  # `--path ws:/live` names a WebSocket path, not a page


class Handshakes:
    """WebSocket handshakes; with `remember`, each URL's answer is kept, for every thread."""

    def __init__(self, remember: bool = False) -> None:
        self.remembered: dict[str, WebSocketResult] | None = {} if remember else None
        self.lock = threading.Lock()

    def open(self, url: str) -> WebSocketResult:
        if self.remembered is None:
            return open_websocket(WebSocketOpen(url, handshake_only=True), timeout=HANDSHAKE_S)
        with self.lock:
            if url not in self.remembered:
                self.remembered[url] = open_websocket(
                    WebSocketOpen(url, handshake_only=True), timeout=HANDSHAKE_S
                )
            return self.remembered[url]


def websocket_paths(app: dict, paths: list[str]) -> list[str]:
    """The app's WebSocket routes without path parameters, then each `--path ws:/...`."""
    found = [s["path"] for s in app.get("websockets", []) if not s["has_path_params"]]
    found += ["/" + p.removeprefix(WS_PATH).lstrip("/") for p in paths if p.startswith(WS_PATH)]
    return list(dict.fromkeys(found))


def check_websockets(
    config: Configuration, paths: list[str], direct: Handshakes, direct_base: str, checks: Checks
) -> None:
    through = Handshakes()
    for path in paths:
        url = _ws(config.public_base + path)
        baseline, answer = direct.open(_ws(direct_base + path)), through.open(url)
        checks.sent.append(f"python -m websockets {url}  → {_shown(answer)}")
        if baseline.status != 101:
            if answer.status == baseline.status:
                checks.ok("websocket", evidence=False)
            else:
                checks.note(
                    f"websocket: {_ws(direct_base + path)} is not upgraded directly either "
                    f"({_shown(baseline)}); not compared"
                )
            continue
        if answer.status == 101:
            checks.ok("websocket")
            continue
        checks.broken(
            "websocket",
            "websocket-no-route" if answer.status == 403 else "websocket-upgrade",
            f"the WebSocket {url} was refused: {_shown(answer)}; directly it is upgraded (101)",
        )


def _ws(url: str) -> str:
    return "ws" + url.removeprefix("http")


def _shown(result: WebSocketResult) -> str:
    if result.status is None:
        return f"no answer ({result.error})"
    return f"{result.status}" + (f" {result.reason}" if result.reason else "")
