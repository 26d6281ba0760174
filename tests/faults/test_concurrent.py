"""Two releases at once, as two real processes: of the same version (one wins, the other stops at once with
who holds the lock, or finds the finished release), and of different versions (both complete)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.faults.conftest import env, leftovers, released, sha256sum_ok


def start(proj, out, version: str, cache) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "shipit", "release", "--version", version, "-o", str(out),
                             "--skip", "sbom"], cwd=proj, env=env(SHIPIT_CACHE_DIR=str(cache)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)


@pytest.mark.slow
def test_same_version_twice(project, tmp_path):
    out = tmp_path / "release"
    procs = [start(project, out, "2.0.0", tmp_path / "cache") for _ in range(2)]
    results = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=600)
        results.append((p.returncode, stdout, stderr))
    codes = sorted(code for code, _out, _err in results)
    assert codes[0] == 0, results
    loser = next(err for code, _out, err in results if code != 0)
    assert "Traceback" not in loser
    # the loser either met the lock (exit 1, naming the holder) or, if it started after the winner ended,
    # found the release there (exit 2)
    assert (codes[1] == 1 and "another release of 2.0.0 is in progress (pid " in loser) or \
        (codes[1] == 2 and "already exists" in loser), results
    assert released(out) == ["2.0.0"] and leftovers(out) == []
    assert sha256sum_ok(out / "2.0.0")


@pytest.mark.slow
def test_different_versions_at_once(project, tmp_path):
    out = tmp_path / "release"
    procs = {v: start(project, out, v, tmp_path / "cache") for v in ("2.0.0", "2.1.0")}
    for version, p in procs.items():
        stdout, stderr = p.communicate(timeout=600)
        assert p.returncode == 0, (version, stderr)
    assert released(out) == ["2.0.0", "2.1.0"] and leftovers(out) == []
    for version in procs:
        assert sha256sum_ok(out / version)
