"""Cleaning up after a failure without hiding it: the cleanup's own failure becomes a note.

What: `clean_up_after(failure, cleanup)` runs `cleanup` (stop what was started) while `failure`
is on its way out; if the cleanup fails too, that failure is added to `failure` as a note
("while cleaning up: ports 127.0.0.1:8008: are still in use ...") instead of being raised in its
place. `cleaned_up_by(cleanup)` is the same as a `with` block that cleans up however it ends.
ProxylabError.render prints the notes after the error, and Python's traceback does for any
other exception, so the cause is read first and the cleanup's trouble after it.
When: wherever a start or a run stops what it started on the way out: the native backend's `up`,
`python -m proxylab up` on Ctrl-C, `make drift`'s grid, `make bench`.
Why: a bare `down()` in an `except` or `finally` that raises replaces the exception that got
there; the person then reads "ports still in use after stopping every service" while the reason
the start failed ("port 127.0.0.1:8008 is already in use by pid 4121") survives only as
`__context__`, which nothing prints. The exit status follows the first failure too (a fault
stays 2, Ctrl-C stays 130: proxylab/exits.py).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from proxylab.errors import ProxylabError

PREFIX = "while cleaning up"


def clean_up_after(failure: BaseException, cleanup: Callable[[], object]) -> None:
    """Run `cleanup`; if it raises, note that on `failure` and return: the caller re-raises `failure`.

    Anything the cleanup raises is caught, Ctrl-C included: the caller is on its way out with
    `failure` already, and a second Ctrl-C must not turn "why the start failed" into "interrupted".
    """
    try:
        cleanup()
    except BaseException as trouble:  # noqa: BLE001 - noted on `failure`, which the caller raises
        note = _note(trouble)
        if note not in getattr(failure, "__notes__", []):  # a second cleanup failing the same way
            failure.add_note(note)


@contextmanager
def cleaned_up_by(cleanup: Callable[[], object]) -> Iterator[None]:
    """Run `cleanup` when the block ends. After a success its failure is raised as usual; after a
    failure it is noted on that failure (clean_up_after), which goes on."""
    try:
        yield
    except BaseException as failure:
        clean_up_after(failure, cleanup)
        raise
    cleanup()


def _note(trouble: BaseException) -> str:
    """A ProxylabError as it would print (thing, cause, next step); Ctrl-C in one word; anything
    else, a bug, with its traceback, which would otherwise be lost."""
    if isinstance(trouble, ProxylabError):
        return trouble.render(heading=PREFIX)
    if isinstance(trouble, KeyboardInterrupt):
        return f"{PREFIX}: interrupted (Ctrl-C)"
    return f"{PREFIX}: " + "".join(traceback.format_exception(trouble)).rstrip()
