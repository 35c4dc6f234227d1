"""The lab's local certificate authority and the certificate both proxies serve for TLS routes.

What: `ensure_certs()` writes, once, into .run/certs/: `ca.pem` (the CA a client trusts:
`curl --cacert .run/certs/ca.pem`), `server.pem` (the proxies' certificate for 127.0.0.1,
localhost and ::1, signed by that CA) and `server-key.pem` (its private key, mode 0600).
When: `python -m proxylab up` calls it before either backend starts (compose.yaml mounts the
folder into Traefik and Nginx at /etc/proxylab/certs); the test session calls it too.
Why: TLS termination must work offline and without a real domain. trustme makes a throwaway CA
in-process, so nothing is fetched and no key ever leaves this machine or enters git (*.pem is
git-ignored). Existing files are kept, so a client that trusts the CA keeps trusting it across
restarts; delete the folder (`make clean`) to get a new CA.
"""

from __future__ import annotations

import os
from pathlib import Path

import trustme

from proxylab.paths import CERTS_DIR

CA_FILE = "ca.pem"
CERT_FILE = "server.pem"
KEY_FILE = "server-key.pem"
# Every name a lab or a browser uses to reach a published port on this machine.
SERVER_NAMES = ("127.0.0.1", "localhost", "::1")


def ensure_certs(folder: Path = CERTS_DIR) -> list[Path]:
    """Create the CA and the server certificate unless all three files exist; return their paths."""
    paths = [folder / CA_FILE, folder / CERT_FILE, folder / KEY_FILE]
    if all(path.is_file() for path in paths):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    authority = trustme.CA(organization_name="proxylab local CA")
    server = authority.issue_cert(*SERVER_NAMES, organization_name="proxylab")
    authority.cert_pem.write_to_path(str(paths[0]))
    # The leaf first, then the CA: a server sends the chain, a client checks it against ca.pem.
    server.cert_chain_pems[0].write_to_path(str(paths[1]))
    for extra in server.cert_chain_pems[1:]:
        extra.write_to_path(str(paths[1]), append=True)
    server.private_key_pem.write_to_path(str(paths[2]))
    os.chmod(paths[2], 0o600)
    return paths
