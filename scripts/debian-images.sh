#!/usr/bin/env bash
# `make images`: every image compose.debian.yaml names, built from Debian packages for an engine
# that reaches no container registry (CI here, an offline workshop room). Nothing is pulled: the
# base is a debootstrap of Debian bookworm imported with `docker import`; the others are built
# FROM it with apt over http, a wheelhouse downloaded on the host, the cached Traefik and Caddy
# builds, and the releases of Nginx, HAProxy and Redis that compose.yaml pins, unpacked from
# Debian's suites into the cache (`python -m proxylab releases`): the same bytes the native
# backend runs.
#
# Each image carries the label proxylab.inputs, a hash of everything it is made of (its build
# context, including wheels and binaries, and the id of the base image); an image whose inputs
# are unchanged is skipped, so a second run only hashes. FORCE=1 rebuilds everything.
set -euo pipefail
# A failure inside $(...) stops the script too (a half-staged build context is never built).
shopt -s inherit_errexit
cd "$(dirname "$0")/.."

SUITE=bookworm
CACHE="${PROXYLAB_CACHE:-$HOME/.cache/proxylab}"
WORK="$CACHE/images"
PY="${PY:-.venv/bin/python}"
FORCE="${FORCE:-0}"
# The legacy builder: no buildx here, and it needs none to build FROM a local image.
export DOCKER_BUILDKIT=0

# The names, derived from the pins they stand for; compose.debian.yaml must say the same.
APP_VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml)
TRAEFIK_VERSION=$(sed -n 's|.*github.com/traefik/traefik/v3 \(v[^ ]*\).*|\1|p' tools/traefik/go.mod | head -n1)
CADDY_VERSION=$(sed -n 's|.*github.com/caddyserver/caddy/v2 \(v[^ ]*\).*|\1|p' tools/caddy/go.mod | head -n1)
KUBE_APISERVER_VERSION=$(sed -n 's|.*k8s.io/kubernetes \(v[^ ]*\).*|\1|p' tools/kube-apiserver/go.mod | head -n1)
KINE_VERSION=$(sed -n 's|.*github.com/k3s-io/kine \(v[^ ]*\).*|\1|p' tools/kine/go.mod | head -n1)
BASE="proxylab/debian-base:$SUITE"
APP="proxylab/app:$APP_VERSION"
# The same app with pyproject.toml's fastapi-run extra instead of certs (lab 15's `fastapi run`).
APP_FASTAPI_RUN="proxylab/app-fastapi-run:$APP_VERSION"
# The upstream version of an image compose.yaml pins: nginx:1.30.6-alpine → 1.30.6.
# Every version compose.yaml runs of one: nginx:1.30.6-alpine, and lab 16's nginx:1.22.1-alpine.
pinned_images() { sed -n "s|^ *image: \($1:[^ ]*\).*|\1|p" compose.yaml | sort -u; }
version_of() { echo "$1" | cut -d: -f2 | cut -d- -f1; }
NGINX_IMAGES=$(pinned_images nginx)
HAPROXY_IMAGES=$(pinned_images haproxy)
REDIS_IMAGE=$(pinned_images redis | head -n1)
REDIS="proxylab/redis:$(version_of "$REDIS_IMAGE")"
# Ours for each: proxylab/nginx:1.30.6 for nginx:1.30.6-alpine.
ours() { echo "proxylab/$(echo "$1" | cut -d: -f1):$(version_of "$1")"; }
TRAEFIK="proxylab/traefik:$TRAEFIK_VERSION"
TRAEFIK_BIN="$CACHE/traefik/$TRAEFIK_VERSION/traefik"
CADDY="proxylab/caddy:$CADDY_VERSION"
CADDY_BIN="$CACHE/caddy/$CADDY_VERSION/caddy"
# The k8s profile's control plane (make k8s-build), for registry.k8s.io/kube-apiserver and rancher/kine.
KUBE_APISERVER="proxylab/kube-apiserver:$KUBE_APISERVER_VERSION"
KUBE_APISERVER_BIN="$CACHE/kube-apiserver/$KUBE_APISERVER_VERSION/kube-apiserver"
KINE="proxylab/kine:$KINE_VERSION"
KINE_BIN="$CACHE/kine/$KINE_VERSION/kine"
# What `python -m proxylab.certs` needs of proxylab/ in the app images, as app/Dockerfile copies it.
CERTS_FILES="__init__.py paths.py certs.py exits.py errors.py"
# ...and the k8s profile's one-shots (proxylab/k8s/oneshot.py), as app/Dockerfile copies them.
K8S_FILES="__init__.py api.py manifests.py pki.py oneshot.py"

started=$(date +%s)
# Every line says how far the run got and since when, as proxylab/steps.py's do in Python:
# `images: [3/11 0:42] proxylab/nginx:1.30.6: building`. A step is the releases, the base or one
# image; STEPS is set once the pinned images are known, below.
STEP=0
STEPS=0
say() {
  local s=$(( $(date +%s) - started ))
  printf 'images: [%d/%d %d:%02d] %s\n' "$STEP" "$STEPS" $(( s / 60 )) $(( s % 60 )) "$*"
}
# A step ended: count it, then say what it was.
done_step() { STEP=$(( STEP + 1 )); say "$@"; }
elapsed() { echo "$(( $(date +%s) - $1 ))s"; }
# An error names the thing, the cause and the next step.
fail() { printf 'images: error: %s\n' "$*" >&2; exit 2; }  # a fault: exit 2 (proxylab/exits.py)

# Step 0: what every step needs: an engine, the names compose.debian.yaml uses, the inputs.
preflight() {
  docker info >/dev/null 2>&1 \
    || fail "no Docker engine answers \`docker info\`; start one (\`make engine\`) and rerun \`make images\`"
  local image
  local upstream
  for image in "$APP" "$APP_FASTAPI_RUN" "$REDIS" "$TRAEFIK" "$CADDY" "$KUBE_APISERVER" "$KINE" \
      $(for upstream in $NGINX_IMAGES $HAPROXY_IMAGES; do ours "$upstream"; done); do
    grep -qE "image: ${image//./\\.}([[:space:],}]|\$)" compose.debian.yaml \
      || fail "compose.debian.yaml does not name $image, the image this script builds from the pins; make them agree (the tag comes from pyproject.toml, tools/traefik/go.mod or tools/caddy/go.mod)"
  done
  [ -x "$TRAEFIK_BIN" ] \
    || fail "the Traefik $TRAEFIK_VERSION build is not in $TRAEFIK_BIN; run \`make traefik\` (it builds it once) and rerun \`make images\`"
  [ -x "$CADDY_BIN" ] \
    || fail "the Caddy $CADDY_VERSION build is not in $CADDY_BIN; run \`make caddy\` (it builds it once) and rerun \`make images\`"
  [ -x "$KUBE_APISERVER_BIN" ] && [ -x "$KINE_BIN" ] \
    || fail "the kube-apiserver $KUBE_APISERVER_VERSION or kine $KINE_VERSION build is not in $CACHE; run \`make k8s-build\` (it builds them once) and rerun \`make images\`"
  [ -x "$PY" ] \
    || fail "$PY is missing; the wheelhouse is downloaded with the virtualenv's pip: run \`make venv\` and rerun \`make images\`"
  # Wheels are chosen for the Python that downloads them: it must be the image's (Debian's 3.11).
  "$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
    || fail "$PY is Python $("$PY" -c 'import platform; print(platform.python_version())'), but the image runs Debian bookworm's 3.11 and the wheelhouse must match it; point PY at a Python 3.11 with pip (PY=/usr/bin/python3.11) and rerun \`make images\`"
  mkdir -p "$WORK/logs"
}

# A hash of a folder's files, names and contents, in a stable order.
hash_dir() {
  (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-64
}
hash_text() { printf '%s' "$*" | sha256sum | cut -c1-64; }
# The inputs label of an existing image, empty when there is none.
image_inputs() { docker image inspect -f '{{index .Config.Labels "proxylab.inputs"}}' "$1" 2>/dev/null || true; }
image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }
unchanged() { [ "$FORCE" != 1 ] && [ "$(image_inputs "$1")" = "$2" ]; }

# The old image a rebuild replaced, untagged now: removed, unless a container still uses it.
drop_replaced() {
  local old=$1 image=$2
  [ -n "$old" ] && [ "$old" != "$(image_id "$image")" ] || return 0
  docker image rm "$old" >/dev/null 2>&1 || true
}

# The Debian mirror the host's apt uses (deb822 or one-line format), for debootstrap.
host_mirror() {
  local uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources | head -n1)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\)[[:space:]]\+[a-z]*[[:space:]].*/\2/p' /etc/apt/sources.list | head -n1)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

# Step 1: the base, Debian bookworm from debootstrap (the registry's debian image is out of
# reach). The container's apt gets the host's sources, so both install the same packages.
build_base() {
  local mirror sources="" sources_hash="" inputs t old
  mirror=$(host_mirror)
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sources=/etc/apt/sources.list.d/debian.sources
    sources_hash=$(sha256sum <"$sources")
  fi
  inputs=$(hash_text "minbase $SUITE $mirror" "$(hash_dir images/debian/base)" "$sources_hash")
  if unchanged "$BASE" "$inputs"; then
    done_step "$BASE: inputs unchanged, skipped"
    return
  fi
  if ! command -v debootstrap >/dev/null; then
    say "installing Debian's debootstrap (it builds the base image)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends debootstrap >/dev/null 2>&1 \
      || { apt-get update -qq && apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; } \
      || fail "apt-get install debootstrap failed; install it by hand (\`apt-get install debootstrap\`) and rerun \`make images\`"
  fi
  t=$(date +%s)
  old=$(image_id "$BASE")
  say "$BASE: debootstrap --variant=minbase $SUITE from $mirror (about 30 s)"
  ROOTFS=$(mktemp -d "$WORK/rootfs.XXXXXX")
  local rootfs=$ROOTFS
  debootstrap --variant=minbase "$SUITE" "$rootfs" "$mirror" >"$WORK/logs/base.log" 2>&1 || {
    tail -n 20 "$WORK/logs/base.log" >&2
    fail "debootstrap of Debian $SUITE from $mirror failed (last lines above, full log $WORK/logs/base.log); check that the mirror answers over http and rerun \`make images\`"
  }
  # No service starts during a build, no recommends, no docs; the host's apt sources.
  cp -a images/debian/base/overlay/. "$rootfs/"
  if [ -n "$sources" ]; then
    rm -f "$rootfs/etc/apt/sources.list"
    cp "$sources" "$rootfs/etc/apt/sources.list.d/debian.sources"
  fi
  # What debootstrap leaves that no image needs: downloaded packages, apt's lists and caches, docs.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin \
    "$rootfs"/var/lib/apt/lists/* "$rootfs"/tmp/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
  find "$rootfs/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete
  tar -C "$rootfs" -c . | docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["bash"]' \
      --change "LABEL proxylab.inputs=$inputs" \
      --change 'LABEL proxylab.source="debootstrap --variant=minbase by scripts/debian-images.sh"' \
      - "$BASE" >/dev/null
  rm -rf --one-file-system "$rootfs"
  drop_replaced "$old" "$BASE"
  done_step "$BASE: imported in $(elapsed "$t") ($(docker image inspect -f '{{.Size}}' "$BASE" | awk '{printf "%d MB", $1/1e6}'))"
}

# A build context of its own for each image, so each one holds exactly its inputs; the context
# is named after the image ($2, default $1), the files come from images/debian/$1.
stage() {
  local name=$1 dir="$WORK/context/${2:-$1}"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp -a "images/debian/$name/." "$dir/"
  echo "$dir"
}

# Hardlink when the cache and the context share a file system (instant), else copy.
link_or_copy() { ln -f "$1" "$2" 2>/dev/null || cp -a "$1" "$2"; }

# What app/Dockerfile installs with EXTRAS=$1, as a requirements file: pyproject.toml's
# [project.dependencies] and that extra (`certs`: trustme, for compose.yaml's one-shot `certs`
# service; `fastapi-run`: fastapi-cli and uvicorn[standard]), not the lab's extras. Wheels for
# them and every transitive pin in constraints.txt are downloaded once per (requirements,
# constraints) on the host, whose Python (3.11) and glibc match the image's. $2 names the context.
stage_app() {
  local extra=$1 dir wheelhouse key
  dir=$(stage app "$2")
  EXTRA="$extra" "$PY" - >"$dir/requirements.txt" <<'PYTHON'
import os, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
extras = project.get("optional-dependencies", {})
extra = [pin for name in os.environ["EXTRA"].split(",") for pin in extras[name]]
print("\n".join(project["dependencies"] + extra))
PYTHON
  cp constraints.txt "$dir/constraints.txt"
  key=$(cat "$dir/requirements.txt" "$dir/requirements-debian.txt" "$dir/constraints.txt" | sha256sum | cut -c1-16)
  wheelhouse="$CACHE/wheelhouse/$key"
  if [ ! -f "$wheelhouse/.complete" ]; then
    say "wheelhouse: downloading the app's wheels into $wheelhouse (once per pin set)" >&2
    rm -rf "$wheelhouse"
    mkdir -p "$wheelhouse"
    "$PY" -m pip download --quiet --only-binary=:all: --dest "$wheelhouse" \
        -r "$dir/requirements.txt" -r "$dir/requirements-debian.txt" -c "$dir/constraints.txt" >&2 \
      || fail "pip download of the app's wheels failed (pip's message above); check that PyPI answers, or that a pin in pyproject.toml/constraints.txt exists as a wheel, and rerun \`make images\`"
    touch "$wheelhouse/.complete"
  fi
  mkdir -p "$dir/wheels"
  local wheel
  for wheel in "$wheelhouse"/*.whl; do link_or_copy "$wheel" "$dir/wheels/"; done
  # The package itself, without caches that say nothing about the code; and, as app/Dockerfile
  # copies them, the five files of proxylab's certificate maker (`python -m proxylab.certs`).
  tar -C . --exclude=__pycache__ --exclude='*.pyc' -cf - app | tar -C "$dir" -xf -
  mkdir -p "$dir/proxylab"
  local file
  for file in $CERTS_FILES; do cp "proxylab/$file" "$dir/proxylab/"; done
  mkdir -p "$dir/proxylab/k8s"
  for file in $K8S_FILES; do cp "proxylab/k8s/$file" "$dir/proxylab/k8s/"; done
  echo "$dir"
}

# Nginx, HAProxy or Redis: the release unpacked in the cache (launchers in bin/, the packages'
# files in root/), copied in as release/. `python -m proxylab releases` unpacks what is missing
# and prints one line per image: image, release, folder.
RELEASES=""
stage_release() {
  local name=$1 image=$2 dir folder
  dir=$(stage "$name" "$name-$(version_of "$image")")
  folder=$(printf '%s\n' "$RELEASES" | awk -F'\t' -v image="$image" '$1 == image {print $3}')
  [ -n "$folder" ] && [ -f "$folder/release" ] \
    || fail "no unpacked release for $image in the cache; run \`$PY -m proxylab releases\` and read its error"
  mkdir -p "$dir/release"
  cp -a "$folder/." "$dir/release/"
  echo "$dir"
}

stage_traefik() {
  local dir
  dir=$(stage traefik)
  link_or_copy "$TRAEFIK_BIN" "$dir/traefik"
  echo "$dir"
}

# kube-apiserver or kine: the cached build, linked in as the context's only file besides the Dockerfile.
stage_go_tool() {
  local dir
  dir=$(stage "$1")
  link_or_copy "$2" "$dir/$1"
  echo "$dir"
}

stage_caddy() {
  local dir
  dir=$(stage caddy)
  link_or_copy "$CADDY_BIN" "$dir/caddy"
  echo "$dir"
}

# Steps 2-7: one image FROM the base; skipped when its context and the base are unchanged.
build_image() {
  local image=$1 name=$2 dir=$3 source=${4:-$2} inputs t old
  inputs=$(hash_text "$(hash_dir "$dir")" "$(image_id "$BASE")")
  if unchanged "$image" "$inputs"; then
    done_step "$image: inputs unchanged, skipped"
    return
  fi
  t=$(date +%s)
  old=$(image_id "$image")
  say "$image: building (log $WORK/logs/$name.log)"
  # FORCE=1 also refuses the layer cache, so apt installs the newest packages again.
  local no_cache=()
  if [ "$FORCE" = 1 ]; then no_cache=(--no-cache); fi
  if ! docker build --pull=false --force-rm "${no_cache[@]}" --label "proxylab.inputs=$inputs" \
        --label "proxylab.source=images/debian/$source/Dockerfile" -t "$image" "$dir" \
        >"$WORK/logs/$name.log" 2>&1; then
    tail -n 25 "$WORK/logs/$name.log" >&2
    fail "building $image from images/debian/$source/Dockerfile failed (last lines above, full log $WORK/logs/$name.log); fix the cause and rerun \`make images\`"
  fi
  drop_replaced "$old" "$image"
  done_step "$image: built in $(elapsed "$t") ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%d MB", $1/1e6}'))"
}

# The debootstrap folder is only a step towards the imported base: removed however the run ends
# (--one-file-system: never into a /proc that a failed debootstrap left mounted there).
ROOTFS=""
trap '[ -z "$ROOTFS" ] || rm -rf --one-file-system "$ROOTFS" 2>/dev/null || true' EXIT

preflight
# The releases, the base, the two app images, Redis, Traefik, Caddy, kube-apiserver, kine, one per
# Nginx and HAProxy pin.
STEPS=$(( 9 + $(echo $NGINX_IMAGES | wc -w) + $(echo $HAPROXY_IMAGES | wc -w) ))
say "releases: $(echo $NGINX_IMAGES $HAPROXY_IMAGES $REDIS_IMAGE) from Debian's suites (once per version)"
RELEASES=$("$PY" -m proxylab releases) \
  || fail "unpacking the pinned releases failed (the error above); fix its cause and rerun \`make images\`"
done_step "releases: unpacked"
build_base
context=$(stage_app certs,k8s app)
build_image "$APP" app "$context"
context=$(stage_app fastapi-run app-fastapi-run)
build_image "$APP_FASTAPI_RUN" app-fastapi-run "$context" app
for upstream in $NGINX_IMAGES; do
  context=$(stage_release nginx "$upstream")
  build_image "$(ours "$upstream")" "nginx-$(version_of "$upstream")" "$context" nginx
done
context=$(stage_release redis "$REDIS_IMAGE")
build_image "$REDIS" redis "$context"
context=$(stage_traefik)
build_image "$TRAEFIK" traefik "$context"
context=$(stage_caddy)
build_image "$CADDY" caddy "$context"
context=$(stage_go_tool kube-apiserver "$KUBE_APISERVER_BIN")
build_image "$KUBE_APISERVER" kube-apiserver "$context"
context=$(stage_go_tool kine "$KINE_BIN")
build_image "$KINE" kine "$context"
for upstream in $HAPROXY_IMAGES; do
  context=$(stage_release haproxy "$upstream")
  build_image "$(ours "$upstream")" "haproxy-$(version_of "$upstream")" "$context" haproxy
done
say "done in $(elapsed "$started"): $BASE $APP $APP_FASTAPI_RUN $REDIS $TRAEFIK $CADDY $KUBE_APISERVER $KINE $(for upstream in $NGINX_IMAGES $HAPROXY_IMAGES; do ours "$upstream"; done | tr '\n' ' ')"
