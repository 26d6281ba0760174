"""kill -9 at every stage boundary of a release, one after the other: each run is killed one step further
than the last, so each is also the rerun after the previous kill. After every kill nothing looks released
(only hidden staging directories remain, and the next run removes them); the last run completes and
verifies. Then the same for a --force replacement: killed just before and just after the atomic swap."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.faults.conftest import (
    VERSION,
    env,
    leftovers,
    released,
    sha256sum_ok,
    shipit,
)

KILLER = Path(__file__).with_name("killer.py")
STAGES = ["images", "sbom", "migrations", "pipeline", "ops", "site", "manifest", "checksums", "sign"]


def killed_at(point: str, proj: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, str(KILLER), point, "release", "--version", VERSION, "-o", str(out),
                           *args], cwd=proj, env=env(SHIPIT_CACHE_DIR=str(out.parent / "cache")),
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert proc.returncode == -signal.SIGKILL, (point, proc.returncode, proc.stderr[-2000:])
    return proc


def verified(proj: Path, release_dir: Path) -> None:
    assert sha256sum_ok(release_dir)
    proc = shipit("verify", str(release_dir), "--key", str(proj / "keys" / "cosign.pub"), cwd=proj)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_kill_at_every_stage_boundary_then_rerun(project, tmp_path):
    out = tmp_path / "release"
    points = ["before:images"] + [f"after:{s}" for s in STAGES] + ["promote:before"]
    previous: list[str] = []
    for point in points:
        proc = killed_at(point, project, out)
        assert released(out) == [], (point, released(out))  # nothing half-written looks released
        left = leftovers(out)
        assert len(left) == 1, (point, left)  # this run's staging, hidden; the previous run's is gone
        assert not set(previous) & set(left), (point, previous, left)
        if previous:
            assert "removed leftover" in proc.stderr, (point, proc.stderr[-1000:])
        staging = out / left[0]
        assert not (staging / "SHA256SUMS").exists() or point in ("after:checksums", "after:sign", "promote:before")
        previous = left
    # killed right after the rename: the release is complete and whole
    killed_at("promote:after", project, out)
    assert released(out) == [VERSION] and leftovers(out) == []
    verified(project, out / VERSION)
    manifest = json.loads((out / VERSION / "manifest.json").read_text())
    assert {s["name"]: s["status"] for s in manifest["stages"]}["site"] == "passed"


@pytest.mark.slow
def test_kill_around_the_force_swap(project, tmp_path):
    out = tmp_path / "release"
    first = shipit("release", "--version", VERSION, "-o", str(out), cwd=project,
                   extra_env={"SHIPIT_CACHE_DIR": str(tmp_path / "cache")})
    assert first.returncode == 0, first.stderr
    before = (out / VERSION / "SHA256SUMS").read_bytes()
    later = {"SOURCE_DATE_EPOCH": "1700009999"}  # a different cut: its SHA256SUMS differs

    proc = subprocess.run([sys.executable, str(KILLER), "promote:before", "release", "--version", VERSION, "-o",
                           str(out), "--force"], cwd=project, env=env(SHIPIT_CACHE_DIR=str(tmp_path / "cache"), **later),
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert released(out) == [VERSION] and (out / VERSION / "SHA256SUMS").read_bytes() == before
    verified(project, out / VERSION)  # the old release, untouched

    proc = subprocess.run([sys.executable, str(KILLER), "promote:after", "release", "--version", VERSION, "-o",
                           str(out), "--force"], cwd=project, env=env(SHIPIT_CACHE_DIR=str(tmp_path / "cache"), **later),
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert released(out) == [VERSION] and (out / VERSION / "SHA256SUMS").read_bytes() != before
    verified(project, out / VERSION)  # the new release, whole; the old one waits hidden for the next run
    assert len(leftovers(out)) == 1
    again = shipit("release", "--version", VERSION, "-o", str(out), "--force", cwd=project,
                   extra_env={"SHIPIT_CACHE_DIR": str(tmp_path / "cache"), **later})
    assert again.returncode == 0, again.stderr
    assert leftovers(out) == [] and released(out) == [VERSION]
    verified(project, out / VERSION)
