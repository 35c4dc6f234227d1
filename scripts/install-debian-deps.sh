#!/usr/bin/env bash
# Debian packages the native backend runs: nginx and haproxy (proxies; Caddy and Traefik are
# built from their Go modules), redis (readiness dependency), chromium (docs UI checked in a real
# browser), wrk (make bench). Installs only what is missing.
set -euo pipefail
if ! command -v dpkg-query >/dev/null; then
  echo "Debian packages: not a Debian machine, nothing installed (the Compose backend needs none;"
  echo "  the native backend needs nginx on PATH, and Go to build Traefik)"
  exit 0
fi
packages=(nginx-light haproxy redis-server chromium wrk)
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
# --no-install-recommends: nginx-light alone, not a second web server's worth of modules.
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian's packages may start a system nginx on port 80 (and a system haproxy with no listener);
# proxylab runs its own, so leave those as the packages left them and touch no system config.
