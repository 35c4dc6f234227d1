"""Every command line's exit status, decided here once.

What: the four statuses every proxylab command exits with, and `run_main`, which runs a command's
body and turns what escapes it into one of them:

  0 OK                  the command did what was asked
  1 EXPECTATION_FAILED  it ran, and what it checks was not as expected (a lab step, a suite's
                        table differs, a check finding, the doctor's --expect not met)
  2 FAULT               bad input or a fault a person can fix (a ProxylabError: a port in use, a
                        missing binary, a malformed lab file; argparse's usage errors are 2 too)
  130 INTERRUPTED       Ctrl-C (and SIGTERM where the command asks for it), after cleaning up

When: every `main` calls `return run_main(lambda: body(args))` after parsing its arguments; the
body returns OK or EXPECTATION_FAILED and raises ProxylabError for a fault.
`make help` and README.md say the same in one line each.
Why: a script, CI or `make` can tell "the lab found a difference" from "the lab could not run"
by the status alone, whichever command it ran.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

from proxylab.errors import ProxylabError

OK, EXPECTATION_FAILED, FAULT, INTERRUPTED = 0, 1, 2, 130


def run_main(body: Callable[[], int], *, interrupted: str = "interrupted", sigterm: bool = False) -> int:
    """Run a command's body and return its exit status; never raises a fault or Ctrl-C.

    A ProxylabError is printed (thing, cause, next step) to stderr and exits FAULT; Ctrl-C prints
    `interrupted` and exits INTERRUPTED. Either is followed by its notes: a cleanup that failed
    after it (proxylab/cleanup.py) is told second, and the status stays the first failure's.
    With `sigterm`, SIGTERM (`make down` from another terminal) is raised as Ctrl-C, so whatever
    the body started is stopped the same way.
    """
    if sigterm:
        signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        return body()
    except ProxylabError as error:
        print(error.render(), file=sys.stderr)
        return FAULT
    except KeyboardInterrupt as interrupt:
        print("\n".join(["", interrupted, *getattr(interrupt, "__notes__", [])]), file=sys.stderr)
        return INTERRUPTED


def _raise_interrupt(*_: object) -> None:
    raise KeyboardInterrupt
