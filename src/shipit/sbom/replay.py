"""Replay an OCI image's layers (read with :class:`shipit.images.layout.OciLayout`) into a virtual filesystem.

Nothing is extracted to disk. Layers are streamed in order; every entry is recorded in memory as a
path (type, symlink target, layer digest), and only the *catalogue files* a cataloguer asked for
are kept with their bytes. OCI whiteouts (``.wh.NAME``, ``.wh..wh..opq``) remove entries of lower
layers, exactly as a container runtime's overlay would.

Safety: entries with ``..`` components, absolute paths, entries under a symlinked directory,
symlinks whose target climbs above the root, and hardlinks pointing outside the archive are skipped
with a warning and never followed. Two caps bound the work: total uncompressed layer bytes
streamed and total catalogue bytes kept in memory. A layer that cannot be decompressed or parsed,
or whose digest does not match, is an error naming the layer digest.

The streaming, whiteout and safety rules above are the point of this module; reading the layout itself
is the images capability's (it owns the OCI format).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import posixpath
import tarfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO

from shipit.core.errors import ShipitError
from shipit.core.progress import progress
from shipit.images.layout import (
    GZIP_LAYERS,
    PLAIN_LAYERS,
    ImageRef,
    Layer,
    MiB,
    OciLayout,
)

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
MAX_LINK_HOPS = 40


# --- the virtual filesystem ------------------------------------------------------------------------


@dataclass
class Node:
    kind: str  # file | dir | symlink | other
    layer: str
    target: str = ""  # symlink target
    data: bytes | None = None  # kept only for catalogue files


@dataclass
class ImageFS:
    """The image's merged filesystem as paths ('' is the root, no leading slash)."""

    nodes: dict[str, Node] = field(default_factory=lambda: {"": Node("dir", "")})
    children: dict[str, set[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    # --- mutation (used while replaying layers) ----------------------------------------------------
    def _link(self, path: str) -> None:
        parent = posixpath.dirname(path)
        if parent not in self.nodes:
            self.put(parent, Node("dir", self.nodes[path].layer))  # implicit parent directory
        self.children.setdefault(parent, set()).add(path)

    def put(self, path: str, node: Node) -> None:
        old = self.nodes.get(path)
        if old is not None and old.kind == "dir" and node.kind != "dir":
            self.remove(path)
        elif old is not None and old.kind == "dir" and node.kind == "dir":
            self.nodes[path] = node
            return
        self.nodes[path] = node
        if path:
            self._link(path)

    def remove(self, path: str) -> None:
        """Remove a path and everything under it."""
        if path not in self.nodes or not path:
            return
        stack = [path]
        while stack:
            p = stack.pop()
            self.nodes.pop(p, None)
            stack.extend(self.children.pop(p, ()))
        self.children.get(posixpath.dirname(path), set()).discard(path)

    def clear_dir(self, path: str) -> None:
        """Opaque whiteout: remove everything under ``path`` but keep the directory."""
        for child in list(self.children.get(path, ())):
            self.remove(child)

    # --- reading -------------------------------------------------------------------------------------
    def resolve(self, path: str) -> str | None:
        """Follow symlinks (inside the root only) to the real path, or None if missing/escaping."""
        parts = [p for p in path.strip("/").split("/") if p not in ("", ".")]
        done: list[str] = []
        hops = 0
        while parts:
            part = parts.pop(0)
            if part == "..":
                if not done:
                    return None
                done.pop()
                continue
            cur = "/".join([*done, part])
            node = self.nodes.get(cur)
            if node is None:
                return None
            if node.kind == "symlink":
                hops += 1
                if hops > MAX_LINK_HOPS:
                    return None
                target = node.target
                if target.startswith("/"):
                    done = []
                parts = [p for p in target.split("/") if p not in ("", ".")] + parts
                continue
            done.append(part)
        return "/".join(done)

    def read(self, path: str) -> bytes | None:
        real = self.resolve(path)
        node = self.nodes.get(real) if real is not None else None
        return node.data if node is not None and node.kind == "file" else None

    def catalogue_files(self) -> Iterator[tuple[str, Node]]:
        for path in sorted(self.nodes):
            node = self.nodes[path]
            if node.kind == "file" and node.data is not None:
                yield path, node


class _HashingReader(io.RawIOBase):
    """Hashes the compressed blob as it is read, so a corrupt layer is detected."""

    def __init__(self, raw: IO[bytes]):
        self.raw = raw
        self.sha = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self.raw.read(len(b))
        self.sha.update(data)
        n = len(data)
        b[:n] = data
        return n

    def drain(self) -> None:
        while chunk := self.raw.read(1 << 20):
            self.sha.update(chunk)


class _CountingReader(io.RawIOBase):
    """Counts uncompressed bytes and stops at the cap (decompression bombs)."""

    def __init__(self, raw: IO[bytes], budget: list[int], layer: str, cap: int):
        self.raw, self.budget, self.layer, self.cap = raw, budget, layer, cap
        self.count = 0  # bytes of this layer

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self.raw.read(len(b))
        self.budget[0] += len(data)
        self.count += len(data)
        if self.budget[0] > self.cap:
            raise ShipitError(f"layer {self.layer}: image layers exceed the cap of {self.cap // MiB} MiB "
                              "of uncompressed data",
                              hint="raise sbom.max_layer_mb in shipit.yaml if this image is really that large")
        n = len(data)
        b[:n] = data
        return n


def _members(tar: tarfile.TarFile, counter: _CountingReader, last: list) -> Iterator[tarfile.TarInfo]:
    """Iterate a streamed tar, tolerating a missing final padding/end-of-archive block after complete
    member data (some writers, e.g. umoci 0.4, emit such layers; Go-based runtimes accept them)."""
    it = iter(tar)
    while True:
        try:
            member = next(it)
        except StopIteration:
            return
        except tarfile.ReadError as exc:
            prev = last[-1] if last else None
            end = prev.offset_data + (prev.size if prev.isreg() else 0) if prev is not None else None
            if str(exc) == "unexpected end of data" and end is not None and end <= counter.count:
                return
            raise
        last[:] = [member]
        yield member


def _safe_path(name: str) -> tuple[str | None, str]:
    """Normalize a tar entry name; (None, reason) if it must be skipped."""
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts:
        return "", ""  # the root itself ("/", "./"), which some tools (umoci) write
    if name.startswith("/"):
        return None, "absolute path"
    if ".." in parts:
        return None, "'..' in path"
    return "/".join(parts), ""


def _lexical_escape(base_dir: str, target: str) -> bool:
    """True if the relative ``target`` seen from ``base_dir`` climbs above the root."""
    depth = len([p for p in base_dir.split("/") if p])
    for part in target.split("/"):
        if part in ("", "."):
            continue
        depth = depth - 1 if part == ".." else depth + 1
        if depth < 0:
            return True
    return False


def replay_layers(
    layout: OciLayout,
    image: ImageRef,
    wanted: Callable[[str], bool],
    *,
    max_read_bytes: int = 256 * MiB,
    max_layer_bytes: int = 16 * 1024 * MiB,
    warn: Callable[[str], None] | None = None,
) -> ImageFS:
    """Replay ``image``'s layers in order; keep the bytes of files where ``wanted(path)`` is true."""
    fs = ImageFS()
    budget = [0]
    kept = [0]

    def warning(msg: str) -> None:
        fs.warnings.append(msg)
        if warn:
            warn(msg)

    with progress("cataloguing image layers", total=len(image.layers)) as bar:
        for layer in image.layers:
            _replay_one(layout, layer, fs, wanted, budget, kept, max_read_bytes, max_layer_bytes, warning)
            bar.advance()
    return fs


def _replay_one(layout, layer: Layer, fs: ImageFS, wanted, budget, kept, max_read, max_layer, warning) -> None:
    short = layer.digest
    if layer.media_type in GZIP_LAYERS:
        compressed = True
    elif layer.media_type in PLAIN_LAYERS or not layer.media_type:
        compressed = False
    else:
        raise ShipitError(f"layer {short}: unsupported media type {layer.media_type!r}",
                          hint="supported: tar and tar+gzip layers (zstd is not)")
    raw = layout.open_layer(layer)
    hasher = _HashingReader(raw)
    stream: IO[bytes] = io.BufferedReader(hasher, 1 << 20)
    if compressed:
        stream = gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[assignment]
    counter = _CountingReader(stream, budget, short, max_layer)
    counted = io.BufferedReader(counter, 1 << 20)
    last: list[tarfile.TarInfo] = []

    added: dict[str, Node] = {}
    whiteouts: list[str] = []
    opaques: list[str] = []

    def lookup(path: str) -> Node | None:
        return added.get(path) or fs.nodes.get(path)

    def under_symlink(path: str) -> str | None:
        parent = posixpath.dirname(path)
        while parent:
            node = lookup(parent)
            if node is not None and node.kind == "symlink":
                return parent
            parent = posixpath.dirname(parent)
        return None

    try:
        with tarfile.open(fileobj=counted, mode="r|") as tar:
            for member in _members(tar, counter, last):
                path, reason = _safe_path(member.name)
                if path is None:
                    warning(f"layer {short}: skipped {member.name!r}: {reason}")
                    continue
                if not path:
                    continue
                link_parent = under_symlink(path)
                if link_parent is not None:
                    warning(f"layer {short}: skipped {path!r}: its parent {link_parent!r} is a symlink")
                    continue
                base = posixpath.basename(path)
                parent = posixpath.dirname(path)
                if base.startswith(WHITEOUT):
                    if base == OPAQUE:
                        opaques.append(parent)
                    elif not base.startswith(WHITEOUT + WHITEOUT):  # other .wh..wh.* are aufs metadata
                        whiteouts.append(posixpath.join(parent, base[len(WHITEOUT):]))
                    continue
                if member.isdir():
                    added[path] = Node("dir", layer.digest)
                elif member.issym():
                    target = member.linkname
                    if not target.startswith("/") and _lexical_escape(parent, target):
                        warning(f"layer {short}: skipped symlink {path!r} -> {target!r}: escapes the image root")
                        continue
                    added[path] = Node("symlink", layer.digest, target=target)
                elif member.islnk():
                    target, why = _safe_path(member.linkname)
                    if target is None or not target:
                        warning(f"layer {short}: skipped hardlink {path!r} -> {member.linkname!r}: "
                                f"{why or 'points at the root'}")
                        continue
                    src = lookup(target)
                    data = src.data if src is not None and src.kind == "file" else None
                    if wanted(path) and data is None:
                        warning(f"layer {short}: {path!r} is a hardlink to {target!r}, whose content was not kept")
                    added[path] = Node("file", layer.digest, data=data)
                elif member.isreg():
                    data = None
                    if wanted(path):
                        kept[0] += member.size
                        if kept[0] > max_read:
                            raise ShipitError(
                                f"layer {short}: catalogue files exceed the read cap of {max_read // MiB} MiB "
                                f"(at {path})", hint="raise sbom.max_read_mb in shipit.yaml")
                        fh = tar.extractfile(member)
                        data = fh.read() if fh is not None else b""
                    added[path] = Node("file", layer.digest, data=data)
                else:
                    added[path] = Node("other", layer.digest)
        hasher.drain()
    except ShipitError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError, ValueError) as exc:
        raise ShipitError(f"layer {short}: corrupt or unreadable layer ({type(exc).__name__}: {exc})",
                          hint="rebuild the image; the layer blob does not decompress to a tar archive") from None
    finally:
        raw.close()
    actual = "sha256:" + hasher.sha.hexdigest()
    if actual != layer.digest:
        raise ShipitError(f"layer {short}: content does not match its digest (got {actual})",
                          hint="the image archive is corrupt; rebuild or re-download it")
    # Whiteouts hide entries of *lower* layers only; then this layer's entries go on top.
    for d in opaques:
        fs.clear_dir(d)
    for p in whiteouts:
        fs.remove(p)
    for path in sorted(added):  # parents before children
        fs.put(path, added[path])
