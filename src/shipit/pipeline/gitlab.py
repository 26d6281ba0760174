"""GitLab CI: jobs (with ``extends``, ``default:``, ``include: template``), the stage/needs graph, and
GitLab-only checks."""

from __future__ import annotations

import re
from typing import Any

from shipit.core.yamlpos import line_of
from shipit.pipeline.config import PipelineConfig
from shipit.pipeline.github import prints_to_log
from shipit.pipeline.model import Finding, Job, Step, Workflow, flatten_text
from shipit.pipeline.recognise import Recogniser, job_name_categories, step_categories

KEYWORDS = {"default", "include", "stages", "variables", "workflow", "image", "services", "before_script",
            "after_script", "cache", "spec"}
DEFAULT_STAGES = ["build", "test", "deploy"]
INHERITED = ("image", "services", "before_script", "after_script")
NOT_DEPLOY_ACTIONS = {"stop", "prepare", "verify", "access"}
SECRETY = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY|CREDENTIALS)", re.IGNORECASE)
ECHO_RE = re.compile(r"\b(echo|printf|cat|tee)\b")

# Jobs that GitLab's security templates add (all in the `test` stage), and the hidden base job through
# which the template sets `allow_failure: true` on its analyzer jobs (None: not checked).
TEMPLATE_JOBS = {
    "Security/SAST": ("sast", ".sast-analyzer"),
    "Jobs/SAST": ("sast", ".sast-analyzer"),
    "Security/Dependency-Scanning": ("dependency_scanning", ".ds-analyzer"),
    "Jobs/Dependency-Scanning": ("dependency_scanning", ".ds-analyzer"),
    "Security/Secret-Detection": ("secret_detection", ".secret-analyzer"),
    "Jobs/Secret-Detection": ("secret_detection", ".secret-analyzer"),
    "Security/Container-Scanning": ("container_scanning", None),
    "Jobs/Container-Scanning": ("container_scanning", None),
}


def _merge(base: Any, over: Any) -> Any:
    """GitLab's extends: hashes merge deeply, everything else (arrays included) is replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base.get(k), v) if k in base else v
        return out
    return over


def _resolve(name: str, data: dict, seen: tuple = ()) -> dict:
    spec = data.get(name)
    if not isinstance(spec, dict) or name in seen:
        return {}
    parents = spec.get("extends")
    parents = [parents] if isinstance(parents, str) else list(parents) if isinstance(parents, list) else []
    merged: dict = {}
    for parent in parents:
        merged = _merge(merged, _resolve(str(parent), data, seen + (name,)))
    return _merge(merged, {k: v for k, v in spec.items() if k != "extends"})


def _lines(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    out = []
    for v in value if isinstance(value, list) else [value]:
        out += _lines(v) if isinstance(v, list) else [str(v)]
    return out


def _image_name(image: Any) -> str:
    return str(image.get("name") or "") if isinstance(image, dict) else str(image or "")


def stages_of(data: dict) -> list[str]:
    stages = data.get("stages")
    stages = [str(s) for s in stages] if isinstance(stages, list) else list(DEFAULT_STAGES)
    return [".pre", *[s for s in stages if s not in (".pre", ".post")], ".post"]


def includes(data: dict) -> list[tuple[str, int]]:
    """(template name without .gitlab-ci.yml, line) for each ``include: template:``."""
    inc = data.get("include")
    items = inc if isinstance(inc, list) else [inc] if inc else []
    out = []
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("template"):
            line = line_of(inc, i) if isinstance(inc, list) else line_of(data, "include")
            out.append((re.sub(r"\.gitlab-ci\.ya?ml$", "", str(item["template"])), line))
    return out


def local_includes(data: Any) -> list[str]:
    """Paths of ``include: local:`` files (and plain-string includes that are not URLs)."""
    inc = data.get("include") if isinstance(data, dict) else None
    items = inc if isinstance(inc, list) else [inc] if inc else []
    out = []
    for item in items:
        path = item.get("local") if isinstance(item, dict) else item if isinstance(item, str) else None
        if isinstance(path, str) and "://" not in path:
            out.append(path.lstrip("/"))
    return out


def parse(wf: Workflow, recognisers: dict[str, Recogniser]) -> None:
    if not isinstance(wf.data, dict):
        return
    # Local includes are merged first; the including file's keys win (GitLab's merge order).
    sources = [(inc.file, inc.data) for inc in wf.includes if isinstance(inc.data, dict)] + [(wf.file, wf.data)]
    data: dict = {}
    origin: dict[str, tuple[str, Any]] = {}
    for file, tree in sources:
        for key, value in tree.items():
            data[str(key)] = value
            origin[str(key)] = (file, tree)
    stages = stages_of(data)
    default = dict(data.get("default") or {}) if isinstance(data.get("default"), dict) else {}
    for key in INHERITED:  # old-style top-level defaults
        if key in data and key not in default:
            default[key] = data[key]

    for template, line in includes(wf.data):
        if template not in TEMPLATE_JOBS:
            continue
        job_id, base = TEMPLATE_JOBS[template]
        job = Job("gitlab", wf.file, job_id, line, name=f"{job_id} (from template {template})", stage="test",
                  synthetic=True, raw={})
        override = data.get(base) if base else None
        if base and not (isinstance(override, dict) and override.get("allow_failure") is False):
            job.soft_fail, job.soft_fail_line = True, line
            job.soft_fail_note = (f"the {template} template sets `allow_failure: true` on its analyzer jobs "
                                  f"(through `{base}`)", f"add `{base}: {{allow_failure: false}}` to {wf.file}")
        job.steps = [Step(0, line, uses=f"template:{template}")]
        job.categories = step_categories(recognisers, f"template:{template}", "")
        wf.jobs[job_id] = job

    for name, raw in data.items():
        name = str(name)
        if name in KEYWORDS or name.startswith(".") or not isinstance(raw, dict):
            continue
        spec = _resolve(name, data)
        if "script" not in spec and "trigger" not in spec and "run" not in spec:
            continue  # not a job (schema checks report it)
        inherit = spec.get("inherit", {}).get("default", True) if isinstance(spec.get("inherit"), dict) else True
        if inherit is not False:
            for key in INHERITED:
                if key not in spec and key in default and (inherit is True or key in inherit):
                    spec[key] = default[key]
        if name in wf.jobs:  # a user job overriding a template job of the same name
            del wf.jobs[name]
        file, tree = origin[name]
        job = Job("gitlab", file, name, line_of(tree, name), raw=raw, stage=str(spec.get("stage") or "test"))
        script = "\n".join(_lines(spec.get("before_script")) + _lines(spec.get("script")))
        image = _image_name(spec.get("image"))
        step = Step(0, line_of(raw, "script") or job.line, uses=image, run=script, raw=raw)
        step.categories = step_categories(recognisers, image, script)
        job.steps = [step]
        job.categories = set(step.categories) | job_name_categories(recognisers, name)
        rules = spec.get("rules") if isinstance(spec.get("rules"), list) else []
        whens = [spec.get("when")] + [r.get("when") for r in rules if isinstance(r, dict)]
        if "always" in whens or "on_failure" in whens:
            job.runs_on_failure = "when: always" if "always" in whens else "when: on_failure"
            job.runs_on_failure_line = line_of(raw, "when") or line_of(raw, "rules") or job.line
        allow = spec.get("allow_failure")
        if allow is True or isinstance(allow, dict):
            owner = raw if "allow_failure" in raw else None
            job.soft_fail, job.soft_fail_line = True, line_of(owner, "allow_failure") if owner else job.line
        env = spec.get("environment")
        action = env.get("action", "start") if isinstance(env, dict) else "start"
        env_name = env.get("name") if isinstance(env, dict) else env
        if isinstance(env_name, (str, int, float)) and str(env_name) and action not in NOT_DEPLOY_ACTIONS:
            job.environment = str(env_name)
            job.environment_line = line_of(raw, "environment") or job.line
            job.environment_tier = str(env.get("deployment_tier") or "") if isinstance(env, dict) else ""
            job.categories.add("deploy")
        job.text = flatten_text(spec)
        job.raw = {"__resolved__": spec, "__raw__": raw}
        wf.jobs[name] = job

    # The graph: `needs:` if given (needs: [] means "start at once"), else every job of earlier stages.
    order = {s: i for i, s in enumerate(stages)}
    for job in wf.jobs.values():
        spec = job.raw.get("__resolved__", {}) if isinstance(job.raw, dict) else {}
        if "needs" in spec and isinstance(spec["needs"], list):
            names = []
            for n in spec["needs"]:
                if isinstance(n, dict):
                    if "job" in n and "project" not in n and "pipeline" not in n:
                        names.append(str(n["job"]))
                else:
                    names.append(str(n))
            job.needs = [wf.jobs[n].key for n in names if n in wf.jobs]
        else:
            mine = order.get(job.stage, len(order))
            job.needs = [other.key for other in wf.jobs.values() if order.get(other.stage, len(order)) < mine]


def check(wf: Workflow, policy: PipelineConfig, secret_names: set[str]) -> list[Finding]:
    out: list[Finding] = []
    data = wf.data if isinstance(wf.data, dict) else {}
    reported: set[tuple[str, int]] = set()

    def image_finding(image: Any, line: int, who: str, file: str = wf.file) -> None:
        name = _image_name(image)
        if name and "@sha256:" not in name and "$" not in name and (file, line) not in reported:
            reported.add((file, line))
            out.append(Finding("unpinned-image", "warning", file, line,
                               f"{who} uses image '{name}' by tag, not by digest",
                               "pin it as IMAGE@sha256:<digest> so a re-pushed tag cannot change what runs"))

    default = data.get("default") if isinstance(data.get("default"), dict) else {}
    for owner, who in ((data, "the pipeline"), (default, "default:")):
        if owner.get("image"):
            image_finding(owner["image"], line_of(owner, "image"), who)
    for job in wf.jobs.values():
        if job.synthetic:
            continue
        raw = job.raw["__raw__"]
        if raw.get("image"):
            image_finding(raw["image"], line_of(raw, "image"), f"job '{job.id}'", job.file)
        for i, svc in enumerate(raw.get("services") if isinstance(raw.get("services"), list) else []):
            image_finding(svc, line_of(raw["services"], i), f"service of job '{job.id}'", job.file)
        # secrets echoed in scripts
        script = raw.get("script")
        items = script if isinstance(script, list) else [script] if isinstance(script, str) else []
        for i, cmd in enumerate(items):
            if not isinstance(cmd, str) or not ECHO_RE.search(cmd) or not prints_to_log(cmd):
                continue
            names = set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", cmd))
            leaked = sorted(n for n in names if n in secret_names or SECRETY.search(n))
            if leaked:
                line = line_of(script, i) if isinstance(script, list) else line_of(raw, "script")
                out.append(Finding("secret-echo", "error", job.file, line,
                                   f"job '{job.id}' prints secret variable {', '.join(leaked)} to the job log",
                                   "never echo secrets; mark the variable masked and pass it only to the program "
                                   "that needs it"))
    return out
