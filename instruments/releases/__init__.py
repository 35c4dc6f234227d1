"""Release sets: the app services run under other uvicorn, Starlette and FastAPI releases.

What: `sets.py` names a set (`ReleaseSet`, `parse_set`, `PINNED`); `envs.py` builds its
virtualenv once from PyPI and caches it (`ensure_env`, `installed`); `apps.py` restarts app
services of a running native stack from a virtualenv (`app_services`, `run_apps`); `restart.py`
is the command that does all three (`python -m instruments.releases.restart SET SERVICE...`).
When: lab 14's `release-set` steps, `make drift` (suites/drift/) and the drift test.
Why: an upgrade's effect on live traffic is seen by swapping only the app's packages while the
proxies stay up; lessons and suites do it the same way, so they share this.
"""
