"""What GitLab's well-known CI templates and CI/CD catalog components add to a pipeline, offline.

shipit cannot fetch ``include: template:`` or ``include: component:`` files, so this table says, for the
ones that matter to release gating, which jobs they define, in which stage, whether those jobs may fail
(the security templates set ``allow_failure: true`` through a hidden base job), and in which pipelines
they run. Each entry is GitLab CI configuration in the template's own shape, merged into the pipeline
*before* the project's own keys, exactly as GitLab merges an include: so a project that overrides
``semgrep-sast:`` or ``.sast-analyzer: {allow_failure: false}`` changes the job the template defines.

Sources (read for this table; job names are stable across GitLab releases, the analyzer list is not):

- ``lib/gitlab/ci/templates/Jobs/*.gitlab-ci.yml`` in gitlab-org/gitlab: the stable security templates'
  analyzer rules all test ``$CI_COMMIT_BRANCH`` (branch pipelines only: never tag or merge request
  pipelines); the ``.latest`` editions add merge request pipelines (``$CI_PIPELINE_SOURCE ==
  "merge_request_event"``, then ``$CI_OPEN_MERGE_REQUESTS`` → never in the branch pipeline). Neither runs in
  tag pipelines.
- https://docs.gitlab.com/user/application_security/detect/security_configuration/#template-editions
  ("stable" vs "latest" editions and the pipelines they run in).
- https://docs.gitlab.com/ci/yaml/#allow_failure (security jobs allow failure by default).
- Catalog components (https://docs.gitlab.com/ci/components/): ``components/sast/sast``,
  ``components/secret-detection/secret-detection``, ``components/dependency-scanning/*``,
  ``components/container-scanning/*`` wrap the same analyzers; their rules are taken to be those of the
  ``.latest`` templates (merge request and branch pipelines, never tags), their ``stage`` input moves the jobs.
"""

from __future__ import annotations

import re
from typing import Any

_BRANCH = [{"if": "$CI_COMMIT_BRANCH"}]  # stable editions: branch pipelines only
_LATEST = [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'},
           {"if": "$CI_OPEN_MERGE_REQUESTS", "when": "never"},
           {"if": "$CI_COMMIT_BRANCH"}]


def _security(base: str, parent: str | None, jobs: list[str], rules: list[dict], category: str) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if parent:  # a real job name that never runs itself: it configures every analyzer (`sast: {stage: x}`)
        spec[parent] = {"stage": "test", "script": ["exit 1"], "rules": [{"when": "never"}]}
        spec[base] = {"extends": parent, "allow_failure": True, "script": ["/analyzer run"]}
    else:
        spec[base] = {"stage": "test", "allow_failure": True, "script": ["/analyzer run"]}
    for job in jobs:
        spec[job] = {"extends": base, "rules": [dict(r) for r in rules], "__category__": category}
    return spec


def _template(name: str, edition_rules: list[dict]) -> dict[str, Any] | None:
    if name == "SAST":
        jobs = ["semgrep-sast"] + (["gitlab-advanced-sast"] if edition_rules is _LATEST else [])
        return _security(".sast-analyzer", "sast", jobs, edition_rules, "sast")
    if name == "SAST-IaC":
        return _security(".iac-sast-analyzer", "iac-sast", ["kics-iac-sast"], edition_rules, "sast")
    if name == "Dependency-Scanning":
        jobs = ["gemnasium-dependency_scanning"] + (["dependency-scanning"] if edition_rules is _LATEST else [])
        return _security(".ds-analyzer", "dependency_scanning", jobs, edition_rules, "dependency-scan")
    if name == "Secret-Detection":
        return _security(".secret-analyzer", None, ["secret_detection"], edition_rules, "secret-scan")
    if name == "Container-Scanning":
        return {"container_scanning": {"stage": "test", "allow_failure": True, "script": ["gtcs scan"],
                                       "rules": [dict(r) for r in edition_rules],
                                       "__category__": "dependency-scan"}}
    if name == "Code-Quality":
        return {"code_quality": {"stage": "test", "allow_failure": True, "script": ["codeclimate analyze"],
                                 "rules": [{"if": "$CI_COMMIT_BRANCH"}, {"if": "$CI_COMMIT_TAG"}],
                                 "__category__": "lint"}}
    return None


TEMPLATE_RE = re.compile(r"^(?:Jobs|Security)/(?P<name>[A-Za-z-]+?)(?P<edition>\.latest|\.v2)?\.gitlab-ci\.ya?ml$")
COMPONENT_RE = re.compile(r"^(?:\$\{?CI_SERVER_FQDN\}?|[\w.-]+)/(?P<path>[^@]+)@(?P<version>.+)$")
KNOWN_COMPONENTS = {
    "components/sast/sast": "SAST",
    "components/secret-detection/secret-detection": "Secret-Detection",
    "components/container-scanning/container-scanning": "Container-Scanning",
    "components/code-quality/code-quality": "Code-Quality",
}
#: Components known to add nothing shipit gates on (review bots, code navigation).
QUIET_COMPONENTS = re.compile(r"(^|/)(danger-review|code-intelligence|golang-code-intel|ai-review|changelog)(/|$)")
RELEASE_WORDS = re.compile(r"release|publish|deploy|upload|semantic|tag", re.IGNORECASE)


def template(ref: str) -> tuple[str, dict[str, Any]] | None:
    """(label, configuration) for ``include: template: <ref>``, or None when shipit does not know it."""
    m = TEMPLATE_RE.match(ref.strip())
    if not m:
        return None
    edition = m.group("edition") or ""
    spec = _template(m.group("name"), _LATEST if edition else _BRANCH)
    return (f"template {ref.strip()}", spec) if spec else None


def component(ref: str, inputs: dict | None = None) -> tuple[str, dict[str, Any]] | None:
    """(label, configuration) for a well-known catalog component, or None."""
    m = COMPONENT_RE.match(ref.strip())
    if not m:
        return None
    path = m.group("path").strip("/")
    name = KNOWN_COMPONENTS.get(path)
    if name is None and path.startswith("components/dependency-scanning/"):
        name = "Dependency-Scanning"
    if name is None:
        return None
    spec = _template(name, _LATEST)
    if spec is None:
        return None
    stage = (inputs or {}).get("stage") if isinstance(inputs, dict) else None
    if isinstance(stage, str) and stage:
        for body in spec.values():
            if "stage" in body:
                body["stage"] = stage
    return f"component {path}@{m.group('version')}", spec


def quiet_component(ref: str) -> bool:
    m = COMPONENT_RE.match(ref.strip())
    return bool(m and QUIET_COMPONENTS.search(m.group("path")))


def releasing_component(ref: str, inputs: Any) -> bool:
    """A component that may create releases: its name says so, or it is handed a token."""
    m = COMPONENT_RE.match(ref.strip())
    path = m.group("path") if m else ref
    tokens = isinstance(inputs, dict) and any(re.search(r"token|password|secret|key", str(k), re.IGNORECASE)
                                              for k in inputs)
    return bool(RELEASE_WORDS.search(path)) or tokens
