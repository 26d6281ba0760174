"""Start-up: `shipit --help` against the floor of any Click + Rich program (importing click and
rich.console), both as fresh interpreters.

    python bench/bench_startup.py [--runs 21]

Also prints the five imports that cost `shipit --help` the most (python -X importtime), so a regression
says where it comes from.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import median_of, table  # noqa: E402

SRC = Path(__file__).resolve().parents[1] / "src"


def heaviest_imports(env: dict[str, str], n: int = 5) -> list[tuple[int, str]]:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "shipit", "--help"], env=env,
                          capture_output=True, text=True, check=True)
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            name = parts[2].strip()
            if name.split(".")[0] in ("shipit", "click", "rich") and name != "shipit.cli":
                rows.append((int(parts[1]), name))
    return sorted(rows, reverse=True)[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=21)
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    floor = median_of([sys.executable, "-c", "import click, rich.console"], args.runs, env=env)
    shipit = median_of([sys.executable, "-m", "shipit", "--help"], args.runs, env=env)
    print(table(f"start-up, median of {args.runs} runs", [
        ("python -c 'import click, rich.console'", *floor),
        ("shipit --help", *shipit),
    ], baseline="python -c 'import click, rich.console'"))
    print("heaviest imports of `shipit --help` (cumulative µs):")
    for micros, name in heaviest_imports(env):
        print(f"  {micros:>8}  {name}")


if __name__ == "__main__":
    main()
