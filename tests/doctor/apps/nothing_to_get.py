"""An app with nothing a GET can reach: no docs, no schema, POST routes only, nothing at /."""

from fastapi import FastAPI

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.post("/jobs")
def create_job() -> dict:
    return {"id": 1}
