"""Validate a project's pipeline: load every workflow, build the job graph, run the checks."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipit.core.errors import ShipitError
from shipit.core.yamlpos import line_of
from shipit.pipeline import github, gitlab
from shipit.pipeline.config import EnvironmentConfig, PipelineConfig
from shipit.pipeline.loader import load_yaml, platform_of, schema_findings
from shipit.pipeline.model import SEVERITIES, Finding, Job, Workflow
from shipit.pipeline.recognise import build
from shipit.pipeline.zizmor import run as zizmor_run

TOOLS_HINT = {
    "test": "pytest, tox or nox",
    "lint": "ruff, flake8 or pre-commit",
    "sast": "bandit, semgrep, CodeQL or zizmor",
    "dependency-scan": "pip-audit, osv-scanner, trivy or grype",
    "secret-scan": "gitleaks or trufflehog",
    "sbom": "syft, cyclonedx-py or shipit release",
    "sign": "cosign, sigstore or shipit release",
    "release": "shipit release, gh release or twine upload",
    "deploy": "a job with an environment: (kubectl, helm, ...)",
}
CONCLUSION_OK = re.compile(r"workflow_run\.conclusion\s*==\s*'success'")


@dataclass
class Report:
    project_dir: Path
    files: list[str]
    workflows: list[Workflow]
    findings: list[Finding]
    zizmor: str = "not run"  # not run | ran | unavailable | failed: ...
    zizmor_driver: dict = field(default_factory=dict)  # name/version/informationUri from zizmor's SARIF
    gates: list[dict] = field(default_factory=list)  # per gated job: which jobs satisfy each required gate

    @property
    def counts(self) -> dict[str, int]:
        return {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITIES}

    @property
    def ok(self) -> bool:
        return self.counts["error"] == 0

    def jobs(self) -> list[Job]:
        return [j for wf in self.workflows for j in wf.jobs.values()]

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "ok": self.ok,
            "files": [{"path": wf.file, "platform": wf.platform, "name": wf.name} for wf in self.workflows],
            "summary": self.counts,
            "zizmor": self.zizmor,
            "findings": [f.as_dict() for f in self.findings],
            "gates": self.gates,
            "jobs": [{"file": j.file, "id": j.id, "line": j.line, "categories": sorted(j.categories),
                      "needs": sorted(n.split("#", 1)[1] if n.startswith(j.file + "#") else n for n in j.needs),
                      "environment": j.environment or None, "soft_fail": j.soft_fail}
                     for j in self.jobs()],
        }


def discover(project_dir: Path, policy: PipelineConfig) -> list[Path]:
    if policy.files:
        paths = []
        for pattern in policy.files:
            matches = sorted(project_dir.glob(pattern))
            if not matches:
                raise ShipitError(f"pipeline.files: '{pattern}' matches no file under {project_dir}",
                                  hint="paths are relative to the directory of shipit.yaml")
            paths += matches
        return paths
    found = sorted((project_dir / ".github" / "workflows").glob("*.y*ml"))
    for name in (".gitlab-ci.yml", ".gitlab-ci.yaml"):
        if (project_dir / name).is_file():
            found.append(project_dir / name)
    return found


def _rel(path: Path, project_dir: Path) -> str:
    try:
        return path.resolve().relative_to(project_dir.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def validate(project_dir: Path, policy: PipelineConfig | None = None, *, files: list[Path] | None = None,
             environments: dict[str, EnvironmentConfig] | None = None, zizmor: bool | None = None) -> Report:
    """Check the workflow files (``files``, else ``policy.files``, else auto-discovered) against the policy."""
    policy = policy or PipelineConfig()
    project_dir = Path(project_dir)
    paths = files if files else discover(project_dir, policy)
    if not paths:
        raise ShipitError(f"no CI workflow files found in {project_dir}",
                          hint="expected .github/workflows/*.yml or .gitlab-ci.yml; or list them in pipeline.files")
    for p in paths:
        if not Path(p).is_file():
            raise ShipitError(f"{p}: no such workflow file", hint="give paths to GitHub or GitLab workflow files")
    recognisers = build(policy)
    secret_names = {s for env in (environments or {}).values() for s in env.secrets}
    findings: list[Finding] = []
    workflows: list[Workflow] = []
    for path in paths:
        wf = _load(Path(path), project_dir, findings)
        if wf is not None:
            workflows.append(wf)
    _resolve_gitlab_includes(workflows, project_dir, findings)
    parsed = [wf for wf in workflows if wf.data is not None and not wf.included]
    for wf in list(parsed):
        try:
            (github if wf.platform == "github" else gitlab).parse(wf, recognisers)
        except (TypeError, AttributeError, KeyError, ValueError):
            if not any(f.file == wf.file and f.rule == "schema" for f in findings):
                raise  # a valid file must never break the analysis: that is a bug
            # A schema-invalid file can have any shape; report the schema errors, skip the job graph.
            findings.append(Finding("schema", "error", wf.file, 0, "the job graph of this file was not analysed "
                                    "because of the schema errors above", "fix the schema errors first"))
            wf.jobs = {}
            parsed.remove(wf)
    _resolve_reusable(parsed, project_dir, recognisers, findings)
    _resolve_workflow_run(parsed)
    for wf in parsed:
        findings += (github if wf.platform == "github" else gitlab).check(wf, policy, secret_names)
    jobs = {j.key: j for wf in parsed for j in wf.jobs.values()}
    if parsed:
        findings += _required(parsed, policy)
        findings += _gates(jobs, policy)
        findings += _soft_fail(jobs, policy)
        findings += _environments(jobs, policy, environments)
    workflows += [wf for wf in parsed if wf not in workflows]  # reusable workflows loaded on the way
    report = Report(project_dir, [wf.file for wf in workflows], workflows, [])
    report.gates = gate_evidence(jobs, policy) if parsed else []
    run_zizmor = policy.zizmor.enabled if zizmor is None else zizmor
    gh_paths = [wf.path for wf in parsed if wf.platform == "github"]
    if run_zizmor and gh_paths:

        zfindings, report.zizmor, report.zizmor_driver = zizmor_run(
            gh_paths, project_dir, policy.zizmor.min_severity, required=run_zizmor is True)
        findings += zfindings
    report.findings = sorted(_apply_severity(findings, policy), key=Finding.sort_key)
    return report


def _load(path: Path, project_dir: Path, findings: list[Finding]) -> Workflow | None:
    rel = _rel(path, project_dir)
    data, error = load_yaml(path, rel)
    wf = Workflow(platform_of(rel, data), rel, path.resolve(), data=data)
    if error is not None:
        findings.append(error)
        wf.data = None
        return wf
    if data is None:
        findings.append(Finding("schema", "error", rel, 1, "the file is empty", "write a workflow or remove the file"))
        wf.data = None
        return wf
    findings.extend(schema_findings(wf.platform, data, rel))
    if not isinstance(data, dict):
        wf.data = None
    return wf


def _resolve_gitlab_includes(workflows: list[Workflow], project_dir: Path, findings: list[Finding]) -> None:
    """Attach ``include: local:`` files to the pipeline that includes them (loading them if needed)."""
    by_path = {wf.path: wf for wf in workflows}
    for wf in list(workflows):
        if wf.platform != "gitlab" or wf.data is None or wf.included:
            continue
        for pattern in gitlab.local_includes(wf.data):
            matches = sorted(project_dir.glob(pattern)) if any(c in pattern for c in "*?[") else \
                [project_dir / pattern]
            for path in matches:
                path = path.resolve()
                if not path.is_file():
                    findings.append(Finding("include-missing", "error", wf.file, _include_line(wf.data),
                                            f"include: local file '{pattern}' does not exist",
                                            "fix the path (relative to the repository root)"))
                    continue
                inc = by_path.get(path)
                if inc is None:
                    inc = _load(path, project_dir, findings)
                    if inc is None:
                        continue
                    inc.platform = "gitlab"
                    workflows.append(inc)
                    by_path[path] = inc
                inc.included = True
                wf.includes.append(inc)


def _include_line(data: Any) -> int:
    return line_of(data, "include") if isinstance(data, dict) and "include" in data else 1


def _resolve_reusable(workflows: list[Workflow], project_dir: Path, recognisers, findings: list[Finding]) -> None:
    """A job that calls a local reusable workflow does what the called workflow's jobs do."""
    by_path = {wf.path: wf for wf in workflows}
    for wf in list(workflows):
        for job in wf.jobs.values():
            ref = job.uses_workflow
            if not ref.startswith("./"):
                continue
            target = (project_dir / ref.split("@", 1)[0]).resolve()
            called = by_path.get(target)
            if called is None and target.is_file():
                called = _load(target, project_dir, findings)
                if called is not None and called.data is not None:
                    github.parse(called, recognisers)
                    workflows.append(called)
                    by_path[target] = called
            if called is None or called.data is None:
                continue
            for inner in called.jobs.values():
                job.categories |= inner.categories
                job.text += "\n" + inner.text


def _resolve_workflow_run(workflows: list[Workflow]) -> None:
    """``on: workflow_run`` runs after another workflow; it is gated only if it checks the conclusion."""
    names: dict[str, Workflow] = {}
    for wf in workflows:
        if wf.platform == "github":
            names[wf.name or Path(wf.file).stem] = wf
    for wf in workflows:
        spec = wf.triggers.get("workflow_run") if wf.platform == "github" else None
        if not isinstance(spec, dict):
            continue
        upstream = [names[str(n)] for n in spec.get("workflows") or [] if str(n) in names]
        for job in wf.jobs.values():
            cond = str(job.raw.get("if") or "")
            if not job.needs:
                job.after_workflow_run = True
            if not job.needs and CONCLUSION_OK.search(cond):
                job.needs = [j.key for up in upstream for j in up.jobs.values()]


def _ancestors(job: Job, jobs: dict[str, Job]) -> list[Job]:
    seen: dict[str, Job] = {}
    todo = list(job.needs)
    while todo:
        key = todo.pop()
        if key in seen or key not in jobs:
            continue
        seen[key] = jobs[key]
        todo.extend(jobs[key].needs)
    return list(seen.values())


def _required(workflows: list[Workflow], policy: PipelineConfig) -> list[Finding]:
    covered = {c for wf in workflows for j in wf.jobs.values() for c in j.categories}
    first = workflows[0].file
    return [Finding("required-category", "error", first, 0,
                    f"no job in the pipeline does {cat}", f"add a job that runs {TOOLS_HINT[cat]}, or teach shipit "
                    f"how you do it: pipeline.recognisers.{cat}")
            for cat in policy.required if cat not in covered]


def _gates(jobs: dict[str, Job], policy: PipelineConfig) -> list[Finding]:
    out = []
    for job in jobs.values():
        if not job.checked:
            continue
        if job.runs_on_failure and job.categories & set(policy.gates) and job.needs:
            out.append(Finding("gate-bypass", "error", job.file, job.runs_on_failure_line or job.line,
                               f"job '{job.id}' ({', '.join(sorted(job.categories & set(policy.gates)))}) has "
                               f"`{job.runs_on_failure}`, so it runs even when the jobs it depends on failed",
                               "drop that condition (or use `success()`-based conditions) on release and deploy "
                               "jobs"))
        for gated in sorted(job.categories & set(policy.gates)):
            before = _ancestors(job, jobs)
            for need in policy.gates[gated]:
                if need == gated:
                    continue
                if any(need in a.categories for a in before):
                    continue
                first_step = min((s.index for s in job.steps if gated in s.categories), default=None)
                if first_step is not None and any(need in s.categories for s in job.steps if s.index < first_step):
                    continue  # an earlier step of the same job does it (a failing step stops the job)
                providers = sorted(j.id for j in jobs.values() if need in j.categories and j.file == job.file
                                   and j is not job)
                deps = ", ".join(sorted(a.id for a in before)) or "nothing"
                hint = (f"add `needs: [{', '.join(providers)}]` to '{job.id}'" if providers and job.platform == "github"
                        else f"make '{job.id}' need {', '.join(providers)} (needs:, or a later stage)" if providers
                        else f"add a {need} job ({TOOLS_HINT[need]}) and make '{job.id}' depend on it")
                if job.after_workflow_run and not before:
                    hint += ("; a workflow_run job runs after the upstream workflow only if it checks "
                             "`if: github.event.workflow_run.conclusion == 'success'`")
                out.append(Finding("gate-order", "error", job.file, job.line,
                                   f"{gated} job '{job.id}' can run without a passing {need} job "
                                   f"(it depends on: {deps})", hint))
    return out


def gate_evidence(jobs: dict[str, Job], policy: PipelineConfig) -> list[dict]:
    """For the report: each release/deploy job and, per required gate, the jobs that provide it."""
    out = []
    for job in jobs.values():
        gated = sorted(job.categories & set(policy.gates))
        if not gated or not job.checked:
            continue
        before = _ancestors(job, jobs)
        needs = sorted({n for g in gated for n in policy.gates[g] if n not in gated})
        out.append({"file": job.file, "job": job.id, "categories": gated,
                    "gates": {n: sorted(a.id for a in before if n in a.categories)
                              + (["(same job)"] if any(n in s.categories for s in job.steps) else [])
                              for n in needs}})
    return out


def _soft_fail(jobs: dict[str, Job], policy: PipelineConfig) -> list[Finding]:
    gate_cats = {c for needs in policy.gates.values() for c in needs}
    out = []
    for job in jobs.values():
        cats = sorted(job.categories & gate_cats)
        word = "allow_failure: true" if job.platform == "gitlab" else "continue-on-error: true"
        if job.soft_fail and cats and job.soft_fail_note:
            why, fix = job.soft_fail_note
            out.append(Finding("gate-soft-fail", "error", job.file, job.soft_fail_line or job.line,
                               f"gate '{job.id}' ({', '.join(cats)}) may fail without failing the pipeline: {why}",
                               fix))
        elif job.soft_fail and cats:
            out.append(Finding("gate-soft-fail", "error", job.file, job.soft_fail_line or job.line,
                               f"gate job '{job.id}' ({', '.join(cats)}) has `{word}`, so its failure does not "
                               "block the jobs that depend on it",
                               f"remove `{word}` from '{job.id}'; fix or explicitly suppress the failing checks "
                               "instead"))
        for step in job.steps:
            scats = sorted(step.categories & gate_cats)
            if step.continue_on_error and scats:
                out.append(Finding("gate-soft-fail", "error", job.file, step.continue_on_error_line or step.line,
                                   f"step {step.index + 1} of job '{job.id}' ({', '.join(scats)}) has "
                                   "`continue-on-error: true`, so a failure does not fail the job",
                                   "remove `continue-on-error: true` from that step"))
    return out


def tier_of(name: str, env: EnvironmentConfig | None, policy: PipelineConfig, job_tier: str = "") -> str:
    if env is not None and env.tier:
        return env.tier
    if job_tier:
        return job_tier
    return "production" if name.lower() in {n.lower() for n in policy.production_environments} else "other"


def _environments(jobs: dict[str, Job], policy: PipelineConfig,
                  environments: dict[str, EnvironmentConfig] | None) -> list[Finding]:
    out = []
    targeted = set()
    for job in jobs.values():
        if "deploy" not in job.categories or job.synthetic:
            continue  # (jobs of called workflows are checked here too: the environment is theirs)
        if not job.environment:
            if job.uses_workflow:
                continue  # the called workflow's jobs declare it
            out.append(Finding("deploy-environment", "error", job.file, job.line,
                               f"deploy job '{job.id}' declares no `environment:`, so the platform's protection "
                               "rules (required reviewers, branch limits) and environment secrets do not apply",
                               f"add `environment: <name>` to '{job.id}'"))
            continue
        if environments is None or "${" in job.environment or "$" in job.environment:
            continue
        targeted.add(job.environment)
        env = environments.get(job.environment)
        if env is None:
            out.append(Finding("environment-undeclared", "warning", job.file, job.environment_line,
                               f"deploy job '{job.id}' targets environment '{job.environment}', which shipit.yaml "
                               "does not describe", f"add it under environments: (declared: "
                                                    f"{', '.join(sorted(environments)) or 'none'})"))
            continue
        tier = tier_of(job.environment, env, policy, job.environment_tier)
        if tier == "production" and not env.protected:
            out.append(Finding("environment-unprotected", "error", job.file, job.environment_line,
                               f"deploy job '{job.id}' deploys to production environment '{job.environment}', "
                               "which is not marked protected",
                               "set required reviewers / protected branches for it in the CI platform, then "
                               f"environments.{job.environment}.protected: true in shipit.yaml"))
        # GitHub hands environment secrets only to `${{ secrets.NAME }}` expressions; GitLab injects the
        # environment's (protected) variables into every job that declares the environment.
        missing = [s for s in env.secrets if not re.search(rf"\b{re.escape(s)}\b", job.text)]
        if missing and job.platform == "github":
            out.append(Finding("deploy-secret-missing", "error", job.file, job.line,
                               f"deploy job '{job.id}' does not reference secret(s) {', '.join(missing)} that "
                               f"environment '{job.environment}' needs",
                               "pass them to the deploy step, e.g. env: {NAME: ${{ secrets.NAME }}} (GitHub) or as "
                               "masked CI/CD variables of that environment (GitLab)"))
    return out


def _apply_severity(findings: list[Finding], policy: PipelineConfig) -> list[Finding]:
    out = []
    for f in findings:
        level = policy.severity.get(f.rule)
        if level is None:
            level = next((v for k, v in policy.severity.items() if fnmatch.fnmatchcase(f.rule, k)), None)
        if level == "off":
            continue
        if level is not None:
            f.severity = level
        out.append(f)
    return out
