"""An app that works behind a prefix-stripping proxy once uvicorn is told the prefix.

Nothing in it builds a URL by hand: the docs page is FastAPI's own (it puts the request's
root_path in front of the schema URL), the redirect uses `request.url_for`, and the trailing-slash
redirect is Starlette's. Run the doctor on it:

    python -m doctor doctor.examples.strip_ready:app --prefix /api/v1
"""

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

app = FastAPI(title="strip-ready example")
app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")


@app.get("/items/")
def list_items() -> list[dict]:
    return [{"id": 1, "name": "lamp"}]


@app.get("/items/{item_id}")
def read_item(item_id: int) -> dict:
    return {"id": item_id}


@app.get("/latest")
def latest(request: Request) -> RedirectResponse:
    """Sends the client to the newest item; url_for builds the URL from root_path and Host."""
    return RedirectResponse(request.url_for("read_item", item_id=1), status_code=307)
