"""Migrations: shipit's plan (offline SQL + code and SQL inspection) against `alembic upgrade head --sql`, and
shipit's verified round trip against a bare `alembic upgrade head; downgrade base; upgrade head` on SQLite.

    python bench/bench_migrations.py [--revisions 20] [--runs 3]

Every command is a fresh process (interpreter start included on both sides).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import load_note, median_of, profile_summary, table  # noqa: E402

SRC = Path(__file__).resolve().parents[1] / "src"
ENV_PY = '''\
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
'''
REVISION = '''\
"""table t{i}"""
import sqlalchemy as sa
from alembic import op

revision = "r{i:04d}"
down_revision = {down}


def upgrade() -> None:
    op.create_table("t{i}", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50)))
    op.create_index("ix_t{i}_name", "t{i}", ["name"])
    op.add_column("t{i}", sa.Column("note", sa.Text, server_default=""))


def downgrade() -> None:
    op.drop_column("t{i}", "note")
    op.drop_index("ix_t{i}_name", table_name="t{i}")
    op.drop_table("t{i}")
'''


def make_project(root: Path, revisions: int, dialects: str) -> None:
    (root / "migrations/versions").mkdir(parents=True)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = migrations\nsqlalchemy.url = sqlite:///bench.db\n")
    (root / "migrations/env.py").write_text(ENV_PY)
    for i in range(revisions):
        down = "None" if i == 0 else f'"r{i - 1:04d}"'
        (root / f"migrations/versions/r{i:04d}.py").write_text(REVISION.format(i=i, down=down))
    (root / "shipit.yaml").write_text(f"schema_version: 1\nproject: {{name: bench}}\n"
                                      f"migrations: {{alembic_ini: alembic.ini, dialects: [{dialects}]}}\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--revisions", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(SRC), "SOURCE_DATE_EPOCH": "1700000000"}
    alembic = [sys.executable, "-m", "alembic", "-c", "alembic.ini"]
    shipit = [sys.executable, "-m", "shipit", "migrations"]
    with tempfile.TemporaryDirectory(prefix="shipit-bench-") as tmp:
        one, two = Path(tmp) / "sqlite", Path(tmp) / "both"
        make_project(one, args.revisions, "sqlite")
        make_project(two, args.revisions, "postgresql, sqlite")
        rows = [
            ("alembic upgrade head --sql (1 dialect)", *median_of([*alembic, "upgrade", "head", "--sql"], args.runs,
                                                                  cwd=one)),
            ("shipit migrations plan (1 dialect)", *median_of([*shipit, "plan", "--json"], args.runs, cwd=one,
                                                              env=env)),
            ("shipit migrations plan (2 dialects)", *median_of([*shipit, "plan", "--json"], args.runs, cwd=two,
                                                               env=env)),
        ]
        print(table(f"offline SQL + plan: {args.revisions} revisions, median of {args.runs} runs; {load_note()}",
                    rows, "alembic upgrade head --sql (1 dialect)"))
        if rows[1][1] > rows[0][1]:
            print(profile_summary(["-m", "shipit", "migrations", "plan", "--json"], cwd=one, env=env))
        print()
        bare = ["sh", "-c", f"rm -f bench.db && {' '.join(alembic)} upgrade head && {' '.join(alembic)} downgrade base"
                            f" && {' '.join(alembic)} upgrade head"]
        rows = [
            ("alembic up, down, up (no checks)", *median_of(bare, args.runs, cwd=one)),
            ("shipit migrations verify (sqlite)", *median_of([*shipit, "verify", "--json"], args.runs, cwd=one,
                                                             env=env)),
        ]
        print(table(f"round trip on SQLite: {args.revisions} revisions, median of {args.runs} runs; {load_note()}",
                    rows, "alembic up, down, up (no checks)"))
        if rows[1][1] > rows[0][1]:
            print(profile_summary(["-m", "shipit", "migrations", "verify", "--json"], cwd=one, env=env))
        print("shipit verify also downgrades and re-applies each revision on its own, snapshots the schema after "
              "every step and runs upgrade.sql/downgrade.sql through sqlite3.")


if __name__ == "__main__":
    main()
