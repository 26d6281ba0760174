"""`shipit verify` on a signed release against what an auditor runs by hand on the same files:
`sha256sum -c SHA256SUMS` plus `openssl dgst -sha256 -verify` on SHA256SUMS.sig.

    python bench/bench_verify.py [--size-mib 256] [--files 256] [--runs 3]
    python bench/bench_verify.py --release release/1.0.0 --key cosign.pub   # an existing release

shipit verify does more than the baseline (manifest ↔ files, provenance subjects, DSSE signatures,
image blobs, SBOM schemas); the ratio shows what that costs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[0] / "src"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(SRC))
from _common import median_of, table  # noqa: E402

PASSWORD = "bench"


def make_release(tmp: Path, size_mib: int, files: int) -> tuple[Path, Path]:
    """Cut a signed release of a project whose content stage writes ``files`` documents."""
    from shipit import capabilities
    from shipit.commands.release import release
    from shipit.core.artifacts import Kind
    from shipit.core.release import ReleaseOptions
    from shipit.core.runner import Stage
    from shipit.signing.keys import write_keypair

    priv, pub = write_keypair(tmp / "keys", "cosign", PASSWORD.encode())
    proj = tmp / "proj"
    proj.mkdir()
    (proj / "shipit.yaml").write_text(f"schema_version: 1\nproject:\n  name: bench\nsigning:\n  key: {priv}\n")
    per = max(1, size_mib * 1024 * 1024 // files)
    block = os.urandom(1 << 20)

    class Content(Stage):
        name = "content"

        def run(self, ctx) -> None:
            for i in range(files):
                p = ctx.path(f"files/d{i % 16:02d}/f{i:05d}.bin")
                with open(p, "wb") as fh:
                    n = max(1, per // 2 + (i * 7919 % per))
                    while n > 0:
                        fh.write(block[: min(n, len(block))])
                        n -= len(block)
                ctx.artifacts.add(p, Kind.DOC)

    os.environ["SHIPIT_KEY_PASSWORD"] = PASSWORD
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    from rich.console import Console

    result = release(ReleaseOptions(version="1.0.0", config=proj / "shipit.yaml", output=tmp / "release"),
                     Console(stderr=True, quiet=True), stages=[Content(), *capabilities.stages()])
    return result.release_dir, pub


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mib", type=int, default=256)
    ap.add_argument("--files", type=int, default=256)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--release", type=Path, help="benchmark this existing release instead")
    ap.add_argument("--key", type=Path, help="its public key (with --release)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="shipit-bench-verify-") as tmp_s:
        tmp = Path(tmp_s)
        if args.release:
            if not args.key:
                sys.exit("--release needs --key")
            release_dir, pub = args.release.resolve(), args.key.resolve()
        else:
            release_dir, pub = make_release(tmp, args.size_mib, args.files)
        files = [p for p in release_dir.rglob("*") if p.is_file()]
        total = sum(p.stat().st_size for p in files)
        env = {**os.environ, "PYTHONPATH": str(SRC)}
        shipit_cmd = [sys.executable, "-m", "shipit", "verify", str(release_dir), "--key", str(pub)]
        manual = (f"sha256sum --quiet --strict -c SHA256SUMS && base64 -d SHA256SUMS.sig > {tmp}/sig.der && "
                  f"openssl dgst -sha256 -verify {pub} -signature {tmp}/sig.der SHA256SUMS")
        baseline = "sha256sum -c + openssl dgst -verify"
        rows = [
            (baseline, *median_of(["sh", "-c", manual], args.runs, cwd=release_dir)),
            ("shipit verify", *median_of(shipit_cmd, args.runs, env=env)),
        ]
        print(table(f"verify: {total / 2**20:.0f} MiB in {len(files)} files, median of {args.runs} runs, "
                    f"{os.cpu_count()} cores", rows, baseline))


if __name__ == "__main__":
    main()
