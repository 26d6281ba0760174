"""``python -m orders``: run the HTTP service (configured by DATABASE_URL, HOST, PORT)."""

from __future__ import annotations

import logging
import sys

from orders.app import make_app
from orders.server import serve
from orders.settings import Settings


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        print(f"orders: {exc}", file=sys.stderr)
        return 2
    serve(make_app(settings.database_url), settings.host, settings.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
