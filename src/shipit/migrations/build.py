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
from shipit.migrations import bridge, offline, sqlcheck, verify
from shipit.migrations.config import VERIFY_URL_ENV, MigrationsConfig, SeedScript
from shipit.migrations.runner.compare import tables as snapshot_tables
from shipit.migrations.runner.heads import heads_after, way_back
from shipit.migrations.runner.live import ENV_HINT, Databases
from shipit.migrations.scripts import (
    BASE,
    Finding,
    Project,
    Revision,
    analyse,
    code_findings,
    downgrade_data_loss,
    load_project,
    reversibility_findings,
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
    graph: dict[str, dict[str, Any]] = field(default_factory=dict)  # every revision: id → {down, file, ...}
    undo: list[str] = field(default_factory=list)  # revisions the way back undoes, newest first
    way_back: list[str] = field(default_factory=list)  # `alembic downgrade` targets, in order
    target_heads: list[str] = field(default_factory=list)  # the version rows after the way back
    offline: dict[str, dict[str, Any]] = field(default_factory=dict)  # dialect → runner parts
    sql: dict[str, dict[str, str | None]] = field(default_factory=dict)  # dialect → upgrade/downgrade (raw)
    findings: list[Finding] = field(default_factory=list)
    verification: verify.VerifyResult | None = None
    verify_skipped: str = ""  # why the live round trip did not run (ROLLBACK.md says so)

    @property
    def irreversible(self) -> list[Revision]:
        return [r for r in self.revisions if r.irreversible]

    def sorted_findings(self) -> list[Finding]:
        order = {r.id: i for i, r in enumerate(self.revisions)}
        rank = {"error": 0, "warning": 1, "note": 2}
        return sorted(self.findings, key=lambda f: (order.get(f.revision, -1), rank.get(f.severity, 3), f.code,
                                                    f.table, f.column, f.message))

    def sql_order(self, direction: str) -> list[str]:
        return [r.id for r in self.revisions] if direction == "upgrade" else list(self.undo)

    def lacking(self, dialect: str, direction: str) -> dict[str, dict[str, Any]]:
        """Revisions whose ``direction`` has no offline form for ``dialect``: {id: reason}."""
        return offline.missing(self.offline.get(dialect, {}).get(direction))

    def offline_status(self, rev: str) -> dict[str, Any]:
        """Whether ``rev`` has offline SQL in each direction (for every dialect), and why not."""
        out: dict[str, Any] = {}
        reasons = []
        for direction in ("upgrade", "downgrade"):
            if direction == "downgrade" and rev not in self.undo:
                out[direction] = None  # not part of the way back (irreversible, or below it)
                continue
            bad = {d: self.lacking(d, direction)[rev] for d in self.offline if rev in self.lacking(d, direction)}
            out[direction] = not bad
            for dialect, reason in sorted(bad.items()):
                reasons.append({"direction": direction, "dialect": dialect, "reason": offline.reason_text(reason)})
        out["reasons"] = reasons
        return out


def _resolve_previous(from_rev: str | None, previous_manifest: dict[str, Any] | None) -> tuple[str | None, str, str]:
    if from_rev:
        return from_rev, "--from", "--from"
    recorded = previous_head(previous_manifest)
    if recorded is not None:
        version = previous_manifest.get("version", "?")
        return recorded, f"release {version}'s head revision", f"release {version}"
    return None, "--from", "base (no earlier release records a head revision)"


def make_plan(cfg: MigrationsConfig, project_dir: Path, *, from_rev: str | None = None,
              previous_manifest: dict[str, Any] | None = None) -> Plan:
    """Read the revisions in range and their code, emit the offline SQL per dialect and inspect it."""
    project = load_project(cfg, project_dir)
    spec = project.spec()
    wanted, what, source = _resolve_previous(from_rev, previous_manifest)
    g = bridge.call("graph", project=spec, previous=wanted, previous_what=what)
    graph, previous = g["revisions"], g["previous"]
    revisions = []
    for rid in g["range"]:
        info = graph[rid]
        rev = Revision(id=rid, down=tuple(info["down"]), message=info["message"], file=info["file"],
                       path=Path(info["path"]))
        analyse(rev)
        revisions.append(rev)
    head = revisions[-1].id if revisions else previous
    irreversible = [r for r in revisions if r.irreversible]
    reachable = irreversible[-1].id if irreversible else previous
    ids = [r.id for r in revisions]
    undo = list(reversed(ids[ids.index(reachable) + 1:] if reachable in ids else ids))
    target_heads = [head] if head != BASE else []
    for rid in undo:
        target_heads = heads_after(graph, target_heads, "downgrade", rid)
    plan = Plan(project, cfg, previous, source, head, revisions, reachable, g["history"], graph=graph, undo=undo,
                way_back=way_back(graph, head, undo, reachable), target_heads=target_heads)
    for rev in revisions:
        plan.findings += reversibility_findings(rev, cfg.allow_irreversible, cfg.upgrade_only)
        plan.findings += code_findings(rev, cfg.allow_destructive)
    if revisions:
        plan.offline = bridge.call(
            "offline_sql", project=spec, dialects=list(cfg.dialects), revisions=graph,
            upgrade={"start": [previous] if previous != BASE else [], "steps": ids},
            downgrade={"start": [head], "steps": undo} if undo else None)
    by_id = {r.id: r for r in revisions}
    sql_findings: list[Finding] = []
    for dialect in cfg.dialects:
        parts = plan.offline.get(dialect, {})
        up = offline.body(parts.get("upgrade"), "upgrade", ids)
        down = offline.body(parts.get("downgrade"), "downgrade", undo) if undo else None
        plan.sql[dialect] = {"upgrade": up, "downgrade": down}
        statements = sqlcheck.split_by_revision(up, "upgrade")
        sql_findings += sqlcheck.destructive_statements(statements, dialect, by_id, cfg.allow_destructive)
        if dialect == "postgresql":
            sql_findings += sqlcheck.postgresql_lock_notes(statements, by_id)
    plan.findings = sqlcheck.merge(plan.findings + sql_findings + _offline_findings(plan))
    return plan


def _offline_findings(plan: Plan) -> list[Finding]:
    """One finding per revision that has no offline form in some direction (a warning, or an error when
    migrations.require_offline_sql is set)."""
    sev = "error" if plan.cfg.require_offline_sql else "warning"
    out = []
    for rev in plan.revisions:
        status = plan.offline_status(rev.id)
        if not status["reasons"]:
            continue
        parts = []
        for direction in ("upgrade", "downgrade"):
            bad = [r for r in status["reasons"] if r["direction"] == direction]
            if bad:
                dialects = ", ".join(r["dialect"] for r in bad)
                parts.append(f"{direction} ({dialects}): {bad[0]['reason']}")
        out.append(Finding(sev, "no_offline_sql",
                           f"revision {rev.id} has no offline SQL form for its " + "; ".join(parts)
                           + ": the SQL files say they lack it; it runs through alembic only", rev.id, rev.file,
                           found_by=["offline"]))
    return out


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
    """The offline SQL through the database's own client first (fast, fails often), then the live round trip
    (only when the first passed), then the client's schemas compared with the live run's."""
    url_source = database_url or os.environ.get(VERIFY_URL_ENV) or None
    seeds = _seed_files(plan)
    spec = plan.project.spec()
    with bridge.errors():
        dbs = Databases(url_source)
    result = verify.VerifyResult(backend=dbs.backend, reachable=plan.reachable)
    runs: list[verify.ClientRun] = []
    try:
        for dialect in plan.cfg.dialects:
            run, found = _client_check(plan, spec, dialect, sql_dir, dbs)
            if run is not None:
                runs.append(run)
                result.client[dialect] = run.status
            result.findings += found
        client_failed = any(f.severity == "error" for f in result.findings)
        if client_failed:
            result.round_trip = "not run"
            result.not_run_reason = "the offline SQL check failed first (fix it, then verify again)"
        else:
            live_url = _create(dbs, "roundtrip")
            revs = [{"id": r.id, "file": r.file, "reversible": not r.irreversible, "line": r.downgrade_line}
                    for r in plan.revisions]
            undo = ({"commands": plan.way_back, "target": plan.reachable, "heads": plan.target_heads}
                    if plan.undo else None)
            rt = bridge.call("round_trip", project=spec, url=live_url, previous=plan.previous, head=plan.head,
                             revisions=revs, undo=undo,
                             seeds=[{"path": str(p), "label": s.path, "at": s.revision} for s, p in seeds],
                             history=plan.history, allowed=[live_url])
            result.round_trip = rt["round_trip"]
            result.timings = rt["timings"]
            result.rollback_seconds = rt["rollback_seconds"]
            result.snapshots = rt["snapshots"]
            result.findings += [verify.finding(f) for f in rt["findings"]]
            env_problem = any(f.code in ("scratch_guard", "env_ignores_url") for f in result.findings)
            if dbs.backend not in plan.cfg.dialects and result.round_trip == "failed" and not env_problem:
                result.findings.append(Finding(
                    "error", "verify_database",
                    f"the round trip ran on {dbs.backend}, which is not in migrations.dialects "
                    f"({', '.join(plan.cfg.dialects)}): verify on the database you deploy to with --database-url or "
                    f"{VERIFY_URL_ENV}"))
            if result.round_trip == "passed":
                for run in runs:
                    result.findings += verify.compare_client(run, result, plan.head, plan.reachable)
                    result.client[run.dialect] = run.status
    finally:
        dbs.close()
    plan.verification = result
    plan.findings = sqlcheck.merge(plan.findings + result.findings)
    return result


def _create(dbs: Databases, label: str) -> str:
    with bridge.errors():
        return dbs.create(label)


def _client_check(plan: Plan, spec: dict[str, Any], dialect: str, sql_dir: Path,
                  dbs: Databases) -> tuple[verify.ClientRun | None, list[Finding]]:
    client = verify.CLIENTS[dialect]

    def status(state: str, detail: str) -> verify.ClientRun:
        return verify.ClientRun(dialect, {"status": state, "client": client, "detail": detail})

    if not (dialect == "sqlite" or dialect == dbs.backend):
        return status("not run", f"no {dialect} database to run it on (give --database-url or {VERIFY_URL_ENV})"), []
    if shutil.which(client) is None:
        return status("not run", f"{client} is not installed"), [
            Finding("warning", "client_missing", f"{client} is not installed: {dialect}/upgrade.sql was not run")]
    if not plan.revisions:
        return status("not run", "no revisions in range"), []
    lacking_up = plan.lacking(dialect, "upgrade")
    if lacking_up:
        return status("not run", f"upgrade.sql cannot contain revision{'s' if len(lacking_up) > 1 else ''} "
                                 f"{', '.join(r for r in plan.sql_order('upgrade') if r in lacking_up)} (no offline "
                                 "SQL form)"), []
    lacking_down = plan.lacking(dialect, "downgrade")
    down_file = sql_dir / dialect / "downgrade.sql" if plan.sql[dialect]["downgrade"] and not lacking_down else None
    note = (f"downgrade.sql not run: it cannot contain revision{'s' if len(lacking_down) > 1 else ''} "
            f"{', '.join(r for r in plan.undo if r in lacking_down)}" if lacking_down else "")
    scratch = Databases(None) if dialect == "sqlite" and dbs.backend != "sqlite" else dbs
    try:
        url = _create(scratch, f"client_{dialect}")
        return verify.run_offline_files(bridge.caller(spec), spec, dialect, url, plan.previous,
                                        sql_dir / dialect / "upgrade.sql", down_file, plan.head, plan.target_heads,
                                        [url], note)
    finally:
        if scratch is not dbs:
            scratch.close()


# --- writing -------------------------------------------------------------------------------------------


def write_sql(plan: Plan, out_dir: Path, *, project_name: str, version: str, source_date: str) -> list[Path]:
    paths = []
    ids = [r.id for r in plan.revisions]
    for dialect, sql in plan.sql.items():
        up = out_dir / dialect / "upgrade.sql"
        write_text(up, offline.header(project=project_name, version=version, dialect=dialect, direction="upgrade",
                                      start=plan.previous, end=plan.head, revisions=ids, source_date=source_date,
                                      lacking=plan.lacking(dialect, "upgrade"))
                   + (sql["upgrade"] or ""))
        down = out_dir / dialect / "downgrade.sql"
        if sql["downgrade"] is not None:
            note = ""
            if plan.irreversible:
                note = (f"stops at revision {plan.reachable}: it is irreversible; to go further back restore the "
                        "backup (see ROLLBACK.md)")
            if len(plan.target_heads) > 1 or (plan.way_back and len(plan.way_back) > 1):
                note += ("\n" if note else "") + ("afterwards the version table holds "
                                                  + ", ".join(plan.target_heads or ["no row"]))
            text = offline.header(project=project_name, version=version, dialect=dialect, direction="downgrade",
                                  start=plan.head, end=plan.reachable, revisions=list(plan.undo),
                                  source_date=source_date, note=note,
                                  lacking=plan.lacking(dialect, "downgrade")) + sql["downgrade"]
        else:
            text = offline.header(project=project_name, version=version, dialect=dialect, direction="downgrade",
                                  start=plan.head, end=plan.reachable, revisions=[], source_date=source_date,
                                  note=(f"there is no SQL way back: revision {plan.head} is irreversible.\n"
                                        "Restore the backup taken before the upgrade (see ROLLBACK.md)."
                                        if plan.irreversible else "nothing to undo"))
        write_text(down, text)
        paths += [up, down]
    return paths


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
            "operations": [{"op": o.name, "table": o.table, "column": o.column, "line": o.line,
                            **({"in_function": o.via} if o.via else {})} for o in rev.upgrade_ops],
            "offline": plan.offline_status(rev.id),
            "destructive": [f.as_dict() for f in findings if f.revision == rev.id and f.code in DESTRUCTIVE],
            "locking_notes": [f.message for f in findings if f.revision == rev.id and f.code.startswith("pg_")],
            "rollback_data_loss": downgrade_data_loss(rev),
            "estimate": {"upgrade": estimate(t.get("upgrade")), "downgrade": estimate(t.get("downgrade"))
                         if not rev.irreversible else "irreversible"},
        })
    sql = {d: {"upgrade": f"{d}/upgrade.sql", "downgrade": f"{d}/downgrade.sql",
               "downgrade_target": plan.reachable,
               "upgrade_complete": not plan.lacking(d, "upgrade"),
               "downgrade_complete": not plan.lacking(d, "downgrade"),
               "cannot_contain": {"upgrade": [r for r in plan.sql_order("upgrade") if r in plan.lacking(d, "upgrade")],
                                  "downgrade": [r for r in plan.undo if r in plan.lacking(d, "downgrade")]}}
           for d in plan.sql}
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
            "undoes": list(plan.undo),
            "alembic_downgrade": list(plan.way_back),
            "version_rows_after": list(plan.target_heads),
            "sql_way_back": {d: bool(plan.undo) and not plan.lacking(d, "downgrade") for d in plan.sql},
            "estimate": estimate(v.rollback_seconds) if v and plan.reachable != plan.head else (
                "nothing to undo" if plan.reachable == plan.head and not plan.irreversible else "restore the backup"),
        },
        "sql": sql,
        "verification": v.as_dict() if v else {"round_trip": "not run",
                                               "round_trip_not_run": plan.verify_skipped or "not verified"},
        "findings": [f.as_dict() for f in findings],
    }


DESTRUCTIVE = {"rebuild_table", "drop_table", "drop_column", "type_change", "set_not_null", "add_not_null", "rename_table",
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
                tables[rev] = snapshot_tables(v.snapshots[rev])
    dialects = [{"name": d, **{k: s.format(v=version, f=f"{d}/downgrade.sql") for k, s in BACKUP[d].items()}}
                for d in plan.sql]
    return render(plan.project.root, "migrations/ROLLBACK.md.j2", project=project_name, version=version,
                  source_date=source_date, plan=doc, dialects=dialects, tables=tables,
                  verified=v is not None, backend=v.backend if v else "",
                  proven=v is not None and v.round_trip == "passed",
                  not_verified=(v.not_run_reason if v else plan.verify_skipped) or "",
                  shown_per_revision=sorted(DESTRUCTIVE | {"no_offline_sql", "pg_lock", "pg_bulk_update"}),
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
        hint=_hint({f.code for f in errors}),
    )


def _hint(codes: set[str]) -> str:
    if codes <= DESTRUCTIVE | {"irreversible"}:
        return ("irreversible or destructive changes are allowed with migrations.allow_irreversible / "
                "migrations.allow_destructive: true")
    if codes <= {"no_offline_sql"}:
        return ("these revisions read the database while they run, so no SQL file can hold them; "
                "migrations.require_offline_sql: false accepts that (the SQL files then say what they lack)")
    if codes & {"scratch_guard", "env_ignores_url"}:
        return ENV_HINT
    if "round_trip_trace" in codes or "downgrade_failed" in codes:
        return "fix the downgrade() of the revision named above; `shipit migrations verify` runs the proof again"
    return "fix the revisions named above; `shipit migrations plan` lists every finding"


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
    else:
        plan.verify_skipped = ("built with --no-verify" if verify_live is False
                               else "migrations.verify is false in shipit.yaml")
    fail_on_errors(plan)
    outputs = write_outputs(plan, out_dir, sql_paths, project_name=project_name, version=version,
                            source_date=source_date, source_date_epoch=source_date_epoch)
    return plan, outputs
