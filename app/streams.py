"""Long-lived connections that must end cleanly on shutdown: an SSE ticker and a WebSocket echo.

What:
  GET /stream?ticks=N   Server-Sent Events: `event: tick` every TICK_S seconds, N of them; when the
                        instance starts draining it sends `event: bye` (data: draining) and ends
  WS  /ws               first sends the echo report of its own websocket scope as JSON (root_path,
                        path, url_for, scheme ws/wss, client, forwarded headers), then echoes every
                        text message; when draining, closes with 1001 "going away"
When: lab 07 and tests/app/test_app_serve.py hold one open across a SIGTERM; lab 12 and the
matrix open one through every route, to see what a proxy does to an Upgrade request.
Why: the ops brief's "forgetting long-lived websocket or streaming connections". uvicorn's graceful
shutdown waits for open connections, then cancels them at --timeout-graceful-shutdown: a stream
that never notices would be cut mid-event. These notice the drain (HealthState.is_draining,
set by app.serve the moment SIGTERM arrives) and finish on their own terms, while the proxy still
routes the client's reconnect to another replica.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse

from app.echo import build_echo_report
from app.health import HealthState

TICK_S = 0.5
GOING_AWAY = 1001  # RFC 6455: "an endpoint is going away, such as a server going down"

router = APIRouter(tags=["streams"])


async def _events(health: HealthState, ticks: int) -> AsyncIterator[str]:
    # retry: tells the browser's EventSource how soon to reconnect (to another replica, by then).
    yield "retry: 1000\n\n"
    for tick in range(1, ticks + 1):
        if health.is_draining:
            yield "event: bye\ndata: draining\n\n"
            return
        yield f"event: tick\ndata: {tick}\n\n"
        await asyncio.sleep(TICK_S)
    yield "event: bye\ndata: done\n\n"


@router.get("/stream", name="stream", include_in_schema=False)
async def stream(request: Request, ticks: Annotated[int, Query(ge=1, le=600)] = 20) -> StreamingResponse:
    """`ticks` SSE ticks, ended early (and cleanly) by a drain."""
    return StreamingResponse(_events(request.app.state.health, ticks), media_type="text/event-stream")


@router.websocket("/ws", name="echo_socket")
async def echo_socket(websocket: WebSocket) -> None:
    """Report the websocket scope as received, then echo text frames until the client leaves or
    the instance drains (then close 1001)."""
    health: HealthState = websocket.app.state.health
    await websocket.accept()
    try:
        # What the app saw on this scope: a proxy that strips /api/v1 for HTTP strips it here too,
        # and url_for builds a ws:// URL from the same root_path and Host.
        await websocket.send_json(build_echo_report(websocket, websocket.app.state.settings, "echo_socket"))
        while not health.is_draining:
            try:
                message = await asyncio.wait_for(websocket.receive_text(), timeout=TICK_S)
            except TimeoutError:
                continue
            await websocket.send_text(message)
    except WebSocketDisconnect:
        return
    await websocket.close(code=GOING_AWAY, reason="draining")
