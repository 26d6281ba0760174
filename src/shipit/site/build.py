"""Render the handoff pages from ``templates/site/*.md.j2`` into a per-release MkDocs project that
INHERITs the top-level ``mkdocs.yml``, build it with ``--strict``, and archive it deterministically.

The same code serves two callers: the ``site`` stage (a release being cut: artifacts come from the
registry) and the sign-off rebuild (a finished release: artifacts come from ``manifest.json``).
Both hand over a ``handoff`` dict (the persisted inputs, also written as ``site/handoff.json``), the
release root to read artifact files from, and the artifact list.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from shipit.core.errors import ShipitError
from shipit.core.files import (
    canonical_json,
    deterministic_tar_gz,
    iter_tree,
    write_text,
)
from shipit.core.templating import environment, shipped_templates

SHIM = "assets/javascripts/iframe-worker.shim.js"

# (page file, nav title, template); runbooks are added between pipeline and observability.
PAGES = [
    ("index.md", "Overview", "site/index.md.j2"),
    ("images.md", "Images and SBOMs", "site/images.md.j2"),
    ("signatures.md", "Signatures and verification", "site/signatures.md.j2"),
    ("migrations.md", "Migrations and rollback", "site/migrations.md.j2"),
    ("pipeline.md", "Pipeline and environments", "site/pipeline.md.j2"),
    ("runbooks/index.md", "Runbooks", "site/runbooks.md.j2"),
    ("observability.md", "Dashboards and alerts", "site/observability.md.j2"),
    ("evidence.md", "Validation evidence", "site/evidence.md.j2"),
    ("release-notes.md", "Release notes", "site/release-notes-page.md.j2"),
    ("knowledge-transfer.md", "Knowledge transfer", "site/knowledge-transfer.md.j2"),
    ("oncall.md", "On-call", "site/oncall.md.j2"),
    ("limitations.md", "Known limitations", "site/limitations.md.j2"),
    ("signoff.md", "Sign-off", "site/signoff.md.j2"),
]


def base_config() -> Path:
    """The top-level mkdocs.yml (in a checkout) or its copy bundled in the wheel."""
    here = Path(__file__).resolve().parents[1]
    for candidate in (here.parents[1] / "mkdocs.yml", here / "_mkdocs.yml"):
        if candidate.is_file():
            return candidate
    raise ShipitError("the base mkdocs.yml of the handoff site is missing from this shipit installation",
                      hint="reinstall shipit")


# --- markdown helpers ---------------------------------------------------------------------------------

_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_FENCE = re.compile(r"^\s*(```|~~~)")


def cell(value: Any) -> str:
    """A value safe inside a Markdown table cell."""
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def foreign_markdown(text: str, keep_links: set[str] = frozenset(), demote: int = 0) -> str:
    """Markdown written by another stage, made safe to embed: relative links to files that are not
    pages of the site become plain text (strict mode would abort on them), headings can be demoted."""

    def link(m: re.Match) -> str:
        bang, label, target = m.group(1), m.group(2), m.group(3)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
            return m.group(0)
        if target.split("#", 1)[0] in keep_links:
            return m.group(0)
        return f"{label} (`{target}`)" if not bang else f"`{target}`"

    out, fenced = [], False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            if demote and line.startswith("#"):
                line = "#" * demote + line
            line = _LINK.sub(link, line)
        out.append(line)
    return "\n".join(out) + "\n"


def human_size(n: int | None) -> str:
    if n is None:
        return ""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


# --- reading what the other stages produced -----------------------------------------------------------


def _read(root: Path, rel: str) -> str:
    try:
        return (root / rel).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _json(root: Path, rel: str) -> Any:
    try:
        return json.loads((root / rel).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _sbom_summary(doc: Any) -> dict[str, Any]:
    if not isinstance(doc, dict):
        return {"components": 0, "licenses": [], "spec": ""}
    comps = doc.get("components") or []
    licenses: Counter[str] = Counter()
    for c in comps:
        names = []
        for lic in c.get("licenses") or []:
            if "expression" in lic:
                names.append(lic["expression"])
            else:
                inner = lic.get("license") or {}
                names.append(inner.get("id") or inner.get("name") or "unknown")
        for n in names or ["unknown"]:
            licenses[n] += 1
    return {"components": len(comps), "spec": f"CycloneDX {doc.get('specVersion', '?')}",
            "licenses": sorted(licenses.items(), key=lambda kv: (-kv[1], kv[0]))}


def _alerts(root: Path, rel: str) -> list[dict[str, Any]]:
    """The alerts of a rule file of the release; an unreadable file is an error, never an empty page."""
    try:
        doc = YAML(typ="safe").load((root / rel).read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ShipitError(f"{rel}: cannot read the alert rules for the site: {exc}",
                          hint="the ops stage wrote this file; rerun the release") from None
    except YAMLError as exc:
        raise ShipitError(f"{rel}: the alert rules are not valid YAML: {' '.join(str(exc).split())}",
                          hint="the ops stage wrote this file; rerun the release") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("groups") or [], list):
        raise ShipitError(f"{rel}: not a Prometheus rule file (no groups: list)",
                          hint="the ops stage wrote this file; rerun the release")
    out = []
    for group in doc.get("groups") or []:
        for rule in group.get("rules") or []:
            if "alert" not in rule:
                continue
            ann, labels = rule.get("annotations") or {}, rule.get("labels") or {}
            out.append({"group": group.get("name", ""), "alert": rule["alert"], "expr": str(rule.get("expr", "")).strip(),
                        "for": rule.get("for", ""), "severity": labels.get("severity", ""),
                        "summary": ann.get("summary", ann.get("description", "")),
                        "runbook_url": ann.get("runbook_url", "")})
    return out


def _runbook_link(url: str, topics: set[str]) -> str:
    """An alert's runbook_url (``<handoff_url>/runbooks/<topic>.html#a``) → a page link inside the site."""
    m = re.search(r"runbooks/([^/#]+)\.html(#.*)?$", url or "")
    if m and m.group(1) in topics:
        return f"runbooks/{m.group(1)}.md{m.group(2) or ''}"
    return ""


def _title(markdown: str, fallback: str) -> str:
    for line in markdown.splitlines():
        if line.startswith("# "):
            return re.sub(r"\s*\{[^}]*\}\s*$", "", line[2:]).strip()
    return fallback


def gather(root: Path, artifacts: list[dict[str, Any]]) -> dict[str, Any]:
    """Everything the pages show about the artifacts, read from the release files (any may be absent)."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for a in artifacts:
        by_kind.setdefault(a["kind"], []).append(a)

    def kind(k: str) -> list[dict[str, Any]]:
        return by_kind.get(k, [])

    sbom_of = {(a.get("extra") or {}).get("image_digest"): a["path"] for a in kind("sbom")}
    images = []
    for a in kind("image"):
        x = a.get("extra") or {}
        platforms = [{**p, "sbom": sbom_of.get(p.get("manifest_digest"), "")} for p in x.get("platforms") or []]
        images.append({"name": a.get("name") or Path(a["path"]).name, "path": a["path"], "size": a.get("size"),
                       "sha256": a.get("sha256"), "manifest_digest": x.get("manifest_digest", ""),
                       "config_digest": x.get("config_digest", ""), "tags": x.get("tags") or [],
                       "repository": x.get("repository", ""), "platform": x.get("platform") or {},
                       "layers": x.get("layers") or [], "builder": x.get("builder", ""), "base": x.get("base", ""),
                       "platforms": platforms})
    sboms = []
    for a in kind("sbom"):
        summary = _sbom_summary(_json(root, a["path"]))
        sboms.append({"name": a.get("name", ""), "path": a["path"], "image_digest": (a.get("extra") or {}).get(
            "image_digest", ""), "platform": (a.get("extra") or {}).get("platform") or "", **summary})

    migrations = {"bundles": [], "plan": None, "plan_path": "", "rollback": "", "sql": []}
    for a in kind("migration-bundle"):
        migrations["bundles"].append({"path": a["path"], **(a.get("extra") or {})})
    for a in kind("migration-plan"):
        migrations["plan"], migrations["plan_path"] = _json(root, a["path"]), a["path"]
    for a in kind("sql"):
        migrations["sql"].append({"path": a["path"], "name": a.get("name", ""), "size": a.get("size")})

    runbook_arts = sorted(kind("runbook"), key=lambda a: a["path"])
    topics = {Path(a["path"]).stem for a in runbook_arts}
    runbooks = []
    for a in runbook_arts:
        text = _read(root, a["path"])
        runbooks.append({"topic": Path(a["path"]).stem, "path": a["path"], "title": _title(text, Path(a["path"]).stem),
                         "text": text})

    docs = {a["path"]: _read(root, a["path"]) for a in kind("doc") if a["path"].endswith(".md")}
    rollback = next((docs[p] for p in sorted(docs) if p.lower().endswith("rollback.md")), "")
    migrations["rollback"] = rollback
    reports = {a["path"]: a for a in kind("report")}
    pipeline = {
        "report_md": next((_read(root, p) for p in sorted(reports) if p.endswith(".md")), ""),
        "report": next((_json(root, p) for p in sorted(reports) if p.endswith("report.json")), None),
        "reports": sorted(reports),
        "environments_md": next((docs[p] for p in sorted(docs) if p.endswith("environments.md")), ""),
    }
    alerts = []
    for a in sorted(kind("alert-rules"), key=lambda a: a["path"]):
        for rule in _alerts(root, a["path"]):
            alerts.append({**rule, "file": a["path"], "link": _runbook_link(rule["runbook_url"], topics)})
    dashboards = []
    for a in sorted(kind("dashboard"), key=lambda a: a["path"]):
        doc = _json(root, a["path"]) or {}
        dashboards.append({"path": a["path"], "file": Path(a["path"]).name, "title": doc.get("title", ""),
                           "uid": doc.get("uid", ""), "panels": len(doc.get("panels") or [])})
    consumed = {"site", "site-archive"}
    listed = [a for a in artifacts if a["kind"] not in consumed]
    site_files = [a for a in artifacts if a["kind"] == "site"]
    return {
        "artifacts": listed,
        "site_files": len(site_files),
        "images": images, "sboms": sboms, "migrations": migrations, "pipeline": pipeline, "runbooks": runbooks,
        "alerts": alerts, "dashboards": dashboards,
        "alert_files": [a["path"] for a in kind("alert-rules")] + [a["path"] for a in kind("alert-tests")]
        + [a["path"] for a in kind("alert-routes")],
        "other_docs": sorted(p for p in docs if p != "" and docs[p] and not p.endswith(("environments.md",))
                             and not p.lower().endswith("rollback.md")),
        "signatures": [a["path"] for a in kind("signature")] + [a["path"] for a in kind("attestation")],
        "release_notes_md": _read(root, "release-notes.md"),
        "evidence_report_md": _read(root, "evidence/validation-report.md"),
        "evidence": _json(root, "evidence/summary.json"),
    }


# --- the MkDocs project -------------------------------------------------------------------------------


def render_project(project: Path, handoff: dict[str, Any], view: dict[str, Any], root: Path,
                   project_dir: Path | None) -> Path:
    """Write docs/ and mkdocs.yml for one edition of the site; returns the mkdocs.yml path."""
    docs = project / "docs"
    env = environment(project_dir)
    env.filters["cell"] = cell
    env.filters["size"] = human_size
    env.filters["foreign"] = foreign_markdown
    env.filters["tojson_pretty"] = lambda v: json.dumps(v, indent=2, sort_keys=True, ensure_ascii=False)
    topics = {f"{r['topic']}.md" for r in view["runbooks"]}
    variables = {"h": handoff, "v": view, "runbook_pages": topics}
    for page, _title_, template in PAGES:
        write_text(docs / page, env.get_template(template).render(**variables))
    for rb in view["runbooks"]:
        write_text(docs / "runbooks" / f"{rb['topic']}.md", foreign_markdown(rb["text"], keep_links=topics))
    for d in view["dashboards"]:
        dest = docs / "downloads" / "dashboards" / d["file"]
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / d["path"], dest)
    shim_dir = shipped_templates() / "site" / "assets" / "javascripts"
    (docs / "assets" / "javascripts").mkdir(parents=True, exist_ok=True)
    for name in ("iframe-worker.shim.js", "iframe-worker.LICENSE"):
        shutil.copyfile(shim_dir / name, docs / "assets" / "javascripts" / name)
    (docs / "handoff.json").write_bytes(canonical_json(handoff))

    nav: list[Any] = []
    for page, title, _template in PAGES:
        if page == "runbooks/index.md":
            nav.append({title: [page] + [{rb["title"]: f"runbooks/{rb['topic']}.md"} for rb in view["runbooks"]]})
        else:
            nav.append({title: page})
    cfg = {
        "INHERIT": str(base_config()),
        "site_name": handoff["title"],
        "docs_dir": "docs",
        "site_dir": "site",
        "nav": nav,
        "copyright": f"{handoff['project']['name']} {handoff['version']} — built from commit "
                     f"{handoff['git'].get('short_commit') or 'unknown'}",
    }
    path = project / "mkdocs.yml"
    write_text(path, json.dumps(cfg, indent=2, ensure_ascii=False) + "\n")  # JSON is valid YAML
    return path


@contextlib.contextmanager
def _env(**values: str):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def mkdocs_build(config_file: Path, source_date_epoch: int) -> Path:
    """``mkdocs build --strict`` through mkdocs' Python API; dates come from SOURCE_DATE_EPOCH."""
    try:
        from mkdocs.commands.build import build
        from mkdocs.config import load_config
        from mkdocs.exceptions import Abort, ConfigurationError
    except ImportError:
        raise ShipitError("the handoff site needs mkdocs and mkdocs-material",
                          hint="pip install 'shipit[all]', or set site: {enabled: false} in shipit.yaml") from None

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.WARNING)
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    old_propagate = logger.propagate
    logger.propagate = False  # keep mkdocs' INFO lines off the release's console
    try:
        with _env(SOURCE_DATE_EPOCH=str(source_date_epoch), NO_MKDOCS_2_WARNING="1"):
            cfg = load_config(str(config_file), strict=True)
            build(cfg)
    except (Abort, ConfigurationError) as exc:
        raise ShipitError(f"mkdocs build --strict failed: {exc}\n{stream.getvalue().strip()}",
                          hint="a template or an included document produced a broken link or page") from None
    finally:
        logger.removeHandler(handler)
        logger.propagate = old_propagate
    return config_file.parent / "site"


def build_edition(handoff: dict[str, Any], view: dict[str, Any], root: Path, site_out: Path, archive_out: Path,
                  project_dir: Path | None = None) -> tuple[Path, Path]:
    """Build one edition of the site into ``site_out`` (replaced) and its archive ``archive_out``."""
    with tempfile.TemporaryDirectory(prefix="shipit-site-") as tmp:
        project = Path(tmp)
        config_file = render_project(project, handoff, view, root, project_dir)
        built = mkdocs_build(config_file, handoff["source_date_epoch"])
        if site_out.exists():
            shutil.rmtree(site_out)
        site_out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(built, site_out)
    for dirpath, dirnames, filenames in os.walk(site_out):
        for name in dirnames:
            os.chmod(Path(dirpath) / name, 0o755)
        for name in filenames:
            os.chmod(Path(dirpath) / name, 0o644)
    prefix = f"handoff-site-{handoff['version']}"
    entries = [(prefix, site_out)] + [(f"{prefix}/{arc}", path) for arc, path in iter_tree(site_out)]
    deterministic_tar_gz(archive_out, entries, handoff["source_date_epoch"], compresslevel=9)
    return site_out, archive_out
