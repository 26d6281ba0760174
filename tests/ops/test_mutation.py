"""Mutation test: the generated unit tests catch wrong burn-rate rules.

Each mutant changes one generated burn-rate alert the way a hand-edited or mis-generated rule could be
wrong (the issue's list: ``and`` → ``or`` between the windows, ``>`` → ``>=``, only the long window's
threshold changed, the 5m ratio read where the 1h one belongs, a wrong factor such as 1.44 in
shipit.yaml, and a control mutant with both thresholds wrong). ``promtool test rules`` with the tests
generated from the correct shipit.yaml must fail for every mutant, and pass on the unmutated rules.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from shipit.config import load_config
from shipit.ops.generate import generate
from tests.conftest import require_tool
from tests.ops.helpers import FULL

yaml = YAML(typ="safe")
RULES = "orders.rules.yml"


def _thresholds(expr: str) -> list[str]:
    return re.findall(r"\(([0-9.e+-]+) \* ([0-9.e+-]+)\)", expr)


def _scale_threshold(line: str, factor: float) -> str:
    def sub(m: re.Match) -> str:
        return f"({float(m.group(1)) * factor:.12g} * {m.group(2)})"

    return re.sub(r"\(([0-9.e+-]+) \* ([0-9.e+-]+)\)", sub, line)


def _record(line: str) -> str:
    return re.match(r"(slo:sli_error:ratio_rate\w+)", line).group(1)


# Each mutant: expr (three lines: long condition, "and", short condition) -> mutated expr.
def _and_to_or(lines):
    return [lines[0], "or", lines[2]]


def _ge_both(lines):
    return [lines[0].replace(" > ", " >= "), lines[1], lines[2].replace(" > ", " >= ")]


def _ge_long(lines):
    return [lines[0].replace(" > ", " >= "), lines[1], lines[2]]


def _ge_short(lines):
    return [lines[0], lines[1], lines[2].replace(" > ", " >= ")]


def _long_threshold_up(lines):
    return [_scale_threshold(lines[0], 1.05), lines[1], lines[2]]


def _long_threshold_down(lines):
    return [_scale_threshold(lines[0], 0.95), lines[1], lines[2]]


def _short_threshold_up(lines):
    return [lines[0], lines[1], _scale_threshold(lines[2], 1.05)]


def _short_ratio_for_long(lines):
    return [lines[0].replace(_record(lines[0]), _record(lines[2]), 1), lines[1], lines[2]]


def _long_ratio_for_short(lines):
    return [lines[0], lines[1], lines[2].replace(_record(lines[2]), _record(lines[0]), 1)]


def _both_thresholds_wrong(lines):  # the control mutant
    return [_scale_threshold(lines[0], 1.05), lines[1], _scale_threshold(lines[2], 1.05)]


MUTANTS = {
    "and becomes or": _and_to_or,
    "> becomes >= (both windows)": _ge_both,
    "> becomes >= (long window)": _ge_long,
    "> becomes >= (short window)": _ge_short,
    "long window threshold 5% higher": _long_threshold_up,
    "long window threshold 5% lower": _long_threshold_down,
    "short window threshold 5% higher": _short_threshold_up,
    "short-window ratio read where the long one belongs": _short_ratio_for_long,
    "long-window ratio read where the short one belongs": _long_ratio_for_short,
    "control: both thresholds wrong": _both_thresholds_wrong,
}
# `>=` differs from `>` only on a ratio exactly at the threshold; for a latency SLI (1 - good share)
# some thresholds are no double 1 - x can reach, and the generator then has no exact case: there the
# `>=` mutants are equivalent to the rule and cannot be caught by any test.
EQUIVALENT_WHEN_NO_EXACT_CASE = {"> becomes >= (both windows)", "> becomes >= (long window)",
                                 "> becomes >= (short window)"}


@pytest.fixture(scope="module")
def ops_files(tmp_path_factory) -> Path:
    cfg = load_config(FULL)
    out = tmp_path_factory.mktemp("mutation")
    generate(cfg.service, out, cfg.project_dir)
    return out


def _tests_for(ops_dir: Path, alert: str) -> tuple[dict, list[dict]]:
    """The test file holding ``alert``'s cases, reduced to those cases."""
    for path in sorted((ops_dir / "alerts").glob("orders.rules*.test.yml")):
        doc = yaml.load(path.read_text())
        mine = [t for t in doc["tests"] if t["alert_rule_test"][0]["alertname"] == alert]
        if mine:
            return doc, mine
    raise AssertionError(f"no generated tests for {alert}")


def _run(tmp: Path, rules_doc: dict, tests_doc: dict, cases: list[dict]) -> subprocess.CompletedProcess:
    yaml.dump(rules_doc, tmp / RULES)
    yaml.dump({**tests_doc, "rule_files": [RULES], "tests": cases}, tmp / "t.yml")
    return subprocess.run(["promtool", "test", "rules", "t.yml"], check=False, cwd=tmp, capture_output=True, text=True,
                          timeout=600)


def _mutate(rules_doc: dict, alert: str, mutant) -> dict:
    doc = yaml.load(yaml_dump(rules_doc))
    rule = next(r for g in doc["groups"] for r in g["rules"] if r.get("alert") == alert)
    lines = rule["expr"].strip().split("\n")
    assert len(lines) == 3 and lines[1] == "and", rule["expr"]
    rule["expr"] = "\n".join(mutant(lines)) + "\n"
    assert rule["expr"].strip() != "\n".join(lines), "the mutant changed nothing"
    return doc


def yaml_dump(doc: dict) -> str:
    import io

    buf = io.StringIO()
    yaml.dump(doc, buf)
    return buf.getvalue()


def _check_alert(ops_files: Path, tmp_path: Path, alert: str) -> dict[str, bool]:
    require_tool("promtool")
    rules = yaml.load((ops_files / "alerts" / RULES).read_text())
    tests_doc, cases = _tests_for(ops_files, alert)
    has_exact = any("exactly at its threshold" in c["name"] for c in cases)
    proc = _run(tmp_path, rules, tests_doc, cases)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]  # the real rules pass
    caught = {}
    for name, mutant in MUTANTS.items():
        if name in EQUIVALENT_WHEN_NO_EXACT_CASE and not has_exact:
            continue
        proc = _run(tmp_path, _mutate(rules, alert, mutant), tests_doc, cases)
        caught[name] = proc.returncode != 0 and "FAILED" in proc.stdout + proc.stderr
    return caught


@pytest.mark.xdist_group("ops-promtool")
def test_every_mutant_of_the_fast_burn_page_alert_is_caught(ops_files, tmp_path):
    caught = _check_alert(ops_files, tmp_path, "OrdersAvailabilityBudgetBurn1h5m")
    assert len(caught) == len(MUTANTS)
    assert all(caught.values()), [m for m, c in caught.items() if not c]


@pytest.mark.slow
@pytest.mark.xdist_group("ops-promtool")
@pytest.mark.parametrize("alert", ["OrdersAvailabilityBudgetBurn6h30m", "OrdersAvailabilityBudgetBurn1d2h",
                                   "OrdersLatencyBudgetBurn1h5m", "OrdersLatencyBudgetBurn6h30m",
                                   "OrdersLatencyBudgetBurn1d2h"])
def test_every_mutant_of_every_burn_alert_is_caught(ops_files, tmp_path, alert):
    caught = _check_alert(ops_files, tmp_path, alert)
    assert caught and all(caught.values()), [m for m, c in caught.items() if not c]
    if alert.startswith("OrdersAvailability") or alert.endswith("1h5m"):
        assert len(caught) == len(MUTANTS)  # an exact case exists: the >= mutants are caught too


@pytest.mark.xdist_group("ops-promtool")
def test_a_wrong_factor_in_shipit_yaml_is_caught(ops_files, tmp_path):
    """Rules generated from a shipit.yaml whose fast-burn page alert spends 0.2% of the budget in 1h
    (factor 1.44, the issue's typo for 14.4) fail the tests generated from the correct shipit.yaml; a
    bare `factor: 1.44` on the table's windows is refused outright (exit 2)."""
    require_tool("promtool")
    text = FULL.read_text()
    old = "{factor: 14.4, long: 1h, short: 5m, severity: page}"
    assert old in text
    mutant_cfg = tmp_path / "shipit.yaml"
    mutant_cfg.write_text(text.replace(old, "{budget_percent: 0.2, long: 1h, short: 5m, severity: page}"))
    cfg = load_config(mutant_cfg)
    generate(cfg.service, tmp_path / "mutant", cfg.project_dir)
    mutant_rules = yaml.load((tmp_path / "mutant/alerts" / RULES).read_text())
    expr = next(r["expr"] for g in mutant_rules["groups"] for r in g["rules"]
                if r.get("alert") == "OrdersAvailabilityBudgetBurn1h5m")
    assert _thresholds(expr) == [("1.44", "0.001"), ("1.44", "0.001")]
    tests_doc, cases = _tests_for(ops_files, "OrdersAvailabilityBudgetBurn1h5m")
    proc = _run(tmp_path, mutant_rules, tests_doc, cases)
    assert proc.returncode != 0
    # a ratio just below 14.4 x budget is far above 1.44 x budget: the cases that must stay silent fire
    assert "long window just below its threshold" in proc.stdout + proc.stderr

    from tests.conftest import run_shipit

    bare = tmp_path / "bare.yaml"
    bare.write_text(text.replace(old, "{factor: 1.44, long: 1h, short: 5m, severity: page}"))
    proc = run_shipit("ops", "generate", "-c", str(bare), "-o", str(tmp_path / "bare"))
    assert proc.returncode == 2, proc.stderr
    assert "factor 1.44 over 1h/5m" in " ".join(proc.stderr.split()) and "14.4" in proc.stderr
