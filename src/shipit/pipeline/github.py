"""GitHub Actions workflows: jobs, steps and the checks that only make sense there."""

from __future__ import annotations

import re
from typing import Any

from shipit.core.yamlpos import line_of
from shipit.pipeline.config import PipelineConfig
from shipit.pipeline.model import Finding, Job, Step, Workflow, flatten_text
from shipit.pipeline.recognise import Recogniser, job_name_categories, step_categories

SHA_RE = re.compile(r"^[0-9a-f]{40}$")
SECRET_EXPR = re.compile(r"\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
ECHO_RE = re.compile(r"\b(echo|printf|cat|tee|print)\b")
ALWAYS_RE = re.compile(r"\b(always|failure)\(\)|!\s*cancelled\(\)")
PR_HEAD_RE = re.compile(r"github\.event\.pull_request\.head\.|github\.head_ref|refs/pull/")


def triggers(data: Any) -> dict[str, Any]:
    on = data.get("on", data.get(True)) if isinstance(data, dict) else None
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {str(t): None for t in on}
    if isinstance(on, dict):
        return {str(k): v for k, v in on.items()}
    return {}


def parse(wf: Workflow, recognisers: dict[str, Recogniser]) -> None:
    data = wf.data
    if not isinstance(data, dict):
        return
    wf.name = str(data.get("name") or "")
    wf.triggers = triggers(data)
    only_called = set(wf.triggers) == {"workflow_call"}
    jobs = data.get("jobs")
    if not isinstance(jobs, dict):
        return
    for job_id, spec in jobs.items():
        if not isinstance(spec, dict):
            continue
        job = Job("github", wf.file, str(job_id), line_of(jobs, job_id), name=str(spec.get("name") or ""),
                  raw=spec, checked=not only_called)
        needs = spec.get("needs")
        needs = [needs] if isinstance(needs, str) else list(needs or []) if isinstance(needs, list) else []
        job.needs = [f"{wf.file}#{n}" for n in needs]
        cond = str(spec.get("if") or "")
        if ALWAYS_RE.search(cond):
            job.runs_on_failure, job.runs_on_failure_line = f"if: {cond}", line_of(spec, "if")
        if spec.get("continue-on-error") is True:
            job.soft_fail, job.soft_fail_line = True, line_of(spec, "continue-on-error")
        env = spec.get("environment")
        if isinstance(env, dict):
            env = env.get("name")
        if isinstance(env, (str, int, float)) and str(env):
            job.environment, job.environment_line = str(env), line_of(spec, "environment")
        if isinstance(spec.get("uses"), str):
            job.uses_workflow = spec["uses"]
        steps = spec.get("steps") if isinstance(spec.get("steps"), list) else []
        for i, st in enumerate(steps):
            if not isinstance(st, dict):
                continue
            step = Step(i, line_of(steps, i), name=str(st.get("name") or ""),
                        uses=str(st.get("uses") or ""), run=str(st.get("run") or ""),
                        with_=dict(st.get("with") or {}) if isinstance(st.get("with"), dict) else {}, raw=st)
            if st.get("continue-on-error") is True:
                step.continue_on_error, step.continue_on_error_line = True, line_of(st, "continue-on-error")
            step.categories = step_categories(recognisers, step.uses, step.run)
            job.steps.append(step)
        job.categories = set().union(*(s.categories for s in job.steps)) if job.steps else set()
        job.categories |= job_name_categories(recognisers, job.id, job.name)
        if job.environment:
            job.categories.add("deploy")
        job.text = flatten_text(spec)
        wf.jobs[job.id] = job


# --- checks ------------------------------------------------------------------------------------------


def _pin_findings(ref: str, line: int, wf: Workflow, policy: PipelineConfig, what: str) -> list[Finding]:
    if not ref or ref.startswith("./"):
        return []
    if ref.startswith("docker://"):
        if "@sha256:" in ref:
            return []
        return [Finding("unpinned-image", "warning", wf.file, line,
                        f"{what} uses container image '{ref[9:]}' by tag, not by digest",
                        "pin it as docker://IMAGE@sha256:<digest> so a re-pushed tag cannot change what runs")]
    name, _, version = ref.partition("@")
    if SHA_RE.match(version):
        return []
    owner = name.split("/", 1)[0].lower()
    first_party = owner in {o.lower() for o in policy.first_party_owners}
    return [Finding("unpinned-action", "warning" if first_party else "error", wf.file, line,
                    f"{what} uses '{ref}', which is not pinned to a full commit SHA"
                    + (" (first-party action)" if first_party else ""),
                    f"pin it: uses: {name}@<40-hex commit sha>  # {version or 'tag'} — a tag can be moved by "
                    "whoever controls the action's repository")]


def _permission_findings(wf: Workflow, policy: PipelineConfig) -> list[Finding]:
    data = wf.data
    out: list[Finding] = []
    allowed = set(policy.id_token_categories)

    def inspect(perms: Any, line: int, scope: str, jobs: list[Job]) -> None:
        if perms == "write-all":
            out.append(Finding("permissions-write-all", "error", wf.file, line,
                               f"{scope} grants `permissions: write-all` to the GITHUB_TOKEN",
                               "list only what is needed, e.g. permissions: {contents: read}"))
        elif isinstance(perms, dict) and perms.get("id-token") == "write":
            offenders = [j for j in jobs if not (j.categories & allowed)]
            if offenders:
                out.append(Finding(
                    "id-token-write", "error", wf.file, line_of(perms, "id-token") or line,
                    f"{scope} grants `id-token: write` to "
                    + ", ".join(f"'{j.id}'" for j in offenders)
                    + f", which is not a {' or '.join(sorted(allowed))} job",
                    "request id-token: write only in the job that signs (OIDC tokens can impersonate the workflow)"))

    top = data.get("permissions") if isinstance(data, dict) else None
    jobs = list(wf.jobs.values())
    if top is not None:
        inspect(top, line_of(data, "permissions"), "the workflow", jobs)
    for job in jobs:
        perms = job.raw.get("permissions")
        if perms is not None:
            inspect(perms, line_of(job.raw, "permissions"), f"job '{job.id}'", [job])
        elif top is None and not job.uses_workflow and job.checked:  # called workflows get the caller's token
            out.append(Finding("permissions-missing", "warning", wf.file, job.line,
                               f"job '{job.id}' sets no `permissions:` and the workflow has none either, so the "
                               "GITHUB_TOKEN gets the repository default (possibly read-write)",
                               "add a top-level `permissions: {contents: read}` and widen it per job"))
    return out


def check(wf: Workflow, policy: PipelineConfig, secret_names: set[str]) -> list[Finding]:
    out: list[Finding] = []
    pr_target = "pull_request_target" in wf.triggers
    for job in wf.jobs.values():
        if job.uses_workflow:
            out += _pin_findings(job.uses_workflow, line_of(job.raw, "uses"), wf, policy, f"job '{job.id}'")
        container = job.raw.get("container")
        images = [(container, line_of(job.raw, "container"))] if container else []
        services = job.raw.get("services") if isinstance(job.raw.get("services"), dict) else {}
        for svc_name, svc in services.items():
            images.append((svc, line_of(job.raw["services"], svc_name)))
        for image, line in images:
            image = image.get("image") if isinstance(image, dict) else image
            if isinstance(image, str) and "@sha256:" not in image and "${{" not in image:
                out.append(Finding("unpinned-image", "warning", wf.file, line,
                                   f"job '{job.id}' runs container image '{image}' by tag, not by digest",
                                   "pin it as IMAGE@sha256:<digest>"))
        for step in job.steps:
            label = f"step {step.index + 1} of job '{job.id}'" + (f" ({step.name})" if step.name else "")
            out += _pin_findings(step.uses, line_of(step.raw, "uses") or step.line, wf, policy, label)
            if pr_target and step.uses.split("@")[0] == "actions/checkout":
                ref = str(step.with_.get("ref") or "") + str(step.with_.get("repository") or "")
                if PR_HEAD_RE.search(ref):
                    out.append(Finding(
                        "pr-target-checkout", "error", wf.file, line_of(step.raw, "with") or step.line,
                        f"{label} checks out the pull request's head in a `pull_request_target` workflow: "
                        "untrusted code runs with the base repository's secrets and write token",
                        "use `pull_request` for building PR code, or never execute the checked-out code"))
            out += _echo_findings(step, job, wf, secret_names, label)
    out += _permission_findings(wf, policy)
    return out


def prints_to_log(line: str) -> bool:
    """``echo $X | cmd --password-stdin`` and ``printf ... > file`` hand the value to a program or file
    (the recommended way); only output left on stdout (or sent to the step summary) reaches the log."""
    m = ECHO_RE.search(line)
    rest = line[m.end():] if m else line
    rest = re.sub(r"'[^']*'|\"(?:[^\"\\]|\\.)*\"", "''", rest)  # quoted text cannot pipe or redirect
    if "GITHUB_STEP_SUMMARY" in rest:
        return True
    return not re.search(r"\||(?<![0-9&])>|&>", rest)


def _echo_findings(step: Step, job: Job, wf: Workflow, secret_names: set[str], label: str) -> list[Finding]:
    if not step.run:
        return []
    env: dict[str, str] = {}
    for scope in (wf.data.get("env"), job.raw.get("env"), step.raw.get("env")):
        if isinstance(scope, dict):
            env.update({str(k): str(v) for k, v in scope.items()})
    secret_vars = {k for k, v in env.items() if SECRET_EXPR.search(v)} | (secret_names & set(env))
    run_line = line_of(step.raw, "run")
    base = run_line + (1 if isinstance(step.raw.get("run"), str) and "\n" in step.raw["run"] else 0)
    out = []
    for offset, text in enumerate(step.run.splitlines()):
        if not ECHO_RE.search(text) or not prints_to_log(text):
            continue
        leaked = SECRET_EXPR.findall(text) + [v for v in sorted(secret_vars)
                                              if re.search(rf"\$\{{?{re.escape(v)}\b", text)]
        if leaked:
            out.append(Finding("secret-echo", "error", wf.file, base + offset if base else step.line,
                               f"{label} prints secret {', '.join(sorted(set(leaked)))} to the log",
                               "never echo secrets; pass them through env: to the program that needs them"))
    return out
