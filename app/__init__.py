"""proxylab's echo app: a FastAPI measuring instrument for reverse proxies and root_path.

Run `uvicorn app.main:app` from the repository root; configure it with the environment
variables read by `app.settings.Settings.from_env` (see docs/app.md).
"""
