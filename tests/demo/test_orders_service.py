"""The demo service that shipit releases: a real HTTP server, real migrations, real CI files.

Starts ``python -m orders`` on 127.0.0.1 against a SQLite database migrated with Alembic's command
API, and checks every endpoint, the Prometheus exposition (parsed by prometheus_client's parser),
the migration chain (backfill, irreversible downgrade, offline SQL fed to the sqlite3 CLI), and the
CI/config files (parsed, and validated against SchemaStore's schemas as vendored by check-jsonschema)."""

from __future__ import annotations

import importlib.resources
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from argparse import Namespace
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

import jsonschema
import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from prometheus_client.parser import text_string_to_metric_families
from ruamel.yaml import YAML

from tests.conftest import DEMO, free_port, require_tool

pytestmark = pytest.mark.xdist_group("demo")

REV1, REV2, HEAD = "a1c3e5f70001", "b2d4f6a80002", "c3e5a7b90003"


def alembic_cfg(db: Path) -> Config:
    cfg = Config(str(DEMO / "alembic.ini"))
    cfg.cmd_opts = Namespace(x=[f"url=sqlite:///{db}"])
    cfg.attributes["configure_logger"] = False
    return cfg


def revision_of(db: Path) -> str | None:
    with sqlite3.connect(db) as conn:
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError:
            return None
    return row[0] if row else None


def tables_of(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


# --- the running service -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    db = tmp_path_factory.mktemp("orders") / "orders.db"
    command.upgrade(alembic_cfg(db), "head")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "PORT": str(port), "HOST": "127.0.0.1",
           "PYTHONPATH": str(DEMO)}
    proc = subprocess.Popen([sys.executable, "-m", "orders"], cwd=DEMO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"orders service did not start:\n{proc.communicate()[0]}")
            time.sleep(0.05)
    yield base, proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


def http(base: str, method: str, path: str, body: object = None) -> tuple[int, dict, bytes]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def scrape(base: str) -> dict[str, list]:
    status, headers, body = http(base, "GET", "/metrics")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=")
    return {f.name: f.samples for f in text_string_to_metric_families(body.decode())}


def counter(families: dict, **labels: str) -> float:
    return sum(s.value for s in families["http_requests"] if s.name == "http_requests_total"
               and all(s.labels.get(k) == v for k, v in labels.items()))


def test_health_and_readiness(service):
    base, _ = service
    status, _, body = http(base, "GET", "/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    status, _, body = http(base, "GET", "/readyz")
    assert (status, json.loads(body)) == (200, {"status": "ready", "revision": HEAD})


def test_orders_api(service):
    base, _ = service
    status, _, body = http(base, "POST", "/orders", {"customer_email": "Bob@Example.org", "sku": "kettle",
                                                      "quantity": 2, "unit_price_cents": 1999})
    assert status == 201, body
    created = json.loads(body)
    assert created["customer_email"] == "bob@example.org" and created["total_cents"] == 3998
    status, _, body = http(base, "GET", "/orders")
    assert status == 200 and created in json.loads(body)["orders"]
    status, _, body = http(base, "GET", f"/orders/{created['id']}")
    assert status == 200 and json.loads(body) == created
    assert http(base, "GET", "/orders/424242")[0] == 404
    assert http(base, "POST", "/orders", {"sku": "kettle"})[0] == 400
    assert http(base, "PUT", "/orders")[0] == 405


def test_metrics_parse_and_count(service):
    base, _ = service
    before = scrape(base)
    for _ in range(3):
        assert http(base, "GET", "/healthz")[0] == 200
    http(base, "GET", "/orders/777777")
    after = scrape(base)
    assert counter(after, route="/healthz", method="GET", code="200") == \
        counter(before, route="/healthz", method="GET", code="200") + 3
    assert counter(after, route="/orders/{id}", method="GET", code="404") == \
        counter(before, route="/orders/{id}", method="GET", code="404") + 1
    # /metrics counts itself: the second scrape sees the first one.
    assert counter(after, route="/metrics", code="200") >= 1
    buckets = {float(s.labels["le"]) for s in after["http_request_duration_seconds"]
               if s.name == "http_request_duration_seconds_bucket" and s.labels["route"] == "/healthz"}
    assert {0.1, 0.25, 0.5, 1.0, float("inf")} <= buckets
    count = [s.value for s in after["http_request_duration_seconds"]
             if s.name == "http_request_duration_seconds_count" and s.labels["route"] == "/healthz"]
    assert count and count[0] >= 3


def test_sigterm_stops_the_service_cleanly(service):
    base, proc = service
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    with pytest.raises(OSError):
        urllib.request.urlopen(base + "/healthz", timeout=1)


# --- migrations ----------------------------------------------------------------------------------


def test_revision_chain_is_linear_with_hand_chosen_ids():
    script = ScriptDirectory.from_config(alembic_cfg(Path("unused.db")))
    chain = [rev.revision for rev in script.walk_revisions("base", "heads")]
    assert chain == [HEAD, REV2, REV1]
    irreversible = script.get_revision(HEAD)
    assert "IRREVERSIBLE" in irreversible.doc
    assert getattr(irreversible.module, "irreversible", False) is True


def test_backfill_then_downgrade_to_base(tmp_path):
    db = tmp_path / "chain.db"
    cfg = alembic_cfg(db)
    command.upgrade(cfg, REV1)
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO customers (id, email, name, created_at) VALUES (1, 'a@x.io', 'A', '2026-01-01')")
        conn.executemany(
            "INSERT INTO orders (customer_id, sku, quantity, unit_price_cents, created_at, shipped_at) "
            "VALUES (1, ?, 1, 100, '2026-01-01', ?)", [("shipped-one", "2026-01-02"), ("open-one", None)])
    command.upgrade(cfg, REV2)
    with sqlite3.connect(db) as conn:
        statuses = dict(conn.execute("SELECT sku, status FROM orders"))
    assert statuses == {"shipped-one": "shipped", "open-one": "pending"}
    command.downgrade(cfg, "base")
    assert revision_of(db) is None
    assert not {"customers", "orders"} & tables_of(db)


def test_email_merge_is_applied_and_its_downgrade_raises(tmp_path):
    db = tmp_path / "merge.db"
    cfg = alembic_cfg(db)
    command.upgrade(cfg, REV2)
    with sqlite3.connect(db) as conn:
        conn.executemany("INSERT INTO customers (id, email, name, created_at) VALUES (?, ?, ?, '2026-01-01')",
                         [(1, " Ann@X.io", ""), (2, "ann@x.io", "Ann"), (3, "bob@x.io", "Bob")])
        conn.executemany("INSERT INTO orders (customer_id, sku, quantity, unit_price_cents, created_at) "
                         "VALUES (?, ?, 1, 100, '2026-01-01')", [(1, "a1"), (2, "a2"), (3, "b1")])
    command.upgrade(cfg, "head")
    with sqlite3.connect(db) as conn:
        customers = conn.execute("SELECT id, email, name FROM customers ORDER BY id").fetchall()
        owners = dict(conn.execute("SELECT sku, customer_id FROM orders"))
    assert customers == [(1, "ann@x.io", "Ann"), (3, "bob@x.io", "Bob")]
    assert owners == {"a1": 1, "a2": 1, "b1": 3}
    with pytest.raises(NotImplementedError, match="irreversible"):
        command.downgrade(cfg, REV2)
    assert revision_of(db) == HEAD


def test_offline_sql_applies_with_the_sqlite3_cli(tmp_path):
    require_tool("sqlite3")
    out = StringIO()
    with redirect_stdout(out):
        command.upgrade(alembic_cfg(tmp_path / "offline.db"), "head", sql=True)
    sql = out.getvalue()
    assert "ALTER TABLE orders ADD COLUMN status" in sql
    db = tmp_path / "applied.db"
    subprocess.run(["sqlite3", "-bail", str(db)], input=sql, text=True, check=True, capture_output=True)
    assert revision_of(db) == HEAD
    assert {"customers", "orders", "alembic_version"} <= tables_of(db)


# --- the files around the service ----------------------------------------------------------------


def test_the_service_own_test_suite_passes():
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=DEMO,
                          capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " passed" in proc.stdout


def test_ci_files_parse_and_validate_against_their_schemas():
    yaml = YAML(typ="safe")
    workflow = yaml.load((DEMO / ".github/workflows/ci.yml").read_text())
    jobs = workflow["jobs"]
    gates = {"test", "lint", "sast", "dependency-scan", "secret-scan", "sbom"}
    assert gates <= set(jobs) and set(jobs["release"]["needs"]) == gates
    assert jobs["deploy"]["environment"] == "production"
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in jobs.items():
        if job.get("permissions", {}).get("id-token") == "write":
            assert name == "release"
        for step in job["steps"]:
            if "uses" in step:
                ref = step["uses"].split("@", 1)[1]
                assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref), step["uses"]

    gitlab = yaml.load((DEMO / ".gitlab-ci.yml").read_text())
    assert gitlab["stages"] == ["test", "scan", "release", "deploy"]
    assert not any("allow_failure" in job for job in gitlab.values() if isinstance(job, dict))
    images = [v for v in [gitlab["variables"]["PYTHON_IMAGE"]] + [
        (j["image"]["name"] if isinstance(j.get("image"), dict) else j.get("image"))
        for j in gitlab.values() if isinstance(j, dict) and "image" in j] if v and not v.startswith("$")]
    assert images and all("@sha256:" in image for image in images)

    # The SchemaStore schemas vendored by check-jsonschema, applied with the jsonschema library.
    vendor = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    for schema_file, document in [("github-workflows.json", workflow), ("gitlab-ci.json", gitlab)]:
        validator = validator_for_file(vendor, schema_file)
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
        assert errors == [], f"{schema_file}: {errors}"
    broken = dict(workflow, jobs={"lint": {"runs-on": "ubuntu-24.04", "steps": "not-a-list"}})
    assert not validator_for_file(vendor, "github-workflows.json").is_valid(broken)


def validator_for_file(vendor, name: str):
    schema = json.loads(vendor.joinpath(name).read_text())
    return jsonschema.validators.validator_for(schema)(schema)


def test_shipit_yaml_and_dockerfile():
    from shipit.config import load_config

    cfg = load_config(DEMO / "shipit.yaml")
    assert cfg.project.name == "orders-service"
    dockerfile = (DEMO / "Dockerfile").read_text()
    assert "EXPOSE 8080" in dockerfile
    assert 'CMD ["python3", "-m", "orders"]' in dockerfile
    assert "FROM ${BASE_IMAGE}" in dockerfile
    pins = [line.split("==")[0] for line in (DEMO / "requirements.txt").read_text().splitlines()
            if line and not line.startswith("#")]
    assert {"SQLAlchemy", "alembic", "prometheus-client"} <= set(pins)
    assert all("==" in line for line in (DEMO / "requirements.txt").read_text().splitlines()
               if line and not line.startswith("#"))
