"""An app whose pages lead to answers that never end: an event stream and a chunked text stream.

Like Gradio's /gradio_api/dev/reload (a 200 that never ends), which once cost the doctor a read
timeout through every proxy and directly, in all 16 configurations.
"""

import asyncio

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, StreamingResponse

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


async def forever(line: bytes, first: bytes = b""):
    yield first or line
    while True:
        await asyncio.sleep(30)
        yield line


@app.get("/", response_class=HTMLResponse)
def index() -> str:
    return '<a href="events">events</a> <a href="ticks">ticks</a> <a href="log">log</a>'


@app.get("/events")
def events() -> StreamingResponse:
    return StreamingResponse(forever(b"data: tick\n\n"), media_type="text/event-stream")


@app.get("/ticks")
def ticks() -> StreamingResponse:
    """A stream that does not say it is one: plain text, chunked, one line and then silence."""
    return StreamingResponse(forever(b"tick\n"), media_type="text/plain")


@app.get("/log")
def log() -> StreamingResponse:
    """An HTML answer that starts at once and never ends."""
    return StreamingResponse(forever(b"<p>line</p>\n", b"<html><body>\n"), media_type="text/html")
