"""The site's on-call file (``site.oncall``) as a second place of the on-call facts.

The facts themselves are :mod:`shipit.ops.oncall`'s: the runbooks and the On-call page render the same
view. When shipit.yaml has a ``service:`` section, the file's facts are merged into ``service.oncall``
while the configuration loads (:func:`resolve`, run by :func:`shipit.config.load_config`), so the ops
stage's runbooks show them too; a fact both places state differently is a configuration error naming
both ``file:line:column`` positions. Without a ``service:`` section the file is the only source.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from shipit.core.config import read_yaml_file
from shipit.core.yamlpos import position
from shipit.ops.config import Contact, EscalationStep, OnCall
from shipit.ops.oncall import Source, reconcile, view
from shipit.site.files import OnCall as OnCallFile
from shipit.site.files import load_yaml_model


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when below it."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _where(path: Path, tree: Any, loc: tuple) -> str:
    pos = position(tree, loc)
    at = f"{_shown(path)}:{pos.line}:{pos.column}" if pos.line else _shown(path)
    return f"{at} ({pos.path})" if pos.path else at


def file_source(path: Path) -> Source:
    """The on-call file as facts of the shared model, each locatable in the file."""
    model: OnCallFile = load_yaml_model(path, OnCallFile, "on-call")  # type: ignore[assignment]
    _raw, tree = read_yaml_file(path, "on-call")
    order = sorted(range(len(model.escalation)), key=lambda i: model.escalation[i].level)
    steps = [EscalationStep(after=f"{model.escalation[i].after_minutes}m", contact=model.escalation[i].who,
                            reach=model.escalation[i].contact) for i in order]
    oncall = OnCall(rotation=model.rotation, hours=model.hours, channel=model.channel, notes=model.notes,
                    contacts=[Contact(name=c.name, role=c.role, contact=c.contact) for c in model.contacts],
                    escalation=steps)

    def where(fact: tuple) -> str:
        if fact[0] == "escalation":
            return _where(path, tree, ("escalation", order[fact[1]]) if fact[1] < len(order) else ("escalation",))
        if fact[0] == "contacts" and fact[1] >= len(model.contacts):
            return _where(path, tree, ("contacts",))
        return _where(path, tree, fact)

    return Source(oncall, model.team, where)


def config_source(cfg) -> Source:
    """``service.oncall`` (and ``service.team``) of a loaded shipit.yaml."""
    svc = cfg.service
    tree = None
    if cfg.path is not None:
        _raw, tree = read_yaml_file(cfg.path)

    def where(fact: tuple) -> str:
        if tree is None:
            return "shipit.yaml (service.oncall)"
        if fact[0] == "team":
            return _where(cfg.path, tree, ("service", "team"))
        if fact[0] in ("contacts", "escalation") and fact[1] >= len(getattr(svc.oncall, fact[0])):
            return _where(cfg.path, tree, ("service", "oncall", fact[0]))
        return _where(cfg.path, tree, ("service", "oncall", *fact))

    return Source(svc.oncall, svc.team, where)


def resolve(cfg) -> None:
    """Merge the site's on-call file into ``service.oncall`` (both must agree where both speak)."""
    if getattr(cfg, "site", None) is None or not cfg.site.oncall or getattr(cfg, "service", None) is None:
        return
    merged, _team = reconcile(config_source(cfg), file_source(cfg.project_dir / cfg.site.oncall))
    cfg.service.oncall = merged


def oncall_view(cfg) -> dict[str, Any] | None:
    """The on-call facts the site shows: the same view the runbooks render, or None when nothing is recorded."""
    svc = getattr(cfg, "service", None)
    site = getattr(cfg, "site", None)
    if svc is not None:
        resolve(cfg)  # idempotent: done already when the config was loaded through shipit.config
        out = view(svc.oncall, svc.team, svc.name)
    elif site is not None and site.oncall:
        src = file_source(cfg.project_dir / site.oncall)
        out = view(src.oncall, src.team)
    else:
        return None
    facts = [out[k] for k in ("rotation", "hours", "channel", "schedule_url", "notes", "contacts", "escalation")]
    return out if any(facts) else None
