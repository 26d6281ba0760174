"""The release plan (version, git facts, paths, source date: known before anything is written) and the
release context (the plan plus the staging directory and the artifact registry the stages write to).
Stages talk to each other only through ``ctx.artifacts``."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import semver
from rich.console import Console

from shipit.core import console as ui
from shipit.core.artifacts import ArtifactRegistry
from shipit.core.errors import ShipitError, UsageError

if TYPE_CHECKING:  # types only: the model (pydantic) is imported by whoever loads shipit.yaml
    from shipit.core.config import RootConfig


@dataclass(frozen=True)
class Version:
    """A SemVer 2.0 release version and the image tags it implies."""

    text: str

    @classmethod
    def parse(cls, text: str) -> Version:
        raw = text[1:] if text.startswith("v") else text
        try:
            semver.Version.parse(raw)
        except ValueError:
            raise UsageError(
                f"'{text}' is not a SemVer 2.0 version",
                hint="use MAJOR.MINOR.PATCH with optional -PRERELEASE and +BUILD, e.g. 1.4.0 or 2.0.0-rc.1",
            ) from None
        return cls(raw)

    @property
    def info(self) -> semver.Version:
        return semver.Version.parse(self.text)

    @property
    def is_prerelease(self) -> bool:
        return self.info.prerelease is not None

    @property
    def tags(self) -> list[str]:
        """1.4.0 → [1.4.0, 1.4, 1]; pre-releases and builds get only their own tag.

        OCI tags cannot contain '+', so build metadata is written with '-' in tags.
        """
        v = self.info
        if v.prerelease or v.build:
            return [self.text.replace("+", "-")]
        return [f"{v.major}.{v.minor}.{v.patch}", f"{v.major}.{v.minor}", f"{v.major}"]

    def snapshot(self, short_sha: str) -> Version:
        v = self.info
        base = f"{v.major}.{v.minor}.{v.patch}"
        pre = f"{v.prerelease}.snapshot" if v.prerelease else "snapshot"
        return Version(f"{base}-{pre}+{short_sha or 'nogit'}")

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class GitInfo:
    commit: str = ""
    short_commit: str = ""
    tag: str = ""
    branch: str = ""
    dirty: bool = False
    commit_time: int | None = None
    root: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"commit": self.commit, "short_commit": self.short_commit, "tag": self.tag,
                "branch": self.branch, "dirty": self.dirty}


def _git(cwd: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def git_info(path: Path) -> GitInfo:
    """Facts about the git checkout containing ``path`` (empty if it is not in one)."""
    commit = _git(path, "rev-parse", "HEAD")
    if not commit:
        return GitInfo()
    status = _git(path, "status", "--porcelain", "--untracked-files=no") or ""
    ct = _git(path, "log", "-1", "--format=%ct")
    return GitInfo(
        commit=commit,
        short_commit=commit[:7],
        tag=_git(path, "describe", "--tags", "--exact-match", "HEAD") or "",
        branch=_git(path, "rev-parse", "--abbrev-ref", "HEAD") or "",
        dirty=bool(status.strip()),
        commit_time=int(ct) if ct and ct.isdigit() else None,
        root=_git(path, "rev-parse", "--show-toplevel") or "",
    )


def source_date_epoch(git: GitInfo, fallback_path: Path | None = None) -> int:
    """``SOURCE_DATE_EPOCH`` from the environment, else the last commit's time, else the config's mtime."""
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env is not None:
        if not env.strip().isdigit():
            raise UsageError(f"SOURCE_DATE_EPOCH={env!r} is not a non-negative integer",
                             hint="set it to seconds since 1970-01-01 UTC, e.g. $(git log -1 --format=%ct)")
        return int(env)
    if git.commit_time is not None:
        return git.commit_time
    if fallback_path is not None and fallback_path.exists():
        return int(fallback_path.stat().st_mtime)
    return 0


@dataclass
class ReleasePlan:
    """What a release will be, known before anything is written: the configuration, version, git
    facts, source date and options. ``shipit check`` and each stage's ``skip``/``requirements`` read it."""

    config: RootConfig
    version: Version
    git: GitInfo
    source_date_epoch: int
    output_root: Path
    snapshot: bool = False
    publish: bool = False
    skips: frozenset[str] = frozenset()
    options: dict[str, Any] = field(default_factory=dict)  # stage options from the CLI (e.g. database_url)
    verbose: bool = False

    @property
    def project_dir(self) -> Path:
        return self.config.project_dir

    @property
    def release_dir(self) -> Path:
        """Where the finished release will live (``<output>/<version>``)."""
        return self.output_root / self.version.text

    @property
    def source_date(self) -> datetime:
        return datetime.fromtimestamp(self.source_date_epoch, tz=timezone.utc)

    @property
    def source_date_iso(self) -> str:
        return self.source_date.strftime("%Y-%m-%dT%H:%M:%SZ")

    def previous_release(self) -> dict[str, Any] | None:
        """The manifest of the newest finished release in ``output_root`` older than this version."""
        return previous_release(self.output_root, self.version)

    def header(self) -> dict[str, Any]:
        """The release's identity as the manifest and the handoff site both record it."""
        return {
            "version": self.version.text,
            "tags": self.version.tags,
            "snapshot": self.snapshot,
            "git": self.git.as_dict(),
            "source_date_epoch": self.source_date_epoch,
            "source_date": self.source_date_iso,
        }


@dataclass
class ShardOutput:
    """What one shard of a sharded release (:mod:`shipit.core.shards`) produced for one stage: the artifacts it registered (path, kind, media_type, name,
    extra) and where their files are (``root``, once the archive is extracted at the merge)."""

    shard: str
    units: tuple[str, ...]
    stage: str
    artifacts: list[dict[str, Any]]
    root: Path

    def file(self, path: str) -> Path:
        return self.root / path



@dataclass
class ReleaseContext(ReleasePlan):
    """A release being written: the plan, the staging directory ``work_dir`` (renamed to ``release_dir``
    only when every stage passed), and what the stages produced so far."""

    work_dir: Path = field(default=Path())
    console: Console = field(default_factory=lambda: Console(stderr=True))
    artifacts: ArtifactRegistry = field(init=False)
    #: The manifest entries (name, status, reason) of the stages that ran before the current one.
    stage_results: list[dict[str, str]] = field(default_factory=list)
    #: sha256 of every file ``SHA256SUMS`` lists, once the checksums stage wrote it.
    sha256sums: dict[str, str] = field(default_factory=dict)
    #: A shard of a sharded release: the units it runs (see :mod:`shipit.core.shards`); None otherwise.
    shard_units: frozenset[str] | None = None
    #: The merge of a sharded release: per stage name, what each shard produced for it; None otherwise.
    shard_outputs: dict[str, list[ShardOutput]] | None = None

    def __post_init__(self) -> None:
        self.artifacts = ArtifactRegistry(self.work_dir)

    @classmethod
    def start(cls, plan: ReleasePlan, work_dir: Path, console: Console) -> ReleaseContext:
        return cls(**{f.name: getattr(plan, f.name) for f in fields(ReleasePlan)}, work_dir=work_dir,
                   console=console)

    def path(self, relative: str) -> Path:
        """An output path inside the release being built; parent directories are created."""
        p = self.work_dir / relative
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def log(self, message: str) -> None:
        """A progress line shown with ``-v`` (plain text, never markup)."""
        if self.verbose:
            ui.log(message, console=self.console)

    def warn(self, message: str) -> None:
        """A warning line (plain text, never markup; not wrapped); shown even with ``-q``."""
        ui.warn(message, console=self.console)


def previous_release(output_root: Path, version: Version) -> dict[str, Any] | None:
    current = version.info
    best: tuple[semver.Version, dict[str, Any]] | None = None
    if not output_root.is_dir():
        return None
    for manifest in output_root.glob("*/manifest.json"):
        if manifest.parent.name.startswith("."):
            continue
        try:
            data = json.loads(manifest.read_text())
            v = semver.Version.parse(data["version"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if v < current and (best is None or v > best[0]):
            best = (v, data)
    return best[1] if best else None


def replay(ctx: ReleaseContext, outputs: list[ShardOutput]) -> None:
    """At the merge of a sharded release: move each artifact's file into the release and register it as the
    shard did (what :meth:`Stage.merge <shipit.core.runner.Stage.merge>` does by default)."""
    for out in outputs:
        for art in out.artifacts:
            path = art["path"]
            if ctx.artifacts.get(path) is not None:
                raise ShipitError(f"{path} is in shard {out.shard} and already in the release (from another shard)",
                                  hint="each unit must be in exactly one shard")
            dest = ctx.path(path)
            os.replace(out.file(path), dest)
            registered = ctx.artifacts.add(path, art["kind"], media_type=art["media_type"], name=art["name"])
            registered.extra = dict(art["extra"])
