"""Test helper: write OCI image layouts (as a tar) from directory trees or hand-crafted tar entries.

A minimal, standard layout: ``oci-layout``, ``index.json`` → manifest → config + layers under
``blobs/sha256/``. Kept independent of shipit's own code on purpose.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path

TAR = "application/vnd.oci.image.layer.v1.tar"
TAR_GZ = "application/vnd.oci.image.layer.v1.tar+gzip"


@dataclass
class Blob:
    data: bytes | None = None
    path: Path | None = None
    media_type: str = TAR

    def digest_size(self) -> tuple[str, int]:
        h = hashlib.sha256()
        if self.data is not None:
            h.update(self.data)
            return "sha256:" + h.hexdigest(), len(self.data)
        with open(self.path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
        return "sha256:" + h.hexdigest(), self.path.stat().st_size


def tree_layer(root: Path, out: Path, *, include=lambda rel: True, gz: bool = False) -> Blob:
    """A layer with every entry under ``root`` for which ``include(relpath)`` is true (sorted, mtime 0)."""
    raw = open(out, "wb")
    fileobj = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=1) if gz else raw
    with tarfile.open(fileobj=fileobj, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for dirpath, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(dirs + files):
                p = Path(dirpath) / name
                rel = p.relative_to(root).as_posix()
                if not include(rel):
                    continue
                info = tar.gettarinfo(str(p), arcname=rel)
                info.mtime = 0
                if info.isreg():
                    with open(p, "rb") as fh:
                        tar.addfile(info, fh)
                else:
                    tar.addfile(info)
    if gz:
        fileobj.close()
    raw.close()
    return Blob(path=out, media_type=TAR_GZ if gz else TAR)


def entries_layer(entries: list[tuple], gz: bool = False) -> Blob:
    """A crafted layer. Each entry: ("file", name, bytes) | ("dir", name) | ("symlink", name, target)
    | ("hardlink", name, target)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for kind, name, *rest in entries:
            info = tarfile.TarInfo(name)
            info.mtime = 0
            if kind == "file":
                data = rest[0] if isinstance(rest[0], bytes) else rest[0].encode()
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
                continue
            if kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            elif kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, rest[0]
            elif kind == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, rest[0]
            tar.addfile(info)
    data = buf.getvalue()
    if gz:
        return Blob(data=gzip.compress(data, mtime=0), media_type=TAR_GZ)
    return Blob(data=data, media_type=TAR)


def write_layout(out: Path, layers: list[Blob], *, ref: str = "latest") -> str:
    """Write an OCI image layout tar; returns the manifest digest."""
    diff_ids = []
    descs = []
    for blob in layers:
        digest, size = blob.digest_size()
        descs.append({"mediaType": blob.media_type, "digest": digest, "size": size})
        diff_ids.append(digest)  # not the uncompressed digest for gzip layers; shipit does not read it
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": diff_ids}, "config": {}},
                        sort_keys=True).encode()
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": config_digest, "size": len(config)},
                           "layers": descs}, sort_keys=True).encode()
    manifest_digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    index = json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest,
         "size": len(manifest), "annotations": {"org.opencontainers.image.ref.name": ref}}]}).encode()

    def add(tar, name, data=None, path=None):
        info = tarfile.TarInfo(name)
        info.mtime = 0
        if path is not None:
            info.size = path.stat().st_size
            with open(path, "rb") as fh:
                tar.addfile(info, fh)
        else:
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        add(tar, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add(tar, "index.json", index)
        add(tar, f"blobs/sha256/{manifest_digest[7:]}", manifest)
        add(tar, f"blobs/sha256/{config_digest[7:]}", config)
        for blob, desc in zip(layers, descs):
            add(tar, f"blobs/sha256/{desc['digest'][7:]}", blob.data, blob.path)
    return manifest_digest
