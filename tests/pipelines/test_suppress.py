"""Accepting reviewed findings: inline `# shipit: ignore[...]` comments and the baseline file; suppressed
findings stay visible in JSON and SARIF; exit codes 0/1/2/70."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from shipit.pipeline.policy import validate
from shipit.pipeline.config import PipelineConfig
from tests.conftest import REPO, require, run_shipit

FIXTURES = Path(__file__).parent / "fixtures"
SARIF_SCHEMA = REPO / "tests" / "node" / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "sarif-2.1.0.json"

WORKFLOW = """\
# shipit: ignore[permissions-missing] the organisation default token is read-only
name: Release
on:
  push:
    tags: ["v*"]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
      - run: pytest -q
  # shipit: ignore[gate-order] SAST and the dependency audit run on main before every tag (ci.yml)
  publish:
    needs: [test]
    runs-on: ubuntu-latest
    steps:
      - uses: pypa/gh-action-pypi-publish@v1.12.4  # shipit: ignore[unpinned-action]
      - uses: docker://alpine:3.20  # shipit: ignore[unpinned-image] mirrored and scanned by the registry
"""


def _project(tmp_path: Path, text: str = WORKFLOW) -> Path:
    wf = tmp_path / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "release.yml").write_text(text)
    (tmp_path / "shipit.yaml").write_text("schema_version: 1\nproject:\n  name: x\npipeline:\n  required: [test]\n")
    return tmp_path


def test_inline_directives_cover_their_line_job_and_file(tmp_path):
    report = validate(_project(tmp_path), PipelineConfig(required=["test"]), zizmor=False)
    by_rule: dict[str, list] = {}
    for f in report.findings:
        by_rule.setdefault(f.rule, []).append(f)
    # file header: both jobs' permissions-missing findings
    assert len(by_rule["permissions-missing"]) == 2
    assert all(f.suppressed and f.suppressed["kind"] == "inline" for f in by_rule["permissions-missing"])
    # the comment right above the job key: every gate-order finding about that job
    assert {f.suppressed["where"] for f in by_rule["gate-order"]} == {".github/workflows/release.yml:12"}
    assert "SAST and the dependency audit" in by_rule["gate-order"][0].suppressed["reason"]
    # trailing comment with a reason: that line only
    assert by_rule["unpinned-image"][0].suppressed["reason"] == "mirrored and scanned by the registry"
    # no reason: not suppressed, and the directive itself is reported
    assert by_rule["unpinned-action"][0].suppressed is None
    invalid = by_rule["suppression-invalid"]
    assert [(f.line, f.severity) for f in invalid] == [(17, "warning")] and "a reason" in invalid[0].message
    assert report.counts["error"] == 1 and not report.ok  # the unpinned action is still an error


def test_unused_directive_is_a_note(tmp_path):
    text = WORKFLOW.replace("      - run: pytest -q\n", "      - run: pytest -q  # shipit: ignore[secret-echo] nothing printed\n")
    report = validate(_project(tmp_path, text), PipelineConfig(required=["test"]), zizmor=False)
    unused = [f for f in report.findings if f.rule == "suppression-unused"]
    assert [(f.line, f.severity) for f in unused] == [(11, "note")]


def test_json_and_sarif_keep_suppressed_findings(tmp_path):
    proj = _project(tmp_path, WORKFLOW.replace("@v1.12.4  # shipit: ignore[unpinned-action]",
                                               "@v1.12.4  # shipit: ignore[unpinned-action] reviewed, pinned by tag"))
    out = tmp_path / "report.json"
    proc = run_shipit("pipeline", "validate", "--no-zizmor", "--format", "json", "-o", str(out), cwd=proj)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(out.read_text())
    assert doc["ok"] is True and doc["summary"]["error"] == 0 and doc["summary"]["suppressed"] >= 4
    suppressed = [f for f in doc["findings"] if "suppressed" in f]
    assert {f["suppressed"]["kind"] for f in suppressed} == {"inline"}
    sarif = tmp_path / "report.sarif"
    proc = run_shipit("pipeline", "validate", "--no-zizmor", "--format", "sarif", "-o", str(sarif), cwd=proj)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    with_suppressions = [r for r in results if r.get("suppressions")]
    assert len(with_suppressions) == len(suppressed)
    s = with_suppressions[0]["suppressions"][0]
    assert s["kind"] == "inSource" and s["status"] == "accepted" and s["justification"]
    require(SARIF_SCHEMA.is_file(), "npm package @microsoft/sarif-multitool-linux (tests/node: npm install) is not installed")
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(json.loads(sarif.read_text()))


def test_baseline_written_with_a_reason_then_applied(tmp_path):
    proj = FIXTURES / "deploy-not-gated"
    work = tmp_path / "proj"
    (work / ".github" / "workflows").mkdir(parents=True)
    (work / ".github" / "workflows" / "ci.yml").write_bytes((proj / ".github" / "workflows" / "ci.yml").read_bytes())
    (work / "shipit.yaml").write_text("schema_version: 1\nproject:\n  name: x\npipeline:\n  baseline: accepted.yml\n"
                                      "  zizmor:\n    enabled: false\n")
    no_reason = run_shipit("pipeline", "validate", "--write-baseline", cwd=work)
    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr and not (work / "accepted.yml").exists()
    before = run_shipit("pipeline", "validate", cwd=work)
    assert before.returncode == 2 and "baseline file not found" in before.stderr
    wrote = run_shipit("pipeline", "validate", "--write-baseline", "--reason", "reviewed: deploys go through "
                       "the release train, which runs the tests", cwd=work)
    assert wrote.returncode == 0, wrote.stdout + wrote.stderr
    text = (work / "accepted.yml").read_text()
    assert "rule: \"gate-order\"" in text and "reviewed: deploys go through" in text
    after = run_shipit("pipeline", "validate", "--format", "json", cwd=work)
    assert after.returncode == 0, after.stdout + after.stderr
    doc = json.loads(after.stdout)
    assert doc["summary"]["error"] == 0 and doc["summary"]["suppressed"] == 1
    assert [f["suppressed"]["kind"] for f in doc["findings"] if "suppressed" in f] == ["baseline"]
    # an entry without a reason is a configuration error that says where
    (work / "accepted.yml").write_text(text.replace("  reason: \"reviewed: deploys go through the release train, "
                                                    "which runs the tests\"\n", ""))
    bad = run_shipit("pipeline", "validate", cwd=work)
    assert bad.returncode == 2 and "accepted.yml:5" in bad.stderr and "no reason" in bad.stderr


def test_crash_case_from_a_real_pipeline_validates_and_writes_its_report(tmp_path):
    """`workflow: rules: !reference [...]` used to crash the YAML position lookup and exit 1 with no report."""
    (tmp_path / ".gitlab-ci.yml").write_text(
        ".rules:\n  rules:\n    - if: $CI_COMMIT_BRANCH\nworkflow:\n  rules: !reference [.rules, rules]\n"
        "test:\n  script:\n    - pytest\n")
    (tmp_path / "shipit.yaml").write_text("schema_version: 1\nproject:\n  name: x\npipeline:\n  required: [test]\n")
    out = tmp_path / "out.txt"
    proc = run_shipit("pipeline", "validate", "--no-zizmor", "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and out.read_text().startswith("1 file(s) checked")


def test_internal_error_exits_70_with_the_traceback_only_under_verbose(monkeypatch):
    from shipit.cli import main
    from shipit.pipeline import project

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(project, "validate_files", broken)
    runner = CliRunner()
    result = runner.invoke(main, ["pipeline", "validate", str(FIXTURES / "good-github" / ".github" / "workflows" /
                                                              "ci.yml")])
    assert result.exit_code == 70, result.output
    assert "internal error: RuntimeError: boom" in result.output and "Traceback" not in result.output
    verbose = runner.invoke(main, ["-v", "pipeline", "validate", str(FIXTURES / "good-github" / ".github" /
                                                                      "workflows" / "ci.yml")])
    assert verbose.exit_code == 70 and "Traceback" in verbose.output


@pytest.mark.parametrize("flag", ["--format=json", "--format=text"])
def test_usage_errors_exit_2(tmp_path, flag):
    proc = run_shipit("pipeline", "validate", flag, cwd=tmp_path)
    assert proc.returncode == 2 and "no CI workflow files" in proc.stderr
