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


@pytest.mark.xdist_group("demo-base")
def test_demo_release_site(tmp_path, debian_base, demo_evidence):
    """The demo service's real release (migrations, ops, site stages): the site builds --strict, every
    alert's runbook link lands on an existing anchor, and Chromium finds "rollback" offline."""
    import re

    from tests.conftest import DEMO, run_shipit

    require_tool("promtool", "amtool", "node", "chromium")
    require((NODE_DIR / "node_modules" / "playwright-core").is_dir(), "playwright-core is not installed")
    proc = run_shipit("release", "--version", "1.0.0", "-c", str(DEMO / "shipit.yaml"), "-o", str(tmp_path),
                      "--skip", "sign")
    assert proc.returncode == 0, proc.stderr
    site = tmp_path / "1.0.0" / "site"
    obs = (site / "observability.html").read_text()
    links = sorted(set(re.findall(r'href="(runbooks/[^"#]+\.html)#([^"]+)"', obs)))
    assert len(links) >= 5
    for page, anchor in links:
        assert f'id="{anchor}"' in (site / page).read_text(), (page, anchor)
    shots = REPO / "test-artifacts" / "site" / "demo"
    shots.mkdir(parents=True, exist_ok=True)
    out = subprocess.run(["node", str(Path(__file__).parent / "browser.js"), str(site), str(shots), "index.html",
                          "migrations.html", "observability.html"], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["external"] == [] and report["errors"] == [] and report["failed_local"] == []
    assert any("migrations.html" in link for link in report["search"]["links"])
