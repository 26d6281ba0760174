"""GitHub Actions workflows: jobs, steps and the checks that only make sense there."""

from __future__ import annotations

import re
from typing import Any

from shipit.core.yamlpos import line_of
from shipit.pipeline import shell
from shipit.pipeline.config import PipelineConfig
from shipit.pipeline.model import Finding, Job, Step, Workflow, flatten_text
from shipit.pipeline.recognise import (
    Found,
    Recogniser,
    job_name_categories,
    run_categories,
    uses_categories,
    uses_oidc,
)

SHA_RE = re.compile(r"^[0-9a-f]{40}$")
SECRET_EXPR = re.compile(r"\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
ENV_EXPR = re.compile(r"\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
ALWAYS_RE = re.compile(r"\balways\(\)|!\s*cancelled\(\)|\bfailure\(\)")
RESULT_OK = re.compile(r"needs\.([\w-]+)\.(?:result|outputs\.[\w-]+)\s*==\s*'success'")
NO_FAILURE = re.compile(r"!\s*contains\(\s*needs\.\*\.result\s*,\s*'failure'\s*\)|"
                        r"contains\(\s*needs\.\*\.result\s*,\s*'failure'\s*\)\s*==\s*false")
PR_HEAD_RE = re.compile(r"github\.event\.pull_request\.(?:head\.|merge_commit_sha)|github\.head_ref|"
                        r"refs/pull/|github\.event\.number|github\.event\.pull_request\.number")
PR_RUN_RE = re.compile(r"\bgh\s+pr\s+checkout\b|\bgit\s+(?:fetch|checkout|pull)\b.*\bpull/[^/\s]+/(?:head|merge)\b")
MATRIX_EXPR = re.compile(r"\$\{\{\s*matrix\.([\w-]+)\s*\}\}")
LOCAL_PREFIXES = ("./", "$/")  # `$/` is the self-repository reference (same repository, same commit)


def triggers(data: Any) -> dict[str, Any]:
    on = data.get("on", data.get(True)) if isinstance(data, dict) else None
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {str(t): None for t in on}
    if isinstance(on, dict):
        return {str(k): v for k, v in on.items()}
    return {}


def is_local(ref: str) -> bool:
    return ref.startswith(LOCAL_PREFIXES)


def local_path(ref: str) -> str:
    return ref.split("@", 1)[0][2:]


def matrix_values(spec: dict) -> dict[str, list[Any]]:
    """Every value each matrix key takes (from its lists and from include: entries)."""
    strategy = spec.get("strategy")
    matrix = strategy.get("matrix") if isinstance(strategy, dict) else None
    out: dict[str, list[Any]] = {}
    if not isinstance(matrix, dict):
        return out
    for key, values in matrix.items():
        if key in ("include", "exclude"):
            continue
        out[str(key)] = list(values) if isinstance(values, list) else [values]
    for entry in matrix.get("include") or [] if isinstance(matrix.get("include"), list) else []:
        if isinstance(entry, dict):
            for key, value in entry.items():
                out.setdefault(str(key), []).append(value)
    return out


def _expand(text: str, matrix: dict[str, list[Any]]) -> str:
    """The run text with each ``${{ matrix.x }}`` replaced by each of its values (one copy per value)."""
    keys = [k for k in dict.fromkeys(MATRIX_EXPR.findall(text)) if k in matrix]
    if not keys:
        return text
    variants = [text]
    for key in keys:
        values = [v for v in matrix[key] if isinstance(v, (str, int, float, bool))][:20]
        if values:
            variants = [MATRIX_EXPR.sub(lambda m, k=key, v=v: str(v) if m.group(1) == k else m.group(0), t)
                        for t in variants for v in values][:50]
    return "\n".join(variants)


def _continue_on_error(value: Any, matrix: dict[str, list[Any]]) -> str:
    """'' when failures fail the job, else why they may not."""
    if value is True:
        return "`continue-on-error: true`"
    if isinstance(value, str) and "${{" in value:
        m = re.fullmatch(r"\$\{\{\s*matrix\.([\w-]+)\s*\}\}", value.strip())
        if m and m.group(1) in matrix and all(v is False or str(v).lower() == "false" for v in matrix[m.group(1)]):
            return ""
        return f"`continue-on-error: {value}`, true for some runs"
    return ""


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
            checked = set(RESULT_OK.findall(cond))
            if NO_FAILURE.search(cond):
                checked |= {str(n) for n in needs}
            job.runs_on_failure, job.runs_on_failure_line = f"if: {cond}", line_of(spec, "if")
            job.result_checked = {f"{wf.file}#{n}" for n in checked}
            if "failure()" in cond.replace("!failure()", ""):
                job.result_checked = set()
        matrix = matrix_values(spec)
        why = _continue_on_error(spec.get("continue-on-error"), matrix)
        if why:
            job.soft_fail, job.soft_fail_line, job.soft_reason = True, line_of(spec, "continue-on-error"), why
        env = spec.get("environment")
        env_url = ""
        if isinstance(env, dict):
            env_url = str(env.get("url") or "")
            env = env.get("name")
        if isinstance(env, (str, int, float)) and str(env):
            job.environment, job.environment_line = str(env), line_of(spec, "environment")
            job.environment_url = env_url
        if isinstance(spec.get("uses"), str):
            job.uses_workflow = spec["uses"]
        steps = spec.get("steps") if isinstance(spec.get("steps"), list) else []
        found = Found()
        for i, st in enumerate(steps):
            if not isinstance(st, dict):
                continue
            run = st.get("run")
            step = Step(i, line_of(steps, i), name=str(st.get("name") or ""),
                        uses=str(st.get("uses") or ""), run=str(run) if isinstance(run, str) else "",
                        with_=dict(st.get("with") or {}) if isinstance(st.get("with"), dict) else {}, raw=st)
            why = _continue_on_error(st.get("continue-on-error"), matrix)
            if why:
                step.continue_on_error, step.continue_on_error_line, step.soft_reason = (
                    True, line_of(st, "continue-on-error"), why)
            step_found = _step_found(recognisers, step, matrix)
            step.categories = step_found.all
            if step.continue_on_error:
                step_found = Found(set(), {c: why for c in step_found.all})
            step.soft_categories = set(step_found.soft)
            found.add(step_found, offset=(i + 1) * 1000)
            if uses_oidc(step.uses, step.run):
                job.oidc = True
            job.steps.append(step)
        found.settle()
        job.categories = found.all
        job.soft_categories = dict(found.soft)
        job.first_at = dict(found.first)
        if job.uses_workflow:
            job.categories |= uses_categories(recognisers, job.uses_workflow)
            if re.search(r"^slsa-framework/slsa-github-generator/", job.uses_workflow):
                job.oidc = True
        if not job.categories - {"release", "deploy"}:
            job.categories |= job_name_categories(recognisers, job.id, job.name)
        job.text = flatten_text(spec)
        job.pages = any(s.uses.split("@")[0] == "actions/deploy-pages" for s in job.steps) or \
            job.environment == "github-pages"
        wf.jobs[job.id] = job


def _step_found(recognisers: dict[str, Recogniser], step: Step, matrix: dict[str, list[Any]]) -> Found:
    action = step.uses.split("@", 1)[0]
    found = Found(uses_categories(recognisers, step.uses))
    found.first = {c: 0 for c in found.hard}
    args = str(step.with_.get("args") or "")
    if action == "goreleaser/goreleaser-action":  # what it does is in `args`
        found.hard.discard("release")
        found.first.pop("release", None)
        if re.match(r"\s*release\b", args) and "--snapshot" not in args:
            found.hard.add("release")
            found.first["release"] = 0
    if action == "docker/build-push-action":
        push = step.with_.get("push")
        if push is True or (isinstance(push, str) and push.strip().lower() not in ("false", "")):
            found.hard.add("release")
            found.first["release"] = 0
    run = _expand(step.run, matrix)
    if run:
        found.add(run_categories(recognisers, run))
    found.settle()
    return found


# --- checks ------------------------------------------------------------------------------------------


def _pin_findings(ref: str, line: int, wf: Workflow, policy: PipelineConfig, what: str, job: str) -> list[Finding]:
    if not ref or is_local(ref):
        return []
    if ref.startswith("docker://"):
        if "@sha256:" in ref:
            return []
        return [Finding("unpinned-image", "warning", wf.file, line,
                        f"{what} uses container image '{ref[9:]}' by tag, not by digest",
                        "pin it as docker://IMAGE@sha256:<digest> so a re-pushed tag cannot change what runs",
                        job=job)]
    name, _, version = ref.partition("@")
    if SHA_RE.match(version):
        return []
    if name.startswith("slsa-framework/slsa-github-generator/") and re.match(r"^v\d+\.\d+\.\d+$", version):
        return []  # the generator verifies its own builder by tag; a SHA pin breaks that check (its README)
    owner = name.split("/", 1)[0].lower()
    first_party = owner in {o.lower() for o in policy.first_party_owners}
    return [Finding("unpinned-action", "warning" if first_party else "error", wf.file, line,
                    f"{what} uses '{ref}', which is not pinned to a full commit SHA"
                    + (" (first-party action)" if first_party else ""),
                    f"pin it: uses: {name}@<40-hex commit sha>  # {version or 'tag'} — a tag can be moved by "
                    "whoever controls the action's repository", job=job)]


def _permission_findings(wf: Workflow, policy: PipelineConfig) -> list[Finding]:
    data = wf.data
    out: list[Finding] = []
    allowed = set(policy.id_token_categories)

    def inspect(perms: Any, line: int, scope: str, jobs: list[Job], job_id: str = "") -> None:
        if perms == "write-all":
            out.append(Finding("permissions-write-all", "error", wf.file, line,
                               f"{scope} grants `permissions: write-all` to the GITHUB_TOKEN",
                               "list only what is needed, e.g. permissions: {contents: read}", job=job_id))
        elif isinstance(perms, dict) and perms.get("id-token") == "write":
            offenders = [j for j in jobs if not (j.categories & allowed) and not j.oidc]
            if offenders:
                out.append(Finding(
                    "id-token-write", "error", wf.file, line_of(perms, "id-token") or line,
                    f"{scope} grants `id-token: write` to "
                    + ", ".join(f"'{j.id}'" for j in offenders)
                    + ", which never uses an OIDC token (no trusted publishing, Pages deploy, attestation, "
                      "keyless signing or cloud login)",
                    "request id-token: write only in the job that uses it (an OIDC token can impersonate the "
                    "workflow to every service that trusts it)", job=job_id))

    top = data.get("permissions") if isinstance(data, dict) else None
    jobs = list(wf.jobs.values())
    if top is not None:
        no_own = [j for j in jobs if j.raw.get("permissions") is None]
        inspect(top, line_of(data, "permissions"), "the workflow", no_own)
    for job in jobs:
        perms = job.raw.get("permissions")
        if perms is not None:
            inspect(perms, line_of(job.raw, "permissions"), f"job '{job.id}'", [job], job.id)
        elif top is None and not job.uses_workflow and job.checked:  # called workflows get the caller's token
            out.append(Finding("permissions-missing", "warning", wf.file, job.line,
                               f"job '{job.id}' sets no `permissions:` and the workflow has none either, so the "
                               "GITHUB_TOKEN gets the repository default (possibly read-write)",
                               "add a top-level `permissions: {contents: read}` and widen it per job", job=job.id))
    return out


def check(wf: Workflow, policy: PipelineConfig, secret_names: set[str]) -> list[Finding]:
    out: list[Finding] = []
    pr_target = "pull_request_target" in wf.triggers
    for job in wf.jobs.values():
        if job.uses_workflow:
            out += _pin_findings(job.uses_workflow, line_of(job.raw, "uses"), wf, policy, f"job '{job.id}'", job.id)
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
                                   "pin it as IMAGE@sha256:<digest>", job=job.id))
        for step in job.steps:
            label = f"step {step.index + 1} of job '{job.id}'" + (f" ({step.name})" if step.name else "")
            out += _pin_findings(step.uses, line_of(step.raw, "uses") or step.line, wf, policy, label, job.id)
            if pr_target:
                out += _pr_target(step, wf, job, label)
            out += _echo_findings(step, job, wf, secret_names, label)
    out += _permission_findings(wf, policy)
    return out


def _pr_target(step: Step, wf: Workflow, job: Job, label: str) -> list[Finding]:
    hit = ""
    if step.uses.split("@")[0] == "actions/checkout":
        ref = str(step.with_.get("ref") or "") + " " + str(step.with_.get("repository") or "")
        if PR_HEAD_RE.search(ref):
            hit, line = "checks out the pull request's code", line_of(step.raw, "with") or step.line
    elif step.run and PR_RUN_RE.search(step.run):
        hit, line = "fetches the pull request's code", line_of(step.raw, "run") or step.line
    if not hit:
        return []
    return [Finding("pr-target-checkout", "error", wf.file, line,
                    f"{label} {hit} in a `pull_request_target` workflow (head or merge commit): untrusted code "
                    "runs with the base repository's secrets and write token",
                    "use `pull_request` for building PR code, or never execute the checked-out code",
                    job=job.id)]


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
    seen: set[int] = set()
    for cmd in shell.commands(step.run):
        text = shell.printed(cmd)
        if not text:
            continue
        leaked = SECRET_EXPR.findall(text) + [v for v in sorted(secret_vars)
                                              if re.search(rf"\$\{{?{re.escape(v)}\b", text)
                                              or re.search(rf"\$\{{\{{\s*env\.{re.escape(v)}\s*\}}\}}", text)]
        if leaked and cmd.line not in seen:
            seen.add(cmd.line)
            where = " (to stderr, which the log shows too)" if re.search(r">&\s*2\b", cmd.text) else ""
            out.append(Finding("secret-echo", "error", wf.file, base + cmd.line if base else step.line,
                               f"{label} prints secret {', '.join(sorted(set(leaked)))} to the log{where}",
                               "never print secrets (stderr reaches the log too); pass them through env: to the "
                               "program that needs them", job=job.id))
    return out
