"""Stamp every response with the instance that produced it.

What: `InstanceHeaderMiddleware` adds `X-Proxylab-Instance: <PROXYLAB_INSTANCE>` to every HTTP
response the app sends, errors and redirects included.
When: always; it is how a lab or test tells which app answered through a proxy, even when the
answer is a 404 whose body says nothing else (a proxy's own 404 has no such header).
Why a pure ASGI middleware: it edits only the response-start message and never buffers a body,
so streaming responses pass through untouched.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-proxylab-instance"


class InstanceHeaderMiddleware:
    def __init__(self, app: ASGIApp, instance: str) -> None:
        self.app = app
        self.value = instance.encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (HEADER, self.value)]
            await send(message)

        await self.app(scope, receive, send_with_header)
