"""The generated rules, their unit tests and the routes, fed to promtool and amtool."""

from __future__ import annotations

import re
import subprocess
from fractions import Fraction

import pytest
from ruamel.yaml import YAML

from shipit.ops.generate import unit_test_files
from shipit.ops.rules import build_rules
from tests.conftest import require_tool

RULES = "alerts/orders.rules.yml"
ROUTES = "alertmanager/routes.yml"
yaml = YAML(typ="safe")


def run(cmd, cwd):
    return subprocess.run(cmd, check=False, cwd=cwd, capture_output=True, text=True, timeout=600)


def all_tests(generated) -> list[dict]:
    out = []
    for path in sorted((generated / "alerts").glob("orders.rules*.test.yml")):
        out += yaml.load(path.read_text())["tests"]
    return out


def expand(notation: str) -> list[int]:
    """promtool's expanding series notation, written for these tests (a, a+bxn)."""
    out: list[int] = []
    for item in notation.split():
        m = re.fullmatch(r"(\d+)\+(\d+)x(\d+)", item)
        if m:
            a, b, n = (int(x) for x in m.groups())
            out += [a + b * i for i in range(n + 1)]
        else:
            out.append(int(item))
    return out


def test_promtool_check_rules(generated):
    require_tool("promtool")
    proc = run(["promtool", "check", "rules", RULES], generated)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout


@pytest.mark.xdist_group("ops-promtool")
def test_promtool_runs_the_generated_unit_tests(generated, full_config):
    """Every case of every alert passes (one file per evaluation interval: 5m, 30m and 2h here)."""
    require_tool("promtool")
    files = unit_test_files(full_config.service, generated)
    assert files == ["alerts/orders.rules.2h.test.yml", "alerts/orders.rules.30m.test.yml",
                     "alerts/orders.rules.test.yml"]
    proc = run(["promtool", "test", "rules", *files], generated)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    assert proc.stdout.count("SUCCESS") == 3


def test_every_alert_fires_and_stays_silent_in_its_cases(generated, full_config):
    rules = yaml.load((generated / RULES).read_text())
    tests = all_tests(generated)
    alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
    assert len(alerts) == len(build_rules(full_config.service).alerts) >= 13
    for rule in alerts:
        checks = [c for t in tests for c in t["alert_rule_test"] if c["alertname"] == rule["alert"]]
        assert any(c["exp_alerts"] for c in checks), rule["alert"]
        assert any(not c["exp_alerts"] for c in checks), rule["alert"]
        labels = rule["labels"]
        assert labels["severity"] in ("page", "ticket")
        anns = rule["annotations"]
        assert set(anns) >= {"summary", "description", "runbook_url", "dashboard_url"}
        assert "{{" in anns["description"], f"{rule['alert']}: description shows no value"
        assert anns["runbook_url"].startswith("https://handoff.example.com/orders/runbooks/incidents.html#")
        assert anns["dashboard_url"] == "https://grafana.example.com/d/orders-service/orders"


def test_each_burn_alert_has_cases_where_each_window_matters(generated):
    tests = all_tests(generated)
    for alert in ("OrdersAvailabilityBudgetBurn1h5m", "OrdersAvailabilityBudgetBurn6h30m",
                  "OrdersAvailabilityBudgetBurn1d2h", "OrdersLatencyBudgetBurn1h5m"):
        titles = {t["name"].split(": ", 1)[1] for t in tests if t["name"].startswith(alert + ":")}
        assert {"long window just above its threshold, short window well above",
                "long window just below its threshold, short window well above",
                "short window just above its threshold, long window well above",
                "short window just below its threshold, long window well above",
                "long window exactly at its threshold, short window well above",
                "short window exactly at its threshold, long window well above"} <= titles, alert
        assert any(t.startswith("clean, then a burn from") for t in titles), alert


def _window_ratio(case: dict, at_step: int, steps: int) -> Fraction:
    """Bad / total over the last ``steps`` increments before sample ``at_step`` of an availability case."""
    bad = good = 0
    for s in case["input_series"]:
        v = expand(s["values"])
        inc = v[at_step] - v[at_step - steps]
        if 'code="500"' in s["series"]:
            bad += inc
        else:
            good += inc
    return Fraction(bad, bad + good)


def test_burn_cases_hold_the_ratios_they_claim(generated):
    """Recomputed here from the series alone: the fast-burn page alert's threshold is 14.4 x 0.001 (2% of
    a 30-day budget in 1h at a 99.9% objective), the cases put each window where their names say."""
    threshold = Fraction(144, 10000)
    tests = {t["name"].split(": ", 1)[1]: t for t in all_tests(generated)
             if t["name"].startswith("OrdersAvailabilityBudgetBurn1h5m:")}
    case = tests["long window just above its threshold, short window well above"]
    assert case["interval"] == "1m" and case["alert_rule_test"][0]["eval_time"] == "1h"
    long, short = _window_ratio(case, 60, 60), _window_ratio(case, 60, 5)
    assert threshold < long <= threshold * Fraction(1002, 1000) and short > threshold * Fraction(3, 2)
    case = tests["long window just below its threshold, short window well above"]
    long, short = _window_ratio(case, 60, 60), _window_ratio(case, 60, 5)
    assert threshold * Fraction(998, 1000) <= long < threshold and short > threshold * Fraction(3, 2)
    assert case["alert_rule_test"][0]["exp_alerts"] == []
    case = tests["short window just below its threshold, long window well above"]
    long, short = _window_ratio(case, 60, 60), _window_ratio(case, 60, 5)
    assert long > threshold * Fraction(3, 2) and threshold * Fraction(998, 1000) <= short < threshold
    for name in ("long window exactly at its threshold, short window well above",
                 "short window exactly at its threshold, long window well above"):
        case = tests[name]
        steps = 60 if name.startswith("long") else 5
        assert abs(_window_ratio(case, 60, steps) - threshold) < threshold * Fraction(1, 10**6), name
    onset = next(t for n, t in tests.items() if n.startswith("clean, then a burn"))
    assert [c["eval_time"] for c in onset["alert_rule_test"]] == ["50m", "55m", "75m", "80m"]
    assert [bool(c["exp_alerts"]) for c in onset["alert_rule_test"]] == [False, True, True, False]


def test_amtool_routes_every_alert_and_pages_once_per_slo(generated):
    require_tool("amtool")
    proc = run(["amtool", "check-config", ROUTES], generated)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    cases = yaml.load((generated / "alertmanager/routes.test.yml").read_text())["cases"]
    assert {c["alert"] for c in cases} == {a for a in (r.get("alert") for g in yaml.load(
        (generated / RULES).read_text())["groups"] for r in g["rules"]) if a}
    from shipit.ops.generate import route_test_command

    for case in cases:
        cmd = route_test_command(generated / ROUTES, case) + ["--tree"]
        proc = run(cmd, generated)
        assert proc.returncode == 0, (case, proc.stdout, proc.stderr)
        matched = [ln for ln in proc.stdout.splitlines() if "receiver:" in ln][-1]  # the route they end on
        slo = case["labels"].get("slo")
        if slo:  # one route per service and SLO
            assert f'slo="{slo}"' in matched, (case["alert"], proc.stdout)
        assert proc.stdout.strip().endswith(case["receiver"])
    routes = yaml.load((generated / ROUTES).read_text())["route"]["routes"]
    page = [r for r in routes if r["receiver"] == "orders-page"]
    assert [m for r in page for m in r["matchers"] if m.startswith("slo=")] == ['slo="availability"', 'slo="latency"']
    assert all(r["group_by"] == ["service", "slo"] for r in page)  # no alertname split on a page route
    # the receivers come from service.oncall.receivers as they are
    receivers = {r["name"]: r for r in yaml.load((generated / ROUTES).read_text())["receivers"]}
    assert receivers["orders-page"]["pagerduty_configs"][0]["routing_key_file"].endswith("orders-pagerduty")
    assert receivers["orders-ticket"]["email_configs"][0]["to"] == "payments@example.com"


def test_target_down_inhibits_only_what_it_explains(generated):
    doc = yaml.load((generated / ROUTES).read_text())
    [rule] = doc["inhibit_rules"]
    assert rule["source_matchers"] == ['service="orders"', 'alertname="OrdersTargetDown"']
    assert rule["target_matchers"] == ['service="orders"',
                                       'alertname=~"OrdersCPUSaturation|OrdersMemorySaturation|OrdersRestarting"']
    assert rule["equal"] == ["service", "instance"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["small.yaml", "variant.yaml"])
def test_other_services_through_the_cli(name):
    """`shipit ops test` generates and checks other shapes of service end to end (a 7-day SLO on the
    policy table; an integer latency threshold with a 99.95 objective, an equality error matcher and
    custom burn rates)."""
    require_tool("promtool", "amtool")
    from tests.conftest import run_shipit
    from tests.ops.helpers import FIXTURES

    proc = run_shipit("ops", "test", "-c", str(FIXTURES / name))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("passed") == 4


def test_ops_test_checks_an_existing_directory_and_fails_on_a_broken_file(tmp_path):
    require_tool("promtool", "amtool")
    from tests.conftest import run_shipit
    from tests.ops.helpers import SMALL

    out = tmp_path / "ops"
    assert run_shipit("ops", "generate", "-c", str(SMALL), "-o", str(out)).returncode == 0
    assert run_shipit("ops", "test", "-c", str(SMALL), "--dir", str(out)).returncode == 0
    rules = out / "alerts/tiny.rules.yml"
    rules.write_text(rules.read_text().replace("sum(rate(", "sum(rat(", 1))
    proc = run_shipit("ops", "test", "-c", str(SMALL), "--dir", str(out))
    assert proc.returncode == 1
    assert "failed" in proc.stdout and "some ops checks failed" in proc.stderr
