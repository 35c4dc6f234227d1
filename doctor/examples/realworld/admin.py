"""The admin sub-application, mounted at /admin with docs and a schema of its own."""

from fastapi import FastAPI

admin = FastAPI(title="realworld admin")


@admin.get("/stats")
def stats() -> dict:
    return {"users": 1, "items": 1}
