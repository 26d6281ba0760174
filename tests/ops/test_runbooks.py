"""Runbooks: every alert's runbook_url anchor exists in the rendered pages; fragments and overrides."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import markdown
import pytest
from ruamel.yaml import YAML

from shipit.config import load_config
from shipit.core.errors import ShipitError
from shipit.ops.generate import generate
from shipit.ops.runbooks import TOPICS
from tests.ops.helpers import FULL


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k == "id":
                self.ids.add(v)


def html_ids(md_text: str) -> set[str]:
    """Render like MkDocs does (Python-Markdown with attr_list and toc) and collect element ids."""
    html = markdown.markdown(md_text, extensions=["attr_list", "toc", "tables", "fenced_code"])
    parser = _Ids()
    parser.feed(html)
    return parser.ids


def test_every_runbook_url_anchor_exists(generated):
    rules = YAML(typ="safe").load((generated / "alerts/orders.rules.yml").read_text())
    alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
    assert alerts
    pages = {}
    for rule in alerts:
        url = urlparse(rule["annotations"]["runbook_url"])
        assert url.path.startswith("/orders/runbooks/") and url.path.endswith(".html"), url
        topic = url.path.rsplit("/", 1)[1][: -len(".html")]
        page = generated / "runbooks" / f"{topic}.md"
        assert page.is_file(), f"{rule['alert']}: no page {page.name}"
        ids = pages.setdefault(topic, html_ids(page.read_text()))
        assert url.fragment in ids, f"{rule['alert']}: anchor #{url.fragment} missing from {page.name}"


def test_all_topics_are_written_with_their_sections(generated, full_config):
    from shipit.ops.rules import build_rules

    n_alerts = len(build_rules(full_config.service).alerts)
    assert sorted(p.stem for p in (generated / "runbooks").glob("*.md")) == sorted(TOPICS)
    incidents = (generated / "runbooks/incidents.md").read_text()
    for part in ("### What it means", "### Impact", "### First checks", "### Mitigation", "### Escalation"):
        assert incidents.count(part) == n_alerts == 13, part
    assert "pg_isready -h db -p 5432" in incidents and "redis-cli -h cache -p 6379 ping" in incidents
    oncall = html_ids((generated / "runbooks/oncall.md").read_text())
    assert {"escalation", "contacts", "alert-routing"} <= oncall
    backup = (generated / "runbooks/backup-restore.md").read_text()
    assert "pg_dump -Fc orders" in backup and "pg_restore --clean" in backup
    assert "Loki" in (generated / "runbooks/logging.md").read_text()
    # Links between runbook pages point at anchors that exist.
    for topic in TOPICS:
        text = (generated / f"runbooks/{topic}.md").read_text()
        for target, anchor in __import__("re").findall(r"\]\(([a-z-]+)\.md#([a-z0-9-]+)\)", text):
            assert anchor in html_ids((generated / f"runbooks/{target}.md").read_text()), (topic, target, anchor)


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "shipit.yaml").write_text(FULL.read_text())
    for rel, text in files.items():
        p = proj / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return proj


def test_operator_fragments_are_merged_into_their_section(tmp_path):
    proj = _project(tmp_path, {
        "runbooks/db-failover.md": "---\nrunbook: incidents\nsection: orders-database-down\n---\n"
                                   "The database fails over to its replica in about 40 s.\n",
        "runbooks/extra.md": "---\nrunbook: logging\n---\n## Sampling { #sampling }\n\nDebug logs are sampled.\n",
    })
    cfg = load_config(proj / "shipit.yaml")
    generate(cfg.service, tmp_path / "out", proj)
    incidents = (tmp_path / "out/runbooks/incidents.md").read_text()
    db = incidents.index("## OrdersDatabaseDown")
    note = incidents.index("fails over to its replica")
    nxt = incidents.index("## OrdersCacheDown")
    assert db < note < nxt
    assert incidents.index("### Escalation", db) < note  # at the end of the section
    logging = (tmp_path / "out/runbooks/logging.md").read_text()
    assert logging.rstrip().endswith("Debug logs are sampled.")
    assert "sampling" in html_ids(logging)


def test_fragment_for_an_unknown_section_is_an_error(tmp_path):
    proj = _project(tmp_path, {"runbooks/x.md": "---\nrunbook: incidents\nsection: orders-db-down\n---\nhi\n"})
    cfg = load_config(proj / "shipit.yaml")
    with pytest.raises(ShipitError) as info:
        generate(cfg.service, tmp_path / "out", proj)
    assert "runbooks/x.md:1: section 'orders-db-down' does not exist in runbook 'incidents'" in info.value.message
    assert "orders-database-down" in info.value.hint
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_fragment_for_an_unknown_runbook_is_an_error(tmp_path):
    proj = _project(tmp_path, {"runbooks/x.md": "---\nrunbook: incident\n---\nhi\n"})
    cfg = load_config(proj / "shipit.yaml")
    with pytest.raises(ShipitError, match="'runbook: incident' is not a runbook"):
        generate(cfg.service, tmp_path / "out", proj)


def test_project_template_overrides_the_shipped_one(tmp_path):
    proj = _project(tmp_path, {"templates/ops/runbooks/logging.md.j2":
                               "# Logs of {{ svc.name }} { #logging }\n\nAsk the platform team.\n"})
    cfg = load_config(proj / "shipit.yaml")
    generate(cfg.service, tmp_path / "out", proj)
    assert (tmp_path / "out/runbooks/logging.md").read_text() == "# Logs of orders { #logging }\n\nAsk the platform team.\n"


def test_overridden_incidents_template_must_keep_alert_anchors(tmp_path):
    proj = _project(tmp_path, {"templates/ops/runbooks/incidents.md.j2": "# Incidents\n\nCall us.\n"})
    cfg = load_config(proj / "shipit.yaml")
    with pytest.raises(ShipitError, match="no section for alert"):
        generate(cfg.service, tmp_path / "out", proj)


def test_mkdocs_strict_builds_the_runbooks_and_serves_every_alert_anchor(generated, tmp_path):
    """The handoff site's setup (use_directory_urls: false, attr_list): links and anchors between
    runbook pages validate in strict mode, and each runbook_url's page#anchor exists in the HTML."""
    import os
    import shutil
    import subprocess
    import sys

    docs = tmp_path / "docs"
    shutil.copytree(generated / "runbooks", docs / "runbooks")
    (docs / "index.md").write_text("# Handoff\n")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: handoff\nuse_directory_urls: false\nmarkdown_extensions: [attr_list, tables, toc]\n"
        "validation: {links: {anchors: warn}}\n")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert proc.returncode == 0, proc.stderr
    rules = YAML(typ="safe").load((generated / "alerts/orders.rules.yml").read_text())
    for rule in (r for g in rules["groups"] for r in g["rules"] if "alert" in r):
        url = urlparse(rule["annotations"]["runbook_url"])
        page = tmp_path / "site" / url.path.split("/orders/", 1)[1]
        assert page.is_file(), page
        assert f'id="{url.fragment}"' in page.read_text(), (rule["alert"], url.fragment)
