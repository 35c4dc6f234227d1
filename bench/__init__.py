"""What a proxy costs, measured: `make bench`, `make bench-smoke` and lab 10's `bench:` steps
(their step kinds are labs/kinds/bench.py).

| module | job |
| --- | --- |
| `load.py` | repeated, interleaved runs per target and path; medians, spreads, ratios |
| `coldstart.py` | native `down` then `up`, timed to all-healthy |
| `suite.py` | the test suite's duration (`make test`'s phases with the stack up, proxylab/testphases.py) |
| `sessions.py` | the last `make test` session per backend (reports/test-times.<backend>.json) |
| `regress.py` | each backend's session and suites against the previous bench's: slower, faster, new |
| `machine.py` | CPU count and model, for comparing reports |
| `stats.py` | median, min–max, ratios |
| `run.py` | one bench run, full or smoke, into a report dict |
| `table.py`, `chart.py` | the report as terminal tables and as reports/bench.png |

The load itself is an instrument, shared with lab 10's step kinds (labs/kinds/bench.py):
`instruments/wrk.py` (one wrk run) and `instruments/load_targets.py` (the app directly and
through each proxy, from compose.yaml).

Speed is measured, not asserted: nothing here fails because a number is large or small; only a
request that errors makes the numbers meaningless, and that is reported as such.
"""
