"""Version drift: the matrix and the spoofing table across uvicorn, Starlette and FastAPI releases.

What: `python -m suites.drift [--sets "..."]` (`make drift`, `SETS=` to choose; grid.py's
DEFAULT_GRID without) builds one cached virtualenv per release set, starts the native stack once,
restarts the app services under each set in turn (both with instruments/releases/; the proxies
stay up), probes every route with the matrix's and the spoofing suite's own probes (grid.py),
and writes reports/drift.{json,md,html}: every route × field that differs across the grid, its
value per set, and the first release where it changed with the changelog entry behind it
(changes.py, changelog.py, report.py).
When: before an upgrade; not part of `make test`, except tests/suites/test_drift.py's proof that
the matrix fails, cell by cell, against an older uvicorn.
Why: an upgrade that changes behaviour should be known before it is made, and fail CI when made.
Native only: the Compose backend runs the same app from one image built with today's pins.
"""
