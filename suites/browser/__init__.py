"""The docs pages in a real browser: does {P}/docs render, where does "Try it out" go, does ReDoc?

What: for every route of compose.yaml, headless Chromium (Debian's, driven by Playwright) opens
Swagger UI and ReDoc, records every request, runs GET /app from "Try it out", screenshots both
pages and compares what it saw with suites/expected/docs_ui.json and with the matrix.
`python -m suites.browser` (`make screenshots`) runs it; tests/suites/browser runs the same checks.
When: after `make up`; in CI with the other stack tests.
Why: root_path bugs are met in the browser: the page loads but not its schema, or "Try it out"
calls a URL outside the proxy's prefix. curl-level checks (suites.matrix) cannot see that.

Chromium renders one route of each group whose docs inputs are byte-identical (pages, schema,
assets, after the route's own origin is a placeholder) and whose "Try it out" answers agree;
every route keeps its own HTTP fetches, fields, checks and screenshots.

Chromium itself (launching it, the request log, the offline guard) is an instrument the doctor
shares: instruments/chromium/. Modules: swagger / redoc (what to check on each page), inputs
(what a route's pages load, over HTTP, and its digest), run (one render, as expectation
fields), check (one route held to its render), renders (which routes share a render),
expected (the record, the diff, the cross-check with the matrix), __main__ (the command).
"""

from __future__ import annotations
