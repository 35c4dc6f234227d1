"""Live updates: a WebSocket a front-end keeps open, on a router included under /live."""

from fastapi import APIRouter, WebSocket

router = APIRouter(tags=["live"])


@router.websocket("/notifications")
async def notifications(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"unread": 0})
    await websocket.close()
