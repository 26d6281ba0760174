"""Validate a project's pipeline: load every workflow, build the job graph, run the checks."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipit.core.errors import ShipitError
from shipit.core.yamlpos import line_of
from shipit.pipeline import github, gitlab, rules
from shipit.pipeline.config import EnvironmentConfig, PipelineConfig
from shipit.pipeline.loader import (
    load_yaml,
    platform_of,
    schema_findings,
    unresolved_marker,
)
from shipit.pipeline.model import SEVERITIES, Finding, Job, Workflow
from shipit.pipeline.recognise import Found, build
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
GATED_ORDER = ("release", "deploy")
REVIEW_ENV = re.compile(r"^(review|preview|pr|mr)[/-]", re.IGNORECASE)
CATEGORY_WORDS = {"test": r"test", "lint": r"lint|quality|format", "sast": r"sast|semgrep|sonar|codeql|security",
                  "dependency-scan": r"dependenc|scanning|vuln|audit|security", "secret-scan": r"secret|security",
                  "sbom": r"sbom", "sign": r"sign|attest", "release": r"release|publish", "deploy": r"deploy"}


@dataclass
class Report:
    project_dir: Path
    files: list[str]
    workflows: list[Workflow]
    findings: list[Finding]
    zizmor: str = "not run"  # not run | ran | unavailable | failed: ...
    zizmor_driver: dict = field(default_factory=dict)  # name/version/informationUri/rules from zizmor's SARIF
    gates: list[dict] = field(default_factory=list)  # per gated job: which jobs satisfy each required gate
    texts: dict[str, str] = field(default_factory=dict)  # file -> text, for inline suppressions

    @property
    def active(self) -> list[Finding]:
        return [f for f in self.findings if not f.suppressed]

    @property
    def counts(self) -> dict[str, int]:
        return {s: sum(1 for f in self.active if f.severity == s) for s in SEVERITIES}

    @property
    def suppressed_count(self) -> int:
        return sum(1 for f in self.findings if f.suppressed)

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
            "summary": {**self.counts, "suppressed": self.suppressed_count},
            "zizmor": self.zizmor,
            "findings": [f.as_dict() for f in self.findings],
            "gates": self.gates,
            "jobs": [{"file": j.file, "id": j.id, "line": j.line, "categories": sorted(j.categories),
                      "needs": sorted(n.split("#", 1)[1] if n.startswith(j.file + "#") else n for n in j.needs),
                      "environment": j.environment or None, "soft_fail": j.soft_fail,
                      **({"pipelines": [s for s in j.sources if s]} if j.outcomes is not None else {})}
                     for j in self.jobs()],
        }


def discover(project_dir: Path, policy: PipelineConfig) -> list[Path]:
    if policy.files:
        paths = []
        for pattern in policy.files:
            matches = sorted(project_dir.glob(pattern))
            if not matches:
                raise ShipitError(f"pipeline.files: '{pattern}' matches no file under {project_dir}",
                                  hint="paths are relative to the directory of shipit.yaml", exit_code=2)
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
             environments: dict[str, EnvironmentConfig] | None = None, zizmor: bool | None = None,
             baseline: Any = None) -> Report:
    """Check the workflow files (``files``, else ``policy.files``, else auto-discovered) against the policy.

    ``baseline`` is a loaded :class:`shipit.pipeline.suppress.Baseline` (accepted findings)."""
    from shipit.pipeline.suppress import apply_inline  # only validate() needs it

    policy = policy or PipelineConfig()
    project_dir = Path(project_dir)
    paths = files if files else discover(project_dir, policy)
    if not paths:
        raise ShipitError(f"no CI workflow files found in {project_dir}",
                          hint="expected .github/workflows/*.yml or .gitlab-ci.yml; or list them in pipeline.files",
                          exit_code=2)
    for p in paths:
        if not Path(p).is_file():
            raise ShipitError(f"{p}: no such workflow file", hint="give paths to GitHub or GitLab workflow files",
                              exit_code=2)
    recognisers = build(policy)
    secret_names = {s for env in (environments or {}).values() for s in env.secrets}
    findings: list[Finding] = []
    workflows: list[Workflow] = []
    texts: dict[str, str] = {}
    for path in paths:
        wf = _load(Path(path), project_dir, findings, texts)
        if wf is not None and all(w.path != wf.path for w in workflows):
            workflows.append(wf)
    _resolve_gitlab_includes(workflows, project_dir, findings, texts)
    for wf in workflows:
        if wf.platform == "github" and wf.data is not None:
            findings.extend(schema_findings("github", wf.data, wf.file))
    parsed = [wf for wf in workflows if wf.data is not None and not wf.included]
    for wf in list(parsed):
        try:
            if wf.platform == "github":
                github.parse(wf, recognisers)
            else:
                gitlab.parse(wf, recognisers)
                findings.extend(_gitlab_schema(wf))
        except (TypeError, AttributeError, KeyError, ValueError):
            if not any(f.file == wf.file and f.rule == "schema" for f in findings):
                raise  # a valid file must never break the analysis: that is a bug
            # A schema-invalid file can have any shape; report the schema errors, skip the job graph.
            findings.append(Finding("schema", "error", wf.file, 0, "the job graph of this file was not analysed "
                                    "because of the schema errors above", "fix the schema errors first"))
            wf.jobs = {}
            parsed.remove(wf)
    _resolve_reusable(parsed, project_dir, recognisers, findings, texts)
    _resolve_workflow_run(parsed)
    for wf in parsed:
        for job in wf.jobs.values():
            _classify(job, policy)
    for wf in parsed:
        findings += (github if wf.platform == "github" else gitlab).check(wf, policy, secret_names)
    jobs = {j.key: j for wf in parsed for j in wf.jobs.values()}
    if parsed:
        findings += _unresolved(parsed, jobs, policy)
        findings += _required(parsed, policy)
        findings += _gates(jobs, policy)
        findings += _soft_fail(jobs, policy)
        findings += _environments(jobs, policy, environments)
    workflows += [wf for wf in parsed if wf not in workflows]  # reusable workflows loaded on the way
    report = Report(project_dir, [wf.file for wf in workflows], workflows, [], texts=texts)
    report.gates = gate_evidence(jobs, policy) if parsed else []
    run_zizmor = policy.zizmor.enabled if zizmor is None else zizmor
    gh_paths = [wf.path for wf in parsed if wf.platform == "github"]
    if run_zizmor and gh_paths:
        zfindings, report.zizmor, report.zizmor_driver = zizmor_run(
            gh_paths, project_dir, policy.zizmor.min_severity, required=run_zizmor is True)
        findings += zfindings
    findings = _apply_severity(findings, policy)
    all_jobs = [j for wf in workflows for j in wf.jobs.values()]
    findings += apply_inline(findings, texts, all_jobs)
    if baseline is not None:
        findings += baseline.apply(findings)
    report.findings = sorted(_apply_severity(findings, policy), key=Finding.sort_key)
    return report


def _load(path: Path, project_dir: Path, findings: list[Finding], texts: dict[str, str]) -> Workflow | None:
    rel = _rel(path, project_dir)
    try:
        texts[rel] = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        texts[rel] = ""
    data, yaml_findings, header = load_yaml(path, rel)
    findings.extend(yaml_findings)
    wf = Workflow(platform_of(rel, data), rel, path.resolve(), data=data, header_lines=header)
    if data is None:
        if not any(f.rule == "yaml-syntax" and f.file == rel for f in yaml_findings):
            findings.append(Finding("schema", "error", rel, 1, "the file is empty",
                                    "write a workflow or remove the file"))
        return wf
    if not isinstance(data, dict):
        findings.extend(schema_findings(wf.platform, data, rel))
        wf.data = None
    return wf


def _gitlab_schema(wf: Workflow) -> list[Finding]:
    """Schema checks of a GitLab pipeline's files, with ``!reference`` tags resolved as GitLab resolves them
    (a reference into an include shipit cannot read is left unchecked)."""
    resolver = gitlab.Resolver(wf.gitlab.data)
    out = []
    for inc in [wf, *wf.includes]:
        if isinstance(inc.data, dict):
            out += schema_findings("gitlab", inc.data, inc.file, unresolved_marker(resolver.deref(inc.data)))
    return out


def _resolve_gitlab_includes(workflows: list[Workflow], project_dir: Path, findings: list[Finding],
                             texts: dict[str, str]) -> None:
    """Attach ``include: local:`` files (and the files they include) to the pipeline that includes them."""
    by_path = {wf.path: wf for wf in workflows}
    roots = [wf for wf in workflows if wf.platform == "gitlab" and wf.data is not None]
    included_somewhere = set()
    for root in roots:
        queue = [root]
        seen = {root.path}
        while queue:
            current = queue.pop(0)
            if current.data is None:
                continue
            for pattern in gitlab.local_includes(current.data):
                matches = sorted(project_dir.glob(pattern)) if any(c in pattern for c in "*?[") else \
                    [project_dir / pattern]
                for path in matches:
                    path = path.resolve()
                    if not path.is_file():
                        findings.append(Finding("include-missing", "error", current.file, _include_line(current.data),
                                                f"include: local file '{pattern}' does not exist",
                                                "fix the path (relative to the repository root)"))
                        continue
                    if path in seen:
                        continue
                    seen.add(path)
                    inc = by_path.get(path)
                    if inc is None:
                        inc = _load(path, project_dir, findings, texts)
                        inc.platform = "gitlab"
                        workflows.append(inc)
                        by_path[path] = inc
                    included_somewhere.add(path)
                    root.includes.append(inc)
                    queue.append(inc)
    for wf in workflows:
        if wf.path in included_somewhere:
            wf.included = True
    for root in roots:  # a root that another root includes is part of that pipeline only
        if root.included:
            root.includes = []


def _include_line(data: Any) -> int:
    return line_of(data, "include") if isinstance(data, dict) and "include" in data else 1


def _resolve_reusable(workflows: list[Workflow], project_dir: Path, recognisers, findings: list[Finding],
                      texts: dict[str, str]) -> None:
    """A job that calls a local reusable workflow does what the called workflow's jobs do."""
    by_path = {wf.path: wf for wf in workflows}
    queue = [wf for wf in workflows if wf.platform == "github"]
    done: set[str] = set()
    while queue:
        wf = queue.pop(0)
        for job in wf.jobs.values():
            ref = job.uses_workflow
            if not ref or not github.is_local(ref) or job.key in done:
                continue
            done.add(job.key)
            target = (project_dir / github.local_path(ref)).resolve()
            called = by_path.get(target)
            if called is None and target.is_file():
                called = _load(target, project_dir, findings, texts)
                if called.data is not None:
                    findings.extend(schema_findings("github", called.data, called.file))
                    github.parse(called, recognisers)
                    workflows.append(called)
                    by_path[target] = called
                    queue.append(called)
            if called is None:
                findings.append(Finding("reusable-workflow-missing", "error", wf.file, line_of(job.raw, "uses"),
                                        f"job '{job.id}' calls '{ref}', which does not exist: the workflow fails "
                                        "when it reaches that job", "fix the path (relative to the repository root)",
                                        job=job.id))
                continue
            if called.data is None:
                continue
            called.called = True
            found = Found(set(), {})
            for inner in called.jobs.values():
                hard = inner.categories - set(inner.soft_categories) if inner.blocking(None) else set()
                found.add(Found(hard, {c: inner.soft_reason or why for c, why in inner.soft_categories.items()}
                                | ({c: inner.soft_reason for c in inner.categories} if not inner.blocking(None)
                                   else {})))
                job.text += "\n" + inner.text
                job.oidc = job.oidc or inner.oidc
            found.settle()
            job.categories |= found.all
            for cat, why in found.soft.items():
                job.soft_categories.setdefault(cat, why)
            for cat in found.hard:
                job.soft_categories.pop(cat, None)


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


def _classify(job: Job, policy: PipelineConfig) -> None:
    """Deploy is what deploys a service: an environment alone does not make one (Pages sites, review apps,
    a registry's approval environment on a release job, an environment a test job takes its secrets from)."""
    if job.pages:
        job.categories.discard("deploy")
        return
    if not job.environment:
        return
    if REVIEW_ENV.match(job.environment) or job.environment_tier == "development":
        job.categories.discard("deploy")
        return
    if "deploy" in job.categories:
        return
    if "release" in job.categories:
        return  # the environment guards a registry or an approval (pypi, release, rubygems)
    if job.categories & {"test", "lint", "sast", "dependency-scan", "secret-scan"}:
        return
    job.categories.add("deploy")


def _gated(job: Job, policy: PipelineConfig) -> list[str]:
    return [c for c in GATED_ORDER if c in job.categories and c in policy.gates]


def _role(cats: list[str]) -> str:
    return " and ".join(cats)


def _required(workflows: list[Workflow], policy: PipelineConfig) -> list[Finding]:
    covered = {c for wf in workflows for j in wf.jobs.values() if (j.checked or wf.called) and j.sources
               for c in j.categories}
    target = _pipeline_file(workflows, policy)
    remote = [r for wf in workflows if wf.gitlab is not None for r in wf.gitlab.remote]
    out = []
    for cat in policy.required:
        if cat in covered:
            continue
        # an unreadable project/remote include may define any job; a component only what its name says
        may = [r for r in remote if not r[0].startswith("component ") or re.search(
            CATEGORY_WORDS[cat], r[0], re.IGNORECASE)]
        if may:
            out.append(Finding("required-category", "warning", target, 0,
                               f"no job in the pipeline does {cat} (shipit cannot read "
                               f"{', '.join(sorted({d for d, _l, _f in may}))}, which may)",
                               f"if an include provides it, teach shipit its job: pipeline.recognisers.{cat}; "
                               f"else add a job that runs {TOOLS_HINT[cat]}"))
        else:
            out.append(Finding("required-category", "error", target, 0, f"no job in the pipeline does {cat}",
                               f"add a job that runs {TOOLS_HINT[cat]}, or teach shipit how you do it: "
                               f"pipeline.recognisers.{cat}"))
    return out


def _pipeline_file(workflows: list[Workflow], policy: PipelineConfig) -> str:
    """Whole-pipeline findings point at the file that defines the first release (else deploy) job."""
    for cat in GATED_ORDER:
        files = sorted({j.file for wf in workflows for j in wf.jobs.values() if cat in j.categories and j.checked})
        if files:
            return files[0]
    roots = [wf.file for wf in workflows if wf.platform == "gitlab" and not wf.included]
    return roots[0] if roots else workflows[0].file


def _ancestors(job: Job, jobs: dict[str, Job], source: str | None) -> list[Job]:
    seen: dict[str, Job] = {}
    todo = [n for n in job.needs if n in jobs and jobs[n].may_run(source)]
    while todo:
        key = todo.pop()
        if key in seen or key not in jobs:
            continue
        seen[key] = jobs[key]
        todo.extend(n for n in jobs[key].needs if n in jobs and jobs[n].may_run(source))
    seen.pop(job.key, None)  # a needs/stage cycle (GitLab rejects it) must not make a job its own gate
    return list(seen.values())


def _hard(job: Job, cat: str, source: str | None) -> bool:
    return cat in job.categories and cat not in job.soft_categories and job.blocking(source)


def _same_job(job: Job, need: str, gated: list[str]) -> bool:
    """An earlier step (GitHub) or command (GitLab) of the job itself does it: a failure stops the job."""
    positions = job.first_at
    at = min((positions[g] for g in gated if g in positions), default=None)
    if need not in positions:
        return False
    return at is None or positions[need] < at


def _gates(jobs: dict[str, Job], policy: PipelineConfig) -> list[Finding]:
    """gate-order: one finding per gap. Release and deploy jobs of one file that miss the same gate in the
    same pipelines are one problem (one missing or misplaced gate), reported once, listing them."""
    out = []
    gaps: dict[tuple, list[tuple[Job, list[str], list[str | None], str, str]]] = {}
    for job in jobs.values():
        gated = _gated(job, policy)
        if not job.checked or not gated:
            continue
        needs = [n for n in dict.fromkeys(c for g in gated for c in policy.gates[g]) if n not in gated]
        out += _bypass(job, jobs, needs, gated)
        for need in needs:
            missing: list[str | None] = []
            for source in job.sources:
                before = _ancestors(job, jobs, source)
                if any(_hard(a, need, source) for a in before) or _same_job(job, need, gated):
                    continue
                if any(need in a.categories for a in before):
                    continue  # only soft providers: reported once per provider by _soft_fail
                missing.append(source)
            if missing:
                where, hint = _gap(job, jobs, need, missing)
                gaps.setdefault((job.file, need, where), []).append((job, gated, missing, where, hint))
    for (file, need, where), items in gaps.items():
        out.append(_gate_order(items, jobs, need, where))
    return out


def _gap(job: Job, jobs: dict[str, Job], need: str, missing: list[str | None]) -> tuple[str, str]:
    """(where: " in tag pipelines" when the gate exists but not where the job runs, a hint about it)."""
    if job.outcomes is None or missing == [None]:
        return "", ""
    # providers the job would wait for (needs, stages) if they ran where it runs
    static = {a.key for a in _ancestors(job, jobs, None)}
    elsewhere = [j for j in jobs.values() if need in j.categories and j.key in static
                 and not any(j.may_run(s) for s in missing)]
    where = f" in {rules.describe(set(missing))}" if elsewhere or set(missing) != set(job.sources) else ""
    if not elsewhere:
        return where, ""
    runs = sorted({s for j in elsewhere for s in j.sources if s})
    names = sorted(j.id for j in elsewhere)
    return where, (f"{', '.join(names[:4])}{' and others' if len(names) > 4 else ''} never run in "
                   f"{rules.describe(set(missing))} (their rules; they run in {rules.describe(set(runs)) or 'no pipeline'})"
                   f": add a {need} job that runs there and make the release depend on it")


def _gate_order(items: list[tuple[Job, list[str], list[str | None], str, str]], jobs: dict[str, Job], need: str,
                where: str) -> Finding:
    items = sorted(items, key=lambda i: (i[0].line, i[0].id))
    first, gated, missing, _where, hint = items[0]
    before = _ancestors(first, jobs, missing[0])
    deps = ", ".join(sorted(a.id for a in before)) or "nothing"
    roles = sorted({c for _j, g, _m, _w, _h in items for c in g}, key=GATED_ORDER.index)
    if len(items) == 1:
        message = (f"{_role(gated)} job '{first.id}' can run{where} without a passing {need} job "
                   f"(it depends on: {deps})")
        subject = f"'{first.id}'"
    else:
        names = [f"'{j.id}'" for j, *_rest in items]
        shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        message = (f"{len(items)} {'/'.join(roles)} jobs can run{where} without a passing {need} job: {shown} "
                   f"('{first.id}' depends on: {deps})")
        subject = "them"
    if not hint:
        providers = sorted(j.id for j in jobs.values() if need in j.categories and j.file == first.file
                           and j.checked and all(j is not i[0] for i in items))
        hint = (f"add `needs: [{', '.join(providers)}]` to {subject}" if providers and first.platform == "github"
                else f"make {subject} need {', '.join(providers)} (needs:, or a later stage)" if providers
                else f"add a {need} job ({TOOLS_HINT[need]}) and make {subject} depend on it")
    if first.after_workflow_run and not before:
        hint += ("; a workflow_run job runs after the upstream workflow only if it checks "
                 "`if: github.event.workflow_run.conclusion == 'success'`")
    return Finding("gate-order", "error", first.file, first.line, message, hint,
                   job=first.id if len(items) == 1 else "")


def _bypass(job: Job, jobs: dict[str, Job], needs: list[str], gated: list[str]) -> list[Finding]:
    if not job.runs_on_failure or not job.needs:
        return []
    unchecked = [n for n in job.needs if n not in job.result_checked and n in jobs]
    gating = [jobs[n].id for n in unchecked
              if any(c in needs for a in [jobs[n], *_ancestors(jobs[n], jobs, None)] for c in a.categories)]
    if not gating:
        return []
    return [Finding("gate-bypass", "error", job.file, job.runs_on_failure_line or job.line,
                    f"{_role(gated)} job '{job.id}' has `{job.runs_on_failure}`, so it runs even when "
                    f"{', '.join(repr(g) for g in sorted(gating))} failed",
                    "drop that condition, or check each gate's result (e.g. `needs.test.result == 'success'`)",
                    job=job.id)]


def gate_evidence(jobs: dict[str, Job], policy: PipelineConfig) -> list[dict]:
    """For the report: each release/deploy job and, per required gate, the jobs that provide it."""
    out = []
    for job in jobs.values():
        gated = _gated(job, policy)
        if not gated or not job.checked:
            continue
        before = {a.key: a for s in job.sources for a in _ancestors(job, jobs, s)}.values()
        needs = sorted({n for g in gated for n in policy.gates[g] if n not in gated})
        out.append({"file": job.file, "job": job.id, "categories": gated,
                    "gates": {n: sorted(a.id for a in before if n in a.categories)
                              + (["(same job)"] if _same_job(job, n, gated) else [])
                              for n in needs}})
    return sorted(out, key=lambda g: (g["file"], g["job"]))


def _soft_fail(jobs: dict[str, Job], policy: PipelineConfig) -> list[Finding]:
    """A gate that may fail without failing the pipeline, reported once per gate job and category, when a
    release or deploy job relies on it (no blocking job of that category runs before it)."""
    relied: dict[tuple[str, str], list[str]] = {}
    for job in jobs.values():
        gated = _gated(job, policy)
        if not job.checked or not gated:
            continue
        needs = [n for n in dict.fromkeys(c for g in gated for c in policy.gates[g]) if n not in gated]
        for need in needs:
            for source in job.sources:
                before = _ancestors(job, jobs, source)
                if any(_hard(a, need, source) for a in before) or _same_job(job, need, gated):
                    continue
                for a in before:
                    if need in a.categories:
                        relied.setdefault((a.key, need), [])
                        if job.id not in relied[(a.key, need)]:
                            relied[(a.key, need)].append(job.id)
    out = []
    by_job: dict[str, list[tuple[str, list[str]]]] = {}
    for (key, need), gated_jobs in relied.items():
        by_job.setdefault(key, []).append((need, gated_jobs))
    for key, items in by_job.items():
        gate = jobs[key]
        cats = sorted(n for n, _g in items)
        dependants = sorted({g for _n, gs in items for g in gs})
        who = ", ".join(f"'{d}'" for d in dependants[:4]) + (" and others" if len(dependants) > 4 else "")
        commands = list(dict.fromkeys(gate.soft_categories[c] for c in cats if c in gate.soft_categories))
        if commands and all(c in gate.soft_categories for c in cats) and not gate.soft_fail:
            why = " and ".join(f"`{c}`" for c in commands) + " cannot fail"
            fix = "let the check fail (drop `|| true` / `--exit-zero`), or run a blocking check as well"
            line = gate.line
        else:
            why = gate.soft_reason or "it may fail without failing the pipeline"
            fix = gate.soft_fix or ("remove that setting (or set `allow_failure: false`) on "
                                    f"'{gate.id}'" if gate.platform == "gitlab"
                                    else f"remove `continue-on-error` from '{gate.id}'")
            line = gate.soft_fail_line or gate.line
        out.append(Finding("gate-soft-fail", "error", gate.file, line,
                           f"gate '{gate.id}' ({', '.join(cats)}) may fail without failing the pipeline ({why}), "
                           f"yet {who} rel{'y' if len(dependants) > 1 else 'ies'} on it", fix, job=gate.id))
    return out


def _unresolved(workflows: list[Workflow], jobs: dict[str, Job], policy: PipelineConfig) -> list[Finding]:
    """Release, sign and deploy work that comes from an include shipit cannot read (warnings)."""
    out = []
    for wf in workflows:
        m = wf.gitlab
        if m is None or not m.remote:
            continue
        for ref, line, file in m.releasing_components:
            out.append(Finding("include-unresolved", "warning", file, line,
                               f"component '{ref}' may create releases (its name or a token input says so), and "
                               "shipit cannot read it offline: whatever it releases is not gate-checked",
                               "make sure its jobs run only after the tests and scans (its stage/needs inputs), "
                               "or describe them with pipeline.recognisers"))
        described = ", ".join(sorted({d for d, _l, _f in m.remote if not d.startswith("component ")}))
        stubs = [j for j in wf.jobs.values() if j.stub
                 and re.search(r"release|publish|push|deploy|sign|upload|attest", j.id, re.IGNORECASE)]
        if stubs and described:
            first = min(stubs, key=lambda j: (j.file, j.line))
            out.append(Finding("include-unresolved", "warning", first.file, first.line,
                               f"job(s) {', '.join(repr(j.id) for j in sorted(stubs, key=lambda j: j.line))} are "
                               f"defined in an include shipit cannot read ({described}) and only adjusted here: if "
                               "they release, sign or deploy, their gates are not checked",
                               "check the included project's jobs, or copy their rules and needs here"))
        for job in wf.jobs.values():
            if job.unresolved and set(_gated(job, policy)) and not job.stub:
                out.append(Finding("include-unresolved", "warning", job.file, job.line,
                                   f"{_role(_gated(job, policy))} job '{job.id}' uses "
                                   f"{', '.join(job.unresolved)} from an include shipit cannot read "
                                   f"({described or 'a component'}): what that part runs is not checked",
                                   "review that include, or inline the part the release depends on", job=job.id))
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
    for job in jobs.values():
        if "deploy" not in job.categories or job.synthetic or job.stub:
            continue  # (jobs of called workflows are checked here too: the environment is theirs)
        if not job.environment:
            if job.uses_workflow:
                continue  # the called workflow's jobs declare it
            out.append(Finding("deploy-environment", "error", job.file, job.line,
                               f"deploy job '{job.id}' declares no `environment:`, so the platform's protection "
                               "rules (required reviewers, branch limits) and environment secrets do not apply",
                               f"add `environment: <name>` to '{job.id}'", job=job.id))
            continue
        if environments is None or "$" in job.environment:
            continue
        env = environments.get(job.environment)
        if env is None:
            out.append(Finding("environment-undeclared", "warning", job.file, job.environment_line,
                               f"deploy job '{job.id}' targets environment '{job.environment}', which shipit.yaml "
                               "does not describe", f"add it under environments: (declared: "
                                                    f"{', '.join(sorted(environments)) or 'none'})", job=job.id))
            continue
        tier = tier_of(job.environment, env, policy, job.environment_tier)
        if tier == "production" and not env.protected:
            out.append(Finding("environment-unprotected", "error", job.file, job.environment_line,
                               f"deploy job '{job.id}' deploys to production environment '{job.environment}', "
                               "which is not marked protected",
                               "set required reviewers / protected branches for it in the CI platform, then "
                               f"environments.{job.environment}.protected: true in shipit.yaml", job=job.id))
        # GitHub hands environment secrets only to `${{ secrets.NAME }}` expressions; GitLab injects the
        # environment's (protected) variables into every job that declares the environment.
        missing = [s for s in env.secrets if not re.search(rf"\b{re.escape(s)}\b", job.text)]
        if missing and job.platform == "github":
            out.append(Finding("deploy-secret-missing", "error", job.file, job.line,
                               f"deploy job '{job.id}' does not reference secret(s) {', '.join(missing)} that "
                               f"environment '{job.environment}' needs",
                               "pass them to the deploy step, e.g. env: {NAME: ${{ secrets.NAME }}} (GitHub) or as "
                               "masked CI/CD variables of that environment (GitLab)", job=job.id))
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
