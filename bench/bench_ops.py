"""Ops files for a service with many SLOs: `shipit ops generate` against the standard checkers of
what it writes (`promtool check rules`, `amtool check-config`) and `promtool test rules`.

    python bench/bench_ops.py [--slos 10] [--runs 3] [--with-unit-tests]

There is no standard generator to compare with (Sloth is not installable here), so the baseline is
`promtool check rules` over the generated rules: the ratio says what generating costs next to merely
validating the result. The bench uses the two page alerts (1h/5m and 6h/30m); the unit tests are one file per
evaluation interval (each burn-rate alert is evaluated once per short window), seven cases per
burn-rate alert.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import load_note, median_of, profile_summary, table  # noqa: E402

SRC = Path(__file__).resolve().parents[1] / "src"


def config(slos: int) -> str:
    lines = ["schema_version: 1", "project: {name: bench}", "service:", "  name: bench", "  team: perf",
             "  metrics:",
             "    - {name: http_requests_total, type: counter, labels: [route, code]}",
             "    - {name: http_request_duration_seconds, type: histogram, labels: [route],"
             " buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5]}",
             "    - {name: pg_up, type: gauge}",
             "  burn_rates:",
             "    - {factor: 14.4, long: 1h, short: 5m, severity: page}",
             "    - {factor: 6, long: 6h, short: 30m, severity: page}",
             "  dependencies: [{name: db, kind: postgres}]",
             "  slos:"]
    for i in range(slos):
        route = f'route="/r{i}"'
        if i % 2:
            lines.append(f"    - {{name: latency-{i}, kind: latency, objective: 99, "
                         f"metric: http_request_duration_seconds, threshold: 0.25, selector: '{route}'}}")
        else:
            lines.append(f"    - {{name: availability-{i}, kind: availability, objective: 99.9, "
                         f"metric: http_requests_total, selector: '{route}'}}")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--slos", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--with-unit-tests", action="store_true", help="also time promtool test rules")
    args = ap.parse_args()
    for tool in ("promtool", "amtool"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (scripts/install-deps.sh)")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "shipit.yaml").write_text(config(args.slos))
        env_py = [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(SRC)!r}); "
                  "from shipit.cli import main; main()"]
        gen = env_py + ["ops", "generate", "-c", str(root / "shipit.yaml"), "-o", str(root / "ops")]
        rows = [(f"shipit ops generate ({args.slos} SLOs)", *median_of(gen, args.runs))]
        rules = str(root / "ops/alerts/bench.rules.yml")
        rows.append(("promtool check rules", *median_of(["promtool", "check", "rules", rules], args.runs)))
        rows.append(("amtool check-config", *median_of(["amtool", "check-config",
                                                        str(root / "ops/alertmanager/routes.yml")], args.runs)))
        if args.with_unit_tests:
            files = sorted(p.name for p in (root / "ops/alerts").glob("bench.rules*.test.yml"))
            rows.append((f"promtool test rules ({len(files)} files)",
                         *median_of(["promtool", "test", "rules", *files], 1, cwd=root / "ops/alerts")))
        print(table(f"ops files for {args.slos} SLOs (median of {args.runs}; {load_note()})", rows,
                    "promtool check rules"))
        print(profile_summary(["-m", "shipit", *gen[3:]], env={**os.environ, "PYTHONPATH": str(SRC)}))


if __name__ == "__main__":
    main()
