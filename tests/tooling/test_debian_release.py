"""Nginx, HAProxy and Redis at compose.yaml's versions, unpacked from Debian's suites
(proxylab/native/debian_release.py): the version asked for is the version that runs, on any
host, and a version no suite has is an error that says what they have.

These use the real package lists and releases in the cache (`make releases` or `make up` put
them there; a run without them fetches them from Debian's mirror, about 30 s)."""

from __future__ import annotations

import subprocess

import pytest

from proxylab import compose
from proxylab.errors import ProxylabError
from proxylab.native import debian_release
from proxylab.native.debian_release import find_version, upstream_of, upstream_of_tag
from proxylab.versions import debian_releases


@pytest.mark.parametrize(
    ("debian", "upstream"),
    [
        ("1.30.6-2", "1.30.6"),
        ("1.26.3-3+deb13u10", "1.26.3"),
        ("5:8.0.6-3", "8.0.6"),
        ("2.6.12-1+deb12u3", "2.6.12"),
        ("8.1.1+dfsg1-3+deb13u3", "8.1.1"),
        ("1.0~rc1-1", "1.0"),
    ],
)
def test_the_upstream_version_is_read_out_of_debian_s(debian: str, upstream: str) -> None:
    assert upstream_of(debian) == upstream


@pytest.mark.parametrize(
    ("tag", "upstream"), [("1.30.6-alpine", "1.30.6"), ("3.2.26", "3.2.26"), ("v3.6.12", "3.6.12")]
)
def test_an_image_tag_names_its_upstream_version(tag: str, upstream: str) -> None:
    assert upstream_of_tag(tag) == upstream


def test_each_pinned_release_runs_and_says_the_pinned_version() -> None:
    """What compose.yaml pins is what the launcher runs: `-v` of each says the tag's version."""
    releases = debian_releases(compose.load())
    assert {release.name for _, release, _ in releases} == {"nginx", "haproxy", "redis"}
    for image, release, version in releases:
        launcher = release.ensure(version, log=lambda _: None)
        done = subprocess.run([str(launcher), "-v"], capture_output=True, text=True)
        assert done.returncode == 0, f"{image}: {done.stderr}"
        assert version in done.stdout + done.stderr, f"{image}'s launcher says {done.stdout + done.stderr!r}"


def test_the_launcher_runs_the_release_s_own_loader_not_the_host_s() -> None:
    """A sid binary on a bookworm host needs sid's libc: the launcher names the release's loader."""
    for _, release, version in debian_releases(compose.load()):
        script = release.launcher(version).read_text()
        assert '"$root/' in script and "ld-linux-x86-64.so.2" in script and "--library-path" in script


def test_a_version_no_suite_has_is_named_with_what_they_have() -> None:
    with pytest.raises(ProxylabError) as raised:
        find_version("nginx", "0.0.1", log=lambda _: None)
    assert raised.value.thing == "nginx 0.0.1"
    assert "1.30.6 (sid)" in raised.value.cause and "1.22.1 (bookworm)" in raised.value.cause


def test_the_oldest_suite_that_has_a_version_is_the_one_unpacked() -> None:
    """1.26.3 is trixie's; 1.22.1 bookworm's: each closure then comes from that suite alone."""
    assert find_version("nginx", "1.22.1", log=lambda _: None)[0] == "bookworm"
    assert find_version("nginx", "1.26.3", log=lambda _: None)[0] == "trixie"
    assert debian_release.SUITES[0] == "bookworm"
