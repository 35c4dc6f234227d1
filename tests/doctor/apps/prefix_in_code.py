"""Apps that decide their prefix in code, which changes which proxy configuration fits them.

`app`: FastAPI(root_path="/api/v1"), deprecated since FastAPI 0.165 but common; `mounted`: the
app mounted at /api/v1 (a Starlette Mount), the way lab 02 shows for a proxy that keeps it.
"""

import warnings

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.routing import Mount

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # FastAPIDeprecationWarning: the point of this app
    app = FastAPI(root_path="/api/v1")


@app.get("/hello")
def hello() -> dict:
    return {"hello": "world"}


inner = FastAPI()


@inner.get("/hello")
def inner_hello() -> dict:
    return {"hello": "world"}


mounted = Starlette(routes=[Mount("/api/v1", app=inner)])
