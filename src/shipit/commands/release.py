"""``shipit release``: load shipit.yaml, plan the release, run every capability's stages into a staging
directory and promote it (:mod:`shipit.core.release`)."""

from __future__ import annotations

from rich.console import Console

from shipit import capabilities
from shipit.config import load_config
from shipit.core.release import (
    ReleaseOptions,
    ReleaseResult,
    cut_release,
    make_plan,
    validate_skips,
)
from shipit.core.runner import Stage


def release(opts: ReleaseOptions, console: Console | None = None, stages: list[Stage] | None = None) -> ReleaseResult:
    """Cut a release; ``stages`` defaults to every capability's stages in run order."""
    stages = capabilities.stages() if stages is None else stages
    validate_skips(opts.skip, stages)
    # Parse config and version before touching the disk, so usage errors leave nothing behind.
    plan = make_plan(opts, load_config(opts.config))
    return cut_release(plan, stages, force=opts.force, console=console)
