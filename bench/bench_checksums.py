"""SHA256SUMS of a release-sized tree: shipit's threaded hasher against coreutils `sha256sum`.

    python bench/bench_checksums.py [--size-mib 1024] [--files 2048] [--runs 5]

Both hash the same files from a warm page cache; shipit's run also writes SHA256SUMS.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import median_of, table  # noqa: E402

SRC = Path(__file__).resolve().parents[1] / "src"


def make_tree(root: Path, size_mib: int, files: int) -> None:
    per = size_mib * 1024 * 1024 // files
    block = os.urandom(1 << 20)
    for i in range(files):
        d = root / f"d{i % 32:02d}"
        d.mkdir(exist_ok=True)
        # sizes vary around the mean so the pool sees uneven work
        n = max(1, per // 2 + (i * 7919 % per))
        with open(d / f"f{i:05d}.bin", "wb") as fh:
            while n > 0:
                fh.write(block[: min(n, len(block))])
                n -= len(block)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--files", type=int, default=2048)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="shipit-bench-") as tmp:
        root = Path(tmp) / "tree"
        root.mkdir()
        make_tree(root, args.size_mib, args.files)
        total = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        listing = Path(tmp) / "files.txt"
        listing.write_text("".join(p.relative_to(root).as_posix() + "\0" for p in sorted(root.rglob("*.bin"))))
        env = {**os.environ, "PYTHONPATH": str(SRC)}
        shipit_cmd = [sys.executable, "-c",
                      "import sys; from pathlib import Path; from shipit.core.checksums import write_sums; "
                      "write_sums(Path(sys.argv[1]))", str(root)]
        coreutils_cmd = ["sh", "-c", f"xargs -0 sha256sum < {listing} > {tmp}/coreutils.sums"]
        rows = [
            ("sha256sum (coreutils, 1 process)", *median_of(coreutils_cmd, args.runs, cwd=root)),
            ("shipit checksums (threads)", *median_of(shipit_cmd, args.runs, env=env)),
        ]
        print(table(f"checksums: {total / 2**30:.2f} GiB in {args.files} files, median of {args.runs} runs, "
                    f"{os.cpu_count()} cores", rows, "sha256sum (coreutils, 1 process)"))


if __name__ == "__main__":
    main()
