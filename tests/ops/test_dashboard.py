"""The Grafana dashboard: schema version, stable uid, datasource variable, queries over declared series
built by the rule builders, groupings on declared labels, and panels that say which window they cover."""

from __future__ import annotations

import json
import re

from ruamel.yaml import YAML

from shipit.config import load_config
from shipit.ops.dashboard import build_dashboard, panel_queries, queries
from shipit.ops.rules import build_rules, sli_expr
from tests.conftest import DEMO
from tests.ops.helpers import FIXTURES, metric_names

#: What Prometheus writes for every target, declared or not.
TARGET_SERIES = {"up"}


def known_series(svc, rules_doc) -> set[str]:
    """Recording rules of the rules file + the service's declared metrics + ``up``."""
    names = {r["record"] for g in rules_doc["groups"] for r in g["rules"] if "record" in r}
    for m in svc.metrics:
        names |= {m.name} if m.type != "histogram" else {f"{m.name}_bucket", f"{m.name}_count", f"{m.name}_sum"}
    return names | TARGET_SERIES


def test_schema_version_uid_and_datasource_variable(generated, full_config):
    board = json.loads((generated / "dashboards/orders.json").read_text())
    assert board["schemaVersion"] >= 39
    assert board["uid"] == "orders-service"
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    panels = [p for p in board["panels"] if p["type"] != "row"]
    assert len(panels) >= 10
    for p in panels:
        assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, p["title"]
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    titles = {p["title"] for p in panels}
    assert {"Request rate by route", "Error ratio", "Duration p50 / p95 / p99", "Error budget remaining (30d)",
            "Data in the 30d window", "Dependency health (1 = up)"} <= titles
    assert any(t.startswith("Burn rate") for t in titles) and any(t.startswith("CPU / limit") for t in titles)


def test_uid_is_stable_across_generations_and_configurable(full_config):
    svc = full_config.service
    a = build_dashboard(build_rules(svc))
    b = build_dashboard(build_rules(svc))
    assert a == b and a["uid"] == "orders-service"
    other = svc.model_copy(update={"dashboard_uid": "orders-prod"})
    assert build_dashboard(build_rules(other))["uid"] == "orders-prod"


def test_every_query_reads_only_declared_series(generated, full_config):
    board = json.loads((generated / "dashboards/orders.json").read_text())
    rules = YAML(typ="safe").load((generated / "alerts/orders.rules.yml").read_text())
    known = known_series(full_config.service, rules)
    queries_ = panel_queries(board)
    assert len(queries_) >= 15
    used = set()
    for q in queries_:
        names = metric_names(q)
        assert names, q
        assert names <= known, f"unknown series {names - known} in {q}"
        used |= names
    # The SLO panels read the recording rules, not raw counters.
    assert "slo:sli_error:ratio_rate30d" in used and "slo:sli_error:ratio_rate1h" in used


def test_alert_expressions_read_only_declared_series(generated, full_config):
    rules = YAML(typ="safe").load((generated / "alerts/orders.rules.yml").read_text())
    known = known_series(full_config.service, rules)
    for g in rules["groups"]:
        for r in g["rules"]:
            assert metric_names(r["expr"]) <= known, r


def test_error_ratio_panel_is_the_sli_itself():
    """The panel and the recording rule come from one builder: with an SLO selector, the panel keeps it."""
    svc = load_config(DEMO / "shipit.yaml").service
    slo = svc.slos[0]
    assert slo.selector == 'route=~"/orders.*"'
    panel = next(p for p in queries(build_rules(svc)) if p.title == "Error ratio")
    assert panel.targets == [(sli_expr(svc, slo, "$__rate_interval"), "availability")]
    assert 'route=~"/orders.*"' in panel.targets[0][0] and 'code=~"5.."' in panel.targets[0][0]


def test_groupings_use_only_declared_labels(full_config):
    svc = load_config(FIXTURES / "variant.yaml").service  # reqs_total declares only `status`
    panels = queries(build_rules(svc))
    rate = next(p for p in panels if p.title.startswith("Request rate"))
    assert rate.title == "Request rate" and "by (" not in rate.targets[0][0]
    for svc in (full_config.service, load_config(FIXTURES / "variant.yaml").service):
        rs = build_rules(svc)
        exprs = [e for p in queries(rs) for e, _ in p.targets] + [c for a in rs.alerts for c in a.checks]
        for expr in exprs:
            for group in re.findall(r"\bby \(([^)]*)\)", expr):
                for label in (x.strip() for x in group.split(",")):
                    assert label == "le" or label == "instance" or any(
                        label in m.labels for m in svc.metrics), (label, expr)


def test_panels_say_which_window_they_cover(full_config):
    for p in queries(build_rules(full_config.service)):
        assert re.search(r"\$__rate_interval|last 5m|over the last|window|each point|hour", p.description), p
        if p.row.startswith("SLO:") and p.kind == "stat":
            assert "30d" in p.title, p.title
    coverage = next(p for p in queries(build_rules(full_config.service)) if p.title == "Data in the 30d window")
    assert "15d by default" in coverage.description


def test_without_declared_process_metrics_no_saturation_or_restart_panels():
    svc = load_config(FIXTURES / "small.yaml").service
    rs = build_rules(svc)
    titles = [p.title for p in queries(rs)]
    assert "Instances up" in titles
    assert not [t for t in titles if t.startswith(("CPU", "Memory", "Restarts"))]
    assert {a.name for a in rs.alerts} >= {"TinyTargetDown"}
    assert not [a for a in rs.alerts if a.name.endswith(("Saturation", "Restarting"))]
    assert any("process_start_time_seconds" in n for n in rs.notes)
