"""The ``migrations`` stage: offline SQL per dialect, a verified round trip, ROLLBACK.md and the bundle."""

from __future__ import annotations

import os

from shipit.core.artifacts import Kind
from shipit.core.context import ReleaseContext, ReleasePlan
from shipit.core.runner import Stage
from shipit.core.tools import Tool
from shipit.migrations.config import VERIFY_URL_ENV


class MigrationsStage(Stage):
    name = "migrations"
    description = "bundle database migrations with a verified rollback plan"

    def skip(self, plan: ReleasePlan):
        return None if plan.config.migrations else "no migrations: section in shipit.yaml"

    def _verify_url(self, plan: ReleasePlan) -> str | None:
        return plan.options.get("database_url") or os.environ.get(VERIFY_URL_ENV)

    def requirements(self, plan: ReleasePlan):
        from shipit.migrations.runner.live import (
            backend_of,  # SQLAlchemy: imported when used
        )

        cfg = plan.config.migrations
        tools = []
        if "sqlite" in cfg.dialects:
            tools.append(Tool("sqlite3", why="runs sqlite/upgrade.sql and downgrade.sql to prove they apply",
                              optional=True, install_hint="apt-get install sqlite3"))
        url = self._verify_url(plan)
        if url and backend_of(url) == "postgresql":
            tools.append(Tool("psql", why="runs postgresql/upgrade.sql and downgrade.sql (ON_ERROR_STOP)",
                              install_hint="apt-get install postgresql-client"))
        return tools

    def notes(self, plan: ReleasePlan):
        return ["verify database: " + ("the given URL" if self._verify_url(plan)
                                       else "a temporary SQLite file (embedded default)")]

    def run(self, ctx: ReleaseContext):
        from shipit.migrations.build import (
            produce,  # Alembic and SQLAlchemy: imported when the stage runs
        )

        cfg = ctx.config.migrations
        out = ctx.path("migrations")
        out.mkdir(parents=True, exist_ok=True)
        plan, outputs = produce(
            cfg, ctx.project_dir, out, project_name=ctx.config.project.name, version=ctx.version.text,
            source_date=ctx.source_date_iso, source_date_epoch=ctx.source_date_epoch,
            from_rev=ctx.options.get("migrations_from"), previous_manifest=ctx.previous_release(),
            database_url=ctx.options.get("database_url"))
        for f in plan.sorted_findings():
            if f.severity == "warning":
                ctx.warn(f"migrations: {f.where()}: {f.message}" if f.where() else f"migrations: {f.message}")
        rng = f"{plan.previous}:{plan.head}"
        ctx.artifacts.add(outputs.bundle, Kind.MIGRATION_BUNDLE, name="migrations", head_revision=plan.head,
                          previous_revision=plan.previous, irreversible_revisions=[r.id for r in plan.irreversible],
                          reachable_revision=plan.reachable)
        ctx.artifacts.add(outputs.plan, Kind.MIGRATION_PLAN, name="migrations", head_revision=plan.head,
                          previous_revision=plan.previous)
        ctx.artifacts.add(outputs.rollback, Kind.DOC, name="rollback")
        for path in outputs.sql:
            dialect, direction = path.parent.name, path.stem
            ctx.artifacts.add(path, Kind.SQL, name=f"{dialect}-{direction}", dialect=dialect, direction=direction,
                              revision_range=rng if direction == "upgrade" else f"{plan.head}:{plan.reachable}")


STAGES = [MigrationsStage]
