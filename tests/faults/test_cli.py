"""How failures reach the user: a bug is an internal error (exit 70, traceback only with -v), -v and -q work
after the subcommand, a missing package names its extra, an OSError outside any stage names the path,
error lines are never wrapped in a log, and nothing fails silently: configured signing (key, password,
token) and SBOMs fail closed, an unsigned release says so loudly in `shipit status` and on the site."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.faults.conftest import assert_clean_failure, env, git, shipit

BUGGY = r"""
import sys
from shipit import capabilities
from shipit.core.runner import Stage

class Buggy(Stage):
    name = "buggy"
    description = "has a bug"
    def run(self, ctx):
        return {}["no such key"]

make = capabilities.stages
capabilities.stages = lambda: [Buggy(), *make()]
if sys.argv[1] == "outside":  # a bug outside any stage: in the command itself
    import shipit.commands.check as check
    check.check = lambda config: 1 / 0
    sys.argv[1] = "check"
else:
    sys.argv[1:2] = []
from shipit.cli import main
main(sys.argv[1:], prog_name="shipit")
"""


def project(tmp_path: Path, config: str, files: dict[str, str] | None = None) -> Path:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "shipit.yaml").write_text(config)
    for rel, text in (files or {}).items():
        (proj / rel).parent.mkdir(parents=True, exist_ok=True)
        (proj / rel).write_text(text)
    git(proj, "init", "-q", "-b", "main")
    git(proj, "add", "-A")
    git(proj, "commit", "-qm", "feat: start")
    return proj


MINIMAL = "schema_version: 1\nproject:\n  name: demo\n"


def run_script(script: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", script, *args], cwd=cwd, env=env(), capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)


def test_a_bug_in_a_stage_is_an_internal_error(tmp_path):
    proj = project(tmp_path, MINIMAL)
    proc = run_script(BUGGY, "inside", "release", "--version", "1.0.0", cwd=proj)
    assert proc.returncode == 70, proc.stderr
    assert "error: stage 'buggy' failed: internal error: KeyError: 'no such key'" in proc.stderr
    assert "hint: this is a bug in shipit; rerun with -v for the traceback and report it" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in (proj / "release").iterdir()) == [".locks"]  # staging removed
    verbose = run_script(BUGGY, "inside", "release", "--version", "1.0.0", "-v", cwd=proj)  # -v after the command
    assert verbose.returncode == 70 and "Traceback" in verbose.stderr and "KeyError" in verbose.stderr


def test_a_bug_outside_any_stage_is_an_internal_error(tmp_path):
    proj = project(tmp_path, MINIMAL)
    proc = run_script(BUGGY, "outside", cwd=proj)
    assert proc.returncode == 70 and "internal error: ZeroDivisionError: division by zero" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run_script(BUGGY, "outside", "-v", cwd=proj)
    assert proc.returncode == 70 and "Traceback" in proc.stderr


def test_quiet_and_verbose_after_the_subcommand(tmp_path):
    proj = project(tmp_path, MINIMAL)
    quiet = shipit("release", "--version", "1.0.0", "-q", cwd=proj)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""  # no stage lines, no summary; nothing went wrong
    loud = shipit("release", "--version", "1.0.1", "--verbose", cwd=proj)
    assert loud.returncode == 0 and "✓ manifest" in loud.stderr and "Release summary" in loud.stderr
    # warnings and errors still show with -q
    failed = shipit("-q", "release", "--version", "1.0.0", cwd=proj)
    assert failed.returncode == 2 and "already exists" in failed.stderr


def test_a_missing_package_names_its_extra(tmp_path):
    """psycopg made unimportable for real (sys.modules entry None): the PostgreSQL extra is named."""
    demo = Path(__file__).resolve().parents[2] / "examples" / "orders-service"
    script = ("import sys; sys.modules['psycopg'] = None\n"
              "from shipit.cli import main; main(sys.argv[1:], prog_name='shipit')")
    proc = run_script(script, "migrations", "verify", "-c", str(demo / "shipit.yaml"), "--database-url",
                      "postgresql+psycopg://shipit@127.0.0.1:1/none", cwd=tmp_path)
    assert_clean_failure(proc, 1)
    assert "error: this needs the Python package 'psycopg', which is not installed" in proc.stderr
    assert "hint: install shipit's 'postgres' extra: pip install 'shipit[postgres]'" in proc.stderr


def test_an_os_error_outside_a_stage_names_the_path(tmp_path):
    proj = project(tmp_path, MINIMAL)
    (proj / "out").write_text("a file where the output directory should be\n")
    proc = shipit("release", "--version", "1.0.0", "-o", "out", cwd=proj)
    assert_clean_failure(proc, 1)
    assert "error: file exists: out" in proc.stderr or "error: not a directory: out" in proc.stderr, proc.stderr


def test_error_and_warning_lines_are_not_wrapped_in_a_log(tmp_path):
    long_name = "a-very-long-directory-name-that-no-terminal-of-eighty-columns-would-hold-on-one-line" * 2
    proj = project(tmp_path, MINIMAL + f"site:\n  oncall: {long_name}/../../../outside.yaml\n")
    proc = shipit("check", cwd=proj)
    assert proc.returncode == 2
    [line] = [l for l in proc.stderr.splitlines() if "site.oncall" in l]
    assert line.startswith("  shipit.yaml:5:3: site.oncall: ") and "leads out of the project" in line
    assert len(line) > 200  # one line, as long as it needs


# --- nothing fails silently -----------------------------------------------------------------------------


@pytest.mark.parametrize(("signing", "missing"), [
    ("  key: keys/none.key\n", "signing key"),
    ("  mode: keyless\n  identity_token_env: SHIPIT_TEST_NO_SUCH_TOKEN\n", "keyless signing needs an OIDC identity"),
])
def test_configured_signing_without_its_inputs_fails_closed(tmp_path, signing, missing):
    proj = project(tmp_path, MINIMAL + "signing:\n" + signing)
    proc = shipit("release", "--version", "1.0.0", cwd=proj)
    assert_clean_failure(proc, 1)
    assert "stage 'sign' failed" in proc.stderr and missing in proc.stderr
    assert "signing.required: false" in proc.stderr  # the hint names the one way to release unsigned
    assert not (proj / "release" / "1.0.0").exists()


def test_an_sbom_section_with_nothing_to_catalogue_fails(tmp_path):
    proj = project(tmp_path, MINIMAL + "sbom:\n  max_read_mb: 64\n")
    proc = shipit("release", "--version", "1.0.0", cwd=proj)
    assert_clean_failure(proc, 1)
    assert "stage 'sbom' failed: sbom: no images and no Python dependency file" in proc.stderr


@pytest.mark.parametrize("config", [
    MINIMAL + "site: {}\n",
    MINIMAL + "site: {}\nsigning:\n  key: keys/none.key\n  required: false\n",
])
def test_an_unsigned_release_says_so_loudly(tmp_path, config):
    proj = project(tmp_path, config)
    proc = shipit("release", "--version", "1.0.0", "--json", cwd=proj)
    assert proc.returncode == 0, proc.stderr
    sign = next(s for s in json.loads(proc.stdout)["stages"] if s["name"] == "sign")
    assert sign["status"] == "skipped"
    rel = proj / "release" / "1.0.0"
    status = shipit("status", str(rel), "--json", cwd=proj)
    decision = json.loads(status.stdout)
    assert decision["signed"] is False and decision["unsigned"].startswith("no signature over SHA256SUMS")
    text = shipit("status", str(rel), cwd=proj)
    assert "UNSIGNED: no signature over SHA256SUMS" in text.stdout
    page = (rel / "site" / "index.html").read_text()
    assert "UNSIGNED release" in page and "Nothing proves who cut this release" in page
