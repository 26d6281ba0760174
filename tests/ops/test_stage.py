"""The ops stage inside `shipit release`: artifacts, kinds, determinism, skipping."""

from __future__ import annotations

import json

from tests.conftest import run_shipit
from tests.ops.helpers import FULL

EXPECTED = {
    "ops/alerts/orders.rules.yml": "alert-rules",
    "ops/alerts/orders.rules.test.yml": "alert-tests",
    "ops/alerts/orders.rules.30m.test.yml": "alert-tests",
    "ops/alerts/orders.rules.2h.test.yml": "alert-tests",
    "ops/alertmanager/routes.yml": "alert-routes",
    "ops/alertmanager/routes.test.yml": "alert-tests",
    "ops/dashboards/orders.json": "dashboard",
    **{f"ops/runbooks/{t}.md": "runbook" for t in
       ("incidents", "startup", "shutdown", "scaling", "rollback", "backup-restore", "logging", "oncall")},
}


def test_release_registers_every_ops_file_deterministically(make_project, tmp_path):
    proj = make_project(FULL.read_text())
    digests = []
    for out in ("r1", "r2"):
        proc = run_shipit("release", "--version", "1.2.0", "--output", str(tmp_path / out), cwd=proj)
        assert proc.returncode == 0, proc.stderr
        manifest = json.loads((tmp_path / out / "1.2.0/manifest.json").read_text())
        arts = {a["path"]: a for a in manifest["artifacts"] if a["path"].startswith("ops/")}
        assert {p: a["kind"] for p, a in arts.items()} == EXPECTED
        assert {s["name"]: s["status"] for s in manifest["stages"]}["ops"] == "passed"
        digests.append({p: a["sha256"] for p, a in arts.items()})
    assert digests[0] == digests[1]
    rollback = (tmp_path / "r1/1.2.0/ops/runbooks/rollback.md").read_text()
    assert "This release is **1.2.0**" in rollback and "no database migrations" in rollback


def test_second_release_names_the_previous_version(make_project, tmp_path):
    proj = make_project(FULL.read_text())
    for v in ("1.0.0", "1.1.0"):
        assert run_shipit("release", "--version", v, "--output", str(tmp_path / "rel"), cwd=proj).returncode == 0
    rollback = (tmp_path / "rel/1.1.0/ops/runbooks/rollback.md").read_text()
    assert "Roll back to **1.0.0**" in rollback


def test_stage_skips_without_service_section(make_project, tmp_path):
    proj = make_project()
    proc = run_shipit("release", "--version", "1.0.0", "--output", str(tmp_path / "rel"), cwd=proj)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((tmp_path / "rel/1.0.0/manifest.json").read_text())
    ops = next(s for s in manifest["stages"] if s["name"] == "ops")
    assert ops["status"] == "skipped" and "service:" in ops["reason"]
    assert not (tmp_path / "rel/1.0.0/ops").exists()


def test_ops_generate_cli_writes_the_tree(tmp_path):
    proc = run_shipit("ops", "generate", "-c", str(FULL), "-o", str(tmp_path / "ops"))
    assert proc.returncode == 0, proc.stderr
    written = sorted(p.relative_to(tmp_path / "ops").as_posix() for p in (tmp_path / "ops").rglob("*") if p.is_file())
    assert written == sorted(p[len("ops/"):] for p in EXPECTED)


def test_release_without_promtool_warns_and_still_writes_the_files(make_project, tmp_path):
    """promtool/amtool are optional: without them the stage says the files were not checked."""
    import os
    import shutil
    import sys

    from tests.conftest import shipit_env

    proj = make_project(FULL.read_text())
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(shutil.which("git"))
    env = shipit_env(PATH=f"{os.path.dirname(sys.executable)}{os.pathsep}{bin_dir}")
    proc = run_shipit("release", "--version", "1.0.0", "--output", str(tmp_path / "rel"), cwd=proj, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "promtool is not installed" in proc.stderr and "amtool is not installed" in proc.stderr
    assert (tmp_path / "rel/1.0.0/ops/alerts/orders.rules.yml").is_file()
