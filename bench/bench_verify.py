"""`shipit verify` on realistic releases against what an auditor runs by hand on the same files (the
floor): `sha256sum --strict -c SHA256SUMS` and `openssl dgst -sha256 -verify` of SHA256SUMS.sig.

    python bench/bench_verify.py --release release/1.0.0 --key .cache/demo-key/cosign.pub   # the demo
    python bench/bench_verify.py [--runs 5] [--payload-mib 30] [--keep DIR] [--quick]       # synthetic

Synthetic releases (bench/synth.py) are cut by shipit's own sbom, seal and sign stages: N images whose
SBOMs have C components each (60 % Debian packages, 40 % Python distributions, one OS), each image
carrying --payload-mib of binaries, SLSA provenance, an SBOM attestation per image, three sign-offs.
Two series, and a least-squares line through each (r² near 1: linear growth):

    components   10 images × 100 / 1,000 / 5,000 components
    images       1 / 2 / 5 / 10 images × 1,000 components

shipit verify does more than the floor (manifest ↔ files, every image blob's digest, provenance subjects,
DSSE signatures, SBOM schemas and attestations, sign-offs); for a row slower than the floor, the time of
each phase is printed (one in-process run, checks one after the other).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[0] / "src"
sys.path[:0] = [str(HERE), str(SRC)]
from _common import linear_fit, load_note, print_phases, ratio_header, ratio_row, timed  # noqa: E402

PHASES = r"""
from pathlib import Path
from shipit import capabilities
from shipit.core.verify import Release, check_checksums, check_files
from shipit.signing.keys import load_public_key_file
from shipit.signing.trust import Trust
contributed = capabilities.checks()
import shipit.sbom.validate, shipit.core.schemas, jsonschema_rs, cryptography.hazmat.primitives.asymmetric.ec
lap("start-up and imports")
root = Path(sys.argv[1]); trust = Trust(public_key=load_public_key_file(Path(sys.argv[2])))
rel = Release.load(root)
lap("hash every file (threads)")
allowed = set()
for allowance in contributed.allowances:
    allowed.update(allowance(rel))
check_files(rel, allowed); check_checksums(rel)
lap("files + checksums")
for name, check in contributed.checks:
    list(check(rel, trust))
    lap(name)
print(json.dumps(out))
"""


def floor_cmd(release_dir: Path, pub: Path, tmp: Path) -> list[str]:
    return ["sh", "-c", f"cd {release_dir} && sha256sum --quiet --strict -c SHA256SUMS && "
            f"base64 -d SHA256SUMS.sig > {tmp}/sig.der && "
            f"openssl dgst -sha256 -verify {pub} -signature {tmp}/sig.der SHA256SUMS >/dev/null"]


def measure(cmd: list[str], runs: int, **kw) -> tuple[float, float]:
    timed(cmd, **kw)  # warm-up: page cache, .pyc
    samples = [timed(cmd, **kw) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def compare(label: str, release_dir: Path, pub: Path, runs: int, tmp: Path, env: dict) -> dict:
    files = [p for p in release_dir.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    floor = measure(floor_cmd(release_dir, pub, tmp), runs)
    ours = measure([sys.executable, "-m", "shipit", "verify", str(release_dir), "--key", str(pub)], runs, env=env)
    print(f"\n{label}: {size / 2**20:.0f} MiB in {len(files)} files; median of {runs}; {load_note()}")
    print(ratio_header())
    print(ratio_row("sha256sum -c + openssl dgst -verify", *floor, floor))
    print(ratio_row("shipit verify", *ours, floor))
    if ours[0] > floor[0]:
        print_phases(PHASES, [str(release_dir), str(pub)], "one in-process run, phases one after the other", env=env)
    return {"size": size, "floor": floor, "shipit": ours}


def synthetic(keep: Path, images: int, components: int, payload: float) -> tuple[Path, Path]:
    import synth

    where = keep / f"i{images}-c{components}-p{payload:g}"
    done = where / "done.json"
    if done.is_file():
        meta = json.loads(done.read_text())
        return Path(meta["release"]), Path(meta["pub"])
    if where.exists():
        shutil.rmtree(where)
    where.mkdir(parents=True)
    print(f"  cutting a synthetic release: {images} images × {components} components ...", flush=True)
    rel, pub = synth.synthetic_release(where, images=images, components=components, payload_mib=payload)
    done.write_text(json.dumps({"release": str(rel), "pub": str(pub)}))
    return rel, pub


def series(title: str, xs: list[int], make, runs: int, tmp: Path, env: dict, unit: str) -> None:
    points = []
    for x in xs:
        rel, pub = make(x)
        points.append((x, compare(f"{title} = {x}", rel, pub, runs, tmp, env)))
    print(f"\n{title} series: shipit verify and the floor against {unit}")
    print(f"{unit:>12} {'floor wall':>11} {'shipit wall':>12} {'shipit cpu':>11} {'wall ratio':>11} {'cpu ratio':>10}")
    for x, r in points:
        (fw, fc), (sw, sc) = r["floor"], r["shipit"]
        print(f"{x:>12} {fw:11.3f} {sw:12.3f} {sc:11.3f} {sw / fw:10.2f}x {sc / fc:9.2f}x")
    for what, idx in (("wall", 0), ("cpu", 1)):
        a, b, r2 = linear_fit([x for x, _ in points], [r["shipit"][idx] for _, r in points])
        print(f"  shipit {what}: {a:.3f} s + {b * 1000:.3f} ms per {unit.rstrip('s')}, r² = {r2:.4f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--release", type=Path, help="benchmark this existing release (e.g. the demo's) only")
    ap.add_argument("--key", type=Path, help="its public key (with --release)")
    ap.add_argument("--payload-mib", type=float, default=30, help="binaries per synthetic image")
    ap.add_argument("--keep", type=Path, help="cut the synthetic releases here and reuse them next time")
    ap.add_argument("--quick", action="store_true", help="smaller series (100/1,000 components, 1/2/5 images)")
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    with tempfile.TemporaryDirectory(prefix="shipit-bench-verify-") as tmp_s:
        tmp = Path(tmp_s)
        if args.release:
            if not args.key:
                sys.exit("--release needs --key")
            compare(f"release {args.release}", args.release.resolve(), args.key.resolve(), args.runs, tmp, env)
            return
        keep = args.keep.resolve() if args.keep else tmp / "releases"
        comps = [100, 1000] if args.quick else [100, 1000, 5000]
        images = [1, 2, 5] if args.quick else [1, 2, 5, 10]
        series("components per SBOM (10 images)", comps,
               lambda c: synthetic(keep, 10, c, args.payload_mib), args.runs, tmp, env, "components")
        series("images (1,000 components each)", images,
               lambda n: synthetic(keep, n, 1000, args.payload_mib), args.runs, tmp, env, "images")


if __name__ == "__main__":
    main()
