"""``site/handoff.json``: the persisted inputs of the handoff site. The ``site`` stage writes it into the
release; the signed-off edition, ``shipit status`` and ``shipit publish --site-to`` read it back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shipit.core.context import ReleaseContext
from shipit.core.errors import ShipitError
from shipit.site.config import KnowledgeTransfer, OnCall, dump, load_yaml_model

HANDOFF_JSON = "site/handoff.json"


def archive_name(version: str) -> str:
    return f"handoff-site-{version}.tar.gz"


def handoff_data(ctx: ReleaseContext) -> dict[str, Any]:
    """The record of a release being cut (written as site/handoff.json)."""
    from shipit.signing.attest import (
        unsigned_reason,  # cryptography and PyNaCl: imported when a site is built
    )

    cfg = ctx.config.site
    project = ctx.config.project
    kt = oc = None
    if cfg.knowledge_transfer:
        kt = load_yaml_model(ctx.project_dir / cfg.knowledge_transfer, KnowledgeTransfer, "knowledge-transfer")
    if cfg.oncall:
        oc = load_yaml_model(ctx.project_dir / cfg.oncall, OnCall, "on-call")
    return {
        "schema_version": 1,
        "title": cfg.title or f"{project.name} {ctx.version} handoff",
        "project": {"name": project.name, "description": project.description, "source_url": project.source_url,
                    "owners": project.owners},
        **ctx.header(),
        "roles": list(cfg.signoff.roles),
        "evidence_configured": ctx.config.evidence is not None,
        "knowledge_transfer": dump(kt),
        "oncall": dump(oc),
        "known_limitations": list(cfg.known_limitations),
        "api_changes": [c.model_dump() for c in cfg.api_changes],
        "stages": list(ctx.stage_results),
        "unsigned": unsigned_reason(ctx),
    }


def load_handoff(release_dir: Path) -> dict[str, Any]:
    path = Path(release_dir) / HANDOFF_JSON
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ShipitError(f"{path}: missing; this release was cut without the site stage",
                          hint="cut the release with the site stage enabled (site: enabled: true)") from None
    except ValueError as exc:
        raise ShipitError(f"{path}: not valid JSON: {exc}") from None
