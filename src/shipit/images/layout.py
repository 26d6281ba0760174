"""OCI image layouts: read one (directory, ``oci-archive`` or ``docker-archive``), write one as a
deterministic tar, and recompute its digests.

The OCI image-layout spec (https://github.com/opencontainers/image-spec/blob/main/image-layout.md) is a
directory with ``oci-layout``, ``index.json`` and content-addressed ``blobs/sha256/<hex>``. The tar we
write holds exactly that, with sorted names, a fixed mtime, owner 0:0 and fixed modes, so equal images
give byte-identical archives. Python's ``tarfile``/``json``/``hashlib`` are enough for this; no OCI
library for Python is maintained well enough to be worth a dependency for ~200 lines.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipit.errors import ShipitError

OCI_LAYOUT_VERSION = "1.0.0"
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
MT_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"
MT_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MT_DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MT_DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
MT_DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
REF_NAME = "org.opencontainers.image.ref.name"
CHUNK = 1 << 20


def json_bytes(obj: Any) -> bytes:
    """Compact, key-sorted JSON: the canonical bytes we hash for configs, manifests and indexes."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def blob_name(digest: str) -> str:
    algo, _, hexpart = digest.partition(":")
    if algo != "sha256" or len(hexpart) != 64:
        raise ShipitError(f"unsupported digest {digest!r}", hint="only sha256 digests are supported")
    return f"blobs/sha256/{hexpart}"


@dataclass
class Blob:
    """A blob of an image: its OCI descriptor and where its bytes are (a file or memory)."""

    descriptor: dict[str, Any]
    path: Path | None = None
    data: bytes | None = None

    @property
    def digest(self) -> str:
        return self.descriptor["digest"]

    @property
    def size(self) -> int:
        return self.descriptor["size"]

    def open(self):
        return open(self.path, "rb") if self.path is not None else io.BytesIO(self.data or b"")


@dataclass
class Image:
    """An image as builders hand it over: raw config bytes and compressed layer blobs, base first."""

    config: bytes
    layers: list[Blob]
    manifest_annotations: dict[str, str] = field(default_factory=dict)

    @property
    def config_json(self) -> dict[str, Any]:
        return json.loads(self.config)

    @property
    def platform(self) -> dict[str, str]:
        cfg = self.config_json
        out = {"os": cfg.get("os", "linux"), "architecture": cfg.get("architecture", "amd64")}
        if cfg.get("variant"):
            out["variant"] = cfg["variant"]
        return out


# --- reading ---------------------------------------------------------------------------------------


def _safe_extract(archive: Path, dest: Path) -> None:
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(dest, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise ShipitError(f"{archive}: cannot read the archive: {exc}",
                          hint="expected an oci-archive or docker-archive tarball") from None


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError:
        raise ShipitError(f"{what}: {path.name} is missing") from None
    except json.JSONDecodeError as exc:
        raise ShipitError(f"{what}: {path.name} is not valid JSON ({exc.msg} at line {exc.lineno})") from None


def _pick(manifests: list[dict], ref: str | None, platform: dict | None, where: str) -> dict:
    cands = manifests
    if ref:
        cands = [m for m in manifests if m.get("annotations", {}).get(REF_NAME) == ref]
        if not cands:
            names = sorted({m.get("annotations", {}).get(REF_NAME, "") for m in manifests} - {""})
            raise ShipitError(f"{where}: no image named {ref!r}",
                              hint=f"names in the layout: {', '.join(names) or 'none'}")
    if platform and len(cands) > 1:
        plat = [m for m in cands if m.get("platform", {}).get("os") == platform["os"]
                and m.get("platform", {}).get("architecture") == platform["architecture"]]
        cands = plat or cands
    digests = {m["digest"] for m in cands}
    if not cands:
        raise ShipitError(f"{where}: the index lists no images")
    if len(digests) > 1:
        raise ShipitError(f"{where}: the layout holds {len(digests)} images; cannot tell which one is the base",
                          hint="give a layout with one image, or a 'PATH:REF' naming one")
    return cands[0]


def load_layout(layout_dir: Path, *, ref: str | None = None, platform: dict | None = None,
                where: str | None = None) -> Image:
    """The image in an OCI layout directory (one image, or the one named ``ref``)."""
    layout_dir = Path(layout_dir)
    where = where or str(layout_dir)
    if not (layout_dir / "oci-layout").is_file():
        raise ShipitError(f"{where}: not an OCI image layout (no oci-layout file)",
                          hint="create one with `skopeo copy ... oci:DIR` or `buildah push IMAGE oci:DIR`")
    index = _read_json(layout_dir / "index.json", where)
    desc = _pick(index.get("manifests", []), ref, platform, where)
    while desc.get("mediaType") in (MT_INDEX, MT_DOCKER_LIST):  # nested index: pick by platform
        nested = _read_json(layout_dir / blob_name(desc["digest"]), where)
        desc = _pick(nested.get("manifests", []), None, platform or {"os": "linux", "architecture": "amd64"}, where)
    manifest_path = layout_dir / blob_name(desc["digest"])
    manifest = _read_json(manifest_path, where)
    if manifest.get("mediaType", MT_MANIFEST) not in (MT_MANIFEST, MT_DOCKER_MANIFEST):
        raise ShipitError(f"{where}: unsupported manifest type {manifest.get('mediaType')}")
    config_path = layout_dir / blob_name(manifest["config"]["digest"])
    if not config_path.is_file():
        raise ShipitError(f"{where}: config blob {manifest['config']['digest']} is missing")
    layers = []
    for layer in manifest.get("layers", []):
        path = layout_dir / blob_name(layer["digest"])
        if not path.is_file():
            raise ShipitError(f"{where}: layer blob {layer['digest']} is missing")
        mt = {MT_DOCKER_LAYER: MT_LAYER_GZIP}.get(layer["mediaType"], layer["mediaType"])
        layers.append(Blob({"mediaType": mt, "digest": layer["digest"], "size": layer["size"]}, path=path))
    return Image(config=config_path.read_bytes(), layers=layers)


def is_docker_archive(directory: Path) -> bool:
    return (directory / "manifest.json").is_file() and not (directory / "oci-layout").is_file()


def load_docker_archive(directory: Path, compress, *, where: str) -> Image:
    """The image of an extracted ``docker save`` archive. Its layers are plain tars; ``compress`` maps a
    layer tar's path to a gzip :class:`Blob` (the native builder's content-addressed cache)."""
    entries = _read_json(directory / "manifest.json", where)
    if not isinstance(entries, list) or len(entries) != 1:
        raise ShipitError(f"{where}: expected exactly one image in the docker archive, found "
                          f"{len(entries) if isinstance(entries, list) else 'none'}")
    entry = entries[0]
    config = (directory / entry["Config"]).read_bytes()
    diff_ids = json.loads(config).get("rootfs", {}).get("diff_ids", [])
    layers = []
    for rel, diff_id in zip(entry["Layers"], diff_ids, strict=True):
        blob = compress(directory / rel)
        if blob.descriptor.get("diff_id") != diff_id:
            raise ShipitError(f"{where}: layer {rel} does not match the config's diff_id {diff_id}")
        layers.append(blob)
    return Image(config=config, layers=layers)


# --- writing ---------------------------------------------------------------------------------------


def _tarinfo(name: str, mtime: int, *, size: int = 0, directory: bool = False) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE if directory else tarfile.REGTYPE
    info.mode = 0o755 if directory else 0o644
    info.mtime = mtime
    info.size = size
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def manifest_for(image: Image, annotations: dict[str, str]) -> bytes:
    manifest: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": MT_MANIFEST,
        "config": {"mediaType": MT_CONFIG, "digest": sha256_digest(image.config), "size": len(image.config)},
        "layers": [{k: b.descriptor[k] for k in ("mediaType", "digest", "size")} for b in image.layers],
    }
    if annotations:
        manifest["annotations"] = dict(sorted(annotations.items()))
    return json_bytes(manifest)


@dataclass
class WrittenImage:
    manifest_digest: str
    manifest_size: int
    config_digest: str
    layers: list[dict[str, Any]]
    platform: dict[str, str]


def write_image_archive(out: Path, image: Image, *, annotations: dict[str, str], ref_name: str,
                        mtime: int) -> WrittenImage:
    """Write ``image`` as an OCI image layout in a deterministic tar at ``out`` (atomically)."""
    manifest = manifest_for(image, annotations)
    manifest_digest = sha256_digest(manifest)
    desc = {"mediaType": MT_MANIFEST, "digest": manifest_digest, "size": len(manifest),
            "annotations": {REF_NAME: ref_name}}
    index = json_bytes({"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [desc]})
    blobs: dict[str, Blob] = {}
    for blob in [Blob({"digest": manifest_digest, "size": len(manifest)}, data=manifest),
                 Blob({"digest": sha256_digest(image.config), "size": len(image.config)}, data=image.config),
                 *image.layers]:
        blobs.setdefault(blob.digest, blob)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as raw, tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
            tar.addfile(_tarinfo("blobs/", mtime, directory=True))
            tar.addfile(_tarinfo("blobs/sha256/", mtime, directory=True))
            for digest in sorted(blobs):
                blob = blobs[digest]
                with blob.open() as fh:
                    tar.addfile(_tarinfo(blob_name(digest), mtime, size=blob.size), fh)
            layout_file = json_bytes({"imageLayoutVersion": OCI_LAYOUT_VERSION})
            for name, data in (("index.json", index), ("oci-layout", layout_file)):
                tar.addfile(_tarinfo(name, mtime, size=len(data)), io.BytesIO(data))
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    layers = [{"digest": b.digest, "size": b.size, "media_type": b.descriptor["mediaType"]} for b in image.layers]
    return WrittenImage(manifest_digest, len(manifest), sha256_digest(image.config), layers, image.platform)


def write_layout_dir(out: Path, image: Image, *, annotations: dict[str, str], ref_name: str) -> str:
    """Write ``image`` as an OCI image layout directory (e.g. a cached base); returns the manifest digest."""
    import shutil

    manifest = manifest_for(image, annotations)
    digest = sha256_digest(manifest)
    index = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [
        {"mediaType": MT_MANIFEST, "digest": digest, "size": len(manifest), "annotations": {REF_NAME: ref_name}}]}
    out = Path(out)
    (out / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
    for blob in image.layers:
        target = out / blob_name(blob.digest)
        if not target.exists():
            shutil.copyfile(blob.path, target)
    (out / blob_name(sha256_digest(image.config))).write_bytes(image.config)
    (out / blob_name(digest)).write_bytes(manifest)
    (out / "index.json").write_bytes(json_bytes(index))
    (out / "oci-layout").write_bytes(json_bytes({"imageLayoutVersion": OCI_LAYOUT_VERSION}))
    return digest


# --- verifying -------------------------------------------------------------------------------------


def _member_digest(tar: tarfile.TarFile, member: tarfile.TarInfo) -> str:
    h = hashlib.sha256()
    fh = tar.extractfile(member)
    while chunk := fh.read(CHUNK):
        h.update(chunk)
    return "sha256:" + h.hexdigest()


def verify_layout_archive(path: Path, *, check_diff_ids: bool = False) -> str:
    """Recompute every digest of the single image in an ``.oci.tar`` and return its manifest digest.

    Checks: each referenced blob exists, has the size its descriptor gives and hashes to its name; the
    config's ``rootfs.diff_ids`` count matches the layers (and, with ``check_diff_ids``, each gzip layer
    decompresses to its diff_id). Raises :class:`ShipitError` on the first mismatch.
    """
    where = str(path)
    try:
        tar = tarfile.open(path)
    except (OSError, tarfile.TarError) as exc:
        raise ShipitError(f"{where}: not a readable tar: {exc}") from None
    with tar:
        members = {m.name.lstrip("./"): m for m in tar.getmembers() if m.isfile()}

        def read(name: str) -> bytes:
            if name not in members:
                raise ShipitError(f"{where}: {name} is missing from the image archive")
            return tar.extractfile(members[name]).read()

        def check(desc: dict, what: str) -> None:
            name = blob_name(desc["digest"])
            if name not in members:
                raise ShipitError(f"{where}: {what} blob {desc['digest']} is missing")
            if members[name].size != desc["size"]:
                raise ShipitError(f"{where}: {what} blob {desc['digest']} has size {members[name].size}, "
                                  f"descriptor says {desc['size']}")
            actual = _member_digest(tar, members[name])
            if actual != desc["digest"]:
                raise ShipitError(f"{where}: {what} blob {desc['digest']} hashes to {actual}: the archive was modified")

        index = json.loads(read("index.json"))
        manifests = index.get("manifests", [])
        if len({m["digest"] for m in manifests}) != 1:
            raise ShipitError(f"{where}: expected exactly one image in index.json, found {len(manifests)}")
        desc = manifests[0]
        check(desc, "manifest")
        manifest = json.loads(read(blob_name(desc["digest"])))
        check(manifest["config"], "config")
        config = json.loads(read(blob_name(manifest["config"]["digest"])))
        diff_ids = config.get("rootfs", {}).get("diff_ids", [])
        if len(diff_ids) != len(manifest.get("layers", [])):
            raise ShipitError(f"{where}: config lists {len(diff_ids)} diff_ids for {len(manifest['layers'])} layers")
        for i, layer in enumerate(manifest.get("layers", [])):
            check(layer, f"layer {i}")
            if check_diff_ids:
                h = hashlib.sha256()
                fh = tar.extractfile(members[blob_name(layer["digest"])])
                stream = gzip.GzipFile(fileobj=fh) if layer["mediaType"].endswith("+gzip") else fh
                while chunk := stream.read(CHUNK):
                    h.update(chunk)
                if "sha256:" + h.hexdigest() != diff_ids[i]:
                    raise ShipitError(f"{where}: layer {i} does not decompress to its diff_id {diff_ids[i]}")
        return desc["digest"]
