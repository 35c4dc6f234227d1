"""The versions that actually ran: every report prints them next to its results.

`native(stack)` asks the virtualenv, and each proxy of proxylab/proxies' table its native binary
(built from its Go module, or Debian's package) on this machine;
proxylab/compose_backend.py reads the same facts from what the containers answer, with the
command and pattern each proxy's home gives.
Each backend's `versions()` returns one of them, so a report names what really served it.
"""

from __future__ import annotations

import json
import subprocess
from importlib import metadata

from proxylab import proxies
from proxylab.compose import Stack
from proxylab.native.runners import app_venv

APP_PACKAGES = ("fastapi", "starlette", "uvicorn")


def native(stack: Stack) -> dict[str, str]:
    """The app's packages as the app services run them (PROXYLAB_APP_VENV's when set), and each
    proxy compose.yaml runs, as its native binary says, keyed by the proxy's name."""
    venv = app_venv()
    if venv is not None:
        versions = app_packages(venv / "bin" / "python")
    else:
        versions = {name: metadata.version(name) for name in APP_PACKAGES}
    for proxy in proxies.every():
        service = proxies.pinned_service(stack, proxy)
        if service is not None:
            versions[proxy.name] = proxy.native_version(stack.image_tag(service.name))
    return versions


def app_packages(python) -> dict[str, str]:
    """fastapi, starlette and uvicorn as another interpreter's environment has them."""
    script = (
        "import json, importlib.metadata as m; "
        f"print(json.dumps({{n: m.version(n) for n in {APP_PACKAGES!r}}}))"
    )
    return json.loads(
        subprocess.run([str(python), "-c", script], capture_output=True, text=True, check=True).stdout
    )
