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
        tools = [Tool("migrations folder", why="alembic.ini and the Alembic script directory (env.py, versions/)",
                      probe=lambda: _locate(cfg, plan.project_dir)),
                 Tool("project Python", why="runs the project's env.py and revisions: Alembic must import there",
                      probe=lambda: _interpreter(cfg, plan.project_dir))]
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


def _locate(cfg, project_dir) -> tuple[bool, str]:
    from shipit.core.errors import ShipitError
    from shipit.migrations.scripts import load_project

    try:
        project = load_project(cfg, project_dir)
    except ShipitError as exc:
        return False, exc.message + (f" ({exc.hint})" if exc.hint else "")
    versions = project.script_location / "versions"
    count = sum(1 for p in versions.rglob("*.py") if p.name != "__init__.py") if versions.is_dir() else 0
    ini = f"{project.rel(project.ini)} → " if project.ini else ""
    return True, f"{ini}{project.rel(project.script_location)} ({count} revision file(s))"


def _interpreter(cfg, project_dir) -> tuple[bool, str]:
    from shipit.core.errors import ShipitError
    from shipit.migrations.interpreter import discover, probe, summary

    try:
        python = discover(project_dir, cfg.python)
    except ShipitError as exc:
        return False, exc.message
    modules = ("alembic", "sqlalchemy") + (("flask", "flask_migrate") if cfg.flask_app else ())
    info = probe(python, modules, cwd=project_dir)
    ok = "error" not in info and all(info.get(m) for m in modules)
    detail = f"{python.describe()}: {summary(info)}"
    if not ok:
        detail += ("; install the project's dependencies there" if "error" not in info else "")
    return ok, detail


STAGES = [MigrationsStage]
