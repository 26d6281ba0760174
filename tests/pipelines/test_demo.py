"""The demo service's GitHub and GitLab pipelines pass shipit's checks, and breaking a gate is caught."""

from __future__ import annotations

import shutil

import pytest

from shipit.pipeline.project import load_policy, validate_files
from tests.conftest import DEMO


@pytest.fixture
def demo_copy(tmp_path):
    if not (DEMO / ".github" / "workflows" / "ci.yml").is_file():
        pytest.fail("the demo's workflows are missing")
    dest = tmp_path / "orders-service"
    shutil.copytree(DEMO, dest, ignore=shutil.ignore_patterns("*.db", "__pycache__", "release"))
    return dest


def test_demo_pipelines_pass(demo_copy):
    policy = load_policy(demo_copy / "shipit.yaml", required=True)
    assert policy.pipeline is not None and policy.environments["production"].protected
    report = validate_files(policy, zizmor=bool(shutil.which("zizmor")))
    assert [f for f in report.findings if f.severity != "note"] == []
    assert {wf.file for wf in report.workflows} == {".github/workflows/ci.yml", ".gitlab-ci.yml"}
    gated = {(g["file"], g["job"]): g["gates"] for g in report.gates}
    for key in ((".github/workflows/ci.yml", "deploy"), (".gitlab-ci.yml", "deploy-production")):
        assert all(gated[key][c] for c in ("test", "sast", "dependency-scan")), gated[key]


def test_breaking_the_demo_is_caught(demo_copy):
    gh = demo_copy / ".github" / "workflows" / "ci.yml"
    text = gh.read_text()
    assert "    needs: [test, lint, sast, dependency-scan, secret-scan, sbom]\n" in text
    gh.write_text(text.replace("    needs: [test, lint, sast, dependency-scan, secret-scan, sbom]\n",
                               "    needs: [lint, sbom]\n"))
    gl = demo_copy / ".gitlab-ci.yml"
    gl.write_text(gl.read_text().replace("    - bandit -c pyproject.toml -r orders migrations deploy\n",
                                         "    - bandit -c pyproject.toml -r orders migrations deploy\n"
                                         "  allow_failure: true\n"))
    report = validate_files(load_policy(demo_copy / "shipit.yaml", required=True), zizmor=False)
    got = {(f.rule, f.file, f.message.split(" (")[0]) for f in report.findings}
    assert ("gate-soft-fail", ".gitlab-ci.yml", "gate 'sast'") in got
    gate_order = {m for r, f, m in got if r == "gate-order" and f == ".github/workflows/ci.yml"}
    # one finding per missing gate, naming every job it leaves ungated
    assert "2 release/deploy jobs can run without a passing test job: 'release', 'deploy'" in gate_order
    assert "2 release/deploy jobs can run without a passing sast job: 'release', 'deploy'" in gate_order
    assert not report.ok
