#!/usr/bin/env bash
# `make test`: every test on the native stack, then the stack tests again on a Docker engine.
# The phases (lifecycle, parallel, alone), the stack started once per backend, the time tables
# and the exit status are proxylab/testrun.py's; `scripts/test.sh --dry-run` prints each phase's
# command. Arguments go to every pytest run. A stack that already runs (`make up`) is used and
# left running.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
exec "$PY" -m proxylab.testrun "$@"
