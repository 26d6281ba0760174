"""The WSGI application: health, readiness, metrics and a tiny orders API.

Routes
  GET  /healthz          the process is alive
  GET  /readyz           the database answers and is migrated (503 otherwise)
  GET  /metrics          Prometheus text format
  GET  /orders           list orders (?status=pending&limit=50)
  POST /orders           create an order: {"customer_email", "sku", "quantity", "unit_price_cents"}
  GET  /orders/{id}      one order
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from urllib.parse import parse_qs

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from orders import db
from orders.metrics import Metrics

log = logging.getLogger("orders")

MAX_BODY = 64 * 1024
UNMATCHED = "unmatched"  # route label for unknown paths, so scanners cannot blow up label cardinality


class HTTPError(Exception):
    def __init__(self, status: int, message: str, headers: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or []


Response = tuple[int, list[tuple[str, str]], bytes]


def json_response(status: int, payload: object) -> Response:
    body = (json.dumps(payload, sort_keys=True) + "\n").encode()
    return status, [("Content-Type", "application/json")], body


class OrdersApp:
    """A WSGI callable. ``engine`` is a SQLAlchemy engine on a database migrated to head."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.metrics = Metrics()
        # (route template, compiled pattern, {method: handler})
        self.routes: list[tuple[str, re.Pattern, dict[str, Callable[..., Response]]]] = [
            ("/healthz", re.compile(r"/healthz"), {"GET": self.healthz}),
            ("/readyz", re.compile(r"/readyz"), {"GET": self.readyz}),
            ("/metrics", re.compile(r"/metrics"), {"GET": self.metrics_endpoint}),
            ("/orders", re.compile(r"/orders"), {"GET": self.list_orders, "POST": self.create_order}),
            ("/orders/{id}", re.compile(r"/orders/(?P<order_id>[0-9]{1,18})"), {"GET": self.get_order}),
        ]

    # --- WSGI -------------------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO") or "/"
        route = UNMATCHED
        try:
            route, handler, params = self.resolve(method, path)
            status, headers, body = handler(environ, **params)
        except HTTPError as exc:
            route = getattr(exc, "route", route)
            status, headers, body = json_response(exc.status, {"error": exc.message})
            headers += exc.headers
        except Exception:
            log.exception("unhandled error on %s %s", method, path)
            status, headers, body = json_response(500, {"error": "internal server error"})
        if method == "HEAD":
            body = b""
        headers.append(("Content-Length", str(len(body))))
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        # Observed before the body is sent: that is the handling time, not the client's download time.
        self.metrics.observe(route, method if method in ("GET", "POST", "HEAD") else "other", status,
                             time.perf_counter() - started)
        return [body]

    def resolve(self, method: str, path: str) -> tuple[str, Callable[..., Response], dict[str, str]]:
        for template, pattern, handlers in self.routes:
            match = pattern.fullmatch(path)
            if not match:
                continue
            handler = handlers.get("GET" if method == "HEAD" else method)
            if handler is None:
                allow = ", ".join(sorted(handlers))
                raise _RouteError(template, HTTPError(405, f"method {method} not allowed", [("Allow", allow)]))
            return template, handler, match.groupdict()
        raise HTTPError(404, f"no route for {path}")

    # --- handlers ---------------------------------------------------------------------------------

    def healthz(self, environ: dict) -> Response:
        return json_response(200, {"status": "ok"})

    def readyz(self, environ: dict) -> Response:
        try:
            revision = db.schema_revision(self.engine)
        except Exception as exc:  # any database failure means "not ready", never a crash
            log.warning("not ready: %s", exc)
            return json_response(503, {"status": "unavailable", "reason": type(exc).__name__})
        return json_response(200, {"status": "ready", "revision": revision})

    def metrics_endpoint(self, environ: dict) -> Response:
        return 200, [("Content-Type", self.metrics.content_type)], self.metrics.render()

    def list_orders(self, environ: dict) -> Response:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        status = query.get("status", [None])[0]
        if status is not None and status not in db.ORDER_STATUSES:
            raise HTTPError(400, f"status must be one of {', '.join(db.ORDER_STATUSES)}")
        limit_text = query.get("limit", ["100"])[0]
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= 1000:
            raise HTTPError(400, "limit must be an integer between 1 and 1000")
        with self.sessions() as session:
            orders = db.list_orders(session, status=status, limit=int(limit_text))
            return json_response(200, {"orders": [o.to_dict() for o in orders]})

    def get_order(self, environ: dict, order_id: str) -> Response:
        with self.sessions() as session:
            order = session.get(db.Order, int(order_id))
            if order is None:
                raise HTTPError(404, f"order {order_id} not found")
            return json_response(200, order.to_dict())

    def create_order(self, environ: dict) -> Response:
        payload = read_json(environ)
        email = payload.get("customer_email")
        sku = payload.get("sku")
        quantity = payload.get("quantity")
        price = payload.get("unit_price_cents")
        if not isinstance(email, str) or not re.fullmatch(r"\s*[^@\s]+@[^@\s]+\.[^@\s]+\s*", email):
            raise HTTPError(400, "customer_email must be an email address")
        if not isinstance(sku, str) or not 1 <= len(sku) <= 64:
            raise HTTPError(400, "sku must be a string of 1 to 64 characters")
        if not _positive_int(quantity) or not _positive_int(price, allow_zero=True):
            raise HTTPError(400, "quantity must be a positive integer and unit_price_cents a non-negative integer")
        with self.sessions() as session, session.begin():
            order = db.create_order(session, email=email, sku=sku, quantity=quantity, unit_price_cents=price)
            result = order.to_dict()
        return json_response(201, result)


class _RouteError(HTTPError):
    """An HTTPError raised after the route was matched (so the metrics carry the route template)."""

    def __init__(self, route: str, error: HTTPError):
        super().__init__(error.status, error.message, error.headers)
        self.route = route


def _positive_int(value: object, allow_zero: bool = False) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and (value >= 0 if allow_zero else value > 0)


def read_json(environ: dict) -> dict:
    content_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip()
    if content_type != "application/json":
        raise HTTPError(415, "send the body as application/json")
    length_text = environ.get("CONTENT_LENGTH") or "0"
    if not length_text.isdigit():
        raise HTTPError(400, "bad Content-Length")
    length = int(length_text)
    if length > MAX_BODY:
        raise HTTPError(413, f"body larger than {MAX_BODY} bytes")
    raw = environ["wsgi.input"].read(length)
    try:
        payload = json.loads(raw)
    except ValueError:
        raise HTTPError(400, "body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise HTTPError(400, "body must be a JSON object")
    return payload


def make_app(database_url: str) -> OrdersApp:
    return OrdersApp(db.make_engine(database_url))
