"""Disk faults on real file systems: a full tmpfs under the release, a read-only output directory, an
unwritable layer cache. A failure names the file and the cause, exits 1 and leaves no release/<version>
and no staging directory; an unwritable cache only costs time."""

from __future__ import annotations

import os

import pytest

from tests.faults.conftest import (
    VERSION,
    assert_clean_failure,
    leftovers,
    make_demo_project,
    released,
    sha256sum_ok,
    shipit,
)


@pytest.fixture(scope="session")
def light_template(tmp_path_factory):
    """The demo with images, pipeline and ops only (tests skip the SBOMs): a release of a few seconds."""
    return make_demo_project(tmp_path_factory.mktemp("light"), sections=("images", "pipeline", "environments",
                                                                          "service"))


@pytest.fixture
def light(light_template, tmp_path):
    import shutil

    dest = tmp_path / "light"
    shutil.copytree(light_template, dest, symlinks=True)
    return dest


@pytest.mark.parametrize(("size_kib", "payload_kib", "where"), [
    (96, 0, "ops/"),  # the image fits, the ops files do not
    (256, 512, "images/orders-service.oci.tar"),  # an incompressible 512 KiB file in a layer: the archive does not fit
])
def test_disk_full(light, small_fs, tmp_path, size_kib, payload_kib, where):
    if payload_kib:
        (light / "orders" / "payload.bin").write_bytes(os.urandom(payload_kib * 1024))
    root = small_fs(size_kib)
    out = root / "release"
    proc = shipit("release", "--version", VERSION, "-o", str(out), "--skip", "sbom", cwd=light,
                  extra_env={"SHIPIT_CACHE_DIR": str(tmp_path / "cache")})
    assert_clean_failure(proc, 1)
    error = next(line for line in proc.stderr.splitlines() if line.startswith("error: "))
    assert "no space left on device: " in error and f"/release/.staging-{VERSION}-" in error, error
    assert where in error, error
    assert "nothing was released" in proc.stderr
    assert released(out) == [] and leftovers(out) == []  # no release/<version>, no staging left
    assert not list(root.rglob("*.tmp-*"))  # no half-written temporary file either


def test_read_only_output_directory(light, small_fs, tmp_path):
    root = small_fs(64, "ro")
    proc = shipit("release", "--version", VERSION, "-o", str(root), "--skip", "sbom", cwd=light,
                  extra_env={"SHIPIT_CACHE_DIR": str(tmp_path / "cache")})
    assert_clean_failure(proc, 1)
    assert f"read-only file system: {root}" in proc.stderr, proc.stderr
    assert "hint: that file system is read-only" in proc.stderr
    assert list(root.iterdir()) == []


def test_unwritable_cache_is_a_warning(light, small_fs, tmp_path):
    cache = small_fs(64, "ro")
    out = tmp_path / "release"
    proc = shipit("release", "--version", VERSION, "-o", str(out), cwd=light, extra_env={"SHIPIT_CACHE_DIR": str(cache)})
    assert proc.returncode == 0, proc.stderr
    assert f"warning: the layer cache {cache}/layers is not writable (Read-only file system)" in proc.stderr
    assert released(out) == [VERSION] and sha256sum_ok(out / VERSION)
    verify = shipit("verify", str(out / VERSION), "--key", str(light / "keys" / "cosign.pub"), cwd=light)
    assert verify.returncode == 0, verify.stdout + verify.stderr
