"""The ``site:`` and ``evidence:`` sections of ``shipit.yaml``, and the knowledge-transfer / on-call YAML files."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from shipit.core.config import Model, ProjectPath, read_yaml_file
from shipit.core.errors import ConfigError
from shipit.core.yamlpos import plain, position

DEFAULT_ROLES = ["architecture", "security", "operations"]


class SignoffConfig(Model):
    roles: list[str] = Field(default_factory=lambda: list(DEFAULT_ROLES),
                             description="Roles whose approval is required for a go (each signs signoffs/<role>.json).")
    keys: dict[str, str] = Field(default_factory=dict, description="Public key (PEM, relative to shipit.yaml) "
                                 "each role must sign with; shipped in the release as signoff-keys/<role>.pub.")

    @field_validator("roles")
    @classmethod
    def _roles(cls, value: list[str]) -> list[str]:
        for role in value:
            if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", role):
                raise ValueError(f"role {role!r} must be lowercase letters, digits, '-' or '_'")
        if len(set(value)) != len(value):
            raise ValueError("roles must be unique")
        return value


class ApiChange(Model):
    change: str = Field(description="What changed in the API.")
    breaking: bool = False
    migration: str = Field("", description="What clients must do.")


class SiteConfig(Model):
    """The offline handoff site (MkDocs Material) written to ``site/`` and ``handoff-site-<version>.tar.gz``."""

    enabled: bool = True
    title: str = Field("", description="Site title; default '<project> <version> handoff'.")
    knowledge_transfer: ProjectPath = Field("", description="YAML file with knowledge-transfer sessions (minutes, "
                                                    "attendees, action items), relative to shipit.yaml.")
    oncall: ProjectPath = Field("", description="YAML file with the on-call rotation, contacts and escalation.")
    known_limitations: list[str] = Field(default_factory=list)
    api_changes: list[ApiChange] = Field(default_factory=list)
    signoff: SignoffConfig = Field(default_factory=SignoffConfig)
    tag_pattern: str = Field("v*", description="git tags considered previous releases for the release notes.")


# --- evidence: -----------------------------------------------------------------------------------


class GatesConfig(Model):
    """Validation gates; a gate left out (null) is not checked."""

    tests_pass: bool = Field(True, description="Every JUnit test case passed (skips allowed).")
    min_tests: int | None = Field(None, ge=0, description="At least this many test cases ran.")
    min_coverage: float | None = Field(None, ge=0, le=100, description="Line coverage percent at least this.")
    max_sarif_errors: int | None = Field(0, ge=0, description="At most this many error-level SARIF results.")
    max_sarif_warnings: int | None = Field(None, ge=0)
    max_p95_ms: float | None = Field(None, gt=0, description="Load test p95 latency budget in milliseconds.")
    max_error_rate: float | None = Field(None, ge=0, le=1, description="Load test error-rate budget (0..1).")


class Requirement(Model):
    id: str
    title: str
    tests: list[str] = Field(default_factory=list,
                             description="Test cases proving it: fnmatch patterns over 'classname.name' or 'name'.")
    gates: list[str] = Field(default_factory=list, description="Gate names proving it (e.g. max_p95_ms).")


class EvidenceConfig(Model):
    """Validation evidence: file globs (relative to shipit.yaml) and the gates a release must meet."""

    junit: list[ProjectPath] = Field(default_factory=list, description="JUnit XML reports.")
    coverage: list[ProjectPath] = Field(default_factory=list, description="Cobertura / coverage.py XML reports.")
    sarif: list[ProjectPath] = Field(default_factory=list, description="SARIF 2.1.0 security/lint reports.")
    k6: list[ProjectPath] = Field(default_factory=list, description="k6 --summary-export JSON files.")
    locust: list[ProjectPath] = Field(default_factory=list, description="Locust *_stats.csv files.")
    gates: GatesConfig = Field(default_factory=GatesConfig)
    requirements: list[Requirement] = Field(default_factory=list)

    @field_validator("requirements")
    @classmethod
    def _unique(cls, value: list[Requirement]) -> list[Requirement]:
        ids = [r.id for r in value]
        if len(set(ids)) != len(ids):
            raise ValueError("requirement ids must be unique")
        return value


# --- knowledge transfer and on-call YAML files ------------------------------------------------------


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


Decision = Literal["approve", "reject"]


def _resolve_oncall(cfg) -> None:
    # shipit.site.oncall reads this module's file models: imported when a loaded config is resolved.
    from shipit.site.oncall import resolve

    resolve(cfg)


#: Run on every loaded shipit.yaml: the site.oncall file's facts join service.oncall's (or conflict).
RESOLVE = [_resolve_oncall]

#: The shipit.yaml sections this capability owns (assembled by shipit.config).
SECTIONS = {
    "site": (SiteConfig | None, Field(None, description="The offline handoff site (site/ + handoff-site-<version>.tar.gz).")),
    "evidence": (EvidenceConfig | None, Field(None, description="Validation evidence and gates shown on the site.")),
}
