#!/bin/sh
# The official redis image builds Redis with protected mode off by default: without a password,
# a default Redis refuses every client that is not on loopback, and in a container every client
# is. Debian's build keeps it on, so say `--protected-mode no` first (after the config file, if
# one is given); a later option on the command line still wins, as with the official image.
set -eu
if [ "${1:-}" = redis-server ]; then
  shift
  case "${1:-}" in
    # Modes that must come first and start no server (`redis-server --version`).
    -v|--version|-h|--help|--test-memory|--check-system) set -- redis-server "$@" ;;
    ""|-*) set -- redis-server --protected-mode no "$@" ;;
    *) config="$1"; shift; set -- redis-server "$config" --protected-mode no "$@" ;;
  esac
fi
exec "$@"
