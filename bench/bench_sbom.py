#!/usr/bin/env python3
"""The SBOM stage on an image of many packages, against listing the same packages with the distributions'
own tools (the floor) and against `cyclonedx-py environment` (an SBOM of the Python part only).

    python bench/bench_sbom.py [--components 1100] [--payload-mib 40] [--runs 5]
    python bench/bench_sbom.py --image release/1.0.0/images/orders-service.oci.tar   # a real image

The synthetic image (bench/synth.py) is a Debian root filesystem in two gzip layers: dpkg status
stanzas with copyright files (60 %) and Python distributions in site-packages (40 %). The same tree
is written to disk for the floor and a virtualenv gets the same distributions for cyclonedx-py:

* floor: `dpkg-query --admindir ROOT/var/lib/dpkg -W` + `pip list --path SITE` on the unpacked tree;
* `cyclonedx-py environment` on the virtualenv's python (validation on, as by default);
* `shipit sbom --image IMG -o OUT`: what the sbom stage does for one image (read the layers from the
  archive, catalogue, write CycloneDX 1.6, validate), interpreter start-up included.

With --image, the comparison runs on that archive: shipit catalogues the whole image, the floor lists
its packages from an unpacked copy, and cyclonedx-py gets its site-packages.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HERE = REPO / "bench"
sys.path[:0] = [str(HERE), str(REPO / "src")]
from _common import load_note, median_of, print_phases, ratio_header, ratio_row  # noqa: E402

PHASES = r"""
from datetime import datetime, timezone
from pathlib import Path
import shipit.cli, shipit.sbom.cli
from shipit.images.layout import MiB, OciLayout
from shipit.sbom.catalog import catalog, distro, wanted
from shipit.sbom.document import dumps, image_document
from shipit.sbom.replay import replay_layers
from shipit.sbom.validate import problem, schema_for
lap("start-up and imports")
with OciLayout(Path(sys.argv[1])) as layout:
    image = layout.image()
    lap("open the archive, read index/manifest/config")
    fs = replay_layers(layout, image, wanted, max_read_bytes=256 * MiB, max_layer_bytes=16384 * MiB)
lap("replay the layers (gunzip, tar headers, whiteouts)")
packages = catalog(fs, lambda m: None); dist = distro(fs)
lap("catalogue (dpkg status, copyright, METADATA)")
doc = image_document(name="bench", version="0", manifest_digest=image.manifest_digest, repository="",
                     packages=packages, distro=dist, timestamp=datetime.fromtimestamp(0, tz=timezone.utc))
lap("CycloneDX document (licenses, purls)")
schema_for("1.6")
lap("compile the 1.6 schema")
assert problem(doc, "1.6") is None
lap("validate")
data = dumps(doc)
lap("serialize")
Path(sys.argv[2]).write_bytes(data)
lap("write")
print(json.dumps(out))
"""


def unpack_image(archive: Path, root: Path) -> None:
    """The image's layers, in order, into ``root`` (whiteouts applied; a benchmark's trusted input)."""
    from shipit.images.layout import OciLayout

    with OciLayout(archive) as layout:
        for layer in layout.image().layers:
            with layout.open_layer(layer) as raw, tarfile.open(fileobj=raw, mode="r|*") as tar:
                for m in tar:
                    name = m.name.lstrip("./")
                    base = os.path.basename(name)
                    if base.startswith(".wh."):
                        victim = root / os.path.dirname(name) / base[4:]
                        if victim.is_dir() and not victim.is_symlink():
                            subprocess.run(["rm", "-rf", str(victim)], check=True)
                        else:
                            victim.unlink(missing_ok=True)
                        continue
                    if m.isdev() or m.islnk():
                        continue
                    tar.extract(m, root, filter="data") if not m.issym() else None
                    if m.issym():
                        p = root / name
                        p.parent.mkdir(parents=True, exist_ok=True)
                        if not p.exists() and not p.is_symlink():
                            p.symlink_to(m.linkname)


def site_dirs(root: Path) -> list[Path]:
    return sorted({p.parent for p in root.glob("usr/**/*.dist-info") if p.parent.name in ("site-packages",
                                                                                        "dist-packages")})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--components", type=int, default=1100, help="SBOM components of the synthetic image")
    ap.add_argument("--payload-mib", type=float, default=40)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cdx-runs", type=int, default=3, help="runs of cyclonedx-py (tens of seconds each)")
    ap.add_argument("--image", type=Path, help="compare on this OCI archive instead")
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "SOURCE_DATE_EPOCH": "1700000000"}
    with tempfile.TemporaryDirectory(prefix="bench-sbom-") as tmp_s:
        tmp = Path(tmp_s)
        root = tmp / "root"
        if args.image:
            archive = args.image.resolve()
            root.mkdir()
            unpack_image(archive, root)
            what = f"{archive.name} ({archive.stat().st_size / 2**20:.0f} MiB archive)"
        else:
            import synth

            debs, pys = synth.packages(*synth.split(args.components), seed=7)
            synth.write_tree(synth.rootfs_entries(debs, pys, args.payload_mib, seed=7), root)
            archive = tmp / "image.oci.tar"
            synth.synthetic_image(archive, "bench", args.components, args.payload_mib, 7, tmp / "work")
            what = (f"synthetic image: {len(debs)} Debian packages + {len(pys)} Python distributions "
                    f"({archive.stat().st_size / 2**20:.0f} MiB archive)")
        sites = site_dirs(root)
        venv = tmp / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        vsite = Path(subprocess.run([str(venv / "bin/python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                    capture_output=True, text=True, check=True).stdout.strip())
        for site in sites:
            subprocess.run(["cp", "-a", f"{site}/.", str(vsite)], check=True)
        dpkg = ["dpkg-query", "--admindir", str(root / "var/lib/dpkg"), "-W"]
        pip = [sys.executable, "-m", "pip", "list", "--disable-pip-version-check"] + [
            a for s in sites for a in ("--path", str(s))]
        floor_sh = " && ".join(" ".join(c) + " >/dev/null" for c in ([dpkg] if (root / "var/lib/dpkg/status").exists()
                                                                      else []) + ([pip] if sites else []))
        counted = len(subprocess.run(dpkg, capture_output=True, text=True).stdout.splitlines()) if \
            (root / "var/lib/dpkg/status").exists() else 0
        counted += max(0, len(subprocess.run(pip, capture_output=True, text=True).stdout.splitlines()) - 2) if sites else 0

        shipit_cmd = [sys.executable, "-m", "shipit", "sbom", "--image", str(archive), "-o", str(tmp / "shipit.json")]
        cdx_cmd = [sys.executable, "-m", "cyclonedx_py", "environment", "--output-reproducible", "--sv", "1.6",
                   "-o", str(tmp / "cdx.json"), str(venv / "bin/python")]
        floor = median_of(["sh", "-c", floor_sh], args.runs)
        ours = median_of(shipit_cmd, args.runs, env=env, stderr=subprocess.DEVNULL)
        theirs = median_of(cdx_cmd, args.cdx_runs, env=env, stderr=subprocess.DEVNULL)
        n_ours = len(json.loads((tmp / "shipit.json").read_text()).get("components", []))
        n_cdx = len(json.loads((tmp / "cdx.json").read_text()).get("components", []))

        print(f"{what}; median of {args.runs} (cyclonedx-py: {args.cdx_runs}); {load_note()}")
        print(ratio_header() + f" {'components':>11}")
        print(ratio_row("floor: dpkg-query -W + pip list", *floor, floor) + f" {counted:>11}")
        print(ratio_row("shipit sbom --image (the stage's work)", *ours, floor) + f" {n_ours:>11}")
        print(ratio_row("cyclonedx-py environment (Python only)", *theirs, floor) + f" {n_cdx:>11}")
        print(f"shipit / cyclonedx-py: {ours[0] / theirs[0]:.2f}x wall, {ours[1] / theirs[1]:.2f}x cpu")
        if ours[0] > floor[0]:
            print_phases(PHASES, [str(archive), str(tmp / "p.json")], "one in-process run", env=env)


if __name__ == "__main__":
    main()
