"""Every fixture pipeline gives exactly the findings in its expected.json (zizmor off, so only shipit's
own rules count here; zizmor's merge is tested separately)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from shipit.core.errors import ShipitError
from shipit.pipeline.policy import validate
from shipit.pipeline.config import EnvironmentConfig, PipelineConfig
from shipit.pipeline.project import load_policy, validate_files

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.json").is_file())


def findings_of(case: str) -> list[dict]:
    report = validate_files(load_policy(FIXTURES / case / "shipit.yaml"), zizmor=False)
    return [{k: f.as_dict()[k] for k in ("rule", "severity", "file", "line", "message")} for f in report.findings]


def test_every_issue_case_has_a_fixture():
    assert {"good-github", "good-gitlab", "missing-security-scan", "deploy-not-gated", "continue-on-error",
            "unpinned-action", "gitlab-allow-failure", "schema-invalid", "yaml-error"} <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_fixture_findings_are_exactly_the_expected_ones(case):
    expected = json.loads((FIXTURES / case / "expected.json").read_text())
    assert findings_of(case) == expected
    if case.startswith("good"):
        assert expected == []
    elif case.startswith("warn"):
        assert expected and {f["severity"] for f in expected} == {"warning"}
    else:
        assert any(f["severity"] == "error" for f in expected)


def test_expected_rules_per_case():
    """The fixtures' expected.json files say what the issue asks for (guards against regenerating them blindly)."""
    rules = {case: {(f["rule"], f["line"]) for f in json.loads((FIXTURES / case / "expected.json").read_text())}
             for case in CASES}
    assert ("required-category", 0) in rules["missing-security-scan"]
    assert rules["deploy-not-gated"] == {("gate-order", 34)}
    assert rules["continue-on-error"] == {("gate-soft-fail", 18)}
    assert rules["gitlab-allow-failure"] == {("gate-soft-fail", 30)}
    assert rules["unpinned-action"] == {("unpinned-action", 9), ("unpinned-action", 13)}
    assert rules["schema-invalid"] == {("schema", 8)}
    assert rules["yaml-error"] == {("yaml-syntax", 8)}
    assert {r for r, _ in rules["dangerous"]} == {"permissions-write-all", "unpinned-image", "pr-target-checkout",
                                                  "secret-echo", "gate-order", "id-token-write"}
    msgs = json.loads((FIXTURES / "deploy-not-gated" / "expected.json").read_text())
    assert "without a passing test job" in msgs[0]["message"]
    # the classes of problems shipit used to miss on real pipelines, each failing clearly
    assert rules["gitlab-latest-templates"] == {("gate-order", 27)}  # publish on tags: the .latest templates never run there
    assert rules["gitlab-manual-test-gate"] == {("gate-soft-fail", 6)}  # `when: manual` on the test job
    assert rules["gitlab-reference-release-cli"] == {("gate-order", 15)}  # release-cli behind `script: !reference`
    assert {r for r, _ in rules["release-not-named-release"]} == {"gate-order", "required-category"}
    assert rules["github-continue-on-error-matrix"] == {("gate-soft-fail", 11)}
    assert rules["github-secret-to-stderr"] == {("secret-echo", 15)}  # not the `if [ -z ... ]` test or $(cat ...)
    assert rules["github-pr-target-merge-commit"] == {("pr-target-checkout", 11)}
    assert rules["gates-cannot-fail"] == {("gate-soft-fail", 4)}
    assert rules["github-always-result-checked"] == {("gate-bypass", 25)}  # `mirror`, not the result-checked `publish`
    assert rules["github-reusable-calls"] == {("required-category", 0), ("reusable-workflow-missing", 12)}
    assert {r for r, _ in rules["warn-unresolved-release"]} == {"include-unresolved"}
    assert {r for r, _ in rules["warn-platform-syntax"]} == {"schema-deviation"}
    by_case = {case: json.loads((FIXTURES / case / "expected.json").read_text()) for case in CASES}
    assert "in tag pipelines" in by_case["gitlab-latest-templates"][0]["message"]
    assert "`when: manual`" in by_case["gitlab-manual-test-gate"][0]["message"]
    assert "|| true" in by_case["gates-cannot-fail"][0]["message"]
    assert "stderr" in by_case["github-secret-to-stderr"][0]["message"]


@pytest.mark.parametrize("case,expect_ok", [("good-github", True), ("good-gitlab", True), ("schema-invalid", False),
                                            ("missing-security-scan", True)])
def test_schema_verdict_agrees_with_check_jsonschema_cli(case, expect_ok):
    """Our use of the vendored schemas gives the same verdict as the check-jsonschema command (its Click
    command, invoked in-process to avoid paying jsonschema's import time per case)."""
    from check_jsonschema import main as check_jsonschema
    from click.testing import CliRunner

    root = FIXTURES / case
    files = sorted((root / ".github" / "workflows").glob("*.yml")) + sorted(root.glob(".gitlab-ci.yml"))
    assert files
    for f in files:
        gitlab = f.name == ".gitlab-ci.yml"
        args = ["--builtin-schema", "vendor.gitlab-ci" if gitlab else "vendor.github-workflows"]
        args += ["--data-transform", "gitlab-ci"] if gitlab else []
        result = CliRunner().invoke(check_jsonschema, [*args, str(f)])
        assert result.exit_code in (0, 1), result.output
        assert (result.exit_code == 0) == expect_ok, result.output
    ours = [f for f in findings_of(case) if f["rule"] == "schema"]
    assert (not ours) == expect_ok


def test_gitlab_reference_tag_is_schema_valid(tmp_path):
    (tmp_path / ".gitlab-ci.yml").write_text(
        ".setup:\n  script:\n    - pip install -e .\n"
        "test:\n  script:\n    - !reference [.setup, script]\n    - pytest -q\n")
    report = validate(tmp_path, PipelineConfig(required=["test"]), zizmor=False)
    assert report.findings == []
    assert report.jobs()[0].categories == {"test"}


def test_policy_downgrades_and_disables_rules():
    base = load_policy(FIXTURES / "unpinned-action" / "shipit.yaml")
    assert not validate_files(base, zizmor=False).ok
    base.pipeline.severity = {"unpinned-action": "note"}
    report = validate_files(base, zizmor=False)
    assert report.ok and {f.severity for f in report.findings} == {"note"}
    base.pipeline.severity = {"unpinned-*": "off"}
    assert validate_files(base, zizmor=False).findings == []


def test_custom_recogniser_satisfies_a_gate():
    policy = load_policy(FIXTURES / "missing-security-scan" / "shipit.yaml")
    policy.pipeline.recognisers = {"sast": {"run": [r"\bpip-audit\b"]}}  # pretend the audit job is our SAST
    policy.pipeline = PipelineConfig.model_validate(policy.pipeline.model_dump())
    assert validate_files(policy, zizmor=False).findings == []


def test_gitlab_needs_overrides_stage_order(tmp_path):
    (tmp_path / ".gitlab-ci.yml").write_text(
        "stages: [test, deploy]\n"
        "test:\n  stage: test\n  script: [pytest, bandit -r src, pip-audit]\n"
        "deploy:\n  stage: deploy\n  needs: []\n  environment: staging\n  script: [helm upgrade --install a ./c]\n")
    report = validate(tmp_path, PipelineConfig(required=["test"]), zizmor=False)
    assert {(f.rule, f.line) for f in report.findings} == {("gate-order", 5)}
    assert len(report.findings) == 3  # test, sast and dependency-scan all bypassed by `needs: []`


def test_environment_checks(tmp_path):
    wf = tmp_path / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "ci.yml").write_text(
        "on: push\npermissions: {contents: read}\njobs:\n"
        "  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest && bandit -r . && pip-audit\n"
        "  deploy:\n    needs: test\n    runs-on: ubuntu-latest\n    environment: production\n"
        "    steps:\n      - run: helm upgrade --install a ./c\n"
        "  deploy-qa:\n    needs: test\n    runs-on: ubuntu-latest\n    environment: qa\n"
        "    steps:\n      - run: helm upgrade --install a ./c\n"
        "  deploy-nowhere:\n    needs: test\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: kubectl apply -f k8s/\n")
    envs = {"production": EnvironmentConfig(secrets=["KUBE_TOKEN"])}
    report = validate(tmp_path, PipelineConfig(required=["test"]), environments=envs, zizmor=False)
    got = {(f.rule, f.line) for f in report.findings}
    assert got == {("environment-unprotected", 11), ("deploy-secret-missing", 8), ("environment-undeclared", 17),
                   ("deploy-environment", 20)}
    envs = {"production": EnvironmentConfig(secrets=["KUBE_TOKEN"], protected=True)}
    text = (wf / "ci.yml").read_text().replace("./c\n  deploy-qa", "./c\n        env: {T: '${{ secrets.KUBE_TOKEN }}'}\n"
                                               "  deploy-qa", 1)
    (wf / "ci.yml").write_text(text)
    report = validate(tmp_path, PipelineConfig(required=["test"]), environments=envs, zizmor=False)
    assert {f.rule for f in report.findings} == {"environment-undeclared", "deploy-environment"}


def test_no_workflows_is_a_user_error(tmp_path):
    with pytest.raises(ShipitError) as exc:
        validate(tmp_path, PipelineConfig())
    assert "no CI workflow files" in exc.value.message and exc.value.hint


def test_zizmor_findings_are_merged():
    if shutil.which("zizmor") is None:
        from tests.conftest import require_tool

        require_tool("zizmor")
    report = validate_files(load_policy(FIXTURES / "dangerous" / "shipit.yaml"), zizmor=True)
    assert report.zizmor == "ran"
    z = {(f.rule, f.file, f.line) for f in report.findings if f.source == "zizmor"}
    assert ("zizmor/dangerous-triggers", ".github/workflows/pr.yml", 2) in z
    assert ("zizmor/excessive-permissions", ".github/workflows/pr.yml", 3) in z
    # shipit's own findings are all still there
    ours = [f for f in report.findings if f.source == "shipit"]
    assert len(ours) == len(json.loads((FIXTURES / "dangerous" / "expected.json").read_text()))


def test_jobs_that_run_when_their_gates_failed_are_flagged(tmp_path):
    wf = tmp_path / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "ci.yml").write_text(
        "on: push\npermissions: {contents: read}\njobs:\n"
        "  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest && bandit -r . && pip-audit\n"
        "  deploy:\n    needs: test\n    if: ${{ always() }}\n    runs-on: ubuntu-latest\n    environment: staging\n"
        "    steps:\n      - run: helm upgrade --install a ./c\n")
    (tmp_path / ".gitlab-ci.yml").write_text(
        "workflow:\n  rules:\n    - if: $CI_COMMIT_BRANCH\n"  # no merge request pipelines, where `test` would not run
        "test:\n  stage: test\n  script: [pytest, bandit -r src, pip-audit]\n"
        "deploy:\n  stage: deploy\n  environment: staging\n  script: [helm upgrade --install a ./c]\n"
        "  rules:\n    - when: always\n")
    report = validate(tmp_path, PipelineConfig(required=["test"]), zizmor=False)
    assert {(f.rule, f.file, f.line) for f in report.findings} == {
        ("gate-bypass", ".github/workflows/ci.yml", 10), ("gate-bypass", ".gitlab-ci.yml", 11)}


def test_gitlab_local_includes_are_part_of_the_pipeline(tmp_path):
    (tmp_path / "ci").mkdir()
    (tmp_path / ".gitlab-ci.yml").write_text(
        "stages: [test, deploy]\ninclude:\n  - local: /ci/checks.yml\n  - local: ci/missing.yml\n"
        "deploy:\n  stage: deploy\n  environment: staging\n  script: [helm upgrade --install a ./c]\n")
    (tmp_path / "ci" / "checks.yml").write_text(
        "test:\n  stage: test\n  image: python:3.12\n  script:\n    - pytest\n    - bandit -r src\n"
        "    - pip-audit\n    - echo $API_TOKEN\n")
    report = validate(tmp_path, PipelineConfig(required=["test"]), zizmor=False)
    assert {(f.rule, f.file, f.line) for f in report.findings} == {
        ("include-missing", ".gitlab-ci.yml", 2), ("unpinned-image", "ci/checks.yml", 3),
        ("secret-echo", "ci/checks.yml", 8)}
    deploy = next(j for j in report.jobs() if j.id == "deploy")
    assert deploy.needs == ["ci/checks.yml#test"]


MALFORMED = {
    ".github/workflows/ci.yml": [
        "[]", "42", "", "jobs: []", "on: push\njobs:\n  a: 3", "on: push\njobs:\n  a:\n    steps: 5\n    needs: {x: 1}",
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps: [3, null, {uses: 7, with: 3}, {run: [1]}]\n"
        "    permissions: 5\n    environment: [1]\n    container: {}\n    services: [1]",
        "on: {workflow_run: 3}\njobs:\n  a:\n    uses: ./nope.yml\n    if: 3",
    ],
    ".gitlab-ci.yml": [
        "[]", "stages: 3\ninclude: 5\na: {script: 3}",
        "include: [{template: 3}, {local: 5}, 7]\nb:\n  extends: [c]\n  needs: [{pipeline: x}, 3]\n"
        "  environment: {name: prod, action: stop}\n  script: x\nc:\n  extends: b\n  script: [[1, 2]]",
        "a:\n  script: x\n  services: 5\n  environment: [1]\n  image: 5\n  needs: 3\n  when: [1]\n  rules: 4\n"
        "b:\n  extends: 5\n  script: [x]\n  inherit: 3",
    ],
}


@pytest.mark.parametrize("rel,text", [(rel, t) for rel, texts in MALFORMED.items() for t in texts])
def test_malformed_files_give_findings_not_crashes(tmp_path, rel, text):
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    report = validate(tmp_path, PipelineConfig(), zizmor=False)
    assert any(f.rule == "schema" and f.severity == "error" for f in report.findings)
    assert not report.ok


def test_called_workflows_are_gated_at_the_call_site(tmp_path):
    wf = tmp_path / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "ci.yml").write_text(
        "on: push\npermissions: {contents: read}\njobs:\n"
        "  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest && bandit -r . && pip-audit\n"
        "  ship:\n    needs: test\n    uses: ./.github/workflows/deploy.yml\n"
        "  ship-ungated:\n    uses: ./.github/workflows/deploy.yml\n")
    (wf / "deploy.yml").write_text(
        "on: workflow_call\njobs:\n  rollout:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: kubectl apply -f k8s/\n")
    report = validate(tmp_path, PipelineConfig(required=["test"]), zizmor=False)
    got = {(f.rule, f.file, f.line) for f in report.findings}
    assert got == {("gate-order", ".github/workflows/ci.yml", 11),  # ship-ungated: test, sast, dependency-scan
                   ("deploy-environment", ".github/workflows/deploy.yml", 3)}
    assert len([f for f in report.findings if f.rule == "gate-order"]) == 3


def test_gitlab_security_templates_allow_failure_unless_overridden(tmp_path):
    ci = tmp_path / ".gitlab-ci.yml"
    base = ("include:\n  - template: Security/SAST.gitlab-ci.yml\n  - template: Jobs/Dependency-Scanning.gitlab-ci.yml\n"
            "test:\n  stage: test\n  script: [pytest]\n"
            "deploy:\n  stage: deploy\n  environment: staging\n  script: [helm upgrade --install a ./c]\n"
            "  rules:\n    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n")  # where the templates' jobs run
    ci.write_text(base)
    report = validate(tmp_path, PipelineConfig(required=["test"]), zizmor=False)
    assert {(f.rule, f.line) for f in report.findings} == {("gate-soft-fail", 2), ("gate-soft-fail", 3)}
    assert any("`.sast-analyzer: {allow_failure: false}`" in f.hint for f in report.findings)
    ci.write_text(base + ".sast-analyzer:\n  allow_failure: false\n.ds-analyzer:\n  allow_failure: false\n")
    assert validate(tmp_path, PipelineConfig(required=["test"]), zizmor=False).findings == []


def test_gitlab_references_in_any_key_resolve_or_are_named(tmp_path):
    """!reference works in every key GitLab allows it in; one that points nowhere is reference-missing (when no
    unreadable include could define it), never an image called "['.x', 'image']"."""
    (tmp_path / ".gitlab-ci.yml").write_text(
        ".base:\n  image: python:3.12@sha256:" + "0" * 64 + "\n  stage: test\n  needs: []\n  variables: {A: b}\n"
        "job:\n  image: !reference [.base, image]\n  stage: !reference [.base, stage]\n"
        "  needs: !reference [.base, needs]\n  variables: !reference [.base, variables]\n  script:\n    - pytest\n"
        "remote:\n  image: !reference [.nothere, image]\n  script: !reference [.nothere, script]\n")
    report = validate(tmp_path, PipelineConfig(required=["test"]), zizmor=False)
    assert {(f.rule, f.line) for f in report.findings} == {("reference-missing", 13)}
    assert len(report.findings) == 2 and all("'remote'" in f.message for f in report.findings)
    job = next(j for j in report.jobs() if j.id == "job")
    assert job.categories == {"test"} and job.stage == "test" and job.needs == []
