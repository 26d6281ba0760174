"""Which category a job or step belongs to, from what it does: the actions, images and templates it uses
and the commands its shell runs (built-in recognisers, extendable in shipit.yaml).

Shell patterns are matched against each command that runs (see :mod:`shipit.pipeline.shell`), never
against messages, comments, file operands or package installs: ``rm -rf /opt/hostedtoolcache/CodeQL`` is
not CodeQL and ``pip install bandit`` is not a SAST scan. A command whose failure cannot fail the job
(``|| true``, ``--exit-zero``) provides its category only *softly*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from shipit.pipeline import shell
from shipit.pipeline.config import CATEGORIES, PipelineConfig

_TESTWORD = r"(?<![\w])(?:[\w]+[-_:])*tests?(?:[-_:][\w]+)*(?![\w])"
#: ``shipit release`` cuts (and signs) a release; with --shard it only runs some units into a shard archive
#: (signed and published by the merge), with --plan-shards it only prints the plan
_SHIPIT_RELEASE = r"\bshipit release\b"
_SHIPIT_CUT = _SHIPIT_RELEASE + r"(?!.*\s--(?:shard|plan-shards)\b)"
_SCRIPT = r"^(?:(?:bash|sh|python3?|pwsh)\s+)?(?:\./(?:[\w.-]+/)*|(?:[\w.-]+/)+)"  # a script by path

# Each category: patterns on job ids/names (only for release and deploy, and only when nothing the job
# runs says otherwise), on `uses:` (actions, reusable workflows, images, templates), and on commands.
BUILTIN: dict[str, dict[str, list[str]]] = {
    "test": {
        "jobs": [],
        "uses": [],
        "run": [r"\bpytest\b", r"^tox\b", r"^nox\b", r"\b(?:python3?|coverage\s+run)\s+(?:-\S+\s+)*-m\s+(?:unittest|pytest)\b",
                r"^go\s+test\b", r"^gotestsum\b", r"^(?:npm|pnpm|yarn|bun)\s+(?:-\S+(?:\s+[^-\s]\S*)?\s+)*(?:run\s+)?test[\w:-]*\b",
                rf"^make\b.*{_TESTWORD}", rf"^task\s+{_TESTWORD}", r"^just\s+test\b",
                r"^cargo\s+(?:\+\S+\s+)?(?:test|nextest)\b", r"^(?:bundle\s+exec\s+)?(?:rspec|rake\s+(?:test|spec))\b",
                r"^(?:mvn|\./mvnw|mvnw)\b.*\b(?:test|verify)\b", r"^(?:gradle|\./gradlew|gradlew)\b.*\btest\w*\b",
                r"^(?:phpunit|vendor/bin/phpunit|jest|vitest|mocha|ctest|bats|dotnet\s+test)\b", r"^meson\s+test\b",
                r"^npx\s+(?:jest|vitest|mocha|playwright\s+test)\b", r"^uv\s+run\s+(?:pytest|tox|nox)\b",
                r"^(?:poetry|pdm|hatch|pipenv)\s+run\s+(?:pytest|tox|nox)\b", r"^hatch\s+(?:run\s+)?test\b",
                rf"{_SCRIPT}(?:run[-_])?tests?(?:[-_][\w-]+)?(?:\.sh|\.py|\.bash)?(?:\s|$)"],
    },
    "lint": {
        "jobs": [],
        "uses": [r"^astral-sh/ruff-action$", r"^chartboost/ruff-action$", r"^pre-commit/action$",
                 r"^py-actions/flake8$", r"^golangci/golangci-lint-action$", r"^rhysd/actionlint$",
                 r"^(?:github|super-linter)/super-linter\b", r"^ludeeus/action-shellcheck$",
                 r"^hadolint/hadolint-action$", r"^DavidAnson/markdownlint-cli2-action$",
                 r"(^|/)golangci-lint(:|$)", r"(^|/)(hadolint|shellcheck(-alpine)?)(:|$)"],
        "run": [r"\bruff\b", r"\bflake8\b", r"\bpylint\b", r"\bblack\b.*--check\b", r"\bmypy\b", r"\bpyright\b",
                r"(?<![\w-])pre-commit(?![\w-])", r"\bactionlint\b", r"\bshellcheck\b", r"\bgolangci-lint\b",
                r"^go\s+vet\b", r"^staticcheck\b", r"\brubocop\b", r"\beslint\b", r"\bprettier\b.*--check\b",
                r"^(?:npm|pnpm|yarn|bun)\s+(?:-\S+(?:\s+[^-\s]\S*)?\s+)*(?:run\s+)?(?:lint|typecheck|check-types|format:check)[\w:-]*\b",
                r"^make\s+(?:\S+\s+)*(?:lint|vet|check-fmt|fmt-check|style|format-check)[\w-]*\b",
                r"^task\s+lint\b", r"^cargo\s+(?:\+\S+\s+)?(?:clippy|fmt\b.*--check|shear|machete)\b",
                r"^helm\s+lint\b", r"\byamllint\b", r"\bhadolint\b", r"\bmarkdownlint", r"\bpydocstyle\b",
                r"\bpycodestyle\b", r"\bpyflakes3?\b", r"^vale\b", r"\bisort\b.*--check",
                r"^tox\b.*\s-e\s*\S*\b(?:lint|typing|types|mypy|style|flake8|pre-commit|format|pep8)\b",
                rf"{_SCRIPT}(?:lint|check|format-check|typecheck)(?:[-_][\w-]+)?(?:\.sh|\.py)?(?:\s|$)"],
    },
    "sast": {
        "jobs": [],
        "uses": [r"^github/codeql-action/analyze$", r"^returntocorp/semgrep-action$", r"^semgrep/semgrep-action$",
                 r"^pycqa/bandit-action$", r"^zizmorcore/zizmor-action$", r"^securego/gosec$",
                 r"^SonarSource/(?:sonarqube|sonarcloud)-(?:scan|github)-action\b", r"(^|/)semgrep(/|:|$)",
                 r"(^|/)sonar-scanner-cli(:|$)"],
        "run": [r"\bbandit\b", r"^semgrep\b", r"\bsemgrep\s+(?:ci|scan|--config)\b", r"^codeql\b", r"\bzizmor\b",
                r"^gosec\b", r"^brakeman\b", r"^sonar-scanner\b", r"^njsscan\b", r"^kics\s+scan\b",
                r"^checkov\b"],
    },
    "dependency-scan": {
        "jobs": [],
        "uses": [r"^pypa/gh-action-pip-audit$", r"^google/osv-scanner-action\b", r"^aquasecurity/trivy-action$",
                 r"^anchore/scan-action$", r"^actions/dependency-review-action$", r"^snyk/actions\b",
                 r"^golang/govulncheck-action$", r"(^|/)(trivy|grype|osv-scanner)(:|@|$)",
                 (r"/\.github/workflows/[\w.-]*(?:dependency-review|depsreview|deps-review|dependency-scan)"
                  r"[\w.-]*\.ya?ml$")],
        "run": [r"\bpip-audit\b", r"\bosv-scanner\b", r"^trivy\b", r"^grype\b", r"\bsafety\b.*\b(?:check|scan)\b",
                r"^make\s+(?:\S+\s+)*(?:vulnerability-scan|vuln[\w-]*|dependency-scan|deps-audit|audit)\b",
                r"^(?:npm|pnpm)\s+(?:-\S+(?:\s+[^-\s]\S*)?\s+)*audit\b", r"^yarn\s+(?:npm\s+)?audit\b", r"\bgovulncheck\b",
                r"^cargo\s+(?:audit|deny)\b", r"^bundle(?:r)?[\s-]+audit\b", r"^snyk\s+test\b",
                r"\bdependency-check\b", r"^composer\s+audit\b"],
    },
    "secret-scan": {
        "jobs": [],
        "uses": [r"^gitleaks/gitleaks-action$", r"^trufflesecurity/trufflehog$", r"^GitGuardian/ggshield",
                 r"(^|/)(gitleaks|trufflehog)(:|@|$)"],
        "run": [r"^gitleaks\b", r"^trufflehog\b", r"^detect-secrets\b", r"^ggshield\b", r"^git\s+secrets\s+--scan"],
    },
    "sbom": {
        "jobs": [],
        "uses": [r"^anchore/sbom-action\b", r"^cyclonedx/gh-\w+-generate-sbom$", r"^actions/attest-sbom$"],
        # a shard of a sharded release makes its images' SBOMs; a plan (--plan-shards) makes nothing
        "run": [r"^syft\b", r"\bcyclonedx-py\b", r"\bcyclonedx-bom\b", r"^cdxgen\b", _SHIPIT_RELEASE + r"(?!.*\s--plan-shards\b)"],
    },
    "sign": {
        "jobs": [],
        "uses": [r"^sigstore/cosign-installer$", r"^sigstore/gh-action-sigstore-python$",
                 r"^actions/attest-build-provenance$", r"^actions/attest$", r"^actions/attest-sbom$",
                 r"^slsa-framework/slsa-github-generator/"],
        "run": [r"^cosign\s+(?:sign|attest)", r"\bsigstore\s+sign\b", _SHIPIT_CUT],
    },
    "release": {
        "jobs": [r"^(release|publish)\b"],
        "uses": [r"^softprops/action-gh-release$", r"^pypa/gh-action-pypi-publish$", r"^ncipollo/release-action$",
                 r"^svenstaro/upload-release-action$", r"^actions/(?:create-release|upload-release-asset)$",
                 r"^JS-DevTools/npm-publish$", r"^cycjimmy/semantic-release-action$",
                 r"^helm/chart-releaser-action$", r"(^|/)kaniko-project/executor\b"],
        "run": [_SHIPIT_CUT, r"^gh\s+release\s+(?:create|upload)\b", r"^twine\s+upload\b",
                r"^(?:uv|poetry|pdm|hatch|flit)\s+publish\b", r"^(?:npm|pnpm)\s+publish\b(?!.*--dry-run)",
                r"^yarn\s+(?:npm\s+)?publish\b", r"^(?:npx\s+(?:-\S+\s+)*)?semantic-release\b(?!.*--dry-run)",
                r"^cargo\s+publish\b(?!.*--dry-run)", r"^gem\s+push\b", r"^(?:mvn|\./mvnw)\b.*\bdeploy\b",
                r"^(?:gradle|\./gradlew)\b.*\bpublish\w*", r"^dotnet\s+nuget\s+push\b", r"^vsce\s+publish\b",
                r"^helm\s+(?:push|cm-push)\b", r"^(?:docker|podman|buildah)\s+(?:image\s+|manifest\s+)?push\b",
                r"^docker\s+(?:buildx\s+)?(?:build|bake)\b.*\s--push\b", r"^docker\s+buildx\s+imagetools\s+create\b",
                r"^skopeo\s+copy\b", r"^crane\s+(?:push|copy|append|mutate)\b", r"/kaniko/executor\b(?!.*--no-push)",
                r"^ko\s+(?:build|publish|resolve)\b(?!.*--push=false)(?!.*--local)", r"^oras\s+push\b",
                r"^regctl\s+image\s+copy\b",
                r"\bgoreleaser(?:/goreleaser(?:-pro)?)?(?::\S+)?\s+release\b(?!.*--snapshot)(?!.*--skip[= ]publish)",
                r"^release-cli\b.*\bcreate\b", r"^glab\s+release\s+create\b", r"^snapcraft\s+(?:upload|push)\b",
                r"^brew\s+bump-formula-pr\b", r"^choco\s+push\b", r"^jf\s+rt\s+(?:upload|u)\b",
                r"^curl\b.*(?:--upload-file|\s-T\s|--form|\s-F\s).*/packages?/",
                r"^gsutil\b.*\b(?:cp|rsync)\b.*\sgs://", r"^aws\s+s3\s+(?:cp|sync)\b.*\ss3://.*(?:release|dist|download)",
                r"^make\s+(?:\S+\s+)*(?:release|publish|upload[\w-]*|docker-push|push-image[\w-]*)\b",
                r"^(?:(?:bash|sh)\s+)?\S*/[\w-]*(?<![a-z])(?:push|publish|upload)(?![a-z])[\w-]*\.(?:sh|py|bash)\b"],
    },
    "deploy": {
        "jobs": [r"^deploy\b", r"\bdeploy$"],
        "uses": [r"^azure/k8s-deploy$", r"^aws-actions/amazon-ecs-deploy-task-definition$",
                 r"^google-github-actions/deploy-cloudrun$", r"^azure/webapps-deploy$"],
        "run": [r"^kubectl\s+(?:\S+\s+)*(?:apply|rollout|set\s+image|replace|create)\b",
                r"^helm\s+(?:\S+\s+)*(?:upgrade|install)\b", r"^(?:terraform|tofu|gitlab-terraform)\s+apply\b",
                r"^ansible-playbook\b", r"^flyctl\s+deploy\b", r"\bshipit deploy\b", r"^helmfile\s+(?:apply|sync)\b",
                r"^argocd\s+app\s+sync\b", r"^aws\s+ecs\s+update-service\b", r"^gcloud\s+(?:run|app)\s+deploy\b",
                r"^az\s+webapp\s+deploy\b", r"^(?:serverless|sls|cdk)\s+deploy\b", r"^pulumi\s+up\b",
                r"^skaffold\s+(?:run|deploy)\b", r"^docker\s+stack\s+deploy\b"],
    },
}

#: Actions and commands that use GitHub's OIDC token (`id-token: write`): trusted publishing to PyPI, npm
#: and crates.io, GitHub Pages deploys, artifact attestations and keyless signing, OpenSSF Scorecard,
#: cloud federation. https://docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments
OIDC_USES = [r"^pypa/gh-action-pypi-publish$", r"^actions/deploy-pages$", r"^actions/attest(?:-[\w-]+)?$",
             r"^ossf/scorecard-action$", r"^sigstore/gh-action-sigstore-python$", r"^sigstore/cosign-installer$",
             r"^rust-lang/crates-io-auth-action$", r"^google-github-actions/auth$",
             r"^aws-actions/configure-aws-credentials$", r"^azure/login$", r"^hashicorp/vault-action$",
             r"^slsa-framework/slsa-github-generator/", r"^codecov/codecov-action$", r"^JS-DevTools/npm-publish$",
             r"^docker/login-action$"]
OIDC_RUN = [r"^(?:npm|pnpm)\s+publish\b", r"^yarn\s+npm\s+publish\b", r"^uv\s+publish\b", r"^cosign\s+",
            r"\bsigstore\s+sign\b", r"^gh\s+attestation\b", r"\bACTIONS_ID_TOKEN_REQUEST_(?:URL|TOKEN)\b",
            r"^pdm\s+publish\b", r"^twine\s+upload\b.*--trusted-publishing"]


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


@dataclass
class Found:
    """Categories a piece of work provides: ``hard`` ones can fail the job, ``soft`` ones cannot."""

    hard: set[str] = field(default_factory=set)
    soft: dict[str, str] = field(default_factory=dict)  # category -> the command that cannot fail
    first: dict[str, int] = field(default_factory=dict)  # category -> position of its first hard command

    @property
    def all(self) -> set[str]:
        return self.hard | set(self.soft)

    def add(self, other: Found, offset: int = 0) -> None:
        self.hard |= other.hard
        for cat, why in other.soft.items():
            self.soft.setdefault(cat, why)
        for cat, at in other.first.items():
            self.first.setdefault(cat, at + offset)

    def settle(self) -> None:
        for cat in list(self.soft):
            if cat in self.hard:
                del self.soft[cat]


def uses_categories(recognisers: dict[str, Recogniser], uses: str) -> set[str]:
    action = uses.split("@", 1)[0]
    return {cat for cat, r in recognisers.items() if _any(r.uses, action)}


def run_categories(recognisers: dict[str, Recogniser], script: str) -> Found:
    found = Found()
    for index, cmd in enumerate(shell.commands(script)):
        forms = cmd.forms
        if not forms:
            continue
        for cat, r in recognisers.items():
            if any(_any(r.run, text) for text in forms):
                if cmd.soft:
                    found.soft.setdefault(cat, (cmd.text.strip()[:80] + " " + cmd.fallback).strip())
                else:
                    found.hard.add(cat)
                    found.first.setdefault(cat, index + 1)
    found.settle()
    return found


def step_categories(recognisers: dict[str, Recogniser], uses: str, run: str) -> set[str]:
    """All categories of a step (kept for callers that do not care about soft commands)."""
    return uses_categories(recognisers, uses) | run_categories(recognisers, run).all


def job_name_categories(recognisers: dict[str, Recogniser], *names: str) -> set[str]:
    return {cat for cat, r in recognisers.items() if any(_any(r.jobs, n) for n in names if n)}


_OIDC_USES = [re.compile(p, re.IGNORECASE) for p in OIDC_USES]
_OIDC_RUN = [re.compile(p, re.IGNORECASE) for p in OIDC_RUN]


def uses_oidc(uses: str, run: str) -> bool:
    """The step asks GitHub for an OIDC token (trusted publishing, Pages, attestations, keyless signing...)."""
    action = uses.split("@", 1)[0]
    if _any(_OIDC_USES, action):
        return True
    return any(_any(_OIDC_RUN, t) for c in shell.commands(run) for t in c.forms) if run else False
