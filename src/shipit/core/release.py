"""Cutting a release: build into a staging directory, rename into place only when every stage passed.

Layout under the output root (``./release`` by default)::

    release/1.4.0/                 finished releases (the only non-hidden entries)
    release/.staging-1.4.0-XXXX/   a release being built (removed on failure, Ctrl-C, or by the next run)
    release/.locks/1.4.0.lock      flock held while a release of 1.4.0 runs (released by the kernel on kill -9)
"""

from __future__ import annotations

import ctypes
import ctypes.util
import difflib
import errno
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from shipit.core import console as ui
from shipit.core.config import RootConfig
from shipit.core.context import (
    ReleaseContext,
    ReleasePlan,
    Version,
    git_info,
    source_date_epoch,
)
from shipit.core.errors import ShipitError, UsageError
from shipit.core.runner import Stage, StageResult, run_stages
from shipit.core.shards import (
    SHARD_SUFFIX,
    ShardArchive,
    ShardPlan,
    collect_outputs,
    remove_tree,
    shard_dir,
    shard_name,
    write_shard,
)

STAGING_PREFIX = ".staging-"
TRASH_PREFIX = ".trash-"
LOCK_DIR = ".locks"


@dataclass
class ReleaseOptions:
    version: str | None
    config: Path = Path("shipit.yaml")
    output: Path = Path("release")
    skip: list[str] = field(default_factory=list)
    snapshot: bool = False
    force: bool = False
    publish: bool = False
    verbose: bool = False
    stage_options: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReleaseResult:
    version: str
    release_dir: Path
    results: list[StageResult]
    artifacts: int


@contextmanager
def version_lock(output_root: Path, version: str) -> Iterator[None]:
    """Hold an exclusive flock for one version; a second release of it fails at once."""
    lock_dir = output_root / LOCK_DIR
    lock_dir.mkdir(parents=True, exist_ok=True)
    path = lock_dir / f"{version}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            raise ShipitError(
                f"another release of {version} is in progress (pid {holder})",
                hint="wait for it to finish, or stop it; its lock is released as soon as it exits",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the flock


def _is_locked(output_root: Path, version: str) -> bool:
    path = output_root / LOCK_DIR / f"{version}.lock"
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def _leftover_version(name: str) -> str | None:
    for prefix in (STAGING_PREFIX, TRASH_PREFIX):
        if name.startswith(prefix):
            return name[len(prefix):].rsplit("-", 1)[0]
    return None


def clean_leftovers(output_root: Path, console: Console | None = None, held: frozenset[str] = frozenset()) -> list[Path]:
    """Remove staging/trash directories left by interrupted runs whose lock is no longer held.

    ``held`` names versions whose lock the caller holds: their leftovers are stale by definition."""
    removed = []
    if not output_root.is_dir():
        return removed
    for entry in output_root.iterdir():
        version = _leftover_version(entry.name)
        if version is None or (version not in held and _is_locked(output_root, version)):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
        if console:
            ui.info(f"[dim]removed leftover {ui.safe(entry.name)} from an interrupted run[/]", console=console)
    return removed


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2(RENAME_EXCHANGE); False if the kernel can't."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    if not hasattr(libc, "renameat2"):
        return False
    AT_FDCWD, RENAME_EXCHANGE = -100, 2
    rc = libc.renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    if rc != 0:
        err = ctypes.get_errno()
        if err in (errno.ENOSYS, errno.EINVAL, errno.EPERM):
            return False
        raise OSError(err, os.strerror(err), str(a))
    return True


def promote(staging: Path, target: Path, force: bool) -> None:
    """Move a finished staging directory to its final name (atomically replacing it with --force)."""
    if not target.exists():
        os.rename(staging, target)
        return
    if not force:  # checked before the run too; re-checked in case one appeared meanwhile
        raise UsageError(f"{target} already exists", hint="pass --force to replace it")
    if _exchange(staging, target):
        shutil.rmtree(staging)  # now holds the old release
        return
    trash = target.with_name(f"{TRASH_PREFIX}{target.name}-{os.getpid()}")
    os.rename(target, trash)
    os.rename(staging, target)
    shutil.rmtree(trash, ignore_errors=True)


def make_plan(opts: ReleaseOptions, config: RootConfig) -> ReleasePlan:
    """What the release will be (version, git facts, source date), before anything is written."""
    git = git_info(config.project_dir)
    if opts.version is None:
        if not opts.snapshot:
            raise UsageError("--version is required", hint="e.g. shipit release --version 1.4.0 (or use --snapshot)")
        version = Version.parse(git.tag or "0.0.0")
    else:
        version = Version.parse(opts.version)
    if opts.snapshot:
        version = version.snapshot(git.short_commit)
    return ReleasePlan(
        config=config,
        version=version,
        git=git,
        source_date_epoch=source_date_epoch(git, config.path),
        output_root=opts.output.resolve(),
        snapshot=opts.snapshot,
        publish=opts.publish and not opts.snapshot,
        skips=frozenset(opts.skip),
        options=dict(opts.stage_options),
        verbose=opts.verbose,
    )


def validate_skips(names: list[str], stages: list[Stage]) -> None:
    known = [s.name for s in stages]
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            raise UsageError(
                f"--skip: unknown stage '{name}'" + (f" (did you mean '{close[0]}'?)" if close else ""),
                hint="stages: " + ", ".join(known),
            )


def cut_release(plan: ReleasePlan, stages: list[Stage], *, force: bool = False,
                console: Console | None = None, shards: list[ShardArchive] | None = None) -> ReleaseResult:
    """Run ``stages`` into a staging directory and promote it to ``<output>/<version>``.

    With ``shards`` (checked by :func:`shipit.core.shards.check_shards`), this is the merge of a sharded
    release: each archive is extracted (every file checked against its shard.json) into a second hidden
    directory next to the staging one, and the content stages merge those outputs instead of running."""
    console = console or Console(stderr=True)
    output_root = plan.output_root
    version = plan.version.text
    target = output_root / version
    output_root.mkdir(parents=True, exist_ok=True)
    with version_lock(output_root, version):
        clean_leftovers(output_root, console, held=frozenset({version}))
        if target.exists() and not force:
            raise UsageError(f"{target} already exists", hint="pass --force to replace it, or cut a new version")
        staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{version}-", dir=output_root))
        staging.chmod(0o755)
        # the shards' files: hidden and named like a staging directory of this version, so a run of another
        # version never removes it, and the next run of this one does after a kill -9
        scratch = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{version}-", dir=output_root)) if shards else None
        try:
            ctx = ReleaseContext.start(plan, staging, console)
            if shards is not None:
                assert scratch is not None
                for i, shard in enumerate(shards):
                    shard.extract(scratch / str(i))
                ctx.shard_outputs = collect_outputs(shards)
            results = run_stages(ctx, stages)
            if ctx.shard_outputs:
                left = sorted(ctx.shard_outputs)
                raise ShipitError(f"the shards hold output of stage(s) {', '.join(left)}, which this merge does not run",
                                  hint="merge with the shipit version the shards were cut with")
            promote(staging, target, force)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        finally:
            remove_tree(scratch)
    return ReleaseResult(version, target, results, len(ctx.artifacts))


@dataclass
class ShardResult:
    archive: Path
    units: list[str]
    results: list[StageResult]
    header: dict[str, Any]


def cut_shard(plan: ReleasePlan, stages: list[Stage], shard_plan: ShardPlan, units: list[str], *,
              console: Console | None = None) -> ShardResult:
    """Run only ``units`` (content work) into a staging directory and write their shard archive to
    ``<output>/shards/<version>/<name>.shard.tar`` (replacing an older one of the same units)."""
    console = console or Console(stderr=True)
    out_dir = shard_dir(plan.output_root, plan.version.text)
    name = shard_name(units)
    out_dir.mkdir(parents=True, exist_ok=True)
    with version_lock(out_dir, name):  # one run per shard name at a time; other shards run alongside
        clean_leftovers(out_dir, console, held=frozenset({name}))
        staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{name}-", dir=out_dir))
        try:
            ctx = ReleaseContext.start(plan, staging, console)
            ctx.shard_units = frozenset(units)
            results = run_stages(ctx, stages)
            archive = out_dir / f"{name}{SHARD_SUFFIX}"
            header = write_shard(archive, plan=shard_plan, units=units, results=results, ctx=ctx)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return ShardResult(archive, header["units"], results, header)
