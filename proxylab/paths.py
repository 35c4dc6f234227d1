"""Where things are: the repo, its compose file, the native run folder and the build cache."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# PROXYLAB_COMPOSE_FILE points at another file (tests use broken copies); relative paths in it
# still resolve against the repo, as with `docker compose --project-directory`.
COMPOSE_FILE = Path(os.environ.get("PROXYLAB_COMPOSE_FILE", REPO / "compose.yaml"))
SCHEMA_FILE = REPO.parent / "shared" / "schemas" / "compose-spec.json"

# Generated configs, logs and the state of a native run; git-ignored, removed by `make clean`.
RUN_DIR = Path(os.environ.get("PROXYLAB_RUN_DIR", REPO / ".run"))

# Heavy builds (Traefik) live outside the repo, keyed by version, and survive `make clean`.
CACHE_DIR = Path(os.environ.get("PROXYLAB_CACHE", Path.home() / ".cache" / "proxylab"))

REPORTS_DIR = REPO / "reports"
