#!/usr/bin/env bash
# `make test`: every test on the native stack, then the stack tests again on a Docker engine.
#
# Each backend runs in three phases, each a pytest session:
#   lifecycle  the tests that start and stop stacks of their own (`-m lifecycle`), before the
#              session stack exists, as they need its ports;
#   parallel   everything that leaves the stack as it found it, on TEST_WORKERS workers (default
#              2, pytest-xdist), with the stack started once here; a test file stays on one
#              worker (--dist loadfile), so its module fixtures run once (each lab runs once);
#   alone      what stops, restarts or loads the stack (`-m alone`: labs 06, 07, 10 and 14, the
#              drift check, the bench smoke) or times a signal (the doctor's Ctrl-C test), one
#              after the other with nothing beside it: lab 07's counts assume a machine busy only
#              with them.
# The native backend runs every test; when a Docker engine answers and the Compose plugin is
# there, the Compose backend runs every stack test (`-m "stack or compose"`: every lab, the
# matrix, spoofing, odd paths, the browser, the Compose lifecycle) against the same expectation
# files. Each backend ends with its time by suite over all phases (reports/test-times.<backend>.json).
# Arguments go to every pytest run. A stack that already runs (`make up`) is used and left running.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
WORKERS=${TEST_WORKERS:-2}

# --durations adds the slowest single tests, so the next place to make `make test` faster is on screen.
SLOWEST=(--durations=5 --durations-min=5)
PHASES_DIR=reports/test-phases

status=0
stack_started=""
now() { date +%s.%N; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }
plus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a + b }'; }

stack_healthy() {  # exit 0 when every service of the backend's stack is healthy
  "$PY" -c 'import sys; from proxylab import compose; from proxylab.backend import choose
statuses = choose(compose.load(), lambda _: None, sys.argv[1]).status()
sys.exit(0 if statuses and all(s.is_healthy for s in statuses) else 1)' "$1"
}

stop_stack() {
  if [[ -n "$stack_started" ]]; then
    local began; began=$(now)
    BACKEND=$stack_started "$PY" -m proxylab down >/dev/null || status=1
    stack_seconds=$(plus "$stack_seconds" "$(minus "$(now)" "$began")")
    stack_started=""
  fi
}
trap 'stop_stack' EXIT
trap 'stop_stack; exit 130' INT TERM

phase() {  # backend, phase name, pytest arguments...
  local backend=$1 name=$2; shift 2
  echo "== make test: $backend backend, $name phase"
  local code=0
  BACKEND=$backend TEST_TIMES_FILE="$PHASES_DIR/$backend.$name.json" "$PY" -m pytest "${SLOWEST[@]}" "$@" || code=$?
  # 5: no test selected (e.g. no lifecycle test on this backend)
  if [[ $code -ne 0 && $code -ne 5 ]]; then status=$code; fi
}

backend_session() {  # backend, marker expression every phase adds ("" for all), pytest arguments...
  local backend=$1 only=$2; shift 2
  local and=${only:+ and ($only)}
  local began; began=$(now)
  stack_seconds=0
  rm -rf "$PHASES_DIR/$backend".*.json; mkdir -p "$PHASES_DIR"
  phase "$backend" lifecycle -m "lifecycle$and" "$@"
  if ! stack_healthy "$backend"; then
    local up_began; up_began=$(now)
    stack_started=$backend
    echo "== make test: starting the $backend stack once for the next two phases"
    BACKEND=$backend "$PY" -m proxylab up || { status=1; stop_stack; return; }
    stack_seconds=$(minus "$(now)" "$up_began")
  fi
  local parallel=()
  if [[ "$WORKERS" -gt 1 ]]; then parallel=(-n "$WORKERS" --dist loadfile); fi
  phase "$backend" parallel "${parallel[@]}" -m "not lifecycle and not alone$and" "$@"
  phase "$backend" alone -m "alone and not lifecycle$and" "$@"
  stop_stack
  PYTHONPATH=. "$PY" tests/suite_times.py merge "$backend" "$(minus "$(now)" "$began")" "$stack_seconds" \
    "$PHASES_DIR/$backend".{lifecycle,parallel,alone}.json || true
}

native_running() {
  "$PY" -c 'import sys; from proxylab import compose; from proxylab.backend import choose
sys.exit(0 if choose(compose.load(), lambda _: None, "native").is_running() else 1)'
}

backend_session native "" "$@"
ran=(native)

if ! docker info >/dev/null 2>&1 || ! docker compose version >/dev/null 2>&1; then
  echo "== make test: the Compose session was SKIPPED: no Docker engine answers (or no Compose plugin)."
  echo "   On Debian, \`make engine\` installs and starts one; Docker Desktop works as it is."
elif native_running; then
  echo "== make test: the Compose session was SKIPPED: a native stack (\`make up\`) holds the ports."
  echo "   \`make down\`, then \`make test\` runs both sessions."
else
  echo "== make test: the Compose session (COMPOSE_FILE=${COMPOSE_FILE:-compose.yaml})"
  backend_session compose "stack or compose" "$@"
  ran+=(compose)
fi

# The last lines a CI log shows: each backend's wall clock and its three slowest suites.
"$PY" - "${ran[@]}" <<'SUMMARY' || true
import json, sys
for backend in sys.argv[1:]:
    data = json.load(open(f"reports/test-times.{backend}.json"))
    slowest = ", ".join(f"{row['suite']} {row['seconds']:.0f} s" for row in data["suites"][:3])
    print(f"== make test: {backend} {data['wall_seconds']:.0f} s (slowest: {slowest}; all in reports/test-times.{backend}.json)")
SUMMARY
exit "$status"
