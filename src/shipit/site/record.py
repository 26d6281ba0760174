"""``site/handoff.json``: the persisted inputs of the handoff site. The ``site`` stage writes it into the
release; the signed-off edition, ``shipit status`` and ``shipit publish --site-to`` read it back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shipit.core.context import ReleaseContext
from shipit.core.errors import ShipitError
from shipit.site.files import KnowledgeTransfer, dump, load_yaml_model
from shipit.site.oncall import oncall_view

HANDOFF_JSON = "site/handoff.json"
#: 2: "oncall" holds shipit.ops.oncall's view (the facts the runbooks render) instead of the site file's fields.
SCHEMA_VERSION = 2


def archive_name(version: str) -> str:
    return f"handoff-site-{version}.tar.gz"


def handoff_data(ctx: ReleaseContext) -> dict[str, Any]:
    """The record of a release being cut (written as site/handoff.json)."""
    cfg = ctx.config.site
    project = ctx.config.project
    kt = None
    if cfg.knowledge_transfer:
        kt = load_yaml_model(ctx.project_dir / cfg.knowledge_transfer, KnowledgeTransfer, "knowledge-transfer")
    return {
        "schema_version": SCHEMA_VERSION,
        "title": cfg.title or f"{project.name} {ctx.version} handoff",
        "project": {"name": project.name, "description": project.description, "source_url": project.source_url,
                    "owners": project.owners},
        **ctx.header(),
        "roles": list(cfg.signoff.roles),
        "evidence_configured": ctx.config.evidence is not None,
        "knowledge_transfer": dump(kt),
        # the view the runbooks render too (shipit.ops.oncall): one set of on-call facts
        "oncall": oncall_view(ctx.config),
        "oncall_file": cfg.oncall,
        "known_limitations": list(cfg.known_limitations),
        "api_changes": [c.model_dump() for c in cfg.api_changes],
        "stages": list(ctx.stage_results),
    }


def load_handoff(release_dir: Path) -> dict[str, Any]:
    path = Path(release_dir) / HANDOFF_JSON
    try:
        return _upgrade(json.loads(path.read_text()))
    except FileNotFoundError:
        raise ShipitError(f"{path}: missing; this release was cut without the site stage",
                          hint="cut the release with the site stage enabled (site: enabled: true)") from None
    except ValueError as exc:
        raise ShipitError(f"{path}: not valid JSON: {exc}") from None


def _upgrade(handoff: dict[str, Any]) -> dict[str, Any]:
    """A release cut by an earlier shipit: its on-call record in today's shape, so its site still rebuilds."""
    handoff.setdefault("oncall_file", "")
    oc = handoff.get("oncall")
    if handoff.get("schema_version", 1) < 2 and isinstance(oc, dict):
        steps = sorted(oc.get("escalation") or [], key=lambda e: e.get("level", 0))
        handoff["oncall"] = {
            "service": "", "team": oc.get("team", ""), "rotation": oc.get("rotation", ""), "hours": oc.get("hours", ""),
            "channel": oc.get("channel", ""), "schedule_url": "", "notes": oc.get("notes", ""),
            "contacts": [{"name": c.get("name", ""), "role": c.get("role", ""), "reach": c.get("contact", "")}
                         for c in oc.get("contacts") or []],
            "escalation": [{"level": i, "who": e.get("who", ""), "after": f"{e.get('after_minutes', 0)}m",
                            "after_seconds": 60 * e.get("after_minutes", 0),
                            "after_text": f"{e['after_minutes']} min" if e.get("after_minutes") else "at once",
                            "reach": e.get("contact", "")} for i, e in enumerate(steps, start=1)],
            "routing": [],
        }
    return handoff
