"""On-call facts, stated once and rendered the same everywhere.

``service.oncall`` (:class:`shipit.ops.config.OnCall`) is the model. The runbooks (``oncall``,
``incidents``) and the handoff site's On-call page all render :func:`view` of it, so the rotation, the
escalation levels, who is called and how to reach them read the same on every page.

A second place may state on-call facts (the site's ``site.oncall`` YAML file). :func:`reconcile` merges
it into the model: a fact only one place states is taken from there; a fact both state must agree, or it
is a :class:`ConfigError` that names both places (``file:line:column``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shipit.core.errors import ConfigError
from shipit.ops.config import Contact, EscalationStep, OnCall, duration_seconds

SCALARS = ("rotation", "hours", "channel", "schedule_url", "notes")


def after_text(seconds: int) -> str:
    """0 → "at once", 900 → "15 min", 5400 → "1 h 30 min"."""
    if seconds <= 0:
        return "at once"
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    parts = ([f"{hours} h"] if hours else []) + ([f"{minutes} min"] if minutes else []) + ([f"{secs} s"] if secs else [])
    return " ".join(parts)


def reach_of(contact: Contact | None) -> str:
    """Every way to reach a contact, in one line ("" when none is recorded)."""
    if contact is None:
        return ""
    parts = [f"e-mail {contact.email}" if contact.email else "", f"phone {contact.phone}" if contact.phone else "",
             f"chat {contact.chat}" if contact.chat else "", contact.contact]
    return " · ".join(p for p in parts if p)


def routing(oncall: OnCall) -> list[dict[str, str]]:
    """Where each severity's alerts go (the Alertmanager receivers of shipit.ops.routes)."""
    out = []
    for sev in ("page", "ticket"):
        r = oncall.receivers.get(sev)
        dest: list[str] = []
        if r:
            dest += [f"e-mail {', '.join(r.email)}"] if r.email else []
            dest += [f"Slack {r.slack_channel}"] if r.slack_channel else []
            dest += ["PagerDuty"] if r.pagerduty_routing_key_file else []
            dest += [f"webhook {r.webhook_url}"] if r.webhook_url else []
        out.append({"severity": sev, "goes_to": "; ".join(dest) or "Alertmanager only (no receiver configured)"})
    return out


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def view(oncall: OnCall, team: str, service: str = "") -> dict[str, Any]:
    """What every page shows about the on-call (plain data: it is also kept in the site's handoff.json)."""
    by_name = {_key(c.name): c for c in oncall.contacts}
    escalation = []
    for level, step in enumerate(oncall.escalation, start=1):
        seconds = duration_seconds(step.after)
        escalation.append({"level": level, "who": step.contact, "after": step.after, "after_seconds": seconds,
                           "after_text": after_text(seconds),
                           "reach": step.reach or reach_of(by_name.get(_key(step.contact)))})
    return {
        "service": service,
        "team": team,
        **{k: getattr(oncall, k) for k in SCALARS},
        "contacts": [{"name": c.name, "role": c.role, "reach": reach_of(c)} for c in oncall.contacts],
        "escalation": escalation,
        "routing": routing(oncall) if service else [],  # routes exist only with a service
    }


# --- two places, one set of facts ---------------------------------------------------------------------


@dataclass
class Source:
    """One place that states on-call facts. ``where(fact)`` locates a fact in that place's own file:
    facts are ("team",), ("rotation",), ..., ("contacts", i), ("escalation", i) (level i + 1)."""

    oncall: OnCall
    team: str
    where: Callable[[tuple], str]


def _step_key(step: EscalationStep) -> tuple[str, int]:
    return _key(step.contact), duration_seconds(step.after)


def _contact_key(c: Contact) -> tuple[str, ...]:
    return (_key(c.name), c.role.strip(), c.email.strip(), c.phone.strip(), c.chat.strip(), c.contact.strip())


def _say_step(step: EscalationStep) -> str:
    seconds = duration_seconds(step.after)
    text = f"{step.contact!r} " + (f"after {after_text(seconds)}" if seconds else "at once")
    return text + (f" ({step.reach})" if step.reach else "")


def _say_contact(c: Contact) -> str:
    return f"{c.name!r}" + (f" ({c.role})" if c.role else "") + (f": {reach_of(c)}" if reach_of(c) else "")


def _differences(a: list, b: list, key) -> list[int]:
    return [i for i in range(max(len(a), len(b))) if i >= len(a) or i >= len(b) or key(a[i]) != key(b[i])]


def reconcile(first: Source, second: Source) -> tuple[OnCall, str]:
    """The facts of both places merged; :class:`ConfigError` listing every fact they state differently."""
    conflicts: list[str] = []

    def conflict(fact: str, path: tuple, said_first: str, said_second: str) -> None:
        conflicts.append(f"{fact}: {said_first} at {first.where(path)}\n"
                         f"    but {said_second} at {second.where(path)}")

    a, b = first.oncall, second.oncall
    merged: dict[str, Any] = {}
    if first.team and second.team and _key(first.team) != _key(second.team):
        conflict("team", ("team",), repr(first.team), repr(second.team))
    team = first.team or second.team
    for name in SCALARS:
        va, vb = getattr(a, name).strip(), getattr(b, name).strip()
        if va and vb and " ".join(va.split()) != " ".join(vb.split()):
            conflict(name.replace("_", " "), (name,), repr(va), repr(vb))
        merged[name] = va or vb
    if a.contacts and b.contacts:
        for i in _differences(a.contacts, b.contacts, _contact_key):
            conflict(f"contacts (entry {i + 1})", ("contacts", i),
                     _say_contact(a.contacts[i]) if i < len(a.contacts) else "no such entry",
                     _say_contact(b.contacts[i]) if i < len(b.contacts) else "no such entry")
    merged["contacts"] = list(a.contacts or b.contacts)
    steps = list(a.escalation or b.escalation)
    if a.escalation and b.escalation:
        for i in _differences(a.escalation, b.escalation,
                              lambda s: _step_key(s) + ((s.reach.strip(),) if s.reach else ())):
            sa = a.escalation[i] if i < len(a.escalation) else None
            sb = b.escalation[i] if i < len(b.escalation) else None
            if sa and sb and _step_key(sa) == _step_key(sb) and not (sa.reach and sb.reach):
                continue  # only one of them says how to reach this level: not a disagreement
            conflict(f"escalation (level {i + 1})", ("escalation", i),
                     _say_step(sa) if sa else "no such level", _say_step(sb) if sb else "no such level")
        steps = [sa if sa.reach or not sb.reach else sa.model_copy(update={"reach": sb.reach})
                 for sa, sb in zip(a.escalation, b.escalation)] + list(a.escalation[len(b.escalation):])
    merged["escalation"] = steps
    if conflicts:
        raise ConfigError(
            "the on-call facts are stated in two places and disagree (the runbooks and the site's On-call page "
            "must say the same):\n  " + "\n  ".join(conflicts),
            hint="state each fact once: keep it in shipit.yaml's service.oncall (the runbooks and the On-call "
                 "page both render it) and delete it from the site.oncall file, or the other way round")
    return a.model_copy(update=merged), team
