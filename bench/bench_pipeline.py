"""Pipeline validation: `shipit pipeline validate` (schema + every policy check) against the
`check-jsonschema` CLI (schema only) on the same files: generated GitHub workflows, or (``--corpus``) the real
pipelines of tests/pipelines/corpus, project by project.

    python bench/bench_pipeline.py [--files 50] [--runs 5]
    python bench/bench_pipeline.py --corpus [--runs 3]

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


CORPUS = REPO / "tests" / "pipelines" / "corpus"


def corpus(runs: int) -> None:
    """Per project: shipit (every check) and check-jsonschema (the schema of each file's platform; GitLab
    files with its gitlab-ci transform) on the same files, one process each, as a CI job would run them."""
    from ruamel.yaml import YAML

    env = {**os.environ, "PYTHONPATH": str(SRC)}
    cjs = shutil.which("check-jsonschema")
    rows = []
    for project in sorted(p for p in CORPUS.iterdir() if (p / "SOURCE.yaml").is_file()):
        expected = YAML(typ="safe").load((project / "expected.yaml").read_text()) or {}
        named = [project / f for f in expected.get("files") or []]
        shipit_cmd = [sys.executable, "-m", "shipit", "pipeline", "validate", "--no-zizmor", "--format", "json",
                      *map(str, named)]
        s_wall, s_cpu = median_of(shipit_cmd, runs, ok=(0, 1), env=env, cwd=project, stderr=subprocess.DEVNULL)
        # check-jsonschema gets every file shipit reads (GitLab includes too: it does not follow them)
        source = YAML(typ="safe").load((project / "SOURCE.yaml").read_text())
        files = named or [project / f["path"] for f in source["files"]]
        gh = [str(f) for f in files if ".github" in f.parts]
        gl = [str(f) for f in files if ".github" not in f.parts]
        c_wall = c_cpu = 0.0
        for group, schema, extra in ((gh, "vendor.github-workflows", []),
                                     (gl, "vendor.gitlab-ci", ["--data-transform", "gitlab-ci"])):
            if group:
                w, c = median_of([cjs, "--builtin-schema", schema, *extra, *group], runs, ok=(0, 1),
                                 stderr=subprocess.DEVNULL)
                c_wall, c_cpu = c_wall + w, c_cpu + c
        lines = sum(len(Path(f).read_text(errors="replace").splitlines()) for f in files)
        rows.append((project.name, len(files), lines, c_wall, s_wall, c_cpu, s_cpu))
    print(f"pipeline validation per corpus project, median of {runs} runs, {os.cpu_count()} cores "
          "(check-jsonschema: schema only; shipit: schema + every check)")
    print(f"{'project':<40} {'files':>5} {'lines':>6} {'cjs s':>7} {'shipit s':>9} {'ratio':>6}")
    for name, n, lines, cw, sw, _cc, _sc in rows:
        print(f"{name:<40} {n:5d} {lines:6d} {cw:7.2f} {sw:9.2f} {sw / cw:5.2f}x")
    cw = sum(r[3] for r in rows)
    sw = sum(r[4] for r in rows)
    cc = sum(r[5] for r in rows)
    sc = sum(r[6] for r in rows)
    import statistics

    print(f"{'total':<40} {sum(r[1] for r in rows):5d} {sum(r[2] for r in rows):6d} {cw:7.2f} {sw:9.2f} "
          f"{sw / cw:5.2f}x  (cpu {cc:.2f} s vs {sc:.2f} s, {sc / cc:.2f}x)")
    print(f"median per project: check-jsonschema {statistics.median(r[3] for r in rows):.2f} s, "
          f"shipit {statistics.median(r[4] for r in rows):.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=50)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--corpus", action="store_true", help="time each project of tests/pipelines/corpus instead")
    args = ap.parse_args()
    if args.corpus:
        corpus(args.runs)
        return
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
