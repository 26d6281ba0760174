"""The first release of eight real backend projects, as a new user makes it: ``shipit init``, the keys init
lists as not detected (only where the project needs them), ``shipit check``, ``shipit migrations plan``
(and, for a few, ``verify``) in the project's own interpreter, then ``shipit release --snapshot``.

Each project runs in a virtualenv built from its own declared dependencies (tests/projects/venvs, cached
under ~/.cache/shipit/test-venvs by the hash of the pinned list), never in shipit's. The live round trip
runs on three projects: two where the project's own tools pass (ihatemoney: `flask db upgrade`, `downgrade
base`, `upgrade` on SQLite; amarcord: upgrade and downgrade through the connection its env.py takes) and one
where they fail (fmn: its schema comes from its models, so the first ALTER fails on an empty database, and
shipit must fail there too, saying so)."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import run_shipit, shipit_env
from tests.projects.venvs import project_python

CORPUS = Path(__file__).parent / "corpus"
pytestmark = pytest.mark.slow

WAIVERDB_SETTINGS = '''\
# waiverdb reads its settings from the Python file named by WAIVERDB_CONFIG (waiverdb/app.py:59); while
# shipit plans and verifies, the database is the one shipit gives the project.
import os

DATABASE_URI = os.environ["SHIPIT_DATABASE_URL"]
AUTH_METHOD = "dummy"
SECRET_KEY = "only-for-migration-checks"
'''


@dataclass
class Case:
    #: what init listed as not detected and this project needs: shipit.yaml lines replaced, files written
    edits: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    #: plan: "passed", or the error text
    plan: str = "passed"
    #: live round trip run here: "passed", or the finding it must report (None: not run)
    verify: str | None = None
    #: revisions the plan must mark as having no offline SQL form (a subset)
    online_only: tuple[str, ...] = ()
    #: the snapshot: "written", or the error text (then it is written once the user turns verify off)
    release: str = "written"


CASES = {
    "spiral-project__ihatemoney": Case(verify="passed", online_only=("b78f8a8bdb16",)),
    "amarcord__amarcord": Case(verify="passed", online_only=("340cda933bab",)),
    # the offline SQL, run by sqlite3 first, fails where the live upgrade would: its first ALTER of rules
    "fedora-infra__fmn": Case(verify="sqlite3 failed on sqlite/upgrade.sql: Parse error near line 18: no such table: rules"),
    "waiverdb__waiverdb": Case(
        edits={'    WAIVERDB_CONFIG: "{settings_py}"':
               '    WAIVERDB_CONFIG: "{project_dir}/shipit-settings.py"\n    DEV: "true"'},
        files={"shipit-settings.py": WAIVERDB_SETTINGS},
        online_only=("71b84ccc31bb",),
        # the live round trip fails on SQLite, as `flask db upgrade` does (see its SOURCE.yaml)
        release="downgrade of revision f2772c2c64a6"),
    "jupyterhub__jupyterhub": Case(),
    "fedora-infra__anitya": Case(),
    "gnocchixyz__gnocchi": Case(),
    "fedora-infra__datanommer": Case(),
}


def _git(proj: Path, *args: str) -> None:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_AUTHOR_DATE": "2026-12-01T00:00:00Z",
           "GIT_COMMITTER_DATE": "2026-12-01T00:00:00Z", "PATH": "/usr/bin:/bin"}
    subprocess.run(["git", *args], cwd=proj, check=True, env=env, capture_output=True)


def _project(name: str, tmp_path: Path) -> Path:
    proj = tmp_path / name
    shutil.copytree(CORPUS / name, proj, ignore=shutil.ignore_patterns("SOURCE.yaml", "__pycache__"))
    _git(proj, "init", "-q", "-b", "main")
    _git(proj, "add", "-A")
    _git(proj, "commit", "-qm", f"{name} as released")
    return proj


def _no_traceback(proc: subprocess.CompletedProcess) -> str:
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out, out[-3000:]
    return " ".join(proc.stderr.split())


@pytest.mark.parametrize("name", sorted(CASES), ids=sorted(CASES))
def test_first_release(name: str, tmp_path: Path):
    case = CASES[name]
    python = project_python(name)
    proj = _project(name, tmp_path)
    env = shipit_env(SHIPIT_PROJECT_PYTHON=str(python))

    proc = run_shipit("init", str(proj), env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = (proj / "shipit.yaml").read_text()
    for old, new in case.edits.items():
        assert old in text, f"init no longer writes {old!r}"
        text = text.replace(old, new)
    (proj / "shipit.yaml").write_text(text)
    for rel, content in case.files.items():
        (proj / rel).write_text(content)
    _git(proj, "add", "-A")
    _git(proj, "commit", "-qm", "shipit.yaml from shipit init")

    # check: clean, and it says which Python runs the migrations and that Alembic imports there
    proc = run_shipit("check", cwd=proj, env=env)
    err = _no_traceback(proc)
    assert proc.returncode == 0, proc.stdout + err
    flat = " ".join(proc.stdout.split())
    assert "$SHIPIT_PROJECT_PYTHON" in flat and "alembic" in flat

    # plan: every revision read by the project's interpreter; offline SQL where a revision has one
    proc = run_shipit("migrations", "plan", "--json", cwd=proj, env=env)
    err = _no_traceback(proc)
    if case.plan == "passed":
        assert proc.returncode == 0, err
        doc = json.loads(proc.stdout)
        assert doc["revisions"], "no revisions in the plan"
        lacking = {r["id"] for r in doc["revisions"] if r["offline"]["upgrade"] is False}
        assert set(case.online_only) <= lacking, lacking
    else:
        assert proc.returncode != 0 and case.plan in err, err

    if case.verify is not None:
        proc = run_shipit("migrations", "verify", "--json", cwd=proj, env=env)
        err = _no_traceback(proc)
        if case.verify == "passed":
            assert proc.returncode == 0, err
            assert json.loads(proc.stdout)["round_trip"] == "passed"
        else:
            assert proc.returncode == 1 and case.verify in err, err

    proc = run_shipit("release", "--version", "0.1.0", "--snapshot", "--skip", "images", "--output",
                      str(tmp_path / "release"), cwd=proj, env=env)
    err = _no_traceback(proc)
    written = [p for p in (tmp_path / "release").glob("0.1.0-snapshot+*") if p.is_dir()]
    if case.release == "written":
        assert proc.returncode == 0, err
        assert len(written) == 1
        manifest = json.loads((written[0] / "manifest.json").read_text())
        kinds = {a["kind"] for a in manifest["artifacts"]}
        assert "migration-bundle" in kinds and "migration-plan" in kinds, kinds
        # nothing signs it, and nothing claims it is signed
        assert not list(written[0].glob("SHA256SUMS.sig*"))
        signed = [s for s in manifest.get("stages", []) if s.get("name") == "sign"]
        assert all(s.get("status") != "passed" for s in signed), signed
    else:
        assert proc.returncode == 1 and case.release in err, err
        assert not written
        # the user's decision, written where anyone reads it: ship the plan, the SQL and ROLLBACK.md unverified
        text = (proj / "shipit.yaml").read_text().replace("\nmigrations:\n", "\nmigrations:\n  verify: false\n", 1)
        (proj / "shipit.yaml").write_text(text)
        proc = run_shipit("release", "--version", "0.1.0", "--snapshot", "--skip", "images", "--output",
                          str(tmp_path / "release"), cwd=proj, env=env)
        _no_traceback(proc)
        written = [p for p in (tmp_path / "release").glob("0.1.0-snapshot+*") if p.is_dir()]
        assert proc.returncode == 0 and len(written) == 1, proc.stderr
        rollback = (written[0] / "migrations" / "ROLLBACK.md").read_text()
        assert "migrations.verify is false" in rollback, rollback[:2000]


def test_a_configured_signing_key_that_is_missing_fails_the_release(tmp_path: Path):
    """Signing left out: the snapshot is written unsigned (above). A signing: section whose key is not there:
    the release fails, and nothing is written."""
    name = "spiral-project__ihatemoney"
    python = project_python(name)
    proj = _project(name, tmp_path)
    env = shipit_env(SHIPIT_PROJECT_PYTHON=str(python))
    run_shipit("init", str(proj), env=env, check=True)
    text = (proj / "shipit.yaml").read_text()
    text = text.replace("# signing:\n#   mode: key\n#   key: cosign.key\n", "signing:\n  mode: key\n  key: cosign.key\n")
    assert "\nsigning:\n  mode: key\n  key: cosign.key\n" in text
    (proj / "shipit.yaml").write_text(text)
    _git(proj, "add", "-A")
    _git(proj, "commit", "-qm", "signing")
    proc = run_shipit("release", "--version", "0.1.0", "--snapshot", "--skip", "images,migrations", "--output",
                      str(tmp_path / "release"), cwd=proj, env=env)
    err = _no_traceback(proc)
    assert proc.returncode == 1 and "cosign.key" in err, err
    assert not [p for p in (tmp_path / "release").glob("0.1.0-*") if p.is_dir()]
