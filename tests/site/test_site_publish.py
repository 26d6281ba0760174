"""Publishing the handoff site: to a directory, and to a real OCI registry (checked with skopeo)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import tarfile

import pytest

from shipit.core.checksums import parse_sums
from shipit.site.publish import ARTIFACT_TYPE, LAYER_MEDIA_TYPE
from tests.conftest import free_port, require_tool, run_shipit, served


def test_publish_to_directory(release_copy, tmp_path):
    dest = tmp_path / "share"
    proc = run_shipit("publish", str(release_copy), "--site-to", str(dest))
    assert proc.returncode == 0, proc.stderr
    assert (dest / "handoff-site-1.0.0.tar.gz").read_bytes() == (release_copy / "handoff-site-1.0.0.tar.gz").read_bytes()
    assert (dest / "handoff-site-1.0.0/index.html").read_bytes() == (release_copy / "site/index.html").read_bytes()
    result = json.loads(proc.stdout)
    assert result["edition"] == "release"
    assert result["archive_sha256"] == hashlib.sha256((dest / "handoff-site-1.0.0.tar.gz").read_bytes()).hexdigest()
    # Publishing writes nothing into the release.
    assert sorted(p.relative_to(release_copy).as_posix() for p in release_copy.rglob("*") if p.is_file()) == \
        sorted([*parse_sums((release_copy / "SHA256SUMS").read_text()), "SHA256SUMS"])


@pytest.fixture
def registry(tmp_path):
    require_tool("docker-registry", "skopeo")
    port = free_port()
    cfg = tmp_path / "registry.yml"
    cfg.write_text(f"version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {tmp_path / 'data'}\n"
                   f"http:\n  addr: 127.0.0.1:{port}\n")
    with served(["docker-registry", "serve", str(cfg)], f"http://127.0.0.1:{port}/v2/", tmp_path / "registry.log",
                "docker-registry"):
        yield f"127.0.0.1:{port}"


def test_publish_to_oci_registry(release_copy, registry, tmp_path):
    proc = run_shipit("publish", str(release_copy), "--site-to", f"oci://{registry}/acme/orders-site:1.0.0")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["digest"].startswith("sha256:")

    # skopeo (not shipit) reads the artifact back: media types and the recorded digest.
    raw = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--raw",
                          f"docker://{registry}/acme/orders-site:1.0.0"], capture_output=True, check=True).stdout
    assert "sha256:" + hashlib.sha256(raw).hexdigest() == result["digest"]
    manifest = json.loads(raw)
    assert manifest["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    assert manifest["config"]["mediaType"] == ARTIFACT_TYPE
    [layer] = manifest["layers"]
    assert layer["mediaType"] == LAYER_MEDIA_TYPE
    archive = (release_copy / "handoff-site-1.0.0.tar.gz").read_bytes()
    assert layer["digest"] == "sha256:" + hashlib.sha256(archive).hexdigest()
    assert manifest["annotations"]["org.opencontainers.image.version"] == "1.0.0"

    # The blob pulled with skopeo is the archive, and it holds the site.
    out = tmp_path / "pulled"
    subprocess.run(["skopeo", "copy", "--src-tls-verify=false", f"docker://{registry}/acme/orders-site:1.0.0",
                    f"oci:{out}"], capture_output=True, check=True)
    blob = out / "blobs" / "sha256" / layer["digest"].split(":")[1]
    assert blob.read_bytes() == archive
    with tarfile.open(blob) as tar:
        assert "handoff-site-1.0.0/index.html" in tar.getnames()


def test_publish_errors_are_clear(release_copy):
    proc = run_shipit("publish", str(release_copy), "--site-to", "oci://127.0.0.1:1/acme/site")
    assert proc.returncode == 2 and "missing :TAG" in proc.stderr
    proc = run_shipit("publish", str(release_copy), "--site-to", f"oci://127.0.0.1:{free_port()}/acme/site:1")
    assert proc.returncode == 1 and "pushing handoff-site-1.0.0.tar.gz" in proc.stderr
    assert "Traceback" not in proc.stderr
