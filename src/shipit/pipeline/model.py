"""What the checks work on: findings, and a platform-neutral view of jobs and steps."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("error", "warning", "note")


@dataclass
class Finding:
    rule: str
    severity: str  # error | warning | note
    file: str  # relative to the project directory, '/' separators
    line: int  # 1-based; 0 when the finding is about the whole pipeline
    message: str
    hint: str = ""
    column: int = 0
    source: str = "shipit"  # or "zizmor"
    job: str = ""  # the job the finding is about ('' for the whole file or pipeline)
    suppressed: dict[str, str] | None = None  # {kind: inline|baseline, reason, where} when accepted
    properties: dict[str, Any] = field(default_factory=dict)  # extra facts (zizmor's severity, confidence)

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.column, self.rule, self.message)

    def as_dict(self) -> dict[str, Any]:
        out = {"rule": self.rule, "severity": self.severity, "file": self.file, "line": self.line,
               "column": self.column, "message": self.message, "hint": self.hint, "source": self.source,
               "job": self.job or None}
        if self.suppressed:
            out["suppressed"] = dict(self.suppressed)
        return out

    @property
    def fingerprint(self) -> str:
        """What identifies the finding across edits that move lines: rule, file and message, without the
        list of jobs a release depends on (it changes whenever a job is added)."""
        message = re.sub(r"\s*\(it depends on: [^)]*\)", "", self.message)
        return f"{self.rule}|{self.file}|{message}"

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class Step:
    """One unit of work inside a job: a GitHub step, or a GitLab script (one per job)."""

    index: int
    line: int
    name: str = ""
    uses: str = ""  # GitHub action reference (owner/repo@ref), GitLab image
    run: str = ""  # shell text
    with_: dict[str, Any] = field(default_factory=dict)
    continue_on_error: bool = False
    continue_on_error_line: int = 0
    soft_reason: str = ""
    categories: set[str] = field(default_factory=set)
    soft_categories: set[str] = field(default_factory=set)  # provided only by commands that cannot fail
    raw: Any = None


@dataclass
class Job:
    platform: str  # github | gitlab
    file: str
    id: str
    line: int
    name: str = ""
    needs: list[str] = field(default_factory=list)  # keys (see ``key``) of direct predecessors
    steps: list[Step] = field(default_factory=list)
    categories: set[str] = field(default_factory=set)
    soft_categories: dict[str, str] = field(default_factory=dict)  # category -> command that cannot fail
    soft_fail: bool = False  # continue-on-error / allow_failure / manual (in some pipelines: soft_sources)
    soft_fail_line: int = 0
    soft_reason: str = ""  # why it may fail without failing the pipeline
    soft_fix: str = ""  # how to make it blocking, when not just "remove that keyword"
    soft_sources: set[str] | None = None  # GitLab: kinds of pipeline where it is soft (None: everywhere)
    environment: str = ""  # name ('' when none)
    environment_line: int = 0
    environment_tier: str = ""  # GitLab deployment_tier
    environment_url: str = ""
    pages: bool = False  # publishes a GitHub/GitLab Pages site (docs), not a service deploy
    oidc: bool = False  # a step asks for an OIDC token (GitHub)
    result_checked: set[str] = field(default_factory=set)  # needs whose result an always() condition checks
    outcomes: dict[str, set] | None = None  # GitLab: kind of pipeline -> {(when, soft)}; None: not modelled
    stage_order: int = 0
    first_at: dict[str, int] = field(default_factory=dict)  # category -> position of the first step/command doing it
    explicit_needs: list[str] | None = None
    origin: str = ""  # GitLab: the template or component that defines it
    stub: bool = False  # GitLab: only overridden here; defined in an include shipit cannot read
    unresolved: list[str] = field(default_factory=list)  # remote extends / !reference it depends on
    text: str = ""  # everything the job says, for secret references
    uses_workflow: str = ""  # GitHub reusable workflow the job calls
    stage: str = ""  # GitLab stage
    synthetic: bool = False  # created from a GitLab include template
    runs_on_failure: str = ""  # the condition that makes it run when its needs failed (if: always(), when: always)
    runs_on_failure_line: int = 0
    after_workflow_run: bool = False  # root job of an `on: workflow_run` workflow
    checked: bool = True  # False for jobs of a workflow that only runs when called (gated at the call site)
    raw: Any = None

    @property
    def key(self) -> str:
        return f"{self.file}#{self.id}"

    @property
    def sources(self) -> list[str | None]:
        """The kinds of pipeline it may run in ([None] when they are not modelled: GitHub)."""
        if self.outcomes is None:
            return [None]
        return [s for s, o in self.outcomes.items() if any(w != "never" for w, _soft in o)]

    def may_run(self, source: str | None) -> bool:
        if self.outcomes is None or source is None:
            return True
        return any(w != "never" for w, _soft in self.outcomes.get(source, ()))

    def blocking(self, source: str | None) -> bool:
        """Its failure fails the pipeline in that kind of pipeline (when it runs)."""
        if self.outcomes is None or source is None:
            return not self.soft_fail
        return any(w != "never" and not soft for w, soft in self.outcomes.get(source, ()))

    @property
    def label(self) -> str:
        return self.id if not self.name or self.name == self.id else f"{self.id} ({self.name})"


@dataclass
class Workflow:
    platform: str
    file: str
    path: Any  # absolute Path
    name: str = ""
    data: Any = None  # ruamel round-trip tree
    jobs: dict[str, Job] = field(default_factory=dict)
    triggers: dict[str, Any] = field(default_factory=dict)
    includes: list[Workflow] = field(default_factory=list)  # GitLab `include: local:` files
    included: bool = False  # this file is included by another (its jobs belong to that pipeline)
    pipeline_sources: set[str] = field(default_factory=set)  # GitLab: kinds of pipeline workflow: allows
    reference_errors: list[tuple] = field(default_factory=list)  # GitLab: (file, line, job, what) not found
    gitlab: Any = None  # GitLab: the merged configuration
    header_lines: int = 0  # lines before the pipeline document (GitLab `spec:` header)
    called: bool = False  # GitHub: a workflow_call workflow some workflow of the pipeline calls


#: Every rule shipit reports: id → (default severity, one-line description).
RULES: dict[str, tuple[str, str]] = {
    "yaml-syntax": ("error", "The workflow file is not valid YAML."),
    "schema": ("error", "The workflow does not match the platform's JSON Schema."),
    "schema-deviation": ("warning", "The file departs from the vendored JSON Schema in a way the platform accepts."),
    "include-missing": ("error", "A GitLab `include: local:` file does not exist."),
    "include-unresolved": ("warning", "Release, sign or deploy jobs come from an include shipit cannot read offline."),
    "reference-missing": ("error", "A GitLab `extends:` or `!reference` names a job no file of the pipeline defines."),
    "reusable-workflow-missing": ("error", "A GitHub job calls a local reusable workflow that does not exist."),
    "required-category": ("error", "A required kind of job (tests, a security scan, ...) is missing."),
    "gate-order": ("error", "A release or deploy job can run without its required gates passing first."),
    "gate-bypass": ("error", "A release or deploy job runs even when the jobs it depends on failed."),
    "gate-soft-fail": ("error", "A gate job or step may fail without failing the pipeline."),
    "unpinned-action": ("error", "An action is referenced by a movable tag or branch instead of a commit SHA."),
    "unpinned-image": ("warning", "A container image is referenced by tag instead of digest."),
    "permissions-write-all": ("error", "The GITHUB_TOKEN is granted write-all."),
    "permissions-missing": ("warning", "No permissions block: the token gets the repository default."),
    "id-token-write": ("error", "id-token: write is granted to a job that does not sign."),
    "pr-target-checkout": ("error", "A pull_request_target workflow checks out the untrusted pull request head."),
    "secret-echo": ("error", "A secret is printed to the job log."),
    "deploy-environment": ("error", "A deploy job declares no environment, so no protection rules apply."),
    "environment-unprotected": ("error", "A production deploy targets an environment not marked protected."),
    "environment-undeclared": ("warning", "A deploy targets an environment shipit.yaml does not describe."),
    "deploy-secret-missing": ("error", "A deploy job does not reference a secret its environment needs."),
    "suppression-invalid": ("warning", "A `# shipit: ignore[...]` comment or baseline entry has no reason."),
    "suppression-unused": ("note", "A suppression matches no finding (the problem is gone: remove it)."),
}


def flatten_text(value: Any) -> str:
    """A job's YAML flattened to searchable text ("key: value" lines), for the tool recognisers."""
    if isinstance(value, dict):
        return "\n".join(f"{k}: {flatten_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "\n".join(flatten_text(v) for v in value)
    return "" if value is None else str(value)
