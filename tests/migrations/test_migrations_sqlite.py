"""The proof on SQLite (the embedded default): live round trip, offline SQL through the sqlite3 client, the
release stage, the previous release's head, ROLLBACK.md, and a byte-identical bundle."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tarfile
import textwrap
from pathlib import Path

from tests.conftest import require_tool, run_shipit, shipit_env
from tests.migrations.support import GIT_ENV, demo_copy

D4 = '''\
"""add orders.note"""
import sqlalchemy as sa
from alembic import op

revision = "d4"
down_revision = "c3"


def upgrade() -> None:
    op.add_column("orders", sa.Column("note", sa.Text, nullable=False, server_default=""))
    op.create_index("ix_orders_note", "orders", ["note"])


def downgrade() -> None:
    op.drop_index("ix_orders_note", table_name="orders")
    op.drop_column("orders", "note")
'''


def sqlite3(db: Path, sql: str | Path) -> str:
    """The sqlite3 command-line shell, not Python's module: an independent check of our SQL files."""
    text = Path(sql).read_text() if isinstance(sql, Path) else sql
    proc = subprocess.run(["sqlite3", "-bail", str(db)], input=text, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_verify_round_trip_passes_and_offline_sql_runs_in_sqlite3(fixture_project):
    require_tool("sqlite3")
    proj = fixture_project("good")
    proc = run_shipit("migrations", "verify", "--json", cwd=proj)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert (doc["database"], doc["round_trip"], doc["reachable_revision"]) == ("sqlite", "passed", "c3")
    assert doc["offline_sql"]["sqlite"]["status"] == "passed"
    assert "equals the live run's (upgrade)" in doc["offline_sql"]["sqlite"]["detail"]
    assert doc["offline_sql"]["postgresql"]["status"] == "not run"
    assert set(doc["timings"]) == {"a1", "b2", "c3"}
    assert doc["timings"]["a1"]["downgrade"] > 0 and doc["timings"]["c3"]["downgrade"] is None


def test_a_downgrade_that_leaves_a_trace_is_named(fixture_project):
    proj = fixture_project("leaves_trace")
    proc = run_shipit("migrations", "verify", cwd=proj)
    assert proc.returncode == 1
    err = " ".join(proc.stderr.split())
    assert ("migrations/versions/b2_audit.py:14, revision b2: downgrade() of revision b2 leaves a trace: the schema "
            "differs from revision a1's: table audit_log is left behind") in err
    assert "Traceback" not in proc.stderr


def test_release_stage_then_next_release_starts_at_the_recorded_head(fixture_project):
    require_tool("sqlite3", "sha256sum", "tar")
    proj = fixture_project("good")
    out = proj / "release"
    run_shipit("release", "--version", "1.0.0", cwd=proj, check=True)
    rel = out / "1.0.0"
    manifest = json.loads((rel / "manifest.json").read_text())
    arts = {a["path"]: a for a in manifest["artifacts"]}
    bundle = arts["migrations/migrations-1.0.0.tar.gz"]
    assert bundle["kind"] == "migration-bundle"
    assert (bundle["extra"]["head_revision"], bundle["extra"]["previous_revision"]) == ("c3", "base")
    assert arts["migrations/plan.json"]["kind"] == "migration-plan"
    assert arts["migrations/ROLLBACK.md"]["kind"] == "doc"
    assert {p for p, a in arts.items() if a["kind"] == "sql"} == {
        f"migrations/{d}/{s}.sql" for d in ("postgresql", "sqlite") for s in ("upgrade", "downgrade")}
    assert subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=rel).returncode == 0
    members = subprocess.run(["tar", "-tzf", str(rel / bundle["path"])], capture_output=True, text=True,
                             check=True).stdout.split()
    assert members == sorted(members) and "migrations-1.0.0/revisions/c3_lowercase_emails.py" in members
    assert {"migrations-1.0.0/ROLLBACK.md", "migrations-1.0.0/plan.json", "migrations-1.0.0/seeds/customers.sql",
            "migrations-1.0.0/sql/sqlite/upgrade.sql", "migrations-1.0.0/sql/postgresql/downgrade.sql"} <= set(members)
    rollback = (rel / "migrations/ROLLBACK.md").read_text()
    assert "There is no way back through migrations" in rollback
    assert "pg_restore --clean --if-exists" in rollback and "**Required to undo revision `c3`**" in rollback
    # Python-Markdown (what the handoff site uses) renders it: the summary is a real table, code blocks stay code.
    import markdown

    html = markdown.markdown(rollback, extensions=["tables", "fenced_code"])
    assert html.count("<table>") == 2 and "<td><code>b2</code></td>" in html
    assert '<pre><code class="language-sql">SELECT version_num FROM alembic_version;' in html
    # The shipped SQL, run by hand with the sqlite3 shell, builds the schema and records the head.
    db = proj / "by-hand.db"
    sqlite3(db, rel / "migrations/sqlite/upgrade.sql")
    assert sqlite3(db, "SELECT version_num FROM alembic_version;").strip() == "c3"

    # Next release: one more revision; the previous head comes from release 1.0.0's manifest.
    (proj / "migrations/versions/d4_orders_note.py").write_text(D4)
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "add", "-A"], cwd=proj, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "feat: orders.note"], cwd=proj, check=True, env=env)
    run_shipit("release", "--version", "1.1.0", cwd=proj, check=True)
    rel2 = out / "1.1.0"
    plan = json.loads((rel2 / "migrations/plan.json").read_text())
    assert (plan["previous_revision"], plan["previous_source"], plan["head_revision"]) == ("c3", "release 1.0.0", "d4")
    assert [r["id"] for r in plan["revisions"]] == ["d4"]
    assert plan["rollback"]["fully_reversible"] and plan["verification"]["round_trip"] == "passed"
    assert "downgrade" in plan["verification"]["offline_sql"]["sqlite"]["detail"]
    sqlite3(db, rel2 / "migrations/sqlite/upgrade.sql")
    assert "note" in sqlite3(db, "SELECT name FROM pragma_table_info('orders');").split()
    sqlite3(db, rel2 / "migrations/sqlite/downgrade.sql")
    assert sqlite3(db, "SELECT version_num FROM alembic_version;").strip() == "c3"
    assert "note" not in sqlite3(db, "SELECT name FROM pragma_table_info('orders');").split()
    assert "alembic -c alembic.ini downgrade c3" in (rel2 / "migrations/ROLLBACK.md").read_text()

    # --migrations-from overrides the recorded head.
    run_shipit("release", "--version", "1.2.0", "--migrations-from", "a1", cwd=proj, check=True)
    plan = json.loads((out / "1.2.0/migrations/plan.json").read_text())
    assert (plan["previous_revision"], plan["previous_source"]) == ("a1", "--from")
    assert plan["rollback"]["reachable_revision"] == "c3"  # d4 is reversible, c3 is not


def _tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_bundle_is_byte_identical_across_runs(fixture_project):
    proj = fixture_project("good")
    for out in ("a", "b"):
        run_shipit("migrations", "bundle", "--version", "1.0.0", "--output", f"out-{out}", cwd=proj, check=True)
    a, b = _tree_digest(proj / "out-a"), _tree_digest(proj / "out-b")
    assert a == b and "migrations-1.0.0.tar.gz" in a
    with tarfile.open(proj / "out-a/migrations-1.0.0.tar.gz") as tar:
        assert {m.mtime for m in tar.getmembers()} == {1700000000}
        assert json.load(tar.extractfile("migrations-1.0.0/plan.json"))["head_revision"] == "c3"


def test_project_template_overrides_rollback_md(fixture_project):
    proj = fixture_project("good")
    (proj / "templates/migrations").mkdir(parents=True)
    (proj / "templates/migrations/ROLLBACK.md.j2").write_text("# Our runbook {{ version }}: back to "
                                                              "{{ plan.rollback.reachable_revision }}\n")
    run_shipit("migrations", "bundle", "--version", "2.0.0", "--no-verify", cwd=proj, check=True)
    assert (proj / "dist/migrations/ROLLBACK.md").read_text() == "# Our runbook 2.0.0: back to c3\n"


def test_failed_verification_leaves_no_release_behind(fixture_project):
    proj = fixture_project("leaves_trace")
    proc = run_shipit("release", "--version", "1.0.0", cwd=proj)
    assert proc.returncode == 1
    assert "stage 'migrations' failed" in proc.stderr
    assert sorted(p.name for p in (proj / "release").iterdir()) == [".locks"]


def test_init_writes_a_valid_migrations_section(tmp_path):
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    run_shipit("init", str(tmp_path), check=True)
    from shipit.config import load_config

    cfg = load_config(tmp_path / "shipit.yaml")
    assert cfg.migrations is not None and cfg.migrations.alembic_ini == "alembic.ini"
    assert cfg.migrations.allow_irreversible is True


def test_bad_seed_and_bad_config_are_clear_errors(fixture_project):
    proj = fixture_project("good", shipit_yaml=textwrap.dedent("""\
        schema_version: 1
        project: {name: g}
        migrations:
          dialects: [sqlite]
          seeds: [{path: seeds/missing.sql}]
    """))
    proc = run_shipit("migrations", "verify", cwd=proj)
    assert proc.returncode == 1 and "migrations.seeds: seeds/missing.sql does not exist" in proc.stderr
    (proj / "shipit.yaml").write_text("schema_version: 1\nproject: {name: g}\nmigrations:\n  dialect: [oracle]\n")
    proc = run_shipit("migrations", "plan", cwd=proj)
    assert proc.returncode == 2 and "shipit.yaml:4:3" in proc.stderr and "did you mean 'dialects'" in proc.stderr


def test_demo_release_migrations_on_sqlite(tmp_path):
    require_tool("sqlite3")
    proj = demo_copy(tmp_path / "demo")
    # The demo's env.py prefers DATABASE_URL: shipit must never migrate that database while verifying.
    real_db = tmp_path / "production.db"
    run_shipit("release", "--version", "1.0.0", cwd=proj, check=True,
               env=shipit_env(DATABASE_URL=f"sqlite:///{real_db}"))
    assert not real_db.exists()
    rel = proj / "release/1.0.0/migrations"
    plan = json.loads((rel / "plan.json").read_text())
    assert [r["id"] for r in plan["revisions"]] == ["a1c3e5f70001", "b2d4f6a80002", "c3e5a7b90003"]
    assert plan["rollback"]["irreversible_revisions"] == ["c3e5a7b90003"]
    assert plan["revisions"][2]["irreversible_reason"] == "marked irreversible; downgrade() raises"
    assert plan["verification"]["round_trip"] == "passed"
    assert plan["verification"]["offline_sql"]["sqlite"]["status"] == "passed"
    assert "migrations-1.0.0/seeds/seed.sql" in subprocess.run(
        ["tar", "-tzf", str(rel / "migrations-1.0.0.tar.gz")], capture_output=True, text=True, check=True).stdout
    rollback = (rel / "ROLLBACK.md").read_text()
    assert "**Required to undo revision `c3e5a7b90003`**" in rollback


def test_postgresql_only_migrations_on_the_default_sqlite_say_what_to_do(fixture_project):
    proc = run_shipit("migrations", "verify", cwd=fixture_project("destructive"))
    err = " ".join(proc.stderr.split())
    assert proc.returncode == 1
    assert "the round trip ran on sqlite, which is not in migrations.dialects (postgresql)" in err
    assert "revision b2: upgrade to revision b2 (migrations/versions/b2_cleanup.py) failed on sqlite" in err
