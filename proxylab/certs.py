"""The lab's local certificate authority and the certificate every proxy serves for TLS routes.

What: `ensure_certs()` writes, once, into .run/certs/: `ca.pem` (the CA a client trusts:
`curl --cacert .run/certs/ca.pem`), `server.pem` (the proxies' certificate for 127.0.0.1,
localhost and ::1, signed by that CA), `server-key.pem` (its private key, mode 0600) and
`server-with-key.pem` (the chain and the key in one file, mode 0600: HAProxy's `crt` wants that).
When: compose.yaml's one-shot `certs` service runs `python -m proxylab.certs DIR --owner-of
PROJECT` before any proxy starts (the native backend runs the same command as a process);
`python -m proxylab up` and the test session call it too. compose.yaml mounts the folder into
every proxy (Traefik, Nginx, Caddy, HAProxy) at /etc/proxylab/certs.
Why: TLS termination must work offline and without a real domain. trustme makes a throwaway CA
in-process, so nothing is fetched and no key ever leaves this machine or enters git (*.pem is
git-ignored). Existing files are kept, so a client that trusts the CA keeps trusting it across
restarts; delete the folder (`make clean`) to get a new CA.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import trustme

from proxylab.exits import OK, run_main
from proxylab.paths import CERTS_DIR

CA_FILE = "ca.pem"
CERT_FILE = "server.pem"
KEY_FILE = "server-key.pem"
# HAProxy reads the certificate chain and its private key from one file.
COMBINED_FILE = "server-with-key.pem"
# Every name a lab or a browser uses to reach a published port on this machine.
SERVER_NAMES = ("127.0.0.1", "localhost", "::1")


def ensure_certs(folder: Path = CERTS_DIR) -> list[Path]:
    """Create the CA and the server certificate unless all three files exist; return their paths."""
    paths = [folder / CA_FILE, folder / CERT_FILE, folder / KEY_FILE]
    if all(path.is_file() for path in paths):
        return [*paths, _combined(folder)]
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
    return [*paths, _combined(folder)]


def _combined(folder: Path) -> Path:
    """server.pem then server-key.pem in one file (made from them, so an older folder gains it)."""
    combined = folder / COMBINED_FILE
    if not combined.is_file():
        combined.touch(mode=0o600)
        combined.write_text((folder / CERT_FILE).read_text() + (folder / KEY_FILE).read_text())
    return combined


def give_to_owner_of(paths: list[Path], reference: Path) -> None:
    """chown `paths` to the owner of `reference` (the project folder), so that files a container
    made as root in a bind mount belong to whoever owns the work tree."""
    owner = reference.stat()
    for path in paths:
        os.chown(path, owner.st_uid, owner.st_gid)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m proxylab.certs", description="Make the lab's CA and server certificate, once."
    )
    parser.add_argument(
        "folder",
        type=Path,
        nargs="?",
        default=CERTS_DIR,
        help="where ca.pem, server.pem and server-key.pem go",
    )
    parser.add_argument(
        "--owner-of", type=Path, help="give the folder (and .run above it) and the files to this path's owner"
    )
    args = parser.parse_args(argv)
    return run_main(lambda: _make(args))


def _make(args: argparse.Namespace) -> int:
    kept = all((args.folder / name).is_file() for name in (CA_FILE, CERT_FILE, KEY_FILE, COMBINED_FILE))
    paths = ensure_certs(args.folder)
    if args.owner_of is not None:
        made = [
            args.folder,
            *(
                parent
                for parent in args.folder.parents
                if parent.is_relative_to(args.owner_of) and parent != args.owner_of
            ),
        ]
        give_to_owner_of([*made, *paths], args.owner_of)
    print(f"{'kept' if kept else 'made'} {', '.join(path.name for path in paths)} in {args.folder}")
    return OK


if __name__ == "__main__":
    sys.exit(main())
