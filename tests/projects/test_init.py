"""``shipit init`` on eight real backend projects (tests/projects/corpus): it finds what each SOURCE.yaml's
``expected_detection`` names, prints every value with where it was found, lists what it could not fill,
and writes a shipit.yaml that loads, with no section a first snapshot release would fail on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import run_shipit

CORPUS = Path(__file__).parent / "corpus"
PROJECTS = sorted(p for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith((".", "__")))


def _expected(project: Path) -> dict:
    return yaml.safe_load((project / "SOURCE.yaml").read_text(encoding="utf-8"))["expected_detection"]


def _copy(project: Path, tmp_path: Path) -> Path:
    dest = tmp_path / project.name
    shutil.copytree(project, dest, ignore=shutil.ignore_patterns("SOURCE.yaml", "__pycache__"))
    return dest


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_detection_matches_expected(project: Path):
    from shipit.commands.init import detect

    exp = _expected(project)
    facts, found, missing = detect(project)
    mig = facts["migrations"]
    assert mig is not None, "no migrations found"
    assert mig.ini_rel == exp["alembic_ini"]
    assert mig.script_dir == exp["script_location"], mig.script_how
    assert set(exp["kind"]) <= set(mig.kinds), mig.kinds
    assert (mig.flask_app or None) == exp["flask_app"]
    assert set(exp["settings_env"]) <= set(mig.env), mig.env
    assert set(exp["dependency_files"]) <= set(facts["dependency_files"])
    assert sorted(i["dockerfile"] for i in facts["images"]) == sorted(exp["dockerfiles"])
    ci = facts["ci"]["github"] + facts["ci"]["gitlab"] + facts["ci"]["other"]
    assert sorted(ci) == sorted(exp["ci"])
    reports = {"junit": sorted(facts["reports"]["junit"]), "coverage": sorted(facts["reports"]["coverage"])}
    want = exp["reports"] or {}
    assert set(want.get("junit", [])) <= set(reports["junit"])
    assert set(want.get("coverage_cobertura", [])) <= set(reports["coverage"])
    keys = {f.key for f in found}
    assert {"project.name", "migrations.alembic_ini", "migrations.script_location"} <= keys
    assert all(f.source for f in found), [f for f in found if not f.source]
    assert "signing" in {m.key for m in missing}


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_init_writes_a_loadable_config_and_says_where(project: Path, tmp_path: Path):
    from shipit.config import load_config
    from shipit.migrations.scripts import load_project

    exp = _expected(project)
    proj = _copy(project, tmp_path)
    proc = run_shipit("init", str(proj))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    out = proc.stdout
    assert "migrations.alembic_ini" in out and exp["alembic_ini"] in out
    assert "not detected (set these in shipit.yaml):" in out and "shipit keygen" in out
    for rel in exp["dockerfiles"] + exp["ci"]:
        assert rel in out, f"{rel} not printed"
    cfg = load_config(proj / "shipit.yaml")
    assert cfg.migrations is not None and cfg.migrations.alembic_ini == exp["alembic_ini"]
    located = load_project(cfg.migrations, proj)
    assert located.script_location == (proj / exp["script_location"]).resolve()
    # nothing that fails a first snapshot release by itself: no signing key to miss, no report glob to
    # miss, the pipeline in report-only mode
    assert cfg.signing is None
    assert cfg.evidence is None
    if cfg.pipeline is not None:
        assert cfg.pipeline.severity == {"*": "warning"}
    if exp["flask_app"] and "flask-migrate" in exp["kind"]:
        assert cfg.migrations.flask_app == exp["flask_app"]
    text = (proj / "shipit.yaml").read_text()
    assert "# signing:" in text and "shipit keygen" in text


def test_signing_section_is_enabled_once_a_key_exists(tmp_path: Path):
    from shipit.config import load_config

    proj = _copy(CORPUS / "spiral-project__ihatemoney", tmp_path)
    (proj / "cosign.key").write_text("not read by init\n")
    run_shipit("init", str(proj), check=True)
    cfg = load_config(proj / "shipit.yaml")
    assert cfg.signing is not None and cfg.signing.key == "cosign.key"


def test_several_dockerfiles_and_reports(tmp_path: Path):
    """Dockerfile.* and docker/ variants, compose build contexts, and report paths from a workflow."""
    from shipit.commands.init import detect

    files = {
        "docker/Dockerfile": "FROM python:3.12-slim\n",
        "Dockerfile.dev": "FROM python:3.12\n",
        "Dockerfile.prod": "FROM python:3.12-slim\n",
        "services/worker/Dockerfile": "FROM python:3.12-slim\n",
        "docker-compose.yml": "services:\n  worker:\n    build:\n      context: ./services/worker\n",
        ".github/workflows/ci.yml": "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
                                   "      - run: pytest --junitxml=reports/junit.xml --cov-report=xml:reports/cov.xml\n"
                                   "      - uses: github/codeql-action/upload-sarif@v3\n"
                                   "        with:\n          sarif_file: reports/bandit.sarif\n",
        "alembic.ini": "[alembic]\nscript_location = %(here)s/db\nsqlalchemy.url = postgresql://db/app\n",
        "db/env.py": "from alembic import context\n",
        "db/script.py.mako": "",
        "db/versions/.keep": "",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    facts, _found, _ = detect(tmp_path)
    assert facts["primary_image"]["dockerfile"] == "Dockerfile.prod"
    by_file = {i["dockerfile"]: i for i in facts["images"]}
    assert set(by_file) == {"docker/Dockerfile", "Dockerfile.dev", "Dockerfile.prod", "services/worker/Dockerfile"}
    assert not by_file["Dockerfile.dev"]["release"]
    assert by_file["docker/Dockerfile"]["context"] == "."
    assert by_file["services/worker/Dockerfile"]["context_source"] == "build context from docker-compose.yml"
    assert facts["reports"]["junit"] == {"reports/junit.xml": ".github/workflows/ci.yml:6"}
    assert facts["reports"]["coverage"] == {"reports/cov.xml": ".github/workflows/ci.yml:6"}
    assert list(facts["reports"]["sarif"]) == ["reports/bandit.sarif"]
    mig = facts["migrations"]
    assert mig.script_dir == "db" and mig.dialects == ["postgresql"]
