"""Which Python runs the project's migrations, and what shipit says when it cannot: migrations.python,
$SHIPIT_PROJECT_PYTHON, the active virtualenv, .venv in the project, then shipit's own; a missing one or
one without Alembic is named, never a traceback. Fast: no project virtualenv is built here (a venv made
with --without-pip on the test's own Python, with or without access to its packages)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from shipit.core.errors import ConfigError
from shipit.migrations.interpreter import discover, probe
from tests.conftest import run_shipit, shipit_env


def _venv(path: Path, system_site_packages: bool) -> Path:
    args = [sys.executable, "-m", "venv", "--without-pip", str(path)]
    if system_site_packages:
        args.insert(4, "--system-site-packages")
    subprocess.run(args, check=True, capture_output=True)
    return path / "bin" / "python"


def test_the_order_of_discovery(tmp_path: Path):
    proj = tmp_path / "proj"
    proj.mkdir()
    assert discover(proj, None, environ={}).own
    dot = _venv(proj / ".venv", False)
    assert discover(proj, None, environ={}).path == dot
    active = _venv(tmp_path / "active", False)
    got = discover(proj, None, environ={"VIRTUAL_ENV": str(tmp_path / "active")})
    assert got.path == active and "VIRTUAL_ENV" in got.source
    other = _venv(tmp_path / "other", False)
    got = discover(proj, None, environ={"VIRTUAL_ENV": str(tmp_path / "active"), "SHIPIT_PROJECT_PYTHON": str(other)})
    assert got.path == other and got.source == "$SHIPIT_PROJECT_PYTHON"
    got = discover(proj, "../active", environ={"SHIPIT_PROJECT_PYTHON": str(other)})  # a venv folder is fine
    assert got.path == tmp_path / "proj" / ".." / "active" / "bin" / "python"
    assert got.source == "migrations.python in shipit.yaml"
    with pytest.raises(ConfigError, match=r"migrations.python: .*/nowhere/bin/python does not exist"):
        discover(proj, "nowhere/bin/python", environ={})


def test_probe_says_what_imports(tmp_path: Path):
    bare = _venv(tmp_path / "bare", False)
    info = probe(discover(tmp_path, str(bare), environ={}))
    assert info["alembic"] is None and "No module named 'alembic'" in info["alembic.error"]
    full = _venv(tmp_path / "full", True)
    info = probe(discover(tmp_path, str(full), environ={}))
    assert info["alembic"] and info["sqlalchemy"]


PROJECT = {
    "shipit.yaml": "schema_version: 1\nproject: {name: p}\nmigrations:\n  alembic_ini: alembic.ini\n"
                   "  dialects: [sqlite]\n",
    "alembic.ini": "[alembic]\nscript_location = migrations\n",
    "migrations/env.py": textwrap.dedent("""\
        from alembic import context
        config = context.config
        if context.is_offline_mode():
            context.configure(url=config.get_main_option("sqlalchemy.url"))
            with context.begin_transaction():
                context.run_migrations()
        else:
            context.configure(connection=config.attributes["connection"])
            with context.begin_transaction():
                context.run_migrations()
        """),
    "migrations/versions/a1_first.py": textwrap.dedent('''\
        """first"""
        import sqlalchemy as sa
        from alembic import op
        revision = "a1"
        down_revision = None
        def upgrade():
            op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))
        def downgrade():
            op.drop_table("t")
        '''),
}


def _project(tmp_path: Path) -> Path:
    proj = tmp_path / "p"
    for rel, text in PROJECT.items():
        (proj / rel).parent.mkdir(parents=True, exist_ok=True)
        (proj / rel).write_text(text)
    return proj


def test_a_python_without_alembic_is_named_by_check_and_plan(tmp_path: Path):
    proj = _project(tmp_path)
    bare = _venv(tmp_path / "bare", False)
    env = shipit_env(SHIPIT_PROJECT_PYTHON=str(bare))
    proc = run_shipit("check", cwd=proj, env=env)
    flat = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode == 1 and "Traceback" not in flat
    assert f"{bare} ($SHIPIT_PROJECT_PYTHON)" in flat.replace("│ ", "").replace(" │", "") or str(bare) in flat
    assert "alembic does not import" in flat
    proc = run_shipit("migrations", "plan", cwd=proj, env=env)
    err = " ".join(proc.stderr.split())
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr
    assert f"the project's Python ({bare}" in err and re.search(r"No module named '(alembic|sqlalchemy)'", err)
    assert "install the project's dependencies (Alembic, SQLAlchemy) in that environment" in err


def test_a_missing_configured_python_is_a_config_error(tmp_path: Path):
    proj = _project(tmp_path)
    (proj / "shipit.yaml").write_text(PROJECT["shipit.yaml"] + "  python: .venv-missing/bin/python\n")
    proc = run_shipit("migrations", "plan", cwd=proj)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "migrations.python:" in proc.stderr and ".venv-missing/bin/python does not exist" in proc.stderr


def test_plan_and_verify_run_in_the_project_python(tmp_path: Path):
    """The child is the configured interpreter (a venv seeing this Python's packages), not shipit's process."""
    proj = _project(tmp_path)
    full = _venv(tmp_path / "full", True)
    marker = tmp_path / "ran-in"
    (proj / "migrations" / "env.py").write_text(
        f"import sys\nopen({str(marker)!r}, 'a').write(sys.prefix + '\\n')\n" + PROJECT["migrations/env.py"])
    env = shipit_env(SHIPIT_PROJECT_PYTHON=str(full))
    proc = run_shipit("migrations", "verify", cwd=proj, env=env)
    assert proc.returncode == 0, proc.stderr
    prefixes = set(marker.read_text().split())
    assert prefixes == {str(tmp_path / "full")}
