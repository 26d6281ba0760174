"""Serve the app with the standard library's WSGI server, one thread per request."""

from __future__ import annotations

import logging
import signal
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from orders.app import OrdersApp

log = logging.getLogger("orders")


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - signature from the base class
        log.info("%s %s", self.address_string(), format % args)


def make_http_server(app: OrdersApp, host: str, port: int) -> WSGIServer:
    return make_server(host, port, app, server_class=ThreadingWSGIServer, handler_class=QuietHandler)


def serve(app: OrdersApp, host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT, then stop accepting and return (graceful for containers)."""
    server = make_http_server(app, host, port)

    def stop(signum, frame):
        log.info("signal %s: shutting down", signum)
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("listening on http://%s:%d", *server.server_address[:2])
    try:
        server.serve_forever()
    finally:
        server.server_close()
        app.engine.dispose()
