"""The lab book: the labs as web pages, each step runnable from its card (`make book`).

What: `create_app(context, labs_dir, presenter)` is a small Starlette app. `/` lists the labs
(number, title, time, goal); `/labs/<NN-slug>` shows one lab, each step a card with its command,
the fields expected, the why and its evidence; `POST /api/labs/<NN-slug>/steps/<n>/run` runs that
step with labs.runner.run_step, as `make labs` does, and answers with labs.json's step record
(labs.reports.step_json) plus the card's result as HTML: expected vs actual, and a request step's
hop picture (labs/book/hops.py). Templates are in templates/, the CSS and script in static/.
When: `python -m labs.book` serves it (labs/book/__main__.py); tests use Starlette's TestClient.
Why: one engine, two faces. The command on a card is `step.action.command(context)`, the runner's
own (the command shown is the command run); the verdicts and their cells are the runner's and the
terminal's (labs/present.py). A step whose kind changes the stack (StepKind.changes_the_stack:
stop, start, restarts, loads) runs only from the presenter's page (labs/book/room.py: started
with `--presenter`, asked from this machine, by the book's own page): otherwise the API answers 403,
whatever the page sends, so nobody reading along stops a service under the presenter's feet.
`/api/follow` is the room: the presenter's page posts where it is, every page in follow mode
reads it as a stream of events (room.py).
"""

from __future__ import annotations

import threading
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from labs.book.hops import picture, route_chain
from labs.book.reports import report_routes
from labs.book.room import Room
from labs.fields import MISSING
from labs.kinds import KINDS
from labs.model import LABS_DIR, Lab, Step, find_labs, load_lab
from labs.present import cell, expected_cell, readable_raw
from labs.reports import step_json
from labs.runner import StepResult, run_or_skip, skip_step
from proxylab.context import Context
from proxylab.errors import ProxylabError
from proxylab.paths import REPORTS_DIR

HERE = Path(__file__).resolve().parent
# An event the moment it is sent: no cache, and no buffering by a proxy in front (Nginx's header).
_NO_BUFFERING = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
# Runs come in on Starlette's threads; two presenters' restarts of one stack must not overlap.
_one_at_a_time = threading.Lock()
PRESENTER_ONLY = (
    "step {number} changes the stack ({kind}: it stops, restarts or loads services): {why}; so readers "
    "cannot stop services under the presenter; `make lab N={lab}` runs it in a terminal"
)


def create_app(
    context: Context, labs_dir: Path = LABS_DIR, presenter: bool = False, reports_dir: Path = REPORTS_DIR
) -> Starlette:
    """The book for `context`'s stack, with the lab files of `labs_dir` (read on every page) and the
    records of `reports_dir` under /reports (labs/book/reports.py)."""
    templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape())
    templates.globals.update(
        cell=cell, expected_cell=expected_cell, readable_raw=readable_raw, presenter=presenter
    )
    room = Room(presenter)

    def page(template: str, status: int = 200, request: Request | None = None, **values: Any) -> HTMLResponse:
        rights = room.rights(request) if request else "reader"  # what the page offers; the API decides
        html = templates.get_template(template).render(backend=context.backend.name, rights=rights, **values)
        return HTMLResponse(html, status)

    def index(request: Request) -> Response:
        return page("index.html", request=request, labs=[load_lab(path) for path in find_labs(labs_dir)])

    def lab_page(request: Request) -> Response:
        lab = _lab(labs_dir, request.path_params["name"])
        if lab is None:
            return page("missing.html", 404, request, name=request.path_params["name"])
        cards = [_card(step, context) for step in lab.steps]
        reason = lab.skip_reason(context.backend.name, context.stack)
        return page("lab.html", 200, request, lab=lab, cards=cards, skip_reason=reason)

    def run(request: Request) -> Response:
        lab = _lab(labs_dir, request.path_params["name"])
        number = request.path_params["number"]
        if lab is None or not 1 <= number <= len(lab.steps):
            return JSONResponse({"error": f"no step {number} in lab {request.path_params['name']}"}, 404)
        step = lab.steps[number - 1]
        why = room.refusal(request) if KINDS[step.kind].changes_the_stack else None
        if why:
            refusal = PRESENTER_ONLY.format(number=number, kind=step.kind, why=why, lab=lab.number)
            return JSONResponse({"refused": refusal}, 403)
        try:
            with _one_at_a_time if KINDS[step.kind].changes_the_stack else nullcontext():
                result = _run(lab, step, context)
        except ProxylabError as error:
            return JSONResponse({"error": error.render()}, 503)
        html = templates.get_template("result.html").render(result=result, hops=_hops(result, context))
        return JSONResponse({**_jsonable(step_json(result)), "skipped": result.skipped, "html": html})

    async def follow(request: Request) -> Response:
        return StreamingResponse(room.follow(), media_type="text/event-stream", headers=_NO_BUFFERING)

    async def move(request: Request) -> Response:
        why = room.refusal(request)
        if why:
            return JSONResponse({"refused": f"only the presenter moves the room: {why}"}, 403)
        try:
            where = await request.json()
            name, number = str(where["lab"]), where["step"]
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": 'the room moves with {"lab": "NN-slug", "step": N}'}, 400)
        lab = _lab(labs_dir, name)
        if lab is None or not isinstance(number, int) or not 1 <= number <= len(lab.steps):
            return JSONResponse({"error": f"no step {number} in lab {name}"}, 404)
        await room.move(lab.name, number)
        return JSONResponse(room.position)

    book = Starlette(
        routes=[
            Route("/", index),
            Route("/labs/{name}", lab_page),
            Route("/api/labs/{name}/steps/{number:int}/run", run, methods=["POST"]),
            Route("/api/follow", follow),
            Route("/api/follow", move, methods=["POST"]),
            Mount("/reports", routes=report_routes(page, reports_dir)),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ]
    )
    book.state.room = room  # labs/book/__main__.py ends its follow streams when the book stops
    return book


def _lab(labs_dir: Path, name: str) -> Lab | None:
    """The lab file `name` (NN-slug) of `labs_dir`, loaded; None when there is none."""
    path = next((path for path in find_labs(labs_dir) if path.stem == name), None)
    return None if path is None else load_lab(path)


def _card(step: Step, context: Context) -> dict[str, Any]:
    """What a step's card shows before it runs: the command and each field's expectation."""
    return {
        "step": step,
        "command": step.action.command(context),
        "changes_the_stack": KINDS[step.kind].changes_the_stack,
        "fields": [
            (name, step.expect[name].describe(context) if name in step.expect else None)
            for name in step.field_names
        ],
    }


def _run(lab: Lab, step: Step, context: Context) -> StepResult:
    reason = lab.skip_reason(context.backend.name, context.stack)
    if reason:
        return skip_step(lab, step, context, reason)
    # Under PROXYLAB_TARGET, as `make labs` does: a stack-changing or unmapped step is skipped.
    return run_or_skip(lab, step, context)


def _hops(result: StepResult, context: Context) -> Markup | None:
    """A request step's hop picture, from what it sent and the echo report it got back."""
    if result.skipped or result.step.kind != "request":
        return None
    request = result.step.action.request(context)  # type: ignore[attr-defined]  # a RequestAction
    body = result.answer.get("body")
    echo = body if isinstance(body, dict) else None
    return Markup(
        picture(request, echo, route_chain(context.stack, request.url))
    )  # every text escaped in hops.py


def _jsonable(value: Any) -> Any:
    """labs.json's record with MISSING (an absent field) as None, and anything else JSON cannot
    hold as its text."""
    if value is MISSING:
        return None
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
