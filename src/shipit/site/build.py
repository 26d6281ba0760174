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
import posixpath
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from jinja2 import pass_context
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
from shipit.site.signatures import fingerprint_of_hint

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
_ITEM = re.compile(r"^( *)([-*+]|\d{1,9}[.)])( +|$)")
_HEX_RUN = re.compile(r"^(sha256:|sha512:)?[0-9a-f]{12,}$")


def cell(value: Any) -> str:
    """A value safe inside a Markdown table cell (line breaks become <br>, which renders outside code)."""
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "|": "&#124;", "*": "&#42;",
             "_": "&#95;", "`": "&#96;", "[": "&#91;", "]": "&#93;", "\\": "&#92;", "~": "&#126;", "#": "&#35;"}


def _html_text(text: str) -> str:
    """Text for raw inline HTML inside Markdown: HTML-escaped, and no character Markdown would act on."""
    return "".join(_ENTITIES.get(ch, ch) for ch in " ".join(text.split()))


def code(value: Any) -> str:
    """Inline code for a table cell: a path or file name breaks after its '/' and '.' (never inside a name),
    a digest or another long hex run anywhere; never a literal <br>."""
    text = "" if value is None else str(value)
    if not text:
        return ""
    if _HEX_RUN.match(text):
        return f'<code class="shipit-digest">{_html_text(text)}</code>'
    if " " not in text and ("/" in text or "." in text):
        parts = re.split(r"(?<=/)(?=.)|(?<=\.)(?=\D)", text)  # 1.4.0 stays whole, as search keeps it
        return '<code class="shipit-path">' + "<wbr>".join(_html_text(p) for p in parts) + "</code>"
    return f"<code>{_html_text(text)}</code>"


def _relink(target: str, source: str, page: str, links: dict[str, str]) -> str | None:
    """A relative link written next to ``source`` (a release path), as a link from ``page`` of the site;
    None when it names no page of the site."""
    path, _, fragment = target.partition("#")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(source), path)) if source else posixpath.normpath(path)
    dest = links.get(resolved)
    if dest is None and source == "" and resolved in links.values():
        dest = resolved
    if dest is None:
        return None
    dest_page, _, dest_fragment = dest.partition("#")
    rel = posixpath.relpath(dest_page, posixpath.dirname(page) or ".")
    frag = fragment or dest_fragment
    return rel + (f"#{frag}" if frag else "")


def _reindent_lists(lines: list[str]) -> list[str]:
    """Nested list items and their continuation lines re-indented to 4 spaces per level: Python-Markdown
    nests only at 4 spaces, so a CommonMark/GitHub-style nested bullet (indented to its parent's text, 2 or
    3 spaces) would otherwise be flattened into the parent list and shift its numbers."""
    out: list[str] = []
    stack: list[int] = []  # the content indent of each open list item, outermost first
    fence_shift: int | None = None
    blank_before = True
    for line in lines:
        if fence_shift is not None:  # inside a fenced block: moved like its opening line
            out.append(_shift(line, fence_shift))
            if _FENCE.match(line):
                fence_shift = None
            continue
        if not line.strip():
            out.append(line)
            blank_before = True
            continue
        indent = len(line) - len(line.lstrip(" "))
        item = _ITEM.match(line)
        if indent == 0 and not item and (line.startswith(("#", "|", "```", "~~~")) or blank_before):
            stack = []  # a heading, a table, a fence or a paragraph at the margin ends every list
        if item or blank_before:
            while stack and indent < stack[-1]:
                stack.pop()
        if item:
            new = " " * (4 * len(stack)) + line[indent:]
            stack.append(indent + len(item.group(2)) + max(1, len(item.group(3))))
        elif stack and (blank_before or indent >= stack[-1]):
            new = " " * (4 * len(stack) + max(0, indent - stack[-1])) + line[indent:]
        else:
            new = line  # outside any list, or a lazy continuation of the item's text
        if _FENCE.match(line):
            fence_shift = (len(new) - len(new.lstrip(" "))) - indent
        out.append(new)
        blank_before = False
    return out


def _shift(line: str, by: int) -> str:
    if by >= 0:
        return " " * by + line if line.strip() else line
    lead = len(line) - len(line.lstrip(" "))
    return line[min(-by, lead):]


def foreign_markdown(text: str, source: str = "", page: str = "index.md", links: dict[str, str] | None = None,
                     demote: int = 0) -> str:
    """Markdown written by another stage (``source``: its path in the release), made to read well as part of
    ``page``: relative links to a file the site shows become links to that page (``links``: release path →
    page), other relative links plain text naming the release file (strict mode would abort on them),
    nested lists nest, headings can be demoted."""
    links = links or {}

    def link(m: re.Match) -> str:
        bang, label, target = m.group(1), m.group(2), m.group(3)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
            return m.group(0)
        to = _relink(target, source, page, links)
        if to is not None and not bang:
            return f"[{label}]({to})"
        shown = posixpath.normpath(posixpath.join(posixpath.dirname(source), target.split("#", 1)[0])) \
            if source else target
        return f"{label} (`{shown}`)" if not bang else f"`{shown}`"

    out, fenced = [], False
    for line in _reindent_lists(text.splitlines()):
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
                names.append(inner.get("id") or inner.get("name") or "not declared")
        for n in names or ["not declared"]:
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


def describe_base(base: str, digest: str) -> dict[str, str]:
    """How the Images page names a base image: by its registry digest, or as a local base with its digest,
    never by a path on the build machine alone."""
    base = base or ""
    if base in ("", "scratch"):
        return {"kind": "none", "text": "none (built from scratch)" if base == "scratch" else "not recorded",
                "digest": ""}
    if "@sha256:" in base:
        ref, _, dig = base.partition("@")
        return {"kind": "registry", "text": ref, "digest": dig}
    local = base.startswith(("/", "~", ".")) or "/" not in base.split(":")[0] and Path(base).suffix in (".tar", ".oci")
    if local or digest:
        name = Path(base.rstrip("/")).name
        return {"kind": "local", "text": f"local base {name}", "digest": digest}
    return {"kind": "registry", "text": base, "digest": digest}


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
        name = a.get("name") or Path(a["path"]).name
        platforms = [{**p, "sbom": sbom_of.get(p.get("manifest_digest"), ""),
                      "base": describe_base(p.get("base", ""), p.get("base_digest", ""))}
                     for p in x.get("platforms") or []]
        base = x.get("base", "")
        images.append({"name": name, "anchor": re.sub(r"[^a-z0-9-]+", "-", name.lower()), "path": a["path"],
                       "size": a.get("size"), "sha256": a.get("sha256"), "manifest_digest": x.get("manifest_digest", ""),
                       "config_digest": x.get("config_digest", ""), "tags": x.get("tags") or [],
                       "repository": x.get("repository", ""), "platform": x.get("platform") or {},
                       "layers": x.get("layers") or [], "builder": x.get("builder", ""),
                       "base": describe_base(base if isinstance(base, str) else "", x.get("base_digest", "")),
                       "platforms": platforms})
    sboms = []
    for a in kind("sbom"):
        summary = _sbom_summary(_json(root, a["path"]))
        sboms.append({"name": a.get("name", ""), "path": a["path"], "image_digest": (a.get("extra") or {}).get(
            "image_digest", ""), "platform": (a.get("extra") or {}).get("platform") or "", **summary})

    migrations = {"bundles": [], "plan": None, "plan_path": "", "rollback": "", "rollback_path": "", "sql": []}
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
    migrations["rollback_path"] = next((p for p in sorted(docs) if p.lower().endswith("rollback.md")), "")
    migrations["rollback"] = docs.get(migrations["rollback_path"], "")
    reports = {a["path"]: a for a in kind("report")}
    pipeline = {
        "report_md": next((_read(root, p) for p in sorted(reports) if p.endswith(".md")), ""),
        "report": next((_json(root, p) for p in sorted(reports) if p.endswith("report.json")), None),
        "reports": sorted(reports),
        "environments_path": next((p for p in sorted(docs) if p.endswith("environments.md")), ""),
    }
    pipeline["environments_md"] = docs.get(pipeline["environments_path"], "")
    pipeline["report_path"] = next((p for p in sorted(reports) if p.endswith(".md")), "")
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
        "release_notes_md": _read(root, "release-notes.md"),
        "evidence_report_md": _read(root, "evidence/validation-report.md"),
        "evidence": _json(root, "evidence/summary.json"),
    }


# --- the MkDocs project -------------------------------------------------------------------------------


def page_links(view: dict[str, Any]) -> dict[str, str]:
    """Release file → the page (and section) of the site that shows it: what a cross-reference in embedded
    Markdown becomes, a link instead of a path."""
    links = {"release-notes.md": "release-notes.md", "evidence/validation-report.md": "evidence.md",
             "evidence/summary.json": "evidence.md", "manifest.json": "index.md#artifacts",
             "SHA256SUMS": "signatures.md"}
    for rb in view["runbooks"]:
        links[rb["path"]] = f"runbooks/{rb['topic']}.md"
    m = view["migrations"]
    if m["rollback_path"]:
        links[m["rollback_path"]] = "migrations.md#rollback"
    if m["plan_path"]:
        links[m["plan_path"]] = "migrations.md#plan"
    for sql in m["sql"]:
        links[sql["path"]] = "migrations.md#sql"
    for b in m["bundles"]:
        links[b["path"]] = "migrations.md"
    for path in view["pipeline"]["reports"]:
        links[path] = "pipeline.md"
    if view["pipeline"]["environments_path"]:
        links[view["pipeline"]["environments_path"]] = "pipeline.md"
    for path in view["alert_files"]:
        links[path] = "observability.md#alerts"
    for d in view["dashboards"]:
        links[d["path"]] = "observability.md#dashboards"
    for img in view["images"]:
        links[img["path"]] = f"images.md#image-{img['anchor']}"
    for sb in view["sboms"]:
        links[sb["path"]] = "images.md#sboms"
    return links



def render_project(project: Path, handoff: dict[str, Any], view: dict[str, Any], root: Path,
                   project_dir: Path | None) -> Path:
    """Write docs/ and mkdocs.yml for one edition of the site; returns the mkdocs.yml path."""
    docs = project / "docs"
    env = environment(project_dir)
    links = page_links(view)

    @pass_context
    def foreign(ctx, text: str, source: str = "", demote: int = 0) -> str:
        return foreign_markdown(text, source, ctx.get("page", "index.md"), links, demote)

    env.filters["cell"] = cell
    env.filters["code"] = code
    env.filters["fingerprint"] = lambda hint: fingerprint_of_hint(hint) or hint
    env.filters["size"] = human_size
    env.filters["foreign"] = foreign
    env.filters["tojson_pretty"] = lambda v: json.dumps(v, indent=2, sort_keys=True, ensure_ascii=False)
    topics = {f"{r['topic']}.md" for r in view["runbooks"]}
    variables = {"h": handoff, "v": view, "runbook_pages": topics}
    for page, _title_, template in PAGES:
        write_text(docs / page, env.get_template(template).render(page=page, **variables))
    for rb in view["runbooks"]:
        page = f"runbooks/{rb['topic']}.md"
        write_text(docs / page, foreign_markdown(rb["text"], rb["path"], page, links))
    for d in view["dashboards"]:
        dest = docs / "downloads" / "dashboards" / d["file"]
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / d["path"], dest)
    # The site's own assets (the iframe-worker shim, shipit.css, shipit.js), named by the base mkdocs.yml.
    shutil.copytree(shipped_templates() / "site" / "assets", docs / "assets", dirs_exist_ok=True)
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
