#!/usr/bin/env bash
# `make test`: every test on the native stack, then the stack tests again on a Docker engine.
#
# The first pytest session runs everything (tooling, app, labs, suites, bench, the native
# stack's lifecycle) with the stack as local processes. When a Docker engine answers and the
# Compose plugin is there, a second session runs every stack test (`-m "stack or compose"`:
# every lab, the matrix, spoofing, odd paths, the browser, the Compose lifecycle) with
# BACKEND=compose against the same expectation files. Arguments go to both pytest runs.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

# Each session ends with its time by suite (tests/suite_times.py); --durations adds the slowest
# single tests, so the next place to make `make test` faster is on screen.
SLOWEST=(--durations=5 --durations-min=5)

status=0
echo "== make test: the native session"
"$PY" -m pytest "${SLOWEST[@]}" "$@" || status=$?

native_running() {
  "$PY" -c 'import sys; from proxylab import compose; from proxylab.backend import choose
sys.exit(0 if choose(compose.load(), lambda _: None, "native").is_running() else 1)'
}

if ! docker info >/dev/null 2>&1 || ! docker compose version >/dev/null 2>&1; then
  echo "== make test: the Compose session was SKIPPED: no Docker engine answers (or no Compose plugin)."
  echo "   On Debian, \`make engine\` installs and starts one; Docker Desktop works as it is."
elif native_running; then
  echo "== make test: the Compose session was SKIPPED: a native stack (\`make up\`) holds the ports."
  echo "   \`make down\`, then \`make test\` runs both sessions."
else
  echo "== make test: the Compose session (COMPOSE_FILE=${COMPOSE_FILE:-compose.yaml})"
  BACKEND=compose "$PY" -m pytest -m "stack or compose" "${SLOWEST[@]}" "$@" || status=$?
fi
exit "$status"
