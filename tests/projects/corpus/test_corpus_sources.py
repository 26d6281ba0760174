"""Every corpus project matches its SOURCE.yaml: same files, same bytes, its source named."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

CORPUS = Path(__file__).parent
PROJECTS = sorted(p for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith((".", "__")))
REQUIRED = ("repository", "hosting", "commit", "package", "license", "layout", "expected_detection", "files")


def _source(project: Path) -> dict:
    return yaml.safe_load((project / "SOURCE.yaml").read_text(encoding="utf-8"))


def test_at_least_eight_projects_of_several_hostings():
    assert len(PROJECTS) >= 8
    hostings = {_source(p)["hosting"] for p in PROJECTS}
    assert "gitlab" in hostings and "github" in hostings


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_source_names_origin(project: Path):
    src = _source(project)
    missing = [key for key in REQUIRED if key not in src]
    assert not missing, f"{project.name}/SOURCE.yaml lacks {missing}"
    pkg = src["package"]
    assert pkg["index"] == "PyPI" and pkg["name"] and pkg["version"]
    assert len(pkg["sha256"]) == 64
    assert src["repository"].startswith("https://")


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_files_match_source(project: Path):
    src = _source(project)
    listed = {entry["path"]: entry["sha256"] for entry in src["files"]}
    present = {p.relative_to(project).as_posix() for p in project.rglob("*")
               if p.is_file() and p.name != "SOURCE.yaml" and "__pycache__" not in p.parts}
    assert present == set(listed), (
        f"{project.name}: not listed {sorted(present - set(listed))}, missing {sorted(set(listed) - present)}")
    changed = [path for path, digest in listed.items()
               if hashlib.sha256((project / path).read_bytes()).hexdigest() != digest]
    assert not changed, f"{project.name}: files differ from SOURCE.yaml: {changed}"


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_expected_detection_names_real_files(project: Path):
    expected = _source(project)["expected_detection"]
    assert (project / expected["alembic_ini"]).is_file()
    assert (project / expected["script_location"] / "env.py").is_file()
    named = expected["dependency_files"] + expected["dockerfiles"] + expected["ci"]
    missing = [path for path in named if not (project / path).is_file()]
    assert not missing, f"{project.name}: expected_detection names missing files {missing}"


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_every_project_has_revisions(project: Path):
    revisions = [p for p in project.rglob("versions/*.py") if p.name != "__init__.py"]
    assert revisions, f"{project.name}: no Alembic revision files"
