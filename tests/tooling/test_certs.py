"""The lab's CA and server certificate (proxylab/certs.py), generated at `up`, never committed."""

from __future__ import annotations

import ssl
import stat
import subprocess
from pathlib import Path

from proxylab.certs import ensure_certs
from proxylab.paths import REPO


def test_the_server_certificate_verifies_against_the_ca(tmp_path: Path) -> None:
    """Lab 08's https requests (and `curl --cacert .run/certs/ca.pem`) would fail verification."""
    ca, cert, key, _ = ensure_certs(tmp_path)
    context = ssl.create_default_context(cafile=str(ca))
    context.load_cert_chain(str(cert), str(key))  # the key belongs to the certificate
    assert stat.S_IMODE(key.stat().st_mode) == 0o600, "the private key would be readable by anyone"


def test_haproxy_gets_the_chain_and_the_key_in_one_private_file(tmp_path: Path) -> None:
    """HAProxy's `crt` (the 93x1 TLS route) would fail to start without the key in the file, and a
    combined file readable by anyone would leak the key."""
    _, cert, key, combined = ensure_certs(tmp_path)
    ssl.create_default_context().load_cert_chain(str(combined))  # chain and key from one file
    assert combined.read_text() == cert.read_text() + key.read_text()
    assert stat.S_IMODE(combined.stat().st_mode) == 0o600


def test_existing_files_are_kept(tmp_path: Path) -> None:
    """Every `up` would mint a new CA, and a browser that trusted the old one would stop working."""
    first = [path.read_bytes() for path in ensure_certs(tmp_path)]
    assert [path.read_bytes() for path in ensure_certs(tmp_path)] == first


def test_keys_are_git_ignored() -> None:
    """A generated private key could be committed by `git add -A`."""
    result = subprocess.run(["git", "check-ignore", "-q", ".run/certs/server-key.pem"], cwd=REPO)
    assert result.returncode == 0
