#!/usr/bin/env bash
# Debian packages the native backend runs from the host's own suite: chromium (docs UI checked in
# a real browser) and wrk (make bench). Installs only what is missing. Nginx, HAProxy and Redis
# are not among them: they run at compose.yaml's versions, unpacked from whichever Debian suite
# packages that release (proxylab/native/debian_release.py), never the host's packages.
set -euo pipefail
if ! command -v dpkg-query >/dev/null; then
  echo "Debian packages: not a Debian machine, nothing installed (the Compose backend needs none;"
  echo "  the native backend needs apt-get and dpkg-deb to unpack Nginx, HAProxy and Redis, and Go to build Traefik)"
  exit 0
fi
packages=(chromium wrk)
need=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -eq 0 ]; then
  echo "Debian packages: all present (${packages[*]})"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Debian packages: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
