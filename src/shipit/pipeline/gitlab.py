"""GitLab CI: the merged configuration (local includes, the offline table of templates and components),
``!reference`` tags, ``extends``, ``default:``, the rules of each job per kind of pipeline, and GitLab-only
checks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from shipit.core.yamlpos import line_of
from shipit.pipeline import catalog, rules, shell
from shipit.pipeline.config import PipelineConfig
from shipit.pipeline.model import Finding, Job, Step, Workflow, flatten_text
from shipit.pipeline.recognise import (
    Found,
    Recogniser,
    job_name_categories,
    run_categories,
    uses_categories,
)

KEYWORDS = {"default", "include", "stages", "variables", "workflow", "image", "services", "before_script",
            "after_script", "cache", "spec"}
DEFAULT_STAGES = ["build", "test", "deploy"]
INHERITED = ("image", "services", "before_script", "after_script")
SECRETY = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY|CREDENTIALS?|_KEY$)", re.IGNORECASE)
PATHY = re.compile(r"(_FILE|_PATH|_DIR|_URL|_NAME|_ID|_USER|_USERNAME|_EXPIRY|_EXPIRES)$", re.IGNORECASE)
MAX_REFERENCE_DEPTH = 10  # GitLab resolves nested !reference tags up to 10 levels
NOT_DEPLOY_ACTIONS = {"stop", "prepare", "verify", "access"}  # environment: action: ... that deploys nothing


class Unresolved:
    """A ``!reference`` whose target shipit cannot see (it lives in an include it cannot read)."""

    def __init__(self, path: list[str]):
        self.path = path

    def __repr__(self) -> str:
        return f"!reference [{', '.join(self.path)}]"


@dataclass
class Merged:
    """The pipeline as GitLab assembles it before expanding jobs."""

    data: dict[str, Any]
    origin: dict[str, tuple[str, Any]]  # key -> (file, the file's tree) of its last definition
    labels: dict[str, str]  # key -> template/component that defines it
    include_lines: dict[str, int]  # template/component label -> line of its include in the root file
    remote: list[tuple[str, int, str]] = field(default_factory=list)  # (description, line, file) unreadable
    releasing_components: list[tuple[str, int, str]] = field(default_factory=list)
    missing: list[Finding] = field(default_factory=list)


def _merge(base: Any, over: Any) -> Any:
    """GitLab's deep merge (extends, includes): hashes merge, everything else (arrays included) is replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base.get(k), v) if k in base else v
        return out
    return over


def include_items(data: Any) -> list[tuple[dict[str, Any], int]]:
    """Every ``include:`` entry as a mapping (strings become ``local``/``remote``), with its line."""
    inc = data.get("include") if isinstance(data, dict) else None
    items = inc if isinstance(inc, list) else [inc] if inc else []
    out = []
    for i, item in enumerate(items):
        line = line_of(inc, i) if isinstance(inc, list) else line_of(data, "include")
        if isinstance(item, str):
            item = {"remote": item} if "://" in item else {"local": item}
        if isinstance(item, dict):
            out.append((item, line))
    return out


def local_includes(data: Any) -> list[str]:
    """Paths of ``include: local:`` files (and plain-string includes that are not URLs)."""
    out = []
    for item, _line in include_items(data):
        path = item.get("local")
        paths = path if isinstance(path, list) else [path]
        out += [p.lstrip("/") for p in paths if isinstance(p, str) and "://" not in p and "$" not in p]
    return out


def merged(wf: Workflow) -> Merged:
    trees = [(inc.file, inc.data) for inc in wf.includes if isinstance(inc.data, dict)] + [(wf.file, wf.data)]
    m = Merged({}, {}, {}, {})
    for file, tree in trees:
        for item, line in include_items(tree):
            label_spec = None
            if isinstance(item.get("template"), str):
                label_spec = catalog.template(item["template"])
                if label_spec is None:
                    m.remote.append((f"template {item['template']}", line, file))
            elif isinstance(item.get("component"), str):
                ref = item["component"]
                label_spec = catalog.component(ref, item.get("inputs"))
                if label_spec is None and not catalog.quiet_component(ref):
                    m.remote.append((f"component {ref}", line, file))
                    if catalog.releasing_component(ref, item.get("inputs")):
                        m.releasing_components.append((ref, line, file))
            elif item.get("project") is not None:
                m.remote.append((f"project {item['project']}", line, file))
            elif item.get("remote") is not None:
                m.remote.append((f"remote {item['remote']}", line, file))
            if label_spec is None:
                continue
            label, spec = label_spec
            m.include_lines.setdefault(label, line)
            for key, value in spec.items():
                m.data[key] = _merge(m.data.get(key), value)
                m.labels[key] = label
    for file, tree in trees:
        for key, value in tree.items():
            key = str(key)
            m.data[key] = _merge(m.data.get(key), value) if key in m.data else value
            m.origin[key] = (file, tree)
    return m


# --- !reference and extends -------------------------------------------------------------------------------


def _is_reference(node: Any) -> bool:
    tag = getattr(node, "tag", None)
    return isinstance(node, CommentedSeq) and getattr(tag, "value", None) == "!reference"


class Resolver:
    """Resolves ``!reference`` tags and ``extends`` over the merged configuration."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.extended: dict[str, dict] = {}
        self.missing_parents: dict[str, list[str]] = {}

    def lookup(self, path: list[str], depth: int) -> Any:
        node: Any = self.data
        for i, part in enumerate(path):
            if i == 0:
                node = self.data.get(part)
                if isinstance(node, dict) and len(path) > 1 and path[1] not in node and "extends" in node:
                    node = self.extend(part)
            elif isinstance(node, dict):
                node = node.get(part)
            else:
                node = None
            if node is None:
                return Unresolved(path)
        return self.deref(node, depth + 1)

    def deref(self, value: Any, depth: int = 0) -> Any:
        if depth > MAX_REFERENCE_DEPTH:
            return Unresolved(["(nested too deeply)"])
        if _is_reference(value):
            return self.lookup([str(p) for p in value], depth)
        if isinstance(value, dict):
            return {k: self.deref(v, depth) for k, v in value.items()}
        if isinstance(value, list):
            out: list = []
            for item in value:
                resolved = self.deref(item, depth)
                if _is_reference(item) and isinstance(resolved, list):
                    out.extend(resolved)
                else:
                    out.append(resolved)
            return out
        return value

    def extend(self, name: str, seen: tuple = ()) -> dict:
        if name in self.extended:
            return self.extended[name]
        spec = self.data.get(name)
        if not isinstance(spec, dict) or name in seen:
            return {}
        parents = spec.get("extends")
        parents = [parents] if isinstance(parents, str) else list(parents) if isinstance(parents, list) else []
        result: dict = {}
        for parent in parents:
            parent = str(parent)
            if parent not in self.data:
                self.missing_parents.setdefault(name, []).append(parent)
                continue
            result = _merge(result, self.extend(parent, seen + (name,)))
            for p in self.missing_parents.get(parent, []):
                self.missing_parents.setdefault(name, []).append(p)
        result = _merge(result, {k: v for k, v in self.deref(dict(spec)).items() if k != "extends"})
        self.extended[name] = result
        return result


def _unresolved_in(value: Any) -> list[str]:
    if isinstance(value, Unresolved):
        return [repr(value)]
    if isinstance(value, dict):
        return [u for v in value.values() for u in _unresolved_in(v)]
    if isinstance(value, list):
        return [u for v in value for u in _unresolved_in(v)]
    return []


def _lines(value: Any) -> list[str]:
    if value is None or isinstance(value, Unresolved):
        return []
    if isinstance(value, str):
        return [value]
    out = []
    for v in value if isinstance(value, list) else [value]:
        out += _lines(v) if isinstance(v, list) else [] if isinstance(v, Unresolved) else [str(v)]
    return out


def _image_name(image: Any) -> str:
    return str(image.get("name") or "") if isinstance(image, dict) else str(image or "")


def stages_of(data: dict) -> list[str]:
    stages = data.get("stages")
    stages = [str(s) for s in stages] if isinstance(stages, list) else list(DEFAULT_STAGES)
    return [".pre", *[s for s in stages if s not in (".pre", ".post")], ".post"]


# --- parse --------------------------------------------------------------------------------------------------


def parse(wf: Workflow, recognisers: dict[str, Recogniser]) -> None:
    if not isinstance(wf.data, dict):
        return
    m = merged(wf)
    wf.gitlab = m
    resolver = Resolver(m.data)
    data = m.data
    stages = stages_of(data)
    order = {s: i for i, s in enumerate(stages)}
    workflow = resolver.deref(data.get("workflow")) if isinstance(data.get("workflow"), dict) else None
    wf.pipeline_sources = rules.workflow_sources(workflow)
    default = resolver.deref(dict(data["default"])) if isinstance(data.get("default"), dict) else {}
    for key in INHERITED:  # old-style top-level defaults
        if key in data and key not in default:
            default[key] = resolver.deref(data[key])
    remote = bool(m.remote)

    for name, raw in data.items():
        if name in KEYWORDS or name.startswith(".") or not isinstance(raw, dict):
            continue
        spec = resolver.extend(name)
        label = m.labels.get(name, "")
        user_defined = name in m.origin
        stub = False
        if "script" not in spec and "trigger" not in spec and "run" not in spec:
            if not (remote and user_defined and name not in m.labels):
                continue  # not a job (schema checks report it)
            stub = True  # only overridden here: the job itself comes from an include shipit cannot read
        inherit = spec.get("inherit", {}).get("default", True) if isinstance(spec.get("inherit"), dict) else True
        if inherit is not False:
            for key in INHERITED:
                if key not in spec and key in default and (inherit is True or key in inherit):
                    spec[key] = default[key]
        if user_defined:
            file, tree = m.origin[name]
            line = line_of(tree, name)
            own = tree[name] if isinstance(tree.get(name), dict) else {}
        else:
            file, line, own = wf.file, m.include_lines.get(label, 1), {}
        job = Job("gitlab", file, name, line, raw={"__resolved__": spec, "__raw__": own},
                  stage=str(spec.get("stage") or "test"), synthetic=not user_defined, origin=label, stub=stub)
        job.unresolved = sorted(set(_unresolved_in({k: spec.get(k) for k in ("before_script", "script", "rules")})
                                    + [f"extends {p}" for p in resolver.missing_parents.get(name, [])]))
        _categorise(job, spec, recognisers)
        _outcomes(job, spec, own, wf, label, m)
        _environment(job, spec, own)
        job.text = flatten_text({k: v for k, v in spec.items() if not str(k).startswith("__")})
        job.stage_order = order.get(job.stage, len(order))
        job.explicit_needs = None
        if "needs" in spec and isinstance(spec["needs"], list):
            names = []
            for n in spec["needs"]:
                if isinstance(n, dict):
                    if "job" in n and "project" not in n and "pipeline" not in n:
                        names.append(str(n["job"]))
                elif not isinstance(n, Unresolved):
                    names.append(str(n))
            job.explicit_needs = names
        wf.jobs[name] = job
        if not remote:
            for parent in resolver.missing_parents.get(name, []):
                if parent not in m.data:
                    wf.reference_errors.append((file, line_of(own, "extends") or line, name,
                                                f"extends '{parent}'"))
            for ref in _unresolved_in({k: spec.get(k) for k in ("before_script", "script", "after_script",
                                                                 "rules", "variables", "image")}):
                wf.reference_errors.append((file, line, name, ref))

    for job in wf.jobs.values():
        if job.explicit_needs is not None:
            job.needs = [wf.jobs[n].key for n in job.explicit_needs if n in wf.jobs]
        else:
            job.needs = [o.key for o in wf.jobs.values() if o.stage_order < job.stage_order]


def _categorise(job: Job, spec: dict, recognisers: dict[str, Recogniser]) -> None:
    script = "\n".join(_lines(spec.get("before_script")) + _lines(spec.get("script")))
    image = _image_name(spec.get("image"))
    found = Found(uses_categories(recognisers, image) if image else set())
    category = spec.get("__category__")
    if isinstance(category, str):
        found.hard.add(category)
    else:
        found.add(run_categories(recognisers, script))
    found.settle()
    step = Step(0, line_of(job.raw["__raw__"], "script") or job.line, uses=image, run=script,
                raw=job.raw["__raw__"])
    step.categories = found.all
    step.soft_categories = set(found.soft)
    job.steps = [step]
    job.categories = found.all
    job.soft_categories = dict(found.soft)
    job.first_at = dict(found.first)
    if job.origin:
        job.name = f"{job.id} (from {job.origin})"
    if not job.categories - {"release", "deploy"} and not job.stub:
        job.categories |= job_name_categories(recognisers, job.id)


def _outcomes(job: Job, spec: dict, own: dict, wf: Workflow, label: str, m: Merged) -> None:
    outcomes = rules.job_outcomes(spec)
    job.outcomes = {s: (o if s in wf.pipeline_sources else {("never", False)}) for s, o in outcomes.items()}
    runs = {s: {o for o in v if o[0] != "never"} for s, v in job.outcomes.items()}
    whens = {w for v in runs.values() for w, _soft in v}
    if "always" in whens or "on_failure" in whens:
        job.runs_on_failure = "when: always" if "always" in whens else "when: on_failure"
        job.runs_on_failure_line = line_of(own, "when") or line_of(own, "rules") or job.line
    soft_sources = [s for s, v in runs.items() if v and all(soft for _w, soft in v)]
    if not soft_sources:
        return
    job.soft_fail = True
    allow = spec.get("allow_failure")
    if label and "allow_failure" not in own:
        base = next((b for b in (".sast-analyzer", ".ds-analyzer", ".secret-analyzer", ".iac-sast-analyzer")
                     if b in m.data and job.id in _descendants(m.data, b)), None)
        job.soft_reason = (f"the {label.split(' ', 1)[1] if ' ' in label else label} "
                           f"{label.split(' ', 1)[0]} sets `allow_failure: true` on its jobs"
                           + (f" through `{base}`" if base else ""))
        job.soft_fix = (f"add `{base}: {{allow_failure: false}}` to {wf.file}" if base
                        else f"add `{job.id}: {{allow_failure: false}}` to {wf.file}")
        job.soft_fail_line = m.include_lines.get(label, job.line) if job.synthetic else job.line
    elif isinstance(allow, dict):
        job.soft_reason = "`allow_failure: exit_codes` lets it fail with those exit codes"
        job.soft_fail_line = line_of(own, "allow_failure") or job.line
    elif allow is True:
        job.soft_reason = "`allow_failure: true`"
        job.soft_fail_line = line_of(own, "allow_failure") or job.line
    else:
        manual = any(w == "manual" for v in runs.values() for w, _s in v)
        job.soft_reason = ("`when: manual`: a manual job allows failure by default, so it may fail or never run"
                           if manual else "a rule sets `allow_failure: true`")
        if manual:
            job.soft_fix = (f"run '{job.id}' automatically, or add `allow_failure: false` to it so the pipeline "
                            "waits for it to pass")
        job.soft_fail_line = line_of(own, "when") or line_of(own, "rules") or job.line
    job.soft_sources = set(soft_sources)


def _descendants(data: dict, base: str) -> set[str]:
    out: set[str] = set()
    changed = True
    parents = {base}
    while changed:
        changed = False
        for name, spec in data.items():
            if name in out or not isinstance(spec, dict):
                continue
            ext = spec.get("extends")
            ext = [ext] if isinstance(ext, str) else ext if isinstance(ext, list) else []
            if any(str(e) in parents for e in ext):
                out.add(name)
                parents.add(name)
                changed = True
    return out


def _environment(job: Job, spec: dict, own: dict) -> None:
    env = spec.get("environment")
    action = env.get("action", "start") if isinstance(env, dict) else "start"
    env_name = env.get("name") if isinstance(env, dict) else env
    if isinstance(env_name, (str, int, float)) and str(env_name) and action not in NOT_DEPLOY_ACTIONS:
        job.environment = str(env_name)
        job.environment_line = line_of(own, "environment") or job.line
        job.environment_tier = str(env.get("deployment_tier") or "") if isinstance(env, dict) else ""
        job.environment_url = str(env.get("url") or "") if isinstance(env, dict) else ""
    job.pages = job.id == "pages" or spec.get("pages") not in (None, False)


# --- checks -------------------------------------------------------------------------------------------------


def _merged_from(raw: Any, key: str, tree: Any) -> tuple[int, str]:
    """(line, name of the top-level mapping) where a key a job gets through ``<<:`` is written."""
    for source in getattr(raw, "merge", None) or []:
        if isinstance(source, CommentedMap) and key in source and key in getattr(source, "_ok", set(source)):
            owner = next((str(k) for k, v in tree.items() if v is source), "") if isinstance(tree, dict) else ""
            return line_of(source, key), owner
    return 0, ""


def check(wf: Workflow, policy: PipelineConfig, secret_names: set[str]) -> list[Finding]:
    out: list[Finding] = []
    data = wf.data if isinstance(wf.data, dict) else {}
    images: dict[tuple[str, int], dict[str, Any]] = {}  # one finding per written image, listing its jobs

    def image_finding(image: Any, line: int, who: str, file: str, job: str = "", owner: str = "") -> None:
        if not isinstance(image, (str, dict)):
            return  # an unresolvable !reference: nothing to judge
        name = _image_name(image)
        if name and "@sha256:" not in name and "$" not in name:
            entry = images.setdefault((file, line), {"name": name, "who": who, "jobs": [], "owner": owner})
            if job and job not in entry["jobs"]:
                entry["jobs"].append(job)

    default = data.get("default") if isinstance(data.get("default"), dict) else {}
    for owner, who in ((data, "the pipeline"), (default, "default:")):
        if owner.get("image"):
            image_finding(owner["image"], line_of(owner, "image"), who, wf.file)
    trees_by_file = {inc.file: inc.data for inc in wf.includes} | {wf.file: data}
    for job in wf.jobs.values():
        if job.synthetic:
            continue
        raw = job.raw["__raw__"]
        resolved = job.raw["__resolved__"]
        tree = trees_by_file.get(job.file)
        if raw.get("image"):  # the image as resolved (a !reference), at the line where the job names it
            line, owner = (line_of(raw, "image"), "") if line_of(raw, "image") else _merged_from(raw, "image", tree)
            image_finding(resolved.get("image"), line or job.line, f"job '{job.id}'", job.file, job.id, owner)
        services = raw.get("services") if isinstance(raw.get("services"), list) and not _is_reference(
            raw.get("services")) else []
        svc_line, svc_owner = (0, "") if line_of(raw, "services") else _merged_from(raw, "services", tree)
        for i, svc in enumerate(services):
            image_finding(svc, line_of(services, i) or svc_line or job.line, f"service of job '{job.id}'", job.file,
                          job.id, svc_owner)
    for (file, line), e in sorted(images.items()):
        jobs = e["jobs"]
        if len(jobs) > 1 or e["owner"]:
            shown = ", ".join(f"'{j}'" for j in jobs[:4]) + (f" and {len(jobs) - 4} more" if len(jobs) > 4 else "")
            what = "service image" if e["who"].startswith("service") else "image"
            who = (f"'{e['owner']}' (merged into {shown})" if e["owner"] else f"jobs {shown}")
            message = f"{who} use{'s' if e['owner'] else ''} {what} '{e['name']}' by tag, not by digest"
        else:
            message = f"{e['who']} uses image '{e['name']}' by tag, not by digest"
        out.append(Finding("unpinned-image", "warning", file, line, message,
                           "pin it as IMAGE@sha256:<digest> so a re-pushed tag cannot change what runs",
                           job=jobs[0] if len(jobs) == 1 else ""))
    trees = [(inc.file, inc.data) for inc in wf.includes if isinstance(inc.data, dict)] + [(wf.file, data)]
    jobs = set(wf.jobs)
    for file, tree in trees:
        for key, body in tree.items():
            if not isinstance(body, dict) or str(key) in ("variables", "workflow", "include", "spec"):
                continue
            who = f"job '{key}'" if str(key) in jobs else f"template '{key}'" if str(key).startswith(".") \
                else "default:" if str(key) == "default" else f"'{key}'"
            for part in ("before_script", "script", "after_script"):
                out += _echo_findings(body, part, file, who, str(key) if str(key) in jobs else "", secret_names)
    for file, line, job, ref in wf.reference_errors:
        out.append(Finding("reference-missing", "error", file, line,
                           f"job '{job}' uses {ref}, which no file of the pipeline defines: GitLab rejects the "
                           "pipeline", "define it, or include the file that defines it", job=job))
    return out


def secret_names_in(text: str, secret_names: set[str]) -> list[str]:
    names = set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", text))
    return sorted(n for n in names if n in secret_names or (SECRETY.search(n) and not PATHY.search(n)))


def _echo_findings(body: dict, part: str, file: str, who: str, job: str, secret_names: set[str]) -> list[Finding]:
    script = body.get(part)
    items = list(enumerate(script)) if isinstance(script, list) else [(None, script)] if isinstance(script, str) \
        else []
    out = []
    for i, item in items:
        if not isinstance(item, str):
            continue
        base = line_of(script, i) if i is not None else line_of(body, part)
        block = isinstance(item, str) and "\n" in item and _is_block(script, i, body, part)
        for cmd in shell.commands(item):
            text = shell.printed(cmd)
            if not text:
                continue
            if cmd.name == "cat":  # cat prints files: a file variable's contents are the secret
                leaked = [n for n in re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", text)
                          if n in secret_names or SECRETY.search(n)]
            else:
                leaked = secret_names_in(text, secret_names)
            if leaked:
                line = base + (1 + cmd.line if block else 0)
                where = " (to stderr, which the log shows too)" if re.search(r">&\s*2\b", cmd.text) else ""
                out.append(Finding("secret-echo", "error", file, line,
                                   f"{who} prints secret variable {', '.join(sorted(set(leaked)))} to the job "
                                   f"log{where}", "never print secrets (stderr reaches the log too); mark the "
                                   "variable masked and pass it only to the program that needs it", job=job))
    return out


def _is_block(script: Any, i: int | None, body: dict, part: str) -> bool:
    """True for a `|`/`>` block scalar (its text starts on the next line)."""
    value = script[i] if i is not None else body.get(part)
    return type(value).__name__ in ("LiteralScalarString", "FoldedScalarString")
