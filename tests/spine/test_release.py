"""End-to-end release behaviour: manifest, SHA256SUMS checked by the real sha256sum, atomicity, locks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shipit import capabilities
from shipit.commands.release import release as cut_release
from shipit.core.errors import ShipitError
from shipit.core.release import ReleaseOptions, clean_leftovers, version_lock
from tests.conftest import run_shipit, shipit_env


def sha256sum_check(release_dir: Path) -> str:
    proc = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=release_dir, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_release_writes_manifest_and_checksums(make_project):
    proj = make_project(files={"README.md": "hello\n"})
    proc = run_shipit("release", "--version", "1.4.0", "--json", cwd=proj)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    rel = proj / "release" / "1.4.0"
    assert summary["ok"] is True and Path(summary["release_dir"]) == rel
    manifest = json.loads((rel / "manifest.json").read_text())
    assert manifest["version"] == "1.4.0"
    assert manifest["tags"] == ["1.4.0", "1.4", "1"]
    assert manifest["git"]["branch"] == "main" and len(manifest["git"]["commit"]) == 40
    assert manifest["source_date_epoch"] == 1700000000
    assert manifest["source_date"] == "2023-11-14T22:13:20Z"
    assert manifest["project"]["name"] == "demo"
    assert manifest["schema_version"] == 1
    assert [s["name"] for s in manifest["stages"]] == sorted(s["name"] for s in manifest["stages"])
    out = sha256sum_check(rel)
    assert "manifest.json: OK" in out
    # nothing but finished releases and the lock directory is left in the output root
    assert sorted(p.name for p in (proj / "release").iterdir()) == [".locks", "1.4.0"]


def test_release_is_byte_for_byte_deterministic(make_project, tmp_path):
    proj = make_project()
    run_shipit("release", "--version", "1.0.0", "-o", str(tmp_path / "a"), cwd=proj, check=True)
    run_shipit("release", "--version", "1.0.0", "-o", str(tmp_path / "b"), cwd=proj, check=True)
    for name in ("manifest.json", "SHA256SUMS"):
        assert (tmp_path / "a/1.0.0" / name).read_bytes() == (tmp_path / "b/1.0.0" / name).read_bytes()


def test_existing_release_refused_without_force(make_project):
    proj = make_project()
    run_shipit("release", "--version", "1.0.0", cwd=proj, check=True)
    marker = proj / "release/1.0.0/manifest.json"
    before = marker.read_bytes()
    proc = run_shipit("release", "--version", "1.0.0", cwd=proj)
    assert proc.returncode == 2 and "already exists" in proc.stderr and "--force" in proc.stderr
    assert marker.read_bytes() == before
    # --force replaces it atomically with a fresh one
    env = shipit_env(SOURCE_DATE_EPOCH="1700000999")
    run_shipit("release", "--version", "1.0.0", "--force", cwd=proj, env=env, check=True)
    assert json.loads(marker.read_text())["source_date_epoch"] == 1700000999
    sha256sum_check(proj / "release/1.0.0")
    assert not [p for p in (proj / "release").iterdir() if p.name.startswith((".staging", ".trash"))]


def test_concurrent_release_of_same_version_is_refused(make_project, monkeypatch):
    proj = make_project()
    monkeypatch.chdir(proj)
    with version_lock((proj / "release").resolve(), "2.0.0"):
        with pytest.raises(ShipitError) as exc:
            cut_release(ReleaseOptions(version="2.0.0", config=proj / "shipit.yaml", output=proj / "release"))
        assert "in progress" in exc.value.message and str(os.getpid()) in exc.value.message
    assert not (proj / "release" / "2.0.0").exists()
    cut_release(ReleaseOptions(version="2.0.0", config=proj / "shipit.yaml", output=proj / "release"))
    assert (proj / "release/2.0.0/manifest.json").is_file()


def test_invalid_version_and_unknown_skip_are_usage_errors(make_project):
    proj = make_project()
    bad = run_shipit("release", "--version", "1.4", cwd=proj)
    assert bad.returncode == 2 and "SemVer" in bad.stderr and "Traceback" not in bad.stderr
    skip = run_shipit("release", "--version", "1.4.0", "--skip", "checksum", cwd=proj)
    assert skip.returncode == 2 and "did you mean 'checksums'" in skip.stderr
    missing = run_shipit("release", cwd=proj)
    assert missing.returncode == 2 and "--version is required" in missing.stderr
    assert not (proj / "release").exists() or not any(
        p.name[0].isdigit() for p in (proj / "release").iterdir())


def test_skip_records_reason_in_manifest(make_project):
    proj = make_project()
    run_shipit("release", "--version", "1.0.0", "--skip", "checksums", cwd=proj, check=True)
    rel = proj / "release/1.0.0"
    assert not (rel / "SHA256SUMS").exists()
    stages = {s["name"]: s for s in json.loads((rel / "manifest.json").read_text())["stages"]}
    # the manifest is written before checksums runs, so it records stages up to itself
    assert "manifest" not in stages or stages["manifest"]["status"] != "failed"


def test_snapshot_release(make_project):
    proj = make_project()
    proc = run_shipit("release", "--snapshot", "--version", "1.2.0", "--json", cwd=proj, check=True)
    version = json.loads(proc.stdout)["version"]
    assert version.startswith("1.2.0-snapshot+") and len(version.split("+")[1]) == 7
    manifest = json.loads((proj / "release" / version / "manifest.json").read_text())
    assert manifest["snapshot"] is True and manifest["tags"] == [version.replace("+", "-")]


def test_failing_stage_stops_release_and_leaves_nothing(make_project, monkeypatch):
    """A stage error aborts the release with its message; no finished-looking directory remains."""
    from shipit.core.runner import Stage, StageFailed

    class Boom(Stage):
        name = "boom"
        description = "fails"

        def run(self, ctx):
            (ctx.work_dir / "half-written.txt").write_text("x")
            raise ShipitError("the widget is broken", hint="fix the widget")

    proj = make_project()
    with pytest.raises(StageFailed) as exc:
        cut_release(ReleaseOptions(version="3.0.0", config=proj / "shipit.yaml", output=proj / "release"),
                    stages=[Boom(), *capabilities.stages()])
    assert "stage 'boom' failed: the widget is broken" in exc.value.message
    assert exc.value.hint == "fix the widget"
    assert [r.status for r in exc.value.results] == ["failed"]
    assert sorted(p.name for p in (proj / "release").iterdir()) == [".locks"]


SLOW_STAGE = r"""
import sys, time
from pathlib import Path
from shipit import capabilities
from shipit.commands.release import release
from shipit.core.release import ReleaseOptions
from shipit.core.runner import Stage

class Slow(Stage):
    name = "slow"
    description = "sleeps"
    def run(self, ctx):
        (ctx.work_dir / "partial.bin").write_bytes(b"x" * 1024)
        Path(sys.argv[1]).write_text("started")
        time.sleep(60)

release(ReleaseOptions(version="5.0.0", config=Path("shipit.yaml"), output=Path("release")),
        stages=[Slow(), *capabilities.stages()])
"""


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_release_leaves_nothing_finished_and_rerun_succeeds(make_project, tmp_path, sig):
    proj = make_project()
    flag = tmp_path / "started"
    proc = subprocess.Popen([sys.executable, "-c", SLOW_STAGE, str(flag)], cwd=proj, env=shipit_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while not flag.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.time() < deadline
        time.sleep(0.05)
    proc.send_signal(sig)
    proc.wait(timeout=30)
    root = proj / "release"
    assert not (root / "5.0.0").exists()
    leftovers = [p for p in root.iterdir() if p.name.startswith(".staging-")]
    if sig == signal.SIGKILL:
        assert leftovers, "kill -9 cannot clean up; the staging dir must be hidden, not finished-looking"
    else:
        assert not leftovers, "Ctrl-C must remove the staging directory"
    # the next run cleans leftovers and succeeds
    rerun = run_shipit("release", "--version", "5.0.0", cwd=proj)
    assert rerun.returncode == 0, rerun.stderr
    assert sorted(p.name for p in root.iterdir()) == [".locks", "5.0.0"]
    sha256sum_check(root / "5.0.0")


def test_clean_leftovers_spares_locked_versions(tmp_path):
    root = tmp_path / "release"
    (root / ".staging-1.0.0-abc").mkdir(parents=True)
    (root / ".staging-2.0.0-def").mkdir(parents=True)
    with version_lock(root, "1.0.0"):
        removed = clean_leftovers(root)
    assert [p.name for p in removed] == [".staging-2.0.0-def"]
    assert (root / ".staging-1.0.0-abc").exists()


def test_check_reports_stages(make_project):
    proj = make_project()
    proc = run_shipit("check", cwd=proj)
    assert proc.returncode == 0, proc.stderr
    assert "configuration is valid" in proc.stdout
    assert "checksums" in proc.stdout and "manifest" in proc.stdout
