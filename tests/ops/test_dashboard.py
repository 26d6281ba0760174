"""The Grafana dashboard: schema version, stable uid, datasource variable, and queries over real series."""

from __future__ import annotations

import json

from ruamel.yaml import YAML

from shipit.ops.dashboard import build_dashboard, panel_queries
from shipit.ops.rules import build_rules
from tests.ops.helpers import metric_names

IMPLICIT = {"up", "process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds"}


def known_series(svc, rules_doc) -> set[str]:
    """Recording rules of the rules file + the service's declared metrics (+ what Prometheus and the
    client library's process collector always provide)."""
    names = {r["record"] for g in rules_doc["groups"] for r in g["rules"] if "record" in r}
    for m in svc.metrics:
        names |= {m.name} if m.type != "histogram" else {f"{m.name}_bucket", f"{m.name}_count", f"{m.name}_sum"}
    return names | IMPLICIT


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
    assert {"Request rate by route", "Error ratio", "Duration p50 / p95 / p99", "Error budget remaining",
            "Dependency health (1 = up)"} <= titles
    assert any(t.startswith("Burn rate") for t in titles) and any(t.startswith("CPU / limit") for t in titles)


def test_uid_is_stable_across_generations_and_configurable(full_config):
    svc = full_config.service
    a = build_dashboard(build_rules(svc))
    b = build_dashboard(build_rules(svc))
    assert a == b and a["uid"] == "orders-service"
    other = svc.model_copy(update={"dashboard_uid": "orders-prod"})
    assert build_dashboard(build_rules(other))["uid"] == "orders-prod"


def test_every_query_reads_only_known_series(generated, full_config):
    board = json.loads((generated / "dashboards/orders.json").read_text())
    rules = YAML(typ="safe").load((generated / "alerts/orders.rules.yml").read_text())
    known = known_series(full_config.service, rules)
    queries = panel_queries(board)
    assert len(queries) >= 15
    used = set()
    for q in queries:
        names = metric_names(q)
        assert names, q
        assert names <= known, f"unknown series {names - known} in {q}"
        used |= names
    # The SLO panels read the recording rules, not raw counters.
    assert "slo:sli_error:ratio_rate30d" in used and "slo:sli_error:ratio_rate1h" in used


def test_alert_expressions_read_only_known_series(generated, full_config):
    rules = YAML(typ="safe").load((generated / "alerts/orders.rules.yml").read_text())
    known = known_series(full_config.service, rules)
    for g in rules["groups"]:
        for r in g["rules"]:
            assert metric_names(r["expr"]) <= known, r
