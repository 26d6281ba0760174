"""Small deterministic file helpers shared by stages: canonical JSON, atomic writes, reproducible tarballs."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20


def canonical_json(obj) -> bytes:
    """Sorted keys, two-space indent, UTF-8, trailing newline: byte-identical for equal inputs."""
    return (json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_json(path: Path, obj) -> Path:
    return write_bytes(path, canonical_json(obj))


def write_text(path: Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Name ``path`` in an OSError that has no file name (a ``write`` that fails: disk full, quota, I/O),
    so the user learns which file could not be written."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None and exc.errno is not None:
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A file opened for writing that appears at ``path`` only when the block ends without an error: written
    through a temporary sibling, renamed over ``path``; removed on failure, so readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with writing(path), open(tmp, "wb") as fh:
            yield fh
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` atomically (:func:`atomic_file`)."""
    with atomic_file(path) as fh:
        fh.write(data)
    return Path(path)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def normalized(info: tarfile.TarInfo, mtime: int, *, mode: int | None = None, uid: int = 0,
               gid: int = 0) -> tarfile.TarInfo:
    """A tar header with nothing of the machine it was made on: the given mtime and owner, no user or
    group names, no PAX extras, and mode 0755 for directories and executables, 0644 otherwise (unless
    ``mode`` is given). The one tar normaliser: site and bundle archives, OCI layers and image archives."""
    info.mtime = mtime
    info.uid, info.gid = uid, gid
    info.uname = info.gname = ""
    if mode is not None:
        info.mode = mode
    elif info.isdir():
        info.mode = 0o755
    else:
        info.mode = 0o755 if info.mode & 0o111 else 0o644
    info.pax_headers = {}
    return info


def iter_tree(root: Path) -> list[tuple[str, Path]]:
    """(arcname, path) for every file and directory under root, sorted by arcname."""
    root = Path(root)
    entries = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            entries.append((p.relative_to(root).as_posix(), p))
    return sorted(entries)


def _add_entries(tar: tarfile.TarFile, entries: Iterable[tuple[str, Path | bytes]], mtime: int) -> None:
    """Add (arcname, path or bytes) entries, in the order given, with normalised headers (the one way shipit's
    archives are written: the same entries give the same bytes on any machine)."""
    for arcname, source in entries:
        if isinstance(source, bytes):
            info = tarfile.TarInfo(arcname)
            info.size = len(source)
            info.mode = 0o644
            tar.addfile(normalized(info, mtime), io.BytesIO(source))
            continue
        info = normalized(tar.gettarinfo(str(source), arcname=arcname), mtime)
        if info.isreg():
            with open(source, "rb") as fh:
                tar.addfile(info, fh)
        else:
            tar.addfile(info)


def deterministic_tar(out: Path, entries: Iterable[tuple[str, Path | bytes]], mtime: int) -> Path:
    """Write a reproducible, uncompressed ``.tar`` atomically (for content that is compressed already, such
    as OCI layers): fixed mtime/owner/modes. ``entries`` are (arcname, path or bytes), written in the order
    given (the caller orders them: a shard archive starts with its shard.json)."""
    with atomic_file(out) as raw, tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        _add_entries(tar, entries, mtime)
    return Path(out)


def deterministic_tar_gz(
    out: Path, entries: Iterable[tuple[str, Path]], mtime: int, *, compresslevel: int = 6
) -> Path:
    """Write a reproducible ``.tar.gz``: sorted names, fixed mtime/owner/modes, no gzip name or time.

    ``entries`` are (arcname, path) pairs; directories are added as entries only (not recursed).
    """
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        _add_entries(tar, sorted(entries, key=lambda e: e[0]), mtime)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with writing(out), open(out, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=compresslevel, mtime=mtime) as gz:
            gz.write(buf.getvalue())
    return out
