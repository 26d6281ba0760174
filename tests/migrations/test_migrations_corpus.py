"""Real Alembic histories (tests/migrations/corpus, sources in each SOURCE.yaml), on SQLite: langflow's data
migrations that have no offline SQL form, DeRisk's merge, and DeRisk's env.py that builds its own URL.

What plain Alembic does with the same revisions is recorded in each history's ALEMBIC.yaml; the tests
compare with it where it applies.
"""

from __future__ import annotations

import json
import re
import socket
import stat
import tarfile
import threading
from pathlib import Path

import pytest

from shipit.config import load_config
from shipit.migrations.build import make_plan
from tests.conftest import free_port, require_tool, run_shipit, shipit_env
from tests.migrations.support import DERISK_MERGE_SUBSET, alembic_facts, corpus_project

LANGFLOW_CLEAN_FROM = "1b8b740a6fa3"  # the range that plain Alembic and a schema comparison pass on both databases


def _json(proc) -> dict:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _err(proc) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    return " ".join(proc.stderr.split())


# --- langflow: data migrations with no offline SQL form ---------------------------------------------------------


def test_langflow_plan_lists_every_revision_offline_or_not_as_plain_alembic_measured(tmp_path):
    proj = corpus_project("langflow", tmp_path / "lf", "sqlite, postgresql")
    proc = run_shipit("migrations", "plan", "--json", cwd=proj)
    doc = _json(proc)
    facts = {r["revision"]: r for r in alembic_facts("langflow")["revisions"]}
    assert [r["id"] for r in doc["revisions"]] == list(facts)  # the whole history, in Alembic's order
    undo = set(doc["rollback"]["undoes"])
    for rev in doc["revisions"]:
        fact, off = facts[rev["id"]], rev["offline"]
        assert off["upgrade"] is all(fact[f"offline_{d}_upgrade"] == "ok" for d in ("sqlite", "postgresql")), rev["id"]
        if rev["id"] in undo:
            assert off["downgrade"] is all(fact[f"offline_{d}_downgrade"] == "ok" for d in ("sqlite", "postgresql"))
        else:
            assert off["downgrade"] is None  # below the irreversible eb5866d51fd2: not part of the way back
        for reason in off["reasons"]:  # the line plain Alembic's traceback pointed at
            measured = fact[f"offline_{reason['dialect']}_{reason['direction']}"]
            line = re.search(r"\(line (\d+)\)", measured)
            if line:
                assert f"{fact['file']}:{line.group(1)})" in reason["reason"], (reason, measured)
    first = doc["revisions"][0]
    assert first["id"] == "260dbcc8b680" and first["offline"]["upgrade"] is False
    assert first["offline"]["reasons"][0]["reason"].startswith("it reads the database while it runs")
    assert sum(1 for r in doc["revisions"] if r["offline"]["upgrade"] is False) == 43
    assert doc["sql"]["sqlite"]["upgrade_complete"] is False
    assert "warning: 43 revision(s) have no offline SQL form (260dbcc8b680" in _err(proc)
    lacking = [f for f in doc["findings"] if f["code"] == "no_offline_sql"]
    assert len(lacking) == 43 and {f["severity"] for f in lacking} == {"warning"}


def test_langflow_require_offline_sql_makes_it_an_error(tmp_path):
    proj = corpus_project("langflow", tmp_path / "lf", "postgresql", extra="  require_offline_sql: true\n")
    proc = run_shipit("migrations", "plan", "--from", LANGFLOW_CLEAN_FROM, cwd=proj)
    err = _err(proc)
    assert proc.returncode == 1
    assert "3 migration problem(s)" in err
    assert "revision e56d87f8994a has no offline SQL form for its upgrade (postgresql)" in err
    assert "migrations.require_offline_sql: false" in err


def test_langflow_verify_on_sqlite_passes_where_the_schema_comes_back(tmp_path):
    proj = corpus_project("langflow", tmp_path / "lf", "sqlite")
    doc = _json(run_shipit("migrations", "verify", "--json", "--from", LANGFLOW_CLEAN_FROM, cwd=proj))
    assert (doc["database"], doc["round_trip"], doc["reachable_revision"]) == ("sqlite", "passed", LANGFLOW_CLEAN_FROM)
    assert set(doc["timings"]) == {"e56d87f8994a", "66f72f04a1de", "d9a6ea21edcd"}  # all three online-only
    assert doc["offline_sql"]["sqlite"]["status"] == "not run"
    assert "upgrade.sql cannot contain revisions e56d87f8994a, 66f72f04a1de, d9a6ea21edcd" in \
        doc["offline_sql"]["sqlite"]["detail"]


def test_langflow_verify_on_sqlite_from_base_fails_naming_the_revision(tmp_path):
    """Plain Alembic's up/down/up passes on SQLite, but 006b3990db50's downgrade drops unique constraints its
    upgrade did not create (ALEMBIC.yaml, schema_comparison): the first trace, named."""
    proj = corpus_project("langflow", tmp_path / "lf", "sqlite")
    proc = run_shipit("migrations", "verify", cwd=proj)
    err = _err(proc)
    assert proc.returncode == 1
    assert ("versions/006b3990db50_add_unique_constraints.py:46, revision 006b3990db50: downgrade() of revision "
            "006b3990db50 leaves a trace: the schema differs from revision 1ef9c4f3765d's: unique apikey.(id) is "
            "missing") in err
    assert "1 migration problem(s)" in err


def test_langflow_bundle_says_what_the_sql_files_lack(tmp_path):
    proj = corpus_project("langflow", tmp_path / "lf", "postgresql")
    proc = run_shipit("migrations", "bundle", "--version", "1.0.0", "--from", LANGFLOW_CLEAN_FROM, "--no-verify",
                      "--output", "out", cwd=proj)
    assert proc.returncode == 0, proc.stderr
    out = proj / "out"
    up = (out / "postgresql/upgrade.sql").read_text()
    assert up.splitlines()[1] == ("-- INCOMPLETE: this file cannot contain the upgrade of revisions e56d87f8994a, "
                                  "66f72f04a1de, d9a6ea21edcd: no offline SQL form (see the NOT INCLUDED comments "
                                  "below).")
    assert "-- NOT INCLUDED: the upgrade of revision e56d87f8994a has no offline SQL form:" in up
    down = (out / "postgresql/downgrade.sql").read_text()
    assert "way back B, this file, does not exist for this range" in down
    rollback = (out / "ROLLBACK.md").read_text()
    assert "**way back B, the SQL file, does not exist for this range: use way A.**" in rollback
    assert "alembic -c alembic.ini upgrade head" in rollback and "**no offline SQL** for its upgrade" in rollback
    assert "this is not proven: the round trip did not run" in rollback
    assert "built with --no-verify" in rollback and "proves it" not in rollback
    plan = json.loads((out / "plan.json").read_text())
    assert plan["rollback"]["sql_way_back"] == {"postgresql": False}
    # e56d87f8994a's downgrade has an offline form on PostgreSQL (on SQLite its batch mode needs a database)
    assert plan["sql"]["postgresql"]["cannot_contain"]["downgrade"] == ["d9a6ea21edcd", "66f72f04a1de"]


def test_langflow_findings_hold(tmp_path):
    """Batch handles belong to their own `with`, helper functions are followed, copy-and-swap is a rebuild,
    Alembic's own batch temp tables are no data, and constraint drops are not column drops."""
    proj = corpus_project("langflow", tmp_path / "lf", "postgresql")
    cfg = load_config(proj / "shipit.yaml")
    plan = make_plan(cfg.migrations, proj)
    found = {(f.revision, f.code, f.table, f.column): f for f in plan.findings}
    by_rev = {r.id: r for r in plan.revisions}
    assert ("012fb73ac359", "drop_column", "flow", "folder") in found  # was "folder.folder"
    assert found[("012fb73ac359", "drop_column", "flow", "folder")].line == 57
    from shipit.migrations.scripts import downgrade_data_loss

    assert downgrade_data_loss(by_rev["012fb73ac359"])[0] == ("drops column flow.folder_id and the values written "
                                                             "to it since the upgrade")
    assert [(f.table, f.column, f.line) for f in plan.sorted_findings()
            if f.revision == "79e675cb6752" and f.code == "type_change"] == [
        ("apikey", "created_at", 34), ("variable", "created_at", 51), ("variable", "updated_at", 63)]
    helper = found[("58b28437a398", "set_not_null", "a table named by a variable", "a column named by a variable")]
    assert helper.message.endswith("(in modify_nullable())") and helper.line == 58
    assert sorted(f.message for f in plan.findings if f.revision == "1b8b740a6fa3" and f.code != "no_offline_sql") == [
        f"rebuilds table {t} (copied into temp_{t}, dropped, the copy renamed back): rows or columns the copy "
        "leaves out are lost" for t in ("message", "transaction", "vertex_build")]
    assert not [f for f in plan.findings if "_alembic_tmp_" in f.message or "CONSTRAINT" in f.message]
    lines = [(f.revision, f.code, f.table, f.column) for f in plan.findings]
    assert len(lines) == len(set(lines))  # one line per finding


# --- DeRisk: a merge ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("previous", ["2a2e310c0e6c", "26bebf9e427d", "f2c41f4ff53f"])
def test_derisk_range_is_what_alembic_sql_runs(tmp_path, previous):
    proj = corpus_project("derisk_web_app", tmp_path / "dr", "postgresql")
    expected = alembic_facts("derisk_web_app")["merge"]["upgrade_from_previous_head"][previous]
    plan = make_plan(load_config(proj / "shipit.yaml").migrations, proj, from_rev=previous)
    assert [r.id for r in plan.revisions] == expected
    runs = re.findall(r"^-- Running upgrade .* -> (\S+)$", plan.sql["postgresql"]["upgrade"], re.MULTILINE)
    assert runs == expected  # the SQL file runs exactly the plan's revisions
    by_rev = {f.revision for f in plan.findings}
    assert by_rev <= set(expected)  # no finding about a revision the plan does not list


def test_derisk_merge_subset_verify_passes_and_goes_back_to_one_parent(tmp_path):
    require_tool("sqlite3")
    proj = corpus_project("derisk_web_app", tmp_path / "dr", "sqlite", keep=DERISK_MERGE_SUBSET)
    for previous, other in (("2a2e310c0e6c", "26bebf9e427d"), ("26bebf9e427d", "2a2e310c0e6c")):
        plan = _json(run_shipit("migrations", "plan", "--json", "--from", previous, cwd=proj))
        assert [r["id"] for r in plan["revisions"]] == [other, "841f539c35e9"]
        assert plan["rollback"]["alembic_downgrade"] == [previous, f"{other}@-1"]
        assert plan["rollback"]["version_rows_after"] == [previous]
        doc = _json(run_shipit("migrations", "verify", "--json", "--from", previous, cwd=proj))
        assert (doc["round_trip"], doc["reachable_revision"]) == ("passed", previous), doc["findings"]
        assert doc["offline_sql"]["sqlite"]["status"] == "passed"
    # 26bebf9e427d's downgrade reads the table (op.get_bind().execute(...).fetchall()): no offline form.
    plan = _json(run_shipit("migrations", "plan", "--json", "--from", "2a2e310c0e6c", cwd=proj))
    d26 = next(r for r in plan["revisions"] if r["id"] == "26bebf9e427d")
    assert (d26["offline"]["upgrade"], d26["offline"]["downgrade"]) == (True, False)
    assert "versions/26bebf9e427d_alter_unique_notification_email.py:44" in d26["offline"]["reasons"][0]["reason"]


def test_derisk_rollback_md_claims_no_proof_it_did_not_make(tmp_path):
    proj = corpus_project("derisk_web_app", tmp_path / "dr", "sqlite", keep=DERISK_MERGE_SUBSET)
    run_shipit("migrations", "bundle", "--version", "1.0.0", "--from", "26bebf9e427d", "--no-verify", "--output",
               "out", cwd=proj, check=True)
    rollback = (proj / "out/ROLLBACK.md").read_text()
    assert "proves it" not in rollback and "this is not proven: the round trip did not run" in rollback
    assert "alembic -c alembic.ini downgrade 26bebf9e427d\nalembic -c alembic.ini downgrade 2a2e310c0e6c@-1" in rollback
    run_shipit("migrations", "bundle", "--version", "1.0.1", "--from", "26bebf9e427d", "--output", "out2", cwd=proj,
               check=True)
    rollback = (proj / "out2/ROLLBACK.md").read_text()
    assert "the round trip in section 7 proves it" in rollback
    assert "Round trip on a scratch sqlite database with the seed data: **passed**" in rollback


# --- the bundle writes only its own files --------------------------------------------------------------------------


def test_bundle_into_a_directory_with_other_files_keeps_them_and_its_mode(fixture_project):
    proj = fixture_project("good")
    out = proj / "shared-out"
    (out / "sub").mkdir(parents=True)
    (out / "UNRELATED.txt").write_text("keep\n")
    (out / "sub/other.txt").write_text("keep\n")
    (out / "sqlite").mkdir()
    (out / "sqlite/notes.txt").write_text("keep\n")
    out.chmod(0o755)
    run_shipit("migrations", "bundle", "--version", "1.0.0", "--no-verify", "--output", str(out), cwd=proj, check=True)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    assert (out / "UNRELATED.txt").read_text() == "keep\n" and (out / "sub/other.txt").read_text() == "keep\n"
    assert (out / "sqlite/notes.txt").read_text() == "keep\n"
    assert sorted(p.name for p in out.iterdir()) == ["ROLLBACK.md", "UNRELATED.txt", "migrations-1.0.0.tar.gz",
                                                    "plan.json", "postgresql", "sqlite", "sub"]
    before = (out / "plan.json").stat().st_mtime_ns
    proc = run_shipit("migrations", "bundle", "--version", "1.0.0", "--no-verify", "--output", str(out), cwd=proj)
    assert proc.returncode == 2
    assert "already holds this bundle's files: plan.json, ROLLBACK.md, migrations-1.0.0.tar.gz" in _err(proc)
    assert "--force" in proc.stderr and (out / "plan.json").stat().st_mtime_ns == before
    run_shipit("migrations", "bundle", "--version", "1.0.0", "--no-verify", "--force", "--output", str(out), cwd=proj,
               check=True)
    assert (out / "UNRELATED.txt").exists() and (out / "sqlite/notes.txt").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".shipit-bundle-")]
    with tarfile.open(out / "migrations-1.0.0.tar.gz") as tar:
        assert "migrations-1.0.0/plan.json" in tar.getnames()


def test_a_failed_bundle_leaves_the_directory_as_it_was(fixture_project):
    proj = fixture_project("leaves_trace")
    out = proj / "o"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    proc = run_shipit("migrations", "bundle", "--version", "1.0.0", "--output", str(out), cwd=proj)
    assert proc.returncode == 1
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    proc = run_shipit("migrations", "bundle", "--version", "1.0.0", "--output", str(proj / "fresh"), cwd=proj)
    assert proc.returncode == 1 and not (proj / "fresh").exists()


# --- env.py that builds its own URL ----------------------------------------------------------------------------


class _Listener:
    """A TCP port that counts connections: proof that nothing was even attempted."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


def test_env_py_that_sets_its_own_url_still_migrates_the_scratch_database(tmp_path):
    """env.py replaces sqlalchemy.url with one built from DB_HOST/DB_PORT/DB_NAME: shipit keeps the URL it set
    (pinned), says so, and nothing ever connects to the database the variables name."""
    proj = corpus_project("derisk_env_db_host", tmp_path / "hz", "postgresql")
    listener = _Listener()
    try:
        env = shipit_env(DB_USER="app", DB_PASSWORD="s3cret", DB_HOST="127.0.0.1", DB_PORT=str(listener.port),
                         DB_NAME="production")
        proc = run_shipit("migrations", "verify", cwd=proj, env=env)
    finally:
        listener.close()
    err = _err(proc)
    assert proc.returncode == 0, err
    assert (f"env.py sets sqlalchemy.url itself (to postgresql+psycopg://app:***@127.0.0.1:{listener.port}/"
            "production): shipit kept the URL of the database it works on") in err
    assert "round trip on sqlite: passed" in proc.stdout
    assert "s3cret" not in proc.stderr + proc.stdout
    assert listener.accepted == 0


def test_env_py_that_sets_its_own_url_gets_the_offline_sql_it_was_asked_for(tmp_path):
    """With sqlite among the dialects, the offline SQL asked for SQLite is SQLite's, not PostgreSQL's."""
    proj = corpus_project("derisk_env_db_host", tmp_path / "hz", "postgresql, sqlite")
    proc = run_shipit("migrations", "plan", "--json", cwd=proj)
    assert proc.returncode == 0, _err(proc)
    assert "shipit kept the URL of the database it works on" in _err(proc)


# --- clear errors --------------------------------------------------------------------------------------------------

MISSING_IMPORT = '''\
"""uses a project module"""
import sqlalchemy as sa
from alembic import op
from acme_models.types import Money

revision = "d4"
down_revision = "c3"


def upgrade():
    op.add_column("orders", sa.Column("price", Money()))


def downgrade():
    op.drop_column("orders", "price")
'''


def test_a_missing_module_names_the_revision_file_and_python_path_fixes_it(fixture_project):
    proj = fixture_project("good")
    (proj / "migrations/versions/d4_price.py").write_text(MISSING_IMPORT)
    proc = run_shipit("migrations", "plan", cwd=proj)
    err = _err(proc)
    assert proc.returncode == 1
    assert ("revision d4 (migrations/versions/d4_price.py:4) imports acme_models, which is not installed here "
            "(No module named 'acme_models')") in err
    assert "install the project's runtime dependencies" in err and "migrations.python_path" in err
    (proj / "src/acme_models").mkdir(parents=True)
    (proj / "src/acme_models/__init__.py").write_text("")
    (proj / "src/acme_models/types.py").write_text("import sqlalchemy as sa\n\n\ndef Money():\n"
                                                   "    return sa.Numeric(12, 2)\n")
    (proj / "shipit.yaml").write_text("schema_version: 1\nproject: {name: g}\n"
                                      "migrations: {dialects: [sqlite], python_path: [src]}\n")
    doc = _json(run_shipit("migrations", "plan", "--json", cwd=proj))
    assert doc["head_revision"] == "d4"


def test_a_server_that_does_not_answer_says_what_was_tried(fixture_project):
    proj = fixture_project("good")
    port = free_port()
    proc = run_shipit("migrations", "verify", "--database-url", f"postgresql+psycopg://u:pw@127.0.0.1:{port}/postgres",
                      cwd=proj)
    err = _err(proc)
    assert proc.returncode == 1
    assert f"creating a scratch database on postgresql+psycopg://u:***@127.0.0.1:{port}/postgres failed (tried " \
           f"127.0.0.1:{port})" in err
    assert f"nothing answered on 127.0.0.1:{port}: is the server running and listening there?" in err
    assert "CREATE DATABASE" not in err.split("hint:")[-1]


# --- the runner is a program too ------------------------------------------------------------------------------------


def test_the_runner_answers_json_in_another_interpreter(fixture_project):
    """The layer that imports the project's code runs as `python -m runner` with plain JSON in and out, with
    nothing of shipit but its own folder on the path (the way the project's own interpreter will run it)."""
    import subprocess
    import sys

    from shipit.migrations.scripts import load_project

    proj = fixture_project("good")
    spec = load_project(load_config(proj / "shipit.yaml").migrations, proj).spec()
    folder = Path(__file__).resolve().parents[2] / "src/shipit/migrations"
    request = {"op": "graph", "args": {"project": spec, "previous": "a1"}}
    proc = subprocess.run([sys.executable, "-m", "runner"], input=json.dumps(request), capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(folder)}, cwd=proj, timeout=120)
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer["ok"] and answer["result"]["range"] == ["b2", "c3"] and answer["result"]["head"] == "c3"
    bad = subprocess.run([sys.executable, "-m", "runner"], input=json.dumps({**request, "args": {
        "project": spec, "previous": "zz"}}), capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(folder)}, cwd=proj, timeout=120)
    error = json.loads(bad.stdout)["error"]
    assert (error["kind"], error["message"].split(":")[0]) == ("revision", "--from")


def test_an_env_py_that_cannot_import_is_named_not_blamed_on_the_revisions(fixture_project):
    proj = fixture_project("good")
    env_py = proj / "migrations/env.py"
    env_py.write_text("import acme_settings  # the project's settings module\n" + env_py.read_text())
    proc = run_shipit("migrations", "plan", cwd=proj)
    err = _err(proc)
    assert proc.returncode == 1
    assert "migrations/env.py:1 imports acme_settings, which is not installed here" in err
    assert "no offline SQL" not in err
