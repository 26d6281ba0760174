#!/usr/bin/env python3
"""Benchmark: shipit's image SBOM vs ``cyclonedx-py environment`` on the same site-packages.

Copies N installed distributions (default 40 of at most 5 MB each, by their RECORD files) from this interpreter's
site-packages into (a) a fresh virtualenv and (b) a one-layer OCI image at
/usr/local/lib/python3.11/site-packages, then times:

* shipit, in-process: replay the layer, catalogue, build, validate (``scan_image``);
* shipit, CLI: ``shipit sbom --image`` in a subprocess (interpreter start-up included);
* ``cyclonedx-py environment`` on the virtualenv's python (validation on, as by default).

With ``--image OCI_TAR`` (e.g. the demo's release/1.0.0/images/orders-service.oci.tar) the same
comparison runs on that image instead: shipit catalogues the whole image (dpkg + Python), and the
image's own site-packages directories are copied out of its layers into a virtualenv for
``cyclonedx-py environment``.

Usage: python bench/bench_sbom.py [--dists N [--max-dist-mb 5] | --all | --image OCI_TAR] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO / "tests" / "sbom")]

from ocitools import tree_layer, write_layout  # noqa: E402

from shipit.sbom.scan import scan_image  # noqa: E402

SITE = "usr/local/lib/python3.11/site-packages"


def _record_size(info: Path) -> int:
    total = 0
    for line in (info / "RECORD").read_text(errors="replace").splitlines():
        size = line.rsplit(",", 1)[-1]
        total += int(size) if size.isdigit() else 0
    return total


def copy_dists(src: Path, dest: Path, limit: int | None, max_mb: float) -> int:
    dists = sorted(p for p in src.glob("*.dist-info") if (p / "RECORD").is_file())
    if limit:
        dists = [p for p in dists if _record_size(p) <= max_mb * 1e6][:limit]
    for info in dists:
        for line in (info / "RECORD").read_text(errors="replace").splitlines():
            rel = line.split(",", 1)[0]
            if not rel or rel.startswith(("..", "/")):
                continue
            s, d = src / rel, dest / rel
            if s.is_file() and not d.exists():
                d.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(s, d)
    return len(dists)


def copy_image_site_packages(archive: Path, dest: Path) -> tuple[int, list[str]]:
    """Copy the image's site directories (where its Python metadata lives) into ``dest``."""
    import posixpath
    import tarfile

    from shipit.images.layout import OciLayout

    found = scan_image(archive, name="probe", version="0", timestamp=datetime.fromtimestamp(0, tz=timezone.utc))
    sites = sorted({posixpath.dirname(posixpath.dirname(p.path)).lstrip("/") + "/"
                    for p in found.packages if p.ecosystem == "pypi"})
    with OciLayout(archive) as layout:
        for layer in layout.image().layers:
            with layout.open_layer(layer) as raw, tarfile.open(fileobj=raw, mode="r|*") as tar:
                for m in tar:
                    name = m.name.lstrip("./")
                    site = next((s for s in sites if name.startswith(s)), None)
                    if site is None or not (m.isreg() or m.isdir()) or "/.wh." in "/" + name:
                        continue
                    target = dest / name[len(site):]
                    if m.isdir():
                        target.mkdir(parents=True, exist_ok=True)
                    else:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(tar.extractfile(m).read())
    return sum(1 for p in found.packages if p.ecosystem == "pypi"), sites


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dists", type=int, default=40)
    ap.add_argument("--max-dist-mb", type=float, default=5.0, help="skip larger distributions (not with --all)")
    ap.add_argument("--all", action="store_true", help="copy every distribution (can be large)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--image", type=Path, help="compare on this OCI archive and its own site-packages")
    args = ap.parse_args()

    src = Path(sysconfig.get_paths()["purelib"])
    ts = datetime.fromtimestamp(0, tz=timezone.utc)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "SOURCE_DATE_EPOCH": "0"}
    with tempfile.TemporaryDirectory(prefix="bench-sbom-") as tmp:
        tmp = Path(tmp)
        venv = tmp / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        vsite = Path(subprocess.run([str(venv / "bin/python"), "-c",
                                     "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                    capture_output=True, text=True, check=True).stdout.strip())
        if args.image:
            archive = args.image
            n, sites = copy_image_site_packages(archive, vsite)
            size = archive.stat().st_size
            what = f"{archive.name} ({size / 1e6:.1f} MB archive); site dirs {', '.join('/' + s for s in sites)}"
        else:
            n = copy_dists(src, vsite, None if args.all else args.dists, args.max_dist_mb)
            root = tmp / "root"
            (root / SITE).parent.mkdir(parents=True)
            shutil.copytree(vsite, root / SITE, symlinks=True)
            size = sum(p.stat().st_size for p in (root / SITE).rglob("*") if p.is_file())
            archive = tmp / "site.oci.tar"
            write_layout(archive, [tree_layer(root, tmp / "layer.tar.gz", gz=True)])
            what = f"site-packages of {n} distributions, {size / 1e6:.1f} MB"

        t_lib, res = timed(lambda: scan_image(archive, name="bench", version="0", timestamp=ts), args.repeat)
        ours = len(res.packages)
        t_cli, _ = timed(lambda: subprocess.run(
            [sys.executable, "-m", "shipit", "sbom", "--image", str(archive), "-o", str(tmp / "shipit.json")],
            env=env, check=True, capture_output=True), args.repeat)
        t_cdx, _ = timed(lambda: subprocess.run(
            [sys.executable, "-m", "cyclonedx_py", "environment", "--output-reproducible", "--sv", "1.6",
             "-o", str(tmp / "cdx.json"), str(venv / "bin/python")], env=env, check=True, capture_output=True),
            args.repeat)
        theirs = len(json.loads((tmp / "cdx.json").read_text()).get("components", []))

        rows = [("shipit scan_image (in-process)", ours, t_lib),
                ("shipit sbom --image (CLI)", ours, t_cli),
                ("cyclonedx-py environment (CLI)", theirs, t_cdx)]

    print(f"{what}; {n} Python distributions; median of {args.repeat} runs")
    print(f"{'tool':<40} {'components':>10} {'seconds':>9} {'vs cyclonedx-py':>16}")
    for name, count, secs in rows:
        print(f"{name:<40} {count:>10} {secs:>9.3f} {secs / t_cdx:>15.2f}x")


if __name__ == "__main__":
    main()
