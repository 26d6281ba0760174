"""Tests of the orders service: endpoints, metrics, settings, and the migrations against the models."""

from __future__ import annotations

import json

import pytest
from alembic import command
from conftest import alembic_config, call
from prometheus_client.parser import text_string_to_metric_families

from orders.app import make_app
from orders.settings import DEFAULT_DATABASE_URL, Settings

HEAD = "c3e5a7b90003"


def metric_value(app, name: str, labels: dict[str, str]) -> float:
    _, _, body = call(app, "GET", "/metrics")
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def test_healthz(app):
    status, headers, body = call(app, "GET", "/healthz")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"status": "ok"}


def test_readyz_reports_the_schema_revision(app):
    status, _, body = call(app, "GET", "/readyz")
    assert status == 200
    assert json.loads(body) == {"status": "ready", "revision": HEAD}


def test_readyz_fails_on_an_unmigrated_database(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'empty.db'}")
    status, _, body = call(app, "GET", "/readyz")
    assert status == 503
    assert json.loads(body)["status"] == "unavailable"


def test_create_list_and_get_orders(app):
    status, _, body = call(app, "POST", "/orders", {"customer_email": "  Ann@Example.COM ", "sku": "tea-1",
                                                    "quantity": 3, "unit_price_cents": 250})
    assert status == 201, body
    order = json.loads(body)
    assert order["customer_email"] == "ann@example.com"
    assert order["total_cents"] == 750
    assert order["status"] == "pending"

    call(app, "POST", "/orders", {"customer_email": "ann@example.com", "sku": "cup", "quantity": 1,
                                  "unit_price_cents": 0})
    status, _, body = call(app, "GET", "/orders")
    assert status == 200
    orders = json.loads(body)["orders"]
    assert [o["sku"] for o in orders] == ["tea-1", "cup"]

    status, _, body = call(app, "GET", f"/orders/{order['id']}")
    assert status == 200 and json.loads(body)["sku"] == "tea-1"
    status, _, _ = call(app, "GET", "/orders/999999")
    assert status == 404

    status, _, body = call(app, "GET", "/orders", query="status=shipped")
    assert status == 200 and json.loads(body)["orders"] == []


@pytest.mark.parametrize("payload", [
    {"customer_email": "not-an-email", "sku": "x", "quantity": 1, "unit_price_cents": 1},
    {"customer_email": "a@b.io", "sku": "", "quantity": 1, "unit_price_cents": 1},
    {"customer_email": "a@b.io", "sku": "x", "quantity": 0, "unit_price_cents": 1},
    {"customer_email": "a@b.io", "sku": "x", "quantity": True, "unit_price_cents": 1},
    {"customer_email": "a@b.io", "sku": "x", "quantity": 1, "unit_price_cents": -5},
    ["not", "an", "object"],
])
def test_invalid_orders_are_rejected(app, payload):
    status, _, body = call(app, "POST", "/orders", payload)
    assert status == 400
    assert "error" in json.loads(body)


def test_bad_requests(app):
    assert call(app, "POST", "/orders", b"{", content_type="application/json")[0] == 400
    assert call(app, "POST", "/orders", b"a=b", content_type="application/x-www-form-urlencoded")[0] == 415
    assert call(app, "GET", "/orders", query="limit=0")[0] == 400
    assert call(app, "GET", "/orders", query="status=lost")[0] == 400
    status, headers, _ = call(app, "DELETE", "/orders")
    assert status == 405 and headers["Allow"] == "GET, POST"
    assert call(app, "GET", "/nope")[0] == 404


def test_metrics_count_requests_by_route_method_and_code(app):
    before = metric_value(app, "http_requests_total", {"route": "/orders/{id}", "method": "GET", "code": "404"})
    call(app, "GET", "/orders/41")
    call(app, "GET", "/orders/42")
    call(app, "GET", "/wp-login.php")
    after = metric_value(app, "http_requests_total", {"route": "/orders/{id}", "method": "GET", "code": "404"})
    assert after == before + 2
    assert metric_value(app, "http_requests_total", {"route": "unmatched", "code": "404"}) == 1
    assert metric_value(app, "http_request_duration_seconds_count", {"route": "/orders/{id}"}) == 2
    status, headers, _ = call(app, "GET", "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")


def test_settings_from_environment():
    assert Settings.from_env({}) == Settings(DEFAULT_DATABASE_URL, "127.0.0.1", 8080)
    s = Settings.from_env({"DATABASE_URL": "postgresql+psycopg://db/orders", "PORT": "9000", "HOST": "10.1.2.3"})
    assert (s.database_url, s.port, s.host) == ("postgresql+psycopg://db/orders", 9000, "10.1.2.3")
    with pytest.raises(ValueError, match="PORT"):
        Settings.from_env({"PORT": "http"})


def test_models_match_the_migrations(database_url):
    # Raises AutoGenerateDiffsDetected if orders/db.py and the head revision disagree.
    command.check(alembic_config(database_url))
