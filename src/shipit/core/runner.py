"""The stage protocol and the runner that executes stages in order, with progress and timing.

Stages run by phase, and within a phase in the order of :data:`shipit.capabilities.CAPABILITIES`:

* ``content`` — what a capability produces (images, SBOMs, migrations, pipeline review, ops files, site);
* ``seal``    — ``manifest.json`` and ``SHA256SUMS`` over everything above (:mod:`shipit.core.seals`);
* ``sign``    — signatures and attestations over the seal (not covered by ``SHA256SUMS``);
* ``publish`` — pushes to registries (only when asked).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from shipit.core import console as ui
from shipit.core.context import ReleaseContext, ReleasePlan
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


@dataclass
class StageResult:
    name: str
    status: str  # passed | skipped | failed
    seconds: float = 0.0
    reason: str = ""
    artifacts: int = 0

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

    Whatever a stage raises becomes a :class:`StageFailed`: a :class:`ShipitError` as it is, an OSError
    as a clear error naming the path and the cause (exit 1), anything else as an internal error (exit 70).
    """
    results: list[StageResult] = []
    console = ctx.console
    for stage in stages:
        ctx.stage_results = [r.manifest_entry() for r in results]
        reason = "skipped with --skip" if stage.name in ctx.skips else stage.skip(ctx)
        if reason:
            results.append(StageResult(stage.name, "skipped", reason=reason))
            ui.info(f"[dim]• {stage.name:<12} skipped: {ui.safe(reason)}[/]", console=console)
            continue
        before = len(ctx.artifacts)
        start = time.perf_counter()
        try:
            with activity(f"[bold]{stage.name}[/]: {stage.description}", console=console):
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
        added = len(ctx.artifacts) - before
        results.append(StageResult(stage.name, "passed", seconds, artifacts=added))
        ui.info(f"[green]✓ {stage.name:<12}[/] {seconds:6.2f}s  {added} artifact(s)", console=console)
    return results
