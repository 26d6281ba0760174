"""The native builder's base images, one platform at a time: ``scratch``, a local OCI layout / oci-archive
/ docker-archive, or a registry image pinned by digest.

Registry bases are pulled once with the distribution API (the credentials ``shipit publish`` uses) into
a content-addressed store, ``<cache>/oci/blobs/sha256/<hex>`` (manifests, indexes, configs and layers
alike). Every blob is hashed when it arrives and again each time a build uses it: a cached blob whose
bytes no longer hash to its name is reported, removed and pulled again (or, with the registry out of
reach, the build fails). A fully cached base touches no network. A reference without a digest is an
error whose hint prints the digest to pin; ``--snapshot`` builds accept it with a warning.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipit.core.errors import ShipitError
from shipit.core.files import sha256_file
from shipit.images.layout import (
    INDEX_MEDIA_TYPES,
    MT_DOCKER_LAYER,
    MT_DOCKER_MANIFEST,
    MT_LAYER_GZIP,
    MT_MANIFEST,
    Blob,
    Image,
    _safe_extract,
    is_docker_archive,
    load_docker_archive,
    load_layout,
    parse_platform,
    platform_text,
    same_platform,
)
from shipit.images.registry import Reference, RegistryClient, looks_like_reference, parse_reference

BASE_NAME = "org.opencontainers.image.base.name"
BASE_DIGEST = "org.opencontainers.image.base.digest"
DEFAULT_PLATFORM = "linux/amd64"


def cache_root() -> Path:
    """``$SHIPIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/shipit``, else ``~/.cache/shipit``."""
    if os.environ.get("SHIPIT_CACHE_DIR"):
        return Path(os.environ["SHIPIT_CACHE_DIR"])
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "shipit"


# --- what a base string is -------------------------------------------------------------------------


@dataclass(frozen=True)
class BaseSpec:
    """One ``base:`` value: ``scratch``, a local ``path``, or a registry ``reference``."""

    text: str
    kind: str  # "scratch" | "path" | "registry"
    path: Path | None = None
    reference: Reference | None = None


def classify(text: str, project_dir: Path) -> BaseSpec:
    """``scratch``; a path (absolute, ``~``, ``./``, or one that exists); else a registry reference when it
    can only be one (``docker://``, a digest, a tag, or a registry host); else a path (reported missing)."""
    if text == "scratch":
        return BaseSpec(text, "scratch")
    p = Path(text).expanduser()
    path = p if p.is_absolute() else project_dir / p
    try:
        exists = path.exists()
    except OSError:  # e.g. a name too long for the file system: not a path then
        exists = False
    if text.startswith(("/", "~", "./", "../")) or exists:
        return BaseSpec(text, "path", path=path)
    if looks_like_reference(text):
        ref = parse_reference(text)
        if ref is not None:
            return BaseSpec(text, "registry", reference=ref)
    return BaseSpec(text, "path", path=path)


# --- the content-addressed store -------------------------------------------------------------------


class BlobStore:
    """Blobs pulled from registries, by digest, under ``<cache>/oci/blobs/sha256``; each written
    atomically once its bytes hashed to its name, and hashed again whenever it is used."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else cache_root() / "oci"
        self.pulled: list[str] = []
        self.reused: list[str] = []
        self.corrupt: list[str] = []

    def path(self, digest: str) -> Path:
        algo, _, hexd = digest.partition(":")
        if algo != "sha256" or len(hexd) != 64 or any(c not in "0123456789abcdef" for c in hexd):
            raise ShipitError(f"unsupported or malformed digest {digest!r}")
        return self.root / "blobs" / "sha256" / hexd

    def cached(self, digest: str, warn: Callable[[str], None]) -> Path | None:
        """The cached blob if it is present and intact; a corrupt one is reported and removed."""
        path = self.path(digest)
        try:
            actual = "sha256:" + sha256_file(path)
        except FileNotFoundError:
            return None
        if actual == digest:
            self.reused.append(digest)
            return path
        self.corrupt.append(digest)
        warn(f"cached blob {digest} is corrupt: its bytes hash to {actual[:23]}…; removed, pulling it again")
        path.unlink(missing_ok=True)
        return None

    def get(self, digest: str, fetch: Callable[[Path], None], warn: Callable[[str], None]) -> Path:
        """The intact blob: from the store, else ``fetch(tmp)`` (which must check the digest) stored."""
        path = self.cached(digest, warn)
        if path is not None:
            return path
        path = self.path(digest)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
        try:
            fetch(tmp)
            if "sha256:" + sha256_file(tmp) != digest:  # fetchers check too; the store trusts no one
                raise ShipitError(f"pulled blob {digest} does not match its digest")
            os.replace(tmp, path)
        except ShipitError as exc:
            if digest in self.corrupt:
                exc.message = f"{exc.message} (the cached copy of {digest[:19]}… was corrupt and had been removed)"
            raise
        finally:
            tmp.unlink(missing_ok=True)
        self.pulled.append(digest)
        return path


# --- pulling one platform of a registry base -------------------------------------------------------


@dataclass
class PulledBase:
    image: Image
    config: dict[str, Any]
    reference: Reference
    pinned: str  # the digest the reference names (an index or a manifest)
    manifest_digest: str  # the platform's image manifest


@dataclass
class BaseFacts:
    """What the manifest and the provenance record about one platform's base."""

    base: str
    digest: str | None = None  # the base's image manifest
    pinned: str | None = None  # a registry base: the digest its reference names (an index, or the manifest)
    annotations: dict[str, str] = field(default_factory=dict)


def _pick_platform(index: dict[str, Any], want: dict[str, str], where: str) -> dict[str, Any]:
    entries = [d for d in index.get("manifests") or [] if isinstance(d, dict) and "digest" in d]
    found = [d for d in entries if same_platform(want, d.get("platform") or {})]
    if not found:
        have = sorted({platform_text(d["platform"]) for d in entries if isinstance(d.get("platform"), dict)})
        raise ShipitError(f"{where}: no {platform_text(want)} image in the index",
                          hint="platforms it has: " + (", ".join(have) or "none"))
    return found[0]


def pull_base(ref: Reference, platform: str | None, *, insecure: bool = False, allow_unpinned: bool = False,
              store: BlobStore | None = None, warn: Callable[[str], None] = lambda _m: None,
              log: Callable[[str], None] = lambda _m: None, pins: dict[str, str] | None = None) -> PulledBase:
    """One platform of a registry image, every blob digest-checked, through the content-addressed store.

    ``pins`` remembers the digest an unpinned tag resolved to, so every platform of one image uses the
    same (the tag could move between two platforms' pulls)."""
    store = store or BlobStore()
    where = f"base {ref.text}"
    clients: list[RegistryClient] = []

    def client() -> RegistryClient:  # only made when something must be fetched: a cached base needs no network
        if not clients:
            clients.append(RegistryClient(ref.registry, insecure=insecure, log=log))
            log(f"{ref.registry}: credentials from {clients[0].creds_source}")
        return clients[0]

    pinned = ref.digest or (pins or {}).get(ref.text)
    if pinned is None:
        tag = ref.tag or "latest"
        pinned = client().resolve(ref.repository, tag)
        if pins is not None:
            pins[ref.text] = pinned
        if not allow_unpinned:
            raise ShipitError(f"{where}: a tag without a digest; tags move, so the release would not be "
                              "reproducible", hint=f"pin it in shipit.yaml: base: {ref.pinned(pinned)}")
        warn(f"{where} is not pinned by digest; using {pinned} as {ref.name}:{tag} points now "
             f"(snapshot only; pin it: {ref.pinned(pinned)})")

    def manifest_fetcher(digest: str):
        def fetch(tmp: Path) -> None:
            data, _ = client().manifest(ref.repository, digest)
            tmp.write_bytes(data)
        return fetch

    def blob_fetcher(digest: str, size: int | None):
        return lambda tmp: client().blob(ref.repository, digest, tmp, size)

    def document(digest: str) -> dict[str, Any]:
        data = store.get(digest, manifest_fetcher(digest), warn).read_bytes()
        try:
            doc = json.loads(data)
        except ValueError:
            raise ShipitError(f"{where}: {digest} is not a JSON manifest") from None
        if not isinstance(doc, dict):
            raise ShipitError(f"{where}: {digest} is not a JSON manifest")
        return doc

    want = parse_platform(platform or DEFAULT_PLATFORM)
    top = document(pinned)
    manifest_digest = pinned
    if top.get("mediaType") in INDEX_MEDIA_TYPES or "manifests" in top:
        manifest_digest = _pick_platform(top, want, where)["digest"]
        manifest = document(manifest_digest)
    else:
        manifest = top
    if manifest.get("mediaType", MT_MANIFEST) not in (MT_MANIFEST, MT_DOCKER_MANIFEST) or "config" not in manifest:
        raise ShipitError(f"{where}: {manifest_digest} is not an image manifest "
                          f"({manifest.get('mediaType') or 'schema ' + str(manifest.get('schemaVersion'))})",
                          hint="shipit reads OCI and Docker v2 schema 2 images")
    try:
        cfg_desc = manifest["config"]
        config_bytes = store.get(cfg_desc["digest"], blob_fetcher(cfg_desc["digest"], cfg_desc.get("size")),
                                 warn).read_bytes()
        layers = []
        for desc in manifest.get("layers") or []:
            path = store.get(desc["digest"], blob_fetcher(desc["digest"], desc.get("size")), warn)
            media_type = {MT_DOCKER_LAYER: MT_LAYER_GZIP}.get(desc.get("mediaType", ""), desc.get("mediaType", ""))
            layers.append(Blob({"mediaType": media_type, "digest": desc["digest"], "size": path.stat().st_size},
                               path=path))
        config = json.loads(config_bytes)
    except (KeyError, TypeError, ValueError) as exc:
        raise ShipitError(f"{where}: malformed manifest {manifest_digest} ({exc})") from None
    have = {k: config.get(k) for k in ("os", "architecture", "variant") if config.get(k)}
    if not same_platform(want, have):
        raise ShipitError(f"{where}: the image is {platform_text(have)}, not {platform_text(want)}",
                          hint="pin a multi-platform index, or give a base per platform (base: {platform: ...})")
    image = Image(config=config_bytes, layers=layers, source_digest=manifest_digest)
    return PulledBase(image, config, ref, pinned, manifest_digest)


# --- any base, one platform ------------------------------------------------------------------------


def scratch_config(platform: str | None) -> dict[str, Any]:
    want = parse_platform(platform or DEFAULT_PLATFORM)
    return {**want, "config": {}, "rootfs": {"type": "layers", "diff_ids": []}}


def load_base(text: str, *, platform: str | None, project_dir: Path, scratch_dir: Path, compress,
              insecure: bool = False, allow_unpinned: bool = False, store: BlobStore | None = None,
              warn: Callable[[str], None] = lambda _m: None, log: Callable[[str], None] = lambda _m: None,
              image_name: str = "", pins: dict[str, str] | None = None) -> tuple[Image, dict[str, Any], BaseFacts]:
    """The base image for ``platform`` (None: the base's own, an index's linux/amd64), its parsed config
    and what to record about it. ``compress`` turns a plain layer tar into a gzip blob (docker-archive)."""
    spec = classify(text, project_dir)
    if spec.kind == "scratch":
        return Image(config=b"", layers=[]), scratch_config(platform), BaseFacts(text)
    if spec.kind == "registry":
        assert spec.reference is not None
        pulled = pull_base(spec.reference, platform, insecure=insecure, allow_unpinned=allow_unpinned,
                           store=store, warn=warn, log=log, pins=pins)
        annotations = {BASE_NAME: spec.reference.tagged, BASE_DIGEST: pulled.manifest_digest}
        return pulled.image, pulled.config, BaseFacts(text, pulled.manifest_digest, pulled.pinned, annotations)
    path = spec.path
    assert path is not None
    if not path.exists():
        raise ShipitError(f"image {image_name}: base {text!r} not found ({path})",
                          hint="give a registry image pinned by digest (REPO@sha256:...), an OCI layout directory, "
                               "an oci-archive or docker-archive tarball, or 'scratch'; the demo's Debian bases "
                               "are built by `make base`")
    where = f"base {text}"
    if path.is_dir():
        directory = path
    else:
        directory = scratch_dir / "base" / (platform or "default").replace("/", "-")
        directory.mkdir(parents=True, exist_ok=True)
        _safe_extract(path, directory)
    if is_docker_archive(directory):
        image = load_docker_archive(directory, compress, where=where)
    else:
        image = load_layout(directory, platform=parse_platform(platform) if platform else None, where=where)
    config = json.loads(image.config)
    if platform:
        have = {k: config.get(k) for k in ("os", "architecture", "variant") if config.get(k)}
        if not same_platform(parse_platform(platform), have):
            raise ShipitError(f"image {image_name}: platform {platform} but base {text} is {platform_text(have)}",
                              hint="use a base of that platform: a multi-platform index, or base: {platform: path}")
    return image, config, BaseFacts(text, image.source_digest)
