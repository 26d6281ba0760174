"""Reports: SARIF 2.1.0 checked by the SARIF SDK's own validator and its JSON schema; CLI formats and exit
codes; the release stage's outputs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import REPO, require, run_shipit

FIXTURES = Path(__file__).parent / "fixtures"
MULTITOOL = REPO / "tests" / "node" / "node_modules" / "@microsoft" / "sarif-multitool-linux"


def sarif_of(case: str, tmp_path: Path, *extra: str) -> Path:
    out = tmp_path / f"{case}.sarif"
    proc = run_shipit("pipeline", "validate", "--format", "sarif", "-o", str(out), *extra,
                      cwd=FIXTURES / case)
    assert proc.returncode in (0, 1), proc.stderr
    return out


@pytest.fixture(scope="module")
def sarif_schema() -> dict:
    require((MULTITOOL / "sarif-2.1.0.json").is_file(),
            "npm package @microsoft/sarif-multitool-linux (tests/node: npm install) is not installed")
    return json.loads((MULTITOOL / "sarif-2.1.0.json").read_text())


@pytest.mark.parametrize("case,zizmor", [("dangerous", "--zizmor"), ("good-gitlab", "--no-zizmor")])
def test_sarif_is_valid_against_the_sarif_2_1_0_schema(case, zizmor, tmp_path, sarif_schema):
    doc = json.loads(sarif_of(case, tmp_path, zizmor).read_text())
    jsonschema.validators.validator_for(sarif_schema)(sarif_schema).validate(doc)
    assert doc["version"] == "2.1.0"
    results = [r for run in doc["runs"] for r in run["results"]]
    expected = json.loads((FIXTURES / case / "expected.json").read_text())
    ours = [r for r in doc["runs"][0]["results"]]
    assert [(r["ruleId"], r["level"]) for r in ours] == [(e["rule"], e["severity"]) for e in expected]
    for r in ours:
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith((".yml", ".yaml"))
    if zizmor == "--zizmor" and shutil.which("zizmor"):
        assert doc["runs"][1]["tool"]["driver"]["name"] == "zizmor"
        assert len(results) > len(ours)


def test_sarif_passes_the_sarif_multitool_validator(tmp_path, sarif_schema):
    """Microsoft's SARIF SDK validator (schema + the spec's rules): no error-level complaint."""
    exe = MULTITOOL / "Sarif.Multitool"
    require(os.access(exe, os.X_OK), "Sarif.Multitool is not installed (tests/node: npm install)")
    sarif = sarif_of("dangerous", tmp_path, "--zizmor")
    bad = tmp_path / "broken.sarif"
    doc = json.loads(sarif.read_text())
    del doc["runs"][0]["tool"]["driver"]["name"]  # prove the validator is really looking
    bad.write_text(json.dumps(doc))
    env = {**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"}
    verdicts = {}
    for f in (sarif, bad):
        out = tmp_path / f"{f.stem}.validation.sarif"
        subprocess.run([str(exe), "validate", str(f), "-o", str(out)], env=env, capture_output=True, text=True,
                       timeout=300, check=True)
        results = json.loads(out.read_text())["runs"][0]["results"]
        verdicts[f.name] = [r["ruleId"] for r in results if r.get("level", "warning") == "error"]
    assert verdicts["dangerous.sarif"] == []
    assert verdicts["broken.sarif"] == ["JSON1002"], "the validator accepted a driver without a name"


def test_cli_exit_codes_and_formats(tmp_path):
    good = run_shipit("pipeline", "validate", "--no-zizmor", cwd=FIXTURES / "good-github")
    assert good.returncode == 0, good.stderr
    assert "0 error(s)" in good.stdout
    bad = run_shipit("pipeline", "validate", "--no-zizmor", "--format", "json", cwd=FIXTURES / "deploy-not-gated")
    assert bad.returncode == 1
    doc = json.loads(bad.stdout)
    assert doc["ok"] is False and doc["summary"]["error"] == 1
    assert doc["findings"][0]["rule"] == "gate-order" and doc["findings"][0]["hint"]
    assert "1 error(s)" in bad.stderr
    # explicit FILES override discovery; paths are reported relative to the project
    wf = FIXTURES / "unpinned-action" / ".github" / "workflows" / "ci.yml"
    one = run_shipit("pipeline", "validate", "--no-zizmor", str(wf), cwd=FIXTURES / "unpinned-action")
    assert one.returncode == 1 and ".github/workflows/ci.yml:13: error: [unpinned-action]" in one.stdout
    warn_only = tmp_path / "shipit.yaml"
    warn_only.write_text("schema_version: 1\nproject:\n  name: x\npipeline:\n  severity:\n"
                         "    unpinned-action: warning\n")
    relaxed = run_shipit("pipeline", "validate", "--no-zizmor", "-c", str(warn_only), str(wf), cwd=tmp_path)
    assert relaxed.returncode == 0, relaxed.stdout + relaxed.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("schema_version: 1\nproject:\n  name: x\npipeline:\n  requird: [test]\n")
    cfg_err = run_shipit("pipeline", "validate", "-c", str(broken), str(wf), cwd=tmp_path)
    assert cfg_err.returncode == 2 and "broken.yaml:5" in cfg_err.stderr and "Traceback" not in cfg_err.stderr
    missing = run_shipit("pipeline", "validate", cwd=tmp_path)
    assert missing.returncode == 2 and "no CI workflow files" in missing.stderr  # usage: nothing to check


def test_environments_command():
    proc = run_shipit("pipeline", "environments", "-c", str(FIXTURES / "good-github" / "shipit.yaml"))
    assert proc.returncode == 0, proc.stderr
    assert "## production" in proc.stdout and "`KUBECONFIG_DATA`" in proc.stdout and "`new_checkout` | off" in proc.stdout
    assert "`.github/workflows/ci.yml` → deploy-production" in proc.stdout


def _project(tmp_path: Path, case: str) -> Path:
    proj = tmp_path / case
    shutil.copytree(FIXTURES / case, proj)
    cfg = (proj / "shipit.yaml").read_text() if (proj / "shipit.yaml").exists() else \
        "schema_version: 1\nproject:\n  name: fixture\npipeline:\n  zizmor:\n    enabled: false\n"
    (proj / "shipit.yaml").write_text(cfg)
    return proj


def test_release_stage_writes_reports_deterministically(tmp_path):
    proj = _project(tmp_path, "good-github")
    outs = []
    for i in range(2):
        out = tmp_path / f"release{i}"
        proc = run_shipit("release", "--version", "1.0.0", "-c", str(proj / "shipit.yaml"), "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        outs.append(out / "1.0.0")
    for rel in ("pipeline/report.json", "pipeline/report.sarif", "pipeline/report.md", "pipeline/environments.md"):
        assert (outs[0] / rel).read_bytes() == (outs[1] / rel).read_bytes(), rel
    manifest = json.loads((outs[0] / "manifest.json").read_text())
    kinds = {a["path"]: a["kind"] for a in manifest["artifacts"]}
    assert kinds["pipeline/report.sarif"] == "report" and kinds["pipeline/environments.md"] == "doc"
    env_md = (outs[0] / "pipeline" / "environments.md").read_text()
    assert "| [production](#production) | production | yes |" in env_md
    assert "deploy-production" in env_md and "LOG_LEVEL" in env_md
    assert str(tmp_path) not in (outs[0] / "pipeline" / "report.json").read_text()


def test_release_fails_on_error_findings_and_leaves_nothing(tmp_path):
    proj = _project(tmp_path, "continue-on-error")
    out = tmp_path / "release"
    proc = run_shipit("release", "--version", "1.0.0", "-c", str(proj / "shipit.yaml"), "-o", str(out))
    assert proc.returncode == 1
    assert "gate-soft-fail" in proc.stderr and "pipeline" in proc.stderr
    assert not (out / "1.0.0").exists()
    assert [p.name for p in out.iterdir() if not p.name.startswith(".locks")] == []


def test_init_starter_sections_validate_when_uncommented(tmp_path):
    from shipit.commands.init import render_init
    from shipit.config import load_config

    (tmp_path / ".gitlab-ci.yml").write_text("test:\n  script: [pytest]\n")
    text = render_init(tmp_path)
    assert "\npipeline:\n" in text
    lines, in_envs = [], False
    for ln in text.splitlines():  # uncomment the environments: block only
        in_envs = ln == "# environments:" or (in_envs and ln.startswith("#   "))
        lines.append(ln[2:] if in_envs else ln)
    (tmp_path / "shipit.yaml").write_text("\n".join(lines) + "\n")
    cfg = load_config(tmp_path / "shipit.yaml")
    assert cfg.pipeline.gates["deploy"] == ["test", "sast", "dependency-scan"]
    assert cfg.environments["production"].protected and cfg.environments["staging"].secrets == ["DATABASE_URL"]
