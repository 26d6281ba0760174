"""Fixture releases for the handoff-site tests (the pytest fixtures are in conftest.py).

The other capabilities (images, sbom, migrations, pipeline, ops) are stood in for by a stage that
writes their documented outputs (paths, kinds and extras from the artifact contract) from
tests/site/fixtures/, so the site is tested against every page it can show — and, with
``with_others=False``, against a release where all of them are absent.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

from shipit.config import load_config
from shipit.core.artifacts import Kind
from shipit.core.context import ReleaseContext, Version, git_info
from shipit.core.runner import Stage, run_stages
from shipit.core.seals import ChecksumsStage, ManifestStage
from shipit.site.stage import SiteStage

FIXTURES = Path(__file__).parent / "fixtures"
EPOCH = 1700000000

CONFIG = """\
schema_version: 1
project:
  name: orders
  description: Takes and tracks customer orders.
  owners: [orders-team]
site:
  knowledge_transfer: handoff/knowledge-transfer.yaml
  oncall: handoff/oncall.yaml
  known_limitations:
    - Bulk order import is limited to 1000 rows.
  api_changes:
    - change: "POST /orders returns 201 instead of 200"
      breaking: true
      migration: Accept 201 as success.
evidence:
  junit: [reports/junit-*.xml]
  coverage: [reports/coverage.xml]
  sarif: [reports/*.sarif]
  k6: [reports/k6-summary.json]
  locust: [reports/locust_stats.csv]
  gates:
    tests_pass: true
    min_tests: 3
    min_coverage: 80
    max_sarif_errors: 0
    max_p95_ms: 250
    max_error_rate: 0.01
  requirements:
    - id: REQ-1
      title: Customers can place orders
      tests: ["tests.test_orders.test_create_*"]
    - id: REQ-2
      title: p95 latency within budget
      gates: [max_p95_ms]
"""

COMMITS = [
    ("feat: order listing", "v0.9.0"),
    ("feat(api): create orders", None),
    ("fix: rounding of totals", None),
    ("feat(api)!: POST /orders returns 201", None),
    ("perf: index on orders.customer_id\n\nBREAKING CHANGE: the orders table needs a reindex", None),
    ("docs: rollback runbook", None),
    ("update readme", None),
]


def git(cwd: Path, *args: str, date: str = "2023-11-14T22:13:20Z") -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def make_project(root: Path, evidence: list[str] | None = None, config: str = CONFIG) -> Path:
    """A project with shipit.yaml, evidence reports, handoff YAML files and a conventional-commit history."""
    proj = root / "orders"
    (proj / "reports").mkdir(parents=True)
    (proj / "handoff").mkdir()
    names = evidence if evidence is not None else ["junit-good.xml", "coverage.xml", "scan-clean.sarif",
                                                   "k6-summary.json", "locust_stats.csv"]
    for name in names:
        shutil.copyfile(FIXTURES / "evidence" / name, proj / "reports" / name)
    for name in ("knowledge-transfer.yaml", "oncall.yaml"):
        shutil.copyfile(FIXTURES / "handoff" / name, proj / "handoff" / name)
    (proj / "shipit.yaml").write_text(config)
    git(proj, "init", "-q", "-b", "main")
    for i, (message, tag) in enumerate(COMMITS):
        (proj / "CHANGES").write_text(f"{i}\n")
        git(proj, "add", "-A")
        git(proj, "commit", "-qm", message)
        if tag:
            git(proj, "tag", tag)
    return proj


class OtherStagesStandIn(Stage):
    """Writes what images/sbom/migrations/pipeline/ops would, at the contract's paths."""

    name = "fixtures"

    def run(self, ctx) -> None:
        def put(rel: str, src: str | bytes, kind: Kind, **kw):
            p = ctx.path(rel)
            if isinstance(src, bytes):
                p.write_bytes(src)
            else:
                shutil.copyfile(FIXTURES / "ops" / src, p)
            ctx.artifacts.add(p, kind, **kw)

        put("images/orders.oci.tar", b"not really an image layout\n", Kind.IMAGE, name="orders",
            manifest_digest="sha256:" + "a" * 64, config_digest="sha256:" + "b" * 64,
            layers=[{"digest": "sha256:" + "c" * 64, "size": 2048, "media_type":
                     "application/vnd.oci.image.layer.v1.tar+gzip"}],
            tags=["1.0.0", "1.0", "1"], repository="registry.example.com/acme/orders",
            platform={"os": "linux", "architecture": "amd64"}, builder="buildah", base="busybox")
        put("sbom/orders.cdx.json", "orders.cdx.json", Kind.SBOM, name="orders", image_digest="sha256:" + "a" * 64)
        put("migrations/migrations-1.0.0.tar.gz", b"bundle\n", Kind.MIGRATION_BUNDLE, head_revision="d4e5f6",
            previous_revision="a1b2c3")
        put("migrations/plan.json", "plan.json", Kind.MIGRATION_PLAN)
        put("migrations/ROLLBACK.md", "ROLLBACK.md", Kind.DOC)
        put("migrations/sql/downgrade.sql", b"ALTER TABLE orders DROP COLUMN note;\n", Kind.SQL, name="postgresql")
        put("pipeline/report.md", "report.md", Kind.REPORT)
        put("pipeline/report.json", b'{"findings": []}\n', Kind.REPORT)
        put("pipeline/environments.md", "environments.md", Kind.DOC)
        put("ops/alerts/orders.rules.yml", "orders.rules.yml", Kind.ALERT_RULES)
        put("ops/dashboards/orders.json", "orders.json", Kind.DASHBOARD)
        put("ops/runbooks/rollback.md", "rollback.md", Kind.RUNBOOK, name="rollback")
        put("ops/runbooks/high-error-rate.md", "high-error-rate.md", Kind.RUNBOOK, name="high-error-rate")


def cut(project: Path, out_root: Path, version: str = "1.0.0", with_others: bool = True) -> Path:
    """Cut a release of the fixture project with the real site, manifest and checksums stages."""
    cfg = load_config(project / "shipit.yaml")
    staging = out_root / f".staging-{version}"
    staging.mkdir(parents=True)
    ctx = ReleaseContext(config=cfg, version=Version.parse(version), git=git_info(project), source_date_epoch=EPOCH,
                         output_root=out_root, work_dir=staging)
    stages = ([OtherStagesStandIn()] if with_others else []) + [SiteStage(), ManifestStage(), ChecksumsStage()]
    run_stages(ctx, stages)
    target = out_root / version
    os.rename(staging, target)
    return target


# --- a release of the demo service, as its readers get it ------------------------------------------------

DEMO = Path(__file__).resolve().parents[2] / "examples" / "orders-service"
BASE_DIGEST = "sha256:" + "5e" * 32


def tiny_image(out: Path, epoch: int) -> dict:
    """A real (one small layer) OCI image archive at ``out``; returns the image artifact's extra."""
    import gzip
    import hashlib
    import io
    import json
    import tarfile

    from shipit.images.layout import Blob, Image, write_image_archive

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        data = b"print('orders')\n"
        info = tarfile.TarInfo("app/orders.py")
        info.size, info.mtime = len(data), epoch
        tar.addfile(info, io.BytesIO(data))
    diff_id = "sha256:" + hashlib.sha256(raw.getvalue()).hexdigest()
    layer = gzip.compress(raw.getvalue(), mtime=0)
    blob = Blob({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                 "digest": "sha256:" + hashlib.sha256(layer).hexdigest(), "size": len(layer)}, data=layer)
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [diff_id]}}, sort_keys=True).encode()
    written = write_image_archive(out, Image(config=config, layers=[blob]), annotations={}, ref_name="1.0.0",
                                  mtime=epoch)
    return {"manifest_digest": written.manifest_digest, "config_digest": written.config_digest,
            "layers": written.layers, "platform": {"os": "linux", "architecture": "amd64"}}


class DemoImagesStandIn(Stage):
    """What the images and sbom stages write for the demo (its real image needs a two-minute Debian base):
    a real, tiny OCI image archive, recorded as built by the native builder on a local base."""

    name = "images"

    def run(self, ctx) -> None:
        p = ctx.path("images/orders-service.oci.tar")
        extra = tiny_image(p, ctx.source_date_epoch)
        ctx.artifacts.add(p, Kind.IMAGE, name="orders-service", **extra,
                          tags=["1.0.0", "1.0", "1", ctx.git.short_commit],
                          repository="registry.example.com/acme/orders-service", builder="oci",
                          base="~/.cache/shipit/bases/debian-bookworm-python3-orders", base_digest=BASE_DIGEST)
        s = ctx.path("sbom/orders-service.cdx.json")
        s.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURES / "ops" / "orders.cdx.json", s)
        ctx.artifacts.add(s, Kind.SBOM, name="orders-service", image_digest=extra["manifest_digest"])


def make_demo_project(root: Path) -> Path:
    """A copy of examples/orders-service (service, migrations, pipeline, site and on-call sections as shipped),
    its validation reports taken from the fixtures, in a git repository of its own."""
    proj = root / "orders-service"
    shutil.copytree(DEMO, proj, ignore=shutil.ignore_patterns("reports", "__pycache__", "*.pyc", ".coverage", "*.db"))
    (proj / "reports").mkdir()
    for src, dest in (("coverage.xml", "coverage.xml"), ("scan-clean.sarif", "pipeline.sarif")):
        shutil.copyfile(FIXTURES / "evidence" / src, proj / "reports" / dest)
    # The demo's own test cases (the names its requirements trace), all passing: its gates can be met.
    cases = ["test_healthz", "test_readyz_reports_the_schema_revision", "test_readyz_fails_on_an_unmigrated_database",
             "test_create_list_and_get_orders", *[f"test_invalid_orders_are_rejected[payload{i}]" for i in range(4)],
             "test_bad_requests", "test_metrics_count_requests_by_route_method_and_code",
             "test_models_match_the_migrations"]
    (proj / "reports/junit.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<testsuites name="orders-service">\n'
        f'  <testsuite name="orders-service" tests="{len(cases)}" failures="0" errors="0" skipped="0" time="1.0">\n'
        + "".join(f'    <testcase classname="tests.test_app" name="{c}" time="0.01"/>\n' for c in cases)
        + "  </testsuite>\n</testsuites>\n")
    config = proj / "shipit.yaml"  # zizmor adds ~10 s and nothing the site shows differently
    config.write_text(config.read_text().replace("    enabled: auto", "    enabled: false"))
    git(proj, "init", "-q", "-b", "main")
    git(proj, "add", "-A")
    git(proj, "commit", "-qm", "feat: orders service")
    return proj


def cut_demo(project: Path, out_root: Path, key: Path | None, version: str = "1.0.0") -> Path:
    """The demo service released by the real migrations, pipeline, ops, site and sign stages (signed with
    ``key``, a PEM private key; unsigned when None)."""
    from shipit.migrations.stage import MigrationsStage
    from shipit.ops.stage import OpsStage
    from shipit.pipeline.stage import PipelineStage
    from shipit.signing.stage import SignStage

    old = os.environ.get("SHIPIT_SIGNING_KEY")
    if key is not None:
        os.environ["SHIPIT_SIGNING_KEY"] = str(key)
    else:
        os.environ.pop("SHIPIT_SIGNING_KEY", None)
    try:
        cfg = load_config(project / "shipit.yaml")
        staging = out_root / f".staging-{version}"
        staging.mkdir(parents=True)
        ctx = ReleaseContext(config=cfg, version=Version.parse(version), git=git_info(project),
                             source_date_epoch=EPOCH, output_root=out_root, work_dir=staging)
        stages = [DemoImagesStandIn(), MigrationsStage(), PipelineStage(), OpsStage(), SiteStage(), ManifestStage(),
                  ChecksumsStage(), SignStage()]
        run_stages(ctx, stages)
    finally:
        if old is None:
            os.environ.pop("SHIPIT_SIGNING_KEY", None)
        else:
            os.environ["SHIPIT_SIGNING_KEY"] = old
    target = out_root / version
    os.rename(staging, target)
    return target


# --- reading built pages -----------------------------------------------------------------------------------

class _Tables(HTMLParser):
    """Every <table> of a page: its class, and per row its class, cells' texts and links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self._stack: list[dict] = []
        self._row: dict | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._stack.append({"class": a.get("class") or "", "rows": []})
        elif tag == "tr" and self._stack:
            self._row = {"class": a.get("class") or "", "cells": [], "links": [], "pre": []}
            self._stack[-1]["rows"].append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "a" and self._row is not None and "href" in a:
            self._row["links"].append(a["href"])
        elif tag == "pre" and self._row is not None:
            self._row["pre"].append(len(self._row["cells"]))
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row["cells"].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_tables(html: str) -> list[dict]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def page_text(html: str) -> str:
    """A page's visible text, tags dropped (a <wbr> joins its word back), whitespace collapsed."""
    import html as html_lib

    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html.replace("<wbr>", ""))).split())
