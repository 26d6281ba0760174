"""The stage protocol and the runner that executes stages in order, with progress and timing.

Stages run by phase, and within a phase in the order of :data:`shipit.capabilities.CAPABILITIES`:

* ``content`` — what a capability produces (images, SBOMs, migrations, pipeline review, ops files, site);
* ``seal``    — ``manifest.json`` and ``SHA256SUMS`` over everything above (:mod:`shipit.core.seals`);
* ``sign``    — signatures and attestations over the seal (not covered by ``SHA256SUMS``);
* ``publish`` — pushes to registries (only when asked).

A sharded release (:mod:`shipit.core.shards`) splits the ``content`` phase into units that run on separate
machines: each stage declares its units (:meth:`Stage.units`), does only their part in a shard
(:meth:`Stage.run_units`) and registers what the shards produced at the merge (:meth:`Stage.merge`); the
other phases run once, at the merge, as in a release cut on one machine.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from shipit.core import console as ui
from shipit.core.context import ReleaseContext, ReleasePlan, ShardOutput, replay
from shipit.core.errors import (
    InternalError,
    ShipitError,
    StageError,
    missing_module,
    os_error,
)
from shipit.core.progress import activity
from shipit.core.tools import Tool

PHASES = ("content", "seal", "sign", "publish")


class Stage:
    """One step of a release, in the spirit of GoReleaser's pipes.

    Subclasses set ``name`` and ``description`` and implement :meth:`run`. They read the context and
    add artifacts to ``ctx.artifacts``; they never import another stage.
    """

    name: str = ""
    description: str = ""
    phase: str = "content"  # one of PHASES
    #: A content stage that reads what every unit produced (the handoff site: every artifact's digest) runs
    #: whole at the merge of a sharded release instead of in a shard; it declares no units.
    at_merge: bool = False

    def skip(self, plan: ReleasePlan) -> str | None:
        """Return a reason to skip this stage for this release, or None to run it. ``shipit check`` asks with
        the plan; a release asks with its context (a plan that also holds the earlier stages' artifacts)."""
        return None

    def requirements(self, plan: ReleasePlan) -> list[Tool]:
        """External tools this stage needs with the current config (shown by ``shipit check``)."""
        return []

    def notes(self, plan: ReleasePlan) -> list[str]:
        """What ``shipit check`` should say about this stage's choices (e.g. which builder)."""
        return []

    def run(self, ctx: ReleaseContext) -> None:  # pragma: no cover - interface
        """Do the work; raise :class:`ShipitError` with a message and hint on failure."""
        raise NotImplementedError

    # --- sharded releases (shipit.core.shards) -------------------------------------------------------

    def units(self, plan: ReleasePlan) -> list[str]:
        """The ids of this stage's independent units of work, in a stable order, for a release that will
        run it (asked only when :meth:`skip` gives no reason). One unit, the stage itself, unless the
        stage splits its work (images: one per image and platform). A unit id is unique in a release."""
        return [self.name]

    def run_units(self, ctx: ReleaseContext, units: frozenset[str]) -> None:
        """In a shard: do this stage's part of ``units`` (the shard's units, any stage's), and nothing else.
        The artifacts it registers travel in the shard archive to the merge. Default: the whole stage when
        its one unit is in the shard."""
        if self.name in units:
            self.run(ctx)

    def merge(self, ctx: ReleaseContext, outputs: list[ShardOutput]) -> None:
        """At the merge: register what the shards produced for this stage (``outputs``: one per shard that
        ran it) and do what only the merge knows, so that the release equals one cut on one machine.
        Default: replay, i.e. move each artifact's file into the release and register it as it was."""
        replay(ctx, outputs)


@dataclass
class StageResult:
    name: str
    status: str  # passed | skipped | failed
    seconds: float = 0.0
    reason: str = ""
    artifacts: int = 0
    #: paths of the artifacts the stage registered (a shard archive carries them per stage)
    added: list[str] = field(default_factory=list, repr=False)

    def manifest_entry(self) -> dict:
        """The part recorded in the manifest: no timings, so the manifest stays deterministic."""
        return {"name": self.name, "status": self.status, "reason": self.reason}


class StageFailed(StageError):
    def __init__(self, stage: str, error: ShipitError, results: list[StageResult]):
        super().__init__(f"stage '{stage}' failed: {error.message}", hint=error.hint, exit_code=error.exit_code)
        self.stage = stage
        self.cause = error
        self.results = results


def run_stages(ctx: ReleaseContext, stages: list[Stage]) -> list[StageResult]:
    """Run ``stages`` in order. A failing stage stops the run with its message.

    In a shard (``ctx.shard_units``) only the content stages that run in shards run, each doing its part of
    the shard's units; at a merge (``ctx.shard_outputs``) those stages merge the shards' outputs instead of
    running, and every other stage runs as usual.

    Whatever a stage raises becomes a :class:`StageFailed`: a :class:`ShipitError` as it is, an OSError
    as a clear error naming the path and the cause (exit 1), anything else as an internal error (exit 70).
    """
    results: list[StageResult] = []
    console = ctx.console
    for stage in stages:
        sharded = stage.phase == "content" and not stage.at_merge
        if ctx.shard_units is not None and not sharded:
            continue  # a shard does content work only; the rest runs once, at the merge
        ctx.stage_results = [r.manifest_entry() for r in results]
        reason = "skipped with --skip" if stage.name in ctx.skips else stage.skip(ctx)
        if reason:
            if ctx.shard_outputs is not None and any(o.artifacts for o in ctx.shard_outputs.get(stage.name, [])):
                raise ShipitError(f"the shards hold output of stage '{stage.name}', which this merge skips "
                                  f"({reason})", hint="merge with the options and configuration the shards "
                                                      "were cut with")
            results.append(StageResult(stage.name, "skipped", reason=reason))
            ui.info(f"[dim]• {stage.name:<12} skipped: {ui.safe(reason)}[/]", console=console)
            continue
        before = {a.path for a in ctx.artifacts}
        start = time.perf_counter()
        try:
            with activity(f"[bold]{stage.name}[/]: {stage.description}", console=console):
                if ctx.shard_units is not None:
                    stage.run_units(ctx, ctx.shard_units)
                elif ctx.shard_outputs is not None and sharded:
                    stage.merge(ctx, ctx.shard_outputs.pop(stage.name, []))
                else:
                    stage.run(ctx)
        except Exception as exc:  # re-raised below as StageFailed, with the cause's message and exit code
            if isinstance(exc, ShipitError):
                error = exc
            elif isinstance(exc, OSError):
                error = os_error(exc, where=ctx.work_dir)
            elif isinstance(exc, ModuleNotFoundError):
                error = missing_module(exc)
            else:
                error = InternalError(exc)
            results.append(StageResult(stage.name, "failed", time.perf_counter() - start, reason=error.message))
            ui.info(f"[red]✗ {stage.name:<12} failed[/]", console=console)
            raise StageFailed(stage.name, error, results) from exc
        seconds = time.perf_counter() - start
        added = sorted({a.path for a in ctx.artifacts} - before)
        results.append(StageResult(stage.name, "passed", seconds, artifacts=len(added), added=added))
        ui.info(f"[green]✓ {stage.name:<12}[/] {seconds:6.2f}s  {len(added)} artifact(s)", console=console)
    return results
