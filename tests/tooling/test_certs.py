"""The lab's CA and server certificate (proxylab/certs.py), generated at `up`, never committed."""

from __future__ import annotations

import base64
import os
import re
import shutil
import ssl
import stat
import subprocess
import sys
from pathlib import Path

import yaml

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


def _dockerfile_files(folder: str = "proxylab/", marker: str = "certs.py") -> list[str]:
    """The files of `folder` that app/Dockerfile copies into the app image on the COPY line
    naming `marker` (the certificate maker's; with proxylab/k8s/ and oneshot.py, the k8s one-shots')."""
    line = next(
        line for line in (REPO / "app/Dockerfile").read_text().splitlines() if f"{folder}{marker}" in line
    )
    return sorted(word.removeprefix(folder) for word in line.split()[1:-1])


def _staged_files(variable: str = "CERTS_FILES") -> list[str]:
    """The files scripts/debian-images.sh stages for the registry-less app images (CERTS_FILES of
    proxylab/, K8S_FILES of proxylab/k8s/)."""
    script = (REPO / "scripts/debian-images.sh").read_text()
    return sorted(re.search(rf'^{variable}="([^"]+)"', script, re.MULTILINE)[1].split())


def test_both_app_images_copy_the_same_files_of_the_certificate_maker() -> None:
    """The Compose backend would make certificates in one image set and fail in the other."""
    assert _dockerfile_files() == _staged_files()


def test_the_certificate_maker_runs_from_the_files_the_images_copy(tmp_path: Path) -> None:
    """The `certs` service runs `python -m proxylab.certs` in the app image, which holds only
    these files of proxylab/: an import of any other (proxylab.exits once) fails every Compose
    `up` with ModuleNotFoundError while the native backend, which has the whole tree, works."""
    (tmp_path / "proxylab").mkdir()
    for name in _dockerfile_files():
        shutil.copy(REPO / "proxylab" / name, tmp_path / "proxylab" / name)
    done = subprocess.run(
        [sys.executable, "-m", "proxylab.certs", str(tmp_path / "certs")],
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", "")},  # no PYTHONPATH: the copies alone
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "certs" / "ca.pem").is_file()


K8S = ("proxylab/k8s/", "oneshot.py")  # the COPY line of the k8s profile's one-shots


def test_both_app_images_copy_the_same_files_of_the_k8s_one_shots() -> None:
    """`make up K8S=1` on Compose would apply the objects with one image set and fail with the other."""
    assert _dockerfile_files(*K8S) == _staged_files("K8S_FILES")


def test_the_k8s_credentials_one_shot_runs_from_the_files_the_images_copy(tmp_path: Path) -> None:
    """compose.yaml's k8s-credentials runs `python -m proxylab.k8s.oneshot` in the app image, which
    holds only these files of proxylab/: an import of any other fails `make up K8S=1` on Compose
    while the native backend, which has the whole tree, works."""
    (tmp_path / "proxylab" / "k8s").mkdir(parents=True)
    for name in _dockerfile_files():
        shutil.copy(REPO / "proxylab" / name, tmp_path / "proxylab" / name)
    for name in _dockerfile_files(*K8S):
        shutil.copy(REPO / "proxylab" / "k8s" / name, tmp_path / "proxylab" / "k8s" / name)
    command = ["credentials", str(tmp_path / "k8s"), "--names", "kube-apiserver,172.30.0.61"]
    done = subprocess.run(
        [sys.executable, "-m", "proxylab.k8s.oneshot", *command],
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", "")},  # no PYTHONPATH: the copies alone
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    names = (tmp_path / "k8s" / "apiserver.names").read_text().split()
    assert names == ["127.0.0.1", "localhost", "kube-apiserver", "172.30.0.61"]
    # The kubeconfig carries the CA itself: written in a container, a path to it would be the
    # container's, and kubectl on the host would find no CA there.
    cluster = yaml.safe_load((tmp_path / "k8s" / "kubeconfig").read_text())["clusters"][0]["cluster"]
    ca = base64.b64decode(cluster["certificate-authority-data"])
    assert ca == (tmp_path / "k8s" / "ca.pem").read_bytes() and "certificate-authority" not in cluster
