#!/usr/bin/env bash
# `make engine` / `make engine-down`: a Docker engine and Compose v2 for a Debian machine that has
# none (CI here, an offline workshop room). Docker Desktop, or any engine that already answers
# `docker info`, never needs this: `up` then starts nothing and `down` stops nothing of it.
#
#   scripts/engine.sh up     install docker.io if missing, start dockerd if nothing answers,
#                            build Compose v2 once per version and install it as the CLI plugin
#   scripts/engine.sh down   stop the dockerd that `up` started (by its pid file), and only that one
set -euo pipefail

# The one pin of the Compose v2 release built from its Go module (Debian bookworm packages none)
# is COMPOSE_VERSION in tools/compose/versions.env, which `make check` reads too.
PINS="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tools/compose/versions.env"
COMPOSE_VERSION=$(sed -n 's/^COMPOSE_VERSION=\(v[0-9][^[:space:]]*\)$/\1/p' "$PINS" 2>/dev/null || true)
COMPOSE_MODULE=github.com/docker/compose/v2

CACHE="${PROXYLAB_CACHE:-$HOME/.cache/proxylab}"
ENGINE_DIR="$CACHE/engine"
PID_FILE="$ENGINE_DIR/dockerd.pid"
LOG_FILE="$ENGINE_DIR/dockerd.log"
COMPOSE_BIN="$CACHE/compose/$COMPOSE_VERSION/docker-compose"
PLUGIN="$HOME/.docker/cli-plugins/docker-compose"
# dockerd stops running containers before it exits (up to 15 s each, in parallel): wait longer.
STOP_TIMEOUT_S=60
START_TIMEOUT_S=30
# Seconds between two lines of a Go build's progress: a log shows it moving, not one line a package.
PROGRESS_EVERY_S=15

started=$(date +%s)
say() { printf 'engine: %s\n' "$*"; }
elapsed() { echo "$(( $(date +%s) - $1 ))s"; }
# An error names the thing, the cause and the next step.
fail() { printf 'engine: error: %s\n' "$*" >&2; exit 2; }  # a fault: exit 2 (proxylab/exits.py)

[ -n "$COMPOSE_VERSION" ] \
  || fail "$PINS has no COMPOSE_VERSION=vX.Y.Z line; restore it (git checkout tools/compose/versions.env) and rerun"

engine_answers() { docker info >/dev/null 2>&1; }

# The pid in our pid file, if that process is still the dockerd we started (pids are reused).
our_dockerd_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid=$(cat "$PID_FILE")
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = dockerd ] || return 1
  echo "$pid"
}

# Step 1, for `up`: the engine package. Debian's docker.io (20.10) brings dockerd, containerd,
# runc and docker-init (what `init: true` runs); the newer Docker CLI already on PATH talks to it.
install_docker_io() {
  if command -v dockerd >/dev/null; then
    return
  fi
  command -v apt-get >/dev/null \
    || fail "dockerd is not installed and this is not a Debian machine (no apt-get); install Docker Engine or Docker Desktop, then rerun \`make engine\`"
  local sudo="" t
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  t=$(date +%s)
  say "installing Debian's docker.io (dockerd is not on PATH)"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # --no-install-recommends: the engine alone, without git, apparmor and needrestart.
  $sudo apt-get install -y -qq --no-install-recommends docker.io >/dev/null \
    || fail "apt-get install docker.io failed; read apt's message above, fix it (e.g. \`apt-get update\`) and rerun \`make engine\`"
  say "installed $(dpkg-query -W -f='docker.io ${Version}' docker.io) in $(elapsed "$t")"
}

# Step 2, for `up`: a running engine. Started in the background with its own session, so it
# outlives make; its pid file says that we started it, so `down` stops this one and no other.
start_dockerd() {
  local pid
  if engine_answers; then
    if pid=$(our_dockerd_pid); then
      say "dockerd answers (pid $pid, started by make engine; log $LOG_FILE)"
    else
      say "a Docker engine already answers ($(docker info --format '{{.ServerVersion}}' 2>/dev/null)); not started by make engine, left alone"
    fi
    return
  fi
  if pid=$(pgrep -x dockerd | head -n1) && [ -n "$pid" ]; then
    fail "a dockerd is running (pid $pid) but \`docker info\` gets no answer from it; read its log or stop it (\`kill $pid\`), then rerun \`make engine\`"
  fi
  [ "$(id -u)" -eq 0 ] || fail "dockerd must run as root; rerun as root (\`sudo make engine\`)"
  mkdir -p "$ENGINE_DIR"
  rm -f "$PID_FILE"
  local t
  t=$(date +%s)
  say "starting dockerd (overlay2; log $LOG_FILE)"
  # overlay2 on the host's ext4; dockerd starts its own containerd when none runs.
  setsid dockerd --storage-driver=overlay2 >"$LOG_FILE" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PID_FILE"
  local deadline=$(( $(date +%s) + START_TIMEOUT_S ))
  until engine_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      tail -n 20 "$LOG_FILE" >&2 || true
      fail "dockerd (pid $pid) exited during start-up; its last log lines are above (full log: $LOG_FILE); fix the cause and rerun \`make engine\`"
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      tail -n 20 "$LOG_FILE" >&2 || true
      fail "dockerd (pid $pid) is running but \`docker info\` got no answer within ${START_TIMEOUT_S}s; its last log lines are above (full log: $LOG_FILE); run \`make engine-down\` and retry"
    fi
    sleep 0.2
  done
  say "dockerd $(docker info --format '{{.ServerVersion}}') answers (pid $pid) after $(elapsed "$t")"
}

# A Go build's progress, as proxylab/native/go_progress.py shows Traefik's and Caddy's: reads
# `go build -v` (each package's import path as it is compiled; `go: downloading M V` for a module
# fetched first) and says every PROGRESS_EVERY_S seconds how far it got, even while the link
# prints nothing. Every other line is the Go error: it passes through to stderr as it comes.
go_build_progress() {
  local what=$1 t=$2 line="" partial="" packages=0 downloads=0 now="" fetched status
  local due=$(( SECONDS + PROGRESS_EVERY_S ))
  while :; do
    status=0
    IFS= read -r -t 1 line || status=$?
    # Above 128 is read's 1 s timeout: keep what it got of a line, and look at the clock.
    if [ "$status" -gt 128 ]; then
      partial+=$line
    elif [ "$status" -ne 0 ] && [ -z "$partial$line" ]; then
      break
    else
      line=$partial$line
      partial=""
      if [[ $line == "go: downloading "* ]]; then
        downloads=$(( downloads + 1 ))
        now="downloading ${line#go: downloading }"
      elif [[ $line =~ ^[A-Za-z0-9_.~+/-]+$ ]]; then
        packages=$(( packages + 1 ))
        now=$line
      else
        printf '%s\n' "$line" >&2
      fi
      [ "$status" -eq 0 ] || break
    fi
    if [ "$SECONDS" -ge "$due" ]; then
      fetched=""
      [ "$downloads" -eq 0 ] || fetched=", modules downloaded: $downloads"
      say "building $what: $packages packages$fetched, $(elapsed "$t")${now:+, now $now}"
      due=$(( SECONDS + PROGRESS_EVERY_S ))
    fi
  done
}

# Step 3, for `up`: Compose v2, built from its Go module once per version into the cache.
# `go install ...@version` refuses the module (its go.mod has exclude directives), so build it
# in a writable copy of the downloaded module instead.
build_compose() {
  if [ -x "$COMPOSE_BIN" ] && "$COMPOSE_BIN" version >/dev/null 2>&1; then
    say "Compose $COMPOSE_VERSION: cached ($COMPOSE_BIN)"
    return
  fi
  command -v go >/dev/null \
    || fail "go is not on PATH; Compose $COMPOSE_VERSION is built from its Go module; install the Go toolchain (1.24 or newer) and rerun \`make engine\`"
  local t work dir
  t=$(date +%s)
  say "building Compose $COMPOSE_VERSION from its Go module (first run only; about 2-3 min on 2 cores)"
  # GOTOOLCHAIN=local: use the Go on PATH, never download another toolchain.
  export GOTOOLCHAIN=local GOFLAGS=-mod=mod
  local json
  json=$(go mod download -json "$COMPOSE_MODULE@$COMPOSE_VERSION" 2>&1) \
    || fail "go mod download $COMPOSE_MODULE@$COMPOSE_VERSION failed: $(printf '%s' "$json" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",*$/\1/p' | head -n1); check that the Go module proxy answers (\`go env GOPROXY\`) and rerun \`make engine\`"
  dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] && [ -d "$dir" ] \
    || fail "go mod download $COMPOSE_MODULE@$COMPOSE_VERSION gave no module folder; check that the Go module proxy answers (\`go env GOPROXY\`) and rerun \`make engine\`"
  work=$(mktemp -d)
  # The module cache is read-only; the build needs a copy it may write to.
  cp -r "$dir" "$work/compose"
  chmod -R u+w "$work/compose"
  mkdir -p "$(dirname "$COMPOSE_BIN")"
  # -v only prints (each package as it is compiled), for go_build_progress; pipefail keeps go's status.
  if ! (cd "$work/compose" && CGO_ENABLED=0 go build -v -trimpath \
          -ldflags "-s -w -X $COMPOSE_MODULE/internal.Version=$COMPOSE_VERSION" \
          -o "$COMPOSE_BIN.partial" ./cmd 2>&1 | go_build_progress "Compose $COMPOSE_VERSION" "$t"); then
    rm -rf "$work"
    fail "go build of Compose $COMPOSE_VERSION failed (Go error above); a network error means the Go module proxy was not reachable, a version error that this Go ($(go env GOVERSION)) is too old; fix it and rerun \`make engine\`"
  fi
  rm -rf "$work"
  # Renamed into place only when complete: an interrupted build is never taken for a cached one.
  mv "$COMPOSE_BIN.partial" "$COMPOSE_BIN"
  say "built Compose $COMPOSE_VERSION in $(elapsed "$t") ($(du -h "$COMPOSE_BIN" | cut -f1))"
}

# Step 4, for `up`: the CLI plugin, a symlink to the cached build. A plugin that is not ours
# (Docker Desktop's, a distribution's) is left in place.
install_plugin() {
  mkdir -p "$(dirname "$PLUGIN")"
  if [ -e "$PLUGIN" ] && [ ! -L "$PLUGIN" ]; then
    say "Compose plugin: $PLUGIN is not ours, left alone ($(docker compose version --short 2>/dev/null || echo 'it does not run'))"
    return
  fi
  ln -sfn "$COMPOSE_BIN" "$PLUGIN"
  local version
  version=$(docker compose version --short 2>/dev/null) \
    || fail "\`docker compose version\` fails with the plugin $PLUGIN -> $COMPOSE_BIN; delete $COMPOSE_BIN and rerun \`make engine\` to rebuild it"
  say "Compose plugin: $PLUGIN -> $COMPOSE_BIN (docker compose version: $version)"
}

# Compose already on the CLI (Docker Desktop, docker-compose-plugin): nothing to build.
compose_present_elsewhere() {
  [ ! -L "$PLUGIN" ] && docker compose version >/dev/null 2>&1
}

up() {
  if ! engine_answers; then
    install_docker_io
  fi
  command -v docker >/dev/null \
    || fail "the docker CLI is not on PATH (dockerd is); install the CLI (Debian: apt-get install docker.io) and rerun \`make engine\`"
  start_dockerd
  if compose_present_elsewhere; then
    say "Compose: $(docker compose version --short) already on the CLI, not ours; nothing built"
  else
    build_compose
    install_plugin
  fi
  say "ready in $(elapsed "$started"): $(docker version --format 'engine {{.Server.Version}}, CLI {{.Client.Version}}'), Compose $(docker compose version --short)"
}

down() {
  local pid
  if ! pid=$(our_dockerd_pid); then
    rm -f "$PID_FILE"
    if engine_answers; then
      say "a Docker engine answers but make engine did not start it; left alone"
    else
      say "no dockerd started by make engine is running; nothing to stop"
    fi
    return
  fi
  local running
  running=$(docker ps -q 2>/dev/null | wc -l)
  [ "$running" -eq 0 ] || say "$running container(s) still running; dockerd stops them as it exits"
  say "stopping dockerd (pid $pid)"
  kill -TERM "$pid"
  local deadline=$(( $(date +%s) + STOP_TIMEOUT_S ))
  while [ -d "/proc/$pid" ]; do
    [ "$(date +%s)" -lt "$deadline" ] \
      || fail "dockerd (pid $pid) did not exit within ${STOP_TIMEOUT_S}s of SIGTERM; see $LOG_FILE, then \`kill -KILL $pid\`"
    sleep 0.2
  done
  rm -f "$PID_FILE"
  # What dockerd leaves behind is not undone here: it is what any dockerd leaves.
  say "dockerd stopped in $(elapsed "$started"); it leaves docker0, ip_forward=1 and its iptables chains (gone at reboot)"
}

# Sourced (tests/tooling/test_go_progress.py calls go_build_progress), it defines and runs nothing.
[[ ${BASH_SOURCE[0]} == "$0" ]] || return 0

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
