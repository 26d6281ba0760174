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
import shutil
import tarfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from shipit.core.errors import ShipitError
from shipit.core.files import atomic_file, normalized

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
    """A blob of an image: its OCI descriptor and where its bytes are (a file, memory, or ``source``: a
    function that opens them, e.g. a member of another layout's archive)."""

    descriptor: dict[str, Any]
    path: Path | None = None
    data: bytes | None = None
    source: Callable[[], IO[bytes]] | None = None

    @property
    def digest(self) -> str:
        return self.descriptor["digest"]

    @property
    def size(self) -> int:
        return self.descriptor["size"]

    def open(self):
        if self.source is not None:
            return self.source()
        return open(self.path, "rb") if self.path is not None else io.BytesIO(self.data or b"")


@dataclass
class Image:
    """An image as builders hand it over: raw config bytes and compressed layer blobs, base first."""

    config: bytes
    layers: list[Blob]
    manifest_annotations: dict[str, str] = field(default_factory=dict)
    source_digest: str | None = None  # the manifest digest it was read from (a base), if any

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


def parse_platform(text: str) -> dict[str, str]:
    """``os/arch[/variant]`` → an OCI platform object (``linux/arm64`` → {os: linux, architecture: arm64})."""
    parts = text.split("/")
    out = {"os": parts[0], "architecture": parts[1] if len(parts) > 1 else ""}
    if len(parts) > 2 and parts[2]:
        out["variant"] = parts[2]
    return out


def platform_text(platform: dict[str, Any]) -> str:
    """An OCI platform object → ``os/arch[/variant]``."""
    parts = [str(platform.get("os", "")), str(platform.get("architecture", ""))]
    if platform.get("variant"):
        parts.append(str(platform["variant"]))
    return "/".join(parts)


def same_platform(want: dict[str, Any], have: dict[str, Any]) -> bool:
    """Whether ``have`` (a descriptor's or config's platform) is the platform ``want``; a variant that
    ``want`` leaves open matches any, and arm64's default variant v8 equals no variant."""
    if want.get("os") != have.get("os") or want.get("architecture") != have.get("architecture"):
        return False
    default = "v8" if want.get("architecture") == "arm64" else ""
    wv, hv = want.get("variant") or "", have.get("variant") or ""
    return not wv or (wv or default) == (hv or default)


# --- reading ---------------------------------------------------------------------------------------


INDEX_MEDIA_TYPES = {MT_INDEX, MT_DOCKER_LIST}
GZIP_LAYERS = {MT_LAYER_GZIP, "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", MT_DOCKER_LAYER}
PLAIN_LAYERS = {MT_LAYER_TAR, "application/vnd.oci.image.layer.nondistributable.v1.tar",
                "application/vnd.docker.image.rootfs.diff.tar"}
MiB = 1 << 20
#: An OCI layout holds a few files per image; a tar of more entries than this is not one.
MAX_ENTRIES = 100_000
#: OCI manifests, configs and indexes are a few KiB (registries cap manifests at 4 MiB); what is larger
#: is a layer, never parsed as JSON.
MAX_DOCUMENT = 4 * MiB


@dataclass(frozen=True)
class Layer:
    digest: str
    media_type: str
    size: int


@dataclass(frozen=True)
class ImageRef:
    """One image of a layout: its manifest digest, config digest and layers (in order)."""

    manifest_digest: str
    config_digest: str
    layers: tuple[Layer, ...]
    config: dict[str, Any]


class OciLayout:
    """An OCI image layout in a tar archive or a directory; blobs are read by digest, never extracted.

    The one reader of OCI layouts: builders (a base image), the SBOM cataloguer, publish and
    ``shipit verify`` all go through it.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._tar: tarfile.TarFile | None = None
        self._members: dict[str, tarfile.TarInfo] = {}
        if self.path.is_dir():
            return
        try:
            self._tar = tarfile.open(self.path, mode="r:*")
            problem = self._index_members()
        except (OSError, tarfile.TarError, EOFError, zlib.error) as exc:
            raise ShipitError(f"{self.path}: not a readable OCI image archive ({exc})",
                              hint="pass an OCI image layout as a tar (images/<name>.oci.tar) or a directory") from None
        if problem:
            self.close()
            raise ShipitError(f"{self.path}: {problem}",
                              hint="an OCI image layout archive holds index.json, oci-layout and blobs/sha256/* "
                                   "files, each once; this one was not written by an OCI tool")

    def _index_members(self) -> str | None:
        """Read the tar's headers (never its data) into ``_members``; the first reason it is no honest OCI
        layout archive, or None. Work and memory are bounded by the number of entries, not their claims."""
        assert self._tar is not None
        plain = isinstance(self._tar.fileobj, io.BufferedReader)  # not gzip: entries must fit in the file
        end = self.path.stat().st_size
        for count, m in enumerate(self._tar, 1):
            if count > MAX_ENTRIES:
                return f"more than {MAX_ENTRIES} entries"
            name = _norm_member(m.name)
            if m.name.startswith("/") or ".." in name.split("/"):
                return f"entry {m.name!r} leads out of the layout (absolute or ..)"
            if m.issparse():
                return f"entry {name} is a sparse file claiming {m.size} bytes"
            if m.isdir():
                continue
            if not m.isreg():
                kind = "symlink" if m.issym() else "hard link" if m.islnk() else "special file"
                return f"entry {name} is a {kind}; an OCI image layout holds only files and directories"
            if name in self._members:
                return f"entry {name} appears twice (which copy would a reader take?)"
            if plain and m.offset_data + m.size > end:
                return f"entry {name} claims {m.size} bytes, past the end of the archive (truncated)"
            self._members[name] = m
        return None

    def close(self) -> None:
        if self._tar is not None:
            self._tar.close()

    def __enter__(self) -> OciLayout:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- raw access --------------------------------------------------------------------------------
    def names(self) -> list[str]:
        """Every regular file of the layout, relative and sorted."""
        if self._tar is not None:
            return sorted(self._members)
        return sorted(p.relative_to(self.path).as_posix() for p in self.path.rglob("*")
                      if p.is_file() and not p.is_symlink())

    def size(self, name: str) -> int | None:
        if self._tar is not None:
            member = self._members.get(name)
            return member.size if member is not None else None
        p = self.path / name
        return p.stat().st_size if p.is_file() and not p.is_symlink() else None

    def open(self, name: str) -> IO[bytes]:
        if self._tar is None:
            p = self.path / name
            if p.is_symlink() or not p.is_file():
                raise ShipitError(f"{self.path}: missing {name} in the OCI layout")
            return open(p, "rb")
        member = self._members.get(name)
        if member is None:
            raise ShipitError(f"{self.path}: missing {name} in the OCI layout",
                              hint="an OCI image layout has index.json and blobs/sha256/<digest> files")
        fh = self._tar.extractfile(member)
        assert fh is not None
        return fh

    def read_json(self, name: str, limit: int = 16 * MiB) -> dict[str, Any]:
        with self.open(name) as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise ShipitError(f"{self.path}: {name} is larger than {limit // MiB} MiB; not an image document")
        try:
            doc = json.loads(data)
        except ValueError as exc:
            raise ShipitError(f"{self.path}: {name} is not valid JSON: {exc}") from None
        if not isinstance(doc, dict):
            raise ShipitError(f"{self.path}: {name} is not a JSON object")
        return doc

    def blob_name(self, digest: str) -> str:
        algo, _, hexd = str(digest).partition(":")
        if algo != "sha256" or len(hexd) != 64 or any(c not in "0123456789abcdef" for c in hexd):
            raise ShipitError(f"{self.path}: unsupported or malformed digest {digest!r}")
        return f"blobs/sha256/{hexd}"

    def blob_bytes(self, digest: str, limit: int = 16 * MiB) -> bytes:
        """A small blob's bytes, checked against its digest."""
        with self.open(self.blob_name(digest)) as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise ShipitError(f"{self.path}: blob {digest} is larger than {limit // MiB} MiB; not an image document")
        if "sha256:" + hashlib.sha256(data).hexdigest() != digest:
            raise ShipitError(f"{self.path}: blob {digest} does not match its digest (corrupt archive)")
        return data

    def blob_json(self, digest: str) -> dict[str, Any]:
        data = self.blob_bytes(digest)
        try:
            return json.loads(data)
        except ValueError as exc:
            raise ShipitError(f"{self.path}: blob {digest} is not valid JSON: {exc}") from None

    # --- image resolution ----------------------------------------------------------------------------
    def manifests(self) -> list[dict[str, Any]]:
        """The image manifest descriptors of index.json, nested indexes flattened."""
        return self._manifests(self.read_json("index.json"))

    def _manifests(self, index: dict[str, Any], depth: int = 0) -> list[dict[str, Any]]:
        out = []
        for desc in index.get("manifests") or []:
            if not isinstance(desc, dict) or "digest" not in desc:
                continue
            if desc.get("mediaType") in INDEX_MEDIA_TYPES and depth < 2:
                out.extend(self._manifests(self.blob_json(desc["digest"]), depth + 1))
            else:
                out.append(desc)
        return out

    def image(self, manifest_digest: str | None = None) -> ImageRef:
        """The image manifest (by digest, or the only one in index.json) and its layers."""
        descriptors = self.manifests()
        if manifest_digest:
            chosen = [d for d in descriptors if d.get("digest") == manifest_digest]
            if not chosen:
                raise ShipitError(f"{self.path}: no manifest {manifest_digest} in index.json",
                                  hint="found: " + ", ".join(str(d.get("digest")) for d in descriptors))
        else:
            chosen = descriptors
        if not chosen:
            raise ShipitError(f"{self.path}: index.json lists no image manifest")
        if len({d["digest"] for d in chosen}) > 1:
            raise ShipitError(f"{self.path}: index.json lists {len(chosen)} manifests; which one?",
                              hint="pass --manifest-digest; found: " + ", ".join(d["digest"] for d in chosen))
        return self.image_at(chosen[0]["digest"])

    def image_at(self, digest: str) -> ImageRef:
        manifest = self.blob_json(digest)
        if manifest.get("mediaType", MT_MANIFEST) not in (MT_MANIFEST, MT_DOCKER_MANIFEST):
            raise ShipitError(f"{self.path}: unsupported manifest type {manifest.get('mediaType')}")
        try:
            config_digest = manifest["config"]["digest"]
            layers = tuple(Layer(lay["digest"], lay.get("mediaType", ""), int(lay.get("size", 0)))
                           for lay in manifest["layers"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ShipitError(f"{self.path}: manifest {digest} is not an image manifest (missing {exc})") from None
        config = self.blob_json(config_digest)
        return ImageRef(digest, config_digest, layers, config)

    def open_layer(self, layer: Layer) -> IO[bytes]:
        return self.open(self.blob_name(layer.digest))


def _norm_member(name: str) -> str:
    while name.startswith("./"):
        name = name[2:]
    return name.rstrip("/")


def _safe_extract(archive: Path, dest: Path) -> None:
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(dest, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise ShipitError(f"{archive}: cannot read the archive: {exc}",
                          hint="expected an oci-archive or docker-archive tarball") from None


def _pick(manifests: list[dict], ref: str | None, platform: dict | None, where: str) -> dict:
    cands = manifests
    if ref:
        cands = [m for m in manifests if m.get("annotations", {}).get(REF_NAME) == ref]
        if not cands:
            names = sorted({m.get("annotations", {}).get(REF_NAME, "") for m in manifests} - {""})
            raise ShipitError(f"{where}: no image named {ref!r}",
                              hint=f"names in the layout: {', '.join(names) or 'none'}")
    if platform and len(cands) > 1:
        plat = [m for m in cands if same_platform(platform, m.get("platform") or {})]
        if not plat and all(m.get("platform") for m in cands):
            raise ShipitError(f"{where}: no {platform_text(platform)} image in the index",
                              hint="platforms in it: " + ", ".join(sorted({platform_text(m["platform"])
                                                                           for m in cands})))
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
    """The image in an OCI layout directory (one image, or the one named ``ref``), its layers as files."""
    layout_dir = Path(layout_dir)
    where = where or str(layout_dir)
    if not (layout_dir / "oci-layout").is_file():
        raise ShipitError(f"{where}: not an OCI image layout (no oci-layout file)",
                          hint="create one with `skopeo copy ... oci:DIR` or `buildah push IMAGE oci:DIR`")
    layout = OciLayout(layout_dir)
    try:
        desc = _pick(layout.read_json("index.json").get("manifests", []), ref, platform, where)
        while desc.get("mediaType") in INDEX_MEDIA_TYPES:  # nested index: pick by platform
            nested = layout.blob_json(desc["digest"])
            desc = _pick(nested.get("manifests", []), None, platform or {"os": "linux", "architecture": "amd64"},
                         where)
        image = layout.image_at(desc["digest"])
        config = layout.blob_bytes(image.config_digest)
    except ShipitError as exc:
        raise ShipitError(f"{where}: {exc.message.removeprefix(f'{layout_dir}: ')}", hint=exc.hint) from None
    layers = []
    for layer in image.layers:
        path = layout_dir / layout.blob_name(layer.digest)
        if not path.is_file():
            raise ShipitError(f"{where}: layer blob {layer.digest} is missing")
        mt = {MT_DOCKER_LAYER: MT_LAYER_GZIP}.get(layer.media_type, layer.media_type)
        layers.append(Blob({"mediaType": mt, "digest": layer.digest, "size": layer.size}, path=path))
    return Image(config=config, layers=layers, source_digest=image.manifest_digest)


def image_from_layout(layout: OciLayout, manifest_digest: str) -> Image:
    """One image of an open layout as builders hand images over (config bytes, layer blobs read from the
    layout while they are written, the manifest's annotations), so that writing it again with
    :func:`manifest_for` gives the same manifest: the merge of a sharded release reassembles an image index
    from the platforms its shards built. Raises unless it does."""
    manifest = layout.blob_json(manifest_digest)
    config_desc = manifest.get("config") or {}
    config = layout.blob_bytes(config_desc.get("digest", ""))
    layers = []
    for desc in manifest.get("layers") or []:
        name = layout.blob_name(desc["digest"])
        layers.append(Blob({k: desc[k] for k in ("mediaType", "digest", "size")},
                           source=lambda name=name: layout.open(name)))
    image = Image(config=config, layers=layers, manifest_annotations=dict(manifest.get("annotations") or {}))
    again = sha256_digest(manifest_for(image, {}))
    if again != manifest_digest:
        raise ShipitError(f"{layout.path}: manifest {manifest_digest[:19]}… does not reassemble to itself "
                          f"({again[:19]}…): it was not written by shipit", hint="cut the shard again")
    return image


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError:
        raise ShipitError(f"{what}: {path.name} is missing") from None
    except json.JSONDecodeError as exc:
        raise ShipitError(f"{what}: {path.name} is not valid JSON ({exc.msg} at line {exc.lineno})") from None


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
    info.size = size
    return normalized(info, mtime)


def manifest_for(image: Image, annotations: dict[str, str]) -> bytes:
    manifest: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": MT_MANIFEST,
        "config": {"mediaType": MT_CONFIG, "digest": sha256_digest(image.config), "size": len(image.config)},
        "layers": [{k: b.descriptor[k] for k in ("mediaType", "digest", "size")} for b in image.layers],
    }
    merged = {**annotations, **image.manifest_annotations}
    if merged:
        manifest["annotations"] = dict(sorted(merged.items()))
    return json_bytes(manifest)


@dataclass
class WrittenImage:
    manifest_digest: str
    manifest_size: int
    config_digest: str
    layers: list[dict[str, Any]]
    platform: dict[str, str]


def _write_layout_tar(out: Path, index: bytes, blobs: list[Blob], mtime: int) -> None:
    """The OCI layout tar: blobs (each once, sorted by digest), then index.json and oci-layout; atomic."""
    unique: dict[str, Blob] = {}
    for blob in blobs:
        unique.setdefault(blob.digest, blob)
    with atomic_file(out) as raw, tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        tar.addfile(_tarinfo("blobs/", mtime, directory=True))
        tar.addfile(_tarinfo("blobs/sha256/", mtime, directory=True))
        for digest in sorted(unique):
            blob = unique[digest]
            with blob.open() as fh:
                # every blob is hashed as it is copied: a damaged base layer never goes out under its name
                checked = _CheckedReader(fh, blob)
                tar.addfile(_tarinfo(blob_name(digest), mtime, size=blob.size), checked)
                checked.verify()
        layout_file = json_bytes({"imageLayoutVersion": OCI_LAYOUT_VERSION})
        for name, data in (("index.json", index), ("oci-layout", layout_file)):
            tar.addfile(_tarinfo(name, mtime, size=len(data)), io.BytesIO(data))


def _image_blobs(image: Image, manifest: bytes) -> list[Blob]:
    return [Blob({"digest": sha256_digest(manifest), "size": len(manifest)}, data=manifest),
            Blob({"digest": sha256_digest(image.config), "size": len(image.config)}, data=image.config),
            *image.layers]


def _written(image: Image, manifest: bytes) -> WrittenImage:
    layers = [{"digest": b.digest, "size": b.size, "media_type": b.descriptor["mediaType"]} for b in image.layers]
    return WrittenImage(sha256_digest(manifest), len(manifest), sha256_digest(image.config), layers, image.platform)


def write_image_archive(out: Path, image: Image, *, annotations: dict[str, str], ref_name: str,
                        mtime: int) -> WrittenImage:
    """Write ``image`` as an OCI image layout in a deterministic tar at ``out`` (atomically)."""
    manifest = manifest_for(image, annotations)
    desc = {"mediaType": MT_MANIFEST, "digest": sha256_digest(manifest), "size": len(manifest),
            "annotations": {REF_NAME: ref_name}}
    index = json_bytes({"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [desc]})
    _write_layout_tar(out, index, _image_blobs(image, manifest), mtime)
    return _written(image, manifest)


@dataclass
class WrittenIndex:
    index_digest: str
    index_size: int
    manifests: list[WrittenImage]  # in the index's order


def index_for(images: list[Image], manifests: list[bytes], annotations: dict[str, str]) -> bytes:
    """An OCI image index over per-platform manifests (in the given order), each with its platform."""
    descriptors = []
    for image, manifest in zip(images, manifests, strict=True):
        descriptors.append({"mediaType": MT_MANIFEST, "digest": sha256_digest(manifest), "size": len(manifest),
                            "platform": image.platform})
    index: dict[str, Any] = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": descriptors}
    if annotations:
        index["annotations"] = dict(sorted(annotations.items()))
    return json_bytes(index)


def write_index_archive(out: Path, images: list[Image], *, annotations: dict[str, str], ref_name: str,
                        mtime: int) -> WrittenIndex:
    """Write one image per platform as an OCI image layout tar whose index.json names one image index.

    That nesting is what ``docker buildx`` and ``buildah manifest push --all oci:`` write: skopeo,
    podman and registries see one multi-platform image (``skopeo copy --multi-arch all`` keeps every
    digest). The platforms must differ; blobs the platforms share (the project's layers) are stored once.
    """
    seen: dict[str, int] = {}
    for i, image in enumerate(images):
        key = platform_text(image.platform)
        if key in seen:
            raise ShipitError(f"two images of the index are {key}", hint="each platform may appear once")
        seen[key] = i
    manifests = [manifest_for(image, annotations) for image in images]
    index = index_for(images, manifests, annotations)
    desc = {"mediaType": MT_INDEX, "digest": sha256_digest(index), "size": len(index),
            "annotations": {REF_NAME: ref_name}}
    top = json_bytes({"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [desc]})
    blobs = [Blob({"digest": sha256_digest(index), "size": len(index)}, data=index)]
    for image, manifest in zip(images, manifests, strict=True):
        blobs += _image_blobs(image, manifest)
    _write_layout_tar(out, top, blobs, mtime)
    return WrittenIndex(sha256_digest(index), len(index),
                        [_written(image, manifest) for image, manifest in zip(images, manifests, strict=True)])


class _CheckedReader:
    """Reads a blob while hashing it; :meth:`verify` raises unless its bytes are its digest and size."""

    def __init__(self, fh: IO[bytes], blob: Blob):
        self.fh, self.blob, self.sha, self.size = fh, blob, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.sha.update(data)
        self.size += len(data)
        if (not data or 0 < len(data) < n) and self.size < self.blob.size:  # a short read of a file: its end
            self._fail(f"is {self.size} bytes, its descriptor says {self.blob.size} (truncated)")
        return data

    def verify(self) -> None:
        if self.size != self.blob.size or "sha256:" + self.sha.hexdigest() != self.blob.digest:
            self._fail(f"hashes to sha256:{self.sha.hexdigest()[:16]}… ({self.size} bytes)")

    def _fail(self, what: str) -> None:
        where = f" ({self.blob.path})" if self.blob.path is not None else ""
        raise ShipitError(f"blob {self.blob.digest}{where} is corrupt: it {what}",
                          hint="a layer of the base image (or the layer cache) is damaged: rebuild or re-fetch the "
                               "base; the layer cache is rebuilt after removing ~/.cache/shipit/layers")


def write_layout_dir(out: Path, image: Image, *, annotations: dict[str, str], ref_name: str) -> str:
    """Write ``image`` as an OCI image layout directory (e.g. a cached base); returns the manifest digest."""
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


class ArchiveProblem(ShipitError):
    """An image archive that is not what it claims; ``reason`` says what, without the path."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}", hint="never edit a cut release; cut a new one")
        self.reason = reason


@dataclass(frozen=True)
class ArchiveFacts:
    """What :func:`inspect_archive` recomputed: the digest the archive names (an image manifest, or an
    image index), and per platform the manifest digest (one entry, platform "", for a plain image)."""

    digest: str
    media_type: str
    platforms: tuple[tuple[str, str], ...]


def check_archive(path: Path, *, expect: str | None = None, check_diff_ids: bool = False) -> str:
    """Recompute every digest of an ``.oci.tar`` and return the digest of its image (manifest or index).

    See :func:`inspect_archive`; raises :class:`ArchiveProblem` with the first problem found.
    """
    return inspect_archive(path, expect=expect, check_diff_ids=check_diff_ids).digest


def inspect_archive(path: Path, *, expect: str | None = None, check_diff_ids: bool = False) -> ArchiveFacts:
    """Recompute every digest of an ``.oci.tar``.

    Every blob is read once and must hash to its name. The image is ``expect`` or the only one
    index.json names: an image manifest, or an image index (a multi-platform image). For an index, the
    index blob is parsed and each of its manifests is checked as below, its descriptor's size must be
    the blob's, each must carry a platform, no platform may appear twice, and each manifest's config
    must name the platform its descriptor claims (so a platform's manifest cannot be swapped for
    another's). For a manifest: it must be referenced by index.json (directly or through an index),
    its config and layers must be present with the sizes their descriptors give, the config's
    ``rootfs.diff_ids`` must match the layers in number (and, with ``check_diff_ids``, each gzip layer
    must decompress to its diff_id). Raises :class:`ArchiveProblem` with the first problem found.
    """
    path = Path(path)
    try:
        layout = OciLayout(path)
    except ShipitError as exc:
        raise ArchiveProblem(path, exc.message.removeprefix(f"{path}: ")) from None
    with layout:
        names = layout.names()
        if "index.json" not in names:
            raise ArchiveProblem(path, "no index.json (not an OCI image layout)")
        try:
            for name in names:
                if not name.startswith("blobs/sha256/"):
                    continue
                h = hashlib.sha256()
                with layout.open(name) as fh:
                    while chunk := fh.read(CHUNK):
                        h.update(chunk)
                if h.hexdigest() != name.rsplit("/", 1)[1]:
                    raise ArchiveProblem(path, f"blob {name} is corrupt: it hashes to sha256:{h.hexdigest()[:16]}…; "
                                               "the archive was modified")
            top = [d for d in layout.read_json("index.json").get("manifests") or [] if isinstance(d, dict)]
            indexes = {d.get("digest"): d for d in top if d.get("mediaType") in INDEX_MEDIA_TYPES}
            descriptors = layout.manifests()
            digests = [d["digest"] for d in descriptors]
        except (OSError, tarfile.TarError, zlib.error) as exc:
            raise ArchiveProblem(path, f"not a readable tar archive ({exc})") from None
        except ArchiveProblem:
            raise
        except ShipitError as exc:
            raise ArchiveProblem(path, exc.message.removeprefix(f"{path}: ")) from None
        if expect is None and len(indexes) == 1 and len({d.get("digest") for d in top}) == 1:
            expect = next(iter(indexes))
        if expect is not None and expect in indexes:
            return _check_index(layout, path, indexes[expect], check_diff_ids)
        if expect is not None:
            if expect not in digests:
                raise ArchiveProblem(path, f"index.json does not reference the recorded manifest {expect[:23]}…")
            digest = expect
        elif len(set(digests)) != 1:
            raise ArchiveProblem(path, f"expected exactly one image in index.json, found {len(set(digests))}")
        else:
            digest = digests[0]
        manifest_size = layout.size(layout.blob_name(digest))
        for desc in descriptors:
            if manifest_size is not None and desc["digest"] == digest and desc.get("size") != manifest_size:
                raise ArchiveProblem(path, f"manifest blob {layout.blob_name(digest)} has size {manifest_size}, "
                                           f"index.json says {desc.get('size')}")
        _check_manifest(layout, path, digest, check_diff_ids)
    return ArchiveFacts(digest, MT_MANIFEST, (("", digest),))


def _check_index(layout: OciLayout, path: Path, desc: dict[str, Any], check_diff_ids: bool) -> ArchiveFacts:
    digest = desc["digest"]
    try:
        size = layout.size(layout.blob_name(digest))
        if size is None:
            raise ArchiveProblem(path, f"image index blob {layout.blob_name(digest)} is missing")
        if desc.get("size") is not None and desc["size"] != size:
            raise ArchiveProblem(path, f"index.json gives the image index size {desc['size']}, its blob has {size}")
        index = layout.blob_json(digest)
    except ArchiveProblem:
        raise
    except ShipitError as exc:
        raise ArchiveProblem(path, exc.message.removeprefix(f"{path}: ")) from None
    if index.get("mediaType", MT_INDEX) not in INDEX_MEDIA_TYPES:
        raise ArchiveProblem(path, f"image index {digest[:19]}… has media type {index.get('mediaType')}")
    entries = index.get("manifests")
    if not isinstance(entries, list) or not entries:
        raise ArchiveProblem(path, f"image index {digest[:19]}… lists no manifests")
    platforms: list[tuple[str, str]] = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("platform"), dict) or "digest" not in entry:
            raise ArchiveProblem(path, f"image index {digest[:19]}…: a manifest descriptor without a platform")
        if entry.get("mediaType") not in (MT_MANIFEST, MT_DOCKER_MANIFEST):
            raise ArchiveProblem(path, f"image index {digest[:19]}… lists a {entry.get('mediaType')}, "
                                       "not an image manifest (nested indexes are not supported)")
        name = platform_text(entry["platform"])
        if any(name == p for p, _ in platforms):
            raise ArchiveProblem(path, f"image index {digest[:19]}… lists {name} twice")
        actual = layout.size(layout.blob_name(entry["digest"]))
        if actual is not None and entry.get("size") != actual:
            raise ArchiveProblem(path, f"{name}: the index gives manifest size {entry.get('size')}, its blob has "
                                       f"{actual}")
        image = _check_manifest(layout, path, entry["digest"], check_diff_ids)
        have = {k: image.config.get(k) for k in ("os", "architecture", "variant") if image.config.get(k)}
        if not same_platform(entry["platform"], have):
            raise ArchiveProblem(path, f"the index lists manifest {entry['digest'][:19]}… as {name}, but its config "
                                       f"is {platform_text(have)}: a platform's image was swapped for another's")
        platforms.append((name, entry["digest"]))
    return ArchiveFacts(digest, MT_INDEX, tuple(platforms))


def _check_manifest(layout: OciLayout, path: Path, digest: str, check_diff_ids: bool) -> ImageRef:
    try:
        if layout.size(layout.blob_name(digest)) is None:
            raise ArchiveProblem(path, f"manifest blob {layout.blob_name(digest)} is missing")
        image = layout.image_at(digest)
        config_size = (layout.blob_json(digest).get("config") or {}).get("size")
    except ArchiveProblem:
        raise
    except ShipitError as exc:
        raise ArchiveProblem(path, exc.message.removeprefix(f"{path}: ")) from None
    descriptors = [(image.config_digest, config_size, "config")] + [
        (layer.digest, layer.size, f"layer {i}") for i, layer in enumerate(image.layers)]
    for blob_digest, size, what in descriptors:
        name = layout.blob_name(blob_digest)
        actual = layout.size(name)
        if actual is None:
            raise ArchiveProblem(path, f"{what} blob {name} referenced by the manifest is missing")
        if size is not None and actual != size:
            raise ArchiveProblem(path, f"{what} blob {name} has size {actual}, the manifest says {size}")
    diff_ids = image.config.get("rootfs", {}).get("diff_ids", [])
    if len(diff_ids) != len(image.layers):
        raise ArchiveProblem(path, f"config lists {len(diff_ids)} diff_ids for {len(image.layers)} layers")
    if check_diff_ids:
        for i, layer in enumerate(image.layers):
            h = hashlib.sha256()
            with layout.open_layer(layer) as fh:
                stream = gzip.GzipFile(fileobj=fh) if layer.media_type in GZIP_LAYERS else fh
                while chunk := stream.read(CHUNK):
                    h.update(chunk)
            if "sha256:" + h.hexdigest() != diff_ids[i]:
                raise ArchiveProblem(path, f"layer {i} does not decompress to its diff_id {diff_ids[i]}")
    return image


def archive_problem(path: Path, recorded_digest: str, platforms: dict[str, str] | None = None) -> str | None:
    """None if the archive is intact and holds the image ``recorded_digest`` (with, for an image index,
    exactly the ``platforms`` {os/arch: manifest digest} recorded); else why not (for reports)."""
    try:
        facts = inspect_archive(path, expect=recorded_digest)
    except ArchiveProblem as exc:
        return exc.reason
    if platforms is not None:
        found = dict(facts.platforms) if facts.media_type == MT_INDEX else {}
        if found != platforms:
            for name in sorted(set(found) | set(platforms)):
                if name not in found:
                    return f"the image index has no {name} image (recorded {platforms[name][:19]}…)"
                if name not in platforms:
                    return f"the image index has a {name} image that manifest.json does not record"
                if found[name] != platforms[name]:
                    return (f"{name}: the index names manifest {found[name][:19]}…, manifest.json records "
                            f"{platforms[name][:19]}…")
    return None
