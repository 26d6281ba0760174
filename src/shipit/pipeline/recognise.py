"""Which category a job or step belongs to, from the tools it uses (built-in recognisers, overridable)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from shipit.pipeline.config import CATEGORIES, PipelineConfig

# Each category: patterns on job ids/names, on `uses:`/images/templates, and on shell text.
BUILTIN: dict[str, dict[str, list[str]]] = {
    "test": {
        "jobs": [],
        "uses": [],
        "run": [r"\bpytest\b", r"\btox\b", r"\bnox\b", r"python3? -m unittest\b", r"\bgo test\b",
                 r"\bnpm (run )?test\b", r"\bmake test\b", r"\bcargo test\b"],
    },
    "lint": {
        "jobs": [],
        "uses": [r"^astral-sh/ruff-action$", r"^chartboost/ruff-action$", r"^pre-commit/action$",
                 r"^py-actions/flake8$"],
        "run": [r"\bruff\b", r"\bflake8\b", r"\bpylint\b", r"\bblack --check\b", r"\bmypy\b", r"\bpre-commit run\b",
                r"\bactionlint\b", r"\bshipit pipeline validate\b"],
    },
    "sast": {
        "jobs": [],
        "uses": [r"^github/codeql-action/analyze$", r"^returntocorp/semgrep-action$", r"^semgrep/semgrep-action$",
                 r"^pycqa/bandit-action$", r"^zizmorcore/zizmor-action$", r"^template:Security/SAST\b",
                 r"(^|/)semgrep(/|:|$)"],
        "run": [r"\bbandit\b", r"\bsemgrep\b", r"\bcodeql\b", r"\bzizmor\b"],
    },
    "dependency-scan": {
        "jobs": [],
        "uses": [r"^pypa/gh-action-pip-audit$", r"^google/osv-scanner-action\b", r"^aquasecurity/trivy-action$",
                 r"^anchore/scan-action$", r"^actions/dependency-review-action$", r"^snyk/actions\b",
                 r"^template:Security/Dependency-Scanning\b", r"^template:Jobs/Dependency-Scanning\b",
                 r"^template:Security/Container-Scanning\b", r"(^|/)(trivy|grype|osv-scanner)(:|@|$)"],
        "run": [r"\bpip-audit\b", r"\bosv-scanner\b", r"\btrivy\b", r"\bgrype\b", r"\bsafety check\b",
                r"\bnpm audit\b"],
    },
    "secret-scan": {
        "jobs": [],
        "uses": [r"^gitleaks/gitleaks-action$", r"^trufflesecurity/trufflehog$",
                 r"^template:Security/Secret-Detection\b", r"^template:Jobs/Secret-Detection\b",
                 r"(^|/)(gitleaks|trufflehog)(:|@|$)"],
        "run": [r"\bgitleaks\b", r"\btrufflehog\b", r"\bdetect-secrets\b"],
    },
    "sbom": {
        "jobs": [],
        "uses": [r"^anchore/sbom-action\b", r"^cyclonedx/gh-\w+-generate-sbom$"],
        "run": [r"\bsyft\b", r"\bcyclonedx-py\b", r"\bcyclonedx-bom\b", r"\bshipit release\b"],
    },
    "sign": {
        "jobs": [],
        "uses": [r"^sigstore/cosign-installer$", r"^sigstore/gh-action-sigstore-python$",
                 r"^actions/attest-build-provenance$", r"^actions/attest$"],
        "run": [r"\bcosign (sign|attest)", r"\bsigstore sign\b", r"\bshipit release\b"],
    },
    "release": {
        "jobs": [r"^(release|publish)\b"],
        "uses": [r"^softprops/action-gh-release$", r"^pypa/gh-action-pypi-publish$", r"^docker/build-push-action$",
                 r"^goreleaser/goreleaser-action$", r"(^|/)kaniko-project/executor\b"],
        "run": [r"\bshipit release\b", r"\bgh release create\b", r"\btwine upload\b", r"\b(docker|podman) push\b",
                r"\bskopeo copy\b", r"\bnpm publish\b", r"\brelease-cli\b", r"/kaniko/executor\b.*--destination",
                r"\bbuildah push\b", r"\bcrane push\b"],
    },
    "deploy": {
        "jobs": [r"^deploy\b", r"\bdeploy$"],
        "uses": [r"^azure/k8s-deploy$", r"^aws-actions/amazon-ecs-deploy-task-definition$"],
        "run": [r"\bkubectl (apply|rollout|set image)\b", r"\bhelm (upgrade|install)\b", r"\bterraform apply\b",
                r"\bansible-playbook\b", r"\bflyctl deploy\b", r"\bshipit deploy\b"],
    },
}


@dataclass
class Recogniser:
    jobs: list[re.Pattern] = field(default_factory=list)
    uses: list[re.Pattern] = field(default_factory=list)
    run: list[re.Pattern] = field(default_factory=list)


def build(policy: PipelineConfig) -> dict[str, Recogniser]:
    out = {}
    for cat in CATEGORIES:
        spec = {k: list(v) for k, v in BUILTIN[cat].items()}
        custom = policy.recognisers.get(cat)
        if custom is not None:
            if custom.replace:
                spec = {"jobs": [], "uses": [], "run": []}
            spec["jobs"] += custom.jobs
            spec["uses"] += custom.uses
            spec["run"] += custom.run
        out[cat] = Recogniser(*(
            [re.compile(p, re.IGNORECASE) for p in spec[kind]] for kind in ("jobs", "uses", "run")))
    return out


def _any(patterns: list[re.Pattern], text: str) -> bool:
    return bool(text) and any(p.search(text) for p in patterns)


def step_categories(recognisers: dict[str, Recogniser], uses: str, run: str) -> set[str]:
    action = uses.split("@", 1)[0]
    return {cat for cat, r in recognisers.items() if _any(r.uses, action) or _any(r.run, run)}


def job_name_categories(recognisers: dict[str, Recogniser], *names: str) -> set[str]:
    return {cat for cat, r in recognisers.items() if any(_any(r.jobs, n) for n in names if n)}
