"""Putting a bundle's files into a directory that may hold other things: only the bundle's own files are
written, each staged first and renamed into place once everything passed. Nothing else in the directory
is deleted or changed (its mode included); the bundle's own files are replaced only with ``--force``."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from shipit.core.errors import UsageError


def own_files(version: str, dialects: list[str]) -> list[str]:
    """The paths (relative to the output directory) a bundle writes."""
    files = ["plan.json", "ROLLBACK.md", f"migrations-{version}.tar.gz"]
    for d in dialects:
        files += [f"{d}/upgrade.sql", f"{d}/downgrade.sql"]
    return files


def refuse_existing(output: Path, files: list[str], force: bool) -> None:
    if output.exists() and not output.is_dir():
        raise UsageError(f"--output {output} exists and is not a directory", hint="give a directory")
    present = [f for f in files if (output / f).exists() or (output / f).is_symlink()]
    if present and not force:
        raise UsageError(f"{output} already holds this bundle's files: {', '.join(present)}",
                         hint="pass --force to replace them (other files in the directory are never touched), or "
                              "choose another --output")


@contextlib.contextmanager
def staging_dir(output: Path) -> Iterator[Path]:
    """A private directory inside ``output`` (same file system, so the final renames are atomic), removed
    afterwards; ``output`` itself is created when missing and removed again if the run fails before
    anything was placed in it."""
    created = []
    for parent in reversed([output, *output.parents]):
        if not parent.exists():
            parent.mkdir()
            created.append(parent)
    tmp = Path(tempfile.mkdtemp(prefix=".shipit-bundle-", dir=output))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        for d in reversed(created):
            with contextlib.suppress(OSError):
                d.rmdir()  # only when still empty (the run failed before placing anything)


def place(tmp: Path, output: Path, files: list[str], force: bool) -> None:
    refuse_existing(output, files, force)
    for rel in files:
        src, dst = tmp / rel, output / rel
        if not src.exists():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        if dst.is_dir() and not dst.is_symlink():
            raise UsageError(f"{dst} is a directory; the bundle would write a file there",
                             hint="move it away or choose another --output")
        os.replace(src, dst)
