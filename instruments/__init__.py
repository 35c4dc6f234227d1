"""The instruments: tools every wing uses to measure the stack, kept where every wing may import them.

What:
| module | job |
| --- | --- |
| `client.py` | one HTTP request, sent as written, and the curl command that sends the same bytes |
| `streams.py` | a WebSocket opened and an SSE stream read event by event, with their commands |
| `chromium/` | Debian's headless Chromium driven by Playwright (`driver.py`), kept offline (`network.py`) |
| `wrk.py`, `wrk_json.lua` | one fixed-concurrency wrk run, read back as JSON |
| `load_targets.py` | the app reached directly and through each proxy, for a load run (from compose.yaml) |
| `releases/` | other uvicorn/Starlette/FastAPI releases: sets, virtualenvs, the app restarted in one |
When: the labs (lessons), the suites (regression tables), the bench and the doctor each use some of
them; none of them is one wing's own.
Why: the wings change for different reasons and never import one another; what they share lives
here, one floor above the stack. The instruments import `proxylab` (the stack) and nothing of
labs/, suites/, bench/ or doctor/: pyproject.toml's import-linter contract says so, and
`make check` keeps it.
"""
