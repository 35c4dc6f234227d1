"""The app object: routers included (a WebSocket's too), a sub-app and an admin-style UI mounted,
the front-end's files served."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from doctor.examples.realworld.admin import admin
from doctor.examples.realworld.console import console
from doctor.examples.realworld.routers import items, live, users

app = FastAPI(title="realworld example")
app.include_router(items.router, prefix="/items")
app.include_router(users.router)
app.include_router(live.router, prefix="/live")
app.mount("/admin", admin)
app.mount("/console", console)
app.mount("/assets", StaticFiles(directory=Path(__file__).parent / "assets"), name="assets")


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}
