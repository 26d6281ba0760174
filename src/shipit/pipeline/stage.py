"""The ``pipeline`` stage: validates the project's CI/CD workflows and documents its deployment environments."""

from __future__ import annotations

import shutil

from shipit.core.artifacts import Kind
from shipit.core.context import ReleaseContext, ReleasePlan
from shipit.core.errors import ShipitError
from shipit.core.files import write_text
from shipit.core.runner import Stage
from shipit.core.tools import Tool
from shipit.pipeline.policy import discover, validate
from shipit.pipeline.report import environments_markdown, to_json, to_markdown, to_sarif


class PipelineStage(Stage):
    name = "pipeline"
    description = "validate CI/CD workflows; document environments"

    def skip(self, plan: ReleasePlan):
        return None if plan.config.pipeline is not None else "no pipeline: section in shipit.yaml"

    def requirements(self, plan: ReleasePlan):
        if plan.config.pipeline.zizmor.enabled is False:
            return []
        return [Tool("zizmor", why="second opinion on GitHub workflows (zizmor --offline)",
                     optional=plan.config.pipeline.zizmor.enabled == "auto", install_hint="pip install zizmor")]

    def notes(self, plan: ReleasePlan):
        try:
            files = [p.relative_to(plan.project_dir).as_posix()
                     for p in discover(plan.project_dir, plan.config.pipeline)]
        except ShipitError as exc:
            files = [f"error: {exc.message}"]
        return ["workflows: " + (", ".join(files) or "none found")]

    def run(self, ctx: ReleaseContext):

        cfg = ctx.config
        baseline = None
        if cfg.pipeline.baseline:
            from shipit.pipeline.suppress import Baseline  # only with a baseline

            baseline = Baseline.load(cfg.project_dir / cfg.pipeline.baseline)
        report = validate(cfg.project_dir, cfg.pipeline, environments=cfg.environments, baseline=baseline)
        if cfg.pipeline.zizmor.enabled == "auto" and shutil.which("zizmor") is None:
            ctx.warn("zizmor is not installed: its checks were not merged into the pipeline report")
        outputs = {"pipeline/report.json": to_json(report), "pipeline/report.sarif": to_sarif(report),
                   "pipeline/report.md": to_markdown(report)}
        for rel, text in outputs.items():
            ctx.artifacts.add(write_text(ctx.path(rel), text), Kind.REPORT, name=rel.rsplit("/", 1)[1],
                              **({"errors": report.counts["error"], "warnings": report.counts["warning"]}
                                 if rel.endswith(".json") else {}))
        if cfg.environments:
            md = environments_markdown(cfg.environments, cfg.pipeline, report, cfg.project.name)
            ctx.artifacts.add(write_text(ctx.path("pipeline/environments.md"), md), Kind.DOC, name="environments")
        for f in report.active:
            if f.severity != "note":
                ctx.log(f"{f.where}: {f.severity}: [{f.rule}] {f.message}")
        if not report.ok:
            errors = [f for f in report.active if f.severity == "error"]
            shown = "\n  ".join(f"{f.where}: {f.rule}: {f.message}" for f in errors[:10])  # no [..]: rich markup
            more = f"\n  ... and {len(errors) - 10} more (see pipeline/report.md)" if len(errors) > 10 else ""
            raise ShipitError(f"CI/CD pipeline has {len(errors)} error-level finding(s):\n  {shown}{more}",
                              hint="fix them, or downgrade a rule in shipit.yaml pipeline.severity "
                                   "(`shipit pipeline validate` shows every finding with a fix hint)")


STAGES = [PipelineStage]
