"""Plan → offline SQL → verification → plan.json, ROLLBACK.md and the bundle. Used by the ``migrations``
stage and by ``shipit migrations plan|bundle|verify``."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipit.core.errors import ShipitError
from shipit.core.files import deterministic_tar_gz, write_json, write_text
from shipit.core.templating import render
from shipit.migrations import offline, sqlcheck, verify
from shipit.migrations.config import VERIFY_URL_ENV, MigrationsConfig, SeedScript
from shipit.migrations.scripts import (
    BASE,
    Finding,
    Project,
    Revision,
    code_findings,
    downgrade_data_loss,
    history_ids,
    load_project,
    open_script_directory,
    resolve_revision,
    reversibility_findings,
    revision_range,
)

PLAN_SCHEMA_VERSION = 1


def estimate(seconds: float | None) -> str:
    """A coarse bucket: measured on a scratch database, so only the order of magnitude means anything
    (and buckets keep plan.json and ROLLBACK.md byte-identical between runs)."""
    if seconds is None:
        return "not measured"
    for limit, label in ((1, "under 1 s"), (10, "1-10 s"), (60, "10-60 s"), (600, "1-10 min")):
        if seconds < limit:
            return label
    return "over 10 min"


def previous_head(manifest: dict[str, Any] | None) -> str | None:
    """The head revision recorded by the migration bundle of a release manifest."""
    if not manifest:
        return None
    for art in manifest.get("artifacts", []):
        if art.get("kind") == "migration-bundle":
            return (art.get("extra") or {}).get("head_revision")
    return None


@dataclass
class Plan:
    project: Project
    cfg: MigrationsConfig
    previous: str
    previous_source: str
    head: str
    revisions: list[Revision]
    reachable: str
    history: list[str]  # revisions up to and including the previous head, oldest first
    sql: dict[str, dict[str, str | None]] = field(default_factory=dict)  # dialect → upgrade/downgrade (raw)
    findings: list[Finding] = field(default_factory=list)
    verification: verify.VerifyResult | None = None

    @property
    def irreversible(self) -> list[Revision]:
        return [r for r in self.revisions if r.irreversible]

    def sorted_findings(self) -> list[Finding]:
        order = {r.id: i for i, r in enumerate(self.revisions)}
        rank = {"error": 0, "warning": 1, "note": 2}
        return sorted(self.findings, key=lambda f: (order.get(f.revision, -1), rank.get(f.severity, 3), f.code,
                                                    f.table, f.column, f.message))


def make_plan(cfg: MigrationsConfig, project_dir: Path, *, from_rev: str | None = None,
              previous_manifest: dict[str, Any] | None = None) -> Plan:
    """Read the revisions in range and their code, emit the offline SQL per dialect and inspect it."""
    project = load_project(cfg, project_dir)
    script = open_script_directory(project)
    if from_rev:
        previous, source = resolve_revision(project, script, from_rev, "--from"), "--from"
    elif (recorded := previous_head(previous_manifest)) is not None:
        version = previous_manifest.get("version", "?")
        previous = resolve_revision(project, script, recorded, f"release {version}'s head revision")
        source = f"release {version}"
    else:
        previous, source = BASE, "base (no earlier release records a head revision)"
    revisions = revision_range(project, script, previous)
    history = history_ids(project, script, previous)
    head = revisions[-1].id if revisions else previous
    irreversible = [r for r in revisions if r.irreversible]
    reachable = irreversible[-1].id if irreversible else previous
    plan = Plan(project, cfg, previous, source, head, revisions, reachable, history)
    for rev in revisions:
        plan.findings += reversibility_findings(rev, cfg.allow_irreversible)
        plan.findings += code_findings(rev, cfg.allow_destructive)
    by_id = {r.id: r for r in revisions}
    sql_findings: list[Finding] = []
    for dialect in cfg.dialects:
        up = offline.offline_sql(project, dialect, "upgrade", previous, head) if revisions else ""
        down = offline.offline_sql(project, dialect, "downgrade", head, reachable) if reachable != head else None
        plan.sql[dialect] = {"upgrade": up, "downgrade": down}
        statements = sqlcheck.split_by_revision(up, "upgrade")
        sql_findings += sqlcheck.destructive_statements(statements, dialect, by_id, cfg.allow_destructive)
        if dialect == "postgresql":
            sql_findings += sqlcheck.postgresql_lock_notes(statements, by_id)
    plan.findings = sqlcheck.merge(plan.findings + sql_findings)
    return plan


def _seed_files(plan: Plan) -> list[tuple[SeedScript, Path]]:
    out = []
    for seed in plan.cfg.seed_scripts():
        path = (plan.project.root / seed.path).resolve()
        if not path.is_file():
            raise ShipitError(f"migrations.seeds: {seed.path} does not exist",
                              hint="seed paths are relative to shipit.yaml")
        if seed.revision and seed.revision not in {r.id for r in plan.revisions} | set(plan.history) | {BASE}:
            raise ShipitError(f"migrations.seeds: {seed.path} names revision {seed.revision}, which is not in the "
                              f"history up to {plan.head}",
                              hint="use a full revision id of this branch, or leave it out")
        out.append((seed, path))
    return out


def verify_plan(plan: Plan, sql_dir: Path, database_url: str | None) -> verify.VerifyResult:
    """The live round trip and the offline SQL through the database's own client."""
    url_source = database_url or os.environ.get(VERIFY_URL_ENV) or None
    dbs = verify.Databases(url_source)
    try:
        seeds = _seed_files(plan)
        live_url = dbs.create("roundtrip")
        result = verify.round_trip(plan.project, plan.revisions, plan.previous, live_url, dbs.backend, seeds,
                                   plan.history)
        if dbs.backend not in plan.cfg.dialects and result.round_trip == "failed":
            result.findings.append(Finding(
                "error", "verify_database",
                f"the round trip ran on {dbs.backend}, which is not in migrations.dialects "
                f"({', '.join(plan.cfg.dialects)}): verify on the database you deploy to with --database-url or "
                f"{VERIFY_URL_ENV}"))
        for dialect in plan.cfg.dialects:
            client = verify.CLIENTS[dialect]
            runnable = dialect == "sqlite" or dialect == dbs.backend
            if not runnable:
                result.client[dialect] = {"status": "not run", "client": client,
                                          "detail": f"no {dialect} database to run it on (give --database-url or "
                                                    f"{VERIFY_URL_ENV})"}
                continue
            if shutil.which(client) is None:
                result.client[dialect] = {"status": "not run", "client": client, "detail": f"{client} is not installed"}
                result.findings.append(Finding("warning", "client_missing",
                                               f"{client} is not installed: {dialect}/upgrade.sql was not run"))
                continue
            if not plan.revisions:
                result.client[dialect] = {"status": "not run", "client": client, "detail": "no revisions in range"}
                continue
            if dialect == "sqlite" and dbs.backend != "sqlite":
                scratch = verify.Databases(None)
            else:
                scratch = dbs
            try:
                url = scratch.create(f"client_{dialect}")
                prepare = (offline.offline_sql(plan.project, dialect, "upgrade", BASE, plan.previous)
                           if plan.previous != BASE else None)
                down_file = sql_dir / dialect / "downgrade.sql" if plan.sql[dialect]["downgrade"] else None
                status, findings = verify.run_offline_files(
                    dialect, url, prepare, sql_dir / dialect / "upgrade.sql", down_file, plan.head, plan.reachable,
                    result if result.round_trip == "passed" else None)
            finally:
                if scratch is not dbs:
                    scratch.close()
            result.client[dialect] = status
            result.findings += findings
    finally:
        dbs.close()
    plan.verification = result
    plan.findings = sqlcheck.merge(plan.findings + result.findings)
    return result


# --- writing -------------------------------------------------------------------------------------------


def write_sql(plan: Plan, out_dir: Path, *, project_name: str, version: str, source_date: str) -> list[Path]:
    paths = []
    ids = [r.id for r in plan.revisions]
    for dialect, sql in plan.sql.items():
        up = out_dir / dialect / "upgrade.sql"
        write_text(up, offline.header(project=project_name, version=version, dialect=dialect, direction="upgrade",
                                      start=plan.previous, end=plan.head, revisions=ids, source_date=source_date)
                   + (sql["upgrade"] or ""))
        down = out_dir / dialect / "downgrade.sql"
        if sql["downgrade"] is not None:
            above = [r.id for r in plan.revisions if ids.index(r.id) > _index(ids, plan.reachable)]
            note = ""
            if plan.irreversible:
                note = (f"stops at revision {plan.reachable}: it is irreversible; to go further back restore the "
                        "backup (see ROLLBACK.md)")
            text = offline.header(project=project_name, version=version, dialect=dialect, direction="downgrade",
                                  start=plan.head, end=plan.reachable, revisions=list(reversed(above)),
                                  source_date=source_date, note=note) + sql["downgrade"]
        else:
            text = offline.header(project=project_name, version=version, dialect=dialect, direction="downgrade",
                                  start=plan.head, end=plan.reachable, revisions=[], source_date=source_date,
                                  note=(f"there is no SQL way back: revision {plan.head} is irreversible.\n"
                                        "Restore the backup taken before the upgrade (see ROLLBACK.md)."
                                        if plan.irreversible else "nothing to undo"))
        write_text(down, text)
        paths += [up, down]
    return paths


def _index(ids: list[str], rev: str) -> int:
    return ids.index(rev) if rev in ids else -1


def plan_document(plan: Plan, *, project_name: str, version: str) -> dict[str, Any]:
    v = plan.verification
    timings = v.timings if v else {}
    findings = plan.sorted_findings()
    revs = []
    for rev in plan.revisions:
        t = timings.get(rev.id, {})
        revs.append({
            "id": rev.id,
            "down_revision": list(rev.down),
            "message": rev.message,
            "file": rev.file,
            "downgrade": {"exists": rev.has_downgrade, "does_something": rev.has_downgrade and not rev.downgrade_empty,
                          "raises": rev.downgrade_raises},
            "irreversible": rev.irreversible,
            "irreversible_reason": rev.irreversible_reason or ("no downgrade() function" if not rev.has_downgrade
                                                               else ""),
            "operations": [{"op": o.name, "table": o.table, "column": o.column, "line": o.line}
                           for o in rev.upgrade_ops],
            "destructive": [f.as_dict() for f in findings if f.revision == rev.id and f.code in DESTRUCTIVE],
            "locking_notes": [f.message for f in findings if f.revision == rev.id and f.code.startswith("pg_")],
            "rollback_data_loss": downgrade_data_loss(rev),
            "estimate": {"upgrade": estimate(t.get("upgrade")), "downgrade": estimate(t.get("downgrade"))
                         if not rev.irreversible else "irreversible"},
        })
    sql = {d: {"upgrade": f"{d}/upgrade.sql", "downgrade": f"{d}/downgrade.sql",
               "downgrade_target": plan.reachable} for d in plan.sql}
    return {
        "schema_version": PLAN_SCHEMA_VERSION,
        "project": project_name,
        "version": version,
        "script_location": plan.project.rel(plan.project.script_location),
        "previous_revision": plan.previous,
        "previous_source": plan.previous_source,
        "head_revision": plan.head,
        "dialects": list(plan.sql),
        "revisions": revs,
        "rollback": {
            "reachable_revision": plan.reachable,
            "fully_reversible": not plan.irreversible,
            "irreversible_revisions": [r.id for r in plan.irreversible],
            "restore_from_backup_needed_below": plan.reachable if plan.irreversible else None,
            "estimate": estimate(v.rollback_seconds) if v and plan.reachable != plan.head else (
                "nothing to undo" if plan.reachable == plan.head and not plan.irreversible else "restore the backup"),
        },
        "sql": sql,
        "verification": v.as_dict() if v else {"round_trip": "not run"},
        "findings": [f.as_dict() for f in findings],
    }


DESTRUCTIVE = {"drop_table", "drop_column", "type_change", "set_not_null", "add_not_null", "rename_table",
               "rename_column", "delete_rows"}

BACKUP = {
    "postgresql": {"backup": 'pg_dump --format=custom --file=backup-before-{v}.dump "$DATABASE_URL"',
                   "restore": 'pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" backup-before-{v}.dump',
                   "run_sql": 'psql -v ON_ERROR_STOP=1 -f {f} "$DATABASE_URL"',
                   "version_query": "SELECT version_num FROM alembic_version;",
                   "tables_query": "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                                   "current_schema() AND table_type = 'BASE TABLE' ORDER BY 1;"},
    "sqlite": {"backup": "sqlite3 app.db \".backup 'backup-before-{v}.db'\"",
               "restore": "cp backup-before-{v}.db app.db",
               "run_sql": "sqlite3 -bail app.db < {f}",
               "version_query": "SELECT version_num FROM alembic_version;",
               "tables_query": "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                               "ORDER BY 1;"},
    "mysql": {"backup": "mysqldump --single-transaction --routines --triggers DBNAME > backup-before-{v}.sql",
              "restore": "mysql DBNAME < backup-before-{v}.sql",
              "run_sql": "mysql DBNAME < {f}",
              "version_query": "SELECT version_num FROM alembic_version;",
              "tables_query": "SHOW TABLES;"},
}


def rollback_markdown(plan: Plan, doc: dict[str, Any], *, project_name: str, version: str,
                      source_date: str) -> str:
    v = plan.verification
    tables = {}
    if v:
        for rev in (plan.previous, plan.reachable, plan.head):
            if rev in v.snapshots:
                tables[rev] = sorted(k.split(":", 1)[1] for k in v.snapshots[rev] if k.startswith("table:"))
    dialects = [{"name": d, **{k: s.format(v=version, f=f"{d}/downgrade.sql") for k, s in BACKUP[d].items()}}
                for d in plan.sql]
    return render(plan.project.root, "migrations/ROLLBACK.md.j2", project=project_name, version=version,
                  source_date=source_date, plan=doc, dialects=dialects, tables=tables,
                  verified=v is not None, backend=v.backend if v else "",
                  alembic_ini=plan.project.rel(plan.project.ini) if plan.project.ini else "alembic.ini")


@dataclass
class Outputs:
    plan: Path
    rollback: Path
    bundle: Path
    sql: list[Path]
    seeds: list[Path]
    document: dict[str, Any]


def write_outputs(plan: Plan, out_dir: Path, sql_paths: list[Path], *, project_name: str, version: str,
                  source_date: str, source_date_epoch: int) -> Outputs:
    """plan.json, ROLLBACK.md and the bundle under ``out_dir`` (the SQL files were written by write_sql)."""
    doc = plan_document(plan, project_name=project_name, version=version)
    plan_path = write_json(out_dir / "plan.json", doc)
    rollback = write_text(out_dir / "ROLLBACK.md", rollback_markdown(plan, doc, project_name=project_name,
                                                                     version=version, source_date=source_date))
    top = f"migrations-{version}"
    entries = [(f"{top}/plan.json", plan_path), (f"{top}/ROLLBACK.md", rollback)]
    entries += [(f"{top}/sql/{p.relative_to(out_dir).as_posix()}", p) for p in sql_paths]
    entries += [(f"{top}/revisions/{r.path.name}", r.path) for r in plan.revisions]
    seeds = [path for _seed, path in _seed_files(plan)]
    names = [p.name for p in seeds]
    if len(set(names)) != len(names):
        raise ShipitError("migrations.seeds: two seed scripts have the same file name",
                          hint="seeds are bundled as seeds/<file name>; rename one of them")
    entries += [(f"{top}/seeds/{p.name}", p) for p in seeds]
    bundle = deterministic_tar_gz(out_dir / f"{top}.tar.gz", entries, source_date_epoch)
    return Outputs(plan_path, rollback, bundle, sql_paths, seeds, doc)


def fail_on_errors(plan: Plan) -> None:
    errors = [f for f in plan.sorted_findings() if f.severity == "error"]
    if not errors:
        return
    lines = [f"{f.where() + ': ' if f.where() else ''}{f.message}" for f in errors[:10]]
    more = f"\n  … and {len(errors) - 10} more" if len(errors) > 10 else ""
    raise ShipitError(
        f"{len(errors)} migration problem(s):\n  " + "\n  ".join(lines) + more,
        hint=("irreversible or destructive changes are allowed with migrations.allow_irreversible / "
              "migrations.allow_destructive: true" if all(f.code in DESTRUCTIVE | {"irreversible"} for f in errors)
              else "fix the revisions named above; `shipit migrations plan` lists every finding"),
    )


def produce(cfg: MigrationsConfig, project_dir: Path, out_dir: Path, *, project_name: str, version: str,
            source_date: str, source_date_epoch: int, from_rev: str | None = None,
            previous_manifest: dict[str, Any] | None = None, database_url: str | None = None,
            verify_live: bool | None = None) -> tuple[Plan, Outputs]:
    """The whole capability: plan, SQL, proof, plan.json, ROLLBACK.md and the bundle in ``out_dir``.

    Raises ShipitError (after the proof, so the message lists every problem) when a finding is an error.
    """
    plan = make_plan(cfg, project_dir, from_rev=from_rev, previous_manifest=previous_manifest)
    fail_on_errors(plan)  # static problems first: no point starting databases
    sql_paths = write_sql(plan, out_dir, project_name=project_name, version=version, source_date=source_date)
    if cfg.verify if verify_live is None else verify_live:
        verify_plan(plan, out_dir, database_url)
    fail_on_errors(plan)
    outputs = write_outputs(plan, out_dir, sql_paths, project_name=project_name, version=version,
                            source_date=source_date, source_date_epoch=source_date_epoch)
    return plan, outputs
