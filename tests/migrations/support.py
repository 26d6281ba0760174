"""Helpers for the migrations tests: fixture projects built from fixtures/, a copy of the demo's migrations."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PG_BIN = Path("/usr/lib/postgresql/15/bin")

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_AUTHOR_DATE": "2023-11-14T22:13:20Z",
           "GIT_COMMITTER_DATE": "2023-11-14T22:13:20Z"}


def build_project(name: str, dest: Path, shipit_yaml: str | None = None, git: bool = True) -> Path:
    """A project from ``fixtures/<name>``: the shared alembic.ini/env.py plus that fixture's revisions."""
    src = FIXTURES / name
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "_common" / "alembic.ini", dest / "alembic.ini")
    (dest / "migrations").mkdir()
    for f in ("env.py", "script.py.mako"):
        shutil.copy(FIXTURES / "_common" / f, dest / "migrations" / f)
    shutil.copytree(src / "versions", dest / "migrations" / "versions")
    if (src / "seeds").is_dir():
        shutil.copytree(src / "seeds", dest / "seeds")
    default = f"schema_version: 1\nproject:\n  name: fixture-{name.replace('_', '-')}\nmigrations:\n  dialects: [sqlite]\n"
    text = shipit_yaml or ((src / "shipit.yaml").read_text() if (src / "shipit.yaml").exists() else default)
    (dest / "shipit.yaml").write_text(text)
    if git:
        env = {**os.environ, **GIT_ENV}
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=dest, check=True, env=env)
        subprocess.run(["git", "add", "-A"], cwd=dest, check=True, env=env)
        subprocess.run(["git", "commit", "-qm", "initial"], cwd=dest, check=True, env=env)
    return dest


def pg_tools_present() -> bool:
    return (PG_BIN / "initdb").exists() and (PG_BIN / "pg_ctl").exists() and shutil.which("psql") is not None


def demo_copy(dest: Path) -> Path:
    """The demo service's migrations (alembic.ini, migrations/, app package, seeds) with a shipit.yaml
    holding only its project: and migrations: sections, so other stages do not run."""
    from ruamel.yaml import YAML

    from tests.conftest import DEMO

    if not (DEMO / "alembic.ini").is_file():
        pytest.fail(f"{DEMO} has no alembic.ini")
    dest.mkdir(parents=True)
    shutil.copy(DEMO / "alembic.ini", dest)
    for d in ("migrations", "orders", "db"):
        if (DEMO / d).is_dir():
            shutil.copytree(DEMO / d, dest / d, ignore=shutil.ignore_patterns("__pycache__"))
    yaml = YAML(typ="safe")
    data = yaml.load((DEMO / "shipit.yaml").read_text())
    keep = {k: data[k] for k in ("schema_version", "project", "migrations")}
    with open(dest / "shipit.yaml", "w") as fh:
        YAML().dump(keep, fh)
    return dest


CORPUS = Path(__file__).resolve().parent / "corpus"
#: The first four revisions of DeRisk's history: a complete history whose head is the merge (ALEMBIC.yaml).
DERISK_MERGE_SUBSET = ("f2c41f4ff53f", "2a2e310c0e6c", "26bebf9e427d", "841f539c35e9")


def corpus_project(name: str, dest: Path, dialects: str, keep: tuple[str, ...] | None = None,
                   extra: str = "") -> Path:
    """A project made of one corpus history (revision files unchanged), a shipit.yaml and a git repository."""
    shutil.copytree(CORPUS / name, dest, ignore=shutil.ignore_patterns("__pycache__"))
    if keep is not None:
        for f in (dest / "versions").glob("*.py"):
            if not f.name.startswith(keep):
                f.unlink()
    (dest / "shipit.yaml").write_text(f"schema_version: 1\nproject: {{name: {name.replace('_', '-')}}}\n"
                                      f"migrations:\n  alembic_ini: alembic.ini\n  dialects: [{dialects}]\n{extra}")
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=dest, check=True, env=env)
    subprocess.run(["git", "add", "-A"], cwd=dest, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "corpus"], cwd=dest, check=True, env=env)
    return dest


def alembic_facts(name: str) -> dict:
    """What plain Alembic measured on a corpus history (its ALEMBIC.yaml)."""
    from ruamel.yaml import YAML

    return YAML(typ="safe").load((CORPUS / name / "ALEMBIC.yaml").read_text())
