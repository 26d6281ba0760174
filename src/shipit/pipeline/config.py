"""The ``pipeline:`` and ``environments:`` sections of ``shipit.yaml``."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from shipit.core.config import Model, ProjectPath

#: Categories of CI jobs shipit knows how to recognise.
CATEGORIES = ("test", "lint", "sast", "dependency-scan", "secret-scan", "sbom", "sign", "release", "deploy")
Category = Literal["test", "lint", "sast", "dependency-scan", "secret-scan", "sbom", "sign", "release", "deploy"]
SeverityOverride = Literal["error", "warning", "note", "off"]

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


class RecogniserConfig(Model):
    """Regular expressions (Python syntax, searched case-insensitively) that put a job in a category."""

    jobs: list[str] = Field(default_factory=list, description="Matched against job ids and names.")
    uses: list[str] = Field(default_factory=list,
                            description="Matched against GitHub `uses:` (without @ref), GitLab `image:` and "
                                        "`include:` templates.")
    run: list[str] = Field(default_factory=list, description="Matched against `run:` / `script:` text.")
    replace: bool = Field(False, description="Replace the built-in recogniser of this category instead of "
                                             "extending it.")


class ZizmorConfig(Model):
    enabled: bool | Literal["auto"] = Field("auto", description="Run `zizmor --offline` on GitHub workflows "
                                                                "and merge its findings (auto: when installed).")
    min_severity: Literal["informational", "low", "medium", "high"] = Field(
        "low", description="Drop zizmor findings below this severity.")


class PipelineConfig(Model):
    """How shipit validates the project's CI/CD pipeline."""

    files: list[ProjectPath] = Field(default_factory=list, description="Workflow files relative to the project "
                             "(default: .github/workflows/*.y*ml and .gitlab-ci.yml).")
    required: list[Category] = Field(
        default_factory=lambda: ["test", "lint", "sast", "dependency-scan", "secret-scan"],
        description="Categories some job must cover.")
    gates: dict[Category, list[Category]] = Field(
        default_factory=lambda: {"release": ["test", "sast", "dependency-scan"],
                                 "deploy": ["test", "sast", "dependency-scan"]},
        description="For each category of job, the categories it must (transitively) depend on.")
    recognisers: dict[Category, RecogniserConfig] = Field(default_factory=dict,
                                                          description="Extra or replacement recognisers.")
    severity: dict[str, SeverityOverride] = Field(
        default_factory=dict, description="Override a rule's severity; keys are rule ids or globs "
                                          "(e.g. `unpinned-image: note`, `zizmor/*: warning`).")
    production_environments: list[str] = Field(
        default_factory=lambda: ["production", "prod"],
        description="Environment names that count as production (plus environments with tier: production).")
    id_token_categories: list[Category] = Field(
        default_factory=lambda: ["sign"],
        description="Job categories allowed to request `id-token: write` (OIDC).")
    first_party_owners: list[str] = Field(
        default_factory=lambda: ["actions", "github"],
        description="Action owners whose tag pins are only a warning (everything else must be pinned to a SHA).")
    zizmor: ZizmorConfig = Field(default_factory=ZizmorConfig)
    baseline: str | None = Field(
        None, description="Baseline file (relative to shipit.yaml) listing reviewed findings that are accepted, "
                          "each with a reason; written by `shipit pipeline validate --write-baseline`.")


class EnvironmentConfig(Model):
    """One deployment environment: what it needs, by name only (never secret values)."""

    description: str = ""
    tier: Literal["development", "testing", "staging", "production", "other"] | None = Field(
        None, description="Default: production for names in pipeline.production_environments, else other.")
    url: str = ""
    protected: bool = Field(False, description="Deployments need approval (protection rules are set in the "
                                               "CI platform).")
    approvers: list[str] = Field(default_factory=list, description="Who approves deployments.")
    variables: dict[str, str | int | float | bool] = Field(default_factory=dict,
                                                           description="Non-secret configuration values.")
    required_variables: list[str] = Field(default_factory=list,
                                          description="Variables the platform must provide (names only).")
    secrets: list[str] = Field(default_factory=list, description="Secrets the deploy job needs (names only).")
    feature_flags: dict[str, bool] = Field(default_factory=dict)

    @field_validator("required_variables", "secrets")
    @classmethod
    def _names(cls, names: list[str]) -> list[str]:
        for n in names:
            if not re.match(NAME_PATTERN, n):
                raise ValueError(f"{n!r} is not a variable name (letters, digits, _): list names, never values")
        return names


#: The shipit.yaml sections this capability owns (assembled by shipit.config).
SECTIONS = {
    "pipeline": (PipelineConfig | None, Field(None, description="CI/CD pipeline validation policy.")),
    "environments": (dict[str, EnvironmentConfig] | None, Field(
        None, description="Deployment environments: variables, secrets (names only), feature flags.")),
}
