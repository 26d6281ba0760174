"""A real headless Chromium opens the handoff site from file:// with every network request blocked:
pages render, nothing external is requested, offline search finds "rollback", the Sign-off page shows
each role's fields. Screenshots go to test-artifacts/site/."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from tests.conftest import REPO, require, require_tool

NODE_DIR = REPO / "tests" / "node"
PAGES = ["index.html", "images.html", "signatures.html", "migrations.html", "pipeline.html", "runbooks/index.html",
         "runbooks/rollback.html", "observability.html", "evidence.html", "release-notes.html",
         "knowledge-transfer.html", "oncall.html", "limitations.html", "signoff.html"]


@pytest.fixture(scope="module")
def browser_report(fixture_release) -> dict:
    require_tool("node", "chromium")
    require((NODE_DIR / "node_modules" / "playwright-core").is_dir(),
            "playwright-core is not installed (cd tests/node && npm install)")
    shots = REPO / "test-artifacts" / "site"
    shots.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["node", str(Path(__file__).parent / "browser.js"), str(fixture_release / "site"),
                           str(shots), *PAGES], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_pages_render_offline(browser_report):
    assert browser_report["external"] == []  # no request left file:// (fonts, CDN scripts, ...)
    assert browser_report["failed_local"] == []  # every local asset exists
    assert browser_report["errors"] == []  # no JavaScript errors
    titles = {page: data["h1"].rstrip("¶") for page, data in browser_report["pages"].items()}
    assert titles["index.html"] == "orders 1.0.0"
    assert titles["signoff.html"] == "Sign-off"
    assert titles["runbooks/rollback.html"] == "Roll back a release"
    assert titles["observability.html"] == "Dashboards and alerts"
    assert "OrdersHighErrorRate" in browser_report["pages"]["observability.html"]["text"]
    assert "NO-GO" in browser_report["pages"]["index.html"]["text"]
    assert (REPO / "test-artifacts/site/index.html.png").stat().st_size > 10_000


def test_search_finds_rollback(browser_report):
    search = browser_report["search"]
    assert search["meta"].endswith("matching documents"), search
    pages = {link.split("site/", 1)[1].split("?")[0] for link in search["links"]}
    assert "migrations.html" in pages and "runbooks/high-error-rate.html" in pages


def test_signoff_page_shows_role_fields(browser_report):
    roles = browser_report["signoff"]
    assert list(roles) == ["architecture", "security", "operations"]
    for role, fields in roles.items():
        assert list(fields) == ["Role", "Name", "Decision", "Date", "Comment", "Signature"]
        assert fields["Role"] == role
        assert fields["Name"] == fields["Decision"] == fields["Signature"] == ""  # blank until signed
