"""service: section errors name the file, line and column, say what was expected, and exit 2."""

from __future__ import annotations

import re

import pytest

from shipit.config import load_config
from shipit.core.errors import ConfigError
from tests.conftest import DEMO, run_shipit
from tests.ops.helpers import FULL, SMALL


def _variant(tmp_path, old: str, new: str):
    text = FULL.read_text()
    assert old in text, old
    path = tmp_path / "shipit.yaml"
    path.write_text(text.replace(old, new, 1))
    line = next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if new.splitlines()[0] in ln)
    return path, line


def _error(path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return info.value.message


def test_burn_rate_defaults_follow_the_sre_workbook():
    svc = load_config(DEMO / "shipit.yaml").service
    assert svc.burn_rates is None and svc.slos[0].window == "30d"
    assert [(b.factor, b.long, b.short, b.severity, float(b.budget_percent)) for b in svc.burn_windows(svc.slos[0])] == [
        (14.4, "1h", "5m", "page", 2), (6, "6h", "30m", "page", 5), (3, "1d", "2h", "ticket", 10),
        (1, "3d", "6h", "ticket", 10)]


def test_burn_rates_are_configurable(full_config):
    svc = full_config.service
    assert [(b.factor, b.long) for b in svc.burn_windows(svc.slos[0])] == [(14.4, "1h"), (6, "6h"), (3, "1d")]


def test_objective_of_100_is_rejected_with_file_and_line(tmp_path):
    path, line = _variant(tmp_path, "objective: 99.9", "objective: 100")
    msg = _error(path)
    assert f"{path}:{line}:" in msg
    assert "service.slos[0].objective" in msg
    assert "strictly between 0 and 100" in msg and "no error budget" in msg


def test_unknown_dependency_kind_lists_the_known_ones(tmp_path):
    path, line = _variant(tmp_path, "kind: postgres", "kind: postgress")
    msg = _error(path)
    assert f"{path}:{line}:" in msg
    assert "service.dependencies[0].kind" in msg
    assert "'postgres'" in msg and "'redis'" in msg and "postgress" in msg


def test_latency_threshold_must_be_a_histogram_bucket(tmp_path):
    path, line = _variant(tmp_path, "threshold: 0.25", "threshold: 0.3")
    msg = _error(path)
    assert f"{path}:{line}:" in msg
    assert "service.slos[1].threshold" in msg
    assert "0.3s is not one of the buckets" in msg and "0.05, 0.1, 0.25, 0.5, 1, 2.5" in msg


def test_latency_threshold_on_the_last_bucket_is_rejected(tmp_path):
    path, line = _variant(tmp_path, "threshold: 0.25", "threshold: 2.5")
    assert "largest finite bucket" in _error(path)


def test_slo_metric_must_be_declared_and_of_the_right_type(tmp_path):
    path, _ = _variant(tmp_path, "metric: http_requests_total", "metric: http_request_total")
    assert "'http_request_total' is not declared" in _error(path)
    path, _ = _variant(tmp_path, "metric: http_requests_total", "metric: http_request_duration_seconds")
    assert "needs a counter metric" in _error(path)


def test_burn_rate_windows_are_checked(tmp_path):
    path, line = _variant(tmp_path, "{factor: 14.4, long: 1h, short: 5m, severity: page}",
                          "{factor: 14.4, long: 5m, short: 1h, severity: page}")
    msg = _error(path)
    assert f"{path}:{line}:" in msg and "must be shorter than long window" in msg
    path, line = _variant(tmp_path, "{factor: 3, long: 1d, short: 2h, severity: ticket}",
                          "{factor: 3, long: 60d, short: 2h, severity: ticket}")
    assert "burn-rate window 60d is longer than SLO 'availability' window 30d" in _error(path)


def test_cli_reports_config_error_without_traceback(tmp_path):
    path, line = _variant(tmp_path, "objective: 99.9", "objective: 100")
    proc = run_shipit("ops", "generate", "-c", str(path), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert re.search(rf"shipit.yaml:{line}:\d+: service.slos\[0\].objective", proc.stderr.replace("\n", ""))
    assert not (tmp_path / "out").exists()


def test_init_starter_service_section_validates_when_uncommented(tmp_path):
    from shipit.commands.init import render_init

    proj = tmp_path / "orders"
    proj.mkdir()
    text = render_init(proj)
    lines = text.split("\n")
    start = lines.index("# service:")
    block = [lines[start][2:]]
    for ln in lines[start + 1:]:
        if not ln.startswith("#   "):
            break
        block.append(ln[2:])
    (proj / "shipit.yaml").write_text(text + "\n" + "\n".join(block) + "\n")
    cfg = load_config(proj / "shipit.yaml")
    assert cfg.service.name == "orders" and [s.name for s in cfg.service.slos] == ["availability", "latency"]


def test_undeclared_label_in_errors_exits_2_with_the_declared_labels(tmp_path):
    """errors: status=~"5.." on a counter that declares only route, method and code would record an SLI
    of 0 forever; shipit refuses it with the line and the labels the metric has."""
    path, line = _variant(tmp_path, 'errors: code=~"5.."', 'errors: status=~"5.."')
    proc = run_shipit("ops", "generate", "-c", str(path), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2
    err = " ".join(proc.stderr.split())
    assert f"shipit.yaml:{line}:" in err and "service.slos[0].errors" in err
    assert "label 'status' is not declared on metric 'http_requests_total'" in err
    assert "declared labels: route, method, code" in err and "target labels: job, instance" in err
    assert not (tmp_path / "out").exists()


def test_labels_are_checked_in_selectors_and_dependency_health(tmp_path):
    path, _ = _variant(tmp_path, "      threshold: 0.25", '      threshold: 0.25\n      selector: method="GET"')
    msg = _error(path)
    assert "service.slos[1].selector" in msg and "label 'method' is not declared on metric " \
        "'http_request_duration_seconds'" in msg and "declared labels: route" in msg
    path, _ = _variant(tmp_path, 'health: orders_dependency_up{dependency="database"}',
                       'health: orders_dependency_up{dep="database"}')
    msg = _error(path)
    assert "service.dependencies[0].health" in msg and "label 'dep' is not declared" in msg
    path, _ = _variant(tmp_path, 'health: orders_dependency_up{dependency="database"}', 'health: pg_up{job="db"}')
    assert "reads pg_up, which is not declared under service.metrics" in _error(path)
    # target labels: job and instance always, others when the scrape configuration says so
    path, _ = _variant(tmp_path, 'errors: code=~"5.."', 'errors: code=~"5..",namespace="prod"')
    assert "label 'namespace' is not declared" in _error(path)
    text = path.read_text().replace("  metrics:\n", "  target_labels: [namespace]\n  metrics:\n", 1)
    path.write_text(text)
    assert load_config(path).service.slos[0].errors == 'code=~"5..",namespace="prod"'


def test_a_7d_slo_does_not_page_at_the_30d_factor():
    """The table follows the SLO window: pages keep their windows and budget shares (2% in 1h, 5% in
    6h), tickets keep theirs relative to the window (a 30th and a tenth of it, 10% each)."""
    svc = load_config(SMALL).service
    windows = svc.burn_windows(svc.slos[0])
    assert svc.slos[0].window == "7d"
    assert [(b.severity, b.long, b.short, round(b.factor, 6)) for b in windows] == [
        ("page", "1h", "5m", 3.36), ("page", "6h", "30m", 1.4), ("ticket", "336m", "28m", 3.0),
        ("ticket", "1008m", "84m", 1.0)]
    from shipit.ops.rules import build_rules

    page = next(a for a in build_rules(svc).alerts if a.name == "TinyAvailabilityBudgetBurn1h5m")
    assert "(3.36 * 0.005)" in page.expr and "14.4" not in page.expr


def test_the_factor_table_of_the_docs_is_the_one_shipit_uses():
    """docs/ops.md's "Burn-rate policy" table: each row's factor for 30d, 28d and 7d, recomputed here
    as budget share x SLO window / long window, equals what shipit resolves."""
    from shipit.ops import policy

    docs = (DEMO.parent.parent / "docs/ops.md").read_text()
    table = docs[docs.index("| alert | severity | long window"):].split("\n\n")[0].splitlines()[2:]
    rows = [[c.strip() for c in r.strip("|").split("|")] for r in table]
    assert len(rows) == len(policy.DEFAULT_POLICY) == 4
    days = {"30d": 30, "28d": 28, "7d": 7}
    for i, (row, pol) in enumerate(zip(rows, policy.DEFAULT_POLICY, strict=True)):
        assert row[1] == pol.severity and float(row[4].rstrip("%")) == float(pol.budget_percent)
        for col, window in zip(row[5:8], days, strict=True):
            resolved = policy.table_windows(days[window] * 86400)[i]
            factor, over = col.split(" over ")
            assert float(factor) == round(resolved.factor, 4), (row, window)
            assert over == resolved.long, (row, window)
    assert rows[0][5] == "14.4 over 1h" and rows[1][5] == "6 over 6h" and rows[2][5] == "3 over 1d" \
        and rows[3][5] == "1 over 3d"  # the SRE workbook's values for 30 days


def test_burn_rate_overrides_per_slo_and_their_checks(tmp_path):
    path, _ = _variant(tmp_path, "      threshold: 0.25", "      threshold: 0.25\n      burn_rates:\n"
                       "        - {budget_percent: 4, long: 1h, short: 5m, severity: page}")
    svc = load_config(path).service
    assert [(b.factor, b.long) for b in svc.burn_windows(svc.slos[1])] == [(28.8, "1h")]
    assert len(svc.burn_windows(svc.slos[0])) == 3  # the other SLO keeps service.burn_rates
    path, line = _variant(tmp_path, "{factor: 6, long: 6h, short: 30m, severity: page}",
                          "{factor: 6, budget_percent: 2, long: 6h, short: 30m, severity: page}")
    msg = _error(path)
    assert f"{path}:{line}:" in msg and "factor 6 does not match budget_percent 2 over 6h" in msg
    path, _ = _variant(tmp_path, "objective: 99.9", "objective: 90")
    assert "factor x error budget = 1.44" in _error(path) and "can never fire" in _error(path)


def test_custom_labels_and_severity_names(tmp_path):
    path, _ = _variant(tmp_path, "      errors: code=~\"5..\"", "      errors: code=~\"5..\"\n"
                       "      labels: {tier: \"1\", routing_key: payments}\n"
                       "      severities: {page: critical, ticket: warning}")
    svc = load_config(path).service
    from shipit.ops.routes import route_tests, routes_document
    from shipit.ops.rules import build_rules

    rs = build_rules(svc)
    page = next(a for a in rs.alerts if a.name == "OrdersAvailabilityBudgetBurn1h5m")
    assert page.labels["severity"] == "critical" and page.urgency == "page"
    assert page.labels["tier"] == "1" and page.labels["routing_key"] == "payments"
    latency = next(a for a in rs.alerts if a.name == "OrdersLatencyBudgetBurn1h5m")
    assert latency.labels["severity"] == "page" and "tier" not in latency.labels
    route = next(r for r in routes_document(svc, rs)["route"]["routes"] if 'slo="availability"' in r["matchers"]
                 and r["receiver"] == "orders-page")
    assert route["matchers"] == ['service="orders"', 'slo="availability"', 'severity="critical"',
                                 'routing_key="payments"', 'tier="1"']
    case = next(c for c in route_tests(rs) if c["alert"] == "OrdersAvailabilityBudgetBurn1h5m")
    assert case["receiver"] == "orders-page" and case["labels"]["severity"] == "critical"
    path, _ = _variant(tmp_path, "      errors: code=~\"5..\"", "      errors: code=~\"5..\"\n"
                       "      labels: {severity: high}")
    assert "label 'severity' is set by shipit" in _error(path)
