"""A real Prometheus on 127.0.0.1 scrapes an exporter with the service's metrics, loads the generated
rules (every rule healthy), and answers every dashboard query with data."""

from __future__ import annotations

import json
import random
import threading
import time

import pytest
import requests
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    start_http_server,
)
from ruamel.yaml import YAML

from shipit.ops.dashboard import panel_queries
from tests.conftest import free_port, require_tool, served

yaml = YAML(typ="safe")
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("ops-prometheus")]


@pytest.fixture(scope="module")
def exporter(full_config):
    """The service's metrics, with live traffic (a few errors, a spread of durations)."""
    reg = CollectorRegistry()
    ProcessCollector(registry=reg)
    hist = full_config.service.metric("http_request_duration_seconds")
    requests_total = Counter("http_requests", "requests", ["route", "method", "code"], registry=reg)
    duration = Histogram("http_request_duration_seconds", "duration", ["route"], buckets=hist.buckets, registry=reg)
    dep = Gauge("orders_dependency_up", "dependency health", ["dependency"], registry=reg)
    dep.labels("database").set(1)
    dep.labels("cache").set(1)
    stop = threading.Event()

    def traffic():
        rnd = random.Random(7)
        while not stop.is_set():
            for _ in range(20):
                code = "500" if rnd.random() < 0.01 else "200"
                requests_total.labels("/orders", "POST", code).inc()
                duration.labels("/orders").observe(rnd.expovariate(10))
            stop.wait(0.1)

    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=reg)
    worker = threading.Thread(target=traffic, daemon=True)
    worker.start()
    yield port
    stop.set()
    worker.join(5)
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="module")
def prometheus(generated, exporter, full_config, tmp_path_factory):
    require_tool("prometheus")
    tmp = tmp_path_factory.mktemp("prom")
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(generated / "alerts/orders.rules.yml")],
        "scrape_configs": [{"job_name": full_config.service.job_name,
                            "static_configs": [{"targets": [f"127.0.0.1:{exporter}"]}]}],
    }
    (tmp / "prometheus.yml").write_text(json.dumps(config))  # JSON is YAML
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with served(["prometheus", f"--config.file={tmp / 'prometheus.yml'}", f"--storage.tsdb.path={tmp / 'data'}",
                 f"--web.listen-address=127.0.0.1:{port}"], f"{base}/-/ready", tmp / "prometheus.log", "prometheus"):
        yield base


def _poll(check, timeout=30.0):
    deadline = time.time() + timeout
    while True:
        ok, detail = check()
        if ok or time.time() > deadline:
            return ok, detail
        time.sleep(0.5)


def test_prometheus_loads_the_rules_with_health_ok(prometheus, generated):
    def check():
        groups = requests.get(f"{prometheus}/api/v1/rules", timeout=5).json()["data"]["groups"]
        rules = [r for g in groups for r in g["rules"]]
        bad = [(r["name"], r.get("health"), r.get("lastError")) for r in rules if r.get("health") != "ok"]
        return bool(rules) and not bad, (len(rules), bad)

    ok, (count, bad) = _poll(check)
    assert ok, bad
    written = yaml.load((generated / "alerts/orders.rules.yml").read_text())
    assert count == sum(len(g["rules"]) for g in written["groups"]) >= 30


def test_every_dashboard_query_returns_data(prometheus, generated):
    queries = panel_queries(json.loads((generated / "dashboards/orders.json").read_text()))

    def check():
        empty = []
        for q in queries:
            r = requests.get(f"{prometheus}/api/v1/query", params={"query": q.replace("$__rate_interval", "1m")},
                             timeout=5).json()
            assert r["status"] == "success", (q, r)
            if not r["data"]["result"]:
                empty.append(q)
        return not empty, empty

    ok, empty = _poll(check)
    assert ok, f"queries without data: {empty}"


def test_slo_recording_rules_compute_the_error_ratio(prometheus):
    """About 1% of the exporter's requests fail: the recorded 5m availability SLI says so."""
    q = 'slo:sli_error:ratio_rate5m{service="orders",slo="availability"}'

    def check():
        res = requests.get(f"{prometheus}/api/v1/query", params={"query": q}, timeout=5).json()["data"]["result"]
        return bool(res) and res[0]["value"][1] not in ("NaN",), res

    ok, res = _poll(check)
    assert ok, res
    assert 0 <= float(res[0]["value"][1]) < 0.1
