"""The demo (examples/orders-service: a two-platform image on the Debian bases, the source SBOM, migrations,
the pipeline review, ops files, the handoff site, signing) cut as shards in separate clean clones of one
git repository — nothing shared between them but the shard archives — and merged: the same SHA256SUMS as a
single-machine cut with the same SOURCE_DATE_EPOCH, and `shipit verify` passes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import DEMO, run_shipit, shipit_env

V = "1.0.0"
GIT = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_AUTHOR_DATE": "2023-11-14T22:13:20Z",
       "GIT_COMMITTER_DATE": "2023-11-14T22:13:20Z"}


def demo_repository(root: Path, reports: Path) -> Path:
    """The demo as its own git repository, its validation evidence committed (its .gitignore leaves it out)."""
    origin = root / "origin"
    shutil.copytree(DEMO, origin, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.db", ".pytest_cache",
                                                                 ".coverage"))
    shutil.rmtree(origin / "reports", ignore_errors=True)
    shutil.copytree(reports, origin / "reports", ignore=shutil.ignore_patterns(".coverage*"))
    env = shipit_env(**GIT)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=origin, check=True, env=env)
    subprocess.run(["git", "add", "-A"], cwd=origin, check=True, env=env)
    subprocess.run(["git", "add", "-f", "reports"], cwd=origin, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "feat: orders service"], cwd=origin, check=True, env=env)
    return origin


@pytest.mark.slow
@pytest.mark.xdist_group("demo-base")
def test_demo_sharded_equals_one_machine(tmp_path, debian_base, demo_evidence):
    origin = demo_repository(tmp_path, demo_evidence)
    keys = {"SHIPIT_KEY_PASSWORD": "demo-only-not-secret", "SHIPIT_SIGNING_KEY": str(tmp_path / "key" / "cosign.key"),
            "SHIPIT_SHARD_SECRET": "shard-secret-for-the-test"}
    run_shipit("keygen", "--output-dir", str(tmp_path / "key"), env=shipit_env(**keys), check=True)
    clones = iter(range(100))

    def clone() -> Path:
        dest = tmp_path / f"runner-{next(clones)}"
        subprocess.run(["git", "clone", "-q", str(origin), str(dest)], check=True)
        return dest

    def shipit(where: Path, *args: str) -> subprocess.CompletedProcess:
        proc = run_shipit(*args, cwd=where, env=shipit_env(SHIPIT_CACHE_DIR=str(where / ".cache"), **keys))
        assert proc.returncode == 0, f"shipit {' '.join(args)}\n{proc.stderr}"
        return proc

    single = clone()
    shipit(single, "release", "--version", V, "--output", "release")
    planner = clone()
    plan = json.loads(shipit(planner, "release", "--version", V, "--plan-shards", "--json").stdout)
    units = [u["id"] for u in plan["units"]]
    assert units == ["image:orders-service:linux-amd64", "image:orders-service:linux-arm64", "sbom:source",
                     "migrations", "pipeline"]
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    archives = []
    for unit in units:  # one runner each
        runner = clone()
        out = json.loads(shipit(runner, "release", "--version", V, "--shard", unit, "--plan",
                                str(tmp_path / "plan.json"), "--output", "out", "--json").stdout)
        archives.append(Path(out["archive"]))
    merger = clone()
    shipit(merger, "release", "--version", V, "--merge", *map(str, archives), "--output", "release")
    merged, one = merger / "release" / V, single / "release" / V
    assert (merged / "SHA256SUMS").read_text() == (one / "SHA256SUMS").read_text()
    files = sorted(str(p.relative_to(one)) for p in one.rglob("*") if p.is_file())
    assert files == sorted(str(p.relative_to(merged)) for p in merged.rglob("*") if p.is_file())
    manifest = json.loads((merged / "manifest.json").read_text())
    statuses = {s["name"]: s["status"] for s in manifest["stages"]}
    assert all(statuses[s] == "passed" for s in ("images", "sbom", "migrations", "pipeline", "ops", "site"))
    verify = run_shipit("verify", str(merged), "--key", str(tmp_path / "key" / "cosign.pub"))
    assert verify.returncode == 0, verify.stdout + verify.stderr
