"""The demo service's own service: section: its rules and unit tests pass promtool (SRE workbook
defaults, 3-day windows), and a real Prometheus scraping the real running demo app (plus a stand-in
postgres exporter for the dependency's pg_up) evaluates every rule and answers every dashboard query."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from argparse import Namespace

import pytest
import requests
from prometheus_client import CollectorRegistry, Gauge, start_http_server

from shipit.config import load_config
from shipit.ops.dashboard import panel_queries
from shipit.ops.generate import generate
from tests.conftest import DEMO, free_port, require_tool, served

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("ops-demo")]


@pytest.fixture(scope="module")
def demo_ops(tmp_path_factory):
    cfg = load_config(DEMO / "shipit.yaml")
    out = tmp_path_factory.mktemp("demo-ops")
    generate(cfg.service, out, cfg.project_dir)
    return cfg.service, out


@pytest.mark.slow
def test_demo_rules_and_unit_tests_pass_promtool(demo_ops):
    require_tool("promtool", "amtool")
    svc, out = demo_ops
    from shipit.ops.generate import unit_test_files

    files = unit_test_files(svc, out)
    assert len(files) == 4  # one per short window of the SRE defaults: 5m (with the other alerts), 30m, 2h, 6h
    for cmd in (["promtool", "check", "rules", f"alerts/{svc.name}.rules.yml"],
                ["promtool", "test", "rules", *files],
                ["amtool", "check-config", "alertmanager/routes.yml"]):
        proc = subprocess.run(cmd, cwd=out, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, (cmd, (proc.stdout + proc.stderr)[-3000:])


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    from alembic import command
    from alembic.config import Config

    db = tmp_path_factory.mktemp("orders-db") / "orders.db"
    acfg = Config(str(DEMO / "alembic.ini"))
    acfg.cmd_opts = Namespace(x=[f"url=sqlite:///{db}"])
    acfg.attributes["configure_logger"] = False
    command.upgrade(acfg, "head")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "PORT": str(port), "HOST": "127.0.0.1",
           "PYTHONPATH": str(DEMO)}
    base = f"http://127.0.0.1:{port}"
    with served([sys.executable, "-m", "orders"], base + "/healthz", db.parent / "orders.log", "the demo service",
                cwd=DEMO, env=env):
        yield base, port


def _traffic(base: str) -> None:
    body = json.dumps({"customer_email": "ann@example.com", "sku": "tea", "quantity": 2,
                       "unit_price_cents": 450}).encode()
    for _ in range(5):
        requests.post(base + "/orders", data=body, headers={"Content-Type": "application/json"}, timeout=5)
        requests.get(base + "/orders", timeout=5)
        requests.get(base + "/orders/1", timeout=5)


@pytest.fixture(scope="module")
def prometheus(demo_ops, demo_app, tmp_path_factory):
    require_tool("prometheus")
    svc, out = demo_ops
    base, app_port = demo_app
    # Stand-in for postgres_exporter: the dependency's health metric comes from an exporter, not the app.
    reg = CollectorRegistry()
    Gauge("pg_up", "postgres reachable", registry=reg).set(1)
    pg_port = free_port()
    pg_server, pg_thread = start_http_server(pg_port, addr="127.0.0.1", registry=reg)
    tmp = tmp_path_factory.mktemp("demo-prom")
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(out / f"alerts/{svc.name}.rules.yml")],
        "scrape_configs": [
            {"job_name": svc.job_name, "static_configs": [{"targets": [f"127.0.0.1:{app_port}"]}]},
            {"job_name": "orders-postgres", "static_configs": [{"targets": [f"127.0.0.1:{pg_port}"]}]},
        ],
    }
    (tmp / "prometheus.yml").write_text(json.dumps(config))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    try:
        with served(["prometheus", f"--config.file={tmp / 'prometheus.yml'}", f"--storage.tsdb.path={tmp / 'data'}",
                     f"--web.listen-address=127.0.0.1:{port}"], url + "/-/ready", tmp / "prometheus.log", "prometheus"):
            _traffic(base)
            yield url
    finally:
        pg_server.shutdown()
        pg_thread.join(5)


def test_prometheus_scraping_the_demo_answers_every_dashboard_query(prometheus, demo_app, demo_ops):
    svc, out = demo_ops
    base, _ = demo_app
    queries = panel_queries(json.loads((out / f"dashboards/{svc.name}.json").read_text()))
    deadline = time.monotonic() + 40
    while True:
        _traffic(base)
        groups = requests.get(f"{prometheus}/api/v1/rules", timeout=5).json()["data"]["groups"]
        unhealthy = [(r["name"], r.get("lastError")) for g in groups for r in g["rules"] if r.get("health") != "ok"]
        empty = []
        for q in queries:
            r = requests.get(f"{prometheus}/api/v1/query", params={"query": q.replace("$__rate_interval", "1m")},
                             timeout=5).json()
            assert r["status"] == "success", (q, r)
            if not r["data"]["result"]:
                empty.append(q)
        if (not unhealthy and not empty and groups) or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert groups and not unhealthy, unhealthy
    assert not empty, f"dashboard queries without data from the real service: {empty}"


def test_demo_release_links_the_migrations_rollback_plan(tmp_path):
    """migrations runs before ops, so the rollback runbook links the release's ROLLBACK.md (relative
    to the runbook's own place in the release) and carries the demo's operator fragment."""
    from shipit.capabilities import stages
    from tests.conftest import run_shipit

    skip = [s for s in (st.name for st in stages()) if s not in ("migrations", "ops", "manifest", "checksums")]
    proc = run_shipit("release", "--version", "1.0.0", "-c", str(DEMO / "shipit.yaml"), "--output", str(tmp_path),
                      *(["--skip", ",".join(skip)] if skip else []))
    assert proc.returncode == 0, proc.stderr
    runbook = tmp_path / "1.0.0/ops/runbooks/rollback.md"
    text = runbook.read_text()
    assert "[the migrations' rollback plan](../../migrations/ROLLBACK.md)" in text
    assert (runbook.parent / "../../migrations/ROLLBACK.md").resolve().is_file()
    assert "c3e5a7b90003" in text  # examples/orders-service/runbooks/migrations.md
