"""An app whose JSON answers hand absolute URLs to its client, as Gradio's config "root" does.

/ names itself and /config with url_for; /config names the app's root URL (base_url). Both are
built from the Host and the root_path: behind a strip without --root-path they miss the prefix.
"""

from fastapi import FastAPI, Request

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/")
def index(request: Request) -> dict:
    return {"links": {"self": str(request.url_for("index")), "config": str(request.url_for("config"))}}


@app.get("/config")
def config(request: Request) -> dict:
    return {"root": str(request.base_url).rstrip("/")}
