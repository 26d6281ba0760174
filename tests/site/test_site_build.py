"""The site stage: pages from what the release holds, mkdocs --strict, offline assets, determinism."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from shipit.core.errors import ShipitError
from shipit.site.build import PAGES, foreign_markdown
from tests.site.site_helpers import EPOCH, cut, make_project


def html(release: Path, page: str) -> str:
    return (release / "site" / page).read_text()


def text(release: Path, page: str) -> str:
    """The page's visible text (tags stripped), for content assertions."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html(release, page).replace("<wbr>", "")))


def test_every_page_is_built_and_registered(fixture_release):
    manifest = json.loads((fixture_release / "manifest.json").read_text())
    kinds = {a["path"]: a["kind"] for a in manifest["artifacts"]}
    for page, _title, _tpl in PAGES:
        assert (fixture_release / "site" / page.replace(".md", ".html")).is_file(), page
        assert kinds["site/" + page.replace(".md", ".html")] == "site"
    assert kinds["handoff-site-1.0.0.tar.gz"] == "site-archive"
    assert kinds["release-notes.md"] == "release-notes"
    assert kinds["evidence/summary.json"] == kinds["evidence/validation-report.md"] == "evidence"
    assert kinds["evidence/files/reports/junit-good.xml"] == "evidence"
    # The offline pieces: the local iframe-worker shim (and its license), the inlined search index.
    site = fixture_release / "site"
    assert (site / "assets/javascripts/iframe-worker.shim.js").is_file()
    assert "MIT" in (site / "assets/javascripts/iframe-worker.LICENSE").read_text() or \
        "Permission is hereby granted" in (site / "assets/javascripts/iframe-worker.LICENSE").read_text()
    assert (site / "search/search_index.js").read_text().startswith("var __index = ")


def test_no_page_references_a_remote_resource(fixture_release):
    for page in (fixture_release / "site").rglob("*.html"):
        body = page.read_text()
        for m in re.finditer(r"""(?:src|href)=["'](https?:)?//[^"']+""", body):
            pytest.fail(f"{page.name} loads a remote resource: {m.group(0)}")
        assert "fonts.googleapis" not in body and "unpkg.com" not in body


def test_overview_shows_release_facts_and_artifacts(fixture_release):
    manifest = json.loads((fixture_release / "manifest.json").read_text())
    body = text(fixture_release, "index.html")
    assert "Decision: NO-GO" in body and "awaiting sign-off" in body
    assert manifest["git"]["commit"] in body
    plan = next(a for a in manifest["artifacts"] if a["path"] == "migrations/plan.json")
    assert plan["sha256"] in body  # digests in the artifact table are the manifest's
    assert "signoffs/site/index.html" in body  # where the signed-off edition will be


def test_pages_show_what_the_other_stages_produced(fixture_release):
    images = text(fixture_release, "images.html")
    assert "sha256:" + "a" * 64 in images and "registry.example.com/acme/orders" in images
    assert re.search(r"MIT \| 2|MIT 2", images) and "LGPL-3.0-only" in images and "CycloneDX 1.6" in images
    migrations = text(fixture_release, "migrations.html")
    assert "d4e5f6" in migrations and "Database rollback for 1.0.0" in migrations
    # a relative link to a release file the site shows became a link to its page
    assert 'href="migrations.html#sql">downgrade script</a>' in html(fixture_release, "migrations.html")
    obs = html(fixture_release, "observability.html")
    assert 'href="runbooks/high-error-rate.html#check"' in obs  # alert → runbook, inside the site
    assert 'href="downloads/dashboards/orders.json"' in obs
    assert (fixture_release / "site/downloads/dashboards/orders.json").read_bytes() == \
        (fixture_release / "ops/dashboards/orders.json").read_bytes()
    assert "p95 latency above 250 ms \\| check DB" not in obs and "check DB" in obs  # '|' kept inside a cell
    runbook = html(fixture_release, "runbooks/rollback.html")
    assert 'id="steps"' in runbook and 'href="high-error-rate.html#check"' in runbook
    evidence = text(fixture_release, "evidence.html")
    assert "Gates: all met" in evidence and "REQ-1" in evidence and "240.0 ms" in evidence
    notes = text(fixture_release, "release-notes.html")
    assert notes.index("Breaking changes") < notes.index("Features")
    kt = text(fixture_release, "knowledge-transfer.html")
    assert "Add a dashboard panel for payment latency" in kt and "2026-11-30" in kt
    oncall = text(fixture_release, "oncall.html")
    assert "engineering manager" in oncall and "30 min" in oncall
    limits = text(fixture_release, "limitations.html")
    assert "Bulk order import is limited to 1000 rows." in limits and "Accept 201 as success." in limits
    signoff = text(fixture_release, "signoff.html")
    assert all(f"role-{r}" in html(fixture_release, "signoff.html") for r in ("architecture", "security", "operations"))
    assert "Blank until signed" in signoff


def test_cli_mkdocs_build_strict_of_the_generated_project(fixture_release, tmp_path):
    """The generated MkDocs project builds with the mkdocs CLI in --strict mode, to the same HTML."""
    from shipit.site.build import render_project
    from shipit.site.handoff import edition_view
    from shipit.site.record import load_handoff

    handoff = load_handoff(fixture_release)
    manifest = json.loads((fixture_release / "manifest.json").read_text())
    view = edition_view(handoff, fixture_release, manifest["artifacts"], handoff["stages"], "release")
    cfg = render_project(tmp_path / "project", handoff, view, fixture_release, None)
    env = {"SOURCE_DATE_EPOCH": str(EPOCH), "NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(cfg)],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    built = tmp_path / "project" / "site"
    # (the overview differs: at release time the site's own files are not yet in the artifact list)
    for page in ("signoff.html", "runbooks/rollback.html", "observability.html", "evidence.html"):
        assert (built / page).read_bytes() == (fixture_release / "site" / page).read_bytes(), page


def test_two_builds_give_identical_archives(fixture_release, tmp_path):
    again = cut(make_project(tmp_path), tmp_path / "release")
    a = (fixture_release / "handoff-site-1.0.0.tar.gz").read_bytes()
    b = (again / "handoff-site-1.0.0.tar.gz").read_bytes()
    assert a == b
    with tarfile.open(again / "handoff-site-1.0.0.tar.gz") as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names) and names[0] == "handoff-site-1.0.0"
    assert "handoff-site-1.0.0/sitemap.xml.gz" in names
    assert {m.mtime for m in members} == {EPOCH} and {m.uid for m in members} == {0}


def test_site_without_other_stages(tmp_path):
    """Nothing but the site: every page still builds and says what is absent."""
    proj = make_project(tmp_path, evidence=[], config="schema_version: 1\nproject:\n  name: bare\nsite: {}\n")
    release = cut(proj, tmp_path / "release", with_others=False)
    assert "the images and sbom stages did not run" in text(release, "images.html")
    assert "the migrations stage did not run" in text(release, "migrations.html")
    assert "No alert rules in this release." in text(release, "observability.html")
    assert "No validation evidence was configured" in text(release, "evidence.html")
    assert not (release / "evidence").exists()


def test_strict_build_failure_is_reported(tmp_path):
    """A project template override with a broken link makes mkdocs --strict fail, with mkdocs' message."""
    proj = make_project(tmp_path, evidence=[], config="schema_version: 1\nproject:\n  name: broken\nsite: {}\n")
    (proj / "templates/site").mkdir(parents=True)
    (proj / "templates/site/limitations.md.j2").write_text("# Limits\n\nSee [the plan](no-such-page.md).\n")
    with pytest.raises(Exception) as exc:
        cut(proj, tmp_path / "release", with_others=False)
    err = exc.value.cause if hasattr(exc.value, "cause") else exc.value
    assert isinstance(err, ShipitError)
    assert "mkdocs build --strict failed" in err.message and "no-such-page.md" in err.message


def test_invalid_oncall_file_names_file_and_line(tmp_path):
    config = "schema_version: 1\nproject:\n  name: x\nsite:\n  oncall: handoff/oncall-bad.yaml\n"
    proj = make_project(tmp_path, evidence=[], config=config)
    (proj / "handoff/oncall-bad.yaml").write_text((Path(__file__).parent / "fixtures/handoff/oncall-bad.yaml")
                                                   .read_text())
    with pytest.raises(Exception) as exc:
        cut(proj, tmp_path / "release", with_others=False)
    assert "oncall-bad.yaml:3: escalation[0].level" in exc.value.cause.message


def test_foreign_markdown_keeps_site_links_and_code():
    md = "# T\n\n[a](a.md#x) [b](../b.md) [c](https://e.com) ![i](pic.png)\n```\n[d](d.md)\n```\n"
    links = {"ops/runbooks/a.md": "runbooks/a.md"}
    out = foreign_markdown(md, "ops/runbooks/t.md", "runbooks/t.md", links, demote=1)
    assert out.startswith("## T\n")
    assert "[a](a.md#x)" in out and "b (`ops/b.md`)" in out and "[c](https://e.com)" in out
    assert "`ops/runbooks/pic.png`" in out and "[d](d.md)" in out  # fenced code untouched


def test_foreign_markdown_turns_release_paths_into_page_links():
    """The rollback runbook's ``../../migrations/ROLLBACK.md`` (a path in the release) becomes a link to the
    Migrations page's rollback section, relative to the runbook's own page."""
    links = {"migrations/ROLLBACK.md": "migrations.md#rollback", "ops/runbooks/rollback.md": "runbooks/rollback.md"}
    md = "Follow [the plan](../../migrations/ROLLBACK.md), see [rollback](rollback.md#rollback).\n"
    out = foreign_markdown(md, "ops/runbooks/rollback.md", "runbooks/rollback.md", links)
    assert "[the plan](../migrations.md#rollback)" in out and "[rollback](rollback.md#rollback)" in out
    assert "../../" not in out


def test_foreign_markdown_keeps_nested_lists_nested():
    """GitHub-style nesting (3 spaces under "1. ") is re-indented to Python-Markdown's 4, so the backup bullets
    stay under their step and the step numbers do not shift."""
    import markdown

    md = ("1. Take a backup:\n   - postgresql: `pg_dump`\n   - sqlite: `.backup`\n"
          "2. Record the revision; it must be\n   `base`.\n3. Upgrade.\n")
    out = markdown.markdown(foreign_markdown(md))
    assert re.sub(r"\s+", "", out) == re.sub(r"\s+", "", (
        "<ol><li>Take a backup:<ul><li>postgresql: <code>pg_dump</code></li><li>sqlite: <code>.backup</code></li>"
        "</ul></li><li>Record the revision; it must be <code>base</code>.</li><li>Upgrade.</li></ol>"))
