"""The generated rules, their unit tests and the routes, fed to promtool and amtool."""

from __future__ import annotations

import re
import subprocess

import pytest
from ruamel.yaml import YAML

from shipit.ops.config import SLOKind
from shipit.ops.rules import build_rules
from shipit.ops.unittests import MARGIN
from tests.conftest import require_tool

RULES = "alerts/orders.rules.yml"
TESTS = "alerts/orders.rules.test.yml"
ROUTES = "alertmanager/routes.yml"
yaml = YAML(typ="safe")


def run(cmd, cwd):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)


def test_promtool_check_rules(generated):
    require_tool("promtool")
    proc = run(["promtool", "check", "rules", RULES], generated)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout


@pytest.mark.slow
@pytest.mark.xdist_group("ops-promtool")
def test_promtool_runs_the_generated_unit_tests(generated):
    """Every alert fires just above its threshold and stays silent just below it (~30 s: 3-day windows)."""
    require_tool("promtool")
    proc = run(["promtool", "test", "rules", TESTS], generated)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    assert "SUCCESS" in proc.stdout


def test_every_alert_has_a_fire_and_a_silent_case(generated, full_config):
    rules = yaml.load((generated / RULES).read_text())
    tests = yaml.load((generated / TESTS).read_text())
    alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
    assert len(alerts) == len(build_rules(full_config.service).alerts) >= 13
    for rule in alerts:
        cases = [t for t in tests["tests"] if t["alert_rule_test"][0]["alertname"] == rule["alert"]]
        fire = [c for c in cases if c["alert_rule_test"][0]["exp_alerts"]]
        silent = [c for c in cases if not c["alert_rule_test"][0]["exp_alerts"]]
        assert len(fire) == 1 and len(silent) == 1, rule["alert"]
        labels = rule["labels"]
        assert labels["severity"] in ("page", "ticket")
        anns = rule["annotations"]
        assert set(anns) >= {"summary", "description", "runbook_url", "dashboard_url"}
        assert "{{" in anns["description"], f"{rule['alert']}: description shows no value"
        assert anns["runbook_url"].startswith("https://handoff.example.com/orders/runbooks/incidents.html#")
        assert anns["dashboard_url"] == "https://grafana.example.com/d/orders-service/orders"


def test_burn_rate_inputs_follow_the_arithmetic(generated, full_config):
    """The fire case's error ratio is threshold x (1 + margin), the silent one's x (1 - margin)."""
    tests = yaml.load((generated / TESTS).read_text())
    avail = next(s for s in full_config.service.slos if s.kind is SLOKind.availability)
    for br in full_config.service.burn_rates:
        name = f"OrdersAvailabilityBudgetBurn{br.long}{br.short}"
        threshold = br.factor * (1 - avail.objective / 100)
        for case in (t for t in tests["tests"] if t["alert_rule_test"][0]["alertname"] == name):
            steps = {}
            for s in case["input_series"]:
                m = re.fullmatch(r"0\+([0-9.e-]+)x\d+", s["values"])
                steps["bad" if 'code="500"' in s["series"] else "good"] = float(m.group(1))
            ratio = steps["bad"] / (steps["bad"] + steps["good"])
            fires = bool(case["alert_rule_test"][0]["exp_alerts"])
            if fires:
                assert threshold < ratio <= threshold * (1 + 2 * MARGIN), (name, ratio)
            else:
                assert ratio == pytest.approx(threshold * (1 - MARGIN)), (name, ratio)


def test_generated_tests_catch_a_wrong_threshold(generated, tmp_path):
    """Mutation check: with the fast-burn threshold raised by 5%, the fire case must fail."""
    require_tool("promtool")
    rules = (generated / RULES).read_text()
    assert rules.count("(14.4 * 0.001)") == 2
    (tmp_path / "orders.rules.yml").write_text(rules.replace("(14.4 * 0.001)", "(15.12 * 0.001)"))
    tests = yaml.load((generated / TESTS).read_text())
    tests["tests"] = [t for t in tests["tests"]
                      if t["alert_rule_test"][0]["alertname"] == "OrdersAvailabilityBudgetBurn1h5m"]
    YAML(typ="safe").dump(tests, tmp_path / "t.yml")
    proc = run(["promtool", "test", "rules", "t.yml"], tmp_path)
    assert proc.returncode != 0
    assert "OrdersAvailabilityBudgetBurn1h5m fires just above" in proc.stdout + proc.stderr
    # and the unmutated rules pass the same reduced file
    (tmp_path / "orders.rules.yml").write_text(rules)
    assert run(["promtool", "test", "rules", "t.yml"], tmp_path).returncode == 0


def test_amtool_accepts_the_routes_and_routes_by_severity(generated):
    require_tool("amtool")
    proc = run(["amtool", "check-config", ROUTES], generated)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for severity in ("page", "ticket"):
        proc = run(["amtool", "config", "routes", "test", "--config.file", ROUTES,
                    "service=orders", f"severity={severity}"], generated)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == f"orders-{severity}"
    routes = yaml.load((generated / ROUTES).read_text())
    receivers = {r["name"]: r for r in routes["receivers"]}
    assert receivers["orders-page"]["pagerduty_configs"][0]["routing_key_file"].endswith("orders-pagerduty")
    assert receivers["orders-ticket"]["email_configs"][0]["to"] == "payments@example.com"


@pytest.mark.parametrize("name", ["small.yaml", "variant.yaml"])
def test_other_services_through_the_cli(name):
    """`shipit ops test` generates and checks other shapes of service end to end (one SLO; an integer
    latency threshold with a 99.95 objective, an equality error matcher and custom burn rates)."""
    require_tool("promtool", "amtool")
    from tests.conftest import run_shipit
    from tests.ops.helpers import FIXTURES

    proc = run_shipit("ops", "test", "-c", str(FIXTURES / name))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("passed") == 3


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
