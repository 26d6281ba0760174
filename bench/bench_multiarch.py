"""Multi-platform images: what the second platform (linux/arm64) costs on top of the first (linux/amd64),
for the demo image (Debian base + python3 + wheels, ~67 MB per platform, and the service's 3 layers).

    python bench/bench_multiarch.py [--runs 5]

Each run is a fresh process (`build_image` of examples/orders-service's image, the images stage's work)
with, per case, an empty layer cache ("cold": the service's layers are tarred and gzipped) or a filled one
("warm"). Rows: the whole process (wall, CPU) and the build inside it (from loading the config to the
written archive). The project's layers are built once and shared by both platforms; what the second
platform adds is reading its base and copying its ~67 MB of base blobs into the archive. The SBOM rows
catalogue each platform's rootfs (that work is per platform by nature: another architecture's files).
Needs the demo's bases (`make base`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
DEMO = REPO / "examples" / "orders-service"
BASES = Path.home() / ".cache" / "shipit" / "bases"

BUILD = """
import json, sys, time
t0 = time.perf_counter()
from pathlib import Path
from shipit.config import load_config
from shipit.images.build import build_image
demo, out, n = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
[image] = load_config(demo / "shipit.yaml").images
image = image.model_copy(update={"platforms": image.platforms[:n],
                                 "base": {p: image.base[p] for p in image.platforms[:n]}})
t1 = time.perf_counter()
o = build_image(image, project_dir=demo, out=out, source_date_epoch=1700000000, annotations={}, tags=["1"],
                log=lambda _l: None)
print(json.dumps({"build": time.perf_counter() - t1, "import": t1 - t0, "digest": o.extra["manifest_digest"],
                  "size": out.stat().st_size}))
"""

SBOM = """
import json, sys, time
from datetime import datetime, timezone
from pathlib import Path
from shipit.sbom.scan import scan_image
archive, platforms = Path(sys.argv[1]), json.loads(sys.argv[2])
t = time.perf_counter()
for platform, digest in platforms:
    scan_image(archive, name="orders-service", version="1", timestamp=datetime.now(timezone.utc),
               manifest_digest=digest, platform=platform)
print(json.dumps({"build": time.perf_counter() - t}))
"""


def child(code: str, args: list[str], env: dict[str, str]) -> tuple[float, float, dict]:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, env=env, text=True)
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark child failed: {args}")
    return wall, usage.ru_utime + usage.ru_stime, json.loads(out.strip().splitlines()[-1])


def median_runs(code: str, args_for, runs: int, env_for, cleanup=lambda _i: None) -> dict[str, float]:
    samples = []
    for i in range(runs + 1):
        samples.append(child(code, args_for(i), env_for(i)))
        cleanup(i)  # outside the timing: a release writes into a fresh staging directory
    samples = samples[1:]  # the first run warms the page cache
    return {"wall": statistics.median(s[0] for s in samples), "cpu": statistics.median(s[1] for s in samples),
            "build": statistics.median(s[2]["build"] for s in samples), "size": samples[0][2].get("size", 0)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    bases = [BASES / "debian-bookworm-python3-orders", BASES / "debian-bookworm-python3-orders-arm64"]
    if not all((b / "oci-layout").is_file() for b in bases):
        print("multiarch: skipped (the demo's bases are not built: make base)")
        return
    tmp = Path(tempfile.mkdtemp(prefix="shipit-bench-multiarch-"))
    try:
        env = {**os.environ, "PYTHONPATH": str(SRC)}
        rows = {}
        for n in (1, 2):
            for mode in ("cold", "warm"):
                def env_for(i, mode=mode, n=n):
                    cache = tmp / (f"cache-{n}-{i}" if mode == "cold" else "cache-warm")
                    return {**env, "SHIPIT_CACHE_DIR": str(cache)}
                def out(i, n=n):
                    return tmp / f"out-{n}-{i}.oci.tar"

                def keep_last(i, n=n, out=out):
                    if i < args.runs:
                        out(i).unlink()
                    else:
                        os.replace(out(i), tmp / f"out-{n}.oci.tar")

                rows[(n, mode)] = median_runs(BUILD, lambda i, n=n, out=out: [str(DEMO), str(out(i)), str(n)],
                                              args.runs, env_for, keep_last)
                for p in tmp.glob("cache-[12]-*"):
                    shutil.rmtree(p, ignore_errors=True)
        index = json.loads(subprocess.run(["skopeo", "inspect", "--raw", f"oci-archive:{tmp / 'out-2.oci.tar'}"],
                                          capture_output=True, text=True).stdout or "{}") if shutil.which("skopeo") else {}
        platforms = [[f"{m['platform']['os']}/{m['platform']['architecture']}", m["digest"]]
                     for m in index.get("manifests", [])]
        sbom = {}
        if platforms:
            for n in (1, 2):
                sbom[n] = median_runs(SBOM, lambda _i, n=n: [str(tmp / "out-2.oci.tar"), json.dumps(platforms[:n])],
                                      max(1, args.runs // 2), lambda _i: env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    lines = [f"demo image, linux/amd64 alone vs + linux/arm64, median of {args.runs} runs, {os.cpu_count()} cores",
             f"{'case':<30} {'wall s':>8} {'cpu s':>8} {'build s':>8} {'archive MB':>11}"]
    for (n, mode), r in rows.items():
        lines.append(f"{f'{n} platform(s), {mode} cache':<30} {r['wall']:8.3f} {r['cpu']:8.3f} {r['build']:8.3f} "
                     f"{r['size'] / 1e6:11.1f}")
    for mode in ("cold", "warm"):
        one, two = rows[(1, mode)], rows[(2, mode)]
        lines.append(f"2 platforms / 1 platform, {mode}: process {two['wall'] / one['wall']:.2f}x wall, "
                     f"{two['cpu'] / one['cpu']:.2f}x CPU; build {two['build'] / one['build']:.2f}x")
    for n, r in sbom.items():
        lines.append(f"{f'SBOM of {n} platform(s)':<30} {r['wall']:8.3f} {r['cpu']:8.3f} {r['build']:8.3f}")
    if len(sbom) == 2:
        lines.append(f"SBOMs 2 / 1: {sbom[2]['build'] / sbom[1]['build']:.2f}x (each platform's rootfs is catalogued)")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
