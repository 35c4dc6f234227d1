#!/bin/sh
# The official Traefik image's entrypoint: a command that starts with a flag
# (`--configFile=...`), or is a Traefik subcommand (`version`), runs as traefik's arguments.
set -e
if [ "${1#-}" != "$1" ]; then
  set -- traefik "$@"
fi
if [ "$1" != traefik ] && traefik "$1" --help >/dev/null 2>&1; then
  set -- traefik "$@"
fi
exec "$@"
