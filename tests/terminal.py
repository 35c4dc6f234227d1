"""Start a child as a terminal would, for the tests that press Ctrl-C.

A process started from a terminal has SIGINT at its default, so Ctrl-C raises KeyboardInterrupt
in Python. A test runner may ignore SIGINT itself (a pytest-xdist worker does, and so does a job
started with `&` from a script), and a child inherits an ignored signal: the CLI would never see
the Ctrl-C the test sends. `preexec_fn=sigint_as_in_a_terminal` puts it back for the child only.
"""

from __future__ import annotations

import signal


def sigint_as_in_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
