"""The live behaviour matrix: every route of compose.yaml, probed, compared with what was recorded.

What: for each route (direct and through Traefik, Nginx, Caddy or HAProxy, stripping /api/v1 or
not) the cells that say how the pinned uvicorn, Starlette, FastAPI and proxies behave together: what the
app receives and builds (GET {P}/app), whether its docs page finds its schema, and where the
trailing-slash redirect points. `python -m suites.matrix` (`make matrix`) prints it, writes
reports/matrix.{md,html,json} and exits 1 with a diff when it differs from
suites/expected/matrix.json; `--update` (`make matrix-update`) records it.
When: after any upgrade, and in CI on every change.
Why: an upgrade that changes behaviour must show up as a reviewed diff, not as a surprise.

Modules: fields (the columns), probe (the requests and cells), expected (the record, compare,
diff; the table itself is suites/table.py), terminal / markdown / html (the reports), __main__ (the command).
"""

from __future__ import annotations

from suites.matrix.expected import load_expected, render_diff, write_expected
from suites.matrix.probe import Matrix, Row, probe_matrix, probe_route, probe_routes
from suites.table import Difference, compare

__all__ = [
    "Difference",
    "Matrix",
    "Row",
    "compare",
    "load_expected",
    "probe_matrix",
    "probe_route",
    "probe_routes",
    "render_diff",
    "write_expected",
]
