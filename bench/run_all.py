"""Run every benchmark in bench/ with its default sizes and print their tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
failed = []
EXTRA = {"bench_pipeline.py": [["--corpus", "--runs", "3"]]}  # also the real pipelines of the corpus
for script in sorted(here.glob("bench_*.py")):
    for args in [[], *EXTRA.get(script.name, [])]:
        print(f"\n== {script.name} {' '.join(args)}".rstrip(), flush=True)
        if subprocess.run([sys.executable, str(script), *args]).returncode != 0:
            failed.append(script.name)
if failed:
    sys.exit(f"benchmarks failed: {', '.join(failed)}")
