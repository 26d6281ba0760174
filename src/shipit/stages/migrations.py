"""Database migrations: offline SQL per dialect, a verified round trip, ROLLBACK.md and the bundle."""

from __future__ import annotations

from shipit.artifacts import Kind
from shipit.pipeline import Stage
from shipit.tools import Tool


class MigrationsStage(Stage):
    name = "migrations"
    description = "bundle database migrations with a verified rollback plan"

    def skip(self, ctx):
        return None if ctx.config.migrations else "no migrations: section in shipit.yaml"

    def requirements(self, ctx):
        import os

        from shipit.migrations.build import VERIFY_URL_ENV
        from shipit.migrations.verify import backend_of

        cfg = ctx.config.migrations
        tools = []
        if "sqlite" in cfg.dialects:
            tools.append(Tool("sqlite3", why="runs sqlite/upgrade.sql and downgrade.sql to prove they apply",
                              optional=True, install_hint="apt-get install sqlite3"))
        url = ctx.options.get("database_url") or os.environ.get(VERIFY_URL_ENV)
        if url and backend_of(url) == "postgresql":
            tools.append(Tool("psql", why="runs postgresql/upgrade.sql and downgrade.sql (ON_ERROR_STOP)",
                              install_hint="apt-get install postgresql-client"))
        ctx.facts.setdefault("check:migrations", []).append(
            "verify database: " + ("the given URL" if url else "a temporary SQLite file (embedded default)"))
        return tools

    def run(self, ctx):
        from shipit.migrations.build import produce

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
        v = plan.verification
        ctx.facts["migrations"] = {
            "previous_revision": plan.previous, "head_revision": plan.head, "reachable_revision": plan.reachable,
            "irreversible": [r.id for r in plan.irreversible],
            "round_trip": v.round_trip if v else "not run",
            "database": v.backend if v else "",
            "timings": v.timings if v else {},  # exact seconds: for reports, never written into release files
        }
