"""The proof on a real PostgreSQL 15 started by the test session: live round trip in scratch databases,
the offline SQL through ``psql -v ON_ERROR_STOP=1``, and a trace the downgrade leaves."""

from __future__ import annotations

import json
import subprocess

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import run_shipit, shipit_env
from tests.migrations.support import DERISK_MERGE_SUBSET, corpus_project, demo_copy

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("migrations-postgres")]


def _scratch_databases(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'shipit_%'"))]
    finally:
        engine.dispose()


def test_round_trip_and_psql_on_postgresql(fixture_project, postgres_url):
    proj = fixture_project("good")
    proc = run_shipit("migrations", "verify", "--json", "--from", "a1", "--database-url", postgres_url, cwd=proj)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert (doc["database"], doc["round_trip"], doc["reachable_revision"]) == ("postgresql", "passed", "c3")
    pg = doc["offline_sql"]["postgresql"]
    assert pg["status"] == "passed" and pg["client"] == "psql"
    assert "equals the live run's (upgrade)" in pg["detail"]
    assert doc["offline_sql"]["sqlite"]["status"] == "passed"  # sqlite3 still runs its own file
    assert {f["code"] for f in doc["findings"]} >= {"irreversible", "pg_lock", "pg_bulk_update"}
    assert _scratch_databases(postgres_url) == []  # every scratch database was dropped


def test_release_sql_files_apply_with_psql(fixture_project, postgres_url, tmp_path):
    """Independent check: the shipped postgresql/*.sql run by hand with psql, ON_ERROR_STOP."""
    proj = fixture_project("destructive")
    run_shipit("release", "--version", "1.0.0", "--database-url", postgres_url, cwd=proj, check=True)
    rel = proj / "release/1.0.0/migrations"
    plan = json.loads((rel / "plan.json").read_text())
    assert plan["verification"]["round_trip"] == "passed"
    assert plan["verification"]["offline_sql"]["postgresql"]["status"] == "passed"
    assert len(plan["revisions"][1]["destructive"]) == 6
    rollback = (rel / "ROLLBACK.md").read_text()
    assert "**destructive upgrade:** drops column orders.legacy_code: its data is lost (line 10)" in rollback
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("CREATE DATABASE by_hand"))
    try:
        conninfo = postgres_url.replace("+psycopg", "").rsplit("/", 1)[0] + "/by_hand"
        for name in ("upgrade", "downgrade"):
            subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-f", str(rel / f"postgresql/{name}.sql")],
                           check=True, capture_output=True)
        out = subprocess.run(["psql", "-X", "-At", "-d", conninfo, "-c", "SELECT count(*) FROM alembic_version"],
                             check=True, capture_output=True, text=True).stdout.strip()
        assert out == "0"  # downgraded all the way to base
    finally:
        with engine.connect() as conn:
            conn.execute(text("DROP DATABASE by_hand WITH (FORCE)"))
        engine.dispose()


def test_trace_is_found_on_postgresql_too(fixture_project, postgres_url):
    proj = fixture_project("leaves_trace")
    proc = run_shipit("migrations", "verify", "--database-url", postgres_url, cwd=proj)
    assert proc.returncode == 1
    assert "revision b2: downgrade() of revision b2 leaves a trace" in " ".join(proc.stderr.split())
    assert "table audit_log is left behind" in " ".join(proc.stderr.split())
    assert _scratch_databases(postgres_url) == []


def test_demo_migrations_on_postgresql(tmp_path, postgres_url):
    proj = demo_copy(tmp_path / "demo")
    proc = run_shipit("migrations", "verify", "--json", "--database-url", postgres_url, cwd=proj)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert (doc["database"], doc["round_trip"]) == ("postgresql", "passed")
    assert doc["offline_sql"]["postgresql"]["status"] == "passed"
    assert set(doc["timings"]) == {"a1c3e5f70001", "b2d4f6a80002", "c3e5a7b90003"}
    assert _scratch_databases(postgres_url) == []


# --- real histories (tests/migrations/corpus) on PostgreSQL -----------------------------------------------------


def _create_database(url: str, name: str) -> str:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
    finally:
        engine.dispose()
    return url.rsplit("/", 1)[0] + f"/{name}"


def _tables(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))]
    finally:
        engine.dispose()


@pytest.mark.slow
def test_langflow_on_postgresql_passes_the_clean_range_and_names_the_failing_downgrade(tmp_path, postgres_url):
    proj = corpus_project("langflow", tmp_path / "lf", "postgresql")
    proc = run_shipit("migrations", "verify", "--json", "--from", "1b8b740a6fa3", "--database-url", postgres_url,
                      cwd=proj)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert (doc["database"], doc["round_trip"]) == ("postgresql", "passed")
    assert doc["offline_sql"]["postgresql"]["status"] == "not run"  # upgrade.sql lacks all three revisions
    # From base: plain Alembic's own per-revision round trip fails first at b2fa308044b5's downgrade (ALEMBIC.yaml).
    proc = run_shipit("migrations", "verify", "--database-url", postgres_url, cwd=proj)
    err = " ".join(proc.stderr.split())
    assert proc.returncode == 1
    assert ("revision b2fa308044b5: downgrade of revision b2fa308044b5 (versions/b2fa308044b5_add_unique_constraints.py)"
            " failed on postgresql") in err
    assert _scratch_databases(postgres_url) == []


@pytest.mark.slow
def test_derisk_merge_on_postgresql(tmp_path, postgres_url):
    proj = corpus_project("derisk_web_app", tmp_path / "dr", "postgresql", keep=DERISK_MERGE_SUBSET)
    proc = run_shipit("migrations", "verify", "--json", "--from", "2a2e310c0e6c", "--database-url", postgres_url,
                      cwd=proj)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert (doc["round_trip"], doc["reachable_revision"]) == ("passed", "2a2e310c0e6c")
    assert set(doc["timings"]) == {"26bebf9e427d", "841f539c35e9"}
    pg = doc["offline_sql"]["postgresql"]
    assert pg["status"] == "passed" and "downgrade.sql not run: it cannot contain revision 26bebf9e427d" in pg["detail"]
    assert _scratch_databases(postgres_url) == []


def test_env_py_building_its_own_url_never_reaches_that_database(tmp_path, postgres_url):
    """DeRisk's env.py replaces sqlalchemy.url with a URL from DB_HOST/DB_PORT/DB_NAME: pointed at a real
    database, shipit keeps its own URL (pinned), the round trip runs on the scratch database, and that
    database stays empty."""
    prod = _create_database(postgres_url, "hazard_production")
    try:
        proj = corpus_project("derisk_env_db_host", tmp_path / "hz", "postgresql")
        port = postgres_url.rsplit(":", 1)[1].split("/")[0]
        env = shipit_env(DB_USER="postgres", DB_PASSWORD="", DB_HOST="127.0.0.1", DB_PORT=port,
                         DB_NAME="hazard_production")
        proc = run_shipit("migrations", "verify", "--database-url", postgres_url, cwd=proj, env=env)
        err = " ".join(proc.stderr.split())
        assert proc.returncode == 0, err
        assert f"env.py sets sqlalchemy.url itself (to postgresql+psycopg://postgres:***@127.0.0.1:{port}/" \
               "hazard_production): shipit kept the URL of the database it works on" in err
        assert "round trip on postgresql: passed" in proc.stdout
        assert _tables(prod) == []
        assert _scratch_databases(postgres_url) == []
    finally:
        engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("DROP DATABASE hazard_production WITH (FORCE)"))
        engine.dispose()
