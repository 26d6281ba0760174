"""Pipeline validation: `shipit pipeline validate` (schema + every policy check) against the
`check-jsonschema` CLI (schema only) on the same generated GitHub workflow files.

    python bench/bench_pipeline.py [--files 50] [--runs 5]

Both use the same vendored SchemaStore schema. check-jsonschema is run twice: as installed, and with
rfc3987_syntax import blocked (jsonschema builds an Earley parser for it at import time, a fixed cost
that `shipit pipeline validate` avoids the same way); zizmor --offline is shown for reference.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import median_of, table  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
GOOD = REPO / "tests" / "pipelines" / "fixtures" / "good-github" / ".github" / "workflows" / "ci.yml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=50)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="shipit-bench-") as tmp:
        proj = Path(tmp)
        wf = proj / ".github" / "workflows"
        wf.mkdir(parents=True)
        text = GOOD.read_text()
        for i in range(args.files):
            (wf / f"ci-{i:03d}.yml").write_text(text.replace("name: CI", f"name: CI {i}", 1))
        files = sorted(str(p) for p in wf.glob("*.yml"))
        lines = sum(len(text.splitlines()) for _ in files)
        env = {**os.environ, "PYTHONPATH": str(SRC)}
        cjs = shutil.which("check-jsonschema")
        blocked = [sys.executable, "-c", "import sys; sys.modules['rfc3987_syntax'] = None; "
                   "from check_jsonschema import main; sys.argv[0] = 'check-jsonschema'; main()"]
        schema_args = ["--builtin-schema", "vendor.github-workflows", *files]
        rows = [
            ("check-jsonschema (schema only)", *median_of([cjs, *schema_args], args.runs)),
            ("check-jsonschema, no rfc3987_syntax", *median_of([*blocked, *schema_args], args.runs)),
            ("shipit pipeline validate", *median_of([sys.executable, "-m", "shipit", "pipeline", "validate",
                                                     "--no-zizmor", "--format", "json"], args.runs, env=env,
                                                    cwd=proj)),
        ]
        if shutil.which("zizmor"):
            rows.append(("zizmor --offline (reference)", *median_of(
                ["zizmor", "--offline", "--no-progress", "--format", "json", *files], args.runs,
                stderr=subprocess.DEVNULL)))
            rows.append(("shipit pipeline validate --zizmor", *median_of(
                [sys.executable, "-m", "shipit", "pipeline", "validate", "--zizmor", "--format", "json"],
                args.runs, env=env, cwd=proj)))
        print(table(f"pipeline validation: {args.files} GitHub workflows ({lines} lines), median of {args.runs} "
                    f"runs, {os.cpu_count()} cores", rows, "check-jsonschema (schema only)"))


if __name__ == "__main__":
    main()
