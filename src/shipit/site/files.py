"""The YAML files the site reads beside shipit.yaml: knowledge-transfer sessions and the on-call file
(``site.knowledge_transfer``, ``site.oncall``), with errors at file:line like shipit.yaml's."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator

from shipit.core.config import Model, read_yaml_file
from shipit.core.errors import ConfigError
from shipit.core.yamlpos import plain, position


class ActionItem(Model):
    item: str
    owner: str
    due: date
    done: bool = False


class Session(Model):
    title: str
    date: date
    attendees: list[str] = Field(default_factory=list)
    minutes: str = ""
    action_items: list[ActionItem] = Field(default_factory=list)


class KnowledgeTransfer(Model):
    sessions: list[Session] = Field(default_factory=list)


class Contact(Model):
    name: str
    role: str = ""
    contact: str = ""


class EscalationStep(Model):
    level: int = Field(ge=1)
    who: str
    contact: str = ""
    after_minutes: int = Field(0, ge=0, description="Escalate to this level after this many minutes unacknowledged.")


class OnCall(Model):
    """The site.oncall file. Its facts join service.oncall's (shipit.site.oncall): the runbooks and the
    On-call page render one set; a fact stated differently in both places is a configuration error."""

    team: str = ""
    rotation: str = Field("", description="e.g. 'weekly, Monday 09:00 UTC'.")
    hours: str = ""
    channel: str = ""
    contacts: list[Contact] = Field(default_factory=list)
    escalation: list[EscalationStep] = Field(default_factory=list)
    notes: str = ""

    @field_validator("escalation")
    @classmethod
    def _levels(cls, value: list[EscalationStep]) -> list[EscalationStep]:
        levels = sorted(step.level for step in value)
        if levels != list(range(1, len(value) + 1)):
            raise ValueError(f"escalation levels must be 1, 2, 3, ... once each (got {', '.join(map(str, levels))})")
        return value


def load_yaml_model(path: Path, model: type[Model], what: str) -> Model:
    """Load a YAML file into ``model``; errors carry file:line:column like shipit.yaml's."""
    if not path.is_file():
        raise ConfigError(f"{path}: {what} file not found", hint="fix the path in shipit.yaml's site: section")
    _raw, data = read_yaml_file(path, what)
    try:
        return model.model_validate(plain(data or {}))
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            pos = position(data, tuple(err["loc"]))
            lines.append(f"{path}:{pos.line or 1}: {pos.path or '(top level)'}: {err['msg']}")
        raise ConfigError(f"invalid {what} file\n  " + "\n  ".join(lines),
                          hint=f"see docs/site.md for the {what} format") from None


def dump(model: Model | None) -> dict[str, Any] | None:
    return None if model is None else model.model_dump(mode="json")
