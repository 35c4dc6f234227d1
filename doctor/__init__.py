"""The doctor: a user's own FastAPI app behind every proxy, probed.

`python -m proxylab doctor MODULE:ATTR --prefix /api/v1` runs the user's app under uvicorn (with and
without `--root-path`) behind Traefik, Nginx, Caddy and HAProxy, each in a configuration that strips
the prefix and one that keeps it, and checks the docs, schema, operations, redirects, static files
and mounts through every combination. proxies.py knows the proxies' configurations
(templates/, one per proxy); the configuration a user is shown is the one that ran.
"""
