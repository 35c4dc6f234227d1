"""A FastAPI app with Prometheus metrics: prometheus-fastapi-instrumentator 8.1 adds /metrics.

The plain case among the real apps: an ordinary FastAPI app (docs, schema, a path parameter)
plus a route a library adds to it. Behind a stripping proxy it needs uvicorn's --root-path like
any FastAPI app, and /metrics answers text through every proxy: the doctor must fetch it and
say so, not pass the app on its docs alone.
"""

from fastapi import FastAPI
from prometheus_fastapi_instrumentator import Instrumentator

app = FastAPI(title="instrumented")


@app.get("/items/{item_id}")
def read_item(item_id: int) -> dict:
    return {"item_id": item_id}


# instrument() wraps every request in a middleware that counts it; expose() adds GET /metrics.
Instrumentator().instrument(app).expose(app)
