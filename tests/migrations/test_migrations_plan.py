"""The plan: revision range, reversibility, destructive operations from code and SQL, locking notes, and
clear errors for broken script directories (each naming the file and the revision)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from shipit.config import load_config
from shipit.core.errors import ShipitError
from shipit.migrations.build import make_plan, plan_document
from shipit.migrations.scripts import Revision, analyse
from shipit.migrations.sqlcheck import (
    destructive_statements,
    postgresql_lock_notes,
    split_by_revision,
)
from tests.conftest import run_shipit


def _plan(proj: Path, **kw):
    cfg = load_config(proj / "shipit.yaml")
    return make_plan(cfg.migrations, proj, **kw)


def test_good_range_irreversible_head_and_sql_per_dialect(fixture_project):
    plan = _plan(fixture_project("good"))
    assert [r.id for r in plan.revisions] == ["a1", "b2", "c3"]
    assert (plan.previous, plan.head, plan.reachable) == ("base", "c3", "c3")
    assert [(f.severity, f.code, f.revision, f.file, f.line) for f in plan.findings] == [
        ("warning", "irreversible", "c3", "migrations/versions/c3_lowercase_emails.py", 18)]
    assert set(plan.sql) == {"postgresql", "sqlite"}
    pg = plan.sql["postgresql"]["upgrade"]
    assert pg.startswith("BEGIN;") and "-- Running upgrade b2 -> c3" in pg and "SERIAL" in pg
    assert "UPDATE customers SET email = lower(email)" in plan.sql["sqlite"]["upgrade"]
    assert plan.sql["sqlite"]["downgrade"] is None  # the head is irreversible: no SQL way back
    doc = plan_document(plan, project_name="x", version="1.0.0")
    c3 = doc["revisions"][2]
    assert c3["irreversible"] and c3["irreversible_reason"] == "downgrade() raises"
    assert c3["downgrade"] == {"exists": True, "does_something": True, "raises": True}
    assert doc["revisions"][1]["rollback_data_loss"] == [
        "drops column orders.status and the values written to it since the upgrade"]
    assert doc["rollback"]["restore_from_backup_needed_below"] == "c3"


def test_from_revision_narrows_the_range_and_adds_postgresql_locking_notes(fixture_project):
    proj = fixture_project("good")
    assert not [f for f in _plan(proj).findings if f.code.startswith("pg_")]  # tables created in range: empty
    plan = _plan(proj, from_rev="a1")
    assert [r.id for r in plan.revisions] == ["b2", "c3"]
    notes = sorted((f.revision, f.code, f.table) for f in plan.findings if f.code.startswith("pg_"))
    assert notes == [("b2", "pg_bulk_update", "orders"), ("b2", "pg_lock", "orders"),
                     ("c3", "pg_bulk_update", "customers")]
    lock = next(f for f in plan.findings if f.code == "pg_lock")
    assert "CREATE INDEX ix_orders_status" in lock.message and "CONCURRENTLY" in lock.message


def test_previous_head_from_an_earlier_release_manifest(fixture_project):
    proj = fixture_project("good")
    manifest = {"version": "0.9.0", "artifacts": [
        {"kind": "migration-bundle", "path": "migrations/migrations-0.9.0.tar.gz",
         "extra": {"head_revision": "b2", "previous_revision": "base"}}]}
    plan = _plan(proj, previous_manifest=manifest)
    assert (plan.previous, plan.previous_source, [r.id for r in plan.revisions]) == ("b2", "release 0.9.0", ["c3"])
    # an explicit --from wins over the recorded head
    assert _plan(proj, previous_manifest=manifest, from_rev="a1").previous == "a1"
    with pytest.raises(ShipitError, match=r"--from: unknown revision 'nope'"):
        _plan(proj, from_rev="nope")


def test_destructive_operations_found_in_code_and_in_sql(fixture_project):
    plan = _plan(fixture_project("destructive"))
    got = sorted((f.code, f.table, f.column, f.line, tuple(f.found_by)) for f in plan.findings)
    both = ("code", "sql:postgresql")
    assert got == [
        ("delete_rows", "orders", "", None, ("sql:postgresql",)),  # raw op.execute: only the SQL shows it
        ("drop_column", "orders", "legacy_code", 10, both),
        ("drop_table", "tmp_import", "", 14, both),
        ("rename_column", "orders", "cust", 13, both),
        ("set_not_null", "orders", "note", 12, both),
        ("type_change", "orders", "total", 11, both),
    ]
    assert all(f.severity == "warning" and f.revision == "b2" for f in plan.findings)
    assert {f.file for f in plan.findings} == {"migrations/versions/b2_cleanup.py"}
    msg = {f.code: f.message for f in plan.findings}
    assert msg["type_change"] == ("changes the type of orders.total to Integer: values may be truncated or fail "
                                  "to convert")
    notes = sorted(f.message.split(" ")[0] for f in _plan(fixture_project("destructive", subdir="p2"),
                                                          from_rev="a1").findings if f.code == "pg_lock")
    assert notes == ["SET", "changing"]


def test_destructive_as_errors_fails_the_plan_naming_file_and_revision(fixture_project):
    proj = fixture_project("destructive", shipit_yaml=textwrap.dedent("""\
        schema_version: 1
        project: {name: d}
        migrations: {dialects: [postgresql], allow_destructive: false}
    """))
    proc = run_shipit("migrations", "plan", cwd=proj)
    assert proc.returncode == 1, proc.stderr
    err = " ".join(proc.stderr.split())
    assert "6 migration problem(s)" in err
    assert "migrations/versions/b2_cleanup.py:10, revision b2: drops column orders.legacy_code" in err
    assert "allow_destructive" in err and "Traceback" not in proc.stderr


@pytest.mark.parametrize("name, expected", [
    ("two_heads", "the migrations have 2 heads: b2 (migrations/versions/b2_left.py), "
                  "c3 (migrations/versions/c3_right.py)"),
    ("syntax_error", "migrations/versions/b2_broken.py:10: syntax error in revision b2: '(' was never closed"),
    ("broken_chain", "broken revision chain: revision c3 (migrations/versions/c3_orphan.py) has down_revision "
                     "'zz9', which does not exist"),
    ("missing_downgrade", "migrations/versions/b2_no_way_back.py, revision b2: revision b2 has no downgrade() "
                          "function"),
])
def test_broken_script_directories_give_clear_errors(fixture_project, name, expected):
    proj = fixture_project(name)
    proc = run_shipit("migrations", "plan", cwd=proj)
    assert proc.returncode != 0
    assert expected in " ".join(proc.stderr.split()), proc.stderr
    assert "Traceback" not in proc.stderr
    if name == "two_heads":
        assert "alembic merge" in proc.stderr


def test_irreversible_policy_can_fail(fixture_project):
    proj = fixture_project("good", shipit_yaml="schema_version: 1\nproject: {name: g}\n"
                                               "migrations: {dialects: [sqlite], allow_irreversible: false}\n")
    proc = run_shipit("migrations", "plan", "--json", cwd=proj)
    assert proc.returncode == 1
    assert "revision c3 is irreversible (downgrade() raises)" in " ".join(proc.stderr.split())


def _revision(tmp_path: Path, body: str) -> Revision:
    path = tmp_path / "r.py"
    path.write_text(textwrap.dedent(body))
    rev = Revision(id="r1", down=(), message="", file="r.py", path=path)
    analyse(rev)
    return rev


def test_irreversible_markers_empty_downgrade_and_batch_operations(tmp_path):
    rev = _revision(tmp_path, """\
        from alembic import op
        def upgrade():
            with op.batch_alter_table("orders") as batch:
                batch.drop_column("legacy")
        def downgrade():
            pass
    """)
    assert rev.irreversible and rev.irreversible_reason.startswith("downgrade() does nothing")
    assert [(o.name, o.table, o.column) for o in rev.upgrade_ops] == [("drop_column", "orders", "legacy")]
    assert _revision(tmp_path, "def upgrade():\n    pass\ndef downgrade():\n    pass\n").irreversible is False
    marked = _revision(tmp_path, "irreversible = True\ndef upgrade():\n    x()\ndef downgrade():\n    y()\n")
    assert marked.irreversible_reason == "marked irreversible"
    comment = _revision(tmp_path, "def upgrade():\n    x()\ndef downgrade():  # shipit: irreversible\n    y()\n")
    assert comment.irreversible_reason == "marked irreversible"


def test_sql_inspection_of_statements_only_visible_in_sql():
    sql = textwrap.dedent("""\
        -- Running upgrade a1 -> b2

        TRUNCATE TABLE "audit";

        ALTER TABLE orders ADD COLUMN code VARCHAR(3) NOT NULL;

        ALTER TABLE orders ADD CONSTRAINT fk_c FOREIGN KEY(c) REFERENCES customers (id);

        UPDATE alembic_version SET version_num='b2' WHERE alembic_version.version_num = 'a1';
    """)
    stmts = split_by_revision(sql)
    assert [s.revision for s in stmts] == ["b2", "b2", "b2"]  # the version-table update is not a finding
    found = sorted((f.code, f.table, f.column) for f in destructive_statements(stmts, "postgresql", {}, True))
    assert found == [("add_not_null", "orders", "code"), ("delete_rows", "audit", "")]
    notes = postgresql_lock_notes(stmts, {})
    assert len(notes) == 2
    assert notes[0].message.startswith("adding a NOT NULL column without a default to orders fails")
    assert notes[1].message.startswith("adding a FOREIGN KEY/CHECK constraint to orders validates every row")


def test_constraint_index_and_default_drops_are_not_column_drops():
    sql = textwrap.dedent("""\
        -- Running upgrade a1 -> b2

        ALTER TABLE flow DROP CONSTRAINT flow_folder_id_fkey;

        ALTER TABLE flow ALTER COLUMN name DROP DEFAULT;

        ALTER TABLE flow ALTER COLUMN name DROP NOT NULL;

        ALTER TABLE flow DROP INDEX ix_flow_name;

        ALTER TABLE flow DROP FOREIGN KEY fk_flow_user;

        ALTER TABLE flow DROP PRIMARY KEY;

        ALTER TABLE flow DROP COLUMN folder_id;

        ALTER TABLE flow DROP legacy;

        DROP TABLE _alembic_tmp_flow;
    """)
    found = [(f.code, f.table, f.column, f.message)
             for f in destructive_statements(split_by_revision(sql), "postgresql", {}, True)]
    assert found == [("drop_column", "flow", "folder_id", "drops column flow.folder_id: its data is lost"),
                     ("drop_column", "flow", "legacy", "drops column flow.legacy: its data is lost")]


def test_merge_sections_are_attributed_to_the_merge():
    sql = ("-- Running upgrade a1 -> b2\n\nCREATE INDEX ix ON t (c);\n\n"
           "-- Running upgrade b2, c3 -> m4\n\nDELETE FROM t;\n\n")
    assert [(s.revision, s.text) for s in split_by_revision(sql)] == [("b2", "CREATE INDEX ix ON t (c)"),
                                                                      ("m4", "DELETE FROM t")]


def test_helpers_constants_and_variables_in_revision_code(tmp_path):
    rev = _revision(tmp_path, """\
        from alembic import op
        TABLE = "orders"
        def _drop_legacy(table_name):
            with op.batch_alter_table(table_name) as batch:
                batch.drop_column("legacy")
        def upgrade():
            op.drop_column(TABLE, "note")
            for name in ("a", "b"):
                op.drop_table(name)
            _drop_legacy("customers")
            with op.batch_alter_table("x") as b:
                pass
            with op.batch_alter_table("y") as b:
                b.drop_column("z")
        def downgrade():
            pass
    """)
    from shipit.migrations.scripts import code_findings

    got = [(f.code, f.table, f.column, f.line, f.message) for f in code_findings(rev, True)]
    assert got == [
        ("drop_column", "orders", "note", 7, "drops column orders.note: its data is lost"),
        ("drop_table", "a table named by a variable", "", 9, "drops a table named by a variable: every row in it is "
                                                             "lost"),
        ("drop_column", "y", "z", 14, "drops column y.z: its data is lost"),
        ("drop_column", "a table named by a variable", "legacy", 5,
         "drops column legacy of a table named by a variable: its data is lost (in _drop_legacy())"),
    ]
