"""The ``ops`` stage: alert rules with their unit tests, Alertmanager routes, dashboard and runbooks
under ``ops/``, checked with promtool and amtool when installed."""

from __future__ import annotations

from shipit.core.artifacts import Kind
from shipit.core.context import ReleaseContext, ReleasePlan
from shipit.core.runner import Stage
from shipit.core.tools import Tool


class OpsStage(Stage):
    name = "ops"
    description = "generate alert rules, unit tests, routes, dashboard and runbooks"
    #: the runbooks name every image digest and link the migrations' ROLLBACK.md: known once the shards merged
    at_merge = True

    def skip(self, plan: ReleasePlan):
        return None if plan.config.service else "no service: section in shipit.yaml"

    def requirements(self, plan: ReleasePlan):
        return [
            Tool("promtool", why="checks the alert rules and runs their generated unit tests", optional=True,
                 install_hint="apt-get install prometheus"),
            Tool("amtool", why="checks the Alertmanager routes", version_args=("--version",), optional=True,
                 install_hint="apt-get install prometheus-alertmanager"),
        ]

    def run(self, ctx: ReleaseContext) -> None:
        from shipit.ops.generate import (  # grafana SDK, Jinja: imported when run
            generate,
            notes,
            require_passed,
            run_checks,
        )
        from shipit.ops.runbooks import ReleaseFacts

        svc = ctx.config.service
        previous = ctx.previous_release()
        images = sorted(f"{a.extra.get('repository') or a.name}@{a.extra['manifest_digest']}"
                        for a in ctx.artifacts.filter(Kind.IMAGE) if a.extra.get("manifest_digest"))
        rollback = ctx.artifacts.get("migrations/ROLLBACK.md")
        facts = ReleaseFacts(version=ctx.version.text, previous_version=previous["version"] if previous else "",
                             images=images, rollback_doc="../../migrations/ROLLBACK.md" if rollback else "")
        out_dir = ctx.work_dir / "ops"  # generate() creates it
        files = generate(svc, out_dir, ctx.project_dir, facts)
        # The unit tests take tens of seconds (3-day windows); `shipit ops test` runs them, and so does
        # the release when asked with the ops_unit_tests stage option.
        results = run_checks(svc, out_dir, tests=bool(ctx.options.get("ops_unit_tests")))
        for note in notes(svc):
            ctx.warn(f"ops: {note}")
        for r in results:
            if r.status == "skipped":
                ctx.warn(f"ops: {r.output}; the generated files were not checked by it")
        require_passed(results)
        for f in files:
            ctx.artifacts.add(f"ops/{f.path}", f.kind, name=f.name)


STAGES = [OpsStage]
