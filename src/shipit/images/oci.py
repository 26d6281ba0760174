"""The native, daemonless image builder (in the spirit of ko, Jib and apko).

Each ``layers:`` entry of shipit.yaml becomes one layer: a tar whose entries are sorted by name, with
mtime = SOURCE_DATE_EPOCH, the configured numeric owner, empty user/group names, normalised modes and
no extended attributes or other host metadata, gzip-compressed with a fixed header. The layers are put
on top of a base (an OCI layout directory, an ``oci-archive``, a ``docker-archive`` or ``scratch``) and
described by an OCI config and manifest. Same inputs → same bytes → same digests.

Layers are cached by content (diff_id → gzip blob), with a git-index-like stat shortcut so an
untouched source tree is neither read nor compressed again (see :class:`LayerCache`).
"""

from __future__ import annotations

import fnmatch
import gzip
import hashlib
import json
import os
import queue
import stat
import tarfile
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from shipit.core.console import warn
from shipit.core.errors import ShipitError
from shipit.core.files import normalized, sha256_file, write_bytes
from shipit.core.progress import progress
from shipit.core.tools import Tool
from shipit.images.bases import cache_root, load_base
from shipit.images.config import ImageConfig, LayerConfig
from shipit.images.interface import Builder, BuildRequest
from shipit.images.layout import MT_LAYER_GZIP, Blob, Image, json_bytes

CHUNK = 1 << 20
GZIP_LEVEL = 6
LAYER_FORMAT = "v1"  # bump when the tar layout changes, so old cache entries are not reused


# --- the tar of one layer --------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One tar entry: its name in the image and where it comes from (None: a synthesized directory)."""

    name: str
    source: Path | None
    mode: int
    uid: int
    gid: int


def _excluded(rel: str, patterns: list[str]) -> bool:
    parts = rel.split("/")
    return any(fnmatch.fnmatchcase(rel, p) or any(fnmatch.fnmatchcase(part, p) for part in parts)
               for p in patterns)


def _file_mode(st: os.stat_result, fixed: int | None) -> int:
    if fixed is not None:
        return fixed
    # Like git: only the executable bit of the source counts, so umask and checkout do not matter.
    return 0o755 if st.st_mode & 0o111 else 0o644


def layer_entries(layer: LayerConfig, project_dir: Path) -> list[Entry]:
    """The sorted entries of one layer, with parent directories of ``dest`` included."""
    src = (project_dir / Path(layer.src).expanduser())
    if not src.exists() and not src.is_symlink():
        raise ShipitError(f"layer source {layer.src!r} does not exist (looked in {project_dir})",
                          hint="paths in layers[].src are relative to the directory of shipit.yaml")
    uid, gid = (int(x) for x in layer.owner.split(":"))
    fixed = int(layer.mode, 8) if layer.mode else None
    dest = PurePosixPath(layer.dest)
    entries: dict[str, Entry] = {}
    if src.is_dir() and not src.is_symlink():
        root = dest
        for dirpath, dirnames, filenames in os.walk(src):
            rel_dir = Path(dirpath).relative_to(src)
            dirnames[:] = [d for d in dirnames if not _excluded((rel_dir / d).as_posix(), layer.excludes)]
            for name in dirnames + filenames:
                rel = (rel_dir / name).as_posix()
                if name in filenames and _excluded(rel, layer.excludes):
                    continue
                path = Path(dirpath) / name
                st = path.lstat()
                if stat.S_ISDIR(st.st_mode):
                    mode = 0o755
                elif stat.S_ISLNK(st.st_mode):
                    mode = 0o777
                elif stat.S_ISREG(st.st_mode):
                    mode = _file_mode(st, fixed)
                else:
                    continue  # sockets, fifos, devices: not image content
                arc = str(root / rel).lstrip("/")
                entries[arc] = Entry(arc, path, mode, uid, gid)
        top = str(root).lstrip("/")
        if top:
            entries[top] = Entry(top, None, 0o755, uid, gid)
    else:
        target = dest / src.name if layer.dest.endswith("/") else dest
        st = src.lstat()
        arc = str(target).lstrip("/")
        entries[arc] = Entry(arc, src, 0o777 if stat.S_ISLNK(st.st_mode) else _file_mode(st, fixed), uid, gid)
        root = target.parent
    # parent directories of the destination, owned by root
    parts = PurePosixPath(str(root).lstrip("/")).parts if str(root).strip("/") else ()
    for i in range(1, len(parts) + 1):
        arc = "/".join(parts[:i])
        entries.setdefault(arc, Entry(arc, None, 0o755, 0, 0))
    return [entries[k] for k in sorted(entries)]


def _tarinfo(entry: Entry, mtime: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(entry.name)
    if entry.source is None:
        info.type = tarfile.DIRTYPE
    else:
        st = entry.source.lstat()
        if stat.S_ISDIR(st.st_mode):
            info.type = tarfile.DIRTYPE
        elif stat.S_ISLNK(st.st_mode):
            info.type = tarfile.SYMTYPE
            info.linkname = os.readlink(entry.source)
        else:
            info.type = tarfile.REGTYPE
            info.size = st.st_size
    return normalized(info, mtime, mode=entry.mode, uid=entry.uid, gid=entry.gid)


class _Sink:
    """A write-only file object that hashes what tarfile writes (the diff_id) and passes it on."""

    def __init__(self, downstream=None):
        self.sha = hashlib.sha256()
        self.downstream = downstream
        self.size = 0

    def write(self, data) -> int:
        self.sha.update(data)
        self.size += len(data)
        if self.downstream is not None:
            self.downstream(bytes(data))
        return len(data)

    def tell(self) -> int:
        return self.size


def write_layer_tar(entries: list[Entry], mtime: int, downstream=None) -> str:
    """Stream the layer tar; return its sha256 digest (the diff_id). ``downstream`` gets the bytes."""
    sink = _Sink(downstream)
    with tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT, bufsize=CHUNK) as tar:
        for entry in entries:
            info = _tarinfo(entry, mtime)
            if info.isreg():
                with open(entry.source, "rb") as fh:
                    tar.addfile(info, fh)
                    if fh.tell() != info.size:
                        raise ShipitError(f"{entry.source} changed size while the layer was written")
            else:
                tar.addfile(info)
    return "sha256:" + sink.sha.hexdigest()


class _Compressor:
    """gzip in a second thread (zlib releases the GIL), so reading+hashing and compressing overlap.

    Fixed gzip header (no name, mtime 0, OS 255 from Python's gzip module): output depends only on input.
    """

    def __init__(self, out_path: Path, level: int):
        self.raw = open(out_path, "wb")
        self.hashing = _HashingWriter(self.raw)
        self.gz = gzip.GzipFile(filename="", mode="wb", fileobj=self.hashing, compresslevel=level, mtime=0)
        self.q: queue.Queue = queue.Queue(maxsize=16)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while (chunk := self.q.get()) is not None:
                self.gz.write(chunk)
            self.gz.close()
        except BaseException as exc:  # reported by close()
            self.error = exc
            while self.q.get() is not None:
                pass

    def feed(self, data: bytes) -> None:
        self.q.put(data)

    def close(self) -> tuple[str, int]:
        self.q.put(None)
        self.thread.join()
        self.raw.close()
        if self.error:
            raise self.error
        return "sha256:" + self.hashing.sha.hexdigest(), self.hashing.size


class _HashingWriter:
    def __init__(self, fh):
        self.fh, self.sha, self.size = fh, hashlib.sha256(), 0

    def write(self, data) -> int:
        self.sha.update(data)
        self.size += len(data)
        return self.fh.write(data)

    def flush(self) -> None:
        self.fh.flush()


# --- the content-addressed layer cache ----------------------------------------------------------------


class LayerCache:
    """diff_id → gzip blob, under ``<cache>/layers`` (content-addressed). Entries are written
    atomically; a damaged or missing blob is a miss.

    A second index maps a *stat key* (each entry's name, mode, owner and its source's device, inode,
    size, mtime and ctime, like git's index) to the diff_id it produced, so an untouched tree is not
    even read again. On a stat miss the tar is written, hashed and compressed in one pass; if its
    diff_id turns out to be cached already, the new blob is dropped and the cached one used.
    """

    def __init__(self, root: Path | None = None, level: int = GZIP_LEVEL):
        self.root = Path(root) if root else cache_root() / "layers"
        self.level = level
        self.hits = self.misses = 0

    @classmethod
    def writable_or(cls, fallback: Path) -> LayerCache:
        """The user's layer cache, or (when it cannot be written: a read-only home, a full disk) a throwaway one
        at ``fallback``, with a warning: a cache only saves time, so the build goes on without it."""
        cache = cls()
        try:
            (cache.root / "tmp").mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=cache.root / "tmp"):
                pass
        except OSError as exc:
            warn(f"the layer cache {cache.root} is not writable ({exc.strerror or exc}): layers are built "
                 "without it this time")
            return cls(fallback)
        return cache

    def _index(self, diff_id: str) -> Path:
        return self.root / "index" / f"{diff_id.split(':', 1)[1]}.{LAYER_FORMAT}.gzip{self.level}.json"

    def _blob(self, digest: str) -> Path:
        return self.root / "blobs" / "sha256" / digest.split(":", 1)[1]

    def _stat_index(self, key: str) -> Path:
        return self.root / "stat" / f"{key}.json"

    @staticmethod
    def stat_key(entries: list[Entry], mtime: int) -> str:
        h = hashlib.sha256(f"{LAYER_FORMAT} {mtime}\n".encode())
        for e in entries:
            st = e.source.lstat() if e.source is not None else None
            meta = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_mode) if st else ()
            h.update(repr((e.name, e.mode, e.uid, e.gid, str(e.source), meta)).encode() + b"\n")
        return h.hexdigest()

    def lookup(self, diff_id: str) -> Blob | None:
        try:
            meta = json.loads(self._index(diff_id).read_text())
            path = self._blob(meta["digest"])
            if path.stat().st_size != meta["size"]:
                return None
        except (OSError, ValueError, KeyError):
            return None
        return Blob({"mediaType": MT_LAYER_GZIP, "digest": meta["digest"], "size": meta["size"],
                     "diff_id": diff_id}, path=path)

    def store(self, diff_id: str | None, produce) -> Blob:
        """Compress the bytes ``produce(feed)`` writes (it returns their diff_id) into the cache.

        With ``diff_id`` None the digest is learnt from ``produce``; an already cached blob wins."""
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        tmp = tmp_dir / f"{os.getpid()}-{threading.get_ident()}.gz"
        try:
            comp = _Compressor(tmp, self.level)
            try:
                produced = produce(comp.feed)
            finally:
                digest, size = comp.close()
            if diff_id is not None and produced != diff_id:
                raise ShipitError("a layer's files changed while it was being built",
                                  hint="make sure nothing writes into the layer's source during the release")
            cached = self.lookup(produced)
            if cached is not None:
                return cached
            path = self._blob(digest)
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        write_bytes(self._index(produced), json_bytes({"digest": digest, "size": size}))
        return Blob({"mediaType": MT_LAYER_GZIP, "digest": digest, "size": size, "diff_id": produced}, path=path)

    def layer(self, entries: list[Entry], mtime: int) -> Blob:
        """The gzip blob of a layer: from the cache when its files are untouched, else built."""
        key = self.stat_key(entries, mtime)
        try:
            known = json.loads(self._stat_index(key).read_text())["diff_id"]
        except (OSError, ValueError, KeyError):
            known = None
        blob = self.lookup(known) if known else None
        if blob is not None:
            self.hits += 1
            return blob
        self.misses += 1
        blob = self.store(None, lambda feed: write_layer_tar(entries, mtime, feed))
        write_bytes(self._stat_index(key), json_bytes({"diff_id": blob.descriptor["diff_id"]}))
        return blob

    def compress_tar(self, tar_path: Path) -> Blob:
        """A plain layer tar (e.g. from a docker-archive) as a cached gzip blob."""
        diff_id = "sha256:" + sha256_file(tar_path)
        blob = self.lookup(diff_id)
        if blob is not None:
            self.hits += 1
            return blob
        self.misses += 1

        def produce(feed) -> str:
            sha = hashlib.sha256()
            with open(tar_path, "rb") as fh:
                while chunk := fh.read(CHUNK):
                    sha.update(chunk)
                    feed(chunk)
            return "sha256:" + sha.hexdigest()

        return self.store(diff_id, produce)


# --- configs -----------------------------------------------------------------------------------------


def build_config(image: ImageConfig, base_cfg: dict, diff_ids: list[str], history: list[dict],
                 labels: dict[str, str], created: str) -> dict:
    """The OCI image config: the base's runtime config with ours applied (Dockerfile semantics)."""
    bc = dict(base_cfg.get("config") or {})
    cfg: dict = {}
    env = list(bc.get("Env") or [])
    for key, value in image.env.items():
        env = [e for e in env if e.split("=", 1)[0] != key] + [f"{key}={value}"]
    if env:
        cfg["Env"] = env
    entrypoint = image.entrypoint if image.entrypoint is not None else bc.get("Entrypoint")
    cmd = image.cmd if image.cmd is not None else (None if image.entrypoint is not None else bc.get("Cmd"))
    if entrypoint:
        cfg["Entrypoint"] = list(entrypoint)
    if cmd:
        cfg["Cmd"] = list(cmd)
    if image.workdir or bc.get("WorkingDir"):
        cfg["WorkingDir"] = image.workdir or bc["WorkingDir"]
    if image.user or bc.get("User"):
        cfg["User"] = image.user or bc["User"]
    ports = dict(bc.get("ExposedPorts") or {})
    ports.update({p: {} for p in image.exposed_ports})
    if ports:
        cfg["ExposedPorts"] = ports
    all_labels = dict(bc.get("Labels") or {})
    all_labels.update(labels)
    if all_labels:
        cfg["Labels"] = all_labels
    for key in ("Volumes", "StopSignal"):
        if bc.get(key):
            cfg[key] = bc[key]
    base_diff_ids = list(base_cfg.get("rootfs", {}).get("diff_ids", []))
    out = {
        "created": created,
        "architecture": base_cfg.get("architecture", "amd64"),
        "os": base_cfg.get("os", "linux"),
        "config": cfg,
        "rootfs": {"type": "layers", "diff_ids": base_diff_ids + diff_ids},
        "history": list(base_cfg.get("history") or []) + history,
    }
    if base_cfg.get("variant"):
        out["variant"] = base_cfg["variant"]
    return out


class OciBuilder(Builder):
    """Daemonless, reproducible builds from ``base`` + ``layers`` (no Dockerfile), one platform per call.

    The project's layers do not depend on the platform: one builder builds them once and every platform
    of the image shares the same blobs (and digests)."""

    name = "oci"

    def __init__(self, cache: LayerCache | None = None):
        self.cache = cache
        self._layers: dict[tuple[str, str, int], tuple[Blob, int]] = {}
        self._pins: dict[str, str] = {}  # an unpinned registry base's digest, the same for every platform

    def available(self) -> tuple[bool, str]:
        return True, "built into shipit (pure Python, no daemon)"

    def requirements(self) -> list[Tool]:
        return []

    def _layer(self, layer: LayerConfig, request: BuildRequest, cache: LayerCache) -> tuple[Blob, int]:
        key = (layer.model_dump_json(), str(request.project_dir), request.source_date_epoch)
        if key not in self._layers:
            entries = layer_entries(layer, request.project_dir)
            self._layers[key] = (cache.layer(entries, request.source_date_epoch), len(entries))
        return self._layers[key]

    def build(self, request: BuildRequest) -> tuple[Image, str]:
        img = request.image
        platform = request.target_platform
        cache = self.cache or LayerCache.writable_or(request.scratch_dir / "layer-cache")
        base_text = img.base_for(platform)
        base, base_cfg, facts = load_base(
            base_text, platform=platform, project_dir=request.project_dir, scratch_dir=request.scratch_dir,
            compress=cache.compress_tar, insecure=img.insecure, allow_unpinned=request.allow_unpinned,
            warn=request.warn, log=request.log, image_name=img.name, pins=self._pins)
        request.base_facts = facts
        if base.layers and len(base_cfg.get("rootfs", {}).get("diff_ids", [])) != len(base.layers):
            raise ShipitError(f"base {base_text}: config and manifest disagree on the number of layers")
        if not img.layers and base_text == "scratch":
            raise ShipitError(f"image {img.name}: nothing to build (scratch base and no layers)",
                              hint="add layers: (src/dest) or a base:")
        created = datetime.fromtimestamp(request.source_date_epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        layers, diff_ids, history = [], [], []
        with progress(f"layers of {img.name}", total=len(img.layers)) as bar:
            for layer in img.layers:
                blob, count = self._layer(layer, request, cache)
                request.log(f"layer {layer.src} -> {layer.dest}: {count} entries, {blob.digest[:19]} "
                            f"({blob.size} bytes)")
                layers.append(blob)
                diff_ids.append(blob.descriptor["diff_id"])
                history.append({"created": created, "created_by": f"shipit: COPY {layer.src} {layer.dest}"})
                bar.advance()
        config = build_config(img, base_cfg, diff_ids, history, request.labels, created)
        image = Image(config=json_bytes(config), layers=base.layers + layers,
                      manifest_annotations=dict(facts.annotations))
        return image, base_text
