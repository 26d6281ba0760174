"""Runbooks rendered from Jinja2 templates (``templates/ops/runbooks/<topic>.md.j2``; a project's own
``templates/`` overrides them), with operator-written fragments merged in.

A fragment is a Markdown file under the project's ``runbooks/`` with front matter naming its runbook
and, optionally, the section (the ``{ #anchor }`` of a heading) it belongs to::

    ---
    runbook: incidents
    section: orders-database-down
    order: 10
    ---
    The database fails over to the replica in about 40 s; wait before escalating.

It is appended at the end of that section (or of the page without ``section``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
from jinja2 import TemplateError

from shipit.core.errors import ShipitError
from shipit.core.templating import environment
from shipit.ops.oncall import view as oncall_view
from shipit.ops.rules import RuleSet, annotations, dashboard_url, dependency_command

TOPICS = ["incidents", "startup", "shutdown", "scaling", "rollback", "backup-restore", "logging", "oncall"]
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*\{\s*#([A-Za-z0-9_-]+)[^}]*\}\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass
class Fragment:
    path: Path
    runbook: str
    section: str | None
    order: int
    body: str


@dataclass
class ReleaseFacts:
    """What the runbooks say about this release (empty outside ``shipit release``)."""

    version: str = "(unreleased)"
    previous_version: str = ""
    images: list[str] = field(default_factory=list)
    rollback_doc: str = ""  # link from ops/runbooks/rollback.md to the migrations' ROLLBACK.md


def heading_ids(markdown: str) -> list[str]:
    """The ``{ #id }`` anchors of a page's headings (outside code blocks), in order."""
    ids, fenced = [], False
    for line in markdown.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        m = None if fenced else HEADING.match(line)
        if m:
            ids.append(m.group(3))
    return ids


def load_fragments(project_dir: Path) -> list[Fragment]:
    base = project_dir / "runbooks"
    if not base.is_dir():
        return []
    out = []
    for path in sorted(base.rglob("*.md")):
        rel = path.relative_to(project_dir)
        try:
            post = frontmatter.loads(path.read_text(encoding="utf-8"))
        except Exception as exc:  # YAML errors in the front matter
            raise ShipitError(f"{rel}: cannot read the front matter: {exc}",
                              hint="start the file with ---, runbook: <topic>, section: <anchor>, ---") from None
        topic = post.metadata.get("runbook")
        if topic not in TOPICS:
            raise ShipitError(f"{rel}:1: front matter 'runbook: {topic}' is not a runbook shipit writes",
                              hint="runbook: one of " + ", ".join(TOPICS))
        section = post.metadata.get("section")
        order = post.metadata.get("order", 0)
        if not isinstance(order, int):
            raise ShipitError(f"{rel}:1: front matter 'order' must be an integer (got {order!r})")
        out.append(Fragment(rel, topic, str(section) if section else None, order, post.content.strip() + "\n"))
    return sorted(out, key=lambda f: (f.runbook, f.order, f.path.as_posix()))


def merge_fragments(markdown: str, topic: str, fragments: list[Fragment]) -> str:
    """Insert each fragment at the end of its section (before the next heading of the same or a higher
    level), or at the end of the page."""
    lines = markdown.rstrip("\n").split("\n")
    headings: list[tuple[int, int, str]] = []  # (line index, level, id)
    fenced = False
    for i, line in enumerate(lines):
        if FENCE.match(line):
            fenced = not fenced
            continue
        m = None if fenced else HEADING.match(line)
        if m:
            headings.append((i, len(m.group(1)), m.group(3)))
    inserts: dict[int, list[str]] = {}
    known = [h[2] for h in headings]
    for frag in fragments:
        if frag.section is None:
            at = len(lines)
        else:
            found = [h for h in headings if h[2] == frag.section]
            if not found:
                close = [k for k in known if frag.section in k or k in frag.section][:3]
                raise ShipitError(
                    f"{frag.path}:1: section '{frag.section}' does not exist in runbook '{topic}'"
                    + (f" (did you mean {', '.join(close)}?)" if close else ""),
                    hint=f"sections of {topic}: " + ", ".join(known))
            idx, level, _ = found[0]
            at = next((j for j, lv, _ in headings if j > idx and lv <= level), len(lines))
        pending = inserts.get(at, [])
        before = pending[-1] if pending else (lines[at - 1] if at else "")
        block = ([""] if before.strip() else []) + [f"<!-- from {frag.path.as_posix()} -->", "", frag.body.rstrip("\n")]
        block.append("")
        inserts.setdefault(at, []).extend(block)
    out: list[str] = []
    for i, line in enumerate(lines):
        if i in inserts:
            out.extend(inserts.pop(i))
        out.append(line)
    for at in sorted(inserts):
        out.extend(inserts[at])
    return "\n".join(out).rstrip("\n") + "\n"


def render_runbooks(rs: RuleSet, project_dir: Path | None, facts: ReleaseFacts) -> dict[str, str]:
    """topic → Markdown for every runbook, fragments merged."""
    svc = rs.service
    env = environment(project_dir)
    alerts = rs.alerts
    by_cat = {a.name: a for a in alerts}
    cpu = next((a for a in alerts if a.test.get("kind") == "cpu"), None)
    mem = next((a for a in alerts if a.test.get("kind") == "memory"), None)
    variables: dict[str, Any] = {
        "svc": svc,
        "alerts": alerts,
        "alerts_by_name": by_cat,
        "annotations": {a.name: annotations(svc, a) for a in alerts},
        "dashboard_url": dashboard_url(svc),
        "version": facts.version,
        "previous_version": facts.previous_version,
        "images": facts.images,
        "rollback_doc": facts.rollback_doc,
        # One view of the on-call facts for every page that shows them (the site's On-call page renders it too).
        "oncall": oncall_view(svc.oncall, svc.team, svc.name),
        "dep_command": dependency_command,
        "cpu_anchor": cpu.anchor if cpu else "",
        "memory_anchor": mem.anchor if mem else "",
    }
    fragments = load_fragments(project_dir) if project_dir else []
    pages = {}
    for topic in TOPICS:
        name = f"ops/runbooks/{topic}.md.j2"
        try:
            text = env.get_template(name).render(**variables)
        except TemplateError as exc:
            where = getattr(exc, "filename", None) or name
            line = getattr(exc, "lineno", None)
            raise ShipitError(f"{where}{':' + str(line) if line else ''}: cannot render runbook template: {exc}",
                              hint="fix the template (a project's templates/ops/runbooks/ overrides shipit's)") from None
        text = re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"
        pages[topic] = merge_fragments(text, topic, [f for f in fragments if f.runbook == topic])
    missing = [a.name for a in alerts if a.anchor not in heading_ids(pages["incidents"])]
    if missing:
        raise ShipitError(f"the incidents runbook has no section for alert(s) {', '.join(missing)}",
                          hint="an overridden templates/ops/runbooks/incidents.md.j2 must keep a heading "
                               "'{ #<alert anchor> }' per alert")
    return pages
