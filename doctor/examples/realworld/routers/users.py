"""The users API: a router with its own prefix, and a route that needs a query parameter."""

from fastapi import APIRouter

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me")
def me() -> dict:
    return {"name": "ada"}


@router.get("/search")
def search(q: str) -> list[dict]:
    # A required parameter: Swagger's "Try it out" needs input, so the doctor does not call it.
    return [{"name": q}]
