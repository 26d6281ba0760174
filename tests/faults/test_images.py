"""Image inputs that are broken for real: a base that is not there, a base layer with a flipped byte or cut
short, an OCI archive cut in half (as a base, to `shipit sbom --image` and inside a release given to
`shipit verify`). Each is a clear error (exit 1) and nothing is released."""

from __future__ import annotations

import io
import json
import tarfile

import pytest
from ruamel.yaml import YAML

from tests.faults.conftest import (
    VERSION,
    assert_clean_failure,
    layer_blob,
    leftovers,
    make_demo_project,
    released,
    shipit,
)


@pytest.fixture(scope="session")
def images_template(tmp_path_factory):
    return make_demo_project(tmp_path_factory.mktemp("images"), sections=("images",))


@pytest.fixture
def proj(images_template, tmp_path):
    import shutil

    dest = tmp_path / "proj"
    shutil.copytree(images_template, dest, symlinks=True)
    return dest


def set_base(proj, base: str) -> None:
    yaml = YAML()
    cfg = yaml.load((proj / "shipit.yaml").read_text())
    cfg["images"][0]["base"] = base
    buf = io.StringIO()
    yaml.dump(cfg, buf)
    (proj / "shipit.yaml").write_text(buf.getvalue())


def release(proj, tmp_path):
    return shipit("release", "--version", VERSION, "-o", str(tmp_path / "out"), "--skip", "sbom", cwd=proj,
                  extra_env={"SHIPIT_CACHE_DIR": str(tmp_path / "cache")})


def nothing_released(tmp_path) -> None:
    assert released(tmp_path / "out") == [] and leftovers(tmp_path / "out") == []


def archive_of(layout_dir, out):
    with tarfile.open(out, "w") as tar:
        for p in sorted(layout_dir.rglob("*")):
            tar.add(p, arcname=p.relative_to(layout_dir).as_posix(), recursive=False)
    return out


def test_missing_base_image(proj, tmp_path):
    set_base(proj, "bases/not-built-yet")
    proc = release(proj, tmp_path)
    assert_clean_failure(proc, 1)
    assert "base 'bases/not-built-yet' not found" in proc.stderr
    nothing_released(tmp_path)


@pytest.mark.parametrize("damage", ["flipped-byte", "cut-short"])
def test_corrupt_base_layer(proj, tmp_path, damage):
    blob = layer_blob(proj / "base")
    data = bytearray(blob.read_bytes())
    if damage == "flipped-byte":
        data[len(data) // 2] ^= 0xFF
    else:
        del data[len(data) // 2:]
    blob.write_bytes(bytes(data))
    proc = release(proj, tmp_path)
    assert_clean_failure(proc, 1)
    assert f"blob sha256:{blob.name}" in proc.stderr and "is corrupt" in proc.stderr, proc.stderr
    assert ("truncated" if damage == "cut-short" else "hashes to sha256:") in proc.stderr
    nothing_released(tmp_path)


def test_truncated_oci_archive(proj, tmp_path):
    archive = archive_of(proj / "base", tmp_path / "base.oci.tar")
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])

    # as the base of an image
    set_base(proj, str(archive))
    proc = release(proj, tmp_path)
    assert_clean_failure(proc, 1)
    assert str(archive) in proc.stderr
    nothing_released(tmp_path)

    # to `shipit sbom --image`
    proc = shipit("sbom", "--image", str(archive), "-o", str(tmp_path / "x.cdx.json"), cwd=proj)
    assert_clean_failure(proc, 1)
    assert "truncated" in proc.stderr or "not a readable OCI image archive" in proc.stderr, proc.stderr
    assert not (tmp_path / "x.cdx.json").exists()


def test_truncated_image_archive_in_a_release_fails_verify(proj, tmp_path):
    proc = release(proj, tmp_path)
    assert proc.returncode == 0, proc.stderr
    rel = tmp_path / "out" / VERSION
    image = rel / "images" / "orders-service.oci.tar"
    data = image.read_bytes()
    image.write_bytes(data[: len(data) * 2 // 3])
    proc = shipit("verify", str(rel), "--key", str(proj / "keys" / "cosign.pub"), "--json", cwd=proj)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    checks = json.loads(proc.stdout)["checks"]
    failed = {(c["check"], c["subject"]) for c in checks if not c["ok"]}
    assert ("files", "images/orders-service.oci.tar") in failed
    assert ("images", "images/orders-service.oci.tar") in failed
    reason = next(c["reason"] for c in checks if c["check"] == "images" and not c["ok"])
    assert "truncated" in reason or "not a readable" in reason, reason
