"""The handoff site in a real Chromium (puppeteer-core on the system browser), opened from file:// with every
other request blocked and recorded, read the way its readers read it: at 1280 px, on a 390 px phone and
printed; searched for a digest prefix, a revision id, a commit sha and an alert name; checked by axe-core.
The signed-off edition's decision must be ``shipit status``'s. Screenshots go to test-artifacts/site/."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO, require, require_tool, run_shipit

NODE_DIR = REPO / "tests" / "node"
BROWSER_JS = Path(__file__).parent / "browser.js"
SHOTS = REPO / "test-artifacts" / "site"
READ_PAGES = ["index.html", "observability.html", "oncall.html", "signatures.html", "migrations.html",
              "evidence.html", "signoff.html", "images.html", "pipeline.html", "runbooks/incidents.html",
              "runbooks/rollback.html", "runbooks/oncall.html"]


def browse(site: Path, shots: Path, **spec) -> dict:
    """Run browser.js on ``site`` with ``spec`` (see its header) and return its report."""
    require_tool("node", "chromium")
    require((NODE_DIR / "node_modules" / "puppeteer-core").is_dir() and (NODE_DIR / "node_modules" / "axe-core").is_dir(),
            "puppeteer-core and axe-core are not installed (cd tests/node && PUPPETEER_SKIP_DOWNLOAD=1 npm install)")
    shots.mkdir(parents=True, exist_ok=True)
    spec_file = shots / "spec.json"
    spec_file.write_text(json.dumps({"site": str(site), "shots": str(shots), **spec}))
    proc = subprocess.run(["node", str(BROWSER_JS), str(spec_file)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def all_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if p.name != "404.html")


def article(site: Path, rel: str) -> str:
    body = (site / rel).read_text()
    return body.split("<article", 1)[-1].split("</article>", 1)[0]


def carrying(site: Path, needle: str) -> set[str]:
    """The pages whose own content (not the navigation or footer) shows ``needle``."""
    return {rel for rel in all_pages(site) if needle in article(site, rel).replace("<wbr>", "")}


def found(report: dict, query: str) -> set[str]:
    return {re.sub(r"^.*?/site/", "", link).split("?")[0].split("#")[0] for link in report["search"][query]["links"]}


@pytest.fixture(scope="module")
def signed_off(demo_release, signing_keys, tmp_path_factory) -> Path:
    """The demo release after the README's sign-off flow: every role approves, --verify-key the release key."""
    import shutil

    release = tmp_path_factory.mktemp("browser") / "1.0.0"
    shutil.copytree(demo_release, release)
    for role in ("architecture", "security", "operations"):
        proc = run_shipit("signoff", str(release), "--role", role, "--name", f"{role} lead", "--decision", "approve",
                          "--key", str(signing_keys["signer"]), "--verify-key", str(signing_keys["signer_pub"]))
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return release


@pytest.fixture(scope="module")
def report(signed_off) -> dict:
    """The signed-off edition, read in full."""
    site = signed_off / "signoffs/site"
    digest = json.loads((signed_off / "manifest.json").read_text())
    image = next(a for a in digest["artifacts"] if a["kind"] == "image")["extra"]["manifest_digest"]
    commit = digest["git"]["commit"]
    queries = {"digest": image.split(":")[1][:12], "digest8": image.split(":")[1][:8], "revision": "c3e5a7b90003",
               "commit": commit[:12], "alert": "OrdersDatabaseDown"}
    out = browse(site, SHOTS / "signed-off", pages=all_pages(site), print=READ_PAGES, narrow=READ_PAGES[:4],
                 axe=READ_PAGES, searches=list(queries.values()), signoff=True,
                 screenshots=[{"page": "observability.html", "selector": "table.shipit-alerts", "file": "alerts.png"},
                              {"page": "oncall.html", "file": "oncall.png", "full": True},
                              {"page": "signatures.html", "file": "signatures.png", "full": True}])
    out["queries"] = queries
    out["image"], out["commit"] = image, commit
    return out


def test_no_request_leaves_the_page(report, fixture_release):
    assert report["external"] == []  # fonts, CDN scripts, ... nothing but file://
    assert report["failed_local"] == []  # every local asset exists
    assert report["errors"] == []  # no JavaScript error
    release_edition = browse(fixture_release / "site", SHOTS / "release", pages=all_pages(fixture_release / "site"),
                             signoff=True)
    assert release_edition["external"] == [] and release_edition["failed_local"] == [] and release_edition["errors"] == []
    for page, seen in release_edition["pages"].items():
        assert seen["overflow"] == [], (page, seen["overflow"])
    roles = release_edition["signoff"]["roles"]
    assert list(roles) == ["architecture", "security", "operations"]
    for role, fields in roles.items():
        assert fields["Role"] == role and fields["Name"] == fields["Decision"] == fields["Signature"] == ""


def test_no_page_overflows_sideways_at_1280(report):
    assert len(report["pages"]) >= 20
    for page, seen in report["pages"].items():
        assert seen["overflow"] == [], (page, seen["overflow"])


def test_table_of_contents_shows_whole_alert_names(report):
    toc = report["pages"]["runbooks/incidents.html"]["toc"]
    names = [t["text"] for t in toc if t["text"].startswith("Orders")]
    assert "OrdersAvailabilityBudgetBurn1h5m" in names and len(names) >= 10
    assert [t["text"] for t in toc if t["clipped"]] == []  # no "OrdersAvailabilityBudgetBu…"


def test_printed_pages_keep_every_column_and_no_copy_button(report):
    for page, printed in report["print"].items():
        assert printed["scroll"] <= printed["width"], page
        assert printed["copy_buttons"] == 0, page
        for table in printed["tables"]:
            assert table["hidden"] == 0 and table["right"] <= printed["width"], (page, table["headers"])
    alerts = next(t for t in report["print"]["observability.html"]["tables"] if t["headers"][:1] == ["Alert"])
    assert alerts["headers"] == ["Alert", "Severity", "For", "Summary", "Runbook"]


def test_a_phone_never_scrolls_the_page_sideways(report):
    for page, seen in report["narrow"].items():
        assert seen["scroll"] <= seen["box"], page


def test_axe_finds_no_serious_or_critical_violation(report):
    """Issue readers met: aria-dialog-name (search box), code highlighting contrast, focusable scroll regions."""
    for page, violations in report["axe"].items():
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations
               if v["impact"] in ("serious", "critical")]
        assert bad == [], (page, bad)


def test_search_finds_digest_prefix_revision_commit_and_alert(report, signed_off):
    site = signed_off / "signoffs/site"
    q = report["queries"]
    image_hex = report["image"].split(":")[1]
    expected = carrying(site, image_hex)
    assert {"images.html", "signatures.html", "runbooks/rollback.html"} <= expected
    assert found(report, q["digest"]) >= expected  # a 12-character prefix finds every page carrying it
    assert found(report, q["digest8"]) >= expected
    revision_pages = carrying(site, "c3e5a7b90003")
    assert {"migrations.html", "runbooks/rollback.html"} <= revision_pages
    assert found(report, q["revision"]) >= revision_pages
    assert found(report, q["commit"]) >= carrying(site, report["commit"]) >= {"index.html"}
    assert {"observability.html", "runbooks/incidents.html"} <= found(report, q["alert"])


def test_signed_off_decision_equals_shipit_status(report, signed_off, signing_keys):
    proc = run_shipit("status", str(signed_off), "--key", str(signing_keys["signer_pub"]), "--json")
    status = json.loads(proc.stdout)
    seen = report["signoff"]
    assert seen["decision"] == status["decision"]
    for s in status["signoffs"]:
        fields = seen["roles"][s["role"]]
        assert fields["Decision"] == s["decision"] and fields["Name"] == s["name"]
        assert fields["Signature"].startswith({"valid": "verified", "unverified": "not verified",
                                               "invalid": "INVALID"}[s["status"]])
    no_key = json.loads(run_shipit("status", str(signed_off), "--json").stdout)
    assert no_key["decision"] == "NO-GO"  # the same release, without the trusted key: what the site says then
    assert status["decision"] == "GO"


def test_screenshots_for_the_docs(report):
    for name in ("alerts.png", "oncall.png", "signatures.png"):
        assert (SHOTS / "signed-off" / name).stat().st_size > 10_000, name


@pytest.mark.xdist_group("demo-base")
def test_demo_release_site(tmp_path, debian_base, demo_evidence):
    """The demo service's real release (every stage but sign): the site builds --strict, every alert's runbook
    link lands on an existing anchor, no page overflows at 1280 px, and search finds the image digest."""
    from tests.conftest import DEMO

    require_tool("promtool", "amtool", "node", "chromium")
    proc = run_shipit("release", "--version", "1.0.0", "-c", str(DEMO / "shipit.yaml"), "-o", str(tmp_path),
                      "--skip", "sign")
    assert proc.returncode == 0, proc.stderr
    site = tmp_path / "1.0.0" / "site"
    obs = (site / "observability.html").read_text()
    links = sorted(set(re.findall(r'href="(runbooks/[^"#]+\.html)#([^"]+)"', obs)))
    assert len(links) >= 5
    for page, anchor in links:
        assert f'id="{anchor}"' in (site / page).read_text(), (page, anchor)
    manifest = json.loads((tmp_path / "1.0.0" / "manifest.json").read_text())
    image = next(a for a in manifest["artifacts"] if a["kind"] == "image")["extra"]["manifest_digest"].split(":")[1]
    seen = browse(site, SHOTS / "demo", pages=all_pages(site), searches=[image[:12]])
    assert seen["external"] == [] and seen["errors"] == [] and seen["failed_local"] == []
    for page, data in seen["pages"].items():
        assert data["overflow"] == [], (page, data["overflow"])
    assert found(seen, image[:12]) >= carrying(site, image)
    assert "UNSIGNED" in (site / "signatures.html").read_text()  # cut with --skip sign
