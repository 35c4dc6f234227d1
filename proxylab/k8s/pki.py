"""The control plane's credentials, made at set-up into its run folder and never committed.

What: `ensure_credentials(folder)` writes, once: a CA and the API server's serving certificate for
127.0.0.1 and localhost and the names the stack reaches it by (kube-apiserver and its lab address
on Compose; trustme, as proxylab/certs.py makes the proxies'), the service-account
signing key (kube-apiserver refuses to start without one), a static token in the `system:masters`
group, and a kubeconfig that trusts the CA and carries the token (`KUBECONFIG=.run/k8s/kubeconfig
kubectl get ingress -A`, or Traefik's providers' `endpoint`, `token` and `certAuthFilePath`).
When: the `k8s-credentials` one-shot of compose.yaml (oneshot.py), and ControlPlane.up (plane.py),
before kube-apiserver starts.
Why a static token, not client certificates: one line in a file is the least that the real
authenticator accepts; `system:masters` passes RBAC without a controller to create roles.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import trustme
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@dataclass(frozen=True)
class Credentials:
    """The files in the control plane's run folder."""

    folder: Path

    ca = property(lambda self: self.folder / "ca.pem")
    cert = property(lambda self: self.folder / "apiserver.pem")
    key = property(lambda self: self.folder / "apiserver-key.pem")
    service_account_key = property(lambda self: self.folder / "service-account-key.pem")
    tokens = property(lambda self: self.folder / "tokens.csv")
    token_file = property(lambda self: self.folder / "token")  # the token alone: Traefik's `token`
    kubeconfig = property(lambda self: self.folder / "kubeconfig")
    names = property(lambda self: self.folder / "apiserver.names")  # what the certificate was made for

    @property
    def files(self) -> list[Path]:
        return [
            self.ca,
            self.cert,
            self.key,
            self.service_account_key,
            self.tokens,
            self.token_file,
            self.kubeconfig,
            self.names,
        ]

    def token(self) -> str:
        return self.tokens.read_text().split(",", 1)[0]


SERVER_NAMES = ("127.0.0.1", "localhost")


def ensure_credentials(folder: Path, port: int, names: tuple[str, ...] = ()) -> Credentials:
    """Make whatever is missing; the kubeconfig is rewritten for `port` every time. The serving
    certificate is made again when it was made for other `names` (besides SERVER_NAMES)."""
    found = Credentials(folder)
    folder.mkdir(parents=True, exist_ok=True)
    wanted = "\n".join(dict.fromkeys((*SERVER_NAMES, *names))) + "\n"
    made_for = found.names.read_text() if found.names.is_file() else "\n".join(SERVER_NAMES) + "\n"
    if not (found.ca.is_file() and found.cert.is_file() and found.key.is_file()) or made_for != wanted:
        authority = trustme.CA(organization_name="proxylab control plane CA")
        server = authority.issue_cert(*wanted.split(), organization_name="proxylab kube-apiserver")
        authority.cert_pem.write_to_path(str(found.ca))
        server.cert_chain_pems[0].write_to_path(str(found.cert))
        _private(found.key, server.private_key_pem.bytes())
        found.names.write_text(wanted)
    if not found.service_account_key.is_file():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _private(found.service_account_key, pem)
    if not found.tokens.is_file():
        # token,user,uid,"group": kube-apiserver's --token-auth-file format.
        line = f'{secrets.token_hex(24)},proxylab,proxylab,"system:masters"\n'
        _private(found.tokens, line.encode())
    _private(found.token_file, found.token().encode())
    _private(found.kubeconfig, yaml.safe_dump(_kubeconfig(found, port), sort_keys=False).encode())
    return found


def _kubeconfig(found: Credentials, port: int) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "proxylab",
                # The CA inline, not its path: the k8s-credentials one-shot writes this file inside a
                # container (/project/.run/k8s), where a path would not be the host's.
                "cluster": {
                    "server": f"https://127.0.0.1:{port}",
                    "certificate-authority-data": base64.b64encode(found.ca.read_bytes()).decode(),
                },
            }
        ],
        "users": [{"name": "proxylab", "user": {"token": found.token()}}],
        "contexts": [{"name": "proxylab", "context": {"cluster": "proxylab", "user": "proxylab"}}],
        "current-context": "proxylab",
    }


def _private(path: Path, data: bytes) -> None:
    """Write `data` readable by the owner only (keys, the token)."""
    path.touch(mode=0o600)
    os.chmod(path, 0o600)
    path.write_bytes(data)
