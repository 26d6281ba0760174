from __future__ import annotations

import io
import json
import sys
from argparse import Namespace
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config

SERVICE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(SERVICE))

from orders.app import make_app  # noqa: E402


def alembic_config(url: str) -> Config:
    cfg = Config(str(SERVICE / "alembic.ini"))
    cfg.cmd_opts = Namespace(x=[f"url={url}"])  # -x url=... wins over DATABASE_URL and the ini
    cfg.attributes["configure_logger"] = False
    return cfg


@pytest.fixture
def database_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'orders.db'}"
    command.upgrade(alembic_config(url), "head")
    return url


@pytest.fixture
def app(database_url):
    app = make_app(database_url)
    yield app
    app.engine.dispose()


def call(app, method: str, path: str, body: object = None, query: str = "",
         content_type: str = "application/json") -> tuple[int, dict[str, str], bytes]:
    """Call the WSGI app in-process, as a WSGI server would."""
    raw = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
        "CONTENT_TYPE": content_type if raw else "", "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": io.BytesIO(raw), "SERVER_NAME": "test", "SERVER_PORT": "80", "wsgi.url_scheme": "http",
    }
    captured: dict = {}

    def start_response(status, headers):
        captured["status"], captured["headers"] = int(status.split()[0]), dict(headers)

    out = b"".join(app(environ, start_response))
    return captured["status"], captured["headers"], out
