"""A real Alertmanager with the generated configuration: one outage sends one page per SLO, and a down
target mutes only what it explains.

The generated receivers (PagerDuty, Slack, e-mail) are pointed at a local webhook and the waits
shortened; the routes, grouping and inhibit rules are the generated ones."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from shipit.ops.routes import routes_document
from shipit.ops.rules import build_rules
from tests.conftest import free_port, require_tool, served

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("ops-alertmanager")]


@pytest.fixture
def webhook():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"receiver": self.path.strip("/"), **json.loads(body)})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    thread.join(5)


@pytest.fixture
def alertmanager(full_config, webhook, tmp_path):
    require_tool("prometheus-alertmanager")
    url, _ = webhook
    svc = full_config.service
    doc = routes_document(svc, build_rules(svc))
    doc["global"] = {"resolve_timeout": "5m"}
    doc["receivers"] = [{"name": r["name"], "webhook_configs": [{"url": f"{url}/{r['name']}"}]}
                        for r in doc["receivers"]]
    for route in doc["route"]["routes"]:
        route.update(group_wait="1s", group_interval="1m", repeat_interval="1h")
    (tmp_path / "am.yml").write_text(json.dumps(doc))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with served(["prometheus-alertmanager", f"--config.file={tmp_path / 'am.yml'}",
                 f"--storage.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{port}",
                 "--cluster.listen-address="], f"{base}/-/ready", tmp_path / "am.log", "alertmanager"):
        yield base


def _alert(rs, name: str, **extra: str) -> dict:
    a = next(a for a in rs.alerts if a.name == name)
    return {"labels": {"alertname": a.name, **a.labels, **extra}, "annotations": {"summary": a.summary}}


def _settle(received: list[dict], count: int, timeout: float = 20) -> list[dict]:
    deadline = time.monotonic() + timeout
    while len(received) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2)  # anything more that would arrive (the waits are 1s)
    return received


def test_one_outage_one_page_per_slo_and_scoped_inhibition(alertmanager, webhook, full_config):
    _, received = webhook
    rs = build_rules(full_config.service)
    alerts = [
        # an outage: both page alerts of the availability SLO, and the latency SLO's fast burn
        _alert(rs, "OrdersAvailabilityBudgetBurn1h5m"), _alert(rs, "OrdersAvailabilityBudgetBurn6h30m"),
        _alert(rs, "OrdersLatencyBudgetBurn1h5m"),
        # one instance down: it explains its own restarts, not another instance's, nor the SLO ticket
        _alert(rs, "OrdersTargetDown", instance="orders-0:8000", job="orders"),
        _alert(rs, "OrdersRestarting", instance="orders-0:8000"),
        _alert(rs, "OrdersRestarting", instance="orders-1:8000"),
        _alert(rs, "OrdersAvailabilityBudgetBurn1d2h"),
    ]
    r = requests.post(f"{alertmanager}/api/v2/alerts", json=alerts, timeout=5)
    assert r.status_code == 200, r.text
    got = _settle(received, 5)
    pages = [n for n in got if n["receiver"] == "orders-page"]
    tickets = [n for n in got if n["receiver"] == "orders-ticket"]
    by_group = {tuple(sorted(n["groupLabels"].items())): sorted(a["labels"]["alertname"] for a in n["alerts"])
                for n in pages}
    assert by_group == {
        (("service", "orders"), ("slo", "availability")): ["OrdersAvailabilityBudgetBurn1h5m",
                                                            "OrdersAvailabilityBudgetBurn6h30m"],
        (("service", "orders"), ("slo", "latency")): ["OrdersLatencyBudgetBurn1h5m"],
        (("service", "orders"),): ["OrdersTargetDown"],
    }
    assert len(pages) == 3  # one notification per SLO (and one for the down target), not one per alert
    ticketed = sorted((a["labels"]["alertname"], a["labels"].get("instance", "")) for n in tickets for a in n["alerts"])
    assert ticketed == [("OrdersAvailabilityBudgetBurn1d2h", ""), ("OrdersRestarting", "orders-1:8000")]
