"""``shipit release``: load shipit.yaml, plan the release, run every capability's stages into a staging
directory and promote it (:mod:`shipit.core.release`). Sharded (:mod:`shipit.core.shards`): print the plan
of units, run some units into a shard archive, or merge the shard archives into the release."""

from __future__ import annotations

import difflib
from pathlib import Path

from rich.console import Console

from shipit import capabilities
from shipit.config import load_config
from shipit.core.context import ReleasePlan
from shipit.core.errors import UsageError
from shipit.core.release import (
    ReleaseOptions,
    ReleaseResult,
    ShardResult,
    cut_release,
    cut_shard,
    make_plan,
    validate_skips,
)
from shipit.core.runner import Stage
from shipit.core.shards import ShardArchive, ShardPlan, check_shards, find_archives


def _plan(opts: ReleaseOptions, stages: list[Stage] | None) -> tuple[ReleasePlan, list[Stage]]:
    """The plan and the stages (default: every capability's, in run order). Config and version are parsed
    before anything touches the disk, so usage errors leave nothing behind."""
    stages = capabilities.stages() if stages is None else stages
    validate_skips(opts.skip, stages)
    return make_plan(opts, load_config(opts.config)), stages


def release(opts: ReleaseOptions, console: Console | None = None, stages: list[Stage] | None = None) -> ReleaseResult:
    """Cut a release on this machine."""
    plan, stages = _plan(opts, stages)
    return cut_release(plan, stages, force=opts.force, console=console)


def _planned(opts: ReleaseOptions, stages: list[Stage] | None) -> tuple[ReleasePlan, list[Stage], ShardPlan]:
    plan, stages = _plan(opts, stages)
    return plan, stages, ShardPlan.of(plan, stages)


def plan_shards(opts: ReleaseOptions, stages: list[Stage] | None = None) -> ShardPlan:
    """The units of this release and what identifies it (``--plan-shards``); writes nothing."""
    return _planned(opts, stages)[2]


def _require_plan(shard_plan: ShardPlan, plan_file: Path | None) -> None:
    if plan_file is not None:
        shard_plan.require_same(ShardPlan.load(plan_file), what=f"the plan {plan_file}")


def shard(opts: ReleaseOptions, units: list[str], plan_file: Path | None = None, console: Console | None = None,
          stages: list[Stage] | None = None) -> ShardResult:
    """Run only ``units`` and write their shard archive (``--shard``); with ``plan_file``, refuse to run unless
    this checkout gives the same plan (commit, shipit.yaml, ...)."""
    if opts.publish:
        raise UsageError("--publish is for the merge: a shard publishes nothing",
                         hint="pass --publish to shipit release --merge")
    plan, stages, shard_plan = _planned(opts, stages)
    _require_plan(shard_plan, plan_file)
    known = [u.id for u in shard_plan.units]
    wanted: list[str] = []
    for unit in units:
        if unit not in known:
            close = difflib.get_close_matches(unit, known, n=1)
            raise UsageError(f"--shard: '{unit}' is not a unit of this release"
                             + (f" (did you mean '{close[0]}'?)" if close else ""),
                             hint="units: " + (", ".join(known) or "none (nothing to shard)"))
        if unit not in wanted:
            wanted.append(unit)
    return cut_shard(plan, stages, shard_plan, wanted, console=console)


def merge(opts: ReleaseOptions, paths: list[Path], plan_file: Path | None = None, console: Console | None = None,
          stages: list[Stage] | None = None) -> ReleaseResult:
    """Check the shard archives against this checkout's plan, then cut the release from them (``--merge``)."""
    plan, stages, shard_plan = _planned(opts, stages)
    _require_plan(shard_plan, plan_file)
    archives = [ShardArchive.open(p) for p in find_archives(paths)]
    archives = check_shards(archives, shard_plan)  # before anything is written: nothing to clean up on refusal
    return cut_release(plan, stages, force=opts.force, console=console, shards=archives)
