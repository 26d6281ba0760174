"""Helpers for the signing tests: a key pair, and a release cut from a tiny project that also holds an
OCI image archive and its CycloneDX SBOM (written by a small content stage, as the images and sbom
stages would)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest

from shipit.core.artifacts import Kind
from shipit.core.runner import Stage
from shipit.signing.keys import write_keypair

PASSWORD = "correct horse"
EPOCH = 1700000000


def _tar_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(files[name]), EPOCH, 0o644
            tar.addfile(info, io.BytesIO(files[name]))
    return buf.getvalue()


def oci_archive(path: Path, payload: bytes = b"hello from the image\n") -> dict:
    """Write a minimal OCI image layout tar (one layer); return the image facts an images stage records."""
    layer = gzip.compress(_tar_bytes({"app/hello.txt": payload}), mtime=0)
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(
                             _tar_bytes({"app/hello.txt": payload})).hexdigest()]}}).encode()

    def desc(media_type: str, data: bytes) -> dict:
        return {"mediaType": media_type, "digest": "sha256:" + hashlib.sha256(data).hexdigest(), "size": len(data)}

    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": desc("application/vnd.oci.image.config.v1+json", config),
                           "layers": [desc("application/vnd.oci.image.layer.v1.tar+gzip", layer)]}).encode()
    mdesc = desc("application/vnd.oci.image.manifest.v1+json", manifest)
    index = json.dumps({"schemaVersion": 2, "manifests": [mdesc]}).encode()
    files = {"oci-layout": b'{"imageLayoutVersion": "1.0.0"}', "index.json": index}
    for data in (layer, config, manifest):
        files["blobs/sha256/" + hashlib.sha256(data).hexdigest()] = data
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_tar_bytes(files))
    return {"manifest_digest": mdesc["digest"], "config_digest": desc("", config)["digest"],
            "base": "docker.io/library/busybox@sha256:" + "ab" * 32}


def cyclonedx(image: str, digest: str) -> dict:
    return {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
            "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
            "metadata": {"component": {"type": "container", "name": image, "version": digest,
                                       "bom-ref": "image"}},
            "components": [{"type": "file", "name": "app/hello.txt", "bom-ref": "hello"}]}


class FakeContentStage(Stage):
    """Stands in for the images and sbom stages: one image archive, its SBOM, and a document."""

    name = "content"
    description = "test content"

    def run(self, ctx) -> None:
        facts = oci_archive(ctx.path("images/api.oci.tar"))
        ctx.artifacts.add("images/api.oci.tar", Kind.IMAGE, name="api", **facts)
        sbom = ctx.path("sbom/api.cdx.json")
        sbom.write_text(json.dumps(cyclonedx("api", facts["manifest_digest"]), indent=2))
        ctx.artifacts.add(sbom, Kind.SBOM, name="api", image_digest=facts["manifest_digest"])
        doc = ctx.path("docs/notes.md")
        doc.write_text("# Notes\n")
        ctx.artifacts.add(doc, Kind.DOC)


@pytest.fixture
def keypair(tmp_path):
    priv, pub = write_keypair(tmp_path / "keys", "cosign", PASSWORD.encode())
    return priv, pub


def cut(proj: Path, monkeypatch, version: str = "1.0.0", output: Path | None = None, content: bool = True):
    """Cut a release of ``proj`` in-process with the real stages (plus the test content stage)."""
    from shipit import capabilities
    from shipit.commands.release import release
    from shipit.core.release import ReleaseOptions

    monkeypatch.setenv("SHIPIT_KEY_PASSWORD", PASSWORD)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    stages = ([FakeContentStage()] if content else []) + capabilities.stages()
    opts = ReleaseOptions(version=version, config=proj / "shipit.yaml", output=output or proj / "release", force=True)
    return release(opts, stages=stages)


def signing_yaml(key: Path, artifacts: str = "checksums", extra: str = "") -> str:
    return (f"schema_version: 1\nproject:\n  name: demo\n  source_url: https://git.example.com/acme/demo\n"
            f"signing:\n  key: {key}\n  artifacts: {artifacts}\n{extra}")


@pytest.fixture(scope="module")
def signed_release(tmp_path_factory):
    """A pristine release signed with signing.artifacts: all (copy it before tampering)."""
    mp = pytest.MonkeyPatch()
    base = tmp_path_factory.mktemp("signed")
    try:
        priv, pub = write_keypair(base / "keys", "cosign", PASSWORD.encode())
        proj = base / "proj"
        proj.mkdir()
        (proj / "shipit.yaml").write_text(signing_yaml(priv, "all"))
        (proj / "README.md").write_text("demo\n")
        result = cut(proj, mp)
    finally:
        mp.undo()
    return {"dir": result.release_dir, "key": priv, "pub": pub, "proj": proj}


@pytest.fixture
def release_copy(signed_release, tmp_path):
    dst = tmp_path / "1.0.0"
    shutil.copytree(signed_release["dir"], dst)
    return dst
