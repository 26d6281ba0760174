"""Release notes: commits since the previous release tag, grouped by Conventional Commit type, breaking first."""

from __future__ import annotations

from shipit.site import notes as rn
from shipit.site.config import SiteConfig
from shipit.site.handoff import render_release_notes
from tests.site.site_helpers import git, make_project


def test_parse_commit_headers_and_footers():
    c = rn.parse_commit("a" * 40, "feat(api)!: drop v1 endpoints", "")
    assert (c.type, c.scope, c.description, c.breaking) == ("feat", "api", "drop v1 endpoints", "drop v1 endpoints")
    c = rn.parse_commit("b" * 40, "fix: totals", "Details.\n\nBREAKING CHANGE: totals are now\nin cents\n\nRefs: #1")
    assert c.breaking == "totals are now in cents"
    c = rn.parse_commit("c" * 40, "Merge things quickly", "")
    assert (c.type, c.description, c.breaking) == ("", "Merge things quickly", "")


def test_notes_between_previous_tag_and_head(tmp_path):
    proj = make_project(tmp_path)
    notes = rn.collect(proj, "1.0.0")
    assert notes.previous_tag == "v0.9.0"
    assert len(notes.commits) == 6  # the tagged commit is not part of this release
    titles = [t for t, _ in notes.sections()]
    assert titles == ["Breaking changes", "Features", "Bug fixes", "Performance", "Documentation", "Other changes"]
    breaking = dict(notes.sections())["Breaking changes"]
    assert [c.breaking for c in breaking] == ["the orders table needs a reindex", "POST /orders returns 201"]

    text = render_release_notes(None, notes, SiteConfig(known_limitations=["No bulk export."],
                                                        api_changes=[{"change": "GET /v1 removed", "breaking": True}]))
    assert text.index("## Breaking changes") < text.index("## Features") < text.index("## Bug fixes")
    assert "- **api:** create orders (`" in text
    assert "- **Breaking:** GET /v1 removed" in text
    assert "- No bulk export." in text
    assert "order listing" not in text  # before v0.9.0


def test_newer_and_unrelated_tags_are_ignored(tmp_path):
    proj = make_project(tmp_path)
    git(proj, "tag", "v2.0.0")  # newer than the release being cut
    git(proj, "tag", "nightly")
    assert rn.previous_tag(proj, "1.0.0") == "v0.9.0"
    assert rn.previous_tag(proj, "0.9.0") == ""
    assert len(rn.collect(proj, "0.9.0").commits) == 7  # no previous tag: the whole history


def test_unknown_types_stay_whole_and_history_is_limited_to_the_project(tmp_path):
    c = rn.parse_commit("d" * 40, "site: new pages", "")
    assert (c.type, c.description) == ("", "site: new pages")
    proj = make_project(tmp_path)
    sub = proj / "svc"
    sub.mkdir()
    (sub / "a.txt").write_text("a\n")
    git(proj, "add", "-A")
    git(proj, "commit", "-qm", "feat: only in svc")
    (proj / "root.txt").write_text("r\n")
    git(proj, "add", "-A")
    git(proj, "commit", "-qm", "fix: outside svc")
    assert [c.description for c in rn.collect(sub, "1.0.0").commits] == ["only in svc"]
