"""`shipit status` and `shipit sbom show` on a large release, against the standard tools doing the
same reading (the floor).

    python bench/bench_status.py [--images 10] [--components 5000] [--keep DIR] [--runs 5]

The release is bench/synth.py's (as in bench_verify.py; --keep shares its releases):

* `shipit status REL --key PUB` (every file against SHA256SUMS, every sign-off's signature, gates,
  stages) against `sha256sum -c SHA256SUMS` + `openssl dgst -verify` of each sign-off;
* `shipit sbom show SBOM` (schema validation, counts by type, purl type and license, components without
  a license) against `jq` computing the same counts (no validation), and `--no-validate`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[0] / "src"
sys.path[:0] = [str(HERE), str(SRC)]
from _common import load_note, median_of, profile_summary, ratio_header, ratio_row  # noqa: E402
from bench_verify import synthetic  # noqa: E402

JQ_SUMMARY = HERE / "sbom-summary.jq"  # the counts `shipit sbom show` prints, in jq


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=10)
    ap.add_argument("--components", type=int, default=5000)
    ap.add_argument("--payload-mib", type=float, default=30)
    ap.add_argument("--keep", type=Path)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    with tempfile.TemporaryDirectory(prefix="shipit-bench-status-") as tmp_s:
        tmp = Path(tmp_s)
        keep = args.keep.resolve() if args.keep else tmp / "releases"
        rel, pub = synthetic(keep, args.images, args.components, args.payload_mib)
        signoffs = sorted(p for p in (rel / "signoffs").glob("*.json") if not p.name.endswith(".sigstore.json"))
        verify_signoffs = " && ".join(
            f"base64 -d {s}.sig > {tmp}/{s.stem}.der && openssl dgst -sha256 -verify {pub} "
            f"-signature {tmp}/{s.stem}.der {s} >/dev/null" for s in signoffs)
        floor = median_of(["sh", "-c", f"cd {rel} && sha256sum --quiet --strict -c SHA256SUMS && {verify_signoffs}"],
                          args.runs)
        status_argv = ["-m", "shipit", "status", str(rel), "--key", str(pub)]
        ours = median_of([sys.executable, *status_argv], args.runs, env=env)
        size = sum(p.stat().st_size for p in rel.rglob("*") if p.is_file())
        print(f"shipit status: {args.images} images, SBOMs of {args.components} components, {size / 2**20:.0f} MiB, "
              f"{len(signoffs)} sign-offs; median of {args.runs}; {load_note()}")
        print(ratio_header())
        print(ratio_row("sha256sum -c + openssl (each sign-off)", *floor, floor))
        print(ratio_row("shipit status --key", *ours, floor))
        if ours[0] > floor[0]:
            print(profile_summary(status_argv, env=env))

        sbom = sorted((rel / "sbom").glob("*.cdx.json"))[0]
        floor = median_of(["jq", "-f", str(JQ_SUMMARY), str(sbom)], args.runs)
        show_argv = ["-m", "shipit", "sbom", "show", str(sbom)]
        ours = median_of([sys.executable, *show_argv], args.runs, env=env)
        quick = median_of([sys.executable, *show_argv, "--no-validate"], args.runs, env=env)
        print(f"\nshipit sbom show: {sbom.name}, {sbom.stat().st_size / 2**20:.1f} MiB, {args.components} components; "
              f"median of {args.runs}; {load_note()}")
        print(ratio_header())
        print(ratio_row("jq (the same counts, no validation)", *floor, floor))
        print(ratio_row("shipit sbom show (validates)", *ours, floor))
        print(ratio_row("shipit sbom show --no-validate", *quick, floor))
        if ours[0] > floor[0]:
            print(profile_summary(show_argv, env=env))


if __name__ == "__main__":
    main()
