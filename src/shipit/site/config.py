"""The ``site:`` and ``evidence:`` sections of ``shipit.yaml`` (the YAML files they name: :mod:`shipit.site.files`)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from shipit.core.config import Model, ProjectPath
from shipit.site.oncall import resolve as resolve_oncall

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


Decision = Literal["approve", "reject"]


#: Run on every loaded shipit.yaml: the site.oncall file's facts join service.oncall's (or conflict).
RESOLVE = [resolve_oncall]

#: The shipit.yaml sections this capability owns (assembled by shipit.config).
SECTIONS = {
    "site": (SiteConfig | None, Field(None, description="The offline handoff site (site/ + handoff-site-<version>.tar.gz).")),
    "evidence": (EvidenceConfig | None, Field(None, description="Validation evidence and gates shown on the site.")),
}
