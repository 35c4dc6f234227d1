"""An app with the usual mistakes that break behind a proxy's prefix, whatever the proxy does.

- Its docs page is built by hand with the schema's URL written out: "/openapi.json" is outside
  the prefix, so the browser asks the proxy for a path no route forwards.
- A redirect writes its Location by hand ("/items/"), so it leaves the prefix too.
- It serves files from a StaticFiles mount, which only works where the mount's path reaches it.

    python -m doctor doctor.examples.usual_mistakes:app --prefix /api/v1
"""

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

app = FastAPI(title="usual-mistakes example", docs_url=None)
app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")


@app.get("/docs", include_in_schema=False)
def docs() -> HTMLResponse:
    # The mistake: a path written by hand. FastAPI's own docs route prefixes it with root_path.
    return get_swagger_ui_html(openapi_url="/openapi.json", title="usual-mistakes example - Swagger UI")


@app.get("/items/")
def list_items() -> list[dict]:
    return [{"id": 1, "name": "lamp"}]


@app.get("/home")
def home() -> RedirectResponse:
    # The mistake: a Location written by hand; request.url_for("list_items") would keep the prefix.
    return RedirectResponse("/items/", status_code=307)
