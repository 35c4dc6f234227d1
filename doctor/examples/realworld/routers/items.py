"""The items API: a router included under /items."""

from fastapi import APIRouter, Request

router = APIRouter(tags=["items"])


@router.get("/")
def list_items(request: Request) -> dict:
    # Links built by url_for carry the root_path and the public Host, whatever the proxy.
    return {"items": [{"id": 1, "href": str(request.url_for("read_item", item_id=1))}]}


@router.get("/{item_id}")
def read_item(item_id: int) -> dict:
    return {"id": item_id, "name": "lamp"}
