"""orders: a small order-taking HTTP service (WSGI, SQLAlchemy, Prometheus metrics)."""

__version__ = "1.0.0"
