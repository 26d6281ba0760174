"""``SHA256SUMS`` in ``sha256sum -c`` format, hashed in parallel.

hashlib releases the GIL while hashing buffers, so a thread pool reading 1 MiB chunks keeps both cores
busy without the cost of processes.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from shipit.core.errors import ShipitError
from shipit.core.files import sha256_file, write_text
from shipit.core.progress import progress

SUMS_NAME = "SHA256SUMS"


def list_files(root: Path, exclude: set[str] = frozenset()) -> list[str]:
    """Every regular file under root as a sorted list of '/'-separated relative paths."""
    out = []
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            rel = (Path(dirpath) / f).relative_to(root).as_posix()
            if rel not in exclude:
                out.append(rel)
    return sorted(out)


def hash_files(root: Path, paths: list[str], known: dict[str, str] | None = None,
               workers: int | None = None) -> dict[str, str]:
    """sha256 hex digest per relative path; digests in ``known`` are trusted and not recomputed."""
    known = known or {}
    todo = [p for p in paths if p not in known]
    workers = workers or min(8, (os.cpu_count() or 2) * 2)
    digests: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool, progress("hashing files", total=len(todo)) as bar:
        for path, digest in zip(todo, pool.map(lambda p: sha256_file(root / p), todo)):
            digests[path] = digest
            bar.advance()
    return {p: known.get(p) or digests[p] for p in paths}


def _escape(path: str) -> tuple[str, str]:
    """GNU coreutils escaping: names with '\\' or newline get a leading backslash."""
    if "\\" in path or "\n" in path:
        return "\\", path.replace("\\", "\\\\").replace("\n", "\\n")
    return "", path


def format_sums(digests: dict[str, str]) -> str:
    lines = []
    for path in sorted(digests):
        prefix, name = _escape(path)
        lines.append(f"{prefix}{digests[path]}  {name}\n")
    return "".join(lines)


def parse_sums(text: str, source: str = SUMS_NAME) -> dict[str, str]:
    out: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        escaped = line.startswith("\\")
        body = line[1:] if escaped else line
        digest, sep, name = body.partition("  ")
        if not sep:
            digest, sep, name = body.partition(" *")
        if not sep or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ShipitError(f"{source}:{n}: not a sha256sum line: {line[:80]!r}")
        if escaped:
            name = name.replace("\\n", "\n").replace("\\\\", "\\")
        out[name] = digest
    return out


def write_sums(root: Path, known: dict[str, str] | None = None) -> tuple[Path, dict[str, str]]:
    """Hash every file under root (except SHA256SUMS and its signatures) and write SHA256SUMS."""
    paths = [p for p in list_files(root) if not (p == SUMS_NAME or p.startswith(SUMS_NAME + "."))]
    digests = hash_files(root, paths, known)
    return write_text(root / SUMS_NAME, format_sums(digests)), digests
