"""``shipit ci generate``: the release workflow for sharded releases. For the demo and a small project, on
GitHub and GitLab: the file passes ``shipit pipeline validate`` with zero findings (zizmor included on
GitHub) and the platforms' own JSON Schemas (check-jsonschema's vendored copies); GitLab's ``--check`` catches a
stale shard matrix; and the jobs' own scripts, run in the order the platform runs them (plan, one job per
unit in its own clone, merge), cut a release byte-identical to one machine's."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tests.conftest import REPO, run_shipit
from tests.spine.test_shards import UNITS, V, Repo, _origin, key  # noqa: F401  (key: the signing-key fixture)

DEMO = REPO / "examples" / "orders-service" / "shipit.yaml"


def generate(config: Path, provider: str, out: Path) -> Path:
    proc = run_shipit("ci", "generate", "--provider", provider, "--config", str(config), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


def check_jsonschema(path: Path, provider: str) -> None:
    from check_jsonschema import main

    args = ["--builtin-schema", "vendor.gitlab-ci", "--data-transform", "gitlab-ci"] if provider == "gitlab" \
        else ["--builtin-schema", "vendor.github-workflows"]
    result = CliRunner().invoke(main, [*args, str(path)])
    assert result.exit_code == 0, result.output


def place(root: Path, provider: str) -> Path:
    """Where the platform reads the workflow from."""
    path = root / (".github/workflows/release.yml" if provider == "github" else ".gitlab-ci.yml")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.parametrize("provider", ["github", "gitlab"])
@pytest.mark.parametrize("project", ["demo", "small"])
def test_generated_workflow_has_no_findings_and_is_schema_valid(project, provider, tmp_path):
    if project == "demo":
        config = DEMO
    else:
        config = _origin(tmp_path) / "shipit.yaml"
    out = generate(config, provider, place(tmp_path / "wf", provider))
    text = out.read_text()
    data = yaml.safe_load(text)
    check_jsonschema(out, provider)
    args = ["--zizmor"] if provider == "github" and shutil.which("zizmor") else ["--no-zizmor"]
    # the default policy (required gates, pinning, permissions, ...): a missing config means the defaults
    proc = run_shipit("pipeline", "validate", "--config", str(tmp_path / "none.yaml"), "--format", "json", *args,
                      str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["findings"] == [], report["findings"]
    # the release is the last job, after every gate; signing happens there and nowhere else
    if provider == "github":
        jobs = data["jobs"]
        assert set(jobs["merge"]["needs"]) == {"plan", "shard", "test", "lint", "sast", "dependency-scan", "secret-scan"}
        assert jobs["shard"]["strategy"]["matrix"] == "${{ fromJSON(needs.plan.outputs.matrix) }}"
        assert all(j["permissions"] == {"contents": "read"} for n, j in jobs.items() if n != "merge")
        assert data["permissions"] == {}
    else:
        listed = data["shipit-shard"]["parallel"]["matrix"][0]["SHIPIT_UNIT"]
        plan = json.loads(run_shipit("release", "--version", V, "--config", str(config), "--plan-shards",
                                     "--json").stdout)
        assert listed == [u["id"] for u in plan["units"]]
        assert "shipit-shard" in data["shipit-merge"]["needs"]
    # the same inputs give the same bytes
    assert generate(config, provider, out).read_text() == text


def test_gitlab_check_catches_a_stale_matrix(tmp_path):
    origin = _origin(tmp_path)
    out = generate(origin / "shipit.yaml", "gitlab", origin / ".gitlab-ci.yml")
    ok = run_shipit("ci", "generate", "--provider", "gitlab", "--config", str(origin / "shipit.yaml"), "--check", str(out))
    assert ok.returncode == 0, ok.stderr
    assert f"lists the plan's {len(UNITS)} unit(s)" in " ".join(ok.stderr.split())
    # shipit.yaml gains a platform: the committed matrix no longer lists every unit
    config = origin / "shipit.yaml"
    config.write_text(config.read_text().replace("[linux/amd64, linux/arm64]", "[linux/amd64, linux/arm64, linux/ppc64le]"))
    stale = run_shipit("ci", "generate", "--provider", "gitlab", "--config", str(config), "--check", str(out))
    text = " ".join(stale.stderr.split())
    assert stale.returncode == 1, stale.stderr
    assert "the shard matrix is stale" in text and "image:app:linux-ppc64le" in text
    assert "shipit ci generate --provider gitlab" in text and "Traceback" not in text
    # a file that is not YAML is the wrong file given (exit 2), with its line
    broken = tmp_path / "broken.yml"
    broken.write_text("shipit-shard:\n  parallel: [\n")
    bad = run_shipit("ci", "generate", "--provider", "gitlab", "--config", str(config), "--check", str(broken))
    assert bad.returncode == 2 and "broken.yml:3:" in bad.stderr and "Traceback" not in bad.stderr, bad.stderr
    # GitHub's matrix comes from the plan at run time: nothing to check
    gh = run_shipit("ci", "generate", "--provider", "github", "--config", str(config), "--check", str(out))
    assert gh.returncode == 2 and "GitLab" in gh.stderr


def _bash(script: str, cwd: Path, env: dict[str, str]) -> None:
    proc = subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, f"{script}\n{proc.stdout}\n{proc.stderr}"


def _tools_env(repo: Repo, clone: Path, tmp: Path, **extra: str) -> dict[str, str]:
    """The job's environment: `shipit` on PATH (this checkout's), the secrets the workflow documents."""
    bin_dir = tmp / "bin"
    if not bin_dir.exists():
        bin_dir.mkdir()
        (bin_dir / "shipit").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m shipit "$@"\n')
        (bin_dir / "shipit").chmod(0o755)
    env = repo.env(clone, SHIPIT_SHARD_SECRET="shard-secret", **extra)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    return env


def _runs(job: dict) -> dict[str, str]:
    """A GitHub job's `run` steps by name (or command), without the install steps a runner needs."""
    return {s.get("name", s["run"]): s["run"] for s in job["steps"]
            if "run" in s and "pip install" not in s["run"]}


def _jobs(provider: str, wf: Path) -> tuple[dict, str, str, str]:
    """The plan, shard and merge scripts of a generated workflow (shell text), and the environment a tag gives."""
    data = yaml.safe_load(wf.read_text())
    if provider == "github":
        jobs = data["jobs"]
        [plan] = _runs(jobs["plan"]).values()
        [shard] = [s for s in _runs(jobs["shard"]).values() if "--shard" in s]
        [merge] = [s for s in _runs(jobs["merge"]).values() if "--merge" in s]
        return {"VERSION": f"v{V}"}, plan, shard, merge  # github.ref_name on the tag
    # GitLab: the job's script lines, in order (the before_script only installs shipit)
    plan, shard, merge = ("\n".join(data[job]["script"]) for job in ("shipit-plan", "shipit-shard", "shipit-merge"))
    return {"CI_COMMIT_TAG": f"v{V}"}, plan, shard, merge


@pytest.mark.parametrize("provider", ["github", "gitlab"])
def test_jobs_run_in_order_cut_the_one_machine_release(provider, key, tmp_path):  # noqa: F811
    """Each job in its own clean clone of the tagged commit; only the platform's artifacts pass between them
    (the plan file; the shard archives, at the paths the upload step names)."""
    origin = _origin(tmp_path)
    repo = Repo(origin, tmp_path, key)
    wf = generate(origin / "shipit.yaml", provider, place(origin, provider))
    subprocess.run(["git", "add", "-A"], cwd=origin, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "ci: release"],
                   cwd=origin, check=True, env={**os.environ, "GIT_COMMITTER_DATE": "2023-11-14T22:13:20Z",
                                                "GIT_AUTHOR_DATE": "2023-11-14T22:13:20Z"})
    tag, plan_script, shard_script, merge_script = _jobs(provider, wf)

    single = repo.clone()
    proc = repo.shipit(single, "release", "--version", V, "--output", "release")
    assert proc.returncode == 0, proc.stderr

    # plan (GitLab's also checks that the committed matrix lists the plan's units)
    plan_clone = repo.clone()
    outputs = tmp_path / "github_output"
    outputs.write_text("")
    _bash(plan_script, plan_clone, _tools_env(repo, plan_clone, tmp_path, GITHUB_OUTPUT=str(outputs), **tag))
    plan_file = plan_clone / "plan.json"
    if provider == "github":  # the matrix the shard jobs take is the plan job's output
        units = [m["unit"] for m in json.loads(outputs.read_text().removeprefix("matrix="))["include"]]
    else:  # the matrix written into the file
        units = yaml.safe_load(wf.read_text())["shipit-shard"]["parallel"]["matrix"][0]["SHIPIT_UNIT"]
    assert units == UNITS

    # shard: one job per matrix entry, each in its own clone with the plan artifact
    artifacts = []
    for unit in units:
        clone = repo.clone()
        shutil.copy(plan_file, clone / "plan.json")
        variable = {"UNIT": unit} if provider == "github" else {"SHIPIT_UNIT": unit}
        _bash(shard_script, clone, _tools_env(repo, clone, tmp_path, **variable, **tag))
        [archive] = (clone / "out" / "shards").glob("*/*.shard.tar")  # the artifact's path pattern
        artifacts.append((archive, archive.relative_to(clone)))

    # merge: the plan and every shard artifact (GitHub: downloaded into shards/; GitLab: at the job's paths)
    merge_clone = repo.clone()
    shutil.copy(plan_file, merge_clone / "plan.json")
    for archive, rel in artifacts:
        dest = merge_clone / ("shards" if provider == "github" else rel.parent) / archive.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(archive, dest)
    # the small project names a repository, so the job publishes; registry.example.com is not there to take it
    # (publishing to a real registry is the images tests' part): the merge cuts and signs the same release
    assert merge_script.endswith(" --publish")
    _bash(merge_script.removesuffix(" --publish"), merge_clone, _tools_env(repo, merge_clone, tmp_path, **tag))
    merged, one = merge_clone / "release" / V, single / "release" / V
    assert (merged / "SHA256SUMS").read_text() == (one / "SHA256SUMS").read_text()
    verify = run_shipit("verify", str(merged), "--key", repo.key["pub"])
    assert verify.returncode == 0, verify.stdout + verify.stderr
