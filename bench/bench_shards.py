"""Sharded releases (plan, shards in separate clones, merge) against one machine's `shipit release`.

The shards stand for the parallel jobs of a CI system.

    python bench/bench_shards.py [--runs 2] [--payload-mib 4] [--no-demo] [--quick]

Two synthetic git projects, every image built by the `oci` builder (no container engine), and the demo
service, all signed with a `shipit keygen` key, SOURCE_DATE_EPOCH fixed:

    small release     2 images, one of them for linux/amd64 + linux/arm64: 3 image units, the source SBOM
                      and the pipeline review (5 shards)
    10-image release  every third image for two platforms: 14 image units + 2 (16 shards)
                      (--quick: 5 images of 1 MiB, 9 shards, one run)
    demo              examples/orders-service: one image for two platforms on its cached Debian bases,
                      the source SBOM, migrations, the pipeline review (5 shards); its validation
                      evidence made first by scripts/demo-evidence.sh (not timed). Skipped, with a line
                      saying why, when the bases (`make base`) are not in ~/.cache/shipit/bases/.

Every synthetic image carries --payload-mib of generated files (60 % source-like text, 40 % incompressible
bytes) plus a 1 MiB library layer shared by all images. Each step runs as a separate CI runner would: in
its own fresh `git clone` (not timed: the CI checkout) with its own empty SHIPIT_CACHE_DIR. Rows:

    one machine          `shipit release` of everything
    plan                 `shipit release --plan-shards --json`
    shards               `shipit release --shard UNIT --plan plan.json`, one per unit, one after the
                         other, each measured alone (sum; slowest)
    merge                `shipit release --merge *.shard.tar --plan plan.json`
    critical path        plan + slowest shard + merge: the wall time with one runner per shard
    total work           plan + every shard + merge: what the runners spend together
    parallel, measured   plan, then every shard at once as N processes (clones made beforehand), then the
                         merge: one wall clock around the three. This machine's cores bound it; the
                         critical path is what N runners would take.

Every figure is the median of --runs cuts (default 2: the default run takes about 5 minutes on 2 cores).
Both the sequential and the parallel cut's merged SHA256SUMS must equal the one machine's, else the
benchmark fails. Every shipit process reads cached bytecode, as an installed shipit does (an untimed
warm-up release fills a private bytecode cache, even when PYTHONDONTWRITEBYTECODE is set).

Last, the per-unit costs for a cost model: the start-up of any shipit process, the plan, each kind of unit
(its process wall, the seconds its stages report in `--json`, the rest: start-up, config, plan, archive;
image units per MiB of layer content) and the merge by number of shards and archive MiB.
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
from typing import IO

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[0]
SRC = REPO / "src"
DEMO = REPO / "examples" / "orders-service"
DEMO_BASES = {"linux-amd64": Path.home() / ".cache" / "shipit" / "bases" / "debian-bookworm-python3-orders",
              "linux-arm64": Path.home() / ".cache" / "shipit" / "bases" / "debian-bookworm-python3-orders-arm64"}
sys.path.insert(0, str(HERE))
from _common import linear_fit, load_note, median_of, ratio_header, ratio_row

SDE = "1700000000"
V = "1.0.0"
MIB = 1 << 20
GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "bench@example.com", "GIT_AUTHOR_DATE": "2023-11-14T22:13:20Z",
           "GIT_COMMITTER_DATE": "2023-11-14T22:13:20Z"}
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


@dataclass
class Origin:
    """A git repository to release, and what its image units hold: unit id -> (MiB of the image's own
    layers, MiB of its base image)."""

    label: str
    path: Path
    what: str
    image_mib: dict[str, tuple[float, float]]


def tree_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")


def git_commit(repo: Path, *force_add: str) -> None:
    env = {**os.environ, **GIT_ENV}
    for cmd in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"],
                *([["git", "add", "-f", *force_add]] if force_add else []), ["git", "commit", "-qm", "feat: initial"]):
        subprocess.run(cmd, cwd=repo, check=True, env=env)


# --- the synthetic projects --------------------------------------------------------------------------


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


def make_origin(root: Path, project: Project) -> Origin:
    origin = root / "origin"
    origin.mkdir(parents=True)
    (origin / "shipit.yaml").write_text(config(project))
    (origin / "requirements.txt").write_text(REQUIREMENTS)
    (origin / ".github" / "workflows").mkdir(parents=True)
    (origin / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW)
    gen_tree(origin / "lib", MIB, seed=1)
    image_mib = {}
    for i in range(project.images):
        app = origin / f"svc{i:02d}"
        gen_tree(app, int(project.payload_mib * MIB), seed=100 + i)
        (app / "run").write_text(f"#!/bin/sh\necho svc{i:02d}\n")
        (app / "run").chmod(0o755)
        own = (tree_size(origin / "lib") + tree_size(app)) / MIB
        for platform in project.platforms(i):
            image_mib[f"image:svc{i:02d}:{platform.replace('/', '-')}"] = (own, 0.0)
    git_commit(origin)
    size = sum(p.stat().st_size for p in origin.rglob("*") if p.is_file() and ".git" not in p.parts)
    return Origin(project.label, origin, f"{project.images} images, {size / MIB:.0f} MiB of layer content",
                  image_mib)


# --- the demo ----------------------------------------------------------------------------------------


def demo_skip_reason() -> str | None:
    missing = [str(p) for p in DEMO_BASES.values() if not (p / "index.json").is_file()]
    if missing:
        return (f"its Debian bases are not built ({', '.join(missing)} missing; `make base` builds them, "
                f"~3 minutes once)")
    return None


def make_demo_origin(root: Path, env: dict[str, str]) -> Origin:
    """The demo as its own git repository, its validation evidence made by scripts/demo-evidence.sh (run
    on a copy laid out as in this repository) and committed (its .gitignore leaves reports/ out)."""
    origin = root / "examples" / "orders-service"
    shutil.copytree(DEMO, origin, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.db", ".pytest_cache",
                                                                 ".coverage*", "reports", "site"))
    (root / "scripts").mkdir()
    script = shutil.copy2(REPO / "scripts" / "demo-evidence.sh", root / "scripts")
    proc = subprocess.run([script], env={**env, "PYTHON": sys.executable}, capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        raise SystemExit(f"scripts/demo-evidence.sh failed:\n{proc.stdout}{proc.stderr}")
    for cov in (origin / "reports").glob(".coverage*"):
        cov.unlink()
    git_commit(origin, "reports")
    own = sum(tree_size(origin / p) for p in ("orders", "migrations", "alembic.ini")) / MIB
    image_mib = {f"image:orders-service:{slug}": (own, tree_size(base) / MIB) for slug, base in DEMO_BASES.items()}
    return Origin("demo", origin, "orders-service: 1 image for 2 platforms on Debian bases, migrations, site",
                  image_mib)


# --- running shipit ----------------------------------------------------------------------------------


@dataclass
class Job:
    args: tuple[str, ...]
    proc: subprocess.Popen
    out: IO[bytes]
    err: IO[bytes]
    start: float
    wall: float = 0.0
    cpu: float = 0.0
    stdout: str = ""


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

    def start(self, clone: Path, *args: str) -> Job:
        env = {**self.base_env, "SHIPIT_CACHE_DIR": str(clone / ".cache")}
        out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115 (closed by wait())
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "shipit", *args], cwd=clone, env=env, stdout=out, stderr=err)
        return Job(args, proc, out, err, start)

    @staticmethod
    def wait(jobs: list[Job]) -> None:
        """Reap the jobs as they end: each one's wall and CPU seconds (user + sys, with its child processes)."""
        pending = {job.proc.pid: job for job in jobs}
        while pending:
            pid, status, usage = os.wait4(-1, 0)
            job = pending.pop(pid, None)
            if job is None:
                continue
            job.wall, job.cpu = time.perf_counter() - job.start, usage.ru_utime + usage.ru_stime
            job.proc.returncode = os.waitstatus_to_exitcode(status)
            job.out.seek(0)
            job.err.seek(0)
            job.stdout, stderr = job.out.read().decode(), job.err.read().decode()
            job.out.close()
            job.err.close()
            if job.proc.returncode != 0:
                for other in pending.values():  # the others of a parallel batch: no use finishing them
                    other.proc.kill()
                    other.proc.wait()
                raise SystemExit(f"benchmark command failed: shipit {' '.join(job.args)}\n{stderr}")

    def shipit(self, clone: Path, *args: str) -> tuple[float, float, str]:
        """Wall and CPU seconds of one run, and its stdout."""
        job = self.start(clone, *args)
        self.wait([job])
        return job.wall, job.cpu, job.stdout


def stage_seconds(out: str) -> dict[str, float]:
    """The seconds each stage reports in a `--json` summary (the work, without start-up, config and plan)."""
    return {s["name"]: s["seconds"] for s in json.loads(out)["stages"] if s["status"] == "passed"}


@dataclass
class Steps:
    one: tuple[float, float]
    plan: tuple[float, float]
    shards: dict[str, tuple[float, float]]
    merge: tuple[float, float]
    sizes: dict[str, int]
    work: dict[str, float]  # per unit: the seconds its shard's stages report
    merge_stages: dict[str, float]
    parallel: tuple[float, float]  # plan + every shard at once + merge: one wall clock; CPU of all processes
    parallel_shards: tuple[float, float]  # the shards at once: their wall clock; CPU of all of them


def shard_args(unit: str, plan_file: Path) -> tuple[str, ...]:
    return ("release", "--version", V, "--shard", unit, "--plan", str(plan_file), "--output", "out", "--json", "-q")


def merge_args(archives: list[str], plan_file: Path) -> tuple[str, ...]:
    return ("release", "--version", V, "--merge", *archives, "--plan", str(plan_file), "--output", "release",
            "--json", "-q")


def collect(clone: Path, out: str, work: Path) -> tuple[str, int]:
    """Move a shard's archive where the CI system's artifact storage would hand it to the merge."""
    archive = Path(json.loads(out)["archive"])
    moved = work / "artifacts" / archive.name
    moved.parent.mkdir(exist_ok=True)
    shutil.move(archive, moved)
    shutil.rmtree(clone)  # a runner's disk is gone after its job
    return str(moved), moved.stat().st_size


def same_release(merger: Path, sums: str, how: str) -> None:
    if (merger / "release" / V / "SHA256SUMS").read_text() != sums:
        raise SystemExit(f"the {how} merged release's SHA256SUMS differs from the one machine's: not the same release")


def cut(runner: Runner, work: Path) -> Steps:
    """One machine; plan + every shard one after the other + merge; then plan + every shard at once + merge.
    Each step in its own clean clone; returns the times."""
    single = runner.clone()
    w, c, _ = runner.shipit(single, "release", "--version", V, "--output", "release", "-q")
    one = (w, c)
    sums = (single / "release" / V / "SHA256SUMS").read_text()

    w, c, text = runner.shipit(runner.clone(), "release", "--version", V, "--plan-shards", "--json")
    plan_time, plan_id = (w, c), json.loads(text)["plan_id"]
    plan_file = work / "plan.json"
    plan_file.write_text(text)
    units = [u["unit"] for u in json.loads(text)["matrix"]["include"]]

    shards, sizes, unit_work, archives = {}, {}, {}, []
    for unit in units:
        clone = runner.clone()
        w, c, out = runner.shipit(clone, *shard_args(unit, plan_file))
        shards[unit], unit_work[unit] = (w, c), sum(stage_seconds(out).values())
        archive, sizes[unit] = collect(clone, out, work)
        archives.append(archive)
    merger = runner.clone()
    w, c, out = runner.shipit(merger, *merge_args(archives, plan_file))
    merge, merge_stages = (w, c), stage_seconds(out)
    same_release(merger, sums, "sequential")
    for done in (merger, work / "artifacts"):
        shutil.rmtree(done)

    # the same, the shards at once: every clone made first (a CI runner's checkout), then one wall clock
    planner, merger, clones = runner.clone(), runner.clone(), [runner.clone() for _ in units]
    start = time.perf_counter()
    _w, plan_cpu, text = runner.shipit(planner, "release", "--version", V, "--plan-shards", "--json")
    if json.loads(text)["plan_id"] != plan_id:
        raise SystemExit("the plan differs between two checkouts of the same commit")
    plan_file.write_text(text)
    shards_start = time.perf_counter()
    jobs = [runner.start(clone, *shard_args(unit, plan_file)) for clone, unit in zip(clones, units)]
    runner.wait(jobs)
    parallel_shards = (time.perf_counter() - shards_start, sum(job.cpu for job in jobs))
    archives = [collect(clone, job.stdout, work)[0] for clone, job in zip(clones, jobs)]
    _w, merge_cpu, _ = runner.shipit(merger, *merge_args(archives, plan_file))
    parallel = (time.perf_counter() - start, plan_cpu + parallel_shards[1] + merge_cpu)
    same_release(merger, sums, "parallel")
    for done in (single, merger, work / "artifacts"):
        shutil.rmtree(done)
    return Steps(one, plan_time, shards, merge, sizes, unit_work, merge_stages, parallel, parallel_shards)


def median_steps(runs: list[Steps]) -> Steps:
    def med(pairs: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)

    def med_dict(dicts: list[dict[str, float]]) -> dict[str, float]:
        return {k: statistics.median(d.get(k, 0.0) for d in dicts) for k in dicts[0]}

    units = list(runs[0].shards)
    return Steps(med([r.one for r in runs]), med([r.plan for r in runs]),
                 {u: med([r.shards[u] for r in runs]) for u in units}, med([r.merge for r in runs]), runs[0].sizes,
                 med_dict([r.work for r in runs]), med_dict([r.merge_stages for r in runs]),
                 med([r.parallel for r in runs]), med([r.parallel_shards for r in runs]))


def report(origin: Origin, steps: Steps, runs: int, clone_wall: float) -> dict:
    one = steps.one
    shard_sum = (sum(w for w, _ in steps.shards.values()), sum(c for _, c in steps.shards.values()))
    slowest = max(steps.shards, key=lambda u: steps.shards[u][0])
    sw, sc = steps.shards[slowest]
    critical = (steps.plan[0] + sw + steps.merge[0], steps.plan[1] + sc + steps.merge[1])
    total = (steps.plan[0] + shard_sum[0] + steps.merge[0], steps.plan[1] + shard_sum[1] + steps.merge[1])
    n = len(steps.shards)
    print(f"\n{origin.label}: {origin.what}, {n} shards; median of {runs}; {load_note()}")
    print(ratio_header())
    print(ratio_row("one machine: shipit release", *one, one))
    print(ratio_row("plan (--plan-shards)", *steps.plan, one))
    print(ratio_row(f"shards: sum of {n}", *shard_sum, one))
    print(ratio_row(f"shards: slowest ({slowest})", sw, sc, one))
    print(ratio_row("merge (--merge)", *steps.merge, one))
    print(ratio_row("sharded critical path (plan+slowest+merge)", *critical, one))
    print(ratio_row("sharded total work (plan+shards+merge)", *total, one))
    print(ratio_row(f"parallel, measured (plan+{n} at once+merge)", *steps.parallel, one))
    print(ratio_row(f"  of which the {n} shards at once", *steps.parallel_shards, one))
    print(f"  (ratios relative to one machine; each step in a fresh clone with an empty cache; a clone took "
          f"{clone_wall:.2f} s, not counted. This machine has {os.cpu_count()} cores: the {n} shards at once "
          f"share them, so the measured parallel wall is bounded by the cores; the critical path is what {n} "
          f"runners would take)")
    print("  per shard (wall s, cpu s, work s: what its stages report, archive MiB):")
    for unit, (w, c) in steps.shards.items():
        print(f"    {w:6.2f} {c:6.2f} {steps.work[unit]:6.2f} {steps.sizes[unit] / MIB:7.1f}  {unit}")
    return {"label": origin.label, "shards": n, "one": one[0], "critical": critical[0], "merge": steps.merge[0],
            "parallel": steps.parallel[0], "total": total[0], "plan": steps.plan[0], "steps": steps,
            "archive_mib": sum(steps.sizes.values()) / MIB, "image_mib": origin.image_mib}


def unit_kind(unit: str) -> str:
    return "image" if unit.startswith("image:") else unit


def det3(m: list[list[float]]) -> float:
    return (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]))


def merge_rest_model(summary: list[dict]) -> tuple[float, float, float] | None:
    """The merge's rest (wall - its stages) = a + b x shards + c x archive MiB, through three releases:
    three points, three unknowns, solved exactly (Cramer's rule), not fitted."""
    if len(summary) != 3:
        return None
    rows = [[1.0, float(s["shards"]), s["archive_mib"]] for s in summary]
    ys = [s["merge"] - sum(s["steps"].merge_stages.values()) for s in summary]
    d = det3(rows)
    if abs(d) < 1e-9:
        return None
    a, b, c = (det3([[ys[i] if j == k else rows[i][j] for j in range(3)] for i in range(3)]) / d for k in range(3))
    return a, b, c


def cost_table(summary: list[dict], startup: dict[str, tuple[float, float]]) -> None:
    """Per-unit costs, for a cost model of a larger release: every figure a median wall in seconds."""
    print("\nper-unit costs for a cost model (wall s, medians; work: the seconds the unit's stages report in "
          "--json; rest: wall - work, i.e. interpreter, imports, config, plan, writing the archive)")
    for name, (wall, cpu) in startup.items():
        print(f"  process start-up: {name:<34} {wall:6.3f} s wall {cpu:6.3f} s cpu")
    print("  plan (--plan-shards): " + ", ".join(f"{s['label']} {s['plan']:.2f} s" for s in summary))
    print(f"  {'unit':<12} {'release':<18} {'n':>3} {'wall s':>7} {'work s':>7} {'rest s':>7} "
          f"{'MiB/unit':>16} {'work s/MiB':>11} {'wall s/MiB':>11}")
    kinds = ["image", "sbom:source", "pipeline", "migrations"]
    for kind in kinds:
        for s in summary:
            steps: Steps = s["steps"]
            units = [u for u in steps.shards if unit_kind(u) == kind]
            if not units:
                continue
            wall = statistics.median(steps.shards[u][0] for u in units)
            work = statistics.median(steps.work[u] for u in units)
            rest = statistics.median(steps.shards[u][0] - steps.work[u] for u in units)
            line = f"  {kind:<12} {s['label']:<18} {len(units):>3} {wall:7.2f} {work:7.2f} {rest:7.2f}"
            if kind == "image":
                own = statistics.median(s["image_mib"][u][0] for u in units)
                base = statistics.median(s["image_mib"][u][1] for u in units)
                mib = own + base
                held = f"{own:.2f} + base {base:.1f}" if base else f"{own:.2f}"
                line += f" {held:>16} {work / mib:11.4f} {wall / mib:11.4f}"
            print(line)
    synthetic = [s for s in summary if s["label"] != "demo"]
    print("  one machine, per image unit (slope between the synthetic releases): "
          + (f"{(synthetic[1]['one'] - synthetic[0]['one']) / (synthetic[1]['shards'] - synthetic[0]['shards']):.3f} s"
             if len(synthetic) == 2 else "n/a"))
    print("  merge by release size (wall s; stages: the seconds the merge's stages report, largest first; rest: "
          "wall - stages, i.e. start-up, plan, checking and extracting the archives)")
    print(f"    {'release':<18} {'shards':>6} {'archive MiB':>12} {'merge s':>8} {'rest s':>7}  stages s")
    for s in summary:
        stages = sorted(s["steps"].merge_stages.items(), key=lambda kv: -kv[1])
        rest = s["merge"] - sum(s["steps"].merge_stages.values())
        print(f"    {s['label']:<18} {s['shards']:>6} {s['archive_mib']:12.1f} {s['merge']:8.2f} {rest:7.2f}  "
              + ", ".join(f"{name} {secs:.2f}" for name, secs in stages if secs >= 0.005))
    if len(synthetic) == 2:
        a, b, _ = linear_fit([s["shards"] for s in synthetic], [s["merge"] for s in synthetic])
        a2, b2, _ = linear_fit([s["archive_mib"] for s in synthetic], [s["merge"] for s in synthetic])
        print(f"    line through the two synthetic releases: merge = {a:.2f} s + {b:.3f} s per shard, or "
              f"{a2:.2f} s + {b2:.3f} s per archive MiB (shards and MiB grow together here: one line read two "
              f"ways; the demo adds the site, ops and migrations stages at the merge)")
    model = merge_rest_model(summary)
    if model:
        print(f"    merge rest through all three releases: {model[0]:.2f} s + {model[1]:.4f} s per shard + "
              f"{model[2]:.4f} s per archive MiB (solved exactly from three points: noisy); add the stages "
              f"that run at the merge (sign, site, ops, ...)")


def bench(origin: Origin, root: Path, env: dict[str, str], runs: int) -> dict:
    runner = Runner(origin.path, root, env)
    warm = runner.clone()  # warm-up, not timed: bytecode and the page cache
    runner.shipit(warm, "release", "--version", V, "--output", "release", "-q")
    shutil.rmtree(warm)
    runner.clone_walls.clear()
    results = []
    for r in range(runs):
        work = root / f"run{r}"
        work.mkdir()
        results.append(cut(runner, work))
    return report(origin, median_steps(results), runs, statistics.median(runner.clone_walls))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, help="repeat every cut and take medians (default 2, --quick 1)")
    ap.add_argument("--payload-mib", type=float, default=4, help="generated layer content per image")
    ap.add_argument("--quick", action="store_true", help="the small release and a 5-image one of 1 MiB each")
    ap.add_argument("--no-demo", action="store_true", help="leave out the demo service's release")
    args = ap.parse_args()
    args.runs = args.runs or (1 if args.quick else 2)
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
            summary.append(bench(make_origin(root, project), root, env, args.runs))
            shutil.rmtree(root)
        startup = {f"python {' '.join(cmd)}": median_of([sys.executable, *cmd], 5, env=env)
                   for cmd in (["-c", "pass"], ["-m", "shipit", "--shipit-version"])}
        skipped = "left out (--no-demo)" if args.no_demo else demo_skip_reason()
        if skipped:
            print(f"\ndemo: skipped: {skipped}")
        else:
            root = tmp / "demo"
            summary.append(bench(make_demo_origin(root, env), root, env, args.runs))
    print(f"\nsharded against one machine (wall s; merged SHA256SUMS equal to the one machine's; "
          f"{os.cpu_count()} cores here)")
    print(f"{'release':<18} {'shards':>6} {'one machine':>12} {'critical path':>14} {'parallel':>9} {'merge':>7} "
          f"{'total work':>11} {'path/one':>9} {'par/one':>8} {'merge/one':>10} {'overhead':>9}")
    for s in summary:
        print(f"{s['label']:<18} {s['shards']:>6} {s['one']:12.2f} {s['critical']:14.2f} {s['parallel']:9.2f} "
              f"{s['merge']:7.2f} {s['total']:11.2f} {s['critical'] / s['one']:8.2f}x {s['parallel'] / s['one']:7.2f}x "
              f"{s['merge'] / s['one']:9.2f}x {s['total'] / s['one']:8.2f}x")
    print(f"(path/one: critical path with one runner per shard / one machine; par/one: plan + every shard at once "
          f"as processes on this machine's {os.cpu_count()} cores + merge, measured / one machine; overhead: total "
          f"work / one machine)")
    cost_table(summary, startup)


if __name__ == "__main__":
    main()
