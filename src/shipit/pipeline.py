"""The stage protocol and the runner that executes stages in order with progress, timing and a summary."""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.table import Table

from shipit.errors import ShipitError, StageError
from shipit.tools import Tool

if TYPE_CHECKING:
    from shipit.context import ReleaseContext


class Stage:
    """One step of a release, in the spirit of GoReleaser's pipes.

    Subclasses set ``name`` and ``description`` and implement :meth:`run`. They read the context and
    add artifacts to ``ctx.artifacts``; they never import another stage.
    """

    name: str = ""
    description: str = ""
    #: Stages that seal the release (manifest, checksums, signatures) run after content stages and
    #: must not be skipped by a failure-free ``--skip`` of content. Informational only.
    seals: bool = False

    def skip(self, ctx: ReleaseContext) -> str | None:
        """Return a reason to skip this stage for this release, or None to run it."""
        return None

    def requirements(self, ctx: ReleaseContext) -> list[Tool]:
        """External tools this stage needs with the current config (shown by ``shipit check``)."""
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


class PipelineFailed(StageError):
    def __init__(self, stage: str, error: ShipitError, results: list[StageResult]):
        super().__init__(f"stage '{stage}' failed: {error.message}", hint=error.hint, exit_code=error.exit_code)
        self.stage = stage
        self.cause = error
        self.results = results


def run_stages(ctx: ReleaseContext, stages: list[Stage]) -> list[StageResult]:
    """Run ``stages`` in order. A failing stage stops the run with its message."""
    results: list[StageResult] = []
    console = ctx.console
    for stage in stages:
        ctx.facts["stage_results"] = [r.manifest_entry() for r in results]
        reason = "skipped with --skip" if stage.name in ctx.skips else stage.skip(ctx)
        if reason:
            results.append(StageResult(stage.name, "skipped", reason=reason))
            console.print(f"[dim]• {stage.name:<12} skipped: {reason}[/]")
            continue
        before = len(ctx.artifacts)
        start = time.perf_counter()
        try:
            with console.status(f"[bold]{stage.name}[/]: {stage.description}", spinner="dots"):
                stage.run(ctx)
        except ShipitError as exc:
            results.append(StageResult(stage.name, "failed", time.perf_counter() - start, reason=exc.message))
            console.print(f"[red]✗ {stage.name:<12} failed[/]")
            raise PipelineFailed(stage.name, exc, results) from exc
        except Exception as exc:
            detail = f"internal error: {type(exc).__name__}: {exc}"
            results.append(StageResult(stage.name, "failed", time.perf_counter() - start, reason=detail))
            console.print(f"[red]✗ {stage.name:<12} failed[/]")
            if ctx.verbose:
                console.print(traceback.format_exc())
            raise PipelineFailed(
                stage.name,
                ShipitError(detail, hint="this is a bug in shipit; rerun with -v for the traceback and report it"),
                results,
            ) from exc
        seconds = time.perf_counter() - start
        added = len(ctx.artifacts) - before
        results.append(StageResult(stage.name, "passed", seconds, artifacts=added))
        console.print(f"[green]✓ {stage.name:<12}[/] {seconds:6.2f}s  {added} artifact(s)")
    return results


def summary_table(results: list[StageResult], title: str = "Release summary") -> Table:
    table = Table(title=title)
    table.add_column("stage")
    table.add_column("status")
    table.add_column("time", justify="right")
    table.add_column("artifacts", justify="right")
    table.add_column("detail")
    colors = {"passed": "green", "skipped": "dim", "failed": "red"}
    for r in results:
        table.add_row(r.name, f"[{colors[r.status]}]{r.status}[/]", f"{r.seconds:.2f}s" if r.status != "skipped" else "",
                      str(r.artifacts) if r.status == "passed" else "", r.reason)
    return table
