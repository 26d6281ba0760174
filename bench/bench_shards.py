"""Sharded releases (plan, shards in separate clones, merge) against one machine's `shipit release`.

The shards stand for the parallel jobs of a CI system.

    python bench/bench_shards.py [--runs 3] [--payload-mib 4] [--quick]

Two synthetic git projects, every image built by the `oci` builder (no container engine), signed with a
`shipit keygen` key, SOURCE_DATE_EPOCH fixed:

    small release     2 images, one of them for linux/amd64 + linux/arm64: 3 image units, the source SBOM
                      and the pipeline review (5 shards)
    10-image release  every third image for two platforms: 14 image units + 2 (16 shards)
                      (--quick: 5 images of 1 MiB, 9 shards, one run)

Every image carries --payload-mib of generated files (60 % source-like text, 40 % incompressible bytes)
plus a 1 MiB library layer shared by all images. Each step runs as a separate CI runner would: in its own
fresh `git clone` (not timed: the CI checkout) with its own empty SHIPIT_CACHE_DIR. Rows:

    one machine          `shipit release` of everything
    plan                 `shipit release --plan-shards --json`
    shards               `shipit release --shard UNIT --plan plan.json`, one per unit (sum; slowest)
    merge                `shipit release --merge *.shard.tar --plan plan.json`
    critical path        plan + slowest shard + merge: the wall time with one runner per shard
    total work           plan + every shard + merge: what the runners spend together

The shards run here one after the other (each measured alone); the critical path is what parallel runners
would take. The merged release's SHA256SUMS must equal the one machine's, else the benchmark fails. Every
shipit process reads cached bytecode, as an installed shipit does (an untimed warm-up release fills a
private bytecode cache, even when PYTHONDONTWRITEBYTECODE is set): what any shipit process costs before
its work (start-up, config, plan: about the plan row) is paid once per shard.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[0] / "src"
sys.path.insert(0, str(HERE))
from _common import load_note, ratio_header, ratio_row

SDE = "1700000000"
V = "1.0.0"
WORKFLOW = """name: ci
on: [push]
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-24.04
    steps:
      - run: python -m pytest
"""
REQUIREMENTS = "".join(f"{name}=={version}\n" for name, version in [
    ("requests", "2.31.0"), ("urllib3", "2.0.7"), ("idna", "3.4"), ("certifi", "2023.7.22"),
    ("charset-normalizer", "3.3.2"), ("click", "8.1.7"), ("pydantic", "2.5.2"), ("sqlalchemy", "2.0.23"),
    ("alembic", "1.12.1"), ("uvicorn", "0.24.0")])


@dataclass(frozen=True)
class Project:
    label: str
    images: int
    payload_mib: float

    def platforms(self, i: int) -> list[str]:
        return ["linux/amd64", "linux/arm64"] if i % 3 == 0 else ["linux/amd64"]


def gen_tree(root: Path, size: int, seed: int) -> None:
    """Generated files: source-like text and incompressible blobs, 4 KiB..512 KiB each (same seed, same bytes)."""
    rnd = random.Random(seed)
    text = b"".join(b"def handler_%d(request):\n    return respond(request, status=%d)  # route %d\n"
                    % (i, 200 + i % 7, seed) for i in range(8000))
    total, i = 0, 0
    while total < size:
        n = min(size - total, rnd.randint(4 << 10, 512 << 10))
        data = rnd.randbytes(n) if i % 5 < 2 else (text * (1 + n // len(text)))[:n]
        d = root / f"mod{i % 8}"
        d.mkdir(parents=True, exist_ok=True)
        (d / (f"blob_{i:04d}.bin" if i % 5 < 2 else f"m_{i:04d}.py")).write_bytes(data)
        total, i = total + n, i + 1


def config(project: Project) -> str:
    lines = ["schema_version: 1", "project:", "  name: bench", "  source_url: https://git.example.com/acme/bench",
             "sbom:", "  source: requirements.txt", "images:"]
    for i in range(project.images):
        lines += [f"  - name: svc{i:02d}", f"    repository: registry.example.com/acme/svc{i:02d}",
                  "    builder: oci", f"    platforms: [{', '.join(project.platforms(i))}]", "    layers:",
                  "      - {src: lib, dest: /opt/lib}", f"      - {{src: svc{i:02d}, dest: /app}}",
                  '    cmd: ["/app/run"]']
    lines += ["signing:", "  mode: key", "pipeline:", "  required: [test]", "  gates: {}",
              "  zizmor: {enabled: false}", ""]
    return "\n".join(lines)


def make_origin(root: Path, project: Project) -> tuple[Path, int]:
    origin = root / "origin"
    origin.mkdir(parents=True)
    (origin / "shipit.yaml").write_text(config(project))
    (origin / "requirements.txt").write_text(REQUIREMENTS)
    (origin / ".github" / "workflows").mkdir(parents=True)
    (origin / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW)
    gen_tree(origin / "lib", 1 << 20, seed=1)
    for i in range(project.images):
        app = origin / f"svc{i:02d}"
        gen_tree(app, int(project.payload_mib * (1 << 20)), seed=100 + i)
        (app / "run").write_text(f"#!/bin/sh\necho svc{i:02d}\n")
        (app / "run").chmod(0o755)
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
           "GIT_AUTHOR_DATE": "2023-11-14T22:13:20Z", "GIT_COMMITTER_DATE": "2023-11-14T22:13:20Z"}
    for cmd in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"], ["git", "commit", "-qm", "feat: initial"]):
        subprocess.run(cmd, cwd=origin, check=True, env=env)
    size = sum(p.stat().st_size for p in origin.rglob("*") if p.is_file() and ".git" not in p.parts)
    return origin, size


class Runner:
    """Fresh clones of the origin, each with its own cache, and timed shipit commands in them."""

    def __init__(self, origin: Path, root: Path, base_env: dict[str, str]):
        self.origin, self.root, self.base_env = origin, root, base_env
        self.count = 0
        self.clone_walls: list[float] = []

    def clone(self) -> Path:
        self.count += 1
        dest = self.root / f"clone-{self.count}"
        start = time.perf_counter()
        subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(self.origin), str(dest)], check=True)
        self.clone_walls.append(time.perf_counter() - start)
        return dest

    def shipit(self, clone: Path, *args: str) -> tuple[float, float, str]:
        """Wall and CPU seconds (user + sys, with its child processes) of one run, and its stdout."""
        env = {**self.base_env, "SHIPIT_CACHE_DIR": str(clone / ".cache")}
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            start = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-m", "shipit", *args], cwd=clone, env=env, stdout=out,
                                    stderr=err)
            _pid, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            out.seek(0)
            err.seek(0)
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"benchmark command failed: shipit {' '.join(args)}\n{err.read().decode()}")
            return wall, usage.ru_utime + usage.ru_stime, out.read().decode()


@dataclass
class Steps:
    one: tuple[float, float]
    plan: tuple[float, float]
    shards: dict[str, tuple[float, float]]
    merge: tuple[float, float]
    sizes: dict[str, int]


def cut(runner: Runner, work: Path) -> Steps:
    """One machine, then plan + every shard + merge, each in its own clean clone; returns the times."""
    single = runner.clone()
    w, c, _ = runner.shipit(single, "release", "--version", V, "--output", "release", "-q")
    one = (w, c)
    sums = (single / "release" / V / "SHA256SUMS").read_text()

    w, c, text = runner.shipit(runner.clone(), "release", "--version", V, "--plan-shards", "--json")
    plan_time = (w, c)
    plan_file = work / "plan.json"
    plan_file.write_text(text)
    units = [u["unit"] for u in json.loads(text)["matrix"]["include"]]

    shards, sizes, archives = {}, {}, []
    for unit in units:
        clone = runner.clone()
        w, c, out = runner.shipit(clone, "release", "--version", V, "--shard", unit, "--plan", str(plan_file),
                                  "--output", "out", "--json", "-q")
        archive = Path(json.loads(out)["archive"])
        moved = work / "artifacts" / archive.name  # what the CI system's artifact storage hands to the merge
        moved.parent.mkdir(exist_ok=True)
        shutil.move(archive, moved)
        shutil.rmtree(clone)  # a runner's disk is gone after its job
        shards[unit], sizes[unit] = (w, c), moved.stat().st_size
        archives.append(str(moved))

    merger = runner.clone()
    w, c, _ = runner.shipit(merger, "release", "--version", V, "--merge", *archives, "--plan", str(plan_file),
                            "--output", "release", "-q")
    merged = (merger / "release" / V / "SHA256SUMS").read_text()
    if merged != sums:
        raise SystemExit("the merged release's SHA256SUMS differs from the one machine's: not the same release")
    for done in (single, merger, work / "artifacts"):
        shutil.rmtree(done)
    return Steps(one, plan_time, shards, (w, c), sizes)


def median_steps(runs: list[Steps]) -> Steps:
    def med(pairs: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)

    units = list(runs[0].shards)
    return Steps(med([r.one for r in runs]), med([r.plan for r in runs]),
                 {u: med([r.shards[u] for r in runs]) for u in units}, med([r.merge for r in runs]), runs[0].sizes)


def report(project: Project, size: int, steps: Steps, runs: int, clone_wall: float) -> dict:
    one = steps.one
    shard_sum = (sum(w for w, _ in steps.shards.values()), sum(c for _, c in steps.shards.values()))
    slowest = max(steps.shards, key=lambda u: steps.shards[u][0])
    sw, sc = steps.shards[slowest]
    critical = (steps.plan[0] + sw + steps.merge[0], steps.plan[1] + sc + steps.merge[1])
    total = (steps.plan[0] + shard_sum[0] + steps.merge[0], steps.plan[1] + shard_sum[1] + steps.merge[1])
    n = len(steps.shards)
    print(f"\n{project.label}: {project.images} images, {n} shards, {size / 2**20:.0f} MiB of layer content; "
          f"median of {runs}; {load_note()}")
    print(ratio_header())
    print(ratio_row("one machine: shipit release", *one, one))
    print(ratio_row("plan (--plan-shards)", *steps.plan, one))
    print(ratio_row(f"shards: sum of {n}", *shard_sum, one))
    print(ratio_row(f"shards: slowest ({slowest})", sw, sc, one))
    print(ratio_row("merge (--merge)", *steps.merge, one))
    print(ratio_row("sharded critical path (plan+slowest+merge)", *critical, one))
    print(ratio_row("sharded total work (plan+shards+merge)", *total, one))
    print(f"  (ratios relative to one machine; each step in a fresh clone with an empty cache; "
          f"a clone took {clone_wall:.2f} s, not counted)")
    print("  per shard (wall s, cpu s, archive MiB):")
    for unit, (w, c) in steps.shards.items():
        print(f"    {w:6.2f} {c:6.2f} {steps.sizes[unit] / 2**20:7.1f}  {unit}")
    return {"label": project.label, "images": project.images, "shards": n, "one": one[0], "critical": critical[0],
            "merge": steps.merge[0], "total": total[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, help="repeat every cut and take medians (default 3, --quick 1)")
    ap.add_argument("--payload-mib", type=float, default=4, help="generated layer content per image")
    ap.add_argument("--quick", action="store_true", help="the small release and a 5-image one of 1 MiB each")
    args = ap.parse_args()
    args.runs = args.runs or (1 if args.quick else 3)
    projects = [Project("small release", 2, args.payload_mib)]
    projects.append(Project("5-image release", 5, 1) if args.quick else Project("10-image release", 10,
                                                                                 args.payload_mib))
    summary = []
    with tempfile.TemporaryDirectory(prefix="shipit-bench-shards-") as tmp_s:
        tmp = Path(tmp_s)
        key_dir = tmp / "key"
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update({"PYTHONPATH": str(SRC), "PYTHONPYCACHEPREFIX": str(tmp / "pycache"), "SOURCE_DATE_EPOCH": SDE,
                    "NO_MKDOCS_2_WARNING": "1", "SHIPIT_KEY_PASSWORD": "bench",
                    "SHIPIT_SIGNING_KEY": str(key_dir / "cosign.key")})
        subprocess.run([sys.executable, "-m", "shipit", "keygen", "--output-dir", str(key_dir)], check=True,
                       stdout=subprocess.DEVNULL, env=env)
        for k, project in enumerate(projects):
            root = tmp / f"p{k}"
            origin, size = make_origin(root, project)
            runner = Runner(origin, root, env)
            if k == 0:  # warm-up, not timed: bytecode and the page cache
                warm = runner.clone()
                runner.shipit(warm, "release", "--version", V, "--output", "release", "-q")
                shutil.rmtree(warm)
                runner.clone_walls.clear()
            results = []
            for r in range(args.runs):
                work = root / f"run{r}"
                work.mkdir()
                results.append(cut(runner, work))
            summary.append(report(project, size, median_steps(results), args.runs,
                                  statistics.median(runner.clone_walls)))
            shutil.rmtree(root)
    print("\nsharded against one machine (wall s; merged SHA256SUMS equal to the one machine's)")
    print(f"{'release':<18} {'shards':>6} {'one machine':>12} {'critical path':>14} {'merge':>7} {'total work':>11}"
          f" {'path/one':>9} {'merge/one':>10} {'overhead':>9}")
    for s in summary:
        print(f"{s['label']:<18} {s['shards']:>6} {s['one']:12.2f} {s['critical']:14.2f} {s['merge']:7.2f} "
              f"{s['total']:11.2f} {s['critical'] / s['one']:8.2f}x {s['merge'] / s['one']:9.2f}x "
              f"{s['total'] / s['one']:8.2f}x")
    print("(path/one: critical path with one runner per shard / one machine; overhead: total work / one machine)")


if __name__ == "__main__":
    main()
